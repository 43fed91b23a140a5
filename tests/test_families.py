"""Issue 14.3: ``train-cats --model NAME`` serves every registered family, not only GANs.

The registry (``course_lib.families``), the config that takes a family's defaults, checkpoints
for any model with ``checkpoint_items()`` (and never across families), samples written in
chunks for any family, and the VAE (``--model vae``) trained, resumed and repeated through the
command line. The GAN's own runs are tested in test_resume.py and test_run_safety.py.
"""

import json
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

import course_lib as cl
import course_lib.tools.cli as cli
from course_lib import families, rundir, runs
from course_lib.recipes import DCGAN_DEFAULTS, FAMILIES, MLP_DEFAULTS, TrainCatsConfig


# ----------------------------------------------------------------------------- the registry
def test_the_command_line_offers_every_registered_family_and_describes_it(capsys):
    assert {"mlp", "dcgan", "vae"} <= set(FAMILIES) and FAMILIES is families.FAMILIES
    model = next(a for a in cli.build_parser()._subparsers._group_actions[0].choices[
        "train-cats"]._actions if a.dest == "model")
    assert list(model.choices) == list(FAMILIES)
    with pytest.raises(SystemExit):
        cli.main(["train-cats", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for name, family in FAMILIES.items():
        assert f"{name}: {family.summary}" in text


def test_a_family_module_is_imported_only_when_the_family_is_used():
    code = textwrap.dedent("""
        import sys
        import course_lib.tools.cli as cli
        cli.build_parser().parse_args(["train-cats", "--out", "r", "--model", "vae"])
        assert "tensorflow" not in sys.modules and "course_lib.vae" not in sys.modules
        from course_lib.recipes import TrainCatsConfig
        TrainCatsConfig(model="dcgan")
        assert "course_lib.vae" not in sys.modules, "the dcgan config imported the VAE"
        TrainCatsConfig(model="vae")
        assert "course_lib.vae" in sys.modules
        print("lazy")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0 and "lazy" in out.stdout, out.stderr[-2000:]


def test_unknown_family_names_the_known_ones():
    with pytest.raises(ValueError, match=r"Unknown model 'gan'. Expected one of \('mlp'"):
        families.get("gan")
    with pytest.raises(TypeError, match="family name"):
        TrainCatsConfig(model=3)


# ----------------------------------------------------------------------------- the config
def test_fields_left_none_take_the_family_defaults_and_are_recorded():
    vae = TrainCatsConfig(model="vae")
    assert {k: getattr(vae, k) for k in cl.vae.DEFAULTS} == cl.vae.DEFAULTS
    assert vae.to_dict()["latent_dim"] == cl.vae.DEFAULTS["latent_dim"]
    dcgan, mlp = TrainCatsConfig(), TrainCatsConfig(model="mlp", epochs=7)
    # the discriminator's width left None is the generator's, recorded as a number
    assert {k: getattr(dcgan, k) for k in DCGAN_DEFAULTS} == {**DCGAN_DEFAULTS,
                                                              "discriminator_width": 32}
    assert dcgan.width == 32 and mlp.width is None and mlp.epochs == 7
    assert mlp.latent_dim == MLP_DEFAULTS["latent_dim"]
    assert TrainCatsConfig(model="vae", latent_dim=4, learning_rate=2e-3).latent_dim == 4


def test_a_setting_the_family_does_not_have_is_refused():
    with pytest.raises(ValueError, match="width does not apply to model 'mlp'"):
        TrainCatsConfig(model="mlp", width=8)
    with pytest.raises(ValueError, match="width must be >= 1"):
        TrainCatsConfig(model="vae", width=0)


def test_a_family_whose_defaults_break_the_protocol_is_named(monkeypatch):
    broken = families.Family("GAN", "broken", "course_lib.recipes", "build_gan", "MLP_DEFAULTS")
    monkeypatch.setitem(families.FAMILIES, "broken", broken)
    monkeypatch.setattr(cl.recipes, "MLP_DEFAULTS", {"epochs": 1, "timesteps": 1000})
    with pytest.raises(ValueError, match="family 'broken' must set epochs, batch_size"):
        TrainCatsConfig(model="broken")


def test_an_old_run_without_recorded_defaults_resumes_and_a_family_change_is_named():
    old = {"model": "dcgan", "batch_size": 64, "seed": 0, "latent_dim": 100, "width": None}
    # width None meant 32; a run from before the moving average had none (ema_decay 0), and
    # one from before today's recipe trained both networks at one rate with dropout 0.3 in D
    # (and a discriminator as wide as the generator), without an R1 penalty
    then = {"generator_lr_ratio": 1.0, "dropout": 0.3, "r1_weight": 0.0}
    assert TrainCatsConfig(epochs=9, **then).resume_conflicts(old) == {}
    assert TrainCatsConfig(epochs=9).resume_conflicts(old) == {
        "generator_lr_ratio": (1.0, 2.0), "dropout": (0.3, 0.0), "r1_weight": (0.0, 0.5)}
    assert TrainCatsConfig(epochs=9, discriminator_width=16, **then).resume_conflicts(old) == {
        "discriminator_width": (32, 16)}
    wide = {**old, "width": 8}
    assert TrainCatsConfig(epochs=9, width=8, **then).resume_conflicts(wide) == {}
    assert TrainCatsConfig(epochs=9, ema_decay=0.99, **then).resume_conflicts(old) == {
        "ema_decay": (0.0, 0.99)}
    vae_run = {**TrainCatsConfig(model="vae").to_dict(), "replicas": 1}
    assert TrainCatsConfig().resume_conflicts(vae_run) == {
        "model": ("vae", "dcgan"), "latent_dim": (16, 100)}


def test_the_dcgan_recipe_sets_the_generators_rate_and_ds_dropout_and_resume_keeps_them(
        tmp_path):
    assert TrainCatsConfig().generator_lr_ratio == DCGAN_DEFAULTS["generator_lr_ratio"] == 2.0
    assert TrainCatsConfig(model="mlp").generator_lr_ratio == 1.0
    assert TrainCatsConfig(loss="wgan-gp").generator_lr_ratio == 1.0  # its own tuned recipe
    assert TrainCatsConfig(loss="wgan-gp", generator_lr_ratio=3).generator_lr_ratio == 3.0
    with pytest.raises(ValueError, match="generator_lr_ratio must be a finite number > 0"):
        TrainCatsConfig(generator_lr_ratio=0)
    assert TrainCatsConfig().dropout == 0.0 and TrainCatsConfig(model="mlp").dropout is None
    assert TrainCatsConfig(loss="hinge").dropout is None  # a critic has no dropout
    with pytest.raises(ValueError, match="not to the wgan-gp critic"):
        TrainCatsConfig(loss="wgan-gp", dropout=0.1)
    with pytest.raises(ValueError, match="dropout does not apply to model 'mlp'"):
        TrainCatsConfig(model="mlp", dropout=0.1)
    drop = [layer for layer in cl.recipes.build_model(TrainCatsConfig(width=4, dropout=0.25))
            .discriminator.layers if isinstance(layer, keras.layers.Dropout)]
    assert [layer.rate for layer in drop] == [0.25]
    gan = cl.recipes.build_model(TrainCatsConfig(width=4, learning_rate=4e-4))
    rates = {n: float(o.learning_rate.numpy()) for n, o in (("d", gan.d_optimizer),
                                                           ("g", gan.g_optimizer))}
    assert rates == pytest.approx({"d": 4e-4, "g": 8e-4})
    cl.checkpoints.save(gan, tmp_path / "run" / "checkpoints", 1)
    again = cl.recipes.build_model(TrainCatsConfig(width=4, learning_rate=4e-4))
    # a lowered --learning-rate on --resume lowers both, keeping the generator's twice D's
    assert runs.restore_for_resume(again, tmp_path / "run", 1e-4, resume=True) == 1
    assert float(again.d_optimizer.learning_rate.numpy()) == pytest.approx(1e-4)
    assert float(again.g_optimizer.learning_rate.numpy()) == pytest.approx(2e-4)


def test_the_dcgan_discriminator_is_as_wide_as_the_generator_unless_given_and_resume_keeps_it():
    assert TrainCatsConfig().discriminator_width == 32 == TrainCatsConfig().width
    assert TrainCatsConfig(width=9).discriminator_width == 9
    assert TrainCatsConfig(discriminator_width=24).discriminator_width == 24
    assert TrainCatsConfig(loss="wgan-gp").discriminator_width == 32
    assert TrainCatsConfig(loss="hinge", width=8, discriminator_width=3).discriminator_width == 3
    assert TrainCatsConfig(model="mlp").discriminator_width is None
    assert TrainCatsConfig(model="mlp", loss="wgan-gp").discriminator_width is None
    with pytest.raises(ValueError, match="discriminator_width does not apply to model 'mlp'"):
        TrainCatsConfig(model="mlp", discriminator_width=8)
    with pytest.raises(ValueError, match="discriminator_width must be >= 1"):
        TrainCatsConfig(discriminator_width=0)
    for config, (g, d) in ((TrainCatsConfig(width=8), (8, 8)),
                           (TrainCatsConfig(width=4, discriminator_width=6), (4, 6)),
                           (TrainCatsConfig(width=4, loss="hinge", discriminator_width=2),
                            (4, 2))):
        gan = cl.recipes.build_model(config)
        filters = [layer.filters for layer in gan.generator.layers
                   if isinstance(layer, keras.layers.Conv2DTranspose)]
        conv = [getattr(layer, "layer", layer) for layer in gan.discriminator.layers]
        assert filters[0] == g
        assert [c.filters for c in conv if isinstance(c, keras.layers.Conv2D)] == [d, 2 * d]
    saved = {**TrainCatsConfig().to_dict(), "replicas": 1}
    assert TrainCatsConfig(discriminator_width=16).resume_conflicts(saved) == {
        "discriminator_width": (32, 16)}


# ----------------------------------------------------------------------------- checkpoints
def _vae(seed=0):
    cl.set_seed(seed)
    return cl.vae.build_vae(seed=seed, latent_dim=2, width=4)


def _gan():
    return cl.recipes.build_gan("mlp", latent_dim=4)


def _state(model):
    return [np.array(v.numpy()) for v in cl.checkpoints._all_vars(model)]


def _same(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_the_gan_checkpoints_the_items_its_checkpoints_always_held():
    assert list(_gan().checkpoint_items()) == ["generator", "discriminator", "d_optimizer",
                                               "g_optimizer", "seed_state", "layer_rng"]
    assert list(_vae().checkpoint_items()) == ["encoder", "decoder", "optimizer", "seed_state",
                                               "layer_rng"]


def test_an_object_without_checkpoint_items_is_a_type_error(tmp_path):
    with pytest.raises(TypeError, match=r"model with checkpoint_items\(\)"):
        cl.checkpoints.save(keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]),
                            tmp_path, 1)

    class Odd:
        def checkpoint_items(self):
            return [1, 2]

    with pytest.raises(TypeError, match="must return a non-empty dict"):
        cl.checkpoints.restore(Odd(), tmp_path)


@pytest.mark.parametrize("direction", ["vae_into_gan", "gan_into_vae"])
def test_a_checkpoint_of_another_family_is_refused_and_changes_nothing(tmp_path, direction):
    saved, target = (_vae(), _gan()) if direction == "vae_into_gan" else (_gan(), _vae())
    cl.checkpoints.save(saved, tmp_path, 2)
    before = _state(target)
    with pytest.raises(ValueError, match="written for another model family") as info:
        cl.checkpoints.restore(target, tmp_path)
    assert "Cannot restore the checkpoint" in str(info.value)
    assert _same(_state(target), before)


def test_a_model_that_checkpoints_fewer_items_is_never_restored_in_part(tmp_path):
    vae = _vae()
    cl.checkpoints.save(vae, tmp_path, 1)

    class EncoderOnly:  # a different model whose items all exist in the VAE's checkpoint
        def checkpoint_items(self):
            return {k: v for k, v in vae.checkpoint_items().items() if k != "decoder"}

    with pytest.raises(ValueError, match="decoder, encoder, layer_rng, optimizer, seed_state"):
        cl.checkpoints.restore(EncoderOnly(), tmp_path)


@pytest.fixture(scope="module")
def cats():
    return cl.data.load_cats()[:64]


def _fit_vae(model, cats, start, epochs, callbacks=()):
    ds = cl.data.as_dataset(cats, 16, seed=0, epochs=epochs, start_epoch=start)
    return model.fit(ds, epochs=epochs, initial_epoch=start, steps_per_epoch=4, verbose=0,
                     shuffle=False, callbacks=list(callbacks)).history


def test_vae_resumed_from_a_checkpoint_equals_the_uninterrupted_run(tmp_path, cats):
    whole = _vae()
    _fit_vae(whole, cats, 0, 3)
    first = _vae()
    _fit_vae(first, cats, 0, 1, [cl.checkpoints.RunCheckpoint(tmp_path)])
    resumed = _vae(seed=0)
    resumed.encoder.layers[1].kernel.assign(resumed.encoder.layers[1].kernel + 1.0)
    assert cl.checkpoints.restore(resumed, tmp_path) == 1
    assert _same(_state(resumed), _state(first))
    _fit_vae(resumed, cats, 1, 3)
    assert _same(_state(resumed), _state(whole))  # weights, moments, step, eps state: exact
    np.testing.assert_array_equal(resumed.generate(5, seed=3), whole.generate(5, seed=3))


def test_vae_stops_at_a_nan_loss_and_keeps_the_last_good_checkpoint(tmp_path, cats):
    vae = _vae()
    x = cats[:32].reshape(4, 8, 28, 28, 1).copy()
    x[3, 0, 0, 0, 0] = np.nan  # epoch 2, batch 2
    with pytest.raises(cl.training.TrainingDivergedError, match=r"'loss': nan.*epoch 2, batch 2"):
        vae.fit(tf.data.Dataset.from_tensor_slices(x), epochs=2, steps_per_epoch=2, verbose=0,
                callbacks=[cl.checkpoints.GANCheckpoint(tmp_path)])
    assert vae.diverged_at == (1, 1) and cl.checkpoints.latest_epoch(tmp_path) == 1
    assert sorted(p.name for p in tmp_path.glob("gan-*.index")) == ["gan-1.index"]


def test_vae_factory_compiles_and_builds_its_optimizer():
    vae = cl.vae.build_vae(seed=1, learning_rate=2e-3, latent_dim=3, width=4)
    assert vae.optimizer.built and float(vae.optimizer.learning_rate) == pytest.approx(2e-3)
    assert vae.latent_dim == 3 and vae.encoder.layers[1].filters == 4
    with pytest.raises(ValueError, match="between 0 and 1"):
        cl.vae.build_vae(learning_rate=5.0)


# ----------------------------------------------------------------------------- samples
class _NoLatent:
    """A family without latent noise: generate(n, seed) is all save_samples may use."""

    def __init__(self, shape=(28, 28, 1)):
        self.shape, self.calls = shape, []

    def generate(self, n, seed=0):
        self.calls.append((n, seed))
        return np.random.default_rng(seed).uniform(-1, 1, (n, *self.shape)).astype(np.float32)


def test_samples_of_a_vae_in_chunks_equal_one_generate_call(tmp_path):
    vae = _vae()
    first = rundir.save_samples(tmp_path / "s.npy", vae, 23, seed=5, keep=4, chunk=7)
    whole = vae.generate(23, seed=5)
    # The same noise; the decoder's matmuls may round differently for a batch of 7 and one of
    # 23 (oneDNN picks its kernels by shape), so equal to float32 rounding, not bit for bit.
    np.testing.assert_allclose(np.load(tmp_path / "s.npy"), whole, rtol=0, atol=1e-5)
    np.testing.assert_allclose(first, whole[:4], rtol=0, atol=1e-5)


def test_samples_of_a_family_without_latent_noise_are_seeded_per_chunk(tmp_path):
    model = _NoLatent()
    rundir.save_samples(tmp_path / "one.npy", model, 10, seed=5, chunk=10)
    np.testing.assert_array_equal(np.load(tmp_path / "one.npy"), model.generate(10, seed=5))
    rundir.save_samples(tmp_path / "a.npy", model, 25, seed=5, chunk=10)
    assert [n for n, _ in model.calls[-3:]] == [10, 10, 5]
    seeds = [s for _, s in model.calls[-3:]]
    assert seeds[0] == 5 and len(set(seeds)) == 3
    rundir.save_samples(tmp_path / "b.npy", model, 25, seed=5, chunk=10)
    assert (tmp_path / "a.npy").read_bytes() == (tmp_path / "b.npy").read_bytes()
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy")[:10], model.generate(10, seed=5))


def test_a_family_whose_samples_change_shape_writes_nothing(tmp_path):
    model = _NoLatent()
    model.generate = lambda n, seed=0: np.zeros((n, 28, 28, 1 if seed == 5 else 3), np.float32)
    with pytest.raises(ValueError, match=r"shape \(5, 28, 28, 3\) for a chunk of 5"):
        rundir.save_samples(tmp_path / "s.npy", model, 15, seed=5, chunk=10)
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- --model vae
VAE = ["--model", "vae", "--batch-size", "250", "--num-samples", "16"]


def _cli(*argv, cwd):
    return subprocess.run([sys.executable, "-m", "course_lib", "train-cats", *argv], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def _summary(proc) -> dict:
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _losses(run):
    return [{k: v for k, v in h.items() if k != "seconds"}
            for h in json.loads((run / "history.json").read_text())]


@pytest.fixture(scope="module")
def vae_run(tmp_path_factory):
    """``train-cats --model vae --epochs 2`` in one go, with its progress bar."""
    cwd = tmp_path_factory.mktemp("vae")
    proc = _cli("--epochs", "2", "--out", "run", *VAE, cwd=cwd)
    assert _summary(proc)["trained_epochs"] == 2
    assert "vae on cats: 8 batches done; kl_loss" in proc.stdout
    return cwd / "run"


def test_vae_run_records_its_defaults_and_writes_samples_in_range(vae_run):
    config = json.loads((vae_run / "config.json").read_text())
    assert config["model"] == "vae" and config["batch_size"] == 250
    assert {k: config[k] for k in ("latent_dim", "learning_rate", "width")} == {
        k: cl.vae.DEFAULTS[k] for k in ("latent_dim", "learning_rate", "width")}
    samples = np.load(vae_run / "samples.npy")
    assert samples.shape == (16, 28, 28, 1) and samples.dtype == np.float32
    assert -1 <= samples.min() and samples.max() <= 1
    assert [set(h) for h in _losses(vae_run)] == [{"epoch", "loss", "reconstruction_loss",
                                                   "kl_loss"}] * 2


def test_vae_run_resumed_at_epoch_1_equals_the_run_in_one_go(tmp_path, vae_run):
    assert _summary(_cli("--epochs", "1", "--out", "run", "--quiet", *VAE, cwd=tmp_path))[
        "trained_epochs"] == 1
    resumed = _summary(_cli("--epochs", "2", "--out", "run", "--quiet", "--resume", *VAE,
                            cwd=tmp_path))
    assert resumed["start_epoch"] == 1
    run = tmp_path / "run"
    assert (run / "samples.npy").read_bytes() == (vae_run / "samples.npy").read_bytes()
    assert _losses(run) == _losses(vae_run)


def test_vae_run_repeated_in_a_fresh_process_gives_the_same_numbers(tmp_path, vae_run):
    _summary(_cli("--epochs", "2", "--out", "run", "--quiet", *VAE, cwd=tmp_path))
    assert (tmp_path / "run" / "samples.npy").read_bytes() == (
        vae_run / "samples.npy").read_bytes()
    assert _losses(tmp_path / "run") == _losses(vae_run)


def test_resuming_a_vae_run_as_another_family_is_one_error_line(tmp_path, vae_run, capsys):
    import shutil

    shutil.copytree(vae_run, tmp_path / "run")
    assert cli.main(["train-cats", "--out", str(tmp_path / "run"), "--resume", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "model was 'vae', now 'dcgan'" in err[0]


def test_resuming_keeps_a_learning_rate_schedule_and_refuses_to_change_it():
    schedule = keras.optimizers.schedules.CosineDecay(2e-3, decay_steps=10)
    optimizer = keras.optimizers.Adam(schedule)
    runs.set_learning_rate(optimizer, 2e-3)  # the run's own rate: the schedule stays
    assert cl.compat.learning_rate_schedule(optimizer) is schedule
    with pytest.raises(ValueError, match="follows a schedule that started at 0.002"):
        runs.set_learning_rate(optimizer, 5e-4)
    fixed = keras.optimizers.Adam(1e-3)
    runs.set_learning_rate(fixed, 2.5e-4)  # a fixed rate may be lowered on resume
    assert float(fixed.learning_rate) == pytest.approx(2.5e-4)


# ------------------------------------------------- --model diffusion and --model autoregressive
@pytest.mark.parametrize("family", ["diffusion", "autoregressive"])
def test_chapter_7_family_run_resumed_equals_the_run_in_one_go(tmp_path, family):
    """``train_cats`` serves the chapter 7 families like the GANs: their defaults recorded,
    samples in range, and a run resumed at epoch 1 equal to the run in one go."""
    from course_lib.recipes import TrainCatsConfig, train_cats

    def run(name, epochs, resume=False):
        config = TrainCatsConfig(model=family, epochs=epochs, batch_size=250, num_samples=8)
        return train_cats(config, tmp_path / name, resume=resume, progress=False)

    run("one_go", 2)
    run("resumed", 1)
    assert run("resumed", 2, resume=True)["start_epoch"] == 1
    one, resumed = tmp_path / "one_go", tmp_path / "resumed"
    config = json.loads((one / "config.json").read_text())
    family_defaults = getattr(cl, family).DEFAULTS
    assert config["learning_rate"] == family_defaults["learning_rate"]
    assert config["width"] == family_defaults["width"] and config["latent_dim"] is None
    samples = np.load(one / "samples.npy")
    assert samples.shape == (8, 28, 28, 1) and -1 <= samples.min() and samples.max() <= 1
    # Equal to float32 rounding, not bit for bit: on a loaded machine TensorFlow's graph
    # optimiser sometimes gives up fusing a layer (its "remapper failed" log line), and the
    # unfused ops round the last bit differently (seen once, in a full test run).
    np.testing.assert_allclose(np.load(resumed / "samples.npy"), samples, rtol=0, atol=1e-5)
    for a, b in zip(_losses(resumed), _losses(one), strict=True):
        assert a.keys() == b.keys() and all(a[k] == pytest.approx(b[k], rel=1e-5) for k in a)
