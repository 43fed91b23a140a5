"""Cross-entropy and the GAN losses, in TensorFlow and in NumPy (chapters 2 and 3).

Every TensorFlow loss has a NumPy twin (``np_*``) that the tests compare it with. Discriminator
outputs are *logits* (real numbers); ``sigmoid(logit)`` is the probability D(x) that x is real.

The article writes L_G = -log D(G(z)) and L_D = -[log D(x) + log(1 - D(G(z)))] (with a bracket
missing). Both come from the minimax value function of Goodfellow et al. (2014)::

    min_G max_D V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))]

The discriminator maximises V, i.e. minimises L_D. The generator's minimax loss is
log(1 - D(G(z))); -log D(G(z)) is the *non-saturating* variant used in practice: the generator
wants D(G(z)) *high*, and this form keeps its gradient large while D(G(z)) is still small.

Chapter 6 adds two other games. WGAN-GP (Gulrajani et al., 2017) replaces D by a *critic*
f(x), a real-valued score with no sigmoid, that estimates the Wasserstein-1 distance
E_x f(x) - E_z f(G(z)) while a gradient penalty keeps it 1-Lipschitz; the hinge loss (Miyato et
al., 2018) is a margin version of the discriminator's loss. ``GAN_LOSSES`` names every pair.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import tensorflow as tf

__all__ = [
    "GAN_LOSSES",
    "GENERATOR_LOSSES",
    "GANLoss",
    "binary_cross_entropy",
    "binary_cross_entropy_from_logits",
    "cross_entropy",
    "discriminator_loss",
    "entropy",
    "generator_loss",
    "generator_loss_minimax",
    "generator_loss_non_saturating",
    "gradient_penalty",
    "hinge_discriminator_loss",
    "hinge_generator_loss",
    "kl_divergence",
    "np_binary_cross_entropy",
    "np_binary_cross_entropy_from_logits",
    "np_cross_entropy",
    "np_discriminator_loss",
    "np_entropy",
    "np_generator_loss_minimax",
    "np_generator_loss_non_saturating",
    "np_js_divergence",
    "np_kl_divergence",
    "r1_penalty",
    "wasserstein_critic_loss",
    "wasserstein_generator_loss",
]

_EPS = 1e-7


# --------------------------------------------------------------------------- NumPy references
def np_entropy(p, axis=-1):
    """H(p) = -sum p log p in nats (chapter 2); 0 log 0 counts as 0."""
    p = np.asarray(p, dtype=np.float64)
    # 0.0 - sum, not -sum: a certain outcome has entropy 0.0, not -0.0
    return 0.0 - np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0), axis=axis)


def np_cross_entropy(p, q, axis=-1):
    """H(p, q) = -sum_i p_i log q_i (chapter 2).

    The article's L = -sum y_i log(x_i): ``p`` (its y) is the *true* distribution, e.g. a
    one-hot label, and ``q`` (its x) the *model's predicted* distribution, not a "generated
    sample's" distribution.
    """
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    return -np.sum(p * np.log(np.clip(q, _EPS, 1.0)), axis=axis)


def np_kl_divergence(p, q, axis=-1):
    """KL(p || q) = H(p, q) - H(p) >= 0 (chapter 2)."""
    return np_cross_entropy(p, q, axis) - np_entropy(p, axis)


def np_js_divergence(p, q, axis=-1):
    """JSD(p || q) = KL(p || m) / 2 + KL(q || m) / 2 with m = (p + q) / 2, in nats (chapters 3
    and 6). Symmetric, between 0 (p = q) and log 2, which it reaches exactly when p and q have
    disjoint supports, however far apart they lie: then it gives a generator no direction."""
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    m = (p + q) / 2
    return 0.5 * np_kl_divergence(p, m, axis) + 0.5 * np_kl_divergence(q, m, axis)


def np_binary_cross_entropy(y, p):
    """Mean of -[y log p + (1 - y) log(1 - p)] from probabilities (chapter 2)."""
    y = np.asarray(y, dtype=np.float64)
    p = np.clip(np.asarray(p, dtype=np.float64), _EPS, 1 - _EPS)
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log1p(-p))))


def np_binary_cross_entropy_from_logits(y, logits):
    """Stable mean BCE from logits: max(l, 0) - l*y + log(1 + exp(-|l|)) (chapter 2)."""
    y = np.asarray(y, dtype=np.float64)
    z = np.asarray(logits, dtype=np.float64)
    return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))


def np_discriminator_loss(real_logits, fake_logits):
    """L_D = -[log D(x) + log(1 - D(G(z)))], averaged over each batch (chapter 3)."""
    return np_binary_cross_entropy_from_logits(
        np.ones_like(real_logits), real_logits
    ) + np_binary_cross_entropy_from_logits(np.zeros_like(fake_logits), fake_logits)


def np_generator_loss_minimax(fake_logits):
    """The minimax generator loss mean log(1 - D(G(z))), to be minimised (chapter 3)."""
    return -np_binary_cross_entropy_from_logits(np.zeros_like(fake_logits), fake_logits)


def np_generator_loss_non_saturating(fake_logits):
    """The non-saturating generator loss mean -log D(G(z)) (chapter 3)."""
    return np_binary_cross_entropy_from_logits(np.ones_like(fake_logits), fake_logits)


# ---------------------------------------------------------------------- TensorFlow versions
def _f32(x):
    return tf.cast(tf.convert_to_tensor(x), tf.float32)


def entropy(p, axis=-1):
    """TensorFlow twin of :func:`np_entropy` (chapter 2)."""
    p = _f32(p)
    safe = tf.where(p > 0, p, tf.ones_like(p))
    return -tf.reduce_sum(tf.where(p > 0, p * tf.math.log(safe), tf.zeros_like(p)), axis=axis)


def cross_entropy(p, q, axis=-1):
    """TensorFlow twin of :func:`np_cross_entropy` (chapter 2)."""
    p, q = _f32(p), _f32(q)
    return -tf.reduce_sum(p * tf.math.log(tf.clip_by_value(q, _EPS, 1.0)), axis=axis)


def kl_divergence(p, q, axis=-1):
    """TensorFlow twin of :func:`np_kl_divergence` (chapter 2)."""
    return cross_entropy(p, q, axis) - entropy(p, axis)


def binary_cross_entropy(y, p):
    """Mean BCE from probabilities, clipped to [1e-7, 1 - 1e-7] (chapter 2).

    Prefer :func:`binary_cross_entropy_from_logits`: once a sigmoid has rounded p to exactly
    0 or 1 in float32, the clipped log is wrong and its gradient is zero.
    """
    y, p = _f32(y), tf.clip_by_value(_f32(p), _EPS, 1 - _EPS)
    return tf.reduce_mean(-(y * tf.math.log(p) + (1 - y) * tf.math.log(1 - p)))


def binary_cross_entropy_from_logits(y, logits):
    """Numerically stable mean BCE from logits (chapter 2)."""
    y, z = _f32(y), _f32(logits)
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z))


def discriminator_loss(real_logits, fake_logits, label_smoothing: float = 0.0):
    """L_D = -[log D(x) + log(1 - D(G(z)))] from logits, each term a batch mean (chapter 3).

    ``label_smoothing`` > 0 uses 1 - label_smoothing as the target for real images
    (one-sided label smoothing).
    """
    real_logits, fake_logits = _f32(real_logits), _f32(fake_logits)
    real_target = tf.fill(tf.shape(real_logits), 1.0 - float(label_smoothing))
    return binary_cross_entropy_from_logits(real_target, real_logits) + (
        binary_cross_entropy_from_logits(tf.zeros_like(fake_logits), fake_logits)
    )


def generator_loss_minimax(fake_logits):
    """The minimax generator loss mean log(1 - D(G(z))) (chapter 3). It saturates: when D
    confidently rejects fakes, D(G(z)) ~ 0 and its gradient vanishes."""
    fake_logits = _f32(fake_logits)
    return -binary_cross_entropy_from_logits(tf.zeros_like(fake_logits), fake_logits)


def generator_loss_non_saturating(fake_logits):
    """The non-saturating generator loss mean -log D(G(z)) (chapter 3): the article's L_G."""
    fake_logits = _f32(fake_logits)
    return binary_cross_entropy_from_logits(tf.ones_like(fake_logits), fake_logits)


#: Generator losses by name, as ``cl.training.GAN.compile(generator_loss=...)`` accepts them.
GENERATOR_LOSSES = {
    "non_saturating": generator_loss_non_saturating,
    "minimax": generator_loss_minimax,
}


def generator_loss(fake_logits, kind: str = "non_saturating"):
    """Generator loss by name: ``"non_saturating"`` (default) or ``"minimax"`` (chapter 3)."""
    if kind not in GENERATOR_LOSSES:
        raise ValueError(
            f"Unknown generator loss {kind!r}. Expected one of {sorted(GENERATOR_LOSSES)}."
        )
    return GENERATOR_LOSSES[kind](fake_logits)


# ------------------------------------------------------------------ the remedies (chapter 6)
def wasserstein_critic_loss(real_scores, fake_scores):
    """L_critic = E f(G(z)) - E f(x) (chapter 6): the critic *maximises* E f(x) - E f(G(z)),
    its estimate of the Wasserstein-1 distance between the data and the generator."""
    return tf.reduce_mean(_f32(fake_scores)) - tf.reduce_mean(_f32(real_scores))


def wasserstein_generator_loss(fake_scores):
    """L_G = -E f(G(z)) (chapter 6): the generator raises the critic's score of its samples.
    The hinge loss's generator loss is the same expression."""
    return -tf.reduce_mean(_f32(fake_scores))


def gradient_penalty(critic, real, fake, alpha, weight: float = 10.0):
    """lambda * E[(||grad f(x_hat)||_2 - 1)^2] with x_hat = alpha x + (1 - alpha) G(z) (chapter 6).

    ``critic`` maps a batch to scores ``(n, 1)``; ``alpha`` holds one weight in [0, 1] per
    sample, shaped to broadcast over a sample (e.g. ``(n, 1, 1, 1)`` for images). The gradient
    of each score with respect to its own input is taken per sample; the penalty pulls its norm
    towards 1 on the lines between real and fake samples (Gulrajani et al., 2017, lambda = 10).
    """
    real, fake = _f32(real), _f32(fake)
    x_hat = alpha * real + (1.0 - alpha) * fake
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        scores = critic(x_hat)
    grads = tape.gradient(scores, x_hat)  # sample i's score depends on sample i only
    norms = tf.sqrt(tf.reduce_sum(tf.reshape(grads, (tf.shape(grads)[0], -1)) ** 2, axis=1)
                    + 1e-12)
    return weight * tf.reduce_mean((norms - 1.0) ** 2)


def r1_penalty(critic, real, weight: float):
    """gamma/2 * E||grad_x D(x)||^2 at the real samples ``x`` (R1, Mescheder et al., 2018; chapter 5).

    ``critic`` maps a batch to logits or scores ``(n, 1)``. The penalty keeps the
    discriminator flat at the data, so that it does not push the generator past it: the
    training then oscillates less. Returns ``(penalty, scores)``, where ``scores`` are the
    critic's outputs at ``real``, so that the caller's loss need not run the critic on them
    again (call it inside the outer tape: the penalty is differentiated with respect to the
    critic's weights, a gradient of a gradient).
    """
    with tf.GradientTape() as tape:
        tape.watch(real)
        scores = critic(real)
        total = tf.reduce_sum(scores)  # sample i's score depends on sample i only
    grads = _f32(tape.gradient(total, real))
    squared = tf.reduce_sum(grads ** 2, axis=list(range(1, grads.shape.rank)))
    return 0.5 * weight * tf.reduce_mean(squared), scores


def hinge_discriminator_loss(real_logits, fake_logits):
    """L_D = E max(0, 1 - D(x)) + E max(0, 1 + D(G(z))) on raw scores (chapter 6)."""
    return (tf.reduce_mean(tf.nn.relu(1.0 - _f32(real_logits)))
            + tf.reduce_mean(tf.nn.relu(1.0 + _f32(fake_logits))))


hinge_generator_loss = wasserstein_generator_loss


class GANLoss(NamedTuple):
    """One game: the discriminator's (critic's) loss, the generator's loss, and whether the
    critic's loss gets a :func:`gradient_penalty` (chapter 6)."""

    discriminator: object
    generator: object
    penalised: bool = False
    #: True for the cross-entropy games, whose discriminator loss takes label smoothing
    cross_entropy: bool = False


#: Every loss by name, as ``cl.training.GAN.compile(loss=...)`` accepts them (chapter 6).
GAN_LOSSES = {
    "non_saturating": GANLoss(discriminator_loss, generator_loss_non_saturating,
                              cross_entropy=True),
    "minimax": GANLoss(discriminator_loss, generator_loss_minimax, cross_entropy=True),
    "wgan-gp": GANLoss(wasserstein_critic_loss, wasserstein_generator_loss, penalised=True),
    "hinge": GANLoss(hinge_discriminator_loss, hinge_generator_loss),
}
