"""course_lib: the companion package of "Generative AI in practice".

Importing it sets no seeds, changes no matplotlib settings and writes no files. Inside a Jupyter
kernel it does one thing at once: it loads TensorFlow with the start-up notices of TensorFlow's
C++ side kept out of the notebook (``startup.load_tensorflow_quietly``; ``TF_CPP_MIN_LOG_LEVEL``
defaults to 2), so import it before ``keras`` or ``tensorflow``. Elsewhere (scripts, the command
line) TensorFlow loads, just as quietly, when the first module that needs it is used. Start every
notebook with::

    import course_lib as cl  # first: TensorFlow then loads without a red stderr box

    import keras  # ... then the other imports
    cl.set_seed(42)

Each module is imported the first time it is used (``cl.training`` imports
``course_lib.training``), so ``python -m course_lib make-exercises`` starts without TensorFlow.

Where each chapter's code lives (chapter -> module):

==========================  =====================================================================
chapter                     modules
==========================  =====================================================================
0 welcome                   ``runtime`` (``set_seed``, ``cap_threads``), ``data`` (the cats),
                            ``glossary`` (English–中文 terms), ``language``
                            (``set_language``: the Chinese edition)
1 distributions             ``distributions`` (the normal distribution, likelihoods)
2 cross-entropy             ``losses`` (binary cross-entropy on logits)
3 GAN losses                ``losses`` (GAN losses), ``training`` (``GAN``, callbacks),
                            ``toy`` (1-D and 2-D toy data, mode coverage)
4 the article's GAN         ``article`` (the article's code, run and repaired), ``models``
                            (generators, discriminators), ``validation`` (input checks),
                            ``cost`` (FLOPs), ``execution`` (an epoch per call, XLA)
5 cats case study           ``recipes`` (defaults, ``build_gan``, ``TrainCatsConfig``,
                            ``train_cats``), ``families`` (the ``train-cats --model``
                            registry), ``runs`` (resume and checkpointed fit, shared by
                            the commands), ``checkpoints`` (exact resume), ``evaluation``
                            (Fréchet distance, scores), ``augment`` (DiffAugment), ``plotting``,
                            ``kernels`` (the DCGAN's image-side layers, faster on CPUs)
6 challenges and the VAE    ``vae`` (``cl.vae.VAE``: the one place the VAE lives), ``toy``;
                            ``conditional`` (6b, the class-conditional GAN)
7 diffusion                 ``diffusion`` (DDPM, DDIM, the U-Net, the noise schedules)
7b autoregressive model     ``autoregressive`` (a PixelCNN: the causal mask, cached
                            sampling, bits per pixel)
exercises                   ``checks`` (feedback on the exercise notebooks)
==========================  =====================================================================

``compat`` gathers the few Keras internals course_lib relies on; ``files`` and ``rundir`` the
run directory's atomic writes, lock and decisions. The course's tooling (command line, notebook
tools) lives in ``course_lib.tools`` and is not imported here.
"""

from __future__ import annotations

import importlib
import sys

from course_lib import startup

if "ipykernel" in sys.modules:
    # In a Jupyter kernel TensorFlow's C++ start-up notices would become a red stderr box under
    # the setup cell; load it now, quietly, so the `import keras` that follows finds it loaded.
    startup.load_tensorflow_quietly()

__version__ = "0.1.0"

#: The learner-facing modules, imported on first use.
_MODULES = (
    "article", "augment", "autoregressive", "checkpoints", "checks", "compat", "conditional",
    "cost", "data", "diffusion", "distributions", "evaluation", "execution", "families", "files",
    "glossary", "kernels", "language", "losses", "models", "plotting", "recipes", "runs", "runtime", "startup", "toy",
    "training", "vae", "validation",
)
#: Modules that never import TensorFlow (the command line's tools use them).
_TF_FREE = ("families", "files", "glossary", "language", "rundir", "startup")
#: Functions reached from the package itself, and the module that holds each.
_FUNCTIONS = {"cap_threads": "runtime", "set_language": "language", "set_seed": "runtime"}

__all__ = sorted([
    "article", "augment", "autoregressive", "cap_threads", "checkpoints", "checks", "conditional",
    "cost", "data", "diffusion", "distributions", "evaluation", "execution", "families",
    "glossary", "kernels", "language", "losses", "models", "plotting", "recipes", "runtime",
    "set_language", "set_seed", "toy", "training", "vae",
])


def __getattr__(name: str):
    if name in _MODULES:
        if name not in _TF_FREE:
            startup.load_tensorflow_quietly()  # does nothing once TensorFlow is loaded
        return importlib.import_module(f"{__name__}.{name}")  # also sets it as an attribute
    if name in _FUNCTIONS:
        if _FUNCTIONS[name] not in _TF_FREE:
            startup.load_tensorflow_quietly()
        value = getattr(importlib.import_module(f"{__name__}.{_FUNCTIONS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *_MODULES, *_FUNCTIONS})
