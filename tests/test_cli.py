"""The command line's behaviour that needs no training (issue 7.1 and 9.4).

Training runs through the command line are tested in test_resume.py (resume, SIGKILL, NaN),
test_mirrored.py (``--strategy mirrored``) and test_errors.py (errors in a subprocess).
"""

import json

import pytest

import course_lib.tools.cli as cli
from course_lib.recipes import DEFAULTS, TrainCatsConfig, make_strategy


def test_train_cats_options():
    args = cli.build_parser().parse_args(["train-cats", "--out", "run"])
    config = TrainCatsConfig(**cli.config_fields(args))
    assert config.strategy == "default" and not args.resume
    assert (config.model, config.epochs, config.batch_size) == (
        DEFAULTS["model"], DEFAULTS["epochs"], DEFAULTS["batch_size"])
    args = cli.build_parser().parse_args(["train-cats", "--out", "r", "--strategy", "mirrored",
                                          "--resume", "--learning-rate", "1e-4"])
    config = TrainCatsConfig(**cli.config_fields(args))
    assert config.strategy == "mirrored" and args.resume and config.learning_rate == 1e-4


def test_help_documents_the_strategy_and_global_batch(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["train-cats", "--help"])
    assert info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "{default,mirrored,multi-worker}" in text and "MirroredStrategy" in text
    assert "global batch size" in text


def test_make_strategy():
    import tensorflow as tf

    assert make_strategy("default") is tf.distribute.get_strategy()
    with pytest.raises(ValueError, match="Unknown strategy 'tpu'. Expected 'default' or"):
        make_strategy("tpu")


def test_out_below_a_file(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    assert cli.main(["train-cats", "--out", str(tmp_path / "file" / "run")]) == 2
    err = capsys.readouterr().err
    assert "cannot be created because" in err and "is a file" in err and "another path" in err


def test_file_system_errors_print_one_line(monkeypatch, capsys, tmp_path):
    def denied(args):
        raise PermissionError(13, "Permission denied", "/runs/cats")

    monkeypatch.setattr(cli, "_train_cats", denied)
    assert cli.main(["train-cats", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: /runs/cats: permission denied") and "writable" in err
    assert len(err.strip().splitlines()) == 1


def test_ctrl_c_says_how_to_resume(monkeypatch, capsys, tmp_path):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_train_cats", interrupted)
    assert cli.main(["train-cats", "--out", str(tmp_path / "run")]) == 130
    assert "--resume" in capsys.readouterr().err


def test_resume_may_change_epochs_and_learning_rate_only(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    saved = {"model": "mlp", "batch_size": 64, "seed": 0, "latent_dim": 100,
             "learning_rate": 0.0002}
    (run / "config.json").write_text(json.dumps(saved))
    assert cli.main(["train-cats", "--out", str(run), "--model", "mlp", "--resume",
                     "--seed", "1", "--latent-dim", "8"]) == 2
    err = capsys.readouterr().err
    assert "seed was 0, now 1" in err and "latent_dim was 100, now 8" in err
    assert "only --learning-rate, --epochs and --strategy may change" in err
    assert json.loads((run / "config.json").read_text()) == saved  # untouched


def test_strip_notebooks_reports_broken_json(tmp_path, capsys):
    nb = tmp_path / "broken.ipynb"
    nb.write_text('{"cells": [')
    assert cli.main(["strip-notebooks", str(nb)]) == 2
    err = capsys.readouterr().err
    assert "broken.ipynb is not valid JSON" in err
    assert nb.read_text() == '{"cells": ['


def test_build_gan_uses_the_case_study_settings():
    import numpy as np
    import pytest

    from course_lib.recipes import DEFAULTS, build_gan

    gan = build_gan("dcgan", width=8)
    assert gan.generator.name == "dcgan_generator" and gan.latent_dim == DEFAULTS["latent_dim"]
    assert gan.discriminator.layers[0].filters == 8
    for opt in (gan.d_optimizer, gan.g_optimizer):
        assert float(opt.learning_rate) == pytest.approx(DEFAULTS["learning_rate"])
        assert float(opt.beta_1) == 0.5
    assert gan.d_optimizer is not gan.g_optimizer
    assert gan.generate(2).shape == (2, 28, 28, 1)
    mlp = build_gan("mlp", latent_dim=4, learning_rate=1e-3)
    assert mlp.generator.input_shape == (None, 4)
    assert float(mlp.g_optimizer.learning_rate) == pytest.approx(1e-3)
    assert np.isfinite(mlp.generate(1)).all()
    with pytest.raises(ValueError, match="Unknown model 'vae'"):
        build_gan("vae")
    with pytest.raises(ValueError, match="DCGAN only"):
        build_gan("mlp", width=8)


def test_train_cats_config_is_frozen_and_checked_by_the_validators():
    import dataclasses

    config = TrainCatsConfig(epochs=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.epochs = 4
    assert {"model", "batch_size", "seed", "latent_dim", "learning_rate",
            "strategy"} <= set(config.to_dict())
    assert config.to_dict() == dataclasses.asdict(config)
    with pytest.raises(ValueError, match="epochs must be >= 1"):
        TrainCatsConfig(epochs=0)
    with pytest.raises(TypeError, match="seed must be an int"):
        TrainCatsConfig(seed="1")
    with pytest.raises(ValueError, match="between 0 and 1"):
        TrainCatsConfig(learning_rate=2.0)
    with pytest.raises(ValueError, match="Unknown model 'gan'"):
        TrainCatsConfig(model="gan")


def test_ema_decay_is_a_gan_setting_that_a_resumed_run_keeps():
    from course_lib.recipes import DCGAN_DEFAULTS, MLP_DEFAULTS

    assert TrainCatsConfig().ema_decay == DCGAN_DEFAULTS["ema_decay"]
    assert TrainCatsConfig(model="mlp").ema_decay == MLP_DEFAULTS["ema_decay"] == 0
    assert TrainCatsConfig(ema_decay=0.99).ema_decay == 0.99
    assert TrainCatsConfig(model="vae").ema_decay is None  # not a GAN: no such setting
    with pytest.raises(ValueError, match="ema_decay does not apply to model 'vae'"):
        TrainCatsConfig(model="vae", ema_decay=0.9)
    with pytest.raises(ValueError, match=r"ema_decay must be in \[0, 1\)"):
        TrainCatsConfig(ema_decay=1.0)
    saved = {**TrainCatsConfig(ema_decay=0.99).to_dict(), "replicas": 1}
    assert TrainCatsConfig(ema_decay=0.99, epochs=9).resume_conflicts(saved) == {}
    assert TrainCatsConfig(ema_decay=0).resume_conflicts(saved) == {"ema_decay": (0.99, 0.0)}


def test_augment_is_a_gan_setting_named_by_its_diffaugment_policy():
    assert TrainCatsConfig().augment == TrainCatsConfig(model="mlp").augment == "none"
    assert TrainCatsConfig(augment=" translation, cutout").augment == "translation,cutout"
    assert TrainCatsConfig(model="vae").augment is None
    with pytest.raises(ValueError, match="Unknown DiffAugment policy"):
        TrainCatsConfig(augment="rotation")
    with pytest.raises(ValueError, match="augment does not apply to model 'vae'"):
        TrainCatsConfig(model="vae", augment="translation")
    saved = {**TrainCatsConfig().to_dict(), "replicas": 1}
    assert TrainCatsConfig(augment="cutout").resume_conflicts(saved) == {
        "augment": ("none", "cutout")}


def test_resume_conflicts_compare_the_fixed_fields_only():
    saved = {**TrainCatsConfig().to_dict(), "replicas": 1}
    changed = TrainCatsConfig(epochs=9, learning_rate=1e-4, strategy="mirrored")
    assert changed.resume_conflicts(saved) == {}
    # the families' own defaults differ too (the MLP has no dropout, so that is not compared)
    assert TrainCatsConfig(seed=3, model="mlp").resume_conflicts(saved) == {
        "model": ("dcgan", "mlp"), "seed": (0, 3), "generator_lr_ratio": (2.0, 1.0),
        "r1_weight": (0.5, 0.0)}


def test_train_cats_takes_a_config_object(tmp_path):
    from course_lib.recipes import train_cats

    with pytest.raises(TypeError, match="TrainCatsConfig"):
        train_cats({"epochs": 1}, tmp_path / "run")
    assert not (tmp_path / "run").exists()
