"""Seeds, determinism and CPU threads (introduced in chapter 0).

Nothing here runs at import time; call :func:`set_seed` at the top of a notebook.
"""

from __future__ import annotations

import os
import random

import numpy as np

__all__ = ["available_cpus", "cap_threads", "set_seed"]


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
