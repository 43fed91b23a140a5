"""cl.losses (chapters 2-3): every TensorFlow loss against its NumPy twin, and the maths."""

import math

import numpy as np
import pytest
import tensorflow as tf

from course_lib import losses


def _rng(seed=0):
    return np.random.default_rng(seed)


def _distributions(shape, rng, sharpness=2.0):
    z = rng.normal(size=shape) * sharpness
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _naive_bce_from_logits(labels, logits):
    """What a learner writes first: sigmoid, then the BCE of the probabilities, in float32."""
    p = tf.sigmoid(tf.cast(logits, tf.float32))
    y = tf.cast(labels, tf.float32)
    return tf.reduce_mean(-(y * tf.math.log(p) + (1 - y) * tf.math.log(1 - p)))


# ------------------------------------------------------------------ TensorFlow == NumPy twins
@pytest.mark.parametrize("name", ["entropy", "cross_entropy", "kl_divergence"])
def test_distribution_losses_match_their_numpy_twins(name):
    p, q = _distributions((16, 6), _rng(1)), _distributions((16, 6), _rng(2))
    p[0] = [1, 0, 0, 0, 0, 0]            # a one-hot row: 0 log 0 must count as 0
    q[1] = [0.5, 0.5, 0, 0, 0, 0]        # zeros in q where p is positive: clipped, finite
    args = (p,) if name == "entropy" else (p, q)
    tf_out = getattr(losses, name)(*args).numpy()
    np_out = getattr(losses, f"np_{name}")(*args)
    assert tf_out.shape == np_out.shape == (16,)
    assert np.all(np.isfinite(tf_out))
    np.testing.assert_allclose(tf_out, np_out, rtol=1e-4, atol=1e-5)
    # the axis argument reduces over the named axis
    np.testing.assert_allclose(getattr(losses, name)(*(a.T for a in args), axis=0).numpy(),
                               np_out, rtol=1e-4, atol=1e-5)


def test_binary_cross_entropy_matches_numpy_twin():
    rng = _rng(3)
    y = rng.integers(0, 2, size=64).astype(float)
    p = rng.uniform(0.01, 0.99, size=64)
    assert losses.binary_cross_entropy(y, p).numpy() == pytest.approx(
        losses.np_binary_cross_entropy(y, p), rel=1e-5)
    # soft labels too (label smoothing uses them)
    ys = rng.uniform(size=64)
    assert losses.binary_cross_entropy(ys, p).numpy() == pytest.approx(
        losses.np_binary_cross_entropy(ys, p), rel=1e-5)


@pytest.mark.parametrize("scale", [1.0, 10.0, 100.0])
def test_bce_from_logits_matches_numpy_twin_at_every_scale(scale):
    rng = _rng(4)
    y = rng.integers(0, 2, size=(32, 1)).astype(float)
    z = rng.normal(size=(32, 1)) * scale
    z[:2, 0] = [100.0, -100.0]
    tf_val = losses.binary_cross_entropy_from_logits(y, z).numpy()
    np_val = losses.np_binary_cross_entropy_from_logits(y, z)
    assert np.isfinite(tf_val)
    assert tf_val == pytest.approx(np_val, rel=1e-5)
    # the NumPy twin is itself right: the textbook formula in float64, where it is safe
    moderate_y, moderate_z = y[2:], np.clip(z[2:], -15, 15)
    p = 1 / (1 + np.exp(-moderate_z))
    textbook = np.mean(-(moderate_y * np.log(p) + (1 - moderate_y) * np.log(1 - p)))
    assert losses.np_binary_cross_entropy_from_logits(moderate_y, moderate_z) == pytest.approx(
        textbook, rel=1e-7)


def test_bce_from_logits_agrees_with_keras():
    import keras

    rng = _rng(5)
    y = rng.integers(0, 2, size=(20, 1)).astype("float32")
    z = (rng.normal(size=(20, 1)) * 5).astype("float32")
    keras_val = keras.losses.BinaryCrossentropy(from_logits=True)(y, z)
    assert float(losses.binary_cross_entropy_from_logits(y, z)) == pytest.approx(
        float(keras_val), rel=1e-5)


def test_gan_losses_match_numpy_twins():
    rng = _rng(6)
    real = rng.normal(size=(24, 1)) * 3
    fake = rng.normal(size=(24, 1)) * 3
    fake[0, 0], real[0, 0] = 100.0, -100.0   # confidently wrong discriminator: still finite
    assert float(losses.discriminator_loss(real, fake)) == pytest.approx(
        losses.np_discriminator_loss(real, fake), rel=1e-5)
    assert float(losses.generator_loss_minimax(fake)) == pytest.approx(
        losses.np_generator_loss_minimax(fake), rel=1e-5)
    assert float(losses.generator_loss_non_saturating(fake)) == pytest.approx(
        losses.np_generator_loss_non_saturating(fake), rel=1e-5)
    for kind, fn in losses.GENERATOR_LOSSES.items():
        assert float(losses.generator_loss(fake, kind)) == pytest.approx(float(fn(fake)))


def test_discriminator_loss_label_smoothing_uses_soft_real_targets():
    rng = _rng(7)
    real, fake = rng.normal(size=(10, 1)), rng.normal(size=(10, 1))
    expected = losses.np_binary_cross_entropy_from_logits(
        np.full_like(real, 0.9), real) + losses.np_binary_cross_entropy_from_logits(
        np.zeros_like(fake), fake)
    assert float(losses.discriminator_loss(real, fake, label_smoothing=0.1)) == pytest.approx(
        expected, rel=1e-5)
    assert float(losses.discriminator_loss(real, fake, 0.1)) > float(
        losses.discriminator_loss(real + 100, fake - 100, 0.0))


def test_generator_loss_rejects_unknown_kind():
    assert set(losses.GENERATOR_LOSSES) == {"non_saturating", "minimax"}
    with pytest.raises(ValueError, match="Unknown generator loss 'wasserstein'"):
        losses.generator_loss(np.zeros((2, 1)), "wasserstein")


# --------------------------------------------------------------------------- known values
def test_known_values():
    assert float(losses.binary_cross_entropy_from_logits([[1.0]], [[0.0]])) == pytest.approx(
        math.log(2))
    assert float(losses.binary_cross_entropy_from_logits([[0.0]], [[0.0]])) == pytest.approx(
        math.log(2))
    assert losses.np_binary_cross_entropy_from_logits([0.0, 1.0], [0.0, 0.0]) == pytest.approx(
        math.log(2))
    assert losses.np_entropy([0.5, 0.5]) == pytest.approx(math.log(2))       # a fair coin
    assert losses.np_entropy(np.full(8, 1 / 8)) == pytest.approx(math.log(8))  # uniform: log k
    assert losses.np_entropy([0.0, 1.0, 0.0]) == 0.0                           # certain
    # with a one-hot label, cross-entropy is -log of the probability given to the true class
    assert losses.np_cross_entropy([0, 1, 0], [0.2, 0.7, 0.1]) == pytest.approx(-math.log(0.7))
    assert float(losses.cross_entropy([0.0, 1.0, 0.0], [0.2, 0.7, 0.1])) == pytest.approx(
        -math.log(0.7), rel=1e-6)
    # the discriminator at the GAN's equilibrium, D = 1/2 everywhere: L_D = 2 log 2
    assert losses.np_discriminator_loss(np.zeros(5), np.zeros(5)) == pytest.approx(
        2 * math.log(2))
    assert float(losses.discriminator_loss(np.zeros((5, 1)), np.zeros((5, 1)))) == pytest.approx(
        2 * math.log(2))


def test_entropy_is_largest_for_the_uniform_distribution():
    k = 5
    for p in _distributions((200, k), _rng(8)):
        assert losses.np_entropy(p) <= math.log(k) + 1e-12
        assert losses.np_entropy(p) >= 0


# ----------------------------------------------------------------------------- KL properties
def test_kl_properties():
    p, q = _distributions((500, 4), _rng(9)), _distributions((500, 4), _rng(10))
    kl = losses.np_kl_divergence(p, q)
    assert np.all(kl >= -1e-12)                                               # Gibbs
    np.testing.assert_allclose(losses.np_kl_divergence(p, p), 0.0, atol=1e-12)
    np.testing.assert_allclose(losses.np_cross_entropy(p, q),
                               losses.np_entropy(p) + kl, rtol=1e-12)         # H(p,q)=H(p)+KL
    np.testing.assert_allclose(losses.kl_divergence(p, p).numpy(), 0.0, atol=1e-5)
    assert np.all(losses.kl_divergence(p, q).numpy() >= -1e-5)
    # not symmetric: a broad p against a peaked q differs from the reverse
    broad, peaked = np.array([0.25, 0.25, 0.25, 0.25]), np.array([0.97, 0.01, 0.01, 0.01])
    forward = losses.np_kl_divergence(broad, peaked)
    backward = losses.np_kl_divergence(peaked, broad)
    assert forward == pytest.approx(0.25 * np.sum(np.log(broad / peaked)))
    assert forward == pytest.approx(2.0752, abs=1e-4)
    assert backward == pytest.approx(0.97 * math.log(3.88) + 0.03 * math.log(0.04))


# ----------------------------------------------------------------- why losses take logits
def test_naive_probability_bce_overflows_where_the_logits_version_is_exact():
    labels = [[0.0], [1.0]]
    logits = [[100.0], [-100.0]]           # the discriminator is confidently wrong twice
    naive = float(_naive_bce_from_logits(labels, logits))
    assert math.isinf(naive)               # sigmoid rounds to exactly 1 / 0 in float32: log(0)
    stable = float(losses.binary_cross_entropy_from_logits(labels, logits))
    assert stable == pytest.approx(100.0, rel=1e-6)   # = mean(100 + log1p(exp(-100)))
    assert losses.np_binary_cross_entropy_from_logits(labels, logits) == pytest.approx(100.0)
    # clipping the probabilities avoids inf but gives a wrong number: about -log(1e-7) ~ 16
    clipped = float(losses.binary_cross_entropy(labels, tf.sigmoid(tf.constant(logits))))
    assert 15.5 < clipped < 16.5
    # confidently *right* is fine for both: loss ~ 0
    assert float(losses.binary_cross_entropy_from_logits([[1.0]], [[100.0]])) == pytest.approx(
        0.0, abs=1e-12)


def test_logits_version_has_the_right_gradient_where_the_naive_one_breaks():
    labels = tf.constant([[0.0], [1.0], [1.0]])
    logits = tf.Variable([[100.0], [-100.0], [0.5]])
    with tf.GradientTape(persistent=True) as tape:
        stable = losses.binary_cross_entropy_from_logits(labels, logits)
        naive = _naive_bce_from_logits(labels.numpy(), logits)
        clipped = losses.binary_cross_entropy(labels, tf.sigmoid(logits))
    g_stable = tape.gradient(stable, logits).numpy()
    # d/dl of the mean BCE is (sigmoid(l) - y) / n
    expected = (1 / (1 + np.exp(-np.array([[100.0], [-100.0], [0.5]]))) - [[0], [1], [1]]) / 3
    np.testing.assert_allclose(g_stable, expected, rtol=1e-5, atol=1e-7)
    assert np.isnan(tape.gradient(naive, logits).numpy()[:2]).all()
    g_clipped = tape.gradient(clipped, logits).numpy()
    assert g_clipped[0, 0] == 0.0 and g_clipped[1, 0] == 0.0   # clip: no signal to learn from


def test_minimax_generator_loss_saturates_and_non_saturating_does_not():
    fake = tf.Variable([[-8.0]])    # the discriminator confidently rejects the fake
    with tf.GradientTape(persistent=True) as tape:
        mm = losses.generator_loss_minimax(fake)
        ns = losses.generator_loss_non_saturating(fake)
    g_mm = float(tape.gradient(mm, fake)[0, 0])
    g_ns = float(tape.gradient(ns, fake)[0, 0])
    assert g_mm == pytest.approx(-1 / (1 + math.exp(8)), rel=1e-4)     # -sigmoid(l): tiny
    assert g_ns == pytest.approx(-1 / (1 + math.exp(-8)), rel=1e-4)    # sigmoid(l) - 1: ~ -1
    assert abs(g_ns) > 1000 * abs(g_mm)
