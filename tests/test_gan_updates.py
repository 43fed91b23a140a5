"""Which weights move in which half-step: cl.training.GAN, and the article's train_on_batch loop.

Chapter 4 claims that ``GAN.d_step`` updates D only, ``GAN.g_step`` updates G only, and that under
Keras 3 the classic tf.keras 2 freezing recipe (compile D, set ``D.trainable = False``, compile
the combined model) leaves D untouched for good, while the "toggle" recipe of
``cl.article.build_article_gan`` trains both. These tests measure it on tiny models. The
classic-recipe test is a regression test of Keras' behaviour: if a Keras release starts
reading ``trainable`` at compile time again, it fails and chapter 4 must be revised.
"""

import warnings

import keras
import numpy as np
import pytest

import course_lib as cl

LATENT, FEATURES, BATCH = 3, 4, 16


def _tiny_gan(seed=0):
    keras.utils.set_random_seed(seed)
    g = cl.models.vector_generator(latent_dim=LATENT, output_dim=FEATURES, hidden_units=8)
    d = cl.models.vector_discriminator(input_dim=FEATURES, hidden_units=8)
    gan = cl.training.GAN(g, d, latent_dim=LATENT, seed=seed)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(1e-2))
    return gan


def _real(n=BATCH, seed=0):
    return np.random.default_rng(seed).normal(2.0, 0.5, size=(n, FEATURES)).astype(np.float32)


def _changed(before, model):
    return cl.article.max_change(before, model)


def test_d_step_updates_d_only():
    gan = _tiny_gan()
    d0, g0 = cl.article.snapshot(gan.discriminator), cl.article.snapshot(gan.generator)
    d_loss, acc_real, acc_fake = gan.d_step(_real())
    assert _changed(d0, gan.discriminator) > 1e-4
    assert _changed(g0, gan.generator) == 0.0
    assert np.isfinite(float(d_loss)) and 0.0 <= float(acc_real) <= 1.0
    assert 0.0 <= float(acc_fake) <= 1.0


def test_g_step_updates_g_only():
    gan = _tiny_gan()
    d0, g0 = cl.article.snapshot(gan.discriminator), cl.article.snapshot(gan.generator)
    g_loss = gan.g_step(BATCH)
    assert _changed(g0, gan.generator) > 1e-4
    assert _changed(d0, gan.discriminator) == 0.0
    assert np.isfinite(float(g_loss))


def test_train_step_updates_both_and_reports_finite_metrics():
    gan = _tiny_gan()
    d0, g0 = cl.article.snapshot(gan.discriminator), cl.article.snapshot(gan.generator)
    logs = gan.train_step(_real())
    assert _changed(d0, gan.discriminator) > 1e-4
    assert _changed(g0, gan.generator) > 1e-4
    assert set(logs) == {"d_loss", "g_loss", "d_acc_real", "d_acc_fake"}
    assert all(np.isfinite(float(v)) for v in logs.values())


def test_fit_moves_both_networks_and_the_discriminator_learns():
    gan = _tiny_gan(1)
    real = _real(256, seed=1)
    d0, g0 = cl.article.snapshot(gan.discriminator), cl.article.snapshot(gan.generator)
    history = gan.fit(real, batch_size=32, epochs=3, verbose=0)
    assert _changed(d0, gan.discriminator) > 1e-3 and _changed(g0, gan.generator) > 1e-3
    assert history.history["d_acc_real"][-1] > 0.5  # real data at mean 2 is easy to spot


# ------------------------------------------------------------------ the article's loop
def _article(freeze, seed=0):
    keras.utils.set_random_seed(seed)
    g = cl.models.vector_generator(latent_dim=LATENT, output_dim=FEATURES, hidden_units=8)
    d = cl.models.vector_discriminator(input_dim=FEATURES, hidden_units=8)
    return cl.article.build_article_gan(latent_dim=LATENT, freeze=freeze, generator=g,
                                        discriminator=d, learning_rate=1e-2)


def _half_steps(gan, steps=3):
    """Run D and G half-steps; return the largest change of D and G in each kind of half-step."""
    moved = {"D in D-step": 0.0, "G in D-step": 0.0, "D in G-step": 0.0, "G in G-step": 0.0}
    rng = np.random.default_rng(0)
    for i in range(steps):
        noise = rng.standard_normal((BATCH, LATENT)).astype(np.float32)
        changes = cl.article.half_step_changes(gan, _real(seed=i), noise)
        assert set(changes) == set(moved)
        moved = {k: max(v, changes[k]) for k, v in moved.items()}
    return moved


def test_half_step_changes_wants_an_article_gan():
    with pytest.raises(TypeError, match="build_article_gan"):
        cl.article.half_step_changes(object(), _real(), np.zeros((BATCH, LATENT), np.float32))


@pytest.fixture(scope="module")
def toggle_gan():
    """One repaired article GAN shared by the tests below (tracing its train functions is the
    slow part); each test's assertions hold whatever the others did to it before."""
    return _article("toggle")


def test_toggle_recipe_trains_d_in_its_half_step_and_g_in_the_other(toggle_gan):
    moved = _half_steps(toggle_gan, steps=2)
    assert moved["D in D-step"] > 1e-4 and moved["G in G-step"] > 1e-4
    assert moved["G in D-step"] == 0.0 and moved["D in G-step"] == 0.0


def test_classic_tf_keras2_recipe_never_trains_d_under_keras3():
    gan = _article("classic")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        moved = _half_steps(gan, steps=2)
    assert moved["D in D-step"] == 0.0 and moved["D in G-step"] == 0.0  # exactly frozen
    assert moved["G in G-step"] > 1e-4  # ... while G trains against a D that never learns
    assert any("does not have any trainable weights" in str(w.message) for w in caught)


def test_article_never_freezes_d_so_the_generator_step_trains_it():
    moved = _half_steps(_article("never"), steps=1)
    assert moved["D in G-step"] > 1e-4


def test_toggle_recipe_survives_a_retrace(toggle_gan):
    """A new batch size retraces the train functions; the toggled flag is right every time."""
    gan = toggle_gan
    real, noise = _real(5), np.zeros((5, LATENT), np.float32)
    d0 = cl.article.snapshot(gan.discriminator)
    cl.article.d_half_step(gan, real, np.asarray(gan.generator(noise)))
    assert _changed(d0, gan.discriminator) > 1e-4
    d0 = cl.article.snapshot(gan.discriminator)
    cl.article.g_half_step(gan, noise)
    assert _changed(d0, gan.discriminator) == 0.0


def test_train_on_batch_epoch_uses_batches_and_returns_means(toggle_gan):
    gan = toggle_gan
    logs = cl.article.train_on_batch_epoch(gan, _real(50), batch_size=16, sample_with="call")
    assert set(logs) == {"d_loss_real", "d_loss_fake", "d_loss", "g_loss", "d_acc_real",
                         "d_acc_fake"}
    assert all(np.isfinite(v) for v in logs.values())
    assert logs["d_loss"] == pytest.approx(logs["d_loss_real"] + logs["d_loss_fake"])


def test_train_on_batch_epoch_rejects_data_that_does_not_fit(toggle_gan):
    gan = toggle_gan
    with pytest.raises(ValueError, match="discriminator expects"):
        cl.article.train_on_batch_epoch(gan, np.zeros((32, FEATURES + 1), np.float32), 16)
    with pytest.raises(ValueError, match="larger than the 8"):
        cl.article.train_on_batch_epoch(gan, _real(8), batch_size=16)
    with pytest.raises(ValueError, match="sample_with"):
        cl.article.train_on_batch_step(gan, _real(4), np.zeros((4, LATENT), np.float32),
                                       sample_with="predict_on_batch")


def test_build_article_gan_rejects_unknown_recipe_and_mismatched_models():
    with pytest.raises(ValueError, match="freeze must be one of"):
        cl.article.build_article_gan(freeze="sometimes")
    g = cl.models.vector_generator(latent_dim=LATENT, output_dim=FEATURES)
    d = cl.models.vector_discriminator(input_dim=FEATURES + 1)
    with pytest.raises(ValueError, match="generator emits samples of shape"):
        cl.article.build_article_gan(latent_dim=LATENT, generator=g, discriminator=d)


def test_default_article_gan_is_the_repaired_mlp():
    gan = cl.article.build_article_gan()
    assert gan.combined.input_shape == (None, 100)
    assert gan.combined.output_shape == (None, 1)
    assert gan.generator.output_shape == (None, 28, 28, 1)
    assert cl.validation.output_range(gan.generator) == (-1.0, 1.0)
    combined_ids = {id(w) for w in gan.combined.weights}
    assert {id(w) for w in gan.generator.weights + gan.discriminator.weights} == combined_ids


def test_setting_the_flag_only_once_breaks_at_the_first_retrace():
    """'Trace D while trainable, then freeze for good' works until a new batch size retraces D's
    train function: the retrace sees trainable=False and D stops learning on those batches."""
    gan = _article("never")  # no automatic toggling: we set the flag by hand
    d = gan.discriminator
    d.trainable = True
    d.train_on_batch(_real(), np.ones((BATCH, 1)))
    d.trainable = False
    gan.combined.train_on_batch(np.zeros((BATCH, LATENT), np.float32), np.ones((BATCH, 1)))
    d0 = cl.article.snapshot(d)
    d.train_on_batch(_real(), np.ones((BATCH, 1)))  # the function traced while trainable
    assert _changed(d0, d) > 1e-4
    d0 = cl.article.snapshot(d)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d.train_on_batch(_real(5), np.ones((5, 1)))  # new batch size: retraced, flag False
    assert _changed(d0, d) == 0.0
