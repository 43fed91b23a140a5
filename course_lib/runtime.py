"""Seeds, determinism, CPU threads and a quiet TensorFlow start (introduced in chapter 0).

Nothing here runs at import time except :func:`load_tensorflow_quietly`, which
``course_lib/__init__`` calls first; call :func:`set_seed` at the top of a notebook.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile

import numpy as np

__all__ = ["STARTUP_LOG_LINES", "available_cpus", "cap_threads", "filter_startup_log",
           "load_tensorflow_quietly", "set_seed"]

# What TensorFlow 2.21's C++ side writes to file descriptor 2 while it loads, on every machine:
# absl's preamble, the oneDNN notice (oneDNN stays on: it trains the DCGAN about twice as fast,
# benchmarks/bench_onednn.py) and the CPU-feature notice (two lines). Nothing else is dropped.
STARTUP_LOG_LINES = (
    "All log messages before absl::InitializeLog() is called are written to STDERR",
    "oneDNN custom operations are on",
    "cpu_feature_guard.cc",
    "To enable the following instructions:",
)


def load_tensorflow_quietly() -> bool:
    """Import TensorFlow without its start-up log reaching the notebook as a red stderr box.

    Introduced in chapter 0. TensorFlow's C++ library writes its notices straight to file
    descriptor 2, before ``TF_CPP_MIN_LOG_LEVEL`` applies to them; ipykernel shows that
    descriptor as a stderr box. So the import runs with descriptor 2 sent to a temporary file;
    afterwards every line that is not one of :data:`STARTUP_LOG_LINES` is written to
    ``sys.stderr`` as usual. ``TF_CPP_MIN_LOG_LEVEL`` defaults to 2 (warnings such as grappler's
    ``remapper failed`` stay out of the notebook) unless you set it yourself. Returns False,
    doing nothing, when TensorFlow was already imported.
    """
    if "tensorflow" in sys.modules:
        return False
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        saved = os.dup(2)
    except OSError:  # no descriptor 2 (a detached process): nothing can reach a notebook
        import tensorflow  # noqa: F401
        return True
    with tempfile.TemporaryFile(mode="w+b") as log:
        os.dup2(log.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        log.seek(0)
        text = log.read().decode("utf-8", "replace")
    keep = filter_startup_log(text)
    if keep:
        sys.stderr.write(keep)
    return True


def filter_startup_log(text: str) -> str:
    """``text`` without the lines of :data:`STARTUP_LOG_LINES`; every other line is kept."""
    keep = [ln for ln in text.splitlines() if not any(s in ln for s in STARTUP_LOG_LINES)]
    return "".join(ln + "\n" for ln in keep)


def set_seed(seed: int, deterministic: bool = False) -> None:
    """Seed Python's ``random``, NumPy's global generator, TensorFlow and Keras.

    Introduced in chapter 0. With ``deterministic=True`` TensorFlow's op determinism is turned
    on as well, so two runs on the same machine give identical losses (a little slower).
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(
            f"set_seed: seed must be an int, got {type(seed).__name__} ({seed!r}). "
            "Pass a whole number such as cl.set_seed(42)."
        )
    if not 0 <= int(seed) < 2**32:
        raise ValueError(
            f"set_seed: seed must be between 0 and 2**32 - 1, got {seed}. Use a smaller number."
        )
    import keras
    import tensorflow as tf

    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - the legacy global generator is what learners use
    keras.utils.set_random_seed(seed)  # seeds python, numpy, TensorFlow and Keras' global RNG
    if deterministic:
        tf.config.experimental.enable_op_determinism()


def available_cpus() -> int:
    """The number of CPUs this process may really use.

    ``os.cpu_count()`` reports the host's cores; on Binder or in a container the CPU affinity
    mask and the cgroup quota are what count. Introduced in chapter 0.
    """
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    try:  # cgroup v2: "max 100000" or "200000 100000"
        with open("/sys/fs/cgroup/cpu.max", encoding="ascii") as f:
            quota, period = f.read().split()[:2]
        if quota != "max":
            n = min(n, max(1, int(int(quota) // int(period))))
    except (OSError, ValueError):
        pass
    return max(1, n)


def cap_threads(n: int | None = None) -> int:
    """Cap TensorFlow's thread pools to ``n`` (default: :func:`available_cpus`).

    Must run before TensorFlow executes its first operation; later calls are ignored by
    TensorFlow, and this returns the count TensorFlow actually uses. Introduced in chapter 0.
    """
    import tensorflow as tf

    if n is None:
        n = available_cpus()
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"cap_threads: n must be a positive int, got {n!r}.")
    try:
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(min(n, 2))
    except RuntimeError:
        pass  # TensorFlow already initialised: keep its settings
    return tf.config.threading.get_intra_op_parallelism_threads() or n
