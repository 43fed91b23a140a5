"""The model families that ``train-cats --model NAME`` trains (chapters 5-6).

One line of :data:`FAMILIES` registers a family: its name, what it is, and the module, factory
and defaults that build it. The module is imported only when its family is used, so this table
(which the command line reads for ``--model``) loads neither TensorFlow nor a family's code.
The protocol a family's model follows, and how to add one, is in :mod:`course_lib.recipes`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

__all__ = ["FAMILIES", "Family", "get"]


@dataclass(frozen=True)
class Family:
    """Where a family's code lives: ``module.factory`` builds it, ``module.defaults`` configures it.

    ``kind`` names its models in messages ("GAN", "VAE"); ``summary`` describes it in
    ``train-cats --help``; ``options`` are fixed keyword arguments of the factory (the two GANs
    share one factory and differ in ``model``).
    """

    kind: str
    summary: str
    module: str
    factory: str
    defaults: str = "DEFAULTS"
    options: dict = field(default_factory=dict)

    def load(self):
        """The family's module, imported now (the first use of the family)."""
        return importlib.import_module(self.module)

    def default_settings(self) -> dict:
        """The family's defaults: ``TrainCatsConfig`` fields, e.g. ``{"epochs": 500, ...}``."""
        return dict(getattr(self.load(), self.defaults))

    def build(self, **settings):
        """The family's compiled model: ``factory(**settings, **options)``."""
        return getattr(self.load(), self.factory)(**settings, **self.options)


#: name -> Family. A new family registers here with one line (see course_lib.recipes).
FAMILIES: dict[str, Family] = {
    "mlp": Family("GAN", "the article's MLP GAN, repaired (chapter 4)", "course_lib.recipes",
                  "build_gan", "MLP_DEFAULTS", {"model": "mlp"}),
    "dcgan": Family("GAN", "a DCGAN, the default (chapter 5)", "course_lib.recipes",
                    "build_gan", "DCGAN_DEFAULTS", {"model": "dcgan"}),
    "vae": Family("VAE", "a convolutional variational autoencoder (chapter 6)",
                  "course_lib.vae", "build_vae"),
    "diffusion": Family("diffusion model", "a denoising diffusion model, DDPM/DDIM (chapter 7)",
                        "course_lib.diffusion", "build_diffusion"),
    "autoregressive": Family("PixelCNN", "an autoregressive PixelCNN, pixel by pixel (chapter 7)",
                             "course_lib.autoregressive", "build_autoregressive"),
}


def get(name) -> Family:
    """The registered family ``name``; a ``ValueError`` listing the families otherwise."""
    if not isinstance(name, str):
        raise TypeError(f"model must be a family name (a str), got {type(name).__name__}. "
                        f"Pass one of {tuple(FAMILIES)}, e.g. model='dcgan'.")
    if name not in FAMILIES:
        raise ValueError(f"Unknown model {name!r}. Expected one of {tuple(FAMILIES)}.")
    return FAMILIES[name]
