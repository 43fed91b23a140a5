"""Issue 7.2: nothing lost. Checkpoints are atomic and resume a run exactly.

The command-line runs use the article's MLP (``--model mlp``) so that each takes seconds:
``--epochs 4`` equals ``--epochs 2`` then ``--epochs 4 --resume``; a run killed with SIGKILL in
the middle of an epoch resumes from its last checkpoint and ends with the same samples; a loss
that becomes NaN stops the run with a clear message and keeps the last good checkpoint.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

import course_lib as cl

FAST = ["--model", "mlp", "--num-samples", "16", "--quiet"]


def _cli(*argv, cwd, prelude=None):
    """Run the command line in a fresh process (``prelude``: Python run before ``main``)."""
    if prelude is None:
        cmd = [sys.executable, "-m", "course_lib", *argv]
    else:
        code = prelude + "\nimport sys, course_lib.tools.cli\nsys.exit(course_lib.tools.cli.main(sys.argv[1:]))"
        cmd = [sys.executable, "-c", code, *argv]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)


def _summary(proc) -> dict:
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _history(run: Path) -> list[dict]:
    return json.loads((run / "history.json").read_text())


def _losses(run: Path) -> list[tuple]:
    return [(h["epoch"], h["d_loss"], h["g_loss"]) for h in _history(run)]


def _latest(run: Path) -> str:
    """The first line of the index file: which checkpoint is the latest."""
    return (run / "checkpoints" / "checkpoint").read_text().splitlines()[0]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """``train-cats --epochs 4`` in one go: the reference every resumed run must match."""
    cwd = tmp_path_factory.mktemp("uninterrupted")
    summary = _summary(_cli("train-cats", "--epochs", "4", "--out", "run", *FAST, cwd=cwd))
    assert summary["start_epoch"] == 0 and summary["epochs"] == 4 and summary["replicas"] == 1
    run = cwd / "run"
    assert [h["epoch"] for h in _history(run)] == [1, 2, 3, 4]
    assert (run / "samples.png").read_bytes()[:4] == b"\x89PNG"
    config = json.loads((run / "config.json").read_text())
    assert config["model"] == "mlp" and config["strategy"] == "default"
    assert sorted(p.name for p in run.iterdir()) == ["checkpoints", "config.json",
                                                     "history.json", "samples.npy",
                                                     "samples.png"]  # no temp files left
    return run


def test_epochs_4_equals_epochs_2_then_resume_to_4(tmp_path, uninterrupted):
    first = _summary(_cli("train-cats", "--epochs", "2", "--out", "run", *FAST, cwd=tmp_path))
    assert first["start_epoch"] == 0
    run = tmp_path / "run"
    assert [h["epoch"] for h in _history(run)] == [1, 2]
    second = _summary(_cli("train-cats", "--epochs", "4", "--resume", "--out", "run", *FAST,
                           cwd=tmp_path))
    assert second["start_epoch"] == 2
    resumed = np.load(run / "samples.npy")
    reference = np.load(uninterrupted / "samples.npy")
    assert resumed.shape == reference.shape == (16, 28, 28, 1)
    np.testing.assert_allclose(resumed, reference, atol=1e-4, rtol=0)
    assert _losses(run) == _losses(uninterrupted)  # and the same loss curve, epoch by epoch


def test_a_run_checkpoints_its_first_epoch_every_tenth_and_its_last(tmp_path):
    _summary(_cli("train-cats", "--epochs", "12", "--out", "run", *FAST, cwd=tmp_path))
    run = tmp_path / "run"
    assert sorted(int(p.name[4:-6]) for p in (run / "checkpoints").glob("gan-*.index")) == [
        1, 10, 12]
    assert [h["epoch"] for h in _history(run)] == list(range(1, 13))  # every epoch's row


def test_run_killed_with_sigkill_resumes_from_its_last_checkpoint(tmp_path, uninterrupted):
    # Pause the first run after epoch 2 has trained but before its checkpoint is written (one
    # call runs a whole epoch), so that the kill is certain to land inside the run.
    pause = textwrap.dedent("""
        import time
        from course_lib.checkpoints import GANCheckpoint
        def on_epoch_begin(self, epoch, logs=None):
            self._epoch = epoch
        def on_train_batch_end(self, batch, logs=None):
            if self._epoch == 1:  # epoch 2 has trained, its checkpoint is not written
                print("PAUSED", flush=True)
                time.sleep(600)
        GANCheckpoint.on_epoch_begin = on_epoch_begin
        GANCheckpoint.on_train_batch_end = on_train_batch_end
        import sys, course_lib.tools.cli
        sys.exit(course_lib.tools.cli.main(sys.argv[1:]))
    """)
    proc = subprocess.Popen([sys.executable, "-c", pause, "train-cats", "--epochs", "4",
                             "--out", "run", *FAST], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.strip() == "PAUSED", proc.stderr.read()[-3000:]
        assert _latest(tmp_path / "run") == 'model_checkpoint_path: "gan-1"'
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=60) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    assert not (tmp_path / "run" / "samples.npy").exists()
    resumed = _summary(_cli("train-cats", "--epochs", "4", "--resume", "--out", "run", *FAST,
                            cwd=tmp_path))
    assert resumed["start_epoch"] == 1
    np.testing.assert_allclose(np.load(tmp_path / "run" / "samples.npy"),
                               np.load(uninterrupted / "samples.npy"), atol=1e-4, rtol=0)
    assert _losses(tmp_path / "run") == _losses(uninterrupted)


def test_a_gan_with_a_moving_average_resumes_exactly(tmp_path):
    # the averaged generator (the samples' source) is in the checkpoint: 2 + 2 epochs equal 4
    ema = [*FAST, "--ema-decay", "0.9"]
    whole = _summary(_cli("train-cats", "--epochs", "4", "--out", "whole", *ema, cwd=tmp_path))
    assert whole["start_epoch"] == 0
    _summary(_cli("train-cats", "--epochs", "2", "--out", "run", *ema, cwd=tmp_path))
    resumed = _summary(_cli("train-cats", "--epochs", "4", "--resume", "--out", "run", *ema,
                            cwd=tmp_path))
    assert resumed["start_epoch"] == 2
    run, ref = tmp_path / "run", tmp_path / "whole"
    assert json.loads((run / "config.json").read_text())["ema_decay"] == 0.9
    assert any(k.startswith("ema_generator/") for k, _ in
               tf.train.list_variables(str(run / "checkpoints" / "gan-4")))
    np.testing.assert_array_equal(np.load(run / "samples.npy"), np.load(ref / "samples.npy"))
    assert _losses(run) == _losses(ref)
    refused = _cli("train-cats", "--epochs", "5", "--resume", "--out", "run", *FAST, cwd=tmp_path)
    assert refused.returncode != 0 and "ema_decay was 0.9, now 0.0" in refused.stderr


def test_nan_loss_stops_the_cli_and_a_lower_learning_rate_continues(tmp_path):
    # The discriminator loss turns NaN at its 21st call: batch 6 of epoch 2 (15 batches/epoch).
    # Then the command the error message suggests is run, without the poison. Both runs share
    # one process (TensorFlow is imported once); SIGKILL above resumes in a fresh one.
    script = textwrap.dedent("""
        import contextlib, io, json, sys
        import tensorflow as tf
        import course_lib.tools.cli
        from course_lib import losses
        game, calls = losses.GAN_LOSSES["non_saturating"], tf.Variable(0)
        def poisoned(*args, **kwargs):
            calls.assign_add(1)
            return game.discriminator(*args, **kwargs) + tf.where(calls > 20, float("nan"), 0.0)
        losses.GAN_LOSSES["non_saturating"] = game._replace(discriminator=poisoned)
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            first = course_lib.tools.cli.main(json.loads(sys.argv[1]))
        print(json.dumps({"code": first, "stderr": err.getvalue()}))
        losses.GAN_LOSSES["non_saturating"] = game
        sys.exit(course_lib.tools.cli.main(json.loads(sys.argv[2])))
    """)
    base = ["train-cats", "--out", "run", *FAST]
    proc = subprocess.run(
        [sys.executable, "-c", script,
         json.dumps([*base, "--epochs", "3", "--learning-rate", "0.0002"]),
         json.dumps([*base, "--epochs", "2", "--resume", "--learning-rate", "5e-05"])],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    first = json.loads(next(x for x in lines if x.startswith('{"code"')))
    assert first["code"] == 2 and "Traceback" not in first["stderr"], first["stderr"][-3000:]
    err = first["stderr"].strip().splitlines()[-1]
    assert err.startswith("error: Training diverged: {'d_loss': nan") and "epoch 2, batch 6" in err
    assert "keeps its checkpoint of epoch 1" in err
    assert "--resume --learning-rate 5e-05" in err
    # the second run continued from the good epoch 1 with the lower rate
    resumed = json.loads(lines[-1])
    assert resumed["start_epoch"] == 1 and resumed["epochs"] == 2
    run = tmp_path / "run"
    assert [h["epoch"] for h in _history(run)] == [1, 2]
    assert all(np.isfinite(h["d_loss"]) for h in _history(run))
    assert json.loads((run / "config.json").read_text())["learning_rate"] == 5e-05
    ckpt = str(run / "checkpoints" / "gan-2")
    lr_keys = [k for k, _ in tf.train.list_variables(ckpt) if k.endswith(
        "optimizer/_learning_rate/.ATTRIBUTES/VARIABLE_VALUE")]
    assert len(lr_keys) == 2
    for k in lr_keys:
        assert tf.train.load_variable(ckpt, k) == pytest.approx(5e-05)


def test_the_diverged_run_kept_only_good_checkpoints(tmp_path):
    """The same stop, seen from the files: nothing of the NaN epoch reaches the disk."""
    gan = _gan()
    ckpt = tmp_path / "checkpoints"
    x = cl.data.load_cats()[:32].reshape(4, 8, 28, 28, 1).copy()
    x[3, 0, 0, 0, 0] = np.nan  # epoch 2, batch 2
    with pytest.raises(cl.training.TrainingDivergedError):
        gan.fit(tf.data.Dataset.from_tensor_slices(x), epochs=2, steps_per_epoch=2, verbose=0,
                shuffle=False, callbacks=[cl.checkpoints.GANCheckpoint(ckpt)])
    assert _latest(tmp_path) == 'model_checkpoint_path: "gan-1"'
    assert sorted(p.name for p in ckpt.iterdir() if p.name.startswith("gan-")) == [
        "gan-1.data-00000-of-00001", "gan-1.index"]
    assert all(np.all(np.isfinite(tf.train.load_variable(str(ckpt / "gan-1"), k)))
               for k, _ in tf.train.list_variables(str(ckpt / "gan-1"))
               if k.startswith(("d_optimizer", "g_optimizer")))


# ------------------------------------------------------- the checkpoint files themselves
LATENT = 4


def _gan(kind="mlp", latent=LATENT):
    g = getattr(cl.models, f"{kind}_generator")(latent_dim=latent, **(
        {"hidden_units": 8} if kind == "mlp" else {"width": 4}))
    d = getattr(cl.models, f"{kind}_discriminator")(**(
        {"hidden_units": 8} if kind == "mlp" else {"width": 4}))
    gan = cl.training.GAN(g, d, latent_dim=latent, seed=0)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
    return gan


def _state(gan):
    return [np.array(v.numpy()) for v in cl.checkpoints._all_vars(gan)]


def _same(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.fixture(scope="module")
def cats():
    return cl.data.load_cats()[:32]


def test_checkpoint_holds_models_optimizers_step_and_random_state(tmp_path, cats):
    gan = _gan("dcgan")  # with Dropout, whose noise state must be saved too
    gan.fit(cats, batch_size=16, epochs=1, verbose=0)
    prefix = cl.checkpoints.save(gan, tmp_path, 1)
    saved = [k for k, _ in tf.train.list_variables(prefix)
             if k not in ("_CHECKPOINTABLE_OBJECT_GRAPH", "save_counter/.ATTRIBUTES/VARIABLE_VALUE")]
    # every weight, moment estimate, step counter and noise state, plus the epoch
    assert len(saved) == len({id(v) for v in cl.checkpoints._all_vars(gan)}) + 1
    assert {"d_optimizer", "g_optimizer", "generator", "seed_state", "layer_rng", "epoch"} == {
        k.split("/")[0] for k in saved}
    assert "d_optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE" in saved
    # a fresh GAN restored from it continues exactly like the original
    twin = _gan("dcgan")
    assert cl.checkpoints.restore(twin, tmp_path) == 1
    assert _same(_state(twin), _state(gan))
    assert int(twin.g_optimizer.iterations.numpy()) == 2
    for g in (gan, twin):
        g.fit(cats, batch_size=16, epochs=2, initial_epoch=1, shuffle=False, verbose=0)
    assert _same(_state(twin), _state(gan))


def test_crash_between_data_and_index_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    gan = _gan()
    cl.checkpoints.save(gan, tmp_path, 1)
    good = _state(gan)

    def crash(self):
        raise RuntimeError("power cut")

    gan.generator.layers[0].kernel.assign(gan.generator.layers[0].kernel + 1.0)
    monkeypatch.setattr(tf.train.CheckpointManager, "_record_state", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        cl.checkpoints.save(gan, tmp_path, 2)
    monkeypatch.undo()
    assert not list(tmp_path.glob("gan-2*"))  # the failed save removed its partial files ...
    assert cl.checkpoints.latest_epoch(tmp_path) == 1  # ... but never became the latest
    assert cl.checkpoints.restore(gan, tmp_path) == 1
    assert _same(_state(gan), good)


def test_torn_files_of_a_newer_checkpoint_are_ignored(tmp_path):
    gan = _gan()
    cl.checkpoints.save(gan, tmp_path, 1)
    good = _state(gan)
    data = next(tmp_path.glob("gan-1.data*")).read_bytes()
    (tmp_path / "gan-2.index").write_bytes(b"\x00partial")
    (tmp_path / "gan-2.data-00000-of-00001").write_bytes(data[: len(data) // 2])
    (tmp_path / "gan-2_temp").mkdir()
    gan.discriminator.layers[-1].bias.assign([5.0])
    assert cl.checkpoints.restore(gan, tmp_path) == 1
    assert _same(_state(gan), good)


def test_damaged_latest_checkpoint_falls_back_to_the_previous_one(tmp_path):
    gan = _gan()
    cl.checkpoints.save(gan, tmp_path, 1)
    good = _state(gan)
    gan.discriminator.layers[-1].bias.assign([5.0])
    cl.checkpoints.save(gan, tmp_path, 2)
    data = next(tmp_path.glob("gan-2.data*"))
    data.write_bytes(data.read_bytes()[:100])  # the disk lost the end of the newest file
    with pytest.warns(UserWarning, match=r"gan-2 could not be read.*epoch 1"):
        assert cl.checkpoints.restore(gan, tmp_path) == 1
    assert _same(_state(gan), good)


def test_unreadable_index_file_still_finds_the_checkpoints(tmp_path):
    gan = _gan()
    cl.checkpoints.save(gan, tmp_path, 1)
    gan.discriminator.layers[-1].bias.assign([5.0])
    cl.checkpoints.save(gan, tmp_path, 2)
    good = _state(gan)
    (tmp_path / "checkpoint").write_text("{{ not a checkpoint state")
    gan.discriminator.layers[-1].bias.assign([-5.0])
    assert cl.checkpoints.latest_epoch(tmp_path) == 2
    assert cl.checkpoints.restore(gan, tmp_path) == 2
    assert _same(_state(gan), good)


@pytest.mark.parametrize("other", ["dcgan", "latent_dim", "garbage"])
def test_foreign_checkpoint_is_refused_and_leaves_the_weights_untouched(tmp_path, other):
    if other == "garbage":
        (tmp_path / "checkpoint").write_text('model_checkpoint_path: "gan-3"\n')
        (tmp_path / "gan-3.index").write_bytes(os.urandom(256))
        (tmp_path / "gan-3.data-00000-of-00001").write_bytes(os.urandom(1024))
    else:
        foreign = _gan("dcgan") if other == "dcgan" else _gan(latent=LATENT + 1)
        cl.checkpoints.save(foreign, tmp_path, 3)
    gan = _gan()
    before = _state(gan)
    with pytest.raises(ValueError) as info:
        cl.checkpoints.restore(gan, tmp_path)
    msg = str(info.value)
    assert msg.startswith("Cannot restore the checkpoint") and "gan-3" in msg
    assert "same generator, discriminator, latent_dim" in msg and "empty directory" in msg
    assert _same(_state(gan), before)
