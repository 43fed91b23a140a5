"""A run directory is the user's data (chapter 5: the headless ``train-cats`` run).

What this module guarantees for a folder that ``python -m course_lib train-cats --out DIR`` uses:

* **One writer.** :class:`RunLock` creates ``DIR/run.lock`` with ``O_EXCL`` and holds it for the
  run; a second process gets a :class:`LockHeldError` naming the first (pid, host, start time).
  The lock is removed on any exit that Python sees (an error, Ctrl-C, SIGTERM); the lock of a
  process that died without removing it (SIGKILL, power loss) is recognised as stale and taken
  over, with a note.
* **No silent overwrites.** :func:`open_run` decides fresh / resume / overwrite: a non-empty
  folder that is not a run is never written into, an existing run is only continued with
  ``resume`` or discarded with an explicit ``overwrite``, and ``--out ''`` is refused.
* **Every write atomic.** :func:`~course_lib.files.atomic_write` writes a temporary file in the same folder and
  moves it over the target only when complete; the temporary file is removed on any failure,
  Ctrl-C or SIGTERM, so a full disk never destroys the previous version of a file.
* **I/O failures said plainly.** :class:`StorageError` (an ``OSError``) names the file and calls
  a full disk a full disk; :func:`check_fits` refuses, before training, a run whose files
  cannot fit on the disk.

Nothing here imports TensorFlow; :mod:`course_lib.checkpoints` translates TensorFlow's I/O
errors into :class:`StorageError`.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import secrets
import shutil
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from course_lib.files import (
    JSON_FIXES,
    StorageError,
    atomic_write,
    describe_os_error,
    read_json,
    storage_error,
    write_json,
    write_text,
)

__all__ = [
    "LOCK_NAME",
    "RUN_FILES",
    "LockHeldError",
    "Run",
    "RunLock",
    "StorageError",
    "Terminated",
    "WorkerLostError",
    "atomic_write",
    "check_fits",
    "check_memory",
    "check_out",
    "describe_os_error",
    "estimate_bytes",
    "open_run",
    "read_config",
    "read_history",
    "save_samples",
    "sigterm_as_interrupt",
    "write_json",
    "write_text",
    "earlier_history",
]

LOCK_NAME = "run.lock"
#: What a run writes into its folder (and what ``overwrite`` discards, nothing else).
RUN_FILES = ("config.json", "history.json", "samples.npy", "samples.png", "checkpoints")
#: An unreadable (e.g. empty) lock older than this is a process that died while creating it.
_UNREADABLE_LOCK_GRACE_S = 10.0


class LockHeldError(ValueError):
    """Another process holds the run directory's lock."""


class WorkerLostError(RuntimeError):
    """A worker of a multi-worker run stopped answering, so the run stopped on the others; the
    chief's run directory keeps its last good checkpoint (chapter 5, several machines)."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that it unwinds like Ctrl-C (chapter 5)."""


# ----------------------------------------------------------------------------- signals
@contextlib.contextmanager
def sigterm_as_interrupt():
    """Within the block, SIGTERM raises :class:`Terminated` (a ``KeyboardInterrupt``).

    So ``kill``, a job scheduler or a container stop unwinds the run as Ctrl-C does: the step in
    progress is abandoned, ``finally`` clauses remove temporary files and the lock, the last
    good checkpoint stays. Outside the main thread this does nothing.
    """
    def raise_terminated(signum, frame):
        raise Terminated("SIGTERM")

    try:
        previous = signal.signal(signal.SIGTERM, raise_terminated)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# ----------------------------------------------------------------------------- reading state
_CONFIG_FIX = JSON_FIXES["settings"]
_HISTORY_FIX = JSON_FIXES["history"]


def read_config(path) -> dict:
    """The settings a run saved in ``config.json``: a JSON object, or a ``ValueError``."""
    path = Path(path)
    saved = read_json(path, "settings")
    if not isinstance(saved, dict):
        raise ValueError(f"{path} holds a JSON {type(saved).__name__}, not an object of "
                         f"settings, so the run's settings cannot be read. Expected the file as "
                         f"course_lib wrote it ({{\"model\": ..., \"seed\": ...}}); "
                         f"{_CONFIG_FIX}.")
    return saved


def read_history(path, upto: int) -> list[dict]:
    """The entries of ``history.json`` for epochs ``1..upto``; a ``ValueError`` if it lies."""
    path = Path(path)
    if not path.exists():
        return []
    entries = read_json(path, "history")
    if not isinstance(entries, list):
        raise ValueError(f"{path} holds a JSON {type(entries).__name__}, not a list of epochs. "
                         f"Expected the file as course_lib wrote it; {_HISTORY_FIX}.")
    for i, h in enumerate(entries):
        epoch = h.get("epoch") if isinstance(h, dict) else None
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 1:
            raise ValueError(f"{path}: entry {i} has no valid 'epoch' (got {h!r:.80}). Expected "
                             f"one object per epoch with a whole 'epoch' >= 1; {_HISTORY_FIX}.")
    return [h for h in entries if h["epoch"] <= upto]


def earlier_history(out, start: int) -> list[dict]:
    """The ``history.json`` rows of the epochs a run resumed at ``start`` keeps (none for a new
    run, ``start`` 0)."""
    path = Path(out) / "history.json"
    if not start or not path.exists():
        return []
    return read_history(path, upto=start)


# ----------------------------------------------------------------------------- the lock
def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (exited, not yet reaped) holds nothing
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _process_start(pid: int) -> float | None:
    """When ``pid`` started (Unix time), where /proc says so; else None."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/stat", encoding="ascii") as f:
            boot = next(int(line.split()[1]) for line in f if line.startswith("btime"))
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def _read_lock(path: Path) -> dict | None:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ok = isinstance(info, dict) and isinstance(info.get("pid"), int) and "host" in info
    return info if ok else None


class RunLock:
    """``directory/run.lock`` held by this process for the ``with`` block (chapter 5).

    Created with ``O_EXCL`` (so of two processes exactly one gets it) and holding the pid, host,
    start time and command line. Released on any exit of the block. A lock whose process is
    gone (same host, pid not running or reused) is stale: it is taken over with a note on
    stderr. A lock of a live process, or of another host, is a :class:`LockHeldError`.
    """

    def __init__(self, directory, name: str = LOCK_NAME):
        self.path = Path(directory) / name
        self.token = secrets.token_hex(8)
        self.held = False
        self.note: str | None = None

    def _content(self) -> str:
        now = time.time()
        return json.dumps({
            "pid": os.getpid(), "host": socket.gethostname(), "token": self.token,
            "started": datetime.datetime.fromtimestamp(now).astimezone().isoformat(
                timespec="seconds"),
            "started_unix": now, "command": " ".join(sys.argv)[:300],
        })

    def _stale(self, info: dict | None) -> bool:
        if info is None:  # empty or torn: its writer died between create and write, or is
            try:          # writing it right now (then it is a few milliseconds old)
                age = time.time() - self.path.stat().st_mtime
            except FileNotFoundError:
                return True
            return age > _UNREADABLE_LOCK_GRACE_S
        if info["host"] != socket.gethostname():
            return False
        pid = info["pid"]
        if pid == os.getpid() and info.get("token") != self.token:
            return False  # this process holds it through another RunLock
        if not _pid_alive(pid):
            return True
        began, locked = _process_start(pid), info.get("started_unix")
        return began is not None and isinstance(locked, int | float) and began > locked + 2

    def _held_message(self, info: dict | None) -> str:
        if info is None:
            return (f"{self.path.parent} is in use: its lock file {self.path} is being created "
                    "by another process. Wait for that run to end, or use another --out.")
        where = "" if info["host"] == socket.gethostname() else f" on host {info['host']}"
        remote = ("" if not where else " If no such process runs there any more, delete "
                  f"{self.path} and run the command again.")
        return (f"{self.path.parent} is in use by another run: process {info['pid']}{where}, "
                f"started {info.get('started', '?')} ({info.get('command', '?')!s:.120}). Only "
                "one process may write a run directory. Wait for it to end (or stop it), or "
                f"use another --out.{remote}")

    def _take_over(self, info: dict | None) -> bool:
        """Move the stale lock aside; False if another process changed it meanwhile."""
        aside = self.path.with_name(f"{self.path.name}.stale-{os.getpid()}-{self.token}")
        try:
            os.rename(self.path, aside)
        except FileNotFoundError:
            return False
        if _read_lock(aside) != info:  # another process's fresh lock: put it back
            with contextlib.suppress(OSError):
                os.link(aside, self.path)
            with contextlib.suppress(OSError):
                os.unlink(aside)
            return False
        with contextlib.suppress(OSError):
            os.unlink(aside)
        what = ("an unreadable lock file" if info is None else
                f"the lock of process {info['pid']} (started {info.get('started', '?')}), "
                "which no longer runs")
        self.note = f"note: took over {what} in {self.path.parent}."
        print(self.note, file=sys.stderr)
        return True

    def acquire(self) -> RunLock:
        for _ in range(5):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                info = _read_lock(self.path)
                if self._stale(info):
                    self._take_over(info)
                    continue
                raise LockHeldError(self._held_message(info)) from None
            except OSError as exc:
                raise storage_error(exc, self.path, "create the lock file") from None
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(self._content())
            except BaseException as exc:
                with contextlib.suppress(OSError):
                    os.unlink(self.path)
                if isinstance(exc, OSError):
                    raise storage_error(exc, self.path, "write the lock file") from None
                raise
            self.held = True
            return self
        raise LockHeldError(self._held_message(_read_lock(self.path)))

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        info = _read_lock(self.path)
        if info is not None and info.get("token") == self.token:
            with contextlib.suppress(OSError):
                os.unlink(self.path)

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


# ----------------------------------------------------------------------------- the decision
def check_out(out) -> Path:
    """``--out`` as a ``Path``, refusing '' (an unset variable), files and paths below files."""
    if not isinstance(out, str | os.PathLike):
        raise TypeError(f"--out must be a path, got {type(out).__name__}. Pass a folder name "
                        "such as runs/cats.")
    if not str(out).strip():
        raise ValueError("--out is empty (an unset shell variable?), which would train into "
                         "the current directory. Pass the run's folder, e.g. --out runs/cats.")
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise ValueError(f"--out {path} is a file. Expected a directory for the run; pass "
                         "another path.")
    parent = next((p for p in path.absolute().parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise ValueError(f"--out {path} cannot be created because {parent} is a file. "
                         "Expected a path inside a directory; pass another path.")
    return path


def _is_run(path: Path) -> bool:
    ckpt = path / "checkpoints"
    return (path / "config.json").is_file() or (
        ckpt.is_dir() and any(p.name == "checkpoint" or p.name.startswith("gan-")
                              for p in ckpt.iterdir()))


def _listing(names: list[str], most: int = 5) -> str:
    shown = ", ".join(sorted(names)[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


@dataclass
class Run:
    """An open run directory: ``mode`` is 'fresh', 'resume' or 'overwrite'."""

    path: Path
    mode: str
    lock: RunLock
    created: bool = False
    _begun: bool = field(default=False, repr=False)

    def begin(self) -> None:
        """Called just before the run's first write: discards the old run on 'overwrite'.

        Deferred to here so that a run refused for a bad setting discards nothing.
        """
        if self._begun:
            return
        self._begun = True
        if self.mode != "overwrite":
            return
        for name in RUN_FILES:
            target = self.path / name
            try:
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)
                elif target.exists() or target.is_symlink():
                    target.unlink()
            except OSError as exc:
                raise storage_error(exc, target, "remove the old run's") from None


@contextlib.contextmanager
def open_run(out, resume: bool = False, overwrite: bool = False):
    """Lock ``out`` and decide how the run may use it; yield a :class:`Run` (chapter 5).

    * missing or empty folder: a fresh run (``resume`` finds no checkpoint and starts one);
    * an existing run: continued with ``resume``, discarded with ``overwrite`` (at
      :meth:`Run.begin`), else refused;
    * a non-empty folder that is not a run: always refused, nothing in it is touched.

    The decision is made while holding the lock, so two processes cannot both decide 'fresh'.
    A folder this call created is removed again if the run wrote nothing into it.
    """
    if resume and overwrite:
        raise ValueError("--resume and --overwrite contradict each other: --resume continues "
                         "the run, --overwrite discards it. Pass one of them.")
    path = check_out(out)
    created = not path.exists()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise storage_error(exc, path, "create the run folder") from None
    lock = RunLock(path)
    try:
        lock.acquire()
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                path.rmdir()
        raise
    try:
        others = [p.name for p in path.iterdir() if p.name != LOCK_NAME
                  and not p.name.startswith(f"{LOCK_NAME}.stale-")]
        if not others:
            mode = "fresh"
        elif not _is_run(path):
            raise ValueError(
                f"--out {path} is not empty and holds no course_lib run ({_listing(others)}), "
                "so training there would overwrite files that are not a run's. Pass an empty or "
                "new folder as --out."
            )
        elif resume:
            mode = "resume"
        elif overwrite:
            mode = "overwrite"
        else:
            raise ValueError(
                f"{path} already holds a run ({_listing(others)}). Pass --resume to continue "
                "it, or --overwrite to discard it and start again (or use an empty --out)."
            )
        yield Run(path, mode, lock, created)
    finally:
        lock.release()
        if created:
            with contextlib.suppress(OSError):
                path.rmdir()  # only succeeds if the run wrote nothing


# ----------------------------------------------------------------------------- sizes
def _gib(n: float) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.1f} MiB"


def estimate_bytes(num_samples: int, sample_shape, num_params: int, epochs: int,
                   max_to_keep: int = 3) -> dict[str, int]:
    """Bytes a run will write: samples.npy, checkpoints (weights + Adam's two moments), history."""
    per_sample = 4
    for d in sample_shape:
        per_sample *= int(d)
    return {
        "samples.npy": int(num_samples) * per_sample + 128,
        "checkpoints": (int(max_to_keep) + 1) * 3 * int(num_params) * 4 + 65536,
        "history.json": 300 * int(epochs),
    }


def check_fits(out, needs: dict[str, int]) -> None:
    """Refuse, before any training, a run whose files cannot fit on the disk of ``out``."""
    path = Path(out)
    probe = next((p for p in (path, *path.absolute().parents) if p.exists()), Path("."))
    free = shutil.disk_usage(probe).free
    total = sum(needs.values())
    if total > free:
        big = max(needs, key=needs.get)
        hint = (" Write fewer samples (--num-samples)." if big == "samples.npy" else
                " Train fewer epochs (--epochs)." if big == "history.json" else "")
        raise ValueError(
            f"The run would write about {_gib(total)} into {path} "
            f"({', '.join(f'{k} {_gib(v)}' for k, v in needs.items())}), but that disk has only "
            f"{_gib(free)} free, so it would fail after training.{hint} Or free some space, or "
            "use an --out on a larger disk."
        )


def _available_memory() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            kib = next(int(line.split()[1]) for line in f if line.startswith("MemAvailable:"))
        return kib * 1024
    except (OSError, ValueError, StopIteration):
        try:
            return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError):
            return None


def check_memory(params_at, latent_dim: int, chunk: int = 10_000, threshold: int = 4096,
                 kind: str = "GAN", default: int = 100) -> None:
    """Refuse, before building it, a model (a ``kind``) whose training cannot fit in memory.

    ``params_at(d)`` counts the parameters of the model with ``latent_dim=d``; it is called with
    1 and 2 only (tiny models), and the count grows linearly with ``latent_dim``. Training needs
    about four copies of the weights (weights, gradients, Adam's two moments), plus one chunk of
    noise for :func:`save_samples`. Latent sizes up to ``threshold`` are never a problem and are
    not checked. ``default`` is the family's default latent size, for the message.
    """
    if latent_dim <= threshold:
        return
    p1, p2 = params_at(1), params_at(2)
    params = p1 + (p2 - p1) * (latent_dim - 1)
    need = 4 * 4 * params + 4 * chunk * latent_dim
    free = _available_memory()
    if free is not None and need > free:
        raise ValueError(
            f"--latent-dim {latent_dim} gives a {kind} of about {params:,} parameters, which "
            f"needs about {_gib(need)} of memory to train, but this machine has {_gib(free)} "
            f"available. Use a smaller --latent-dim ({default} is the default)."
        )


def _chunk_seed(seed: int, k: int) -> int:
    """The seed of chunk ``k`` of a family without latent noise: ``seed`` itself for chunk 0."""
    import numpy as np

    if k == 0:
        return seed
    return int(np.random.SeedSequence([seed, k]).generate_state(1)[0])


def _sampler(model, seed: int):
    """``draw(m)``: the next ``m`` samples of ``model``, float32.

    A model with an int ``latent_dim`` (a GAN, a VAE) maps standard-normal noise ``z`` to
    samples, so the noise is drawn in sequence from one generator and the chunks together equal
    ``model.generate(n, seed=seed)``. Any other model is asked for ``model.generate(m,
    seed=...)`` per chunk, the first chunk with ``seed`` itself.
    """
    import itertools

    import numpy as np

    latent_dim = getattr(model, "latent_dim", None)
    if isinstance(latent_dim, int) and not isinstance(latent_dim, bool):
        rng = np.random.default_rng(seed)
        return lambda m: model.generate(
            z=rng.standard_normal((m, latent_dim)).astype(np.float32)).astype(np.float32)
    chunks = itertools.count()
    return lambda m: np.asarray(model.generate(m, seed=_chunk_seed(seed, next(chunks))),
                                dtype=np.float32)


def _checked_chunk(samples, m: int, shape, model):
    if samples.shape != (m, *shape):
        raise ValueError(
            f"{type(model).__name__}.generate gave samples of shape {samples.shape} for a "
            f"chunk of {m}, expected {(m, *shape)}. A family's generate(n, seed) must return "
            "n samples of one shape (see course_lib.recipes)."
        )
    return samples


def save_samples(path, model, n: int, seed: int, keep: int = 64, chunk: int = 10_000):
    """Write ``model.generate(n, seed=seed)`` to ``path`` (``.npy``, float32) in chunks.

    Memory holds one chunk, not all ``n`` samples; the file is written atomically. For a model
    with latent noise (a GAN, a VAE) the noise is drawn from one generator in sequence, so the
    file equals ``np.save(path, model.generate(n, seed=seed))`` for any ``n``; for any other
    family it does whenever ``n <= chunk`` (later chunks use seeds derived from ``seed``).
    Returns the first ``keep`` samples (for the image grid).
    """
    import numpy as np

    draw = _sampler(model, seed)
    first = draw(min(chunk, n))
    shape = first.shape[1:]
    first = _checked_chunk(first, min(chunk, n), shape, model)
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)),
              "fortran_order": False, "shape": (int(n), *shape)}
    with atomic_write(path, "wb") as f:
        np.lib.format.write_array_header_1_0(f, header)
        f.write(np.ascontiguousarray(first).tobytes())
        done = len(first)
        while done < n:
            m = min(chunk, n - done)
            f.write(np.ascontiguousarray(_checked_chunk(draw(m), m, shape, model)).tobytes())
            done += m
    return first[:keep]
