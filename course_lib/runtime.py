"""Seeds, determinism, CPU threads and a quiet TensorFlow start (introduced in chapter 0).

Nothing here runs at import time; call :func:`set_seed` at the top of a notebook.
:func:`load_tensorflow_quietly` lives in :mod:`course_lib.startup` (it must run before
TensorFlow loads) and is reached here too.
"""

from __future__ import annotations

import os
import random

import keras
import numpy as np
import tensorflow as tf

from course_lib.startup import STARTUP_LOG_LINES, filter_startup_log, load_tensorflow_quietly
from course_lib.validation import check_positive_int, check_seed

__all__ = ["STARTUP_LOG_LINES", "available_cpus", "cap_threads", "filter_startup_log",
           "load_tensorflow_quietly", "set_seed"]

def set_seed(seed: int, deterministic: bool = False) -> None:
    """Seed Python's ``random``, NumPy's global generator, TensorFlow and Keras.

    Introduced in chapter 0. With ``deterministic=True`` TensorFlow's op determinism is turned
    on as well, so two runs on the same machine give identical losses (a little slower).
    """
    seed = check_seed(seed, example="cl.set_seed(42)")
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
    n = available_cpus() if n is None else check_positive_int("n", n)
    try:
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(min(n, 2))
    except RuntimeError:
        pass  # TensorFlow already initialised: keep its settings
    return tf.config.threading.get_intra_op_parallelism_threads() or n
