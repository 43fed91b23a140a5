"""A quiet TensorFlow start for notebooks (chapter 0).

TensorFlow 2.21's C++ side writes start-up notices straight to file descriptor 2 while it loads,
before ``TF_CPP_MIN_LOG_LEVEL`` applies to them, and ipykernel shows that descriptor as a red
stderr box under a chapter's first cell. :func:`load_tensorflow_quietly` imports TensorFlow with
descriptor 2 sent to a temporary file and passes on every line that is not one of the known
notices. This module imports nothing heavy, so the package can use it before TensorFlow loads.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile

__all__ = ["GRAPH_LOG_LINES", "STARTUP_LOG_LINES", "filter_startup_log", "load_tensorflow_quietly",
           "quiet_descriptor"]

# What TensorFlow 2.21's C++ side writes to file descriptor 2 while it loads, on every machine:
# absl's preamble, the oneDNN notice (oneDNN stays on: it trains the DCGAN about twice as fast,
# benchmarks/bench_onednn.py) and the CPU-feature notice (two lines). Nothing else is dropped.
STARTUP_LOG_LINES = (
    "All log messages before absl::InitializeLog() is called are written to STDERR",
    "oneDNN custom operations are on",
    "cpu_feature_guard.cc",
    "To enable the following instructions:",
)

# What grappler, TensorFlow's graph optimiser, writes when it first optimises a DCGAN's epoch loop
# (``cl.execution``): its "remapper" declines to fuse a convolution with its bias and LeakyReLU
# inside the loop's body and leaves those operations as they are. The loop is still no slower
# than one step per call (``benchmarks/bench_training.py``), and its numbers are the same; the
# line is not an error of the learner's.
GRAPH_LOG_LINES = ("remapper failed: INVALID_ARGUMENT: Mutation::Apply error",)


def load_tensorflow_quietly() -> bool:
    """Import TensorFlow without its start-up log reaching the notebook as a red stderr box.

    Introduced in chapter 0. TensorFlow's C++ library writes its notices straight to file
    descriptor 2, before ``TF_CPP_MIN_LOG_LEVEL`` applies to them; ipykernel shows that
    descriptor as a stderr box. So the import runs with descriptor 2 sent to a temporary file;
    afterwards every line that is not one of :data:`STARTUP_LOG_LINES` is written to
    ``sys.stderr`` as usual. ``TF_CPP_MIN_LOG_LEVEL`` defaults to 2 (TensorFlow's warnings stay
    out of the notebook) unless you set it yourself. Returns False,
    doing nothing, when TensorFlow was already imported.
    """
    if "tensorflow" in sys.modules:
        return False
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with quiet_descriptor(STARTUP_LOG_LINES):
        import tensorflow  # noqa: F401
    return True


@contextlib.contextmanager
def quiet_descriptor(lines=STARTUP_LOG_LINES):
    """Run a block with file descriptor 2 sent to a temporary file; afterwards write every line
    that contains none of ``lines`` to ``sys.stderr`` (chapter 0; chapter 4 uses it for
    :data:`GRAPH_LOG_LINES`). Without a descriptor 2 (a detached process) it does nothing."""
    try:
        saved = os.dup(2)
    except OSError:  # nothing can reach a notebook
        yield
        return
    with tempfile.TemporaryFile(mode="w+b") as log:
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            log.seek(0)
            text = log.read().decode("utf-8", "replace")
            keep = "".join(ln + "\n" for ln in text.splitlines()
                           if not any(s in ln for s in lines))
            if keep:
                sys.stderr.write(keep)


def filter_startup_log(text: str) -> str:
    """``text`` without the lines of :data:`STARTUP_LOG_LINES`; every other line is kept."""
    keep = [ln for ln in text.splitlines() if not any(s in ln for s in STARTUP_LOG_LINES)]
    return "".join(ln + "\n" for ln in keep)
