"""A convolutional variational autoencoder (VAE) for the 28x28 cats (chapter 6).

The VAE (Kingma and Welling, 2014) is the second generative model the article names. Where a
GAN's generator learns only from a discriminator's verdicts, a VAE learns from the images
directly:

* the **encoder** maps an image x to a normal distribution q(z | x) = N(mu, diag(sigma^2)) over
  the latent space, returned as ``mu`` and ``log_var = log sigma^2``;
* the **reparameterisation trick** draws z = mu + sigma * eps with eps ~ N(0, I), so the random
  draw is an *input* and gradients flow through mu and sigma;
* the **decoder** maps z to one logit per pixel: the pixel, mapped to [0, 1], is treated as a
  Bernoulli variable whose probability is sigmoid(logit).

Training minimises the negative evidence lower bound (ELBO), per image::

    loss = reconstruction + KL
    reconstruction = -log p(x | z) = sum over the 784 pixels of BCE((x + 1) / 2, logits)
    KL = KL(N(mu, sigma^2) || N(0, I)) = -1/2 * sum over latent dims of
         (1 + log_var - mu^2 - exp(log_var))

Both terms are **sums** (over pixels and over latent dimensions) and then averaged over the
batch. The scale matters: averaging the reconstruction over pixels instead divides it by 784
while the KL stays summed, which is a KL weight of 784 in disguise; the encoder then learns to
ignore the image (posterior collapse) and every sample is the same blurry average cat.

Images follow the GANs' convention: ``(n, 28, 28, 1)`` float32 in [-1, 1]; the Bernoulli
targets are those pixels mapped to [0, 1], and a sample is the decoder's *mean*, the pixel
probabilities mapped back to [-1, 1] (a Bernoulli draw would sprinkle salt-and-pepper noise on
every image). Every TensorFlow helper has a NumPy twin (``np_*``) that the tests compare it with.

``python -m course_lib train-cats --model vae`` trains it through the family protocol of
:mod:`course_lib.recipes`: :func:`build_vae` is its factory, :data:`DEFAULTS` its settings.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from course_lib import checkpoints, training
from course_lib.validation import (
    check_images,
    check_learning_rate,
    check_positive_int,
    check_positive_number,
    check_seed,
)

__all__ = [
    "DEFAULTS",
    "VAE",
    "bernoulli_reconstruction_loss",
    "build_vae",
    "kl_divergence_normal",
    "np_bernoulli_reconstruction_loss",
    "np_kl_divergence_normal",
    "np_reparameterize",
    "reparameterize",
    "vae_decoder",
    "vae_encoder",
]

IMAGE_SHAPE = (28, 28, 1)

#: ``train-cats --model vae``'s defaults (chapter 6): 300 epochs take about 140 CPU-seconds,
#: under 3 minutes on 2 CPU cores; the Fréchet distance of the samples levels off at about 18
#: after 100 epochs (``benchmarks/bench_families.py --models vae --score 100 300``).
DEFAULTS = {"epochs": 300, "batch_size": 64, "learning_rate": 1e-3, "latent_dim": 16,
            "width": 32}


# --------------------------------------------------------------------------- NumPy references
def np_kl_divergence_normal(mu, log_var):
    """KL(N(mu, exp(log_var)) || N(0, 1)) summed over the last axis, one value per row (chapter 6).

    The closed form for one dimension is ``-1/2 * (1 + log_var - mu**2 - exp(log_var))``; it is
    0 exactly when mu = 0 and log_var = 0 (the posterior equals the prior) and positive otherwise.
    """
    mu = np.asarray(mu, dtype=np.float64)
    log_var = np.asarray(log_var, dtype=np.float64)
    return -0.5 * np.sum(1.0 + log_var - mu**2 - np.exp(log_var), axis=-1)


def np_reparameterize(mu, log_var, eps=None, seed=0):
    """z = mu + exp(log_var / 2) * eps, with eps ~ N(0, 1) drawn from ``seed`` if not given."""
    mu = np.asarray(mu, dtype=np.float64)
    log_var = np.asarray(log_var, dtype=np.float64)
    if eps is None:
        eps = np.random.default_rng(seed).standard_normal(mu.shape)
    return mu + np.exp(0.5 * log_var) * np.asarray(eps, dtype=np.float64)


def np_bernoulli_reconstruction_loss(x, logits):
    """-log p(x | z) per image: BCE of (x + 1) / 2 against ``logits``, summed over pixels.

    ``x`` lies in [-1, 1]; the stable form max(l, 0) - l*y + log(1 + exp(-|l|)) is used.
    """
    y = (np.asarray(x, dtype=np.float64) + 1.0) / 2.0
    z = np.asarray(logits, dtype=np.float64)
    per_pixel = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    return per_pixel.reshape(len(per_pixel), -1).sum(axis=1)


# ---------------------------------------------------------------------- TensorFlow versions
def kl_divergence_normal(mu, log_var):
    """TensorFlow twin of :func:`np_kl_divergence_normal`: shape ``(n,)`` (chapter 6)."""
    mu = tf.cast(mu, tf.float32)
    log_var = tf.cast(log_var, tf.float32)
    return -0.5 * tf.reduce_sum(1.0 + log_var - tf.square(mu) - tf.exp(log_var), axis=-1)


def reparameterize(mu, log_var, seed=None):
    """Draw z = mu + exp(log_var / 2) * eps with eps ~ N(0, I) (chapter 6).

    ``seed`` is an int or a ``keras.random.SeedGenerator`` (inside a model, use the model's
    generator so that every step draws fresh noise). The randomness enters only through eps,
    so z is a differentiable function of mu and log_var: that is the reparameterisation trick.
    """
    mu = tf.cast(mu, tf.float32)
    log_var = tf.cast(log_var, tf.float32)
    eps = keras.random.normal(tf.shape(mu), seed=seed)
    return mu + tf.exp(0.5 * log_var) * eps


def bernoulli_reconstruction_loss(x, logits):
    """TensorFlow twin of :func:`np_bernoulli_reconstruction_loss`: shape ``(n,)`` (chapter 6)."""
    y = (tf.cast(x, tf.float32) + 1.0) / 2.0
    per_pixel = tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=tf.cast(logits,
                                                                                  tf.float32))
    return tf.reduce_sum(tf.reshape(per_pixel, (tf.shape(per_pixel)[0], -1)), axis=1)


# --------------------------------------------------------------------------------- networks
def vae_encoder(latent_dim: int = 16, width: int = 32) -> keras.Model:
    """Image ``(n, 28, 28, 1)`` -> ``[mu, log_var]``, each ``(n, latent_dim)`` (chapter 6).

    Two strided convolutions (28 -> 14 -> 7), like the DCGAN discriminator, then two Dense heads.
    """
    check_positive_int("latent_dim", latent_dim)
    check_positive_int("width", width)
    x_in = keras.Input(shape=IMAGE_SHAPE, name="image")
    h = layers.Conv2D(width, 3, strides=2, padding="same", activation="relu")(x_in)
    h = layers.Conv2D(2 * width, 3, strides=2, padding="same", activation="relu")(h)
    h = layers.Flatten()(h)
    mu = layers.Dense(latent_dim, name="mu")(h)
    log_var = layers.Dense(latent_dim, name="log_var")(h)
    return keras.Model(x_in, [mu, log_var], name="vae_encoder")


def vae_decoder(latent_dim: int = 16, width: int = 32) -> keras.Model:
    """Latent ``(n, latent_dim)`` -> one logit per pixel ``(n, 28, 28, 1)`` (chapter 6).

    Mirrors the DCGAN generator (Dense -> 7x7 -> transposed convolutions to 28x28) but ends in
    logits: no sigmoid or tanh, because the loss applies the sigmoid inside a stable
    cross-entropy (chapter 2).
    """
    check_positive_int("latent_dim", latent_dim)
    check_positive_int("width", width)
    return keras.Sequential(
        [
            keras.Input(shape=(latent_dim,), name="z"),
            layers.Dense(7 * 7 * 2 * width, activation="relu"),
            layers.Reshape((7, 7, 2 * width)),
            layers.Conv2DTranspose(2 * width, 3, strides=2, padding="same", activation="relu"),
            layers.Conv2DTranspose(width, 3, strides=2, padding="same", activation="relu"),
            layers.Conv2D(1, 3, padding="same", name="logits"),
        ],
        name="vae_decoder",
    )


# ------------------------------------------------------------------------------- the model
class VAE(keras.Model):
    """A convolutional variational autoencoder with its own ``train_step`` (chapter 6).

    Args:
        latent_dim: size of z.
        width: number of filters of the first convolution (the second has twice as many).
        beta: weight of the KL term (1.0 is the ELBO; other values give a beta-VAE).
        seed: seeds the eps of the reparameterisation trick (a ``keras.random.SeedGenerator``).

    Use ``compile(optimizer=keras.optimizers.Adam(1e-3))``, then ``fit(images, batch_size=...,
    epochs=...)`` with images ``(n, 28, 28, 1)`` in [-1, 1]. The metrics ``loss``,
    ``reconstruction_loss`` and ``kl_loss`` are per-image batch means in nats; ``loss`` is
    ``reconstruction_loss + beta * kl_loss``. ``fit(validation_data=held_out)`` reports the
    same three on held-out images.
    """

    def __init__(self, latent_dim: int = 16, width: int = 32, beta: float = 1.0, seed=None,
                 **kwargs):
        latent_dim = check_positive_int("latent_dim", latent_dim)
        width = check_positive_int("width", width)
        beta = check_positive_number("beta", beta, allow_zero=True)
        super().__init__(**kwargs)
        self.latent_dim, self.width, self.beta = latent_dim, width, beta
        self.encoder = vae_encoder(latent_dim, width)
        self.decoder = vae_decoder(latent_dim, width)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.total_loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")
        self.diverged_at = None
        self.built = True  # encoder and decoder are built; count_params() works before fit

    @property
    def metrics(self):
        return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

    def call(self, x, training=False):
        """The mean reconstruction of ``x`` (decoded from mu), in [-1, 1]."""
        mu, _ = self.encoder(x, training=training)
        return 2.0 * tf.sigmoid(self.decoder(mu, training=training)) - 1.0

    def compile(self, optimizer="adam", **kwargs):
        """Set the optimizer (e.g. ``keras.optimizers.Adam(1e-3)``) and build its moments now,
        so that a checkpoint can be restored into a model that has not trained yet."""
        super().compile(optimizer=optimizer, **kwargs)
        with self.distribute_strategy.scope():
            if not self.optimizer.built:
                self.optimizer.build(self.trainable_variables)

    def checkpoint_items(self) -> dict:
        """What exact resume needs (``cl.checkpoints``): both networks, the optimizer (moments,
        step), the eps generator's state and the layers' noise states."""
        if getattr(self, "optimizer", None) is None:
            raise ValueError(
                "The VAE is not compiled, so it has no optimizer to checkpoint. Call "
                "vae.compile(optimizer=keras.optimizers.Adam(1e-3)) first, with the same "
                "optimizer as the run."
            )
        return {"encoder": self.encoder, "decoder": self.decoder, "optimizer": self.optimizer,
                "seed_state": self.seed_generator.state,
                "layer_rng": checkpoints.layer_rng_states(encoder=self.encoder,
                                                          decoder=self.decoder)}

    # ------------------------------------------------------------------ the training step
    def compute_losses(self, x, training=False):
        """``(total, reconstruction, kl)``: batch means of the per-image terms, in nats."""
        x = tf.cast(x, self.compute_dtype)
        mu, log_var = self.encoder(x, training=training)
        z = reparameterize(mu, log_var, seed=self.seed_generator)
        logits = self.decoder(z, training=training)
        reconstruction = tf.reduce_mean(bernoulli_reconstruction_loss(x, logits))
        kl = tf.reduce_mean(kl_divergence_normal(mu, log_var))
        return reconstruction + self.beta * kl, reconstruction, kl

    def _update(self, total, reconstruction, kl):
        self.total_loss_tracker.update_state(total)
        self.reconstruction_loss_tracker.update_state(reconstruction)
        self.kl_loss_tracker.update_state(kl)
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        with tf.GradientTape() as tape:
            total, reconstruction, kl = self.compute_losses(x, training=True)
            scaled = total / tf.distribute.get_strategy().num_replicas_in_sync
        grads = tape.gradient(scaled, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights, strict=True))
        # a NaN gradient can hide behind a finite loss; the NaN weights it leaves flag the step
        total = training.nan_unless_finite(total, self.trainable_weights)
        return self._update(total, reconstruction, kl)

    def test_step(self, data):
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        return self._update(*self.compute_losses(x, training=False))

    # ------------------------------------------------------------------ fit and sampling
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_data=None, **kwargs):
        """Train on images ``x`` (NumPy ``(n, 28, 28, 1)`` in [-1, 1], or a ``tf.data.Dataset``).

        A loss that becomes NaN or infinite stops training with
        :class:`~course_lib.training.TrainingDivergedError` (``diverged_at`` says where) and
        checkpoint callbacks skip the bad epoch, as for the GAN.
        """
        if getattr(self, "optimizer", None) is None:
            raise ValueError(
                "VAE.fit was called before VAE.compile. Call "
                "vae.compile(optimizer=keras.optimizers.Adam(1e-3)) first."
            )
        if y is not None:
            raise ValueError(
                "VAE.fit takes images only (y must be None): the target of an autoencoder is "
                "its own input."
            )
        epochs = check_positive_int("epochs", epochs)
        if not isinstance(x, tf.data.Dataset):
            x = check_images(x, "x", shape=IMAGE_SHAPE, value_range=(-1.0, 1.0))
            if batch_size is not None:
                batch_size = check_positive_int("batch_size", batch_size)
                if batch_size > len(x):
                    raise ValueError(
                        f"batch_size={batch_size} is larger than the {len(x)} images. "
                        "Use a batch size no larger than the data."
                    )
        if validation_data is not None and not isinstance(validation_data, tf.data.Dataset):
            validation_data = check_images(validation_data, "validation_data",
                                           shape=IMAGE_SHAPE, value_range=(-1.0, 1.0))
        if isinstance(x, tf.data.Dataset):  # it brings its own order; Keras would warn
            kwargs.setdefault("shuffle", False)
        self.diverged_at = None
        guard = training.NaNGuard(("loss", "reconstruction_loss", "kl_loss"))
        history = super().fit(x, batch_size=batch_size, epochs=epochs, verbose=verbose,
                              callbacks=[guard, *list(callbacks or [])],
                              validation_data=validation_data, **kwargs)
        guard.raise_if_diverged()
        return history

    def encode(self, x) -> tuple[np.ndarray, np.ndarray]:
        """``(mu, log_var)`` of q(z | x) for images ``x`` in [-1, 1], as NumPy arrays."""
        x = check_images(x, "x", shape=IMAGE_SHAPE, value_range=(-1.0, 1.0))
        mu, log_var = self.encoder(x, training=False)
        return np.asarray(mu), np.asarray(log_var)

    def decode(self, z, batch_size: int = 500) -> np.ndarray:
        """Images in [-1, 1] for latent vectors ``z``: the mean 2 * sigmoid(logits) - 1,
        float32, decoded ``batch_size`` vectors at a time."""
        batch_size = check_positive_int("batch_size", batch_size)
        z = np.asarray(z, dtype=np.float32)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"z must have shape (n, {self.latent_dim}), got {z.shape}. Draw it with "
                f"cl.training.latent_batch(n, {self.latent_dim})."
            )
        parts = [np.asarray(2.0 * tf.sigmoid(self.decoder(z[i:i + batch_size], training=False))
                            - 1.0, dtype=np.float32) for i in range(0, len(z), batch_size)]
        return np.concatenate(parts, axis=0) if parts else np.zeros((0, *IMAGE_SHAPE),
                                                                     np.float32)

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` new images ``(n, 28, 28, 1)`` in [-1, 1], decoded from z ~ N(0, I).

        The same ``seed`` gives the same images. Each image is the decoder's mean (the pixel
        probabilities mapped to [-1, 1]), not a Bernoulli draw, as is usual for pictures.
        """
        n = check_positive_int("n", n)
        z = np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype(np.float32)
        return self.decode(z)

    def generate(self, n=None, z=None, seed=0) -> np.ndarray:
        """Like ``GAN.generate``: samples from ``n`` seeded latent vectors or from ``z``.

        ``generate(n, seed)`` equals ``generate(z=cl.training.latent_batch(n, latent_dim,
        seed))``, which is how ``train-cats`` writes its ``samples.npy`` in chunks.
        """
        if z is None:
            if n is None:
                raise ValueError("generate needs n (how many samples) or z (latent vectors).")
            return self.sample(n, seed)
        return self.decode(z)

    def reconstruct(self, x) -> np.ndarray:
        """Encode ``x`` and decode the posterior mean mu: images in [-1, 1]."""
        mu, _ = self.encode(x)
        return self.decode(mu)


def build_vae(seed: int = 0, learning_rate: float = DEFAULTS["learning_rate"],
              latent_dim: int = DEFAULTS["latent_dim"], width: int = DEFAULTS["width"],
              beta: float = 1.0) -> VAE:
    """``train-cats --model vae``'s compiled VAE: Adam(``learning_rate``), its moments built
    (chapter 6; the factory of the family protocol in :mod:`course_lib.recipes`)."""
    seed = check_seed(seed)
    learning_rate = check_learning_rate(learning_rate)
    vae = VAE(latent_dim=latent_dim, width=width, beta=beta, seed=seed)
    vae.compile(optimizer=keras.optimizers.Adam(learning_rate))
    return vae
