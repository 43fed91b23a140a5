"""The diffusion model of chapter 7: schedules, the forward process, the samplers, training."""

import math

import numpy as np
import pytest
import tensorflow as tf

import course_lib as cl
from course_lib import diffusion as D
from course_lib.training import TrainingDivergedError

T = 20  # a short schedule keeps the samplers fast


def _tiny(seed=0, **kw):
    opts = {"width": 4, "timesteps": T, "sample_steps": 5, "ema_decay": 0.9, **kw}
    return D.build_diffusion(seed=seed, learning_rate=1e-3, **opts)


@pytest.fixture(scope="module")
def cats():
    return cl.data.load_cats()[:64]


def _weights(model):
    return [w.numpy() for w in model.network.weights + model.ema_network.weights]


def _train(model, cats, epochs, start=0):
    ds = cl.data.as_dataset(cats, 32, seed=0, epochs=epochs, start_epoch=start)
    model.fit(ds, epochs=epochs, initial_epoch=start, steps_per_epoch=2, verbose=0)


# ------------------------------------------------------------------ schedules
@pytest.mark.parametrize("make", [D.cosine_schedule, D.linear_schedule])
def test_alpha_bar_is_the_running_product_of_one_minus_beta_and_falls_to_near_zero(make):
    s = make(1000)
    assert s.timesteps == 1000 and s.betas.shape == (1000,)
    np.testing.assert_allclose(s.alpha_bars, np.cumprod(1.0 - s.betas), rtol=1e-12)
    assert np.all(np.diff(s.alpha_bars) < 0), "abar must fall at every step"
    assert 0.99 < s.alpha_bars[0] < 1.0 and s.alpha_bars[-1] < 1e-3
    assert np.all((s.betas > 0) & (s.betas <= 0.999))


def test_cosine_schedule_follows_its_closed_form():
    s = D.cosine_schedule(1000)

    def f(t):
        return math.cos((t / 1000 + 0.008) / 1.008 * math.pi / 2) ** 2

    for t in (1, 100, 500, 900):  # index t - 1 is the paper's step t
        assert s.alpha_bars[t - 1] == pytest.approx(f(t) / f(0), rel=1e-9)
    assert s.alpha_bars[499] == pytest.approx(0.49394, abs=1e-4)


def test_linear_schedule_ends_are_ho_et_al_and_scale_with_T():
    s = D.linear_schedule(1000)
    assert s.betas[0] == pytest.approx(1e-4) and s.betas[-1] == pytest.approx(0.02)
    np.testing.assert_allclose(np.diff(s.betas), np.diff(s.betas)[0], rtol=1e-9)
    short = D.linear_schedule(100)
    assert short.betas[0] == pytest.approx(1e-3) and short.betas[-1] == pytest.approx(0.2)


# ------------------------------------------------------------------ the forward process
def test_q_sample_is_the_closed_form_and_has_its_mean_and_variance():
    s = D.cosine_schedule(1000)
    rng = np.random.default_rng(0)
    x0 = np.full((4000, 28, 28, 1), 0.5, np.float32)
    eps = rng.standard_normal(x0.shape).astype(np.float32)
    t = np.full(4000, 300)
    x_t = np.asarray(D.q_sample(x0, t, eps, s))
    abar = s.alpha_bars[300]
    np.testing.assert_allclose(x_t, np.sqrt(abar) * x0 + np.sqrt(1 - abar) * eps, atol=1e-5)
    assert x_t.mean() == pytest.approx(0.5 * math.sqrt(abar), abs=2e-3)
    assert x_t.std() == pytest.approx(math.sqrt(1 - abar), rel=2e-3)


def test_q_sample_uses_each_images_own_step():
    s = D.linear_schedule(T)
    x0 = np.ones((2, 28, 28, 1), np.float32)
    x_t = np.asarray(D.q_sample(x0, np.array([0, T - 1]), np.zeros_like(x0), s))
    np.testing.assert_allclose(x_t[:, 0, 0, 0], np.sqrt(s.alpha_bars[[0, T - 1]]), rtol=1e-6)


# ------------------------------------------------------------------ the reverse steps
def _oracle(x0):
    """The noise a perfect network would predict when the data is the single image x0."""
    def eps(x_t, abar):
        return (x_t - math.sqrt(abar) * x0) / math.sqrt(1 - abar)
    return eps


@pytest.mark.parametrize("steps", [T, 3, 1])
def test_ddim_with_a_perfect_noise_oracle_recovers_the_single_data_point(steps):
    s = D.cosine_schedule(T)
    x0 = np.linspace(-1, 1, 784, dtype=np.float32).reshape(1, 28, 28, 1)
    eps_of = _oracle(x0)
    x = np.random.default_rng(1).standard_normal(x0.shape).astype(np.float32)
    ts = D.ddim_timesteps(T, steps)
    assert len(ts) == steps and ts[0] == T - 1 and (ts[-1] == 0 or steps == 1)
    assert np.all(np.diff(ts) < 0)
    for i, t in enumerate(ts):
        prev = s.alpha_bars[ts[i + 1]] if i + 1 < len(ts) else 1.0
        x = np.asarray(D.ddim_step(x, eps_of(x, s.alpha_bars[t]), s.alpha_bars[t], prev))
    np.testing.assert_allclose(x, x0, atol=1e-4)


def test_ddim_step_keeps_the_predicted_noise_and_adds_none():
    x_t = np.full((1, 28, 28, 1), 0.3, np.float32)
    eps = np.full_like(x_t, -0.7)
    a_t, a_prev = 0.4, 0.9
    x0 = (0.3 - math.sqrt(0.6) * -0.7) / math.sqrt(0.4)
    want = math.sqrt(a_prev) * x0 + math.sqrt(1 - a_prev) * -0.7
    got = np.asarray(D.ddim_step(x_t, eps, a_t, a_prev))
    np.testing.assert_allclose(got, want, rtol=1e-5)
    np.testing.assert_array_equal(got, np.asarray(D.ddim_step(x_t, eps, a_t, a_prev)))


def test_ddpm_step_is_the_forward_posterior_mean_plus_its_variance():
    s = D.linear_schedule(T)
    x0 = np.full((1, 28, 28, 1), 0.5, np.float32)
    t = 7
    x_t = np.asarray(D.q_sample(x0, [t], np.ones_like(x0), s))
    eps = _oracle(x0)(x_t, s.alpha_bars[t])
    b, a, a_prev = s.betas[t], s.alpha_bars[t], s.alpha_bars[t - 1]
    mean = (math.sqrt(a_prev) * b * 0.5 + math.sqrt(1 - b) * (1 - a_prev) * x_t) / (1 - a)
    var = (1 - a_prev) / (1 - a) * b
    noise = np.full_like(x0, 2.0)
    got = np.asarray(D.ddpm_step(x_t, eps, t, s, noise))
    np.testing.assert_allclose(got, mean + math.sqrt(var) * 2.0, rtol=1e-4)
    last = np.asarray(D.ddpm_step(np.asarray(D.q_sample(x0, [0], noise, s)), noise, 0, s, noise))
    np.testing.assert_allclose(last, x0, atol=1e-4)  # t = 0: the mean, no noise


# ------------------------------------------------------------------ the network and the model
def test_unet_maps_images_and_steps_to_noise_of_the_same_shape_starting_at_zero():
    net = D.unet(width=4)
    out = net([np.zeros((3, 28, 28, 1), np.float32), np.array([0, 5, 9])])
    assert tuple(out.shape) == (3, 28, 28, 1)
    np.testing.assert_array_equal(np.asarray(out), 0.0)  # the last convolution starts at 0


def test_sinusoidal_embedding_separates_steps():
    emb = np.asarray(D.SinusoidalEmbedding(16)(tf.constant([0, 1, 500])))
    assert emb.shape == (3, 16)
    np.testing.assert_allclose(emb[0], [0.0] * 8 + [1.0] * 8, atol=1e-7)
    assert np.linalg.norm(emb[2] - emb[0]) > np.linalg.norm(emb[1] - emb[0])


def test_model_counts_the_trainable_network_once_and_builds_its_optimizer():
    m = _tiny()
    assert m.count_params() == m.network.count_params() > 0
    assert m.optimizer.built
    assert set(m.checkpoint_items()) == {"network", "ema_network", "optimizer", "seed_state"}


@pytest.mark.parametrize("sampler", ["ddim", "ddpm"])
def test_samples_have_the_protocols_shape_range_and_depend_only_on_the_seed(sampler):
    m = _tiny(sampler=sampler)
    a = m.generate(7, seed=3)
    assert a.shape == (7, 28, 28, 1) and a.dtype == np.float32
    assert a.min() >= -1.0 and a.max() <= 1.0
    np.testing.assert_array_equal(a, m.generate(7, seed=3))
    assert not np.array_equal(a, m.generate(7, seed=4))
    if sampler == "ddim":  # deterministic given x_T: the batching does not matter
        np.testing.assert_array_equal(m.sample(7, seed=3, batch_size=3), a)
        np.testing.assert_array_equal(m.sample(2, seed=3), a[:2])


def test_same_seed_gives_the_same_initial_weights_and_another_seed_does_not():
    # that training is seeded too is the resume test's straight run against the resumed one
    a, b, c = _tiny(0), _tiny(0), _tiny(1)
    for w, v in zip(_weights(a), _weights(b), strict=True):
        np.testing.assert_array_equal(w, v)
    assert any(not np.array_equal(w, v) for w, v in zip(_weights(a), _weights(c), strict=True))


def test_training_lowers_the_loss_and_moves_the_ema_towards_the_weights(cats):
    m = _tiny()
    ds = cl.data.as_dataset(cats, 32, seed=0, epochs=15)
    hist = m.fit(ds, epochs=15, steps_per_epoch=2, verbose=0,
                 callbacks=[cl.training.ProgressBar(leave=False)])
    loss = hist.history["loss"]
    assert loss[-1] < loss[0] and all(np.isfinite(loss))
    w, e = m.network.get_weights(), m.ema_network.get_weights()
    assert any(not np.array_equal(x, y) for x, y in zip(w, e, strict=True))


def test_resuming_from_a_checkpoint_continues_exactly_as_a_straight_run(cats, tmp_path):
    straight = _tiny()
    _train(straight, cats, 2)
    first = _tiny()
    _train(first, cats, 1)
    path = tf.train.Checkpoint(**first.checkpoint_items()).write(str(tmp_path / "ckpt"))
    resumed = _tiny()
    tf.train.Checkpoint(**resumed.checkpoint_items()).read(path).assert_consumed()
    _train(resumed, cats, 2, start=1)
    assert int(resumed.optimizer.iterations) == int(straight.optimizer.iterations) == 4
    for w, v in zip(_weights(straight), _weights(resumed), strict=True):
        np.testing.assert_array_equal(w, v)


def test_a_non_finite_weight_stops_training_with_training_diverged_error(cats):
    m = _tiny()
    w = m.network.trainable_weights[0]
    w.assign(np.full(w.shape, np.nan, np.float32))
    with pytest.raises(TrainingDivergedError, match="learning rate"):
        _train(m, cats, 3)
    assert int(m.optimizer.iterations) == 1  # stopped at the first bad batch


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(("call", "error", "words"), [
    (lambda: D.cosine_schedule(0), ValueError, "timesteps must be >= 1"),
    (lambda: D.linear_schedule(2.5), TypeError, "timesteps must be an int"),
    (lambda: D.ddim_timesteps(10, 0), ValueError, "between 1 and"),
    (lambda: D.ddim_timesteps(10, 11), ValueError, "between 1 and"),
    (lambda: D.Diffusion(width=4, timesteps=10, schedule="quadratic"), ValueError, "cosine"),
    (lambda: D.Diffusion(width=4, timesteps=10, sample_steps=0), ValueError, "sample_steps"),
    (lambda: D.Diffusion(width=4, timesteps=10, ema_decay=1.0), ValueError, "ema_decay"),
    (lambda: D.Diffusion(width=4, timesteps=10, sampler="euler"), ValueError, "ddim"),
    (lambda: D.q_sample(np.zeros((2, 28, 28, 1)), [0, 1], np.zeros((2, 28, 28)),
                        D.cosine_schedule(10)), ValueError, "must match"),
    (lambda: D.q_sample(np.zeros((2, 28, 28, 1)), [0, 10], np.zeros((2, 28, 28, 1)),
                        D.cosine_schedule(10)), ValueError, "0 .. 9"),
    (lambda: D.q_sample(np.zeros((2, 28, 28, 1)), [0.5, 1.0], np.zeros((2, 28, 28, 1)),
                        D.cosine_schedule(10)), TypeError, "integer steps"),
    (lambda: D.q_sample(np.zeros((2, 28, 28, 1)), [0], np.zeros((2, 28, 28, 1)),
                        D.cosine_schedule(10)), ValueError, "one step per image"),
    (lambda: D.q_sample(np.zeros((1, 28, 28, 1)), [0], np.zeros((1, 28, 28, 1)), "cosine"),
     TypeError, "cosine_schedule"),
])
def test_bad_arguments_raise_errors_that_say_how_to_fix_them(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_bad_fit_and_sample_arguments_are_refused():
    m = _tiny()
    with pytest.raises(ValueError, match="127.5"):
        m.fit(np.full((8, 28, 28, 1), 200.0, np.float32), batch_size=4, verbose=0)
    with pytest.raises(ValueError, match="Reshape"):
        m.fit(np.zeros((8, 784), np.float32), batch_size=4, verbose=0)
    raw = tf.data.Dataset.from_tensor_slices(np.full((8, 28, 28, 1), 255.0, np.float32)).batch(4)
    with pytest.raises(ValueError, match="127.5"):
        m.fit(raw, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="n must be >= 1"):
        m.generate(0)
    with pytest.raises(ValueError, match="between 1 and"):
        m.sample(2, steps=T + 1)
    with pytest.raises(TypeError, match="keras optimizer"):
        m.compile(optimizer="adam")
