"""``python -m course_lib doctor``: what is wrong with this set-up, and the command that fixes it.

For learners and instructors (INSTRUCTORS.md, "The doctor"). It checks the Python version, the
installed packages against the pins in pyproject.toml, TensorFlow's view of the CPUs against the
CPUs really available (affinity mask and cgroup quota), the memory, the data files' SHA-256, a
writable working directory and the Jupyter kernel the notebooks use. Every check takes its
inputs as parameters, so a test can simulate a problem without breaking the environment.
Exit status 0 only when all is well.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

__all__ = ["Finding", "main", "run_all"]

#: What the case study (chapter 5) needs next to the notebook server, in MB.
NEED_MB = 1500


@dataclass
class Finding:
    """One check's outcome; ``fix`` is the command (or step) that repairs a problem."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text)[:3])


def _satisfies(version: tuple[int, ...], spec: str) -> bool:
    for part in filter(None, (s.strip() for s in spec.split(","))):
        m = re.fullmatch(r"(>=|<=|==|<|>|!=)\s*([\d.]+)", part)
        if not m:
            continue
        op, want = m.group(1), _version_tuple(m.group(2))
        have = version[:len(want)]
        if not {">=": have >= want, "<=": have <= want, "==": have == want, "<": have < want,
                ">": have > want, "!=": have != want}[op]:
            return False
    return True


def read_pins(pyproject: Path) -> tuple[str, dict[str, str]]:
    """``requires-python`` and the ``name==version`` pins (runtime, lab and test) of pyproject."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    reqs = list(project.get("dependencies", []))
    for group in project.get("optional-dependencies", {}).values():
        reqs += group
    pins = {}
    for req in reqs:
        m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;]+)\s*", req)
        if m:
            pins[m.group(1)] = m.group(2)
    return project.get("requires-python", ""), pins


def check_python(requires: str, version: tuple[int, ...] | None = None) -> Finding:
    version = tuple(version or sys.version_info[:3])
    text = ".".join(map(str, version))
    if _satisfies(version, requires):
        return Finding("python", True, f"Python {text} ({sys.executable})")
    return Finding("python", False, f"Python {text}; the course needs {requires}",
                   "conda env create -f environment.yml (or: python3.11 -m venv .venv && "
                   ". .venv/bin/activate && pip install -e '.[lab]')")


def _installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def check_packages(pins: dict[str, str],
                   installed: Callable[[str], str | None] = _installed) -> list[Finding]:
    out = []
    for name, want in pins.items():
        have = installed(name)
        if have == want:
            out.append(Finding(f"package {name}", True, f"{name} {have}"))
        else:
            out.append(Finding(f"package {name}", False,
                               f"{name} {have or 'is not installed'}; pinned {want}",
                               f"python -m pip install '{name}=={want}'"))
    return out


def _tf_threads() -> int:
    """The intra-op threads TensorFlow will use: its setting, else its schedulable CPUs."""
    import tensorflow as tf

    setting = tf.config.threading.get_intra_op_parallelism_threads()
    return setting or len(os.sched_getaffinity(0))


def check_cpus(tf_threads: int | None = None, available: int | None = None) -> Finding:
    from course_lib.runtime import available_cpus

    available = available_cpus() if available is None else available
    tf_threads = _tf_threads() if tf_threads is None else tf_threads
    detail = (f"TensorFlow would use {tf_threads} threads; {available} CPUs are really "
              f"available (os.cpu_count() says {os.cpu_count()})")
    if tf_threads <= available:
        return Finding("cpus", True, detail)
    return Finding("cpus", False, detail + ": oversubscribed threads make training slower",
                   f"call cl.cap_threads() at the top of each notebook (chapter 0), or start "
                   f"JupyterLab with TF_NUM_INTRAOP_THREADS={available} "
                   f"TF_NUM_INTEROP_THREADS={min(available, 2)}")


def _available_mb() -> int:
    avail = None
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) // 1024
    except (OSError, ValueError):
        pass
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(path).read_text(encoding="ascii").strip()
            used = Path(path).with_name("memory.current" if "memory.max" in path
                                        else "memory.usage_in_bytes")
            if text != "max" and int(text) < 2**60:
                free = (int(text) - int(used.read_text().strip())) // 2**20
                avail = free if avail is None else min(avail, free)
        except (OSError, ValueError):
            pass
    return avail if avail is not None else 0


def check_memory(available_mb: int | None = None, need_mb: int = NEED_MB) -> Finding:
    available_mb = _available_mb() if available_mb is None else available_mb
    detail = f"{available_mb} MB available; the case study needs about {need_mb} MB"
    if available_mb >= need_mb:
        return Finding("memory", True, detail)
    return Finding("memory", False, detail,
                   "shut down other kernels (JupyterLab: Kernel > Shut Down All Kernels) and "
                   "close other programs, or use a machine with at least 2 GB free")


def check_data(data_dir: Path | None = None) -> list[Finding]:
    from course_lib import data

    fix = "python -m pip install --force-reinstall 'animal-shape-mnist==0.39'"
    try:
        folder = Path(data_dir) if data_dir is not None else data.default_data_dir()
    except ValueError as exc:
        return [Finding("data", False, str(exc), fix)]
    out = []
    for name, want in data.FILE_SHA256.items():
        path = folder / name
        if not path.is_file():
            out.append(Finding(f"data {name}", False, f"{path} is missing", fix))
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest == want:
            out.append(Finding(f"data {name}", True, f"SHA-256 {digest[:12]}... matches"))
        else:
            out.append(Finding(f"data {name}", False,
                               f"{path}: SHA-256 {digest[:16]}..., expected {want[:16]}...", fix))
    return out


def check_workdir(folder: Path | None = None) -> Finding:
    folder = Path.cwd() if folder is None else Path(folder)
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-"):
            pass
    except OSError as exc:
        return Finding("working directory", False,
                       f"{folder} is not writable ({exc.strerror or exc}): notebooks cannot "
                       "save runs or checkpoints",
                       "cd to a folder you own (e.g. cd ~) and clone or copy the course there")
    return Finding("working directory", True, f"{folder} is writable")


def check_kernel(name: str = "python3", command: str | None = None) -> Finding:
    """The kernel the notebooks name must start this environment's Python with ipykernel.

    ``command`` replaces the kernel spec's program (a test simulates a stale user-level spec).
    """
    fix = (f"{sys.executable} -m pip install 'ipykernel' && {sys.executable} -m ipykernel "
           f"install --sys-prefix --name {name}")
    executable = sys.executable
    try:
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

        try:
            spec = KernelSpecManager().get_kernel_spec(name)
        except NoSuchKernel:
            return Finding("jupyter kernel", False, f"no Jupyter kernel named {name!r}", fix)
    except ImportError:
        return Finding("jupyter kernel", False, "jupyter_client is not installed",
                       f"{sys.executable} -m pip install -e '.[lab]'")
    cmd = command or (spec.argv[0] if spec.argv else "")
    if cmd in ("python", "python3", f"python3.{sys.version_info[1]}"):
        resolved = executable  # jupyter_client runs these with the server's own Python
    else:
        resolved = shutil.which(cmd) or cmd
    # compare the bin folders without following links: a venv's python links to the base one
    same = Path(os.path.abspath(resolved)).parent == Path(os.path.abspath(executable)).parent
    if not same:
        return Finding("jupyter kernel", False,
                       f"kernel {name!r} starts {resolved}, not this environment's "
                       f"{executable}: notebooks would miss the pinned packages", fix)
    if _installed("ipykernel") is None:
        return Finding("jupyter kernel", False, "ipykernel is not installed", fix)
    return Finding("jupyter kernel", True, f"kernel {name!r} runs {executable}")


def run_all(root: Path | None = None, *, python_version=None, installed=_installed,
            tf_threads=None, available_cpus=None, available_mb=None, data_dir=None,
            workdir=None, kernel="python3", kernel_command=None) -> list[Finding]:
    """Every check; keyword arguments replace what is measured (tests simulate problems)."""
    findings = []
    if root is None:  # the course folder: here, else the checkout course_lib comes from
        here = Path.cwd()
        root = here if (here / "pyproject.toml").is_file() else Path(__file__).resolve().parents[2]
    pyproject = Path(root) / "pyproject.toml"
    if pyproject.is_file():
        requires, pins = read_pins(pyproject)
        findings.append(check_python(requires, python_version))
        findings += check_packages(pins, installed)
    else:
        findings.append(Finding("pins", False, f"{pyproject} not found, so the pinned versions "
                                "cannot be compared", "run the doctor in the course folder, or "
                                "pass --root COURSE_FOLDER"))
    findings.append(check_cpus(tf_threads, available_cpus))
    findings.append(check_memory(available_mb))
    findings += check_data(data_dir)
    findings.append(check_workdir(workdir))
    findings.append(check_kernel(kernel, kernel_command))
    return findings


def report(findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        lines.append(f"{'ok  ' if f.ok else 'FAIL'}  {f.name}: {f.detail}")
        if not f.ok:
            lines.append(f"      fix: {f.fix}")
    bad = sum(not f.ok for f in findings)
    lines.append("All is well." if not bad else f"{bad} problem(s); run each fix, then the doctor "
                 "again.")
    return "\n".join(lines)


def main(root: Path | None = None, **overrides) -> int:
    """Print the report; return 0 only when all is well, else 1."""
    findings = run_all(root, **overrides)
    print(report(findings))
    return 0 if all(f.ok for f in findings) else 1
