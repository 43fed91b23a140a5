"""course_lib: the companion package of "Generative AI in practice".

Importing it sets no seeds, changes no matplotlib settings and writes no files. It does one thing
first: it loads TensorFlow with the start-up notices of TensorFlow's C++ side kept out of the
notebook (``runtime.load_tensorflow_quietly``; ``TF_CPP_MIN_LOG_LEVEL`` defaults to 2), so import
it before ``keras`` or ``tensorflow``. Start every notebook with::

    import course_lib as cl  # first: TensorFlow then loads without a red stderr box

    import keras  # ... then the other imports
    cl.set_seed(42)

Public modules: ``data`` (Animal Shape cats), ``distributions`` (chapter 1), ``losses``
(chapters 2-3), ``models`` (chapters 4-6), ``training`` (the ``GAN`` model and its callbacks),
``evaluation`` (scores for generated cats), ``augment`` (DiffAugment),
``plotting``, ``checks`` (exercise feedback), ``runtime`` (seeds and threads), ``recipes``
(the case study's defaults and its GAN factory). The course's tooling (command line, notebook
tools) lives in ``course_lib.tools`` and is not imported here.
"""

from course_lib.runtime import load_tensorflow_quietly as _load_tensorflow_quietly

_load_tensorflow_quietly()  # before the modules below import TensorFlow (chapter 0)

from course_lib import (  # noqa: E402
    article,
    augment,
    checkpoints,
    checks,
    cost,
    data,
    distributions,
    evaluation,
    losses,
    models,
    plotting,
    recipes,
    runtime,
    toy,
    training,
    vae,
)
from course_lib.runtime import cap_threads, set_seed  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "article",
    "augment",
    "cap_threads",
    "checkpoints",
    "checks",
    "cost",
    "data",
    "distributions",
    "evaluation",
    "losses",
    "models",
    "plotting",
    "recipes",
    "runtime",
    "set_seed",
    "toy",
    "training",
    "vae",
]
