"""An autoregressive model of the cats: a PixelCNN over the 784 pixels (chapter 7).

The chain rule of probability writes any distribution over an image as a product of
one-pixel conditionals, in raster order (row by row, left to right)::

    p(x) = p(x_1) p(x_2 | x_1) ... p(x_784 | x_1..x_783) = prod_i p(x_i | x_<i)

A network that outputs, at every pixel i, a distribution over x_i computed from x_<i only
models p(x) exactly: no latent variable, no bound. The **causal mask** makes "from x_<i only"
true: each convolution's kernel is multiplied by a mask that zeroes the taps on the pixel itself
(type A, first layer) or on later pixels (type B, all layers after, which may see their own
*position* because position i of a hidden layer already saw only x_<i). Stacked 3x3 masked
convolutions leave a **blind spot** above-right of each pixel (a triangle of earlier pixels no
stack of them reaches); the first layer's 7x7 kernel and the depth keep it small for 28x28
silhouettes.

**Pixels.** About 83 % of the cats' pixels are exactly black or white; the rest are
grey edge pixels. The model treats each pixel as one of ``levels`` equally spaced grey levels
in [-1, 1] with a softmax over them (``levels=2`` is a Bernoulli pixel, i.e. binarised data and
samples in {-1, 1}). :meth:`PixelCNN.quantise` maps images onto those levels; training does it
itself.

**Training** is maximum likelihood with teacher forcing: one forward pass over the *real*
image gives all 784 conditionals at once (the mask keeps each one honest), and the loss is
-log p(x) per pixel, in nats. **Sampling** cannot do that: x_i must be drawn before x_{i+1}
can be conditioned on it, so it takes 784 sequential steps. Here each step computes only the
one pixel position it needs in every layer, from caches of the rows above (the "fast PixelCNN"
idea of Ramachandran et al., 2017), inside one ``tf.function`` loop, batched and seeded. A GPT
does exactly this with tokens: a causal mask in training, one token per step when generating,
with a cache of what earlier steps computed.

:func:`bits_per_pixel` is the exact negative log-likelihood of discrete images in bits per
pixel; :func:`vae_bits_per_pixel` turns a VAE's negative ELBO (a bound, in nats per image)
into the same unit on binary images, so the two families can be compared.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from course_lib import training
from course_lib import vae as vae_module
from course_lib.validation import (
    check_binary_images,
    check_dataset_sample,
    check_images,
    check_learning_rate,
    check_levels,
    check_mask_type,
    check_on_levels,
    check_positive_int,
    check_positive_number,
    check_seed,
)

__all__ = [
    "DEFAULTS",
    "IMAGE_SHAPE",
    "MaskedConv2D",
    "PixelCNN",
    "bits_per_pixel",
    "build_autoregressive",
    "causal_mask",
    "nats_to_bits_per_pixel",
    "vae_bits_per_pixel",
]

IMAGE_SHAPE = (28, 28, 1)
PIXELS = 28 * 28

#: The family's settings for ``train-cats --model autoregressive`` (chapter 7; the protocol's
#: fields only), chosen with ``benchmarks/bench_autoregressive_curve.py``: 10 epochs of the
#: factory's default PixelCNN (8 blocks, 4 levels, flips) take about 60 CPU seconds and gave a
#: Fréchet distance of 16.2; at a constant rate, longer training lowers the bits per pixel but
#: not the distance (it overfits). 20 epochs with ``decay_steps=620`` gave 16.0. The full
#: ``train-cats --model autoregressive`` run (deterministic ops) scored 20.5, 0.84 "cat".
DEFAULTS = {"epochs": 10, "batch_size": 32, "learning_rate": 2e-3, "width": 48}

#: ``generate`` draws this many images per compiled sampling loop (memory stays bounded).
SAMPLE_BATCH = 500


# ------------------------------------------------------------------------------ the mask
def causal_mask(kernel_size: int, mask_type: str = "B") -> np.ndarray:
    """The ``(k, k)`` 0/1 mask of a masked convolution's kernel, centre at ``(k//2, k//2)``.

    A tap is kept (1) when it lies on an earlier pixel in raster order: a row above, or the
    same row to the left. Type ``"A"`` (the first layer, which reads the image) also hides the
    centre, the pixel being predicted; type ``"B"`` keeps it (chapter 7).
    """
    k = check_positive_int("kernel_size", kernel_size)
    if k % 2 == 0:
        raise ValueError(f"kernel_size must be odd so the kernel has a centre, got {k}. "
                         "Use 3, 5 or 7.")
    mask_type = check_mask_type(mask_type)
    mask = np.zeros((k, k), dtype=np.float32)
    c = k // 2
    mask[:c, :] = 1.0
    mask[c, :c] = 1.0
    if mask_type == "B":
        mask[c, c] = 1.0
    return mask


class MaskedConv2D(layers.Layer):
    """A 'same'-padded convolution whose kernel only sees earlier pixels (chapter 7).

    ``call`` convolves a whole image (training: all 784 conditionals at once). :meth:`at`
    computes the output at one position from the ``(k//2 + 1, k)`` patch of rows above and
    left of it, the step a sampler takes.
    """

    def __init__(self, filters: int, kernel_size: int, mask_type: str = "B", seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.filters = check_positive_int("filters", filters)
        self.mask = causal_mask(kernel_size, mask_type)[:, :, None, None]
        self.kernel_size, self.mask_type, self.seed = int(kernel_size), mask_type, seed

    def build(self, input_shape):
        k = self.kernel_size
        self.kernel = self.add_weight(name="kernel", shape=(k, k, int(input_shape[-1]),
                                                            self.filters),
                                      initializer=keras.initializers.GlorotUniform(self.seed))
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")

    def masked_kernel(self):
        return self.kernel * self.mask

    def call(self, x):
        return tf.nn.conv2d(x, self.masked_kernel(), strides=1, padding="SAME") + self.bias

    def at(self, patch):
        """Output ``(n, filters)`` at one position from its ``(n, k//2 + 1, k, c)`` patch."""
        top = self.masked_kernel()[: self.kernel_size // 2 + 1]
        return tf.einsum("nhwc,hwcd->nd", patch, top) + self.bias


# ------------------------------------------------------------------------------ the model
class PixelCNN(keras.Model):
    """p(x) = prod_i p(x_i | x_<i) over 28x28 images with ``levels`` grey levels (chapter 7).

    Args:
        width: channels of every hidden layer.
        depth: residual blocks of 3x3 type-B masked convolutions after the 7x7 type-A one.
        levels: grey levels per pixel (2: black/white, a Bernoulli pixel).
        seed: seeds the initial weights (the same seed, the same network) and the flips.
        flip: mirror each training image left-right with probability 1/2 (the cats are
            seen both ways: twice the data, less overfitting of 1,000 images).

    ``model(x)`` maps images on the levels to logits ``(n, 28, 28, levels)``: at pixel i the
    logits of p(x_i | x_<i). ``compile(optimizer=...)`` then ``fit(images)``; the metrics are
    ``loss`` (-log p(x) per pixel, nats) and ``bits_per_pixel`` (the same in bits). A learned
    per-position vector is added after the first layer (a GPT's position embedding): it tells
    each pixel where it is, which the masked convolutions alone only see near the borders.
    ``temperature`` (an attribute, default 1.0) divides the logits when sampling, as a GPT's
    does: below 1 each pixel is drawn more greedily (no longer from the model's p(x)).
    """

    def __init__(self, width: int = DEFAULTS["width"], depth: int = 8, levels: int = 4,
                 seed: int = 0, flip: bool = False,
                 **kwargs):
        width = check_positive_int("width", width)
        depth = check_positive_int("depth", depth)
        levels = check_levels(levels)
        seed = check_seed(seed)
        super().__init__(**kwargs)
        self.width, self.depth, self.levels, self.flip = width, depth, levels, bool(flip)
        self.seed_generator = keras.random.SeedGenerator(seed)

        def init(i):  # one seeded initializer per layer
            return keras.initializers.GlorotUniform(seed=(seed * 1009 + i) % 2**31)

        self.first = MaskedConv2D(width, 7, "A", seed=init(0).seed, name="first")
        self.convs = [MaskedConv2D(width, 3, "B", seed=init(1 + i).seed,
                                   name=f"conv_{i}")
                      for i in range(depth)]
        self.mixes = [layers.Dense(width, kernel_initializer=init(100 + i), name=f"mix_{i}")
                      for i in range(depth)]
        self.hidden = layers.Dense(width, activation="relu", kernel_initializer=init(200),
                                   name="hidden")
        self.out = layers.Dense(levels, kernel_initializer=init(201), name="logits")
        self.position = self.add_weight(name="position", shape=(28, 28, width),
                                        initializer="zeros")
        self.temperature = 1.0
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.bpp_tracker = keras.metrics.Mean(name="bits_per_pixel")
        self.diverged_at = None
        self.build((None, *IMAGE_SHAPE))

    def build(self, input_shape):
        self.first.build(input_shape)
        for conv, mix in zip(self.convs, self.mixes, strict=True):
            conv.build((None, 28, 28, self.width))
            mix.build((None, self.width))
        self.hidden.build((None, self.width))
        self.out.build((None, self.width))
        self.built = True

    @property
    def metrics(self):
        return [self.loss_tracker, self.bpp_tracker]

    @property
    def level_values(self) -> np.ndarray:
        """The grey value of each level, equally spaced in [-1, 1]."""
        return np.linspace(-1.0, 1.0, self.levels).astype(np.float32)

    def call(self, x, training=False):
        h = self.first(x) + self.position  # where a pixel is, as a GPT's position embedding
        for conv, mix in zip(self.convs, self.mixes, strict=True):
            h = h + mix(tf.nn.relu(conv(tf.nn.relu(h))))
        return self.out(self.hidden(tf.nn.relu(h)))

    # ------------------------------------------------------------------ levels
    def quantise(self, images) -> np.ndarray:
        """Images in [-1, 1] -> the nearest level's value (black/white at 0 when levels=2)."""
        x = check_images(images, "images", shape=IMAGE_SHAPE, value_range=(-1.0, 1.0))
        return self.level_values[self._level_index(x).numpy()][..., None]

    def _level_index(self, x):
        k = tf.round((tf.cast(x, tf.float32) + 1.0) / 2.0 * (self.levels - 1))
        return tf.cast(tf.clip_by_value(k, 0, self.levels - 1), tf.int32)[..., 0]

    # ------------------------------------------------------------------ the likelihood
    def nll_per_pixel(self, x, training=False):
        """-log p(x_i | x_<i) at every pixel, ``(n, 28, 28)`` in nats (teacher forcing)."""
        k = self._level_index(x)
        x = tf.gather(tf.constant(self.level_values), k)[..., None]
        logits = self(x, training=training)
        return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=k, logits=logits)

    def log_prob(self, images) -> np.ndarray:
        """log p(x) in nats, one value per image; images must lie on the model's levels."""
        x = check_on_levels(images, self.level_values)
        out = [-tf.reduce_sum(self.nll_per_pixel(x[i:i + SAMPLE_BATCH]), axis=(1, 2))
               for i in range(0, len(x), SAMPLE_BATCH)]
        return np.concatenate([np.asarray(o, dtype=np.float64) for o in out])

    def _mirrored(self, x):
        """Each image flipped left-right with probability 1/2 (when ``flip`` is on)."""
        if not self.flip:
            return x
        coin = keras.random.uniform((tf.shape(x)[0], 1, 1, 1), seed=self.seed_generator) < 0.5
        return tf.where(coin, tf.reverse(x, axis=[2]), x)

    def train_step(self, data):
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        x = self._mirrored(tf.cast(x, tf.float32))
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(self.nll_per_pixel(x, training=True))  # -log p(x) per pixel
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights, strict=True))
        loss = training.nan_unless_finite(loss, self.trainable_weights)
        self.loss_tracker.update_state(loss)
        self.bpp_tracker.update_state(loss / math.log(2.0))
        return {m.name: m.result() for m in self.metrics}

    def compile(self, optimizer=None, **kwargs):
        """Set the optimizer (default Adam(1e-3)) and build its slots, so a checkpoint can be
        restored into it before training."""
        optimizer = optimizer if optimizer is not None else keras.optimizers.Adam(1e-3)
        super().compile(optimizer=optimizer, **kwargs)
        if not self.optimizer.built:
            self.optimizer.build(self.trainable_variables)

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            **kwargs):
        """Train on images ``x`` in [-1, 1] (NumPy or a ``tf.data.Dataset`` of batches).

        A loss or weight that turns non-finite stops training with
        ``cl.training.TrainingDivergedError``.
        """
        if getattr(self, "optimizer", None) is None:
            raise ValueError("PixelCNN.fit was called before compile. Call "
                             "model.compile(optimizer=keras.optimizers.Adam(1e-3)) first.")
        if y is not None:
            raise ValueError("PixelCNN.fit takes images only (y must be None): the targets "
                             "are the images' own pixels (teacher forcing).")
        epochs = check_positive_int("epochs", epochs)
        if isinstance(x, tf.data.Dataset):
            check_dataset_sample(x, IMAGE_SHAPE, (-1.0, 1.0))  # one rule for data, as arrays
            kwargs.setdefault("shuffle", False)
        else:
            x = check_images(x, "x", shape=IMAGE_SHAPE, value_range=(-1.0, 1.0))
        self.diverged_at = None
        guard = training.NaNGuard(["loss"])
        history = super().fit(x, batch_size=batch_size, epochs=epochs, verbose=verbose,
                              callbacks=[guard, *list(callbacks or [])], **kwargs)
        guard.raise_if_diverged()
        return history

    def checkpoint_items(self) -> dict:
        """Everything an exact resume needs: the weights, the built optimizer and the state
        of the flips' random numbers (teacher forcing itself draws none)."""
        return {"pixelcnn": self, "optimizer": self.optimizer,
                "seed_state": self.seed_generator.state}

    # ------------------------------------------------------------------ sampling
    def generate(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` images ``(n, 28, 28, 1)`` on the levels in [-1, 1], drawn pixel by pixel.

        Deterministic in ``seed``; drawn in batches of :data:`SAMPLE_BATCH`.
        """
        n = check_positive_int("n", n)
        seed = check_seed(seed)
        sampler = self._sampler()
        out = []
        for b, start in enumerate(range(0, n, SAMPLE_BATCH)):
            size = min(SAMPLE_BATCH, n - start)
            out.append(np.asarray(sampler(tf.constant([seed, b], tf.int32), size)))
        return np.concatenate(out)[..., None].astype(np.float32)

    def _sampler(self):
        if getattr(self, "_cached_sampler", None) is None:
            object.__setattr__(self, "_cached_sampler", _CachedSampler(self))
        return self._cached_sampler


class _CachedSampler:
    """Draws images pixel by pixel; each step computes one position per layer (chapter 7).

    Caches (variables, updated in place): the image so far, padded by 3 for the 7x7 first
    layer, and for each 3x3 layer the two rows of its input it reads (row r-1 and row r,
    indexed r % 2), padded by one column each side.
    """

    def __init__(self, model: PixelCNN):
        self.model = model
        w = model.width
        self.image = tf.Variable(tf.zeros((1, 31, 34, 1)), shape=tf.TensorShape([None, 31, 34, 1]),
                                 trainable=False)
        self.rows = [tf.Variable(tf.zeros((1, 2, 30, w)), shape=tf.TensorShape([None, 2, 30, w]),
                                 trainable=False) for _ in model.convs]
        self.temperature = tf.Variable(1.0, trainable=False)
        self.run = tf.function(self._run, reduce_retracing=True)

    def __call__(self, seed, size):
        self.temperature.assign(check_positive_number("temperature", self.model.temperature))
        self.image.assign(tf.zeros((size, 31, 34, 1)))
        for cache in self.rows:
            cache.assign(tf.zeros((size, 2, 30, self.model.width)))
        return self.run(seed)

    def _logits_at(self, r, c):
        m = self.model
        h = m.first.at(self.image[:, r:r + 4, c:c + 7, :]) + m.position[r, c]
        for conv, mix, cache in zip(m.convs, m.mixes, self.rows, strict=True):
            cache[:, r % 2, c + 1, :].assign(tf.nn.relu(h))
            patch = tf.stack([cache[:, (r + 1) % 2, c:c + 3, :], cache[:, r % 2, c:c + 3, :]],
                             axis=1)
            h = h + mix(tf.nn.relu(conv.at(patch)))
        return m.out(m.hidden(tf.nn.relu(h)))

    def _run(self, seed):
        values = tf.constant(self.model.level_values)
        for t in tf.range(PIXELS):
            r, c = t // 28, t % 28
            logits = self._logits_at(r, c) / self.temperature
            k = tf.random.stateless_categorical(logits, 1, seed=tf.random.experimental.
                                                stateless_fold_in(seed, t))[:, 0]
            self.image[:, r + 3, c + 3, 0].assign(tf.gather(values, k))
        return self.image[:, 3:, 3:31, 0]


# ------------------------------------------------------------------------------ the factory
def build_autoregressive(seed: int = 0, learning_rate: float = DEFAULTS["learning_rate"],
                         width=None, depth: int = 8, levels: int = 4, flip: bool = True,
                         decay_steps=None):
    """The family's compiled PixelCNN: Adam(``learning_rate``), weights drawn from ``seed``
    (chapter 7). ``width`` None means ``DEFAULTS["width"]``. With ``decay_steps`` the rate
    follows a cosine from ``learning_rate`` down to 5 % of it over that many steps."""
    seed = check_seed(seed)
    learning_rate = check_learning_rate(learning_rate)
    if decay_steps is not None:
        learning_rate = keras.optimizers.schedules.CosineDecay(
            learning_rate, check_positive_int("decay_steps", decay_steps), alpha=0.05)
    width = DEFAULTS["width"] if width is None else width
    model = PixelCNN(width=width, depth=depth, levels=levels, seed=seed, flip=flip,
                     name="pixelcnn")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    return model


# ------------------------------------------------------------------------------ likelihoods
def nats_to_bits_per_pixel(nats_per_image, pixels: int = PIXELS) -> float:
    """-log p(x) in nats per image -> bits per pixel: divide by ``pixels * ln 2`` (chapter 7)."""
    pixels = check_positive_int("pixels", pixels)
    return float(np.mean(np.asarray(nats_per_image, dtype=np.float64)) / (pixels * math.log(2)))


def bits_per_pixel(model: PixelCNN, images) -> float:
    """The exact negative log-likelihood of ``images`` under ``model``, in bits per pixel.

    The images must lie on the model's levels (``model.quantise`` puts them there). It is
    -log2 p(x) / 784 averaged over the images, where p(x) is the probability of that exact
    discrete image: 0 is a perfect prediction, log2(levels) is a uniform guess (chapter 7).
    """
    if not isinstance(model, PixelCNN):
        raise TypeError(f"bits_per_pixel expects a cl.autoregressive.PixelCNN, got "
                        f"{type(model).__name__}. For a VAE use vae_bits_per_pixel.")
    return nats_to_bits_per_pixel(-model.log_prob(images))


def vae_bits_per_pixel(vae, binary_images, samples: int = 1, seed: int = 0) -> float:
    """A VAE's negative ELBO on binary images, in bits per pixel (an upper bound on its
    -log2 p(x) / 784), estimated with ``samples`` draws of z per image (chapter 7).

    On binary images (pixels exactly -1 or 1) the decoder's Bernoulli is a probability of
    the discrete image, so this bound and :func:`bits_per_pixel` of a ``levels=2`` PixelCNN
    measure the same thing, in the same unit.
    """
    if not isinstance(vae, vae_module.VAE):
        raise TypeError(f"vae_bits_per_pixel expects a cl.vae.VAE, got {type(vae).__name__}.")
    x = check_binary_images(binary_images)
    samples = check_positive_int("samples", samples)
    seed = check_seed(seed)
    total = np.zeros(len(x))
    for s in range(samples):
        mu, log_var = vae.encoder(x, training=False)
        z = vae_module.reparameterize(mu, log_var, seed=seed + s)
        rec = vae_module.bernoulli_reconstruction_loss(x, vae.decoder(z, training=False))
        total += np.asarray(rec + vae_module.kl_divergence_normal(mu, log_var))
    return nats_to_bits_per_pixel(total / samples)
