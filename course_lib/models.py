"""Generators and discriminators (chapters 3, 4 and 5); the VAE of chapter 6 is ``cl.vae.VAE``.

Conventions used across the course:

* generators map ``(n, latent_dim)`` noise to ``(n, 28, 28, 1)`` images in [-1, 1] (``tanh``);
* discriminators map images to **logits** ``(n, 1)``: no sigmoid at the end. The loss applies
  the sigmoid inside a numerically stable cross-entropy (chapter 2).
"""

from __future__ import annotations

import keras
from keras import layers

from course_lib import kernels
from course_lib.validation import check_positive_int

__all__ = [
    "IMAGE_SHAPE",
    "dcgan_critic",
    "dcgan_discriminator",
    "dcgan_generator",
    "mlp_discriminator",
    "mlp_generator",
    "vector_discriminator",
    "vector_generator",
]

IMAGE_SHAPE = (28, 28, 1)


def mlp_generator(latent_dim: int = 100, hidden_units: int = 128) -> keras.Model:
    """The article's MLP generator 100 -> 128 -> 784, repaired (chapter 4).

    Repairs: a ``Reshape`` to 28x28x1 so the discriminator receives an image (the article emits
    a flat 784-vector), no ``Flatten`` after a Dense layer (a no-op), and ``tanh`` instead of
    ``sigmoid`` so the output range [-1, 1] matches the scaled data.
    """
    check_positive_int("latent_dim", latent_dim)
    check_positive_int("hidden_units", hidden_units)
    return keras.Sequential(
        [
            keras.Input(shape=(latent_dim,), name="z"),
            layers.Dense(hidden_units, activation="relu"),
            layers.Dense(28 * 28, activation="tanh"),
            layers.Reshape(IMAGE_SHAPE),
        ],
        name="mlp_generator",
    )


def mlp_discriminator(hidden_units: int = 128, norm: str | None = None) -> keras.Model:
    """The article's MLP discriminator 784 -> 128 -> 1, returning a logit (chapter 4).

    ``norm="spectral"`` wraps both dense layers in spectral normalisation (chapter 6's hinge
    loss on the MLP); None, the default, is the article's network."""
    check_positive_int("hidden_units", hidden_units)
    if norm not in (None, "spectral"):
        raise ValueError(f"mlp_discriminator: unknown norm {norm!r}. Expected None or "
                         "'spectral'.")
    wrap = layers.SpectralNormalization if norm == "spectral" else (lambda layer: layer)
    return keras.Sequential(
        [
            keras.Input(shape=IMAGE_SHAPE, name="image"),
            layers.Flatten(),
            wrap(layers.Dense(hidden_units, activation="relu")),
            wrap(layers.Dense(1, name="logit")),
        ],
        name="mlp_discriminator",
    )


def dcgan_generator(latent_dim: int = 100, width: int = 32) -> keras.Model:
    """A small DCGAN generator (Radford et al., 2015) for 28x28 images (chapter 5).

    Dense -> 7x7x(2w) -> transposed convolutions to 14x14xw and 28x28x1, batch norm and ReLU
    between, ``tanh`` at the end. The batch norms and the last transposed convolution are
    ``cl.kernels``' forms of Keras's layers: the same layers, computed faster on CPUs.
    """
    check_positive_int("latent_dim", latent_dim)
    check_positive_int("width", width)
    return keras.Sequential(
        [
            keras.Input(shape=(latent_dim,), name="z"),
            layers.Dense(7 * 7 * 2 * width, use_bias=False),
            kernels.BatchNormalization(),
            layers.ReLU(),
            layers.Reshape((7, 7, 2 * width)),
            layers.Conv2DTranspose(width, 4, strides=2, padding="same", use_bias=False),
            kernels.BatchNormalization(),
            layers.ReLU(),
            kernels.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh"),
        ],
        name="dcgan_generator",
    )


def dcgan_discriminator(width: int = 32, dropout: float = 0.3) -> keras.Model:
    """A small DCGAN discriminator: strided convolutions, LeakyReLU, a logit (chapter 5). The
    first convolution, on the image, is ``cl.kernels.Conv2D``: Keras's layer, with the gradient
    with respect to the image computed faster on CPUs."""
    check_positive_int("width", width)
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}.")
    return keras.Sequential(
        [
            keras.Input(shape=IMAGE_SHAPE, name="image"),
            kernels.Conv2D(width, 4, strides=2, padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(2 * width, 4, strides=2, padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Flatten(),
            layers.Dropout(dropout),
            layers.Dense(1, name="logit"),
        ],
        name="dcgan_discriminator",
    )


def dcgan_critic(width: int = 32, norm: str | None = None) -> keras.Model:
    """The DCGAN discriminator as a WGAN-GP critic (chapter 6): a score, no dropout, no batch
    norm. The gradient penalty constrains each sample's gradient, which batch norm would tie to
    the rest of the batch; ``norm`` "layer" adds layer normalisation (Gulrajani et al.'s
    drop-in), "spectral" wraps the layers in spectral normalisation (for the hinge loss)."""
    check_positive_int("width", width)
    if norm not in (None, "layer", "spectral"):
        raise ValueError(f"dcgan_critic: unknown norm {norm!r}. Expected None, 'layer' or "
                         "'spectral'.")
    wrap = layers.SpectralNormalization if norm == "spectral" else (lambda layer: layer)
    stack = [keras.Input(shape=IMAGE_SHAPE, name="image")]
    for conv, filters in ((kernels.Conv2D, width), (layers.Conv2D, 2 * width)):
        stack.append(wrap(conv(filters, 4, strides=2, padding="same")))
        if norm == "layer":
            stack.append(layers.LayerNormalization(axis=(1, 2, 3)))
        stack.append(layers.LeakyReLU(negative_slope=0.2))
    stack += [layers.Flatten(), wrap(layers.Dense(1, name="logit"))]
    return keras.Sequential(stack, name="dcgan_critic")


def vector_generator(latent_dim: int = 1, output_dim: int = 1, hidden_units: int = 32,
                     output_activation: str | None = None) -> keras.Model:
    """A small MLP generator for vectors, e.g. the 1-D GAN of chapter 3."""
    check_positive_int("latent_dim", latent_dim)
    check_positive_int("output_dim", output_dim)
    check_positive_int("hidden_units", hidden_units)
    return keras.Sequential(
        [
            keras.Input(shape=(latent_dim,), name="z"),
            layers.Dense(hidden_units, activation="relu"),
            layers.Dense(hidden_units, activation="relu"),
            layers.Dense(output_dim, activation=output_activation),
        ],
        name="vector_generator",
    )


def vector_discriminator(input_dim: int = 1, hidden_units: int = 32) -> keras.Model:
    """A small MLP discriminator for vectors returning a logit (chapter 3)."""
    check_positive_int("input_dim", input_dim)
    check_positive_int("hidden_units", hidden_units)
    return keras.Sequential(
        [
            keras.Input(shape=(input_dim,), name="x"),
            layers.Dense(hidden_units),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Dense(hidden_units),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Dense(1, name="logit"),
        ],
        name="vector_discriminator",
    )
