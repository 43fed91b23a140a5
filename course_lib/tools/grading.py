"""Grade a class's exercise notebooks with the course's checks (instructors; INSTRUCTORS.md).

``python -m course_lib grade SUBMISSION.ipynb ... --out grades.csv`` runs each submission from
the top in a fresh Jupyter kernel of its own, in a temporary working directory, under a
wall-clock limit and a memory limit (``RLIMIT_AS``, set in the kernel process by a small
launcher), ``--jobs`` at a time. It never reads the outputs stored in a notebook.

A submission is untrusted code, so the checks run in the *grader's* process, on the grader's own
``course_lib.checks``: the learner's function stays in the learner's kernel, and the check calls
it through a proxy that sends the probe inputs as plain data (``course_lib.tools.wire``: JSON
with base64 arrays) and decodes the result without unpickling or evaluating anything. Patching
``course_lib.checks``, NumPy or builtins inside the kernel, or printing "passed", therefore
changes nothing the grader sees except what the learner's function returns.

Which exercises a notebook has comes from the registry (``cl.checks.CHECKS``) of its chapter,
never from the notebook; which name in the notebook answers which exercise comes from the
course's own exercise notebook (``exercises/NN_*_exercises.ipynb``), else from the exercise id.
"""

from __future__ import annotations

import ast
import builtins
import csv
import html
import io
import json
import os
import queue
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from course_lib.tools import wire

__all__ = [
    "DEFAULT_JOBS",
    "DEFAULT_MEMORY_MB",
    "DEFAULT_TIMEOUT",
    "Row",
    "Submission",
    "exercises_of",
    "grade",
    "read_submission",
    "summary",
    "write_csv",
    "write_feedback",
    "write_gradebook",
]

#: Per-submission wall-clock limit in seconds (kernel start, every cell and every check).
DEFAULT_TIMEOUT = 300
#: Address-space limit of a learner's kernel: TensorFlow's import alone maps about 1 GB.
DEFAULT_MEMORY_MB = 1536
#: Kernels at a time; one fits a 2-core, 2 GB machine next to the grader (about 0.6 GB).
DEFAULT_JOBS = 1
MAX_NOTEBOOK_BYTES = 20 * 2**20
STATUSES = ("passed", "failed", "not attempted", "error")
TOTAL = "total"
FIELDS = ("submission", "exercise", "status", "message", "expected", "found", "hint", "score",
          "max_score")

_REPO = Path(__file__).resolve().parents[2]


@dataclass
class Row:
    """One line of grades.csv: a submission's result on one exercise (or its total)."""

    submission: str
    exercise: str
    status: str
    message: str
    expected: str = ""
    found: str = ""
    hint: str = ""
    score: int = 0
    max_score: int = 1


@dataclass
class Submission:
    """A submission read into memory before anything runs; ``problem`` says why it cannot."""

    name: str
    chapter: str | None = None
    cells: list[str] = field(default_factory=list)
    problem: str | None = None


# --------------------------------------------------------------------------------- reading
def exercises_of(chapter: str) -> list[str]:
    """The exercise ids the checks registry defines for ``chapter`` (e.g. ``"ch01"``)."""
    from course_lib.checks import CHECKS

    return [k for k in CHECKS if k.split(".", 1)[0] == chapter]


def _chapters() -> list[str]:
    from course_lib.checks import CHECKS

    return sorted({k.split(".", 1)[0] for k in CHECKS})


def _normalize_chapter(text) -> str:
    m = re.fullmatch(r"(?:ch)?(\d{1,2})", str(text).strip().lower())
    if not m:
        raise ValueError(f"--chapter must be a chapter number such as 1 or ch01, got {text!r}.")
    chapter = f"ch{int(m.group(1)):02d}"
    if chapter not in _chapters():
        raise ValueError(f"No checks are defined for chapter {chapter}. Chapters with checks: "
                         f"{', '.join(_chapters())}.")
    return chapter


def _chapter_from_name(name: str) -> str | None:
    stem = Path(name).name.lower()
    for pattern in (r"(?<![0-9])(\d{2})_[a-z]", r"ch(\d{2})(?![0-9])"):
        for m in re.finditer(pattern, stem):
            chapter = f"ch{m.group(1)}"
            if chapter in _chapters():
                return chapter
    return None


def _chapter_from_cells(cells: list[str]) -> str | None:
    found = {m.group(1) for src in cells for m in re.finditer(r"['\"](ch\d{2})\.\w+['\"]", src)}
    found &= set(_chapters())
    return found.pop() if len(found) == 1 else None


def read_submission(path, chapter: str | None = None) -> Submission:
    """Read and parse one submission; a file that cannot be graded gets a ``problem``."""
    name = str(path)
    sub = Submission(name, chapter=chapter or _chapter_from_name(name))
    try:
        p = Path(path)
        if not p.is_file():
            sub.problem = "not a file" if p.exists() else "file not found"
            return sub
        if p.stat().st_size > MAX_NOTEBOOK_BYTES:
            sub.problem = f"larger than {MAX_NOTEBOOK_BYTES // 2**20} MB: not an exercise notebook"
            return sub
        raw = p.read_bytes()
    except OSError as exc:
        sub.problem = f"cannot be read ({exc.strerror or exc})"
        return sub
    try:
        nb = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        sub.problem = "not a notebook (not valid JSON); expected the .ipynb file as saved by Jupyter"
        return sub
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        sub.problem = ("not a Jupyter notebook in format 4 (no list of cells); re-save it "
                       "from JupyterLab")
        return sub
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(s, str) for s in source):
            source = "".join(source)
        if not isinstance(source, str):
            sub.problem = "a code cell's source is not text: the notebook is damaged"
            return sub
        sub.cells.append(source)
    if chapter is None:
        from_cells = _chapter_from_cells(sub.cells)
        if sub.chapter and from_cells and from_cells != sub.chapter:
            sub.problem = (f"the file name says {sub.chapter} but the notebook checks "
                           f"{from_cells}; grade it with --chapter")
        sub.chapter = sub.chapter or from_cells
    if sub.chapter is None and sub.problem is None:
        sub.problem = ("cannot tell which chapter this is (no NN_ prefix in the file name, no "
                       "check calls); grade it with --chapter N")
    return sub


def answer_names(chapter: str, exercises_dir: Path | None = None) -> dict[str, str]:
    """Exercise id -> the name the learner defines, read from the course's exercise notebook."""
    names = {ex: ex.split(".", 1)[1] for ex in exercises_of(chapter)}
    folder = exercises_dir or _REPO / "exercises"
    for nb_path in sorted(folder.glob(f"{chapter[2:]}_*.ipynb")):
        try:
            nb = json.loads(nb_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for cell in nb.get("cells", []):
            if cell.get("cell_type") != "code":
                continue
            try:
                tree = ast.parse("".join(cell.get("source", "")))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                func = getattr(node, "func", None)
                called = getattr(func, "attr", None) or getattr(func, "id", None)
                if (isinstance(node, ast.Call) and called == "check"
                        and len(node.args) >= 2 and isinstance(node.args[0], ast.Constant)
                        and isinstance(node.args[1], ast.Name) and node.args[0].value in names):
                    names[node.args[0].value] = node.args[1].id
    return names


# ------------------------------------------------------------------------- learner's kernel
# Runs as ``python -c LAUNCHER MEM CPU CMD...``: forks, limits the child's address space, CPU
# time, file size (512 MB) and core dumps, and execs the kernel in it. The kernel's parent is this launcher, not
# the grader, so a kernel that kills its parent (or its process group: the launcher starts a
# new session) ends only its own grading.
_LAUNCHER = r"""
import os, resource, signal, sys
mem, cpu, cmd = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
os.environ["JPY_PARENT_PID"] = str(os.getpid())
pid = os.fork()
if pid == 0:
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (2**29, 2**29))
    os.execv(cmd[0], cmd)
for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(s, lambda n, f: os.kill(pid, n))
while True:
    try:
        status = os.waitpid(pid, 0)[1]
        break
    except InterruptedError:
        continue
code = os.waitstatus_to_exitcode(status)
os._exit(128 - code if code < 0 else code)
"""


_WIRE_KEY = "course_lib/tools/wire.py"


def _snapshot() -> dict[str, bytes]:
    """course_lib's files, read into memory before any submission runs."""
    import course_lib

    root = Path(course_lib.__file__).resolve().parent
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            files["course_lib/" + path.relative_to(root).as_posix()] = path.read_bytes()
    return files


_ENV_KEPT = frozenset("PATH LANG LC_ALL LC_CTYPE TMPDIR VIRTUAL_ENV CONDA_PREFIX SYSTEMROOT "
                      "TF_NUM_INTRAOP_THREADS TF_NUM_INTEROP_THREADS OMP_NUM_THREADS "
                      "OPENBLAS_NUM_THREADS MKL_NUM_THREADS TF_ENABLE_ONEDNN_OPTS".split())


def _mpl_config_dir(workdir: Path) -> str:
    """A private matplotlib folder seeded with the grader's font cache (no rebuild per kernel)."""
    folder = workdir / ".matplotlib"
    folder.mkdir(exist_ok=True)
    try:
        import matplotlib

        for cache in Path(matplotlib.get_cachedir()).glob("fontlist-*.json"):
            shutil.copy(cache, folder / cache.name)
    except Exception:
        pass
    return str(folder)


class _Stop(BaseException):  # noqa: N818 - not an Exception: a check must not catch it
    """The kernel can no longer be used (time limit, memory limit, it died)."""


class LearnerKernel:
    """A fresh kernel for one submission, in ``workdir``, under time and memory limits."""

    def __init__(self, workdir: Path, deadline: float, memory_mb: int, timeout: int,
                 snapshot: dict[str, bytes] | None = None, threads: int = 1):
        from jupyter_client import KernelManager
        from jupyter_client.kernelspec import KernelSpec

        self.workdir, self.deadline, self.memory_mb = workdir, deadline, memory_mb
        self.snapshot = snapshot if snapshot is not None else _snapshot()
        # A private copy of course_lib, first on the kernel's path: a submission that rewrites
        # course_lib's files rewrites only its own copy, never the next submission's.
        lib = workdir / ".course"
        for rel, data in self.snapshot.items():
            if rel.startswith("course_lib/"):
                (lib / rel).parent.mkdir(parents=True, exist_ok=True)
                (lib / rel).write_bytes(data)
        argv = [sys.executable, "-c", _LAUNCHER, str(memory_mb * 2**20), str(int(timeout) + 30),
                sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        self.km = KernelManager()
        self.km._kernel_spec = KernelSpec(argv=argv, display_name="course grader",
                                          language="python")
        # A minimal environment (no tokens or credentials of the grader's), HOME in the
        # temporary folder so that writes to ~ vanish with it.
        env = {k: v for k, v in os.environ.items() if k in _ENV_KEPT}
        # Thread pools sized to this kernel's share of the CPUs: on a many-core host, TensorFlow's
        # and OpenBLAS's default pools would also eat the address space the limit allows.
        for key in ("TF_NUM_INTRAOP_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "MKL_NUM_THREADS"):
            env.setdefault(key, str(threads))
        env.setdefault("TF_NUM_INTEROP_THREADS", str(min(threads, 2)))
        env.update({"HOME": str(workdir), "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "2",
                    "MALLOC_ARENA_MAX": "2", "MPLCONFIGDIR": _mpl_config_dir(workdir),
                    "PYTHONPATH": os.pathsep.join(
                        [str(lib)] + [p for p in os.environ.get("PYTHONPATH", "").split(
                            os.pathsep) if p])})
        self.km.start_kernel(cwd=str(workdir), env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.pgid = getattr(self.km.provisioner, "pgid", None)  # the launcher's session
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            self.kc.wait_for_ready(timeout=max(1.0, deadline - time.monotonic()))
        except RuntimeError:
            raise _Stop(self._death("while starting")) from None
        except TimeoutError:
            raise _Stop(self._why_timeout("the kernel did not start")) from None

    def _why_timeout(self, what: str) -> str:
        return f"time limit: {what} within the limit of --timeout seconds"

    def _death(self, where: str) -> str:
        code = None
        proc = getattr(self.km.provisioner, "process", None)
        if proc is not None:
            try:
                code = proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                code = None
        if code is not None and (code > 128 or code < 0):
            sig = code - 128 if code > 128 else -code
            name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else sig
            if sig == signal.SIGXCPU:
                return f"time limit: the kernel used up its CPU time {where}"
            return (f"the kernel died {where} (killed by {name}; with --memory-mb "
                    f"{self.memory_mb} this is often the memory limit)")
        return f"the kernel died {where}" + (f" (exit status {code})" if code is not None else "")

    def run(self, code: str, where: str) -> tuple[str, str] | None:
        """Execute ``code``; return the (ename, evalue) it raised, or None."""
        msg_id = self.kc.execute(code, store_history=False, allow_stdin=False,
                                 stop_on_error=False)
        error = None
        while True:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise _Stop(f"time limit: still running {where} after --timeout seconds")
            try:
                msg = self.kc.get_iopub_msg(timeout=min(0.5, left))
            except queue.Empty:
                if not self.km.is_alive():
                    raise _Stop(self._death(where)) from None
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg.get("msg_type"), msg.get("content", {})
            if kind == "error" and error is None:
                error = (str(content.get("ename", "Error"))[:80],
                         str(content.get("evalue", ""))[:300])
            elif kind == "status" and content.get("execution_state") == "idle":
                break
        if error and error[0] == "MemoryError":
            raise _Stop(f"memory limit: out of memory {where} (--memory-mb {self.memory_mb})")
        return error

    def setup(self) -> None:
        source = self.snapshot[_WIRE_KEY].decode("utf-8") + wire.KERNEL_SIDE
        code = (f"import builtins as __cg_b\n__course_grader__ = {{}}\n"
                f"__cg_b.exec(__cg_b.compile({source!r}, '<course grader>', 'exec'), "
                "__course_grader__)\n__course_grader__['_user_ns'] = (lambda g=__cg_b.globals(): g)")
        err = self.run(code, "during the grader's set-up")
        if err:
            raise _Stop(f"the grader could not call into the kernel after the notebook ran "
                        f"({err[0]}: {err[1]}); did the notebook replace builtins?")

    def call(self, name: str, args: tuple | None, kwargs: dict | None = None):
        """Call the learner's ``name(*args, **kwargs)`` in the kernel (``args=None``: fetch it)."""
        token = secrets.token_hex(8)
        inp, out = self.workdir / f"grader-in-{token}.json", self.workdir / f"grader-out-{token}.json"
        payload = None if args is None else (tuple(args), dict(kwargs or {}))
        inp.write_text(wire.dumps(wire.encode(payload)), encoding="utf-8")
        err = self.run(f"__course_grader__['call']({name!r}, {str(inp)!r}, {str(out)!r})",
                       f"during a call of {name}")
        if err:
            raise _Stop(f"the grader's call of {name} failed inside the kernel ({err[0]}: "
                        f"{err[1]})")
        result = self._read(out)
        if "raised" in result:
            ename, evalue = result["raised"]
            raise _learner_exception(str(ename), str(evalue))
        return wire.decode(result["ok"], keras_loader=self._load_keras)

    def _read(self, path: Path) -> dict:
        try:
            st = os.lstat(path)
            if not (os.path.isfile(path) and not os.path.islink(path)) \
                    or st.st_size > wire.MAX_BYTES:
                raise ValueError("too large or not a plain file")
            with open(path, encoding="utf-8") as f:
                result = wire.loads(f.read(wire.MAX_BYTES + 1))
            if not (isinstance(result, dict) and len(result) == 1
                    and ("ok" in result or ("raised" in result and isinstance(result["raised"],
                                                                              list)
                                            and len(result["raised"]) == 2))):
                raise ValueError("not a result")
            return result
        except (OSError, ValueError, RecursionError) as exc:
            raise _Stop(f"the result of a call did not come back readable ({exc})") from None

    def _load_keras(self, name: str):
        return load_answer_model(self.workdir, name)

    def kind(self, name: str) -> str:
        token = secrets.token_hex(8)
        out = self.workdir / f"grader-kind-{token}.json"
        err = self.run(f"import builtins as __cg_b\nwith __cg_b.open({str(out)!r}, 'w') as __cg_f: "
                       f"__cg_f.write(__course_grader__['kind']({name!r}))",
                       f"during a look-up of {name}")
        try:
            text = "" if err else out.read_text(encoding="utf-8")[:20]
        except OSError:
            text = ""
        if text not in ("missing", "callable", "placeholder", "value"):
            raise _Stop(f"the grader could not look up {name} in the kernel")
        return text

    def close(self) -> None:
        try:
            self.kc.stop_channels()
        except Exception:
            pass
        try:
            self.km.shutdown_kernel(now=True)
        except Exception:
            pass
        if self.pgid:  # the launcher's session: the kernel and anything it started in it
            try:
                os.killpg(self.pgid, signal.SIGKILL)
            except OSError:
                pass


def load_answer_model(workdir: Path, name: str):
    """Load a model the learner's kernel saved, ``safe_mode=True``, after checking the file."""
    if not re.fullmatch(r"answer_model_\d+\.keras", name):
        raise ValueError("an unexpected model file name")
    path = Path(workdir) / name
    if os.path.islink(path) or not path.is_file() or path.stat().st_size > 200 * 2**20:
        raise ValueError("the model file is missing or too large")
    import zipfile

    try:  # no zip bomb, nothing but what Keras writes, before Keras opens it
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ValueError(f"the model file is not a .keras archive ({exc})") from None
    if sum(i.file_size for i in infos) > 400 * 2**20 or len(infos) > 8 or not {
            i.filename for i in infos} <= {"config.json", "metadata.json",
                                           "model.weights.h5", "assets/"}:
        raise ValueError("the model file holds more than a Keras model")
    import keras

    return keras.saving.load_model(path, compile=False, safe_mode=True)


_BUILTIN_EXCEPTIONS = {n: c for n, c in vars(builtins).items()
                       if isinstance(c, type) and issubclass(c, Exception)}


class LearnerError(Exception):
    """An exception the learner's function raised in its kernel, rebuilt by name."""


def _learner_exception(ename: str, evalue: str) -> Exception:
    cls = _BUILTIN_EXCEPTIONS.get(ename)
    if cls is not None:
        try:
            return cls(evalue)
        except Exception:
            pass
    safe = re.sub(r"\W", "", ename)[:60] or "Error"
    if not safe[0].isalpha():
        safe = "Error" + safe
    return type(safe, (LearnerError,), {})(evalue)


class _Answer:
    """Stands in for the learner's function: calling it calls the function in the kernel."""

    def __init__(self, kernel: LearnerKernel, name: str):
        self._kernel, self._name = kernel, name
        self.__name__ = self.__qualname__ = name

    def __call__(self, *args, **kwargs):
        return self._kernel.call(self._name, args, kwargs)

    def __repr__(self) -> str:
        return f"<{self._name} in the learner's kernel>"


# -------------------------------------------------------------------------------- grading
def _grade_exercise(kernel, learner: str, ex: str, name: str, cell_errors: list[str]) -> Row:
    """Check one exercise's answer ``name`` in the learner's ``kernel``: its grade row."""
    from course_lib.checks import check

    kind = kernel.kind(name)
    if kind == "missing":
        why = f" ({cell_errors[0]})" if cell_errors else ""
        return Row(learner, ex, "not attempted",
                   f"No {name} is defined after running the notebook{why}.")
    answer = kernel.call(name, None) if kind == "value" else _Answer(kernel, name)
    try:
        result = check(ex, answer)
    except wire.CannotCross as exc:
        if kind == "placeholder":  # what the learner wrote only picks the 0 it gets
            return Row(learner, ex, "not attempted", f"{name} still raises NotImplementedError.")
        return Row(learner, ex, "error",
                   f"Not graded automatically: this exercise's check passes {exc} "
                   "to the answer, which cannot be sent to the learner's kernel "
                   "safely. Grade it by hand (INSTRUCTORS.md).")
    status = {True: "passed", False: "failed", None: "not attempted"}[result.passed]
    message = result.message
    if status != "passed" and cell_errors:
        message += f" (Also: {cell_errors[0]}.)"
    return Row(learner, ex, status, message, result.expected, result.found,
               result.hint, score=int(status == "passed"))


def _grade_one(sub: Submission, names: dict[str, str], timeout: float,
               memory_mb: int, snapshot: dict[str, bytes] | None = None,
               threads: int = 1) -> list[Row]:
    exercises = exercises_of(sub.chapter) if sub.chapter else []
    if sub.problem:
        if not exercises:
            return [Row(sub.name, "", "error", sub.problem)]
        return [Row(sub.name, ex, "error", sub.problem) for ex in exercises]
    rows: dict[str, Row] = {}
    cell_errors: list[str] = []
    workdir = Path(tempfile.mkdtemp(prefix="course-grade-"))
    kernel = None
    try:
        deadline = time.monotonic() + timeout
        kernel = LearnerKernel(workdir, deadline, memory_mb, timeout, snapshot, threads)
        for i, source in enumerate(sub.cells, 1):
            err = kernel.run(source, f"in code cell {i}")
            if err:
                cell_errors.append(f"code cell {i} raised {err[0]}: {err[1]}")
        kernel.setup()
        for ex in exercises:
            rows[ex] = _grade_exercise(kernel, sub.name, ex, names[ex], cell_errors)
    except _Stop as stop:
        for ex in exercises:
            rows.setdefault(ex, Row(sub.name, ex, "error", str(stop).replace(
                "--timeout seconds", f"--timeout {timeout:g} s")))
    except Exception as exc:  # the grader's own failure: recorded, the others still graded
        for ex in exercises:
            rows.setdefault(ex, Row(sub.name, ex, "error",
                                    f"the grader failed: {type(exc).__name__}: {exc}"))
    finally:
        if kernel is not None:
            kernel.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return [rows[ex] for ex in exercises]


def _with_total(name: str, rows: list[Row]) -> list[Row]:
    graded = [r for r in rows if r.exercise]
    passed = sum(r.status == "passed" for r in graded)
    counts = Counter(r.status for r in rows)
    message = f"{passed} of {len(graded)} exercises passed" + "".join(
        f", {counts[s]} {s}" for s in STATUSES[1:] if counts[s])
    return rows + [Row(name, TOTAL, "", message + ".", score=passed, max_score=len(graded))]


def grade(paths: Sequence, out, *, timeout: float = DEFAULT_TIMEOUT,
          memory_mb: int = DEFAULT_MEMORY_MB, feedback=None, jobs: int = DEFAULT_JOBS,
          chapter=None, exercises_dir=None, gradebook=None,
          progress: Callable[[str], None] | None = None) -> list[Row]:
    """Grade every submission in ``paths``; write ``out`` (CSV) and optional feedback pages.

    ``gradebook``: also a CSV with one row per submission (student, score, max_score, percent,
    comments) in the shape most learning-management systems import.

    All submissions are read before any runs; ``out`` is written atomically at the end.
    Returns the rows, per-submission totals included.
    """
    if not paths:
        raise ValueError("No submissions given. Pass the notebooks to grade, e.g. "
                         "`grade submissions/*.ipynb --out grades.csv`.")
    for value, what in ((timeout, "--timeout"), (memory_mb, "--memory-mb"), (jobs, "--jobs")):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"{what} must be a number, got {type(value).__name__}.")
        if value <= 0:
            raise ValueError(f"{what} must be positive, got {value}.")
    if memory_mb < 512:
        raise ValueError(f"--memory-mb {memory_mb} is too small for a kernel that imports "
                         "TensorFlow (about 1 GB of address space); use at least 1024.")
    out = Path(out)
    if feedback is not None and Path(feedback).exists() and not Path(feedback).is_dir():
        raise ValueError(f"--feedback {feedback} is a file; pass a folder (it is created if "
                         "missing).")
    if not out.parent.is_dir():
        raise ValueError(f"The folder of --out {out} does not exist; create it first.")
    fixed = _normalize_chapter(chapter) if chapter is not None else None
    import course_lib.checks  # noqa: F401 - every chapter's checks, before any submission runs

    subs = [read_submission(p, fixed) for p in paths]
    chapters = sorted({s.chapter for s in subs if s.chapter})
    names = {c: answer_names(c, Path(exercises_dir) if exercises_dir else None)
             for c in chapters}
    snapshot = _snapshot()
    from course_lib.runtime import available_cpus

    threads = max(1, available_cpus() // int(jobs))
    say = progress or (lambda text: None)

    def one(sub: Submission) -> list[Row]:
        rows = _grade_one(sub, names.get(sub.chapter, {}), timeout, memory_mb, snapshot,
                          threads)
        rows = _with_total(sub.name, rows)
        say(f"{sub.name}: {rows[-1].message}")
        return rows

    with ThreadPoolExecutor(max_workers=int(jobs)) as pool:
        per_sub = list(pool.map(one, subs))
    rows = [r for rs in per_sub for r in rs]
    write_csv(rows, out)
    if feedback is not None:
        write_feedback(rows, feedback)
    if gradebook is not None:
        write_gradebook(rows, gradebook)
    return rows


# -------------------------------------------------------------------------------- reports
def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _cell(text) -> str:
    """Defuse spreadsheet formulas: a cell a learner controls must not start with = + - @."""
    text = str(text).replace("\x00", "")
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_csv(rows: Sequence[Row], path) -> None:
    """Write ``rows`` as grades.csv (all of FIELDS), atomically."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(FIELDS)
    for r in rows:
        writer.writerow([_cell(getattr(r, f)) if isinstance(getattr(r, f), str)
                         else getattr(r, f) for f in FIELDS])
    _atomic_write(Path(path), buf.getvalue())


def write_gradebook(rows: Sequence[Row], path) -> None:
    """One row per submission: student (the file name without .ipynb), score, max_score,
    percent, comments; written atomically."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["student", "score", "max_score", "percent", "comments"])
    for r in rows:
        if r.exercise == TOTAL:
            pct = round(100 * r.score / r.max_score) if r.max_score else 0
            student = Path(r.submission).name.removesuffix(".ipynb")
            writer.writerow([_cell(student), r.score, r.max_score, pct, _cell(r.message)])
    _atomic_write(Path(path), buf.getvalue())


def _page_name(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[-120:].lstrip("._") or "submission"
    page, n = f"{base}.html", 1
    while page in taken:
        n += 1
        page = f"{base}-{n}.html"
    taken.add(page)
    return page


_COLOR = {"passed": "#1a7f37", "failed": "#cf222e", "not attempted": "#9a6700",
          "error": "#6e7781"}


def write_feedback(rows: Sequence[Row], folder) -> list[Path]:
    """One HTML page per submission; everything a learner controls is escaped."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    by_sub: dict[str, list[Row]] = {}
    for r in rows:
        by_sub.setdefault(r.submission, []).append(r)
    taken: set[str] = set()
    written = []
    for name, rs in by_sub.items():
        e = html.escape
        total = next((r for r in rs if r.exercise == TOTAL), None)
        items = []
        for r in rs:
            if r.exercise == TOTAL:
                continue
            details = "".join(f"<li><b>{label}:</b> {e(v)}</li>" for label, v in
                              (("Expected", r.expected), ("Found", r.found), ("Hint", r.hint))
                              if v)
            items.append(
                f'<section style="border-left:4px solid {_COLOR.get(r.status, "#000")};'
                f'padding:4px 12px;margin:10px 0"><h2 style="font-size:1.05em;margin:0">'
                f"{e(r.exercise or 'submission')}: {e(r.status)}</h2><p>{e(r.message)}</p>"
                f"{f'<ul>{details}</ul>' if details else ''}</section>")
        page = (
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'\">"
            f"<title>Feedback: {e(name)}</title></head>"
            "<body style=\"font-family:sans-serif;max-width:50em;margin:2em auto\">"
            f"<h1>Feedback: {e(name)}</h1>"
            f"<p><b>{e(total.message if total else '')}</b></p>{''.join(items)}"
            "<p><small>Graded by re-running the notebook from the top with the course's checks "
            "(python -m course_lib grade).</small></p></body></html>\n")
        path = folder / _page_name(name, taken)
        _atomic_write(path, page)
        written.append(path)
    return written


def summary(rows: Sequence[Row], top: int = 3) -> str:
    """Per exercise: how many passed, failed, not attempted, errors; its commonest failures."""
    per: dict[str, list[Row]] = {}
    for r in rows:
        if r.exercise and r.exercise != TOTAL:
            per.setdefault(r.exercise, []).append(r)
    lines = []
    for ex, rs in per.items():
        c = Counter(r.status for r in rs)
        lines.append(f"{ex}: {c['passed']}/{len(rs)} passed, {c['failed']} failed, "
                     f"{c['not attempted']} not attempted, {c['error']} error")
        for msg, n in Counter(r.message for r in rs if r.status in ("failed", "error")
                              ).most_common(top):
            lines.append(f"    {n} x {msg[:160]}")
    totals = [r for r in rows if r.exercise == TOTAL]
    unreadable = [r for r in rows if not r.exercise]
    lines.append(f"{len(totals)} submission(s) graded"
                 + (f", {len(unreadable)} could not be read or placed in a chapter"
                    if unreadable else "") + ".")
    return "\n".join(lines)
