"""The VAE of chapter 6 and its helpers, checked against NumPy and hand-computed values;
and course_lib.cost's FLOP and parameter counts against hand-computed constants."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import course_lib as cl
from course_lib import vae as V

RNG = np.random.default_rng(0)


# ----------------------------------------------------------------------------- KL term
def test_kl_of_the_prior_is_zero():
    z = np.zeros((3, 5), np.float32)
    np.testing.assert_allclose(V.kl_divergence_normal(z, z).numpy(), np.zeros(3), atol=1e-7)
    np.testing.assert_allclose(V.np_kl_divergence_normal(z, z), np.zeros(3), atol=1e-12)


def test_kl_known_values():
    # one dimension, mu = 1, sigma = 1: KL = mu^2 / 2 = 0.5
    assert V.np_kl_divergence_normal([[1.0]], [[0.0]])[0] == pytest.approx(0.5)
    # mu = 0, sigma^2 = e: KL = -1/2 (1 + 1 - e) = (e - 2) / 2; summed over 4 dims
    val = V.kl_divergence_normal(np.zeros((1, 4)), np.ones((1, 4))).numpy()[0]
    assert val == pytest.approx(4 * (np.e - 2) / 2, rel=1e-6)


def test_kl_matches_numpy_twin_and_the_general_formula():
    mu = RNG.normal(size=(6, 8)).astype(np.float32)
    log_var = RNG.normal(scale=0.7, size=(6, 8)).astype(np.float32)
    tf_kl = V.kl_divergence_normal(mu, log_var).numpy()
    np_kl = V.np_kl_divergence_normal(mu, log_var)
    np.testing.assert_allclose(tf_kl, np_kl, rtol=1e-5)
    # KL(N(m, s^2) || N(0, 1)) = log(1 / s) + (s^2 + m^2) / 2 - 1/2, per dimension
    s = np.exp(0.5 * log_var.astype(np.float64))
    ref = np.sum(-np.log(s) + (s**2 + mu.astype(np.float64) ** 2) / 2 - 0.5, axis=1)
    np.testing.assert_allclose(np_kl, ref, rtol=1e-10)
    assert tf_kl.shape == (6,) and np.all(tf_kl > 0)


# -------------------------------------------------------------------- reparameterisation
def test_reparameterize_has_the_right_mean_and_std():
    mu = np.full((20000, 2), [1.5, -2.0], np.float32)
    log_var = np.full((20000, 2), [np.log(0.25), np.log(4.0)], np.float32)
    z = V.reparameterize(mu, log_var, seed=3).numpy()
    np.testing.assert_allclose(z.mean(0), [1.5, -2.0], atol=0.05)
    np.testing.assert_allclose(z.std(0), [0.5, 2.0], rtol=0.03)  # std, not variance / log_var


def test_reparameterize_is_seeded_and_differentiable():
    mu = tf.constant(RNG.normal(size=(4, 3)), tf.float32)
    log_var = tf.constant(RNG.normal(size=(4, 3)), tf.float32)
    a = V.reparameterize(mu, log_var, seed=7).numpy()
    b = V.reparameterize(mu, log_var, seed=7).numpy()
    np.testing.assert_array_equal(a, b)
    with tf.GradientTape() as tape:
        tape.watch([mu, log_var])
        total = tf.reduce_sum(V.reparameterize(mu, log_var, seed=7))
    g_mu, g_lv = tape.gradient(total, [mu, log_var])
    np.testing.assert_allclose(g_mu.numpy(), np.ones((4, 3)))  # dz/dmu = 1
    eps = (a - mu.numpy()) / np.exp(0.5 * log_var.numpy())
    np.testing.assert_allclose(g_lv.numpy(), 0.5 * np.exp(0.5 * log_var.numpy()) * eps, rtol=1e-4)


def test_np_reparameterize_with_given_noise():
    eps = np.array([[1.0, -1.0]])
    np.testing.assert_allclose(V.np_reparameterize([[0.0, 1.0]], [[np.log(4.0), 0.0]], eps),
                               [[2.0, 0.0]])


# ------------------------------------------------------------------ reconstruction term
def test_reconstruction_loss_matches_numpy_and_sums_over_pixels():
    x = RNG.uniform(-1, 1, size=(3, 28, 28, 1)).astype(np.float32)
    logits = RNG.normal(size=(3, 28, 28, 1)).astype(np.float32)
    tf_rec = V.bernoulli_reconstruction_loss(x, logits).numpy()
    np.testing.assert_allclose(tf_rec, V.np_bernoulli_reconstruction_loss(x, logits), rtol=1e-5)
    # all-zero logits: every pixel costs log 2, whatever the image
    zero = V.bernoulli_reconstruction_loss(x, np.zeros_like(logits)).numpy()
    np.testing.assert_allclose(zero, np.full(3, 784 * np.log(2.0)), rtol=1e-5)


# ----------------------------------------------------------------------------- the model
@pytest.fixture(scope="module")
def small_vae():
    cl.set_seed(0)
    return V.VAE(latent_dim=4, width=8, seed=0)


def test_vae_is_reached_one_way_and_has_the_expected_shapes(small_vae):
    assert cl.vae.VAE is V.VAE and not hasattr(cl.models, "VAE")   # one class, one name
    x = cl.data.load_cats()[:5]
    mu, log_var = small_vae.encode(x)
    assert mu.shape == (5, 4) and log_var.shape == (5, 4)
    assert small_vae.decoder(mu).shape == (5, 28, 28, 1)
    rec = small_vae.reconstruct(x)
    assert rec.shape == (5, 28, 28, 1) and rec.min() >= -1 and rec.max() <= 1
    assert small_vae(x).shape == (5, 28, 28, 1)
    # the encoder: 3x3 convs 1->8, 8->16, two Dense heads 784->4; the decoder mirrors it
    enc = (9 * 1 * 8 + 8) + (9 * 8 * 16 + 16) + 2 * (7 * 7 * 16 * 4 + 4)
    dec = (4 * 784 + 784) + (9 * 16 * 16 + 16) + (9 * 16 * 8 + 8) + (9 * 8 * 1 + 1)
    assert small_vae.encoder.count_params() == enc
    assert small_vae.decoder.count_params() == dec
    assert small_vae.count_params() == enc + dec


def test_sampling_shape_range_and_seed(small_vae):
    a = small_vae.sample(6, seed=1)
    assert a.shape == (6, 28, 28, 1) and a.dtype == np.float32
    assert a.min() >= -1 and a.max() <= 1
    np.testing.assert_array_equal(a, small_vae.sample(6, seed=1))
    assert not np.allclose(a, small_vae.sample(6, seed=2))
    np.testing.assert_array_equal(small_vae.generate(6, seed=1), a)
    z = cl.training.latent_batch(6, 4, seed=1)
    np.testing.assert_array_equal(small_vae.generate(z=z), a)


def test_fit_decreases_both_terms_and_tracks_them_separately():
    cl.set_seed(0)
    cats = cl.data.load_cats()[:256]
    vae = V.VAE(latent_dim=4, width=8, seed=0)
    vae.compile(optimizer=keras.optimizers.Adam(3e-3))
    before = {k: float(v) for k, v in vae.evaluate(cats, batch_size=128, verbose=0,
                                                   return_dict=True).items()}
    hist = vae.fit(cats, batch_size=32, epochs=5, verbose=0, validation_data=cats[:64]).history
    assert set(hist) == {"loss", "reconstruction_loss", "kl_loss", "val_loss",
                         "val_reconstruction_loss", "val_kl_loss"}
    np.testing.assert_allclose(np.array(hist["loss"]),
                               np.array(hist["reconstruction_loss"]) + np.array(hist["kl_loss"]),
                               rtol=1e-4)
    # an untrained decoder costs about 784 log 2 ~ 543 nats per image; training must beat it
    assert before["reconstruction_loss"] == pytest.approx(784 * np.log(2), rel=0.05)
    assert hist["loss"][-1] < 0.8 * before["loss"]
    assert hist["loss"][-1] < hist["loss"][0]
    assert hist["kl_loss"][-1] > 0.1  # the latent code is used: no posterior collapse


def test_the_noise_is_seeded_and_fresh_every_step():
    x = cl.data.load_cats()[:16]

    def model():
        cl.set_seed(0)
        return V.VAE(latent_dim=2, width=4, seed=5)

    a, b = model(), model()
    first = [float(t) for t in a.compute_losses(x, training=True)]
    assert first == pytest.approx([float(t) for t in b.compute_losses(x, training=True)])
    second = [float(t) for t in a.compute_losses(x, training=True)]
    assert second[1] != pytest.approx(first[1])  # a new eps: another reconstruction loss
    assert second[2] == pytest.approx(first[2])  # the KL does not depend on eps


def test_beta_weights_the_kl_term():
    x = cl.data.load_cats()[:8]
    vae = V.VAE(latent_dim=3, width=4, beta=0.0, seed=0)
    total, rec, kl = (float(t) for t in vae.compute_losses(x))
    assert total == pytest.approx(rec) and kl > 0


@pytest.mark.parametrize("bad, error, match", [
    (np.zeros((4, 784), np.float32), ValueError, "Reshape"),
    (np.full((4, 28, 28, 1), 255.0, np.float32), ValueError, "x / 127.5 - 1"),
    ("cats", TypeError, "numeric"),
])
def test_fit_rejects_bad_images(bad, error, match):
    vae = V.VAE(latent_dim=2, width=4)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    with pytest.raises(error, match=match):
        vae.fit(bad, batch_size=2, epochs=1, verbose=0)


def test_usage_errors_explain_the_fix():
    vae = V.VAE(latent_dim=2, width=4)
    with pytest.raises(ValueError, match="before VAE.compile"):
        vae.fit(cl.data.load_cats()[:8], epochs=1, verbose=0)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    with pytest.raises(ValueError, match="y must be None"):
        vae.fit(cl.data.load_cats()[:8], np.ones(8), epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        vae.decode(np.zeros((3, 5), np.float32))
    with pytest.raises(ValueError, match="latent_dim"):
        V.VAE(latent_dim=0)
    with pytest.raises(ValueError, match="beta"):
        V.VAE(beta=-1.0)


# ------------------------------------------------------------------------------ cost.py
def test_flops_of_a_tiny_model_match_hand_counts():
    model = keras.Sequential([
        keras.Input((8, 8, 3)),
        keras.layers.Conv2D(4, 3, strides=2, padding="same"),        # out 4x4x4
        keras.layers.Conv2DTranspose(2, 3, strides=2, padding="same"),  # in 4x4x4 -> 8x8x2
        keras.layers.Flatten(),
        keras.layers.Dense(5),
    ])
    conv = 2 * 4 * 4 * 3 * 3 * 3 * 4            # 2 * H_out W_out k k C_in C_out = 3456
    convt = 2 * 4 * 4 * 3 * 3 * 4 * 2           # 2 * H_in W_in k k C_in C_out = 2304
    dense = 2 * 128 * 5                         # 1280
    assert [f for _, _, f in cl.cost.flops_by_layer(model)] == [conv, convt, 0, dense]
    assert cl.cost.flops(model) == 3456 + 2304 + 1280
    params = cl.cost.count_params(model)
    assert params == {"trainable": (27 * 4 + 4) + (36 * 2 + 2) + (128 * 5 + 5),
                      "non_trainable": 0, "total": 831}


def test_flops_of_the_article_mlp_and_nested_models():
    g, d = cl.models.mlp_generator(), cl.models.mlp_discriminator()
    assert cl.cost.flops(g) == 2 * (100 * 128 + 128 * 784)
    assert cl.cost.flops(d) == 2 * (784 * 128 + 128 * 1)
    gan = cl.training.GAN(g, d, latent_dim=100)
    assert cl.cost.flops(gan) == cl.cost.flops(g) + cl.cost.flops(d)
    assert cl.cost.training_flops_per_image(gan) == 4 * cl.cost.flops(g) + 9 * cl.cost.flops(d)
    vae = V.VAE(latent_dim=4, width=8)
    assert cl.cost.flops(vae) == cl.cost.flops(vae.encoder) + cl.cost.flops(vae.decoder)
    assert cl.cost.training_flops_per_image(vae) == 3 * cl.cost.flops(vae)
    bn = cl.cost.count_params(cl.models.dcgan_generator(latent_dim=10, width=4))
    assert bn["non_trainable"] == 2 * (7 * 7 * 8) + 2 * 4  # batch-norm moving mean/variance


def test_human_and_epoch_timer():
    assert cl.cost.human(999) == "999"
    assert cl.cost.human(1_234_567, "FLOPs") == "1.23 MFLOPs"
    assert cl.cost.human(3.14e23) == "314 Z"
    timer = cl.cost.EpochTimer()
    with pytest.raises(ValueError, match="No epoch"):
        timer.seconds_per_epoch()
    timer.wall, timer.cpu = [5.0, 1.0, 2.0, 3.0], [9.0, 2.0, 2.0, 2.0]
    assert timer.seconds_per_epoch() == 2.0  # the first (tracing) epoch is left out
    assert timer.seconds_per_epoch("cpu") == 2.0
    with pytest.raises(TypeError):
        cl.cost.flops("not a model")
