"""course_lib.rundir on its own: the lock, the fresh/resume/overwrite decision, atomic writes,
plain I/O errors, resume state that lies, chunked samples and the size estimate.

The command line built on it is tested with real processes in test_cli_faults.py.
"""

import errno
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from course_lib import rundir


def _files(folder):
    return sorted(p.name for p in folder.iterdir())


# ----------------------------------------------------------------------------- the lock
# The helper processes load rundir.py alone (it imports nothing of course_lib or TensorFlow),
# so that they start in a fraction of a second.
LOAD = textwrap.dedent(f"""
    import importlib.util, sys
    spec = importlib.util.spec_from_file_location("rundir", {rundir.__file__!r})
    rundir = sys.modules["rundir"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rundir)
""")
HOLDER = LOAD + textwrap.dedent("""
    import time
    RunLock, sigterm_as_interrupt = rundir.RunLock, rundir.sigterm_as_interrupt
    with sigterm_as_interrupt():
        try:
            with RunLock(sys.argv[1]):
                print("LOCKED", flush=True)
                time.sleep(600)
        except KeyboardInterrupt:
            print("RELEASED", flush=True)
""")


def _holder(folder):
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(folder)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    assert line == "LOCKED", proc.stderr.read()
    return proc


def test_a_second_process_cannot_take_the_lock_until_the_first_releases_it(tmp_path):
    proc = _holder(tmp_path)
    try:
        info = json.loads((tmp_path / rundir.LOCK_NAME).read_text())
        assert info["pid"] == proc.pid and info["host"] and info["started"]
        with pytest.raises(rundir.LockHeldError) as err:
            rundir.RunLock(tmp_path).acquire()
        msg = str(err.value)
        assert f"process {proc.pid}" in msg and "in use by another run" in msg
        assert "Only one process may write a run directory" in msg
        proc.send_signal(signal.SIGTERM)  # released on any exit Python sees
        assert proc.stdout.readline().strip() == "RELEASED"
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    assert not (tmp_path / rundir.LOCK_NAME).exists()
    with rundir.RunLock(tmp_path) as lock:
        assert lock.held and lock.note is None
    assert _files(tmp_path) == []


def test_the_lock_of_a_killed_process_is_stale_and_taken_over(tmp_path, capsys):
    proc = _holder(tmp_path)
    proc.kill()  # SIGKILL: nothing is released
    proc.wait(timeout=60)
    proc.stdout.close()
    proc.stderr.close()
    assert (tmp_path / rundir.LOCK_NAME).exists()
    with rundir.RunLock(tmp_path) as lock:
        assert json.loads(lock.path.read_text())["pid"] == os.getpid()
        assert f"took over the lock of process {proc.pid}" in lock.note
    assert "which no longer runs" in capsys.readouterr().err
    assert _files(tmp_path) == []


def test_a_reused_pid_or_an_old_empty_lock_is_stale_but_a_fresh_empty_one_is_not(tmp_path):
    lock_path = tmp_path / rundir.LOCK_NAME
    # pid 1 runs, but it started long after this lock was written: the pid was reused
    lock_path.write_text(json.dumps({"pid": 1, "host": socket.gethostname(),
                                     "started_unix": 0.0}))
    with rundir.RunLock(tmp_path) as lock:
        assert "took over" in lock.note
    lock_path.write_text("")  # a process died between creating and writing the lock
    with pytest.raises(rundir.LockHeldError, match="being created by another process"):
        rundir.RunLock(tmp_path).acquire()
    old = time.time() - 60
    os.utime(lock_path, (old, old))
    with rundir.RunLock(tmp_path) as lock:
        assert "unreadable lock file" in lock.note


def test_a_lock_from_another_host_is_never_taken_over(tmp_path):
    (tmp_path / rundir.LOCK_NAME).write_text(json.dumps(
        {"pid": 4242, "host": "other-machine", "started": "2026-01-01T00:00:00"}))
    with pytest.raises(rundir.LockHeldError) as err:
        rundir.RunLock(tmp_path).acquire()
    assert "process 4242 on host other-machine" in str(err.value)
    assert "delete" in str(err.value)  # how to get on when that host is gone


def test_the_lock_is_released_when_the_run_raises(tmp_path):
    with pytest.raises(RuntimeError), rundir.open_run(tmp_path / "run"):
        raise RuntimeError("boom")
    assert not (tmp_path / "run").exists()  # created by the run, left empty: removed again


# ----------------------------------------------------------------------------- the decision
def test_out_must_not_be_empty():
    for empty in ("", "  "):
        with pytest.raises(ValueError, match="--out is empty .*unset shell variable"):
            rundir.check_out(empty)


def test_a_folder_that_is_not_a_run_is_refused_and_untouched(tmp_path):
    (tmp_path / "history.json").write_text("my own history")
    (tmp_path / "samples.png").write_bytes(b"my picture")
    for kwargs in ({}, {"resume": True}, {"overwrite": True}):
        with pytest.raises(ValueError) as err, rundir.open_run(tmp_path, **kwargs):
            pass
        msg = str(err.value)
        assert "holds no course_lib run (history.json, samples.png)" in msg
        assert "empty or new folder" in msg
    assert (tmp_path / "history.json").read_text() == "my own history"
    assert _files(tmp_path) == ["history.json", "samples.png"]


def test_an_existing_run_needs_resume_or_overwrite(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "gan-3.index").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValueError) as err, rundir.open_run(tmp_path):
        pass
    assert "already holds a run" in str(err.value)
    assert "--resume" in str(err.value) and "--overwrite" in str(err.value)
    with rundir.open_run(tmp_path, resume=True) as run:
        assert run.mode == "resume"
        run.begin()
    assert "config.json" in _files(tmp_path)
    with rundir.open_run(tmp_path, overwrite=True) as run:
        assert run.mode == "overwrite" and "config.json" in _files(tmp_path)  # not yet
        run.begin()  # only now, just before the first write
        assert _files(tmp_path) == ["notes.txt", rundir.LOCK_NAME]  # only a run's own files
    with pytest.raises(ValueError, match="contradict"), rundir.open_run(
            tmp_path, resume=True, overwrite=True):
        pass


def test_an_empty_folder_is_a_fresh_run(tmp_path):
    with rundir.open_run(tmp_path, resume=True) as run:
        assert run.mode == "fresh" and run.path == tmp_path
        assert _files(tmp_path) == [rundir.LOCK_NAME]


# ----------------------------------------------------------------------------- atomic writes
def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "history.json"
    target.write_text("old")
    os.chmod(target, 0o640)
    with pytest.raises(RuntimeError), rundir.atomic_write(target) as f:
        f.write("half of the new")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old" and _files(tmp_path) == ["history.json"]
    rundir.write_json(target, [1])
    assert json.loads(target.read_text()) == [1] and _files(tmp_path) == ["history.json"]
    assert oct(os.stat(target).st_mode & 0o777) == oct(0o640)  # permissions kept


FSIZE = LOAD + textwrap.dedent("""
    import resource, signal
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # then a too-large write fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), int(sys.argv[1])))
    try:
        rundir.write_text(sys.argv[2], "x" * 100_000)
    except rundir.StorageError as exc:
        print(exc)
""")


def test_a_full_disk_is_called_a_full_disk_and_destroys_nothing(tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("the original")
    out = subprocess.run([sys.executable, "-c", FSIZE, "4096", str(target)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert f"Cannot write {target}: the disk is full (or the file-size limit is reached)" in (
        out.stdout)
    assert target.read_text() == "the original" and _files(tmp_path) == ["notes.txt"]


@pytest.mark.parametrize(("code", "words"), [
    (errno.ENOSPC, "the disk is full"), (errno.EFBIG, "the disk is full"),
    (errno.EACCES, "permission denied (it is not writable)"),
    (errno.EROFS, "read-only file system")])
def test_os_errors_are_described_in_plain_words(code, words):
    msg = rundir.describe_os_error(OSError(code, os.strerror(code)), "run/x.npy", "write")
    assert msg.startswith("Cannot write run/x.npy: ") and words in msg


# ----------------------------------------------------------------------------- resume state
def test_config_that_is_not_an_object_is_refused_by_name(tmp_path):
    path = tmp_path / "config.json"
    for text in ("[1, 2]", '"mlp"', "3"):
        path.write_text(text)
        with pytest.raises(ValueError, match=r"config.json holds a JSON \w+, not an object"):
            rundir.read_config(path)
    path.write_text('{"model": "mlp"}')
    assert rundir.read_config(path) == {"model": "mlp"}


@pytest.mark.parametrize("history", [
    [{"d_loss": 1.0}], [{"epoch": "1"}], [{"epoch": 0}], [3], {"epoch": 1}])
def test_history_entries_without_a_valid_epoch_are_refused_by_name(tmp_path, history):
    path = tmp_path / "history.json"
    path.write_text(json.dumps(history))
    with pytest.raises(ValueError, match="history.json") as err:
        rundir.read_history(path, upto=5)
    assert "delete it to resume without the earlier history" in str(err.value)


def test_history_is_cut_at_the_restored_epoch(tmp_path):
    path = tmp_path / "history.json"
    path.write_text(json.dumps([{"epoch": e} for e in (1, 2, 3)]))
    assert rundir.read_history(path, upto=2) == [{"epoch": 1}, {"epoch": 2}]
    assert rundir.read_history(tmp_path / "missing.json", upto=2) == []


# ----------------------------------------------------------------------------- samples, sizes
def test_samples_written_in_chunks_equal_one_generate_call(tmp_path):
    from course_lib.recipes import build_gan

    gan = build_gan("mlp", latent_dim=4)
    first = rundir.save_samples(tmp_path / "s.npy", gan, 1234, seed=7, keep=5, chunk=500)
    whole = gan.generate(1234, seed=7)
    np.testing.assert_array_equal(np.load(tmp_path / "s.npy"), whole)
    np.testing.assert_array_equal(first, whole[:5])
    assert _files(tmp_path) == ["s.npy"]


def test_a_run_that_cannot_fit_on_the_disk_is_refused_before_training(tmp_path):
    needs = rundir.estimate_bytes(10**11, (28, 28, 1), 1_000_000, epochs=10)
    assert needs["samples.npy"] > 3 * 10**14
    with pytest.raises(ValueError) as err:
        rundir.check_fits(tmp_path / "new", needs)
    msg = str(err.value)
    assert "free, so it would fail after training" in msg and "--num-samples" in msg
    rundir.check_fits(tmp_path, rundir.estimate_bytes(16, (28, 28, 1), 1000, epochs=10))
