"""The chapter 3 toy world: samplers, D*, densities, mode coverage, and a tiny 1-D GAN."""

import keras
import numpy as np
import pytest

import course_lib as cl
from course_lib import toy


# ---------------------------------------------------------------- samplers
def test_sample_normal_data_shape_dtype_seed_and_moments():
    x = toy.sample_normal_data(20_000, mu=4.0, sigma=1.25, seed=3)
    assert x.shape == (20_000, 1) and x.dtype == np.float32
    np.testing.assert_array_equal(x, toy.sample_normal_data(20_000, 4.0, 1.25, seed=3))
    assert abs(x.mean() - 4.0) < 0.03 and abs(x.std() - 1.25) < 0.03
    with pytest.raises(ValueError, match="standard deviation"):
        toy.sample_normal_data(10, sigma=-1.0)


def test_ring_means_geometry():
    m = toy.ring_means(8, radius=2.0)
    assert m.shape == (8, 2)
    np.testing.assert_allclose(np.linalg.norm(m, axis=1), 2.0)
    np.testing.assert_allclose(m[0], [2.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(m[2], [0.0, 2.0], atol=1e-12)


def test_sample_mixture_1d_and_2d():
    x, lab = toy.sample_mixture(3000, [-4.0, 0.0, 4.0], sigma=0.1, seed=0, return_labels=True)
    assert x.shape == (3000, 1) and x.dtype == np.float32 and lab.shape == (3000,)
    np.testing.assert_allclose(x[:, 0], np.array([-4.0, 0.0, 4.0])[lab], atol=0.6)
    assert set(np.unique(lab)) == {0, 1, 2}
    ring = toy.sample_mixture(800, toy.ring_means(8), sigma=0.05, seed=1)
    assert ring.shape == (800, 2)
    np.testing.assert_allclose(np.linalg.norm(ring, axis=1), 2.0, atol=0.3)
    _, lab = toy.sample_mixture(2000, [0.0, 10.0], weights=[3, 1], seed=2, return_labels=True)
    assert 0.70 < np.mean(lab == 0) < 0.80  # weights are normalised: 3/4
    with pytest.raises(ValueError, match="one per mode"):
        toy.sample_mixture(10, [0.0, 1.0], weights=[1.0])


# ---------------------------------------------------------------- D* and densities
def test_optimal_discriminator_formula():
    x = np.array([0.0, 1.0, 2.0, 3.0])
    p_data = np.array([0.4, 0.2, 0.0, 0.0])
    p_g = np.array([0.1, 0.2, 0.3, 0.0])
    d = toy.optimal_discriminator(x, p_data, p_g)
    np.testing.assert_allclose(d, [0.8, 0.5, 0.0, 0.5])  # 0/0: nobody lands there -> 0.5
    # densities as functions: two Gaussians with equal variance give a logistic D*
    pd = lambda t: cl.distributions.normal_pdf(t, 1.0, 1.0)  # noqa: E731
    pg = lambda t: cl.distributions.normal_pdf(t, -1.0, 1.0)  # noqa: E731
    grid = np.linspace(-3, 3, 7)
    np.testing.assert_allclose(toy.optimal_discriminator(grid, pd, pg), 1 / (1 + np.exp(-2 * grid)))
    with pytest.raises(ValueError, match="one density value per point"):
        toy.optimal_discriminator(x, p_data[:2], p_g)


def test_density_on_grid_estimates_a_normal_density():
    s = toy.sample_normal_data(20_000, 4.0, 1.25, seed=0)
    grid = np.linspace(-2, 10, 241)
    est = toy.density_on_grid(s, grid)
    assert est.shape == grid.shape
    np.testing.assert_allclose(np.trapezoid(est, grid), 1.0, atol=0.01)
    true = cl.distributions.normal_pdf(grid, 4.0, 1.25)
    assert np.max(np.abs(est - true)) < 0.02
    with pytest.raises(ValueError, match="one-dimensional"):
        toy.density_on_grid(np.zeros((10, 2)), grid)


# ---------------------------------------------------------------- mode coverage
def test_mode_coverage_on_constructed_samples():
    means = toy.ring_means(4, 2.0)  # (2,0), (0,2), (-2,0), (0,-2)
    samples = np.array([[2.0, 0.1]] * 50 + [[0.05, 2.0]] * 30 + [[-2.0, 0.0]] * 1
                       + [[0.0, 0.0]] * 19)
    cov = toy.mode_coverage(samples, means, radius=0.3, min_count=2)
    np.testing.assert_array_equal(cov.counts, [50, 30, 1, 0])
    np.testing.assert_array_equal(cov.covered, [True, True, False, False])
    assert cov.num_covered == 2 and cov.num_modes == 4 and cov.fraction_covered == 0.5
    assert cov.fraction_off_mode == pytest.approx(0.19)
    assert str(cov) == "2 of 4 modes covered; 19% of samples near no mode"
    default = toy.mode_coverage(samples, means, radius=0.3)  # 1% of 100 samples = 1
    assert default.min_count == 1 and default.num_covered == 3
    one_d = toy.mode_coverage(np.array([-4.0, -4.1, 4.0, 9.0]), [-4.0, 0.0, 4.0], radius=0.5)
    np.testing.assert_array_equal(one_d.counts, [2, 0, 1])
    assert one_d.fraction_off_mode == pytest.approx(0.25)
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        toy.mode_coverage(np.zeros((5, 3)), means, radius=0.3)


# ---------------------------------------------------------------- gradients and a tiny GAN
def _tiny_gan(seed=0, generator_loss="non_saturating"):
    cl.set_seed(seed)
    gan = cl.training.GAN(cl.models.vector_generator(latent_dim=2, hidden_units=16),
                          cl.models.vector_discriminator(hidden_units=16), latent_dim=2, seed=seed)
    gan.compile(d_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5),
                g_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5),
                generator_loss=generator_loss)
    return gan


def test_minimax_gradient_vanishes_against_a_confident_discriminator():
    norms = {}
    for kind in ("non_saturating", "minimax"):
        gan = _tiny_gan(1, kind)
        last = gan.discriminator.layers[-1]
        last.bias.assign(np.full(last.bias.shape, -12.0, np.float32))  # D(G(z)) ~ 6e-6
        norms[kind] = toy.generator_gradient_norm(gan, n=256)
    assert norms["non_saturating"] > 0
    assert norms["minimax"] < 1e-3 * norms["non_saturating"]


def test_tiny_1d_gan_moves_towards_the_target_and_records_snapshots():
    mu, sigma = 3.0, 0.5
    x = toy.sample_normal_data(1024, mu, sigma, seed=0)
    gan = _tiny_gan(0)
    grid = np.linspace(-2, 6, 81)
    snaps = toy.DensitySnapshots(grid, lambda t: cl.distributions.normal_pdf(t, mu, sigma),
                                 every=5, num_samples=1000)
    gan.fit(x, batch_size=64, epochs=15, verbose=0, callbacks=[snaps])  # 240 steps
    assert [s["epoch"] for s in snaps.snapshots] == [0, 5, 10, 15]
    before, after = snaps.snapshots[0], snaps.snapshots[-1]
    assert abs(after["samples"].mean() - mu) < 0.5 * abs(before["samples"].mean() - mu)
    for s in snaps.snapshots:
        assert s["samples"].shape == (1000,)
        assert s["p_g"].shape == s["d"].shape == s["d_star"].shape == grid.shape
        assert np.all((s["d"] > 0) & (s["d"] < 1)) and np.all((s["d_star"] >= 0) & (s["d_star"] <= 1))
        assert np.isfinite(s["g_grad_norm"])
    assert snaps.at_epoch(7)["epoch"] == 5 and snaps.at_epoch(100)["epoch"] == 15
    gan.fit(x, batch_size=256, epochs=5, verbose=0, callbacks=[snaps])  # numbering continues
    assert [s["epoch"] for s in snaps.snapshots] == [0, 5, 10, 15, 20]


def test_plots_draw_on_given_axes():
    from matplotlib.figure import Figure

    grid = np.linspace(-1, 1, 11)
    snap = {"epoch": 3, "samples": np.linspace(-0.5, 0.5, 50), "p_g": np.ones(11) / 2,
            "d": np.full(11, 0.5), "d_star": np.full(11, 0.5)}
    ax = Figure().add_subplot()
    assert toy.plot_gan_1d(snap, grid, np.ones(11) / 2, ax=ax) is ax
    assert ax.get_title() == "epoch 3"
    ax2 = Figure().add_subplot()
    means = toy.ring_means(8)
    assert toy.plot_modes_2d(means + 0.01, means, 0.3, ax=ax2) is ax2
    assert ax2.get_title().startswith("8 of 8 modes covered")
