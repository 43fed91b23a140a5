"""A run directory is the user's data: the command line against faults around a run.

Real processes throughout: two ``train-cats`` on one ``--out``, SIGTERM to a training process,
a full disk (a file-size limit, ``RLIMIT_FSIZE``, with SIGXFSZ ignored so that writes fail with
EFBIG), resume state that lies, runs too large for the disk, and the notebook tools on files
that are not theirs. Training runs use the article's MLP for one or two epochs.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import course_lib.tools.cli as cli
from course_lib import rundir

FAST = ["--model", "mlp", "--num-samples", "16", "--quiet"]


def _cli(*argv, cwd, prelude=""):
    """The command line in a fresh process (``prelude``: Python run before ``main``)."""
    code = prelude + "\nimport sys, course_lib.tools.cli\nsys.exit(course_lib.tools.cli.main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *argv], cwd=cwd, capture_output=True,
                          text=True, timeout=600)


def _fsize(limit: int) -> str:
    return textwrap.dedent(f"""
        import resource, signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
    """)


def _one_error_line(proc) -> str:
    err = [line for line in proc.stderr.splitlines() if not _tf_log(line)]
    assert proc.returncode == 2, proc.stderr[-3000:]
    errors = [line for line in err if line.startswith("error: ")]
    assert len(errors) == 1 and err[-1] == errors[0], proc.stderr[-3000:]  # one, at the end
    assert "Traceback" not in proc.stderr
    return errors[0]


def _tf_log(line: str) -> bool:  # TensorFlow's C++ start-up log lines, not ours
    return line[:1] in "IWE" and line[1:5].isdigit() or line.startswith(("WARNING: All log",
                                                                         "To enable"))


def _all_files(run: Path) -> list[str]:
    return sorted(str(p.relative_to(run)) for p in run.rglob("*"))


def _no_temporary_files(run: Path) -> None:
    names = _all_files(run)
    assert not [n for n in names if ".tmp" in n or "_temp" in n or n.endswith(".lock")], names


def _summary(proc) -> dict:
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def two_epochs(tmp_path_factory):
    """A finished ``--epochs 2`` run; tests work on copies."""
    cwd = tmp_path_factory.mktemp("two_epochs")
    _summary(_cli("train-cats", "--epochs", "2", "--out", "run", *FAST, cwd=cwd))
    return cwd / "run"


@pytest.fixture
def run_copy(tmp_path, two_epochs):
    shutil.copytree(two_epochs, tmp_path / "run")
    return tmp_path / "run"


PAUSE = textwrap.dedent("""
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
""")


def test_second_process_is_refused_and_sigterm_keeps_the_last_checkpoint(tmp_path, capsys):
    code = PAUSE + "\nimport sys, course_lib.tools.cli\nsys.exit(course_lib.tools.cli.main(sys.argv[1:]))"
    first = subprocess.Popen([sys.executable, "-c", code, "train-cats", "--epochs", "3",
                              "--out", "run", *FAST], cwd=tmp_path, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    run = tmp_path / "run"
    try:
        assert first.stdout.readline().strip() == "PAUSED", first.stderr.read()[-3000:]
        # a second process, a --resume of the same run: refused, naming the first
        second = _cli("train-cats", "--epochs", "3", "--out", "run", "--resume", *FAST,
                      cwd=tmp_path)
        line = _one_error_line(second)
        assert f"is in use by another run: process {first.pid}" in line
        # and a fresh run into it (in this process): refused the same way, before anything
        assert cli.main(["train-cats", "--out", str(run), *FAST]) == 2
        assert f"process {first.pid}" in capsys.readouterr().err
        first.send_signal(signal.SIGTERM)  # a real signal, as kill or a scheduler sends
        assert first.wait(timeout=120) == 143
        err = first.stderr.read()
    finally:
        if first.poll() is None:
            first.kill()
        first.stdout.close()
        first.stderr.close()
    ours = [ln for ln in err.splitlines() if not _tf_log(ln)]
    assert ours == ["terminated (SIGTERM). A train-cats run continues from its last "
                    "checkpoint with --resume."], err[-3000:]
    assert "Traceback" not in err
    assert (run / "checkpoints" / "checkpoint").read_text().splitlines()[0] == (
        'model_checkpoint_path: "gan-1"')
    _no_temporary_files(run)  # and the lock is gone
    assert not (run / "samples.npy").exists()
    resumed = _summary(_cli("train-cats", "--epochs", "2", "--out", "run", "--resume", *FAST,
                            cwd=tmp_path))
    assert resumed["start_epoch"] == 1 and resumed["trained_epochs"] == 2
    assert [h["epoch"] for h in json.loads((run / "history.json").read_text())] == [1, 2]


def test_full_disk_while_checkpointing_keeps_the_last_good_checkpoint(run_copy):
    before = sorted(p.name for p in (run_copy / "checkpoints").iterdir())
    # 1 MB per file: the history fits, the 2.6 MB checkpoint of epoch 3 does not
    proc = _cli("train-cats", "--epochs", "3", "--out", "run", "--resume", *FAST,
                cwd=run_copy.parent, prelude=_fsize(1_000_000))
    line = _one_error_line(proc)
    assert "the disk is full (or the file-size limit is reached)" in line
    assert str(Path("run") / "checkpoints" / "gan-3") in line
    assert "The last good checkpoint (epoch 2) is kept" in line and "--resume" in line
    assert sorted(p.name for p in (run_copy / "checkpoints").iterdir()) == before
    _no_temporary_files(run_copy)
    # samples.npy (16,000 samples: 50 MB) cannot be written: the old one stays, nothing torn
    old = (run_copy / "samples.npy").read_bytes()
    proc = _cli("train-cats", "--epochs", "2", "--out", "run", "--resume", "--model", "mlp",
                "--num-samples", "16000", "--quiet", cwd=run_copy.parent,
                prelude=_fsize(3_000_000))
    line = _one_error_line(proc)
    assert line.startswith(f"error: Cannot write {Path('run') / 'samples.npy'}: the disk is full")
    assert (run_copy / "samples.npy").read_bytes() == old
    _no_temporary_files(run_copy)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_unwritable_checkpoints_on_resume_is_one_error_line(run_copy):
    ckpt = run_copy / "checkpoints"
    ckpt.chmod(0o555)
    try:
        proc = _cli("train-cats", "--epochs", "3", "--out", "run", "--resume", *FAST,
                    cwd=run_copy.parent)
    finally:
        ckpt.chmod(0o755)
    assert "not writable" in _one_error_line(proc)


def test_resume_with_history_entries_without_epoch_is_refused(run_copy):
    history = run_copy / "history.json"
    history.write_text(json.dumps([{"d_loss": 0.7, "g_loss": 0.7}]))
    line = _one_error_line(_cli("train-cats", "--epochs", "3", "--out", "run", "--resume",
                                *FAST, cwd=run_copy.parent))
    assert "history.json: entry 0 has no valid 'epoch'" in line
    assert json.loads(history.read_text()) == [{"d_loss": 0.7, "g_loss": 0.7}]  # untouched


def test_resume_with_fewer_epochs_titles_the_samples_with_the_trained_epochs(run_copy):
    spy = textwrap.dedent("""
        import course_lib as cl
        original = cl.plotting.save_image_grid
        def spy(images, path, **kw):
            print("TITLE", kw.get("title"), flush=True)
            return original(images, path, **kw)
        cl.plotting.save_image_grid = spy
    """)
    proc = _cli("train-cats", "--epochs", "1", "--out", "run", "--resume", *FAST,
                cwd=run_copy.parent, prelude=spy)
    assert _summary(proc)["trained_epochs"] == 2
    assert "TITLE mlp, 2 epochs" in proc.stdout
    assert "already trained for 2 epochs (asked for 1)" in proc.stderr


def test_config_that_is_not_an_object_is_refused(run_copy, capsys):
    (run_copy / "config.json").write_text("[1, 2]")
    assert cli.main(["train-cats", "--out", str(run_copy), "--resume", *FAST]) == 2
    err = capsys.readouterr().err
    assert "config.json holds a JSON list, not an object" in err
    assert not (run_copy / rundir.LOCK_NAME).exists()


def test_fresh_run_into_a_run_is_refused_and_overwrite_discards_it(run_copy, capsys):
    files = _all_files(run_copy)
    assert cli.main(["train-cats", "--out", str(run_copy), *FAST]) == 2
    err = capsys.readouterr().err
    assert "already holds a run" in err and "--resume" in err and "--overwrite" in err
    assert _all_files(run_copy) == files
    summary = _summary(_cli("train-cats", "--epochs", "1", "--out", "run", "--overwrite", *FAST,
                            cwd=run_copy.parent))
    assert summary["start_epoch"] == 0
    assert [h["epoch"] for h in json.loads((run_copy / "history.json").read_text())] == [1]
    assert sorted(p.name for p in (run_copy / "checkpoints").iterdir()) == [
        "checkpoint", "gan-1.data-00000-of-00001", "gan-1.index"]


def test_folder_that_is_not_a_run_and_empty_out_are_refused(tmp_path, monkeypatch, capsys):
    mine = tmp_path / "analysis"
    mine.mkdir()
    (mine / "history.json").write_text("my own notes")
    (mine / "samples.png").write_bytes(b"my own picture")
    for extra in ([], ["--resume"], ["--overwrite"]):
        assert cli.main(["train-cats", "--out", str(mine), *FAST, *extra]) == 2
        assert "holds no course_lib run (history.json, samples.png)" in capsys.readouterr().err
    assert (mine / "history.json").read_text() == "my own notes"
    assert sorted(p.name for p in mine.iterdir()) == ["history.json", "samples.png"]
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train-cats", "--out", "", *FAST]) == 2
    assert "--out is empty" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["analysis"]


def test_gan_too_large_for_memory_is_refused_before_it_is_built(tmp_path, capsys):
    assert cli.main(["train-cats", "--out", str(tmp_path / "run"), "--latent-dim",
                     str(10**9), *FAST]) == 2
    err = capsys.readouterr().err
    assert "--latent-dim 1000000000 gives a GAN of about" in err and "available" in err
    assert not (tmp_path / "run").exists()


def test_run_too_large_for_the_disk_is_refused_before_training(tmp_path):
    proc = _cli("train-cats", "--out", "run", "--model", "mlp", "--num-samples",
                str(10**11), "--quiet", cwd=tmp_path)
    line = _one_error_line(proc)
    assert "free, so it would fail after training" in line and "--num-samples" in line
    assert not (tmp_path / "run").exists()  # nothing trained, nothing written


# ----------------------------------------------------------------------------- notebook tools
def _notebook(*cells, meta=None):
    return {"cells": [{"cell_type": "code", "metadata": {}, "source": src, "outputs": [],
                       "execution_count": 1} for src in cells],
            "metadata": meta or {}, "nbformat": 4, "nbformat_minor": 5}


def test_strip_notebooks_refuses_what_is_not_a_notebook_and_changes_nothing(tmp_path, capsys):
    good = tmp_path / "good.ipynb"
    good.write_text(json.dumps(_notebook("x = 1")))
    for name, text, why in [("settings.json", '{"theme": "dark"}', "no list of 'cells'"),
                            ("list.ipynb", "[1, 2]", "holds a JSON list"),
                            ("binary.ipynb", "\udcff", "not valid JSON")]:
        bad = tmp_path / name
        bad.write_bytes(text.encode("utf-8", "surrogateescape"))
        before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
        assert cli.main(["strip-notebooks", str(good), str(bad)]) == 2
        err = capsys.readouterr().err
        assert f"{bad}" in err and why in err, err
        assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # nothing changed


def test_strip_notebooks_on_a_full_disk_keeps_the_notebook(tmp_path):
    nb = tmp_path / "chapter.ipynb"
    nb.write_text(json.dumps(_notebook(*[f"x{i} = {i}" for i in range(200)])))
    before = nb.read_bytes()
    proc = _cli("strip-notebooks", "chapter.ipynb", cwd=tmp_path, prelude=_fsize(2000))
    line = _one_error_line(proc)
    assert line.startswith("error: Cannot write chapter.ipynb: the disk is full")
    assert nb.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == [
        "chapter.ipynb"]


def test_make_exercises_replaces_and_deletes_only_what_it_generated(tmp_path, capsys):
    sol, ex = tmp_path / "solutions", tmp_path / "exercises"
    sol.mkdir()
    ex.mkdir()
    solution = _notebook("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n")
    (sol / "a.ipynb").write_text(json.dumps(solution))
    (sol / "b.ipynb").write_text(json.dumps(solution))
    own = json.dumps(_notebook("my practice"))
    (ex / "a.ipynb").write_text(own)  # the instructor's own, same name as a solution
    (ex / "practice.ipynb").write_text(own)  # the instructor's own, no solution
    mark = {"course_lib": {"generator": "python -m course_lib make-exercises"}}
    (ex / "old.ipynb").write_text(json.dumps(_notebook("x", meta=mark)))  # generated, orphan
    assert cli.main(["make-exercises", "--root", str(tmp_path)]) == 0
    cap = capsys.readouterr()
    assert "written: b.ipynb, old.ipynb" in cap.out
    assert f"left alone: {ex / 'a.ipynb'} was not generated by make-exercises" in cap.err
    assert f"left alone: {ex / 'practice.ipynb'} has no solution notebook" in cap.err
    assert (ex / "a.ipynb").read_text() == own and (ex / "practice.ipynb").read_text() == own
    assert sorted(p.name for p in ex.iterdir()) == ["a.ipynb", "b.ipynb", "practice.ipynb"]
    assert "NotImplementedError" in (ex / "b.ipynb").read_text()
    # a solution that is not JSON: named, and nothing written
    (sol / "c.ipynb").write_text("{ broken")
    (ex / "b.ipynb").unlink()
    assert cli.main(["make-exercises", "--root", str(tmp_path)]) == 2
    assert f"{sol / 'c.ipynb'} is not valid JSON" in capsys.readouterr().err
    assert sorted(p.name for p in ex.iterdir()) == ["a.ipynb", "practice.ipynb"]


# ----------------------------------------------------------------------------- checkpoints
def _small_gan():
    from course_lib.recipes import build_gan

    return build_gan("mlp", latent_dim=4)


def test_a_garbled_index_is_rewritten_and_later_saves_work(tmp_path):
    import course_lib as cl

    gan = _small_gan()
    for epoch in (1, 2):
        cl.checkpoints.save(gan, tmp_path, epoch)
    (tmp_path / "checkpoint").write_bytes(b"\xff\xfe\x00\x89garbled")  # bit rot, binary
    assert cl.checkpoints.restore(_small_gan(), tmp_path) == 2  # restore copes ...
    with pytest.warns(UserWarning, match=r"checkpoint could not be read; rewrote it .*gan-2"):
        cl.checkpoints.save(gan, tmp_path, 3)  # ... and so does every later save
    for epoch in (4, 5):
        cl.checkpoints.save(gan, tmp_path, epoch)
    assert cl.checkpoints.latest_epoch(tmp_path) == 5
    assert sorted(p.name for p in tmp_path.glob("*.index")) == [  # max_to_keep still applies
        "gan-3.index", "gan-4.index", "gan-5.index"]


@pytest.mark.parametrize(("tf_error", "words"), [
    ("ResourceExhaustedError", "the disk is full"),
    ("PermissionDeniedError", "permission denied (it is not writable)")])
def test_a_failed_save_names_the_file_and_keeps_the_last_good_checkpoint(tmp_path, monkeypatch,
                                                                           tf_error, words):
    import tensorflow as tf

    import course_lib as cl

    gan = _small_gan()
    cl.checkpoints.save(gan, tmp_path, 1)
    original = tf.train.Checkpoint._write

    def failing_write(self, file_prefix, *args, **kwargs):
        Path(file_prefix + ".index").write_bytes(b"torn")  # what a failing write leaves
        (Path(tmp_path) / "gan-2_temp").mkdir()
        raise getattr(tf.errors, tf_error)(None, None, "write failed")

    monkeypatch.setattr(tf.train.Checkpoint, "_write", failing_write)
    with pytest.raises(rundir.StorageError) as err:
        cl.checkpoints.save(gan, tmp_path, 2)
    monkeypatch.setattr(tf.train.Checkpoint, "_write", original)
    msg = str(err.value)
    assert msg.startswith(f"Cannot write the checkpoint {tmp_path / 'gan-2'}: ") and words in msg
    assert "The last good checkpoint (epoch 1) is kept" in msg
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "checkpoint", "gan-1.data-00000-of-00001", "gan-1.index"]
    assert cl.checkpoints.restore(_small_gan(), tmp_path) == 1
