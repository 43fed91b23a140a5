"""A denoising diffusion model (DDPM, Ho et al. 2020) for the 28x28 cats (chapter 7).

The **forward process** adds Gaussian noise in T small steps, q(x_t | x_{t-1}) =
N(sqrt(1 - beta_t) x_{t-1}, beta_t I). Because Gaussians compose, any step has a closed form::

    q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I),   abar_t = prod_{s<=t} (1 - beta_s)

so x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps with eps ~ N(0, I) (:func:`q_sample`). A
network eps_theta(x_t, t) learns to predict the noise eps that was added; the loss
|eps - eps_theta(x_t, t)|^2 is, up to a weight per t, the evidence lower bound (ELBO) of the
model (Ho et al. 2020, eq. 12-14), the same bound a VAE maximises (chapter 6).

**Sampling** runs the process backwards from pure noise x_T ~ N(0, I):

* ancestral DDPM (:func:`ddpm_step`): x_{t-1} ~ q(x_{t-1} | x_t, x0_hat), one step per t, T
  network calls;
* DDIM (Song et al. 2020, eta = 0, :func:`ddim_step`): a deterministic jump from t to any
  earlier s along the same marginals, so 20-50 network calls replace T.

Both predict x0_hat = (x_t - sqrt(1 - abar_t) eps_theta) / sqrt(abar_t) and clip it to the data
range [-1, 1] before the step. The weights used for sampling are an exponential moving average
(EMA) of the trained ones, which averages out the noise of the last updates.

Index convention: arrays have T entries, index t = 0 .. T-1 is the paper's step t + 1; so
``schedule.alpha_bars[0]`` is abar_1 (almost 1) and ``alpha_bars[T-1]`` is abar_T (almost 0).
Images follow the course's convention: ``(n, 28, 28, 1)`` float32 in [-1, 1].
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from course_lib import training
from course_lib.validation import (
    check_choice,
    check_dataset_sample,
    check_ddim_steps,
    check_ema_decay,
    check_images,
    check_learning_rate,
    check_positive_int,
    check_same_shape,
    check_seed,
    check_time_indices,
    check_timesteps,
)

__all__ = [
    "DEFAULTS",
    "SCHEDULES",
    "Diffusion",
    "NoiseSchedule",
    "SinusoidalEmbedding",
    "build_diffusion",
    "cosine_schedule",
    "ddim_step",
    "ddim_timesteps",
    "ddpm_step",
    "linear_schedule",
    "predict_x0",
    "q_sample",
    "unet",
]

IMAGE_SHAPE = (28, 28, 1)

#: The family's defaults for ``train-cats --model diffusion`` (chapter 7); see the benchmark
#: ``benchmarks/bench_diffusion_curve.py`` for how they were chosen.
DEFAULTS = {"epochs": 85, "batch_size": 64, "learning_rate": 2e-3, "width": 16}
#: The model's own settings (the factory's defaults; not fields of a run's configuration).
SETTINGS = {"timesteps": 1000, "schedule": "cosine", "ema_decay": 0.995, "sampler": "ddim",
            "sample_steps": 20}


# ----------------------------------------------------------------------------- the schedule
@dataclass(frozen=True, eq=False)
class NoiseSchedule:
    """The noise levels of the forward process (chapter 7): float64 arrays of length T.

    ``betas[t]`` is the variance added at step t; ``alphas = 1 - betas``; ``alpha_bars[t]`` is
    their running product, the share of signal variance left at step t.
    """

    name: str
    betas: np.ndarray

    @property
    def timesteps(self) -> int:
        return len(self.betas)

    @property
    def alphas(self) -> np.ndarray:
        return 1.0 - self.betas

    @property
    def alpha_bars(self) -> np.ndarray:
        return np.cumprod(1.0 - self.betas)


def linear_schedule(timesteps: int, beta_start: float = 1e-4, beta_end: float = 0.02):
    """Ho et al.'s linear betas from ``beta_start`` to ``beta_end`` (for T = 1000) (chapter 7).

    For another T both ends are scaled by 1000 / T (Nichol and Dhariwal 2021), so that
    abar_T stays near 0 and the last step is still almost pure noise.
    """
    timesteps = check_timesteps(timesteps)
    scale = 1000.0 / timesteps
    betas = np.linspace(beta_start * scale, min(beta_end * scale, 0.999), timesteps)
    return NoiseSchedule("linear", betas)


def cosine_schedule(timesteps: int, s: float = 0.008):
    """Nichol and Dhariwal's cosine schedule (chapter 7).

    abar(t) = f(t) / f(0) with f(t) = cos^2((t / T + s) / (1 + s) * pi / 2), for t = 1 .. T;
    beta_t = 1 - abar(t) / abar(t - 1), clipped to 0.999 so the last step stays invertible.
    The signal fades more evenly than with linear betas, which destroy a small image's
    information well before t = T.
    """
    timesteps = check_timesteps(timesteps)
    t = np.arange(timesteps + 1, dtype=np.float64) / timesteps
    f = np.cos((t + s) / (1.0 + s) * np.pi / 2.0) ** 2
    abar = f / f[0]
    betas = np.clip(1.0 - abar[1:] / abar[:-1], 0.0, 0.999)
    return NoiseSchedule("cosine", betas)


SCHEDULES = {"cosine": cosine_schedule, "linear": linear_schedule}


def _check_schedule(schedule) -> None:
    if not isinstance(schedule, NoiseSchedule):
        raise TypeError(
            f"schedule must be a NoiseSchedule, got {type(schedule).__name__}. Make one with "
            "cl.diffusion.cosine_schedule(1000) or cl.diffusion.linear_schedule(1000)."
        )


def _gather(values, t, ndim=4):
    """``values[t]`` reshaped to broadcast against a batch of images, float32."""
    v = tf.gather(tf.constant(np.asarray(values, dtype=np.float32)), tf.cast(t, tf.int32))
    return tf.reshape(v, [-1] + [1] * (ndim - 1))


def q_sample(x0, t, eps, schedule: NoiseSchedule):
    """The forward process in closed form: x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps.

    ``x0`` and ``eps`` are ``(n, 28, 28, 1)``, ``t`` is ``(n,)`` integer steps in 0 .. T-1
    (chapter 7). Returns a float32 tensor of the shape of ``x0``.
    """
    _check_schedule(schedule)
    if tf.executing_eagerly():  # learners' calls; inside the compiled train step the shapes hold
        check_same_shape("x0", x0, "eps", eps)
        t = check_time_indices(np.asarray(t), len(x0), schedule.timesteps)
    x0 = tf.convert_to_tensor(x0, tf.float32)
    eps = tf.convert_to_tensor(eps, tf.float32)
    abar = _gather(schedule.alpha_bars, t, x0.shape.rank)
    return tf.sqrt(abar) * x0 + tf.sqrt(1.0 - abar) * eps


def predict_x0(x_t, eps, alpha_bar, clip: bool = True):
    """Invert the closed form: x0_hat = (x_t - sqrt(1 - abar) eps) / sqrt(abar) (chapter 7).

    With ``clip`` x0_hat is clipped to the data range [-1, 1].
    """
    x_t = tf.convert_to_tensor(x_t, tf.float32)
    eps = tf.convert_to_tensor(eps, tf.float32)
    alpha_bar = tf.cast(alpha_bar, tf.float32)
    x0 = (x_t - tf.sqrt(1.0 - alpha_bar) * eps) / tf.sqrt(alpha_bar)
    return tf.clip_by_value(x0, -1.0, 1.0) if clip else x0


def ddim_step(x_t, eps, alpha_bar_t, alpha_bar_prev, clip: bool = False):
    """One deterministic DDIM step (eta = 0) from noise level abar_t to abar_prev (chapter 7).

    x_prev = sqrt(abar_prev) x0_hat + sqrt(1 - abar_prev) eps, with x0_hat from
    :func:`predict_x0`: the predicted clean image, re-noised to the earlier level with the
    *same* predicted noise. No fresh noise enters, so the map from x_T to x_0 is deterministic.
    ``alpha_bar_prev = 1`` gives x0_hat itself (the last step).
    """
    x_t = tf.convert_to_tensor(x_t, tf.float32)
    eps = tf.convert_to_tensor(eps, tf.float32)
    a_t = tf.cast(alpha_bar_t, tf.float32)
    a_prev = tf.cast(alpha_bar_prev, tf.float32)
    x0 = predict_x0(x_t, eps, a_t, clip=clip)
    return tf.sqrt(a_prev) * x0 + tf.sqrt(1.0 - a_prev) * eps


def ddpm_step(x_t, eps, t, schedule: NoiseSchedule, noise, clip: bool = True):
    """One ancestral DDPM step x_t -> x_{t-1} ~ q(x_{t-1} | x_t, x0_hat) (chapter 7).

    The posterior of the forward process given x0 is Gaussian with mean
    c0 * x0_hat + ct * x_t, c0 = sqrt(abar_{t-1}) beta_t / (1 - abar_t),
    ct = sqrt(alpha_t) (1 - abar_{t-1}) / (1 - abar_t), and variance
    (1 - abar_{t-1}) / (1 - abar_t) * beta_t; ``t`` is one integer step, ``noise`` ~ N(0, I).
    At t = 0 the mean is returned, with no noise.
    """
    betas, abar = schedule.betas, schedule.alpha_bars
    abar_prev = np.concatenate([[1.0], abar[:-1]])
    c0 = np.sqrt(abar_prev) * betas / (1.0 - abar)
    ct = np.sqrt(1.0 - betas) * (1.0 - abar_prev) / (1.0 - abar)
    var = (1.0 - abar_prev) / (1.0 - abar) * betas
    t = tf.reshape(tf.cast(t, tf.int32), [1])
    x0 = predict_x0(x_t, eps, _gather(abar, t), clip=clip)
    mean = _gather(c0, t) * x0 + _gather(ct, t) * x_t
    return mean + tf.sqrt(_gather(var, t)) * noise


def ddim_timesteps(timesteps: int, steps: int) -> np.ndarray:
    """The ``steps`` steps DDIM visits, evenly spaced from T-1 down to 0 (chapter 7).

    One step is the single jump from pure noise (T-1) straight to the predicted x0.
    """
    timesteps = check_timesteps(timesteps)
    steps = check_ddim_steps(steps, timesteps)
    return np.round(np.linspace(timesteps - 1, 0, steps)).astype(np.int64)


# ------------------------------------------------------------------------------- the network
@keras.saving.register_keras_serializable(package="course_lib")
class SinusoidalEmbedding(layers.Layer):
    """Integer steps ``(n,)`` -> ``(n, dim)`` sines and cosines of geometric frequencies.

    The Transformer's position encoding (Vaswani et al. 2017), used by Ho et al. for t: nearby
    steps get similar vectors, and the network can read both coarse and fine time.
    """

    def __init__(self, dim: int, **kwargs):
        super().__init__(**kwargs)
        self.dim = check_positive_int("dim", dim, minimum=2)

    def call(self, t):
        half = self.dim // 2
        freqs = tf.exp(-math.log(10000.0) * tf.range(half, dtype=tf.float32) / half)
        angles = tf.cast(tf.reshape(t, [-1, 1]), tf.float32) * freqs[None, :]
        return tf.concat([tf.sin(angles), tf.cos(angles)], axis=-1)

    def get_config(self):
        return {**super().get_config(), "dim": self.dim}


class _Init:
    """Seeded initializers, one new seed per layer, so the same seed gives the same weights."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)

    def __call__(self):
        return keras.initializers.GlorotUniform(seed=int(self.rng.integers(2**31 - 1)))


def _norm_swish(x, name):
    """GroupNorm (up to 8 groups that divide the channels) then swish."""
    groups = math.gcd(8, int(x.shape[-1]))
    return layers.Activation("swish")(layers.GroupNormalization(groups, name=name)(x))


def _res_block(x, emb, width, init, name):
    """GroupNorm-swish-conv twice, with the time embedding added in between; a residual."""
    h = _norm_swish(x, f"{name}_n1")
    h = layers.Conv2D(width, 3, padding="same", kernel_initializer=init(), name=f"{name}_c1")(h)
    h = h + layers.Dense(width, kernel_initializer=init(), name=f"{name}_t")(emb)[:, None, None, :]
    h = _norm_swish(h, f"{name}_n2")
    h = layers.Conv2D(width, 3, padding="same", kernel_initializer=init(), name=f"{name}_c2")(h)
    if x.shape[-1] != width:
        x = layers.Conv2D(width, 1, kernel_initializer=init(), name=f"{name}_skip")(x)
    return x + h


def unet(width: int = 16, seed: int = 0) -> keras.Model:
    """A small U-Net eps_theta(x_t, t) for 28x28x1 (chapter 7): ``[x_t, t]`` -> predicted eps.

    Three levels of widths ``width``, ``2 width``, ``4 width`` at 28, 14 and 7 pixels, one
    residual block each way, skip connections between the two halves, and a sinusoidal time
    embedding added inside every block. The last convolution starts at zero, so the untrained
    network predicts eps = 0.
    """
    width = check_positive_int("width", width)
    init = _Init(check_seed(seed))
    x_in = keras.Input(shape=IMAGE_SHAPE, name="x_t")
    t_in = keras.Input(shape=(), dtype="int32", name="t")
    emb = SinusoidalEmbedding(4 * width, name="time_sin")(t_in)
    emb = layers.Dense(4 * width, activation="swish", kernel_initializer=init(), name="time1")(emb)
    emb = layers.Dense(4 * width, kernel_initializer=init(), name="time2")(emb)
    h = layers.Conv2D(width, 3, padding="same", kernel_initializer=init(), name="stem")(x_in)
    h28 = _res_block(h, emb, width, init, "down28")
    h14 = _res_block(layers.AveragePooling2D(pool_size=2)(h28), emb, 2 * width, init, "down14")
    h7 = _res_block(layers.AveragePooling2D(pool_size=2)(h14), emb, 4 * width, init, "mid7")
    h = layers.Concatenate()([layers.UpSampling2D(2)(h7), h14])
    h = _res_block(h, emb, 2 * width, init, "up14")
    h = layers.Concatenate()([layers.UpSampling2D(2)(h), h28])
    h = _res_block(h, emb, width, init, "up28")
    h = _norm_swish(h, "out_n")
    out = layers.Conv2D(1, 3, padding="same", kernel_initializer="zeros", name="eps")(h)
    return keras.Model([x_in, t_in], out, name="unet")


# ------------------------------------------------------------------------------- the model
class Diffusion(keras.Model):
    """A DDPM with its own ``train_step``, an EMA of its weights, and two samplers (chapter 7).

    Args:
        width: the U-Net's first width (:func:`unet`).
        timesteps: T, the number of noising steps.
        schedule: ``"cosine"`` or ``"linear"`` (:data:`SCHEDULES`).
        ema_decay: the EMA's decay per step; sampling uses the averaged network.
        sampler: ``"ddim"`` (deterministic, ``sample_steps`` network calls) or ``"ddpm"``
            (ancestral, T calls); what :meth:`generate` uses.
        sample_steps: the number of DDIM steps.
        seed: seeds the weights and the (t, eps) drawn in ``train_step``.

    Use ``compile(optimizer=keras.optimizers.Adam(2e-3))``, then ``fit(images or dataset)``;
    the metric ``loss`` is the noise-prediction mean squared error.
    """

    def __init__(self, width: int = 16, timesteps: int = 1000, schedule: str = "cosine",
                 ema_decay: float = 0.995, sampler: str = "ddim", sample_steps: int = 20,
                 seed: int = 0, **kwargs):
        timesteps = check_timesteps(timesteps)
        super().__init__(**kwargs)
        self.schedule = SCHEDULES[check_choice("schedule", schedule, SCHEDULES)](timesteps)
        self.ema_decay = check_ema_decay(ema_decay)
        self.sampler = check_choice("sampler", sampler, ("ddim", "ddpm"))
        self.sample_steps = check_ddim_steps(sample_steps, timesteps, "sample_steps")
        self.network = unet(width, check_seed(seed))
        self.ema_network = unet(width, seed)
        self.ema_network.trainable = False
        self.ema_network.set_weights(self.network.get_weights())
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self._alpha_bars = tf.constant(self.schedule.alpha_bars, tf.float32)
        self.built = True

    @property
    def timesteps(self) -> int:
        return self.schedule.timesteps

    @property
    def metrics(self):
        return [self.loss_tracker]

    def compile(self, optimizer=None, **kwargs):
        """Set the optimizer and build it, so that a checkpoint can be restored into it."""
        if not isinstance(optimizer, keras.optimizers.Optimizer):
            raise TypeError(
                f"Diffusion.compile: optimizer must be a keras optimizer instance, got "
                f"{type(optimizer).__name__}. Pass e.g. optimizer=keras.optimizers.Adam(2e-3)."
            )
        super().compile(optimizer=optimizer, **kwargs)
        if not optimizer.built:
            optimizer.build(self.network.trainable_variables)

    def call(self, inputs, training=False):
        """eps_theta(x_t, t) of the trained network: ``inputs = [x_t, t]``."""
        return self.network(inputs, training=training)

    def count_params(self) -> int:
        """The trainable network's parameters (the EMA copy is not counted twice)."""
        return self.network.count_params()

    def checkpoint_items(self) -> dict:
        """Everything an exact resume needs, for ``tf.train.Checkpoint(**items)``."""
        return {"network": self.network, "ema_network": self.ema_network,
                "optimizer": self.optimizer, "seed_state": self.seed_generator.state}

    # ------------------------------------------------------------------ the training step
    def train_step(self, data):
        x0, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        x0 = tf.cast(x0, tf.float32)
        n = tf.shape(x0)[0]
        t = keras.random.randint((n,), 0, self.timesteps, seed=self.seed_generator)  # t ~ U
        eps = keras.random.normal(tf.shape(x0), seed=self.seed_generator)  # eps ~ N(0, I)
        x_t = q_sample(x0, t, eps, self.schedule)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(eps - self.network([x_t, t], training=True)))
        weights = self.network.trainable_weights
        self.optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights, strict=True))
        self._update_ema()
        self.loss_tracker.update_state(training.nan_unless_finite(loss, weights))
        return {"loss": self.loss_tracker.result()}

    def _update_ema(self):
        """ema <- d * ema + (1 - d) * w, with d warming up as (1 + k) / (10 + k) at step k."""
        k = tf.cast(self.optimizer.iterations, tf.float32)
        d = tf.minimum(self.ema_decay, (1.0 + k) / (10.0 + k))
        for e, w in zip(self.ema_network.weights, self.network.weights, strict=True):
            e.assign(d * e + (1.0 - d) * w)

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            **kwargs):
        """Train on images ``x`` (NumPy ``(n, 28, 28, 1)`` in [-1, 1] or a dataset of batches).

        A non-finite loss (or weight) stops training with ``TrainingDivergedError``.
        """
        if getattr(self, "optimizer", None) is None:
            raise ValueError("Diffusion.fit was called before compile. Call model.compile("
                             "optimizer=keras.optimizers.Adam(2e-3)) first.")
        if y is not None:
            raise ValueError("Diffusion.fit takes images only (y must be None): the targets "
                             "(the noise eps) are drawn inside train_step.")
        if isinstance(x, tf.data.Dataset):
            check_dataset_sample(x, IMAGE_SHAPE, (-1.0, 1.0))  # one rule, as for arrays
            kwargs.setdefault("shuffle", False)
        else:
            x = check_images(x, "x", shape=IMAGE_SHAPE, value_range=(-1.0, 1.0))
        guard = training.NaNGuard(("loss",))
        history = super().fit(x, batch_size=batch_size, epochs=check_positive_int("epochs", epochs),
                              verbose=verbose, callbacks=[guard, *list(callbacks or [])], **kwargs)
        guard.raise_if_diverged()
        return history

    # ------------------------------------------------------------------ sampling
    def sample(self, n: int, seed: int = 0, sampler: str | None = None, steps: int | None = None,
               batch_size: int = 128) -> np.ndarray:
        """``n`` images ``(n, 28, 28, 1)`` in [-1, 1] from the EMA network (chapter 7).

        ``sampler`` and ``steps`` default to the model's ``sampler`` and ``sample_steps``; the
        same ``seed`` gives the same images (x_T and every DDPM noise are seeded). x_T is
        drawn for all ``n`` images at once, so DDIM's first k of n samples are ``sample(k)``,
        whatever the ``batch_size`` (DDPM's fresh noise is drawn per batch). Batches of 128
        sample about twice as fast on a CPU as batches of 500 (their activations fit the caches).
        """
        n, seed = check_positive_int("n", n), check_seed(seed)
        sampler = check_choice("sampler", sampler or self.sampler, ("ddim", "ddpm"))
        steps = check_ddim_steps(self.sample_steps if steps is None else steps, self.timesteps)
        ts = tf.constant(ddim_timesteps(self.timesteps, steps), tf.int32)
        noise = np.random.default_rng(seed).standard_normal((n, *IMAGE_SHAPE)).astype(np.float32)
        out = []
        for b, i in enumerate(range(0, n, check_positive_int("batch_size", batch_size))):
            x_T = tf.constant(noise[i:i + batch_size])
            key = tf.constant([seed, b], tf.int32)
            x = self._ddim(x_T, ts) if sampler == "ddim" else self._ddpm(x_T, key)
            out.append(np.clip(np.asarray(x), -1.0, 1.0))
        return np.concatenate(out, axis=0).astype(np.float32)

    def generate(self, n: int, seed: int = 0) -> np.ndarray:
        """The family protocol's sampler: :meth:`sample` with the model's own settings."""
        return self.sample(n, seed)

    @tf.function(reduce_retracing=True)
    def _ddim(self, x, ts):
        count = tf.shape(ts)[0]
        for i in tf.range(count):
            t = ts[i]
            prev = tf.where(i + 1 < count, self._alpha_bars[ts[tf.minimum(i + 1, count - 1)]], 1.0)
            eps = self.ema_network([x, tf.fill([tf.shape(x)[0]], t)], training=False)
            x = ddim_step(x, eps, self._alpha_bars[t], prev, clip=True)
        return x

    @tf.function(reduce_retracing=True)
    def _ddpm(self, x, key):
        for t in tf.range(self.timesteps - 1, -1, -1):
            eps = self.ema_network([x, tf.fill([tf.shape(x)[0]], t)], training=False)
            noise = tf.random.stateless_normal(
                tf.shape(x), seed=tf.random.experimental.stateless_fold_in(key, t + 1))
            x = ddpm_step(x, eps, t, self.schedule, noise, clip=True)
        return x


def build_diffusion(seed: int = 0, learning_rate: float = DEFAULTS["learning_rate"],
                    width: int | None = None, timesteps: int = SETTINGS["timesteps"],
                    schedule: str = SETTINGS["schedule"], ema_decay: float = SETTINGS["ema_decay"],
                    sampler: str = SETTINGS["sampler"],
                    sample_steps: int = SETTINGS["sample_steps"]) -> Diffusion:
    """The course's compiled diffusion model (chapter 7): Adam(``learning_rate``) with the
    gradient's global norm clipped to 1, the optimizer built (the family protocol's factory).
    """
    model = Diffusion(width=DEFAULTS["width"] if width is None else width, timesteps=timesteps,
                      schedule=schedule, ema_decay=ema_decay, sampler=sampler,
                      sample_steps=sample_steps, seed=seed)
    model.compile(optimizer=keras.optimizers.Adam(check_learning_rate(learning_rate),
                                                  global_clipnorm=1.0))
    return model
