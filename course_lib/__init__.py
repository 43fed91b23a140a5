"""course_lib: the companion package of "Generative AI in practice".

Importing it has no side effects: it sets no seeds, changes no matplotlib settings and writes
no files. Start every notebook with::

    import course_lib as cl
    cl.set_seed(42)

Public modules: ``data`` (Animal Shape cats), ``distributions`` (chapter 1), ``losses``
(chapters 2-3), ``models`` (chapters 3-5), ``vae`` (chapter 6), ``training`` (the ``GAN`` model
and its callbacks), ``evaluation`` (scores for generated cats), ``augment`` (DiffAugment),
``plotting``, ``checks`` (exercise feedback), ``runtime`` (seeds and threads), ``recipes``
(the case study's defaults and its GAN factory). The course's tooling (command line, notebook
tools) lives in ``course_lib.tools`` and is not imported here.
"""

from course_lib import (
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
from course_lib.runtime import cap_threads, set_seed

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
