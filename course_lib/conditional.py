"""The class-conditional GAN: ask for a bear, get a bear (chapter 6).

The cat GAN of chapter 5 learns one class. Here one generator learns all ten Animal Shape classes
at once, and the label says which one to draw: ``G(z, y)`` and ``D(x, y)``. The discriminator
must see the label too, or the generator could ignore it (any realistic animal would pass).

Two ways of giving D the label are built here and measured in chapter 6 (``06b``):

* ``"concat"``: the label becomes an extra input channel, a learned 28x28 map per class stacked
  onto the image (the "concatenate the one-hot" recipe of Mirza & Osindero, 2014, applied to a
  convolutional D);
* ``"projection"`` (Miyato & Koyama, 2018): ``D(x, y) = psi(phi(x)) + embed(y) . phi(x)``; the
  image features ``phi(x)`` are scored by an unconditional head ``psi`` plus their inner product
  with a learned vector of the class asked for.

Both use the same generator: the one-hot label is concatenated to the noise. A run mirrors
``train-cats`` (:mod:`course_lib.recipes`): :class:`TrainAnimalsConfig`,
:func:`build_conditional_gan` and :func:`train_animals` (``python -m course_lib train-animals``),
with the same run directory, checkpoints, NaN guard, progress bar and exact resume.
:func:`per_class_scores` measures, per class, the share of samples the reference classifier calls
the class asked for, and the Fréchet distance beside its real-vs-real floor.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from course_lib import data, evaluation, losses, plotting, rundir, runs, runtime, training
from course_lib.files import atomic_write, write_json
from course_lib.validation import (
    check_images,
    check_labels,
    check_latent,
    check_learning_rate,
    check_positive_int,
    check_seed,
)

__all__ = [
    "DEFAULTS",
    "DESIGNS",
    "SMALL",
    "ConditionalGAN",
    "FunctionInput",
    "TrainAnimalsConfig",
    "build_conditional_gan",
    "conditional_discriminator",
    "conditional_generator",
    "format_per_class",
    "obedience",
    "per_class_scores",
    "sample_classes",
    "train_animals",
    "train_small",
]

NUM_CLASSES = len(data.CLASS_NAMES)
#: The ways the discriminator is given the label (module docstring).
DESIGNS = ("concat", "projection")
#: The default run (chapter 6): the design chosen by benchmarks/bench_conditional_designs.py,
#: 25 epochs (about 2 minutes on 2 quiet cores; 35 epochs score no better, see README).
#: The command line's name for a run of :func:`train_animals`, and what its ``--resume`` may change.
COMMAND = runs.Command("train-animals", ("--learning-rate", "--epochs", "--samples-per-class"))
DEFAULTS = {"design": "projection", "epochs": 25, "batch_size": 64, "seed": 0, "latent_dim": 64,
            "learning_rate": 5e-4, "samples_per_class": 1000, "sample_seed": 1234, "width": 32}


# ------------------------------------------------------------------------------ the networks
class FunctionInput(layers.Layer):
    """A generator's input layer that calls a NumPy function ``fn(z, labels)`` (chapter 6).

    ``fn`` gets the batch's noise ``(n, latent_dim)`` float32 and labels ``(n,)`` int32 as NumPy
    arrays and must return ``(n, latent_dim + num_classes)``: chapter 6's exercise 3 puts the
    learner's ``conditional_input`` here. No gradient flows through it (none is needed: ``z``
    and the labels are inputs, not weights).
    """

    def __init__(self, fn, width: int, **kwargs):
        super().__init__(**kwargs)
        if not callable(fn):
            raise TypeError(f"fn must be a function f(z, labels), got {type(fn).__name__}.")
        self.fn, self.width = fn, check_positive_int("width", width)

    def _numpy(self, z, labels):
        return np.asarray(self.fn(z, labels), dtype=np.float32)

    def call(self, z, labels):
        out = tf.numpy_function(self._numpy, [z, labels], tf.float32, stateful=False)
        return tf.ensure_shape(out, (None, self.width))

    def compute_output_shape(self, z_shape, labels_shape):
        return (z_shape[0], self.width)


def conditional_generator(latent_dim: int = DEFAULTS["latent_dim"], width: int = 32,
                          num_classes: int = NUM_CLASSES, conditioning=None) -> keras.Model:
    """``G(z, y)``: chapter 5's DCGAN generator with the one-hot label concatenated to ``z``.

    Inputs ``[z (n, latent_dim), labels (n,) int]``; output ``(n, 28, 28, 1)`` in [-1, 1].
    ``conditioning``: a NumPy function ``f(z, labels)`` that builds the first layer's input in
    place of the built-in one-hot concatenation (:class:`FunctionInput`; exercise 3).
    """
    latent_dim = check_positive_int("latent_dim", latent_dim)
    width = check_positive_int("width", width)
    num_classes = check_positive_int("num_classes", num_classes, minimum=2)
    z = keras.Input(shape=(latent_dim,), name="z")
    y = keras.Input(shape=(), dtype="int32", name="label")
    if conditioning is None:
        one_hot = layers.CategoryEncoding(num_classes, output_mode="one_hot", name="one_hot")(y)
        h = layers.Concatenate(name="z_and_label")([z, one_hot])
    else:
        h = FunctionInput(conditioning, latent_dim + num_classes, name="z_and_label")(z, y)
    h = layers.Dense(7 * 7 * 2 * width, use_bias=False)(h)
    h = layers.ReLU()(layers.BatchNormalization()(h))
    h = layers.Reshape((7, 7, 2 * width))(h)
    h = layers.Conv2DTranspose(width, 4, strides=2, padding="same", use_bias=False)(h)
    h = layers.ReLU()(layers.BatchNormalization()(h))
    out = layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh")(h)
    return keras.Model([z, y], out, name="conditional_generator")


def conditional_discriminator(design: str = DEFAULTS["design"], width: int = 32,
                              num_classes: int = NUM_CLASSES, dropout: float = 0.3):
    """``D(x, y)``: chapter 5's DCGAN discriminator, told the label by ``design``.

    ``"concat"`` stacks a learned 28x28 map of the label onto the image as a second channel;
    ``"projection"`` adds ``embed(y) . phi(x)`` to the logit (module docstring). Inputs
    ``[images (n, 28, 28, 1), labels (n,) int]``; output: one logit ``(n, 1)``.
    """
    if design not in DESIGNS:
        raise ValueError(f"Unknown design {design!r}. Expected one of {DESIGNS}.")
    width = check_positive_int("width", width)
    num_classes = check_positive_int("num_classes", num_classes, minimum=2)
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}.")
    x = keras.Input(shape=(28, 28, 1), name="image")
    y = keras.Input(shape=(), dtype="int32", name="label")
    h = x
    if design == "concat":
        label_map = layers.Reshape((28, 28, 1))(layers.Embedding(num_classes, 28 * 28)(y))
        h = layers.Concatenate(name="image_and_label")([x, label_map])
    for filters in (width, 2 * width):
        h = layers.Conv2D(filters, 4, strides=2, padding="same")(h)
        h = layers.LeakyReLU(negative_slope=0.2)(h)
    phi = layers.Dropout(dropout)(layers.Flatten()(h))
    logit = layers.Dense(1, name="logit")(phi)
    if design == "projection":
        class_vector = layers.Embedding(num_classes, 7 * 7 * 2 * width, name="class_vector")(y)
        projection = layers.Dot(axes=1, name="projection")([class_vector, phi])
        logit = layers.Add(name="logit_plus_projection")([logit, projection])
    return keras.Model([x, y], logit, name=f"{design}_discriminator")


# ------------------------------------------------------------------------------ the model
class ConditionalGAN(training.GAN):
    """A GAN whose generator and discriminator both take the class label (chapter 6).

    ``generator([z, labels])`` -> images; ``discriminator([images, labels])`` -> logits.
    ``fit`` takes a ``tf.data.Dataset`` of ``(images, labels)`` batches (e.g.
    ``cl.data.as_labelled_dataset``), or arrays ``x`` and ``y`` (then shuffled per epoch by
    ``seed``). Each step's fakes are drawn for the labels of the real batch, so D compares real
    and fake animals of the same classes. Everything else (compile, losses, the NaN guard,
    checkpoints) is :class:`course_lib.training.GAN`'s.
    """

    def __init__(self, generator, discriminator, latent_dim, num_classes=NUM_CLASSES, seed=None,
                 **kwargs):
        super().__init__(generator, discriminator, latent_dim, seed=seed, **kwargs)
        self.num_classes = check_positive_int("num_classes", num_classes, minimum=2)
        self._data_seed = 0 if seed is None else int(seed)

    def call(self, inputs, training=False):
        z, labels = inputs
        return self.generator([z, labels], training=training)

    def sample_shape(self):
        shapes = self.discriminator.input_shape
        return tuple(shapes[0][1:]) if isinstance(shapes, list) else None

    def d_step(self, real, labels, share=None):
        """One discriminator update on real ``(images, labels)`` and fakes of the same labels."""
        fake = self.generator([self._noise(tf.shape(real)[0]), labels], training=True)
        with tf.GradientTape() as tape:
            if self.r1_weight:  # R1 at the real images, each scored for its own label
                r1, real_logits = losses.r1_penalty(
                    lambda x: self.discriminator([x, labels], training=True), real,
                    self.r1_weight)
            else:
                real_logits = self.discriminator([real, labels], training=True)
            fake_logits = self.discriminator([fake, labels], training=True)
            d_loss = losses.discriminator_loss(real_logits, fake_logits, self.label_smoothing)
            if self.r1_weight:
                d_loss += r1
            weighted = self._scaled(d_loss, share)
        weights = self.discriminator.trainable_weights
        self.d_optimizer.apply_gradients(zip(tape.gradient(weighted, weights), weights, strict=True))
        acc_real = tf.reduce_mean(tf.cast(real_logits > 0, tf.float32))
        acc_fake = tf.reduce_mean(tf.cast(fake_logits < 0, tf.float32))
        return d_loss, acc_real, acc_fake

    def g_step(self, labels, share=None):
        """One generator update: fakes of ``labels`` that D should call real for ``labels``."""
        z = self._noise(tf.shape(labels)[0])
        with tf.GradientTape() as tape:
            fake = self.generator([z, labels], training=True)
            fake_logits = self.discriminator([fake, labels], training=True)
            g_loss = losses.GENERATOR_LOSSES[self.generator_loss_name](fake_logits)
            weighted = self._scaled(g_loss, share)
        weights = self.generator.trainable_weights
        self.g_optimizer.apply_gradients(zip(tape.gradient(weighted, weights), weights, strict=True))
        return g_loss

    def train_step(self, data):
        real, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        real = tf.cast(real, self.compute_dtype)
        labels = tf.cast(labels, tf.int32)
        share = self._share(tf.shape(real)[0])
        d_loss, acc_real, acc_fake = self.d_step(real, labels, share)
        g_loss = self.g_step(labels, share)
        d_loss = training.nan_unless_finite(d_loss, self.discriminator.trainable_weights)
        g_loss = training.nan_unless_finite(g_loss, self.generator.trainable_weights)
        self._track((d_loss, g_loss, acc_real, acc_fake), share)
        return {m.name: m.result() for m in self.metrics}

    def fit(self, x=None, y=None, batch_size=None, epochs=1, initial_epoch=0, **kwargs):
        """Train on ``(images, labels)``: a dataset of such batches, or arrays ``x`` and ``y``."""
        if not isinstance(x, tf.data.Dataset):
            if y is None:
                raise ValueError(
                    "ConditionalGAN.fit needs the labels: pass fit(images, labels, "
                    "batch_size=...) or a dataset from cl.data.as_labelled_dataset.")
            if batch_size is None:
                raise ValueError("ConditionalGAN.fit with arrays needs batch_size, e.g. 64.")
            x = data.as_labelled_dataset(x, y, batch_size, seed=self._data_seed, epochs=epochs,
                                         start_epoch=initial_epoch)
            kwargs.setdefault("steps_per_epoch", len(y) // batch_size)
        elif y is not None:
            raise ValueError("ConditionalGAN.fit: a dataset brings its own labels; y must be None.")
        return super().fit(x, epochs=epochs, initial_epoch=initial_epoch, **kwargs)

    def generate(self, labels, z=None, seed=0, batch_size=500) -> np.ndarray:
        """Images of the classes ``labels`` (names or 0-9, one per sample), from noise ``z``
        or from seeded noise."""
        batch_size = check_positive_int("batch_size", batch_size)
        labels = check_labels(labels, self.num_classes, data.CLASS_NAMES)
        z = training.latent_batch(len(labels), self.latent_dim, seed) if z is None else z
        z = check_latent(z, None, self.latent_dim)
        if len(z) != len(labels):
            raise ValueError(f"generate got {len(labels)} labels for {len(z)} latent vectors z. "
                             "Give one label per latent vector (or leave z out).")
        outs = [np.asarray(self.generator([z[i:i + batch_size], labels[i:i + batch_size]],
                                          training=False))
                for i in range(0, len(z), batch_size)]
        return np.concatenate(outs, axis=0)


def build_conditional_gan(design: str = DEFAULTS["design"],
                          latent_dim: int = DEFAULTS["latent_dim"],
                          learning_rate: float = DEFAULTS["learning_rate"],
                          seed: int = DEFAULTS["seed"], width: int = DEFAULTS["width"],
                          num_classes: int = NUM_CLASSES) -> ConditionalGAN:
    """The compiled conditional GAN: Adam(``learning_rate``, beta_1=0.5) each (chapter 6)."""
    learning_rate = check_learning_rate(learning_rate)
    gen = conditional_generator(latent_dim, width, num_classes)
    disc = conditional_discriminator(design, width, num_classes)
    gan = ConditionalGAN(gen, disc, latent_dim, num_classes=num_classes, seed=seed)
    gan.compile(d_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5),
                g_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5))
    return gan


# ------------------------------------------------------------------------------ a small run
#: The small run of chapter 6's exercise 3 (check ``ch06.conditional_input``): four classes of
#: unlike shape, trained briefly, then ``per_class`` seeded samples of each class classified.
SMALL = {"classes": ("bear", "elephant", "giraffe", "zebra"), "epochs": 10, "width": 16,
         "latent_dim": 32, "batch_size": 64, "learning_rate": 2e-3, "seed": 0,
         "per_class": 100, "sample_seed": 1234}


def train_small(conditioning=None, classes=SMALL["classes"], epochs: int = SMALL["epochs"],
                images_per_class: int | None = None, seed: int = SMALL["seed"],
                d_sees_label: bool = True) -> ConditionalGAN:
    """A small projection conditional GAN trained on the images of ``classes`` (chapter 6).

    ``conditioning``: the generator's input function ``f(z, labels)`` (:class:`FunctionInput`;
    None: the built-in one-hot). Labels keep their ten-class numbers, so the reference
    classifier can judge the samples (:func:`obedience`). ``images_per_class`` (default all
    1,000) makes a smaller run for tests; ``d_sees_label=False`` hides the label from D, the
    mistake that leaves G free to ignore it. Seeded: the same arguments give the same GAN.
    """
    keep = check_labels(list(classes), NUM_CLASSES, data.CLASS_NAMES)
    epochs = check_positive_int("epochs", epochs)
    images, labels = data.load_animal_shapes()
    index = [np.flatnonzero(labels == k)[:images_per_class] for k in keep]
    index = np.sort(np.concatenate(index))
    runtime.set_seed(check_seed(seed))
    width, latent_dim = SMALL["width"], SMALL["latent_dim"]
    gen = conditional_generator(latent_dim, width, conditioning=conditioning)
    disc = conditional_discriminator("projection", width)
    if not d_sees_label:  # D is always shown class 0: it scores the image alone
        x, y = keras.Input(shape=(28, 28, 1)), keras.Input(shape=(), dtype="int32")
        disc = keras.Model([x, y], disc([x, keras.ops.zeros_like(y)]), name="label_blind")
    gan = ConditionalGAN(gen, disc, latent_dim, seed=seed)
    rate = SMALL["learning_rate"]
    gan.compile(d_optimizer=keras.optimizers.Adam(rate, beta_1=0.5),
                g_optimizer=keras.optimizers.Adam(rate, beta_1=0.5))
    batch = min(SMALL["batch_size"], len(index))
    gan.fit(images[index], labels[index], batch_size=batch, epochs=epochs, verbose=0)
    return gan


def obedience(gan: ConditionalGAN, classes=SMALL["classes"], per_class: int = SMALL["per_class"],
              seed: int = SMALL["sample_seed"]) -> dict:
    """``{class name: share}``: of ``per_class`` seeded samples asked for each class, the share
    the reference classifier (``cl.evaluation.classify``) calls that class (chapter 6)."""
    keep = check_labels(list(classes), NUM_CLASSES, data.CLASS_NAMES)
    per_class = check_positive_int("per_class", per_class)
    asked = np.repeat(keep, per_class).astype(np.int32)
    z = np.random.default_rng(check_seed(seed)).standard_normal((len(asked), gan.latent_dim))
    called = evaluation.classify(gan.generate(asked, z=z.astype(np.float32))).argmax(axis=1)
    return {data.CLASS_NAMES[k]: float(np.mean(called[asked == k] == k)) for k in keep}


# ------------------------------------------------------------------------------ measuring
def per_class_scores(samples, labels, repeats: int = 3, seed: int = 0) -> dict:
    """Per class asked for: ``{name: {"n", "asked_share", "fd", "fd_floor"}}`` (chapter 6).

    ``asked_share`` is the share of the samples of that class that the reference classifier
    (``cl.evaluation.classify``) calls the class asked for. ``fd`` is the Fréchet distance
    between their classifier features and those of the class's 1,000 real images, ``fd_floor``
    the distance between two disjoint halves of real images of the class, both with
    ``m = min(n, 500)`` images per set, averaged over ``repeats`` draws: the protocol of
    ``cl.evaluation.score``'s cat floor, per class. A perfect generator scores about the floor.
    Classes with fewer than ``cl.evaluation.MIN_SAMPLES`` samples are left out.
    """
    repeats = check_positive_int("repeats", repeats)
    seed = check_seed(seed)
    samples = check_images(samples, "samples", shape=(28, 28, 1), value_range=(-1.0, 1.0))
    labels = check_labels(labels, NUM_CLASSES, data.CLASS_NAMES, n=len(samples))
    feats = evaluation.features(samples)
    predicted = evaluation.classify(samples).argmax(axis=1)
    real, real_labels = data.load_animal_shapes()
    out = {}
    for k, name in enumerate(data.CLASS_NAMES):
        mine = np.flatnonzero(labels == k)
        if len(mine) < evaluation.MIN_SAMPLES:
            continue
        pool = evaluation.features(real[real_labels == k])
        m = min(len(mine), len(pool) // 2)
        fds, floors = [], []
        for r in range(repeats):
            rng = np.random.default_rng([seed, k, r])
            perm = rng.permutation(len(pool))
            a, b = pool[perm[:m]], pool[perm[m:2 * m]]
            fds.append(evaluation.frechet_distance(feats[rng.choice(mine, m, replace=False)], a))
            floors.append(evaluation.frechet_distance(b, a))
        out[name] = {"n": len(mine), "asked_share": float(np.mean(predicted[mine] == k)),
                     "fd": float(np.mean(fds)), "fd_floor": float(np.mean(floors))}
    return out


def format_per_class(scores: dict) -> str:
    """:func:`per_class_scores` as a table, one row per class and a mean row (chapter 6)."""
    lines = [f"{'class':10s}{'asked-for share':>17s}{'FD':>8s}{'FD floor':>10s}"]
    for name, s in scores.items():
        lines.append(f"{name:10s}{s['asked_share']:>17.1%}{s['fd']:>8.1f}{s['fd_floor']:>10.1f}")
    mean = {k: np.mean([s[k] for s in scores.values()]) for k in ("asked_share", "fd", "fd_floor")}
    lines.append(f"{'mean':10s}{mean['asked_share']:>17.1%}{mean['fd']:>8.1f}"
                 f"{mean['fd_floor']:>10.1f}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------ the run
@dataclass(frozen=True)
class TrainAnimalsConfig:
    """Everything that defines a ``train-animals`` run (chapter 6); ``config.json`` is its asdict.

    ``epochs`` is the total (also when resuming). A resumed run must keep the fields in
    ``FIXED``; ``epochs`` and ``learning_rate`` may change.
    """

    design: str = DEFAULTS["design"]
    epochs: int = DEFAULTS["epochs"]
    batch_size: int = DEFAULTS["batch_size"]
    seed: int = DEFAULTS["seed"]
    latent_dim: int = DEFAULTS["latent_dim"]
    learning_rate: float = DEFAULTS["learning_rate"]
    samples_per_class: int = DEFAULTS["samples_per_class"]
    sample_seed: int = DEFAULTS["sample_seed"]
    width: int = DEFAULTS["width"]

    #: The settings a resumed run must share with the run it continues.
    FIXED: ClassVar[tuple[str, ...]] = ("design", "batch_size", "seed", "latent_dim", "width")

    def __post_init__(self):
        for name in ("epochs", "batch_size", "latent_dim", "samples_per_class", "width"):
            check_positive_int(name, getattr(self, name))
        check_seed(self.seed)
        check_seed(self.sample_seed, "sample_seed")
        check_learning_rate(self.learning_rate)
        if self.design not in DESIGNS:
            raise ValueError(f"Unknown design {self.design!r}. Expected one of {DESIGNS}.")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def resume_conflicts(self, saved: dict) -> dict:
        """``{field: (saved value, this value)}`` for each fixed field that differs."""
        mine = self.to_dict()
        return {k: (saved.get(k), mine[k]) for k in self.FIXED if saved.get(k) != mine[k]}


def train_animals(config: TrainAnimalsConfig, out_dir, resume: bool = False,
                  overwrite: bool = False, progress: bool = True, data_dir=None,
                  callbacks=()) -> dict:
    """Train (or continue, with ``resume``) a conditional GAN on all 10,000 silhouettes.

    ``python -m course_lib train-animals`` as a function (chapter 6). ``out_dir`` gets
    ``config.json``, ``history.json``, ``checkpoints/``, and at the end ``samples.npy``
    (``samples_per_class`` samples of each class, in [-1, 1]), ``labels.npy`` (the class asked
    for each sample) and ``samples.png`` (one row per animal). The folder is locked and never
    silently overwritten, as for ``train-cats`` (:mod:`course_lib.rundir`).
    """
    if not isinstance(config, TrainAnimalsConfig):
        raise TypeError(f"config must be a TrainAnimalsConfig, got {type(config).__name__}. "
                        "Build one with cl.conditional.TrainAnimalsConfig(epochs=...).")
    with rundir.open_run(out_dir, resume=resume, overwrite=overwrite) as run:
        return _train_locked(config, run, resume, progress, data_dir, callbacks)


def _train_locked(config, run, resume, progress, data_dir, callbacks) -> dict:
    out = run.path
    runs.check_resume_settings(out, config, resume, COMMAND)
    images, labels = data.load_animal_shapes(data_dir=data_dir)
    if config.batch_size > len(images):
        raise ValueError(f"--batch-size {config.batch_size} is larger than the {len(images)} "
                         "images. Use a batch size of at most 10000 (64 is the default).")
    runtime.set_seed(config.seed, deterministic=True)  # after the checks: global state
    gan = build_conditional_gan(config.design, config.latent_dim, config.learning_rate,
                                config.seed, config.width)
    start = runs.restore_for_resume(gan, out, config.learning_rate, resume)
    _write_config(run, gan, config)
    t0 = time.perf_counter()
    if start < config.epochs:
        history = training.HistoryWriter(out / "history.json", rundir.earlier_history(out, start))
        _fit(gan, images, labels, config, start, out, [history, *callbacks], progress)
    else:
        print(f"{out} is already trained for {start} epochs (asked for {config.epochs}).",
              file=sys.stderr)
    seconds = time.perf_counter() - t0
    trained = max(start, config.epochs)
    _write_samples(gan, out, config, trained)
    return {"out": str(out), "start_epoch": start, "epochs": config.epochs,
            "trained_epochs": trained, "train_seconds": round(seconds, 1)}


def _fit(gan, images, labels, config, start, out, callbacks, progress):
    ds = data.as_labelled_dataset(images, labels, config.batch_size, seed=config.seed,
                                  epochs=config.epochs, start_epoch=start)
    runs.fit_checkpointed(gan, ds, config=config, start=start,
                          steps_per_epoch=len(images) // config.batch_size, out=out,
                          command=COMMAND, callbacks=callbacks,
                          progress=f"{config.design} conditional GAN" if progress else None)


def _write_config(run, gan, config: TrainAnimalsConfig) -> None:
    params = gan.generator.count_params() + gan.discriminator.count_params()
    n = config.samples_per_class * NUM_CLASSES
    rundir.check_fits(run.path, rundir.estimate_bytes(n, gan.sample_shape(), params,
                                                      config.epochs))
    run.begin()  # an overwrite discards the old run only now
    write_json(run.path / "config.json", config.to_dict())


def sample_classes(gan: ConditionalGAN, per_class: int, seed: int) -> tuple:
    """``(samples, labels)``: ``per_class`` seeded samples of each class, in class order."""
    per_class = check_positive_int("per_class", per_class)
    labels = np.repeat(np.arange(gan.num_classes, dtype=np.int32), per_class)
    z = np.random.default_rng(seed).standard_normal((len(labels), gan.latent_dim))
    return gan.generate(labels, z=z.astype(np.float32)).astype(np.float32), labels


def _write_samples(gan, out: Path, config: TrainAnimalsConfig, trained: int) -> None:
    samples, labels = sample_classes(gan, config.samples_per_class, config.sample_seed)
    for name, array in (("samples.npy", samples), ("labels.npy", labels)):
        with atomic_write(out / name, "wb") as f:
            np.save(f, array)
    per_row = min(10, config.samples_per_class)
    first = np.concatenate([np.flatnonzero(labels == k)[:per_row] for k in range(NUM_CLASSES)])
    plotting.save_class_rows(samples[first], labels[first], out / "samples.png",
                             title=f"{config.design} conditional GAN, {trained} epochs")
