"""The case study's recipes: the families ``train-cats`` trains, their defaults, the run's
configuration and the training run itself (chapters 4-6).

The command line (``python -m course_lib train-cats --model NAME``), the benchmarks and the
chapter notebooks all build their models here, so there is one place that says what "the
default run" is (a DCGAN, :data:`DEFAULTS`). The shape follows flax's examples
(``configs/default.py`` + ``train_and_evaluate(config, workdir)``): one frozen dataclass per
run, :class:`TrainCatsConfig`, and one function that runs it, :func:`train_cats`, for every
model family.

**The family protocol.** A family is one line in ``course_lib.families.FAMILIES``::

    "diffusion": Family("diffusion model", "a denoising diffusion model (chapter 7)",
                        "course_lib.diffusion", "build_diffusion"),

(``Family(kind, summary, module, factory, defaults="DEFAULTS", options={})``). Its module is
imported only when the family is used, and must import without side effects. It holds:

* ``DEFAULTS``: a dict of :class:`TrainCatsConfig` fields, ``epochs``, ``batch_size`` and
  ``learning_rate`` always, ``latent_dim``, ``width`` and ``ema_decay`` if the family has them
  (given for a family that lacks them, they are a ``ValueError``). ``TrainCatsConfig(model=NAME)`` fills the
  fields left None from it, so ``config.json`` records the values the run used. Pick the
  epochs for about 3 minutes on 2 CPU cores (``benchmarks/bench_families.py`` measures).
* the factory, ``build_x(seed, learning_rate, [latent_dim, width,] **options)``: a *compiled*
  ``keras.Model`` whose optimizers are built (so a checkpoint can be restored into it). It is
  called with the config's ``seed`` and ``learning_rate``, with ``latent_dim``, ``width`` and
  ``ema_decay`` when they are in ``DEFAULTS``, and with the family's ``options``.

The model provides:

* ``fit(dataset, epochs=, initial_epoch=, steps_per_epoch=, callbacks=, verbose=0,
  shuffle=False)`` on ``cl.data.as_dataset(images, batch_size, seed=, epochs=, start_epoch=)``
  (batches of images in [-1, 1], no labels), logging its losses as metrics and raising
  ``cl.training.TrainingDivergedError`` at a non-finite loss or weight: pass the losses through
  ``cl.training.nan_unless_finite`` in ``train_step``, add ``cl.training.NaNGuard(keys)`` first
  to ``fit``'s callbacks and call ``guard.raise_if_diverged()`` after ``super().fit``;
* ``checkpoint_items()``: ``{name: network, optimizer, variable or dict of them}``, everything
  exact resume needs (seed generators' states, ``cl.checkpoints.layer_rng_states(...)`` for
  Dropout-like layers, EMA weights, step counters); a checkpoint is only restored into a model
  with the same items (another family's is a ``ValueError``);
* ``generate(n, seed=0)``: ``(n, 28, 28, 1)`` float32 in [-1, 1], the same for the same seed,
  computed in batches of at most ~500. A family with latent noise sets an int ``latent_dim``
  and accepts ``generate(z=...)`` with ``generate(n, seed) == generate(z=cl.training.
  latent_batch(n, latent_dim, seed))``; ``samples.npy`` is then one noise stream for any size.
  Sampling options (e.g. DDIM steps) are attributes or factory options, not positional
  arguments;
* ``count_params()``: the networks' parameters (the disk and memory checks use it).

:func:`train_cats` then does the rest for every family: the run directory, seeds, the
progress bar, checkpoints every epoch, exact resume, the divergence message and the samples.
``tests/test_families.py`` tests the VAE this way (exact resume, a repeated run, the NaN stop,
cross-family checkpoints); a new family copies those tests.

A run directory holds ``config.json`` (the config's fields, plus the number of replicas),
``history.json`` (one row per finished epoch), ``checkpoints/`` and, at the end,
``samples.npy`` and ``samples.png``. :mod:`course_lib.rundir` locks it and decides fresh / resume /
overwrite; :mod:`course_lib.runs` checks and restores a resumed run and fits it checkpointed
(for ``train-animals`` too); the small ``_write_config`` and ``_write_samples`` helpers below
and :class:`course_lib.training.HistoryWriter` write the rest.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import keras
import tensorflow as tf

from course_lib import (
    augment as augment_lib,
)
from course_lib import (
    checkpoints,
    data,
    families,
    models,
    plotting,
    rundir,
    runs,
    runtime,
    training,
)
from course_lib.files import write_json
from course_lib.validation import (
    check_ema_decay,
    check_learning_rate,
    check_positive_int,
    check_positive_number,
    check_r1_weight,
    check_seed,
)

__all__ = ["DCGAN_DEFAULTS", "DEFAULTS", "FAMILIES", "LOSSES", "MLP_DEFAULTS",
           "TrainCatsConfig", "build_gan", "build_model", "make_strategy", "multi_worker_ready",
           "train_cats"]

FAMILIES = families.FAMILIES
#: The command line's name for a run of :func:`train_cats`, and what its ``--resume`` may change.
COMMAND = runs.Command("train-cats", ("--learning-rate", "--epochs", "--strategy"))
#: The article's MLP GAN's settings (chapters 4-5): no moving average of its weights.
MLP_DEFAULTS = {"epochs": 500, "batch_size": 64, "learning_rate": 5e-4, "latent_dim": 100,
                "ema_decay": 0.0, "augment": "none", "generator_lr_ratio": 1.0, "r1_weight": 0.0}
#: The case study's DCGAN, tuned for ~3 minutes on 2 CPU cores (chapter 5). A moving average
#: of its generator's weights (``--ema-decay 0.999``) did not lower its FD there
#: (``benchmarks/bench_cats_budget.py``), so it samples from the generator itself.
#: Its generator learns at twice the discriminator's rate (1e-3 against 5e-4), and its
#: discriminator has no dropout: each lowered the FD of the same 500 epochs from 6.0 to 5.4
#: (``benchmarks/bench_cats_levers.py``; half the rate raised it to 6.9).
#: Its discriminator is as wide as its generator (``discriminator_width`` None: ``width``): half
#: as wide trained 8 % faster to FD 5.02 against 5.00 (``benchmarks/bench_cats_budget.py``).
#: An R1 penalty of 0.5 on the discriminator at the real cats (``r1_weight``) for 400 epochs
#: reached FD 4.71, 4.63 and 4.70 on seeds 0-2, where 500 epochs without it reached 5.00, 5.08
#: and 5.22, in less time (``benchmarks/bench_cats_levers.py``, ``bench_cats_budget.py``).
DCGAN_DEFAULTS = {**MLP_DEFAULTS, "width": 32, "generator_lr_ratio": 2.0, "dropout": 0.0,
                  "discriminator_width": None, "epochs": 400, "r1_weight": 0.5}
#: The default run (chapter 5): a DCGAN. The fields every family shares come from here.
DEFAULTS = {"model": "dcgan", "epochs": 400, "batch_size": 64, "seed": 0, "latent_dim": 100,
            "learning_rate": 5e-4, "num_samples": 1000, "sample_seed": 1234}

GAN_MODELS = ("mlp", "dcgan")
#: What every family's ``generate`` returns per sample.
SAMPLE_SHAPE = (28, 28, 1)
#: Each loss's recipe (chapter 6): its discriminator ("critic": no dropout, no batch norm;
#: "spectral": spectrally normalised), Adam's betas, critic steps per generator step, and the
#: learning rate, epochs and R1 weight a run takes when they are not given (None: the family's). WGAN-GP's betas are the paper's
#: (Gulrajani et al., 2017); its n_critic is 1, not the paper's 5: on 2 CPU cores one critic step
#: per generator step reached FD 6.7 in 400 epochs (about 2 minutes), while n_critic = 5 was at
#: FD 38 after 40 epochs that took longer (``benchmarks/bench_losses.py`` and chapter 6 compare
#: both). The hinge loss takes WGAN-GP's settings, not tuned separately; in chapter 6's experiment it
#: was as stable as WGAN-GP but reached about twice its FD.
LOSSES = {
    "non_saturating": {"critic": None, "betas": (0.5, 0.999), "n_critic": 1,
                       "learning_rate": None, "epochs": None, "generator_lr_ratio": None,
                       "r1_weight": None},
    "minimax": {"critic": None, "betas": (0.5, 0.999), "n_critic": 1,
                "learning_rate": None, "epochs": None, "generator_lr_ratio": None,
                "r1_weight": None},
    "wgan-gp": {"critic": "plain", "betas": (0.0, 0.9), "n_critic": 1,
                "learning_rate": 2e-4, "epochs": 400, "generator_lr_ratio": 1.0,
                "r1_weight": 0.0},
    "hinge": {"critic": "spectral", "betas": (0.0, 0.9), "n_critic": 1,
              "learning_rate": 2e-4, "epochs": 400, "generator_lr_ratio": 1.0,
              "r1_weight": 0.0},
}
STRATEGIES = ("default", "mirrored", "multi-worker")
#: The config fields a family's DEFAULTS may set; the last eight are optional.
FAMILY_FIELDS = ("epochs", "batch_size", "learning_rate", "latent_dim", "width", "ema_decay",
                 "augment", "generator_lr_ratio", "dropout", "discriminator_width", "r1_weight")


def build_gan(model: str = DEFAULTS["model"], latent_dim: int = DEFAULTS["latent_dim"],
              learning_rate: float | None = None, seed: int = DEFAULTS["seed"],
              width: int | None = None, augment=None, loss: str = "non_saturating",
              n_critic: int | None = None, ema_decay: float | None = None,
              generator_lr_ratio: float | None = None, dropout: float | None = None,
              discriminator_width: int | None = None, r1_weight: float | None = None):
    """The case study's compiled GAN: ``model`` "mlp" or "dcgan", trained with ``loss`` (one of
    :data:`LOSSES`, chapter 6) and Adam(``learning_rate``) with the loss's betas for each
    network: beta_1=0.5 for the cross-entropy games (chapter 5), (0, 0.9) for WGAN-GP and hinge.
    ``learning_rate`` and ``n_critic`` left out take the loss's values. ``width`` sets a DCGAN's
    width (default 32); ``augment`` (e.g. ``cl.augment.DiffAugment()``, or its policy as a
    string, ``"translation,cutout"``, seeded with ``seed``; ``"none"``: none) and ``ema_decay``
    (a moving average of the generator's weights to sample from; None or 0: none) are passed
    to ``cl.training.GAN``. The generator's rate is ``generator_lr_ratio`` (None: 1) times
    ``learning_rate``, the discriminator's. ``dropout`` is the DCGAN discriminator's dropout
    rate (None: the layer's default, 0.3); WGAN-GP's and hinge's critics have none.
    ``discriminator_width`` is the DCGAN discriminator's (or critic's) width (None: ``width``).
    ``r1_weight`` is an R1 penalty's gamma on the discriminator (None or 0: none).

    Call it inside ``strategy.scope()`` to train under a distribution strategy. It is the
    factory of the "mlp" and "dcgan" families.
    """
    if model not in GAN_MODELS:
        raise ValueError(f"Unknown model {model!r}. Expected 'mlp' or 'dcgan'.")
    recipe = _loss_recipe(loss)
    if isinstance(augment, str):
        augment = None if augment == "none" else augment_lib.DiffAugment(augment, seed=seed)
    if model == "mlp":
        for name, value in (("width", width), ("discriminator_width", discriminator_width)):
            if value is not None:
                raise ValueError(f"{name} applies to the DCGAN only; leave it out for "
                                 "model='mlp'.")
        norm = "spectral" if recipe["critic"] == "spectral" else None
        gen, disc = models.mlp_generator(latent_dim=latent_dim), models.mlp_discriminator(norm=norm)
    else:
        size = {} if width is None else {"width": width}
        gen = models.dcgan_generator(latent_dim=latent_dim, **size)
        if discriminator_width is not None:  # else D is as wide as G
            size = {"width": discriminator_width}
        if recipe["critic"] is None:
            rate = {} if dropout is None else {"dropout": dropout}
            disc = models.dcgan_discriminator(**size, **rate)
        else:
            disc = models.dcgan_critic(norm="spectral" if recipe["critic"] == "spectral" else None,
                                       **size)
    gan = training.GAN(gen, disc, latent_dim=latent_dim, seed=seed, augment=augment,
                       ema_decay=ema_decay)
    if learning_rate is None:
        learning_rate = recipe["learning_rate"] or DEFAULTS["learning_rate"]
    beta_1, beta_2 = recipe["betas"]
    gan.generator_lr_ratio = 1.0 if generator_lr_ratio is None else check_positive_number(
        "generator_lr_ratio", generator_lr_ratio)
    g_rate = learning_rate * gan.generator_lr_ratio
    gan.compile(d_optimizer=keras.optimizers.Adam(learning_rate, beta_1=beta_1, beta_2=beta_2),
                g_optimizer=keras.optimizers.Adam(g_rate, beta_1=beta_1, beta_2=beta_2),
                loss=loss, n_critic=recipe["n_critic"] if n_critic is None else n_critic,
                r1_weight=0.0 if r1_weight is None else r1_weight)
    return gan


def build_model(config: TrainCatsConfig):
    """The compiled model of ``config``'s family: its factory called with the config's seed,
    learning rate and (where the family has them) ``latent_dim``, ``width`` and ``ema_decay``;
    a GAN also with its ``loss`` and ``n_critic`` (chapter 6)."""
    family = families.get(config.model)
    settings = {k: getattr(config, k) for k in ("latent_dim", "width", "loss", "n_critic",
                                                "ema_decay", "augment", "generator_lr_ratio",
                                                "dropout", "discriminator_width", "r1_weight")
                if getattr(config, k) is not None}
    return family.build(seed=config.seed, learning_rate=config.learning_rate, **settings)


def _dropout_rate(value) -> float:
    rate = check_positive_number("dropout", value, allow_zero=True)
    if rate >= 1:
        raise ValueError(f"dropout must be in [0, 1), got {rate}. Pass e.g. dropout=0.3, or 0 "
                         "for none.")
    return rate


def _loss_recipe(loss) -> dict:
    if loss not in LOSSES:
        raise ValueError(f"Unknown loss {loss!r}. Expected one of {tuple(LOSSES)} "
                         "(chapter 6); the default is 'non_saturating'.")
    return LOSSES[loss]


def make_strategy(name: str):
    """The ``tf.distribute`` strategy for ``--strategy`` (chapter 5, multi-GPU training).

    ``"mirrored"`` replicates the models on every GPU, or, without GPUs, on every logical CPU
    device (tests configure two); ``"default"`` is the usual single-device strategy;
    ``"multi-worker"`` is ``tf.distribute.MultiWorkerMirroredStrategy`` over the machines that
    the ``TF_CONFIG`` environment variable lists (every GPU of each, else its CPU). The same
    devices always give the same strategy object.

    A multi-worker strategy must be made before TensorFlow runs anything else in the process
    (``train-cats`` makes it first); made later, it is a ``ValueError`` that says so.
    """
    if name == "multi-worker":
        return _multi_worker_strategy()
    if name == "default":
        return tf.distribute.get_strategy()
    if name != "mirrored":
        raise ValueError(f"Unknown strategy {name!r}. Expected 'default' or 'mirrored' (one "
                         "machine), or 'multi-worker' (several).")
    devices = [d.name for d in tf.config.list_logical_devices("GPU")]
    devices = tuple(devices or [d.name for d in tf.config.list_logical_devices("CPU")])
    # One strategy per set of devices and process: two MirroredStrategy objects in one process
    # can hand out clashing all-reduce keys.
    if devices not in _STRATEGIES:
        _STRATEGIES[devices] = tf.distribute.MirroredStrategy(list(devices))
    return _STRATEGIES[devices]


_STRATEGIES: dict = {}


def _multi_worker_strategy():
    """The process's one ``MultiWorkerMirroredStrategy``, its cluster checked first."""
    _Cluster.from_env()  # a missing or wrong TF_CONFIG is a ValueError, not a lone worker
    if "multi-worker" not in _STRATEGIES:
        try:
            strategy = tf.distribute.MultiWorkerMirroredStrategy()
        except RuntimeError as exc:
            if "program startup" not in str(exc):
                raise
            raise ValueError(
                "--strategy multi-worker must be set up before TensorFlow runs anything else "
                "in the process, and TensorFlow has already run operations here. Run train-cats "
                "from the command line, or call cl.recipes.make_strategy('multi-worker') first "
                "thing in a fresh Python process."
            ) from None
        _STRATEGIES["multi-worker"] = strategy
    return _STRATEGIES["multi-worker"]


@dataclass(frozen=True)
class _Cluster:
    """The machines of a multi-worker run, from ``TF_CONFIG``: ``tasks`` like ``("worker", 0,
    "10.0.0.1:2222")``, the chief first, and this process's position among them."""

    tasks: tuple
    me: int

    HELP: ClassVar[str] = (
        'Set it on every machine to {"cluster": {"worker": ["HOST0:PORT", "HOST1:PORT"]}, '
        '"task": {"type": "worker", "index": I}}, the same list everywhere and I the '
        "machine's own position in it (README: Several machines)."
    )

    @classmethod
    def from_env(cls) -> _Cluster:
        text = os.environ.get("TF_CONFIG", "")
        if not text.strip():
            raise ValueError("--strategy multi-worker takes its machines from the TF_CONFIG "
                             f"environment variable, which is not set. {cls.HELP}")
        try:
            spec = json.loads(text)
            jobs, task = spec["cluster"], spec["task"]
            kind, index = task["type"], task["index"]
            tasks = tuple((job, i, str(address)) for job in ("chief", "worker")
                          for i, address in enumerate(jobs.get(job) or ()))
            me = [(job, i) for job, i, _ in tasks].index((kind, index))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ValueError(
                f"TF_CONFIG does not describe this machine's place in a cluster (got "
                f"{text[:200]!r}): expected a JSON object with a 'cluster' of 'worker' (and "
                f"optionally 'chief') addresses and this machine's 'task' among them. "
                f"{cls.HELP}"
            ) from None
        return cls(tasks, me)

    def name(self, position: int) -> str:
        job, i, address = self.tasks[position]
        return f"{job} {i} ({address})"


def multi_worker_ready(model):
    """``model``, with the logs of its ``train_step`` shaped ``(1,)`` for ``fit`` under
    ``tf.distribute.MultiWorkerMirroredStrategy`` (chapter 5, several machines).

    Keras 3 reduces a multi-worker step's logs with ``strategy.reduce("MEAN", value, axis=0)``,
    which fails on the scalars every family logs; the mean over the replicas of the ``(1,)``
    logs is the scalar, so the logs ``fit`` reports are unchanged.
    """
    step = model.train_step

    def train_step(data):
        return {name: tf.reshape(value, (1,)) for name, value in step(data).items()}

    model.train_step = train_step
    return model


# ------------------------------------------------------------------ the train-cats run
@dataclass(frozen=True)
class TrainCatsConfig:
    """Everything that defines a ``train-cats`` run (chapters 5-6); ``config.json`` is its asdict.

    ``model`` names a family of :data:`FAMILIES`; the fields left None (``epochs``,
    ``batch_size``, ``learning_rate``, ``latent_dim``, ``width``) take that family's defaults
    here, and a field the family does not have (the MLP's ``width``) stays None. ``epochs`` is
    the total (also when resuming). A resumed run must keep the fields in ``FIXED``;
    ``epochs``, ``learning_rate`` (e.g. lowered after a divergence) and ``strategy`` may change.
    ``loss`` names a GAN's game (:data:`LOSSES`, chapter 6; default "non_saturating"), and
    ``epochs``, ``learning_rate`` and ``n_critic`` left out take that loss's defaults first
    (WGAN-GP: 400 epochs at 2e-4); the other families have no loss (None). ``ema_decay`` is
    a GAN's moving average of its generator's weights, which its samples come from (0, the
    default: none); ``augment`` its DiffAugment policy (``"translation,cutout"``; ``"none"``,
    the default: none); ``generator_lr_ratio`` a GAN's generator's learning rate over the
    discriminator's (``learning_rate``): 2 for the DCGAN, 1 for the MLP, WGAN-GP and hinge;
    ``dropout`` the DCGAN discriminator's dropout rate (0; WGAN-GP's and hinge's critics have
    none, so it is None for them); ``discriminator_width`` its (or the critic's) width (left
    out: the generator's ``width``); ``r1_weight`` a GAN's R1 penalty on its discriminator at
    the real images (gamma; 0: none; refused for WGAN-GP, whose critic has its own penalty).
    """

    model: str = DEFAULTS["model"]
    epochs: int | None = None
    batch_size: int | None = None
    seed: int = DEFAULTS["seed"]
    latent_dim: int | None = None
    learning_rate: float | None = None
    num_samples: int = DEFAULTS["num_samples"]
    sample_seed: int = DEFAULTS["sample_seed"]
    strategy: str = "default"
    width: int | None = None
    loss: str | None = None
    n_critic: int | None = None
    ema_decay: float | None = None
    augment: str | None = None
    generator_lr_ratio: float | None = None
    dropout: float | None = None
    discriminator_width: int | None = None
    r1_weight: float | None = None

    #: The settings a resumed run must share with the run it continues.
    FIXED: ClassVar[tuple[str, ...]] = ("model", "batch_size", "seed", "latent_dim", "width",
                                        "loss", "n_critic", "ema_decay", "augment",
                                        "generator_lr_ratio", "dropout",
                                        "discriminator_width", "r1_weight")

    def __post_init__(self):
        for name, value in _loss_settings(self.model, self.to_dict()).items():
            object.__setattr__(self, name, value)
        for name, value in _family_settings(self.model, self.to_dict()).items():
            object.__setattr__(self, name, value)
        for name in ("epochs", "batch_size", "num_samples"):
            check_positive_int(name, getattr(self, name))
        if self.model == "dcgan" and self.discriminator_width is None:
            object.__setattr__(self, "discriminator_width", self.width)  # as wide as G
        for name in ("latent_dim", "width", "n_critic", "discriminator_width"):
            if getattr(self, name) is not None:
                check_positive_int(name, getattr(self, name))
        check_seed(self.seed)
        check_seed(self.sample_seed, "sample_seed")
        check_learning_rate(self.learning_rate)
        if self.ema_decay is not None:
            object.__setattr__(self, "ema_decay", check_ema_decay(self.ema_decay))
        if self.dropout is not None:
            object.__setattr__(self, "dropout", _dropout_rate(self.dropout))
        if self.generator_lr_ratio is not None:
            object.__setattr__(self, "generator_lr_ratio", check_positive_number(
                "generator_lr_ratio", self.generator_lr_ratio))
        if self.augment is not None:
            object.__setattr__(self, "augment", _augment_policy(self.augment))
        if self.r1_weight is not None:
            object.__setattr__(self, "r1_weight", check_r1_weight(self.r1_weight, self.loss))
        if self.strategy not in STRATEGIES:
            raise ValueError(f"Unknown strategy {self.strategy!r}. Expected one of {STRATEGIES}.")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def resume_conflicts(self, saved: dict) -> dict:
        """``{field: (saved value, this value)}`` for each fixed field that differs.

        A saved field left out or None takes the saved family's default (a run written before
        defaults were recorded); a field one of the two families does not have is not compared
        (the changed ``model`` is).
        """
        mine = self.to_dict()
        if saved.get("model") in GAN_MODELS:  # runs from before chapter 6's losses, the EMA
            saved = {**saved, "loss": saved.get("loss") or "non_saturating",
                     "n_critic": saved.get("n_critic") or 1,
                     "ema_decay": saved.get("ema_decay") or 0.0,
                     "augment": saved.get("augment") or "none",
                     # runs from before the ratio trained both networks at one rate
                     "generator_lr_ratio": saved.get("generator_lr_ratio") or 1.0,
                     # and before R1, without it
                     "r1_weight": saved.get("r1_weight") or 0.0}
            if saved.get("model") == "dcgan" and "dropout" not in saved:
                saved["dropout"] = 0.3  # and the DCGAN's discriminator had dropout 0.3
            if saved.get("model") == "dcgan" and "discriminator_width" not in saved:
                saved["discriminator_width"] = saved.get("width") or 32  # and the same width
        theirs = {k: saved.get(k) for k in self.FIXED}
        if saved.get("model") in FAMILIES:
            defaults = FAMILIES[saved["model"]].default_settings()
            theirs.update({k: defaults[k] for k, v in theirs.items() if v is None
                           and k in defaults})
        return {k: (theirs[k], mine[k]) for k in self.FIXED if theirs[k] != mine[k]
                and (k == "model" or (theirs[k] is not None and mine[k] is not None))}


_NO_DROPOUT = "no dropout"  # a placeholder _family_settings turns into None


def _family_settings(model, fields: dict) -> dict:
    """``fields``' family settings with each None replaced by the family's default; a
    ``ValueError`` for a setting the family does not have."""
    defaults = families.get(model).default_settings()
    unknown = sorted(set(defaults) - set(FAMILY_FIELDS))
    if unknown or not {"epochs", "batch_size", "learning_rate"} <= set(defaults):
        raise ValueError(
            f"The defaults of family {model!r} must set epochs, batch_size and learning_rate, "
            f"and may set latent_dim and width only; got {sorted(defaults)}. Fix its DEFAULTS "
            "(course_lib.recipes explains the family protocol)."
        )
    settings = {}
    for name in FAMILY_FIELDS:
        if fields[name] == _NO_DROPOUT:
            settings[name] = None
        elif fields[name] is None:
            settings[name] = defaults.get(name)
        elif name not in defaults:
            raise ValueError(
                f"{name} does not apply to model {model!r}, which has no {name} (its settings: "
                f"{', '.join(defaults)}). Leave {name} out, or choose a model that has one."
            )
    return settings


def _augment_policy(augment) -> str:
    """A GAN's DiffAugment policy as one string, ``"translation,cutout"``, or ``"none"``."""
    if not isinstance(augment, str):
        raise TypeError(f"augment must be a DiffAugment policy (a str), got "
                        f"{type(augment).__name__}. Pass e.g. 'translation,cutout' or 'none'.")
    if augment.strip() == "none":
        return "none"
    return ",".join(augment_lib.DiffAugment(augment).policy)


def _loss_settings(model, fields: dict) -> dict:
    """A GAN's ``loss`` (default "non_saturating") and the loss's defaults for the fields left
    None; a ``ValueError`` for a loss given to a family that is not a GAN."""
    if model not in GAN_MODELS:
        for name in ("loss", "n_critic"):
            if fields[name] is not None:
                raise ValueError(f"{name} applies to the GANs only ('mlp', 'dcgan'), not to model "
                                 f"{model!r}. Leave --{name.replace('_', '-')} out.")
        return {}
    loss = "non_saturating" if fields["loss"] is None else fields["loss"]
    recipe = _loss_recipe(loss)
    settings = {"loss": loss}
    for name in ("epochs", "learning_rate", "n_critic", "generator_lr_ratio", "r1_weight"):
        if fields[name] is None and recipe[name] is not None:
            settings[name] = recipe[name]
    if recipe["critic"] is not None:  # a critic has no dropout to set
        if fields["dropout"] is not None:
            raise ValueError(f"dropout applies to the DCGAN's discriminator, not to the {loss} "
                             "critic, which has none. Leave --dropout out.")
        settings["dropout"] = _NO_DROPOUT
    return settings


def train_cats(config: TrainCatsConfig, out_dir, resume: bool = False, progress: bool = True,
               data_dir=None, callbacks=(), overwrite: bool = False) -> dict:
    """Train (or, with ``resume``, continue) ``config.model`` on the cats in ``out_dir``; return
    a summary.

    This is ``python -m course_lib train-cats`` as a function (chapter 5): the same run, the
    same files, the same numbers, for every family of :data:`FAMILIES`. ``callbacks`` are extra
    Keras callbacks (the benchmarks score the GAN along the way); ``data_dir`` is an
    alternative copy of the data files.

    ``out_dir`` is locked for the run (one writer) and never silently overwritten: a folder
    that holds a run is continued with ``resume`` or discarded with ``overwrite``, a non-empty
    folder that is not a run is refused (:mod:`course_lib.rundir`).

    With ``strategy="multi-worker"`` every machine of the cluster (``TF_CONFIG``) calls this
    with the same arguments; only the chief locks and writes ``out_dir`` (and runs
    ``callbacks`` and the progress bar), the others write nothing there. A worker that stops
    answering ends the run on every other one with a :class:`course_lib.rundir.WorkerLostError`
    naming the last good checkpoint.
    """
    if not isinstance(config, TrainCatsConfig):
        raise TypeError(f"config must be a TrainCatsConfig, got {type(config).__name__}. "
                        "Build one with cl.recipes.TrainCatsConfig(epochs=...).")
    if config.strategy == "multi-worker":
        return _train_cats_multi_worker(config, out_dir, resume, progress, data_dir, callbacks,
                                        overwrite)
    with rundir.open_run(out_dir, resume=resume, overwrite=overwrite) as run:
        return _train_cats_locked(config, run, resume, progress, data_dir, callbacks)


def _train_cats_locked(config, run, resume, progress, data_dir, callbacks,
                       workers=None) -> dict:
    """:func:`train_cats` in its locked, decided run directory ``run`` (a multi-worker run's
    chief passes its ``workers``, who take the same steps)."""
    out = run.path
    runs.check_resume_settings(out, config, resume, COMMAND)
    cats = _load_cats(config, data_dir)
    _check_memory(config)
    runtime.set_seed(config.seed, deterministic=True)  # after the checks: global state
    strategy = _replicated(config)
    if workers is not None:
        workers.sync()  # every worker got this far
    with strategy.scope():
        model = _built(config, workers)
    with strategy.scope() if workers is None else contextlib.nullcontext():
        # (multi-worker: a variable made in the scope is a collective the others must join)
        start = runs.restore_for_resume(model, out, config.learning_rate, resume)
    _write_config(run, model, config, strategy.num_replicas_in_sync, workers)
    if workers is not None:
        start = workers.sync(start)  # the others take the chief's state
    t0 = time.perf_counter()
    if start < config.epochs:
        history = training.HistoryWriter(out / "history.json", rundir.earlier_history(out, start))
        extra = [history, *callbacks]
        _fit(model, cats, config, start, out, extra, progress)
    else:
        print(f"{out} is already trained for {start} epochs (asked for {config.epochs}).",
              file=sys.stderr)
    seconds = time.perf_counter() - t0
    trained = max(start, config.epochs)  # the epochs the weights have seen
    _write_samples(model, out, config, trained)
    if workers is not None:
        workers.sync()  # the others end with the chief
    return {"out": str(out), "start_epoch": start, "epochs": config.epochs,
            "trained_epochs": trained, "replicas": strategy.num_replicas_in_sync,
            "train_seconds": round(seconds, 1), **_worker_summary(workers)}


def _load_cats(config, data_dir):
    """The cats in [-1, 1], checked to hold at least one batch."""
    cats = data.load_cats(value_range=(-1.0, 1.0), data_dir=data_dir)
    if config.batch_size > len(cats):
        default = families.get(config.model).default_settings()["batch_size"]
        raise ValueError(f"--batch-size {config.batch_size} is larger than the {len(cats)} "
                         f"cats. Use a batch size of at most 1000 ({default} is the default).")
    return cats


def _built(config, workers):
    """The run's compiled model, in the strategy's scope (entered by the caller)."""
    model = build_model(config)
    if workers is not None:
        workers.model = multi_worker_ready(model)
    return model


def _replicated(config):
    """The run's strategy, checked: the global batch must split evenly over its replicas."""
    strategy = make_strategy(config.strategy)
    replicas = strategy.num_replicas_in_sync
    if config.strategy == "mirrored" and replicas == 1:
        print("--strategy mirrored found one device only: training on a single replica.",
              file=sys.stderr)
    if config.batch_size % replicas:
        raise ValueError(
            f"--batch-size {config.batch_size} cannot be split evenly over the {replicas} "
            f"replicas of --strategy {config.strategy}. Use a multiple of {replicas}: the "
            "batch size is the global batch."
        )
    return strategy


def _fit(model, cats, config, start, out, callbacks, progress, checkpoint_dir=None):
    """Epochs ``start .. config.epochs - 1``, checkpointed; a divergence says how to go on."""
    ds = data.as_dataset(cats, config.batch_size, seed=config.seed, epochs=config.epochs,
                         start_epoch=start)
    if config.strategy == "multi-worker":  # each worker takes its replicas' part of each batch
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = (
            tf.data.experimental.AutoShardPolicy.DATA)
        ds = ds.with_options(options)
    game = "" if config.loss in (None, "non_saturating") else f" ({config.loss})"
    runs.fit_checkpointed(model, ds, config=config, start=start,
                          steps_per_epoch=len(cats) // config.batch_size, out=out,
                          command=COMMAND, callbacks=callbacks,
                          progress=f"{config.model}{game} on cats" if progress else None,
                          checkpoint_dir=checkpoint_dir)


# ------------------------------------------------------------------ several machines
def _train_cats_multi_worker(config, out_dir, resume, progress, data_dir, callbacks,
                             overwrite) -> dict:
    """:func:`train_cats` on one machine of a multi-worker cluster: the chief as on one machine,
    the others in step with it; a lost worker or a worker that refused ends every one."""
    strategy = make_strategy("multi-worker")  # before any other TensorFlow operation
    workers = _Workers(strategy, _Cluster.from_env())
    try:
        if not workers.chief:
            return _train_cats_worker(config, out_dir, data_dir, workers)
        with rundir.open_run(out_dir, resume=resume, overwrite=overwrite) as run:
            return _train_cats_locked(config, run, resume, progress, data_dir, callbacks,
                                      workers)
    except tf.errors.OpError as exc:
        if not _peer_lost(exc):
            raise
        raise workers.lost(exc, out_dir) from None
    except BaseException:
        workers.fail()
        raise


def _train_cats_worker(config, out_dir, data_dir, workers) -> dict:
    """A non-chief worker's part: the chief's steps, with nothing written in ``out_dir``; its
    checkpoints (every worker saves) go to a temporary folder removed at the end."""
    cats = _load_cats(config, data_dir)
    _check_memory(config)
    runtime.set_seed(config.seed, deterministic=True)
    strategy = _replicated(config)
    workers.sync()
    with strategy.scope():
        model = _built(config, workers)
    start = workers.sync(0)  # the chief's epoch and state
    if start < config.epochs:
        with tempfile.TemporaryDirectory(prefix="course_lib-worker-") as scratch:
            _fit(model, cats, config, start, Path(out_dir), [], False,
                 checkpoint_dir=Path(scratch) / "checkpoints")
    workers.sync()
    return {"out": str(out_dir), "start_epoch": start, "epochs": config.epochs,
            "trained_epochs": max(start, config.epochs),
            "replicas": strategy.num_replicas_in_sync, **_worker_summary(workers)}


def _worker_summary(workers) -> dict:
    if workers is None:
        return {}
    return {"workers": len(workers.cluster.tasks), "worker": workers.cluster.me}


#: TensorFlow's words for a collective that a lost peer ended.
_PEER_LOST = re.compile(r"Collective ops is aborted|unhealthy|coordination service|"
                        r"Socket closed|Connection reset|failed to connect", re.IGNORECASE)


def _peer_lost(exc) -> bool:
    lost = (tf.errors.UnavailableError, tf.errors.AbortedError, tf.errors.CancelledError,
            tf.errors.DeadlineExceededError)
    return isinstance(exc, lost) or bool(_PEER_LOST.search(str(exc)))


class _Workers:
    """This process's part in a multi-worker run: its place in the ``cluster`` and three
    meetings that keep the workers in step (collectives over ``strategy``).

    1. before the models are built: every worker's checks passed;
    2. after the chief restored its checkpoint: every worker takes the chief's epoch and its
       model state (the others may not see ``--out``);
    3. after the chief wrote its samples: the workers end together.

    A worker that fails before a meeting still attends it, flagged, so that the others stop at
    once with a message naming it instead of waiting for it.
    """

    def __init__(self, strategy, cluster: _Cluster):
        self.strategy, self.cluster = strategy, cluster
        self.chief = bool(strategy.extended.should_checkpoint)
        self.meetings, self.model = 0, None

    def sync(self, start: int = 0, failed: bool = False) -> int:
        """Attend the next meeting; return the chief's ``start`` epoch (meeting 2)."""
        n = len(self.cluster.tasks)
        flags = tf.one_hot(self.cluster.me, n, on_value=int(failed), off_value=0, dtype=tf.int64)
        values = [flags, tf.constant(start if self.chief else 0, tf.int64)]
        state = self.meetings == 1
        if state:
            variables = checkpoints.model_variables(self.model)
            values += [_wide(v) if self.chief else tf.zeros(v.shape, _wide(v).dtype)
                       for v in variables]
        self.meetings += 1
        summed = _all_sum(self.strategy, values)
        refused = [p for p, f in enumerate(summed[0].numpy()) if f and p != self.cluster.me]
        if refused:
            raise ValueError(
                f"{', '.join(self.cluster.name(p) for p in refused)} of the multi-worker run "
                "stopped before training; its own error message says why. Fix that, then "
                "start every worker again with the same command."
            )
        if state and not self.chief:
            for v, value in zip(variables, summed[2:], strict=True):
                v.assign(tf.cast(value, v.dtype))
        return int(summed[1].numpy())

    def fail(self) -> None:
        """Attend the pending meeting flagged, if it comes before training (else: nothing)."""
        if self.meetings > 1 or (self.meetings == 1 and self.model is None):
            return
        try:
            self.sync(failed=True)
        except (ValueError, tf.errors.OpError):
            pass

    def lost(self, exc, out) -> rundir.WorkerLostError:
        """The error that ends this worker's part when ``exc`` says a peer is gone."""
        mine = self.cluster.tasks[self.cluster.me][:2]
        named = {(job, int(i)) for job, i in re.findall(r"/job:(chief|worker)/(?:replica:\d+/)?"
                                                        r"task:(\d+)", str(exc))}
        gone = [p for p, (job, i, _) in enumerate(self.cluster.tasks)
                if (job, i) in named and (job, i) != mine]
        who = " and ".join(self.cluster.name(p) for p in gone) or "another worker"
        if self.chief:
            kept = checkpoints.latest_epoch(Path(out) / "checkpoints")
            keeps = (f"The run in {out} keeps its checkpoint of epoch {kept}." if kept else
                     f"The run in {out} has no checkpoint yet.")
        else:
            keeps = f"The chief's run in {out} keeps its last good checkpoint."
        return rundir.WorkerLostError(
            f"{who} stopped answering ({type(exc).__name__}), so the multi-worker run stopped. "
            f"{keeps} Start every worker again with the same command and --resume: python -m "
            f"course_lib {COMMAND.name} --strategy multi-worker --out {out} --resume (and the "
            "run's other settings)."
        )


def _wide(variable):
    """A variable's value in a type the workers can sum exactly: floats as they are, integers
    as int64."""
    value = tf.convert_to_tensor(variable)
    return value if value.dtype.is_floating else tf.cast(value, tf.int64)


def _all_sum(strategy, values) -> list:
    """The sums over every replica of the cluster of ``values`` (this worker's tensors), one
    all-reduce per dtype (a batch of mixed dtypes cannot be packed)."""
    by_dtype: dict = {}
    for i, value in enumerate(values):
        by_dtype.setdefault(value.dtype.name, []).append(i)
    order = sorted(by_dtype)

    def replica_fn():
        ctx = tf.distribute.get_replica_context()
        return [ctx.all_reduce(tf.distribute.ReduceOp.SUM, [values[i] for i in by_dtype[d]])
                for d in order]

    summed = tf.function(lambda: strategy.run(replica_fn))()
    out = [None] * len(values)
    for dtype, sums in zip(order, summed, strict=True):
        for i, value in zip(by_dtype[dtype], sums, strict=True):
            out[i] = strategy.experimental_local_results(value)[0]
    return out


# ------------------------------------------------------------------ the run directory's files
def _check_memory(config: TrainCatsConfig) -> None:
    """Refuse, before it is built, a model whose training cannot fit in memory."""
    if config.latent_dim is None:  # nothing that a setting can make huge
        return
    family = families.get(config.model)

    def params_at(latent_dim):
        return build_model(dataclasses.replace(config, latent_dim=latent_dim)).count_params()

    rundir.check_memory(params_at, config.latent_dim, kind=family.kind,
                        default=family.default_settings()["latent_dim"])


def _write_config(run, model, config: TrainCatsConfig, replicas: int, workers=None) -> None:
    """The run's first write: checked to fit on the disk, after an ``overwrite`` discards. A
    multi-worker run also records its number of ``workers``."""
    needs = rundir.estimate_bytes(config.num_samples, SAMPLE_SHAPE, model.count_params(),
                                  config.epochs)
    rundir.check_fits(run.path, needs)
    run.begin()  # an overwrite discards the old run only now
    machines = {} if workers is None else {"workers": len(workers.cluster.tasks)}
    write_json(run.path / "config.json", {**config.to_dict(), "replicas": replicas, **machines})


def _write_samples(model, out: Path, config: TrainCatsConfig, trained: int) -> None:
    """``samples.npy`` (``num_samples`` seeded samples, written in chunks) and a 64-sample
    ``samples.png`` titled with the epochs ``trained``."""
    first = rundir.save_samples(out / "samples.npy", model, config.num_samples,
                                seed=config.sample_seed)
    plotting.save_image_grid(first, out / "samples.png",
                             title=f"{config.model}, {trained} epochs")
