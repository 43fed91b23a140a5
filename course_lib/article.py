"""The article's two code samples, the errors they hide, and its training loop repaired (chapter 4).

The seed article trains its GAN with Keras' ``train_on_batch``: a discriminator ``D`` compiled on
its own, and a "combined" model ``noise -> G -> D`` through which the generator ``G`` learns.
That recipe needs ``D`` frozen while the combined model trains, and Keras 3 changed when the
``trainable`` flag counts: it is read when a model's train function is first *traced* (its first
``train_on_batch``), not when the model is compiled as in tf.keras 2. :func:`build_article_gan`
builds the three models with one of three freezing recipes so chapter 4 can measure them:

* ``"toggle"`` (the repair): ``D.trainable = True`` right before D's ``train_on_batch`` and
  ``False`` right before the combined model's, on every step. Each train function is traced
  with the flag it needs, and every later retrace sees the right flag too.
* ``"classic"`` (the tf.keras 2 recipe): compile D, set ``D.trainable = False``, compile the
  combined model. Under Keras 3, D's train function is traced with the flag already False, so D
  has no trainable weights and never learns: its weights do not move at all.
* ``"never"`` (what the article does): D is never frozen, so the generator's half-step also
  trains D, towards calling the fakes real.

:func:`train_on_batch_epoch` runs one epoch of the repaired loop; ``cl.training.GAN`` is the
faster, trap-free way to write the same step.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import logging
import re
import time
import warnings
from dataclasses import dataclass, field

import keras
import numpy as np
from tqdm.auto import tqdm

from course_lib import data, models
from course_lib.validation import check_images, check_models, check_positive_int, output_range

__all__ = [
    "FIXES",
    "FREEZE_RECIPES",
    "SAMPLES",
    "SAMPLE_1",
    "SAMPLE_2",
    "ArticleGAN",
    "Fix",
    "Outcome",
    "build_article_gan",
    "d_accuracy",
    "d_half_step",
    "g_half_step",
    "half_step_changes",
    "max_change",
    "replay",
    "snapshot",
    "time_per_epoch",
    "train_article_gan",
    "train_on_batch_epoch",
    "train_on_batch_step",
    "undefined_names",
]

# --------------------------------------------------------------------------- the article's code
#: The article's first code sample (section 5.2 of its first version), verbatim.
SAMPLE_1 = """\
import tensorflow as tf
from tensorflow.keras.layers import Dense, Flatten
from tensorflow.keras.models import Sequential

# 生成模型
generator = Sequential([
    Dense(128, input_shape=(100,), activation='relu'),
    Flatten(),
    Dense(784, activation='sigmoid')
])

# 判别模型
discriminator = Sequential([
    Flatten(input_shape=(28, 28)),
    Dense(128, activation='relu'),
    Dense(1, activation='sigmoid')
])

# 模型训练
model = tf.keras.Model(inputs=generator.input, outputs=discriminator(generator.input))
model.compile(optimizer='adam', loss='binary_crossentropy')

# 训练过程
for epoch in range(100):
    for batch in train_data:
        noise = np.random.normal(0, 1, (batch.shape[0], 100))
        generated_images = generator.predict(noise)
        real_images = train_data
        d_loss_real = discriminator.train_on_batch(real_images, np.ones((batch.shape[0], 1)))
        d_loss_fake = discriminator.train_on_batch(generated_images, np.zeros((batch.shape[0], 1)))
        g_loss = model.train_on_batch(noise, np.ones((batch.shape[0], 1)))

    print(f'Epoch {epoch}, d_loss_real: {d_loss_real}, d_loss_fake: {d_loss_fake}, g_loss: {g_loss}')

# 样本生成
noise = np.random.normal(0, 1, (100, 100))
generated_images = generator.predict(noise)"""

#: The article's second code sample (section 5.2 of its second version), verbatim.
SAMPLE_2 = """\
import tensorflow as tf
from tensorflow.keras.layers import Dense, Flatten
from tensorflow.keras.models import Sequential

# 生成器模型
def build_generator(z_dim):
    model = Sequential([
        Dense(128, input_dim=z_dim, activation='relu'),
        Flatten(),
        Dense(784, activation='sigmoid')
    ])
    return model

# 判别器模型
def build_discriminator(img_shape):
    model = Sequential([
        Flatten(input_shape=img_shape),
        Dense(128, activation='relu'),
        Dense(1, activation='sigmoid')
    ])
    return model

# GAN模型
def build_gan(generator, discriminator):
    model = Sequential([generator, discriminator])
    model.compile(optimizer='adam', loss='binary_crossentropy')
    return model

# 数据准备
(z_dim, img_shape) = (100, (28, 28))
train_data = ...  # 加载包含猫的图像的数据集

# 模型构建
generator = build_generator(z_dim)
discriminator = build_discriminator(img_shape)
gan = build_gan(generator, discriminator)

# 训练过程
for epoch in range(100):
    for batch in train_data:
        noise = np.random.normal(0, 1, (batch.shape[0], z_dim))
        generated_images = generator.predict(noise)
        real_images = batch
        d_loss_real = discriminator.train_on_batch(real_images, np.ones((batch.shape[0], 1)))
        d_loss_fake = discriminator.train_on_batch(generated_images, np.zeros((batch.shape[0], 1)))
        g_loss = gan.train_on_batch(noise, np.ones((batch.shape[0], 1)))

    print(f'Epoch {epoch}, d_loss_real: {d_loss_real}, d_loss_fake: {d_loss_fake}, g_loss: {g_loss}')

# 样本生成
noise = np.random.normal(0, 1, (100, z_dim))
generated_images = generator.predict(noise)"""

SAMPLES = {1: SAMPLE_1, 2: SAMPLE_2}


def undefined_names(source: str) -> list[str]:
    """Names a piece of code reads but never defines, imports or gets from builtins (chapter 4).

    A static check, like a linter's "undefined name" rule (ruff/pyflakes F821): it finds the
    article's missing ``import numpy as np`` without running anything.
    """
    tree = ast.parse(source)
    bound, loaded = set(dir(builtins)), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
    return sorted(loaded - bound)


# --------------------------------------------------------------------------- the error chain
@dataclass(frozen=True)
class Fix:
    """One repair of an article sample: replace each ``old`` text (exactly once) by ``new``."""

    description: str
    replacements: tuple[tuple[str, str], ...]

    def apply(self, source: str) -> str:
        for old, new in self.replacements:
            if source.count(old) != 1:
                raise ValueError(
                    f"Fix {self.description!r}: expected the text {old!r} exactly once in the "
                    f"sample, found it {source.count(old)} times."
                )
            source = source.replace(old, new)
        return source


_RESHAPE = Fix("the generator ends with Reshape((28, 28))", (
    ("from tensorflow.keras.layers import Dense, Flatten",
     "from tensorflow.keras.layers import Dense, Flatten, Reshape"),
    ("Dense(784, activation='sigmoid')", "Dense(784, activation='sigmoid'),\n        Reshape((28, 28))"),
))
_NUMPY = Fix("import numpy as np", (("import tensorflow as tf", "import numpy as np\nimport tensorflow as tf"),))

#: The repairs replayed by :func:`replay`, in the order the errors surface.
FIXES: dict[int, tuple[Fix, ...]] = {
    1: (
        Fix("Keras 3 spelling generator.inputs[0] instead of generator.input", (
            ("inputs=generator.input, outputs=discriminator(generator.input)",
             "inputs=generator.inputs[0], outputs=discriminator(generator.inputs[0])"),
        )),
        Fix("feed D the generator's output, not the noise", (
            ("outputs=discriminator(generator.inputs[0])",
             "outputs=discriminator(generator.outputs[0])"),
        )),
        _RESHAPE,
        Fix("define train_data (batches of real cats)", (
            ("# 训练过程\n", "# 训练过程\ntrain_data = cat_batches\n"),
        )),
        _NUMPY,
        Fix("compile the discriminator", (
            ("# 模型训练\n",
             "# 模型训练\ndiscriminator.compile(optimizer='adam', loss='binary_crossentropy')\n"),
        )),
        Fix("real_images = batch, not the whole data set", (
            ("real_images = train_data", "real_images = batch"),
        )),
    ),
    2: (
        _RESHAPE,
        Fix("train_data holds batches of real cats", (
            ("train_data = ...  #", "train_data = cat_batches  #"),
        )),
        _NUMPY,
        Fix("compile the discriminator", (
            ("discriminator = build_discriminator(img_shape)\n",
             "discriminator = build_discriminator(img_shape)\n"
             "discriminator.compile(optimizer='adam', loss='binary_crossentropy')\n"),
        )),
    ),
}


@dataclass
class Outcome:
    """What one version of a sample did when run: the first error, or none (chapter 4)."""

    fixes: tuple[str, ...]
    error: str | None
    message: str
    line: str
    warnings: list[str] = field(default_factory=list)

    @property
    def last_fix(self) -> str:
        return self.fixes[-1] if self.fixes else "(as written)"


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _headline(exc: BaseException) -> str:
    """The informative line of an error message (Keras wraps layer errors in context lines)."""
    lines = [ln.strip() for ln in _ANSI.sub("", str(exc)).splitlines() if ln.strip()]
    keep = [ln for ln in lines if not ln.startswith(("Exception encountered when calling",
                                                     "Arguments received by", "•"))]
    return (keep or lines or [""])[0]


def replay(sample: int, cat_batches=None, epochs: int = 1) -> list[Outcome]:
    """Run article sample 1 or 2 as written, then again after each repair in :data:`FIXES`.

    Each version runs in a fresh namespace (no ``np`` unless the version imports it) and
    reports the first error it raises, the source line that raised it, and the warnings it
    printed. ``cat_batches`` (default: the first 16 real cats as 2 batches of 8, scaled to
    [0, 1] for the article's sigmoid generator) is what the repaired versions use as
    ``train_data``; the article's 100 epochs are shortened to ``epochs``. Only the article's
    own text and these repairs are executed (chapter 4).
    """
    if sample not in SAMPLES:
        raise ValueError(f"sample must be 1 or 2 (the article has two code samples), got {sample!r}.")
    epochs = check_positive_int("epochs", epochs)
    if cat_batches is None:
        cat_batches = data.load_cats(value_range=(0.0, 1.0))[:16, ..., 0].reshape(2, 8, 28, 28)
    source = SAMPLES[sample].replace("range(100)", f"range({epochs})")
    outcomes, applied = [], []
    for fix in (None, *FIXES[sample]):
        if fix is not None:
            source = fix.apply(source)
            applied.append(fix.description)
        outcomes.append(_run(source, sample, tuple(applied), cat_batches))
    return outcomes


def _run(source, sample, applied, cat_batches) -> Outcome:
    filename = f"<article sample {sample}>"
    namespace = {"__name__": "__article__", "cat_batches": cat_batches}
    code = compile(source, filename, "exec")
    sink = io.StringIO()
    tf_logger = logging.getLogger("tensorflow")  # silences "triggered tf.function retracing"
    level = tf_logger.level
    tf_logger.setLevel(logging.ERROR)
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(sink):
        warnings.simplefilter("always")
        try:
            exec(code, namespace)  # the article's own code, see the docstring
        except Exception as exc:  # the point is to see which error comes first
            lineno = None
            tb = exc.__traceback__
            while tb is not None:
                if tb.tb_frame.f_code.co_filename == filename:
                    lineno = tb.tb_lineno
                tb = tb.tb_next
            line = source.splitlines()[lineno - 1].strip() if lineno else ""
            error, message = type(exc).__name__, _headline(exc)
        else:
            error, message, line = None, "runs to the end", ""
        finally:
            tf_logger.setLevel(level)
    notes = []
    for w in caught:
        text = str(w.message).split("\n")[0]
        if text not in notes:
            notes.append(text)
    return Outcome(applied, error, message, line, notes)


# --------------------------------------------------------------------------- the repaired loop
FREEZE_RECIPES = ("toggle", "classic", "never")


@dataclass
class ArticleGAN:
    """The article's three models: ``generator``, ``discriminator`` and ``combined`` = D(G(z)).

    ``freeze`` is how D is kept out of the generator's half-step (see the module docstring).
    """

    generator: keras.Model
    discriminator: keras.Model
    combined: keras.Model
    latent_dim: int
    freeze: str = "toggle"


def build_article_gan(latent_dim: int = 100, hidden_units: int = 128, freeze: str = "toggle",
                      learning_rate: float = 1e-3, beta_1: float = 0.5, generator=None,
                      discriminator=None) -> ArticleGAN:
    """The article's GAN, repaired for Keras 3 (chapter 4).

    By default the generator and discriminator are ``cl.models.mlp_generator`` and
    ``mlp_discriminator`` (the article's 100 -> 128 -> 784 and 784 -> 128 -> 1, with a Reshape,
    ``tanh`` output and a logit); pass your own to use other networks. D is compiled with its
    own Adam optimizer and a from-logits binary cross-entropy; the combined model feeds
    ``G(z)``, not ``z``, to D and has a second optimizer. ``freeze`` picks the recipe:
    ``"toggle"`` (works), ``"classic"`` (the tf.keras 2 recipe: D never learns under Keras 3)
    or ``"never"`` (the article: D is also trained by the generator's half-step).

    Both optimizers are ``Adam(learning_rate, beta_1)``. The article's ``optimizer='adam'`` means
    ``beta_1=0.9``; ``beta_1=0.5`` (Radford et al., 2015) is the usual choice for GANs, and with
    it this MLP draws rough, cat-like blobs within 20 epochs of batch 32 (chapter 4).
    """
    if freeze not in FREEZE_RECIPES:
        raise ValueError(
            f"freeze must be one of {FREEZE_RECIPES}, got {freeze!r}. Use 'toggle' to train; "
            "'classic' and 'never' exist to demonstrate the two broken recipes."
        )
    latent_dim = check_positive_int("latent_dim", latent_dim)
    if generator is None:
        generator = models.mlp_generator(latent_dim, hidden_units)
    if discriminator is None:
        discriminator = models.mlp_discriminator(hidden_units)
    check_models(generator, discriminator, latent_dim)

    def bce():
        return keras.losses.BinaryCrossentropy(from_logits=True)

    discriminator.trainable = True
    discriminator.compile(optimizer=keras.optimizers.Adam(learning_rate, beta_1=beta_1),
                          loss=bce(), metrics=[keras.metrics.BinaryAccuracy(name="acc",
                                                                            threshold=0.0)])
    if freeze == "classic":
        discriminator.trainable = False  # tf.keras 2: frozen in the combined model only
    z = keras.Input(shape=(latent_dim,), name="z")
    combined = keras.Model(z, discriminator(generator(z)), name="combined")
    combined.compile(optimizer=keras.optimizers.Adam(learning_rate, beta_1=beta_1), loss=bce())
    return ArticleGAN(generator, discriminator, combined, latent_dim, freeze)


def _check_gan(gan):
    if not isinstance(gan, ArticleGAN):
        raise TypeError(
            f"Expected an ArticleGAN from cl.article.build_article_gan(), got {type(gan).__name__}."
        )


def d_half_step(gan: ArticleGAN, real, fake) -> dict:
    """The discriminator's half-step: one ``train_on_batch`` on real (label 1), one on fake (0).

    With ``freeze="toggle"`` D is made trainable first. Returns the two losses and accuracies
    (accuracy = share of logits on the right side of 0, measured before each update).
    """
    _check_gan(gan)
    n_real, n_fake = len(real), len(fake)
    if gan.freeze == "toggle":
        gan.discriminator.trainable = True
    r = gan.discriminator.train_on_batch(real, np.ones((n_real, 1), np.float32), return_dict=True)
    f = gan.discriminator.train_on_batch(fake, np.zeros((n_fake, 1), np.float32), return_dict=True)
    return {"d_loss_real": float(r["loss"]), "d_loss_fake": float(f["loss"]),
            "d_acc_real": float(r["acc"]), "d_acc_fake": float(f["acc"])}


def g_half_step(gan: ArticleGAN, noise) -> dict:
    """The generator's half-step: the combined model learns to make D say "real" (label 1).

    With ``freeze="toggle"`` D is frozen first, so only G's weights move. This is the
    non-saturating generator loss -log D(G(z)) of chapter 3.
    """
    _check_gan(gan)
    if gan.freeze == "toggle":
        gan.discriminator.trainable = False
    g = gan.combined.train_on_batch(noise, np.ones((len(noise), 1), np.float32), return_dict=True)
    return {"g_loss": float(g["loss"])}


def train_on_batch_step(gan: ArticleGAN, real, noise, sample_with: str = "predict") -> dict:
    """One step of the repaired article loop on a batch ``real`` with latent batch ``noise``.

    ``sample_with="predict"`` makes the fakes with ``generator.predict`` as the article does;
    ``"call"`` calls the generator directly (``generator(noise, training=False)``), which
    skips ``predict``'s per-call set-up. ``d_loss`` is ``d_loss_real + d_loss_fake``, the
    quantity ``cl.training.GAN`` reports.
    """
    if sample_with == "predict":
        fake = gan.generator.predict(noise, verbose=0)
    elif sample_with == "call":
        fake = np.asarray(gan.generator(noise, training=False))
    else:
        raise ValueError(f"sample_with must be 'predict' or 'call', got {sample_with!r}.")
    logs = d_half_step(gan, real, fake)
    logs.update(g_half_step(gan, noise))
    logs["d_loss"] = logs["d_loss_real"] + logs["d_loss_fake"]
    return logs


def train_on_batch_epoch(gan: ArticleGAN, images, batch_size: int = 64, seed: int = 0,
                         epoch: int = 0, sample_with: str = "predict", progress=None) -> dict:
    """One epoch of the repaired article loop; returns the epoch's mean losses and accuracies.

    The repairs, against the article: real batches (not the whole data set), shuffled by
    ``np.random.default_rng([seed, epoch])`` like ``cl.data.as_dataset``; the last partial
    batch dropped; noise drawn from a seeded generator; data checked against D's input shape
    and G's output range; D frozen for the generator's half-step by ``gan.freeze``. Used by
    chapter 4's timing and the benchmarks. ``progress`` may be a tqdm bar, updated per batch.
    """
    _check_gan(gan)
    batch_size = check_positive_int("batch_size", batch_size)
    shape = tuple(gan.discriminator.input_shape[1:])
    images = check_images(images, shape=shape, value_range=output_range(gan.generator))
    n = len(images)
    if batch_size > n:
        raise ValueError(
            f"batch_size={batch_size} is larger than the {n} images; use a smaller batch size."
        )
    steps = n // batch_size
    order = np.random.default_rng([seed, epoch]).permutation(n)[: steps * batch_size]
    noise_rng = np.random.default_rng([seed, epoch, 1])
    totals: dict[str, float] = {}
    for i in range(steps):
        real = images[order[i * batch_size:(i + 1) * batch_size]]
        noise = noise_rng.standard_normal((batch_size, gan.latent_dim)).astype(np.float32)
        logs = train_on_batch_step(gan, real, noise, sample_with=sample_with)
        for k, v in logs.items():
            totals[k] = totals.get(k, 0.0) + v
        if progress is not None:
            progress.update(1)
    return {k: v / steps for k, v in totals.items()}


def train_article_gan(gan: ArticleGAN, images, epochs: int, batch_size: int = 64, seed: int = 0,
                      sample_with: str = "predict", progress: bool = True) -> dict:
    """Train with the repaired article loop for ``epochs``; return per-epoch lists (chapter 4).

    The result is a dict like a Keras ``History.history`` (``d_loss``, ``g_loss``,
    ``d_acc_real``, ...), so ``cl.plotting.loss_curves`` can draw it.
    """
    epochs = check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    history: dict[str, list[float]] = {}
    bar = None
    if progress:
        bar = tqdm(total=epochs * (len(images) // batch_size), desc="train_on_batch",
                   unit="batch")
    try:
        for epoch in range(epochs):
            logs = train_on_batch_epoch(gan, images, batch_size, seed, epoch, sample_with, bar)
            for k, v in logs.items():
                history.setdefault(k, []).append(v)
            if bar is not None:
                bar.set_postfix({k: f"{v:.3f}" for k, v in logs.items()
                                 if k in ("d_loss", "g_loss")})
    finally:
        if bar is not None:
            bar.close()
    return history


# --------------------------------------------------------------------------- measuring
def snapshot(model) -> list[np.ndarray]:
    """Copies of all of a model's weights (trainable or not), to compare later (chapter 4)."""
    return [np.array(w.numpy(), copy=True) for w in model.weights]


def max_change(before: list[np.ndarray], model) -> float:
    """The largest absolute change of any weight since :func:`snapshot` was taken."""
    after = model.weights
    if len(after) != len(before):
        raise ValueError(
            f"The snapshot has {len(before)} weights but the model has {len(after)}; take the "
            "snapshot of the same model with cl.article.snapshot(model)."
        )
    return max((float(np.max(np.abs(w.numpy() - b))) for w, b in zip(after, before, strict=True)
                if b.size), default=0.0)


def half_step_changes(gan: ArticleGAN, real, noise) -> dict:
    """How far D and G move in one D half-step and in one G half-step (chapter 4).

    Makes fakes from ``noise``, runs :func:`d_half_step` and then :func:`g_half_step`, and
    returns the largest absolute weight change of each network in each half-step:
    ``{"D in D-step", "G in D-step", "D in G-step", "G in G-step"}``.
    """
    _check_gan(gan)
    fake = np.asarray(gan.generator(noise, training=False))
    changes = {}
    for step, run in (("D-step", lambda: d_half_step(gan, real, fake)),
                      ("G-step", lambda: g_half_step(gan, noise))):
        d0, g0 = snapshot(gan.discriminator), snapshot(gan.generator)
        run()
        changes[f"D in {step}"] = max_change(d0, gan.discriminator)
        changes[f"G in {step}"] = max_change(g0, gan.generator)
    return changes


def d_accuracy(discriminator, real, fake) -> tuple[float, float]:
    """D's accuracy on real images (logit > 0) and on fakes (logit < 0), in inference mode."""
    real_logits = np.asarray(discriminator(real, training=False))
    fake_logits = np.asarray(discriminator(fake, training=False))
    return float(np.mean(real_logits > 0)), float(np.mean(fake_logits < 0))


def time_per_epoch(run_epoch, epochs: int = 2, warmup: int = 1) -> dict:
    """Seconds per epoch of ``run_epoch(epoch)``: wall-clock and CPU time (chapter 4).

    The first ``warmup`` epochs are run untimed (they trace the tf.functions); the next
    ``epochs`` are timed one by one. Returns ``{"wall": mean, "cpu": mean, "wall_each": [...]}``.
    CPU time is this process's user + system time over all threads, so it stays meaningful on a
    busy machine where wall-clock time does not.
    """
    epochs = check_positive_int("epochs", epochs)
    warmup = check_positive_int("warmup", warmup, minimum=0)
    for e in range(warmup):
        run_epoch(e)
    walls, cpus = [], []
    for e in range(warmup, warmup + epochs):
        w0, c0 = time.perf_counter(), time.process_time()
        run_epoch(e)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return {"wall": float(np.mean(walls)), "cpu": float(np.mean(cpus)), "wall_each": walls}
