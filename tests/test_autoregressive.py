"""Chapter 7's autoregressive model: p(x) = prod_i p(x_i | x_<i) with a masked PixelCNN.

Tiny models (a few hundred weights) so that every test takes seconds.
"""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

import course_lib as cl
from course_lib import autoregressive as ar


def tiny(levels=3, seed=1, **kw) -> ar.PixelCNN:
    model = ar.PixelCNN(width=kw.pop("width", 6), depth=kw.pop("depth", 2), levels=levels,
                        seed=seed, flip=kw.pop("flip", False))
    model.compile(optimizer=keras.optimizers.Adam(kw.pop("learning_rate", 1e-2)))
    return model


def on_levels(model, n, seed=0) -> np.ndarray:
    k = np.random.default_rng(seed).integers(0, model.levels, size=(n, 28, 28, 1))
    return model.level_values[k]


def direct_nll(model, x) -> np.ndarray:
    """-log p(x) per image by the chain rule, one pixel at a time: pixel i's distribution is
    read from an input whose pixels i, i+1, ... are replaced by noise (they must not matter)."""
    noise = on_levels(model, 1, seed=99)[0].reshape(784)
    out = []
    for img in x.reshape(len(x), 784):
        prefix = np.tril(np.ones((784, 784), dtype=bool), k=-1)  # row i: pixels before i
        batch = np.where(prefix, img[None], noise[None]).reshape(784, 28, 28, 1)
        logits = np.concatenate([np.asarray(model(batch[i:i + 196]))
                                 for i in range(0, 784, 196)])
        at_i = logits.reshape(784, 784, -1)[np.arange(784), np.arange(784)]
        logp = at_i - np.log(np.exp(at_i).sum(-1, keepdims=True))
        k = np.round((img + 1) / 2 * (model.levels - 1)).astype(int)
        out.append(-logp[np.arange(784), k].sum())
    return np.array(out)


# ------------------------------------------------------------------------------ the mask
def test_causal_mask_a_hides_the_centre_and_b_keeps_it():
    np.testing.assert_array_equal(ar.causal_mask(3, "A"), [[1, 1, 1], [1, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(ar.causal_mask(3, "B"), [[1, 1, 1], [1, 1, 0], [0, 0, 0]])
    m7 = ar.causal_mask(7, "A")
    assert m7.sum() == 3 * 7 + 3 and m7[3, 3] == 0 and m7[4:].sum() == 0


@pytest.mark.parametrize("j", [0, 27, 28 * 14 + 13, 783])
def test_changing_pixel_j_changes_no_logit_at_or_before_j(j):
    model = tiny(seed=2)
    x = on_levels(model, 1, seed=3)
    changed = x.copy().reshape(784)
    changed[j] = -1.0 if changed[j] > -1.0 else 1.0
    before = np.asarray(model(x)).reshape(784, -1)
    after = np.asarray(model(changed.reshape(1, 28, 28, 1))).reshape(784, -1)
    np.testing.assert_array_equal(after[: j + 1], before[: j + 1])  # x_j is hidden from j too
    if j < 783:  # and the change is seen later: the mask does not hide everything
        assert np.abs(after[j + 1:] - before[j + 1:]).max() > 1e-6


# ------------------------------------------------------------------------------ shapes
def test_logits_have_one_distribution_per_pixel():
    model = tiny(levels=4)
    assert model(on_levels(model, 2)).shape == (2, 28, 28, 4)
    np.testing.assert_allclose(model.level_values, [-1, -1 / 3, 1 / 3, 1], atol=1e-6)


def test_quantise_puts_pixels_on_the_levels_and_binarises_at_zero():
    model = tiny(levels=2)
    x = np.array([-1.0, -0.2, 0.3, 1.0] * 196, dtype=np.float32).reshape(1, 28, 28, 1)
    np.testing.assert_array_equal(model.quantise(x).reshape(-1)[:4], [-1, -1, 1, 1])


def test_generate_returns_images_on_the_levels():
    model = tiny(levels=3)
    x = model.generate(3, seed=0)
    assert x.shape == (3, 28, 28, 1) and x.dtype == np.float32
    assert set(np.unique(x)) <= set(model.level_values.tolist())


# ------------------------------------------------------------------------------ likelihood
def test_log_prob_equals_the_chain_rule_computed_pixel_by_pixel():
    model = tiny(levels=3, width=4, depth=1)
    x = on_levels(model, 2, seed=5)
    np.testing.assert_allclose(-model.log_prob(x), direct_nll(model, x), rtol=1e-4)


def test_the_training_loss_is_minus_log_p_per_pixel_before_the_step():
    model = tiny(levels=2)
    x = model.quantise(cl.data.load_cats()[:8])
    expected = float(np.mean(-model.log_prob(x)) / 784)
    history = model.fit(x, batch_size=8, epochs=1, verbose=0, shuffle=False)
    assert history.history["loss"][0] == pytest.approx(expected, rel=1e-4)
    assert history.history["bits_per_pixel"][0] == pytest.approx(expected / math.log(2), rel=1e-4)


def test_sampling_draws_each_pixel_from_its_conditional():
    """Re-score the samples with one teacher-forced pass and redraw each pixel with the
    sampler's random numbers: every pixel comes out the same, so the fast sampler used
    exactly the conditionals p(x_i | x_<i) that training and log_prob use."""
    model = tiny(levels=3, seed=4)
    rng = np.random.default_rng(0)
    model.position.assign(rng.normal(size=model.position.shape).astype(np.float32))
    x = model.generate(5, seed=7)
    k = np.round((x + 1) * 1.0).astype(int).reshape(5, 784)
    logits = np.asarray(model(x)).reshape(5, 784, 3)
    seed = tf.constant([7, 0], tf.int32)
    redrawn = np.stack([
        tf.random.stateless_categorical(logits[:, t], 1,
                                        seed=tf.random.experimental.stateless_fold_in(seed, t))[:, 0]
        for t in range(784)], axis=1)
    np.testing.assert_array_equal(redrawn, k)


def test_temperature_sharpens_the_draws_and_is_checked():
    model = _fixed_distribution(2, [0.3, 0.7])
    model.temperature = 0.05  # nearly greedy: every pixel takes the likelier level
    assert np.mean(model.generate(2, seed=0) == 1.0) > 0.99
    model.temperature = 0.0
    with pytest.raises(ValueError, match="temperature"):
        model.generate(1)


def _fixed_distribution(levels, probs) -> ar.PixelCNN:
    """A PixelCNN whose every pixel is independently ``probs`` (the logits ignore the input)."""
    model = tiny(levels=levels)
    model.out.kernel.assign(np.zeros(model.out.kernel.shape, np.float32))
    model.out.bias.assign(np.log(np.asarray(probs, np.float32)))
    return model


def test_bits_per_pixel_of_a_known_distribution():
    p = np.array([0.7, 0.2, 0.1])
    model = _fixed_distribution(3, p)
    x = on_levels(model, 4, seed=1)
    counts = np.stack([(x == v).sum() for v in model.level_values])
    expected = -(counts * np.log2(p)).sum() / (4 * 784)
    assert ar.bits_per_pixel(model, x) == pytest.approx(expected, rel=1e-5)
    uniform = _fixed_distribution(4, [0.25] * 4)
    assert ar.bits_per_pixel(uniform, on_levels(uniform, 2)) == pytest.approx(2.0, rel=1e-6)


def test_nats_to_bits_per_pixel_divides_by_pixels_times_ln2():
    assert ar.nats_to_bits_per_pixel([784 * math.log(2), 3 * 784 * math.log(2)]) == \
        pytest.approx(2.0)


def test_vae_bits_per_pixel_is_its_negative_elbo_on_binary_images():
    vae = cl.vae.VAE(latent_dim=2, width=4, seed=0)
    x = np.where(cl.data.load_cats()[:4] > 0, 1.0, -1.0).astype(np.float32)
    mu, log_var = vae.encoder(x)
    z = cl.vae.reparameterize(mu, log_var, seed=3)
    nelbo = (cl.vae.bernoulli_reconstruction_loss(x, vae.decoder(z))
             + cl.vae.kl_divergence_normal(mu, log_var))
    expected = float(np.mean(nelbo)) / (784 * math.log(2))
    assert ar.vae_bits_per_pixel(vae, x, seed=3) == pytest.approx(expected, rel=1e-5)


# ------------------------------------------------------------------------------ determinism
def test_same_seed_same_weights_and_same_samples():
    a, b = tiny(seed=3), tiny(seed=3)
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)
    np.testing.assert_array_equal(a.generate(2, seed=5), b.generate(2, seed=5))
    assert not np.array_equal(a.generate(2, seed=5), a.generate(2, seed=6))
    assert not np.array_equal(a.first.kernel.numpy(), tiny(seed=4).first.kernel.numpy())


def test_factory_builds_a_compiled_model_from_the_defaults():
    model = ar.build_autoregressive(seed=0, width=8, depth=1)
    assert model.optimizer.built and model.width == 8
    assert model.levels == 4 and model.depth == 1 and model.flip
    assert float(model.optimizer.learning_rate) == pytest.approx(ar.DEFAULTS["learning_rate"])


def _train(model, cats, start, stop):
    ds = cl.data.as_dataset(cats, 8, seed=0, epochs=stop, start_epoch=start)
    model.fit(ds, epochs=stop, initial_epoch=start, steps_per_epoch=2, verbose=0)


def test_resume_from_checkpoint_items_is_exact(tmp_path):
    cats = cl.data.load_cats()[:16]
    straight = tiny(seed=5, flip=True)  # the flips draw random numbers: their state is saved
    _train(straight, cats, 0, 2)
    first = tiny(seed=5, flip=True)
    _train(first, cats, 0, 1)
    path = tf.train.Checkpoint(**first.checkpoint_items()).write(str(tmp_path / "ar"))
    resumed = tiny(seed=9, flip=True)  # other weights and seeds: the checkpoint replaces all
    tf.train.Checkpoint(**resumed.checkpoint_items()).read(path).assert_consumed()
    _train(resumed, cats, 1, 2)
    for a, b in zip(straight.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(straight.optimizer.variables, resumed.optimizer.variables, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


# ------------------------------------------------------------------------------ training
def test_fit_works_with_the_progress_bar_and_lowers_the_loss():
    model = tiny(levels=2, learning_rate=3e-2)
    cats = cl.data.load_cats()[:64]
    h = model.fit(cats, batch_size=16, epochs=3, verbose=0, shuffle=False,
                  callbacks=[cl.training.ProgressBar(leave=False)])
    assert h.history["loss"][-1] < h.history["loss"][0]


def test_a_nan_loss_raises_training_diverged():
    model = tiny()
    model.out.bias.assign(np.full(model.out.bias.shape, np.nan, np.float32))
    with pytest.raises(cl.training.TrainingDivergedError, match="lower the learning rate"):
        model.fit(cl.data.load_cats()[:8], batch_size=4, epochs=2, verbose=0)
    assert model.diverged_at == (0, 0)


def test_a_dataset_with_nan_is_refused_before_training():
    bad = np.full((8, 28, 28, 1), np.nan, np.float32)
    with pytest.raises(ValueError, match="NaN"):
        tiny().fit(tf.data.Dataset.from_tensor_slices(bad).batch(4), epochs=1, verbose=0)


# ------------------------------------------------------------------------------ errors
def test_bad_arguments_say_how_to_fix_them():
    model = tiny(levels=2)
    cats = cl.data.load_cats()[:4]
    with pytest.raises(ValueError, match="Reshape it"):
        model.fit(cats.reshape(4, 28, 28), epochs=1)
    with pytest.raises(ValueError, match="127.5"):
        model.fit((cats + 1) * 127.5, epochs=1)
    with pytest.raises(ValueError, match="quantise"):
        model.log_prob(cats)  # grey edge pixels are not on the two levels
    with pytest.raises(ValueError, match="binarise"):
        ar.vae_bits_per_pixel(cl.vae.VAE(latent_dim=2, width=4), cats)
    with pytest.raises(ValueError, match=">= 1"):
        model.generate(0)
    with pytest.raises(TypeError, match="int"):
        model.generate(2.5)
    with pytest.raises(ValueError, match=">= 1"):
        model.fit(cats, epochs=0)
    with pytest.raises(ValueError, match="y must be None"):
        model.fit(cats, cats, epochs=1)
    with pytest.raises(TypeError, match="PixelCNN"):
        ar.bits_per_pixel(cl.vae.VAE(latent_dim=2, width=4), cats)


def test_bad_model_settings_are_refused():
    with pytest.raises(ValueError, match=">= 2"):
        ar.PixelCNN(levels=1)
    with pytest.raises(ValueError, match="at most 256"):
        ar.PixelCNN(levels=300)
    with pytest.raises(ValueError, match="'A' or 'B'"):
        ar.causal_mask(3, "C")
    with pytest.raises(ValueError, match="odd"):
        ar.causal_mask(4)
    with pytest.raises(ValueError, match="learning_rate"):
        ar.build_autoregressive(learning_rate=2.0)
    with pytest.raises(ValueError, match="compile"):
        ar.PixelCNN(width=4, depth=1).fit(cl.data.load_cats()[:4], epochs=1)
