"""A quiet TensorFlow start for notebooks (chapter 0).

TensorFlow 2.21's C++ side writes start-up notices straight to file descriptor 2 while it loads,
before ``TF_CPP_MIN_LOG_LEVEL`` applies to them, and ipykernel shows that descriptor as a red
stderr box under a chapter's first cell. :func:`load_tensorflow_quietly` imports TensorFlow with
descriptor 2 sent to a temporary file and passes on every line that is not one of the known
notices. This module imports nothing heavy, so the package can use it before TensorFlow loads.
"""

from __future__ import annotations

import os
import sys
import tempfile

__all__ = ["STARTUP_LOG_LINES", "filter_startup_log", "load_tensorflow_quietly"]

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
