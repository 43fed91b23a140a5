"""Importing course_lib loads TensorFlow without its start-up notices, and hides nothing else."""

import os
import subprocess
import sys

import course_lib as cl

BANNER = """WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
I0000 00:00:1796154997.269433    8543 port.cc:153] oneDNN custom operations are on. You may see slightly different numerical results due to floating-point round-off errors from different computation orders. To turn them off, set the environment variable `TF_ENABLE_ONEDNN_OPTS=0`.
I0000 00:00:1796154997.324466    8543 cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use available CPU instructions in performance-critical operations.
To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild TensorFlow with the appropriate compiler flags.
"""


def test_filter_drops_the_start_up_notices_only():
    other = "E0000 00:00:1.0 123 some_op.cc:1] something TensorFlow really wants to say\n"
    assert cl.runtime.filter_startup_log(BANNER) == ""
    assert cl.runtime.filter_startup_log(BANNER + other) == other
    assert cl.runtime.filter_startup_log("a Python warning\n") == "a Python warning\n"


def _run_clean(code):
    env = {k: v for k, v in os.environ.items()
           if k not in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS")}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True, timeout=300)


def test_in_a_kernel_importing_course_lib_then_keras_writes_nothing_to_stderr():
    # ipykernel already imported: what a Jupyter kernel looks like to course_lib
    proc = _run_clean("import ipykernel, course_lib, keras, tensorflow as tf; "
                      "print(tf.__version__)")
    assert proc.stdout.strip().startswith("2.")
    assert proc.stderr == "", proc.stderr


def test_in_a_script_the_first_module_used_loads_tensorflow_quietly():
    proc = _run_clean("import sys, course_lib as cl; assert 'tensorflow' not in sys.modules; "
                      "cl.training; import keras; print('tensorflow' in sys.modules)")
    assert proc.stdout.strip() == "True"
    assert proc.stderr == "", proc.stderr


def test_loading_again_does_nothing():
    assert cl.runtime.load_tensorflow_quietly() is False  # TensorFlow is already imported
