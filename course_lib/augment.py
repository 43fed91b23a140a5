"""Differentiable augmentation for GANs trained on little data (chapter 5).

With 100 cats the discriminator soon memorises every real image, its verdicts stop carrying
information, and the generator's samples degrade. Augmenting only the real images does not
help: the generator then learns to draw augmented cats (shifted, with holes). *Differentiable
augmentation* (DiffAugment; Zhao et al., 2020, "Differentiable Augmentation for Data-Efficient
GAN Training") applies the same random transformations to real **and** generated images every
time the discriminator looks at them, in both the discriminator's and the generator's step.
The transformations are differentiable, so the generator's gradient flows through them.

Use it as ``cl.training.GAN(generator, discriminator, latent_dim, augment=cl.augment.DiffAugment())``.
The transformations, for images in [-1, 1] with background -1:

* ``"translation"``: shift each image by up to ``1/8`` of its size, filling with the background;
* ``"cutout"``: blank out one random square of half the image size per image;
* ``"brightness"``: add a random offset in [-0.5, 0.5] per image.
"""

from __future__ import annotations

import keras
import tensorflow as tf

__all__ = ["POLICIES", "DiffAugment", "brightness", "cutout", "translation"]


def _uniform(shape, seed, minval=0.0, maxval=1.0):
    return keras.random.uniform(shape, minval=minval, maxval=maxval, seed=seed)


def brightness(images, seed=None, strength=0.5):
    """Add one random offset in [-strength, strength] to each image (differentiable)."""
    n = tf.shape(images)[0]
    return images + _uniform((n, 1, 1, 1), seed, -strength, strength)


def translation(images, seed=None, ratio=0.125, fill=-1.0):
    """Shift each image by a random whole number of pixels, up to ``ratio`` of its size.

    Implemented as padding with ``fill`` and gathering rows and columns, so gradients flow to
    every pixel that stays in the picture.
    """
    shape = tf.shape(images)
    n, h, w = shape[0], shape[1], shape[2]
    sh = tf.cast(tf.cast(h, tf.float32) * ratio + 0.5, tf.int32)
    sw = tf.cast(tf.cast(w, tf.float32) * ratio + 0.5, tf.int32)
    u = _uniform((n, 2), seed)
    dy = tf.cast(u[:, 0] * tf.cast(2 * sh + 1, tf.float32), tf.int32)  # 0 .. 2*sh
    dx = tf.cast(u[:, 1] * tf.cast(2 * sw + 1, tf.float32), tf.int32)
    dy, dx = tf.minimum(dy, 2 * sh), tf.minimum(dx, 2 * sw)
    padded = tf.pad(images, [[0, 0], [sh, sh], [sw, sw], [0, 0]], constant_values=fill)
    rows = dy[:, None] + tf.range(h)[None, :]
    cols = dx[:, None] + tf.range(w)[None, :]
    out = tf.gather(padded, rows, axis=1, batch_dims=1)
    return tf.gather(out, cols, axis=2, batch_dims=1)


def cutout(images, seed=None, ratio=0.5, fill=-1.0):
    """Set one random square of ``ratio`` times the image size to ``fill`` in each image."""
    shape = tf.shape(images)
    n, h, w = shape[0], shape[1], shape[2]
    ch = tf.cast(tf.cast(h, tf.float32) * ratio + 0.5, tf.int32)
    cw = tf.cast(tf.cast(w, tf.float32) * ratio + 0.5, tf.int32)
    u = _uniform((n, 2), seed)
    # centre of the square, anywhere in the image (the square may stick out of it)
    cy = tf.cast(u[:, 0] * tf.cast(h + 1 - ch % 2, tf.float32), tf.int32)
    cx = tf.cast(u[:, 1] * tf.cast(w + 1 - cw % 2, tf.float32), tf.int32)
    ys = tf.range(h)[None, :] - (cy[:, None] - ch // 2)  # (n, h): inside if 0 <= ys < ch
    xs = tf.range(w)[None, :] - (cx[:, None] - cw // 2)
    in_y = tf.logical_and(ys >= 0, ys < ch)
    in_x = tf.logical_and(xs >= 0, xs < cw)
    hole = tf.logical_and(in_y[:, :, None], in_x[:, None, :])[..., None]  # (n, h, w, 1)
    keep = 1.0 - tf.cast(hole, images.dtype)
    return images * keep + fill * (1.0 - keep)


#: The available transformations by name.
POLICIES = {"brightness": brightness, "translation": translation, "cutout": cutout}


class DiffAugment:
    """A callable ``images -> augmented images`` for ``GAN(..., augment=...)`` (chapter 5).

    Args:
        policy: names from :data:`POLICIES`, applied in order (default translation, cutout:
            the pair that helps most on small data in Zhao et al.).
        seed: seeds a ``keras.random.SeedGenerator``, so runs repeat.
        fill: the background value used by translation and cutout (-1 for our silhouettes).
    """

    def __init__(self, policy=("translation", "cutout"), seed=None, fill=-1.0):
        if isinstance(policy, str):
            policy = [p.strip() for p in policy.split(",") if p.strip()]
        policy = tuple(policy)
        unknown = [p for p in policy if p not in POLICIES]
        if unknown or not policy:
            raise ValueError(
                f"Unknown DiffAugment policy {unknown or policy!r}. Expected a non-empty list "
                f"of {sorted(POLICIES)}, e.g. ('translation', 'cutout')."
            )
        self.policy = policy
        self.fill = float(fill)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def __call__(self, images):
        x = tf.convert_to_tensor(images)
        if x.shape.rank != 4:
            raise ValueError(
                f"DiffAugment expects a batch of images (n, h, w, c), got shape {x.shape}."
            )
        for name in self.policy:
            if name == "brightness":
                x = brightness(x, seed=self.seed_generator)
            else:
                x = POLICIES[name](x, seed=self.seed_generator, fill=self.fill)
        return x

    def __repr__(self) -> str:
        return f"DiffAugment(policy={self.policy!r})"
