"""cl.distributions (chapter 1): the normal density, maximum likelihood, fit-then-sample."""

import math

import numpy as np
import pytest

from course_lib import distributions as dist


def test_normal_pdf_matches_the_closed_form_at_known_points():
    # N(0; 0, 1) = 1/sqrt(2 pi); one sigma away the density drops by exp(-1/2)
    assert dist.normal_pdf(0.0) == pytest.approx(1 / math.sqrt(2 * math.pi), rel=1e-12)
    assert dist.normal_pdf(1.0) == pytest.approx(math.exp(-0.5) / math.sqrt(2 * math.pi))
    # mu = 3, sigma = 2: at x = mu the peak is 1/(sigma sqrt(2 pi)); at x = mu + 2 sigma ...
    assert dist.normal_pdf(3.0, 3.0, 2.0) == pytest.approx(1 / (2 * math.sqrt(2 * math.pi)))
    assert dist.normal_pdf(7.0, 3.0, 2.0) == pytest.approx(
        math.exp(-2.0) / (2 * math.sqrt(2 * math.pi)))
    # sigma is the standard deviation: sigma = 4 is NOT variance 4
    assert dist.normal_pdf(0.0, 0.0, 4.0) == pytest.approx(1 / (4 * math.sqrt(2 * math.pi)))


def test_normal_pdf_is_symmetric_vectorised_and_log_pdf_agrees():
    x = np.linspace(-5, 5, 11)
    p = dist.normal_pdf(x, 0.5, 1.5)
    assert p.shape == x.shape
    np.testing.assert_allclose(dist.normal_pdf(0.5 + x, 0.5, 1.5), dist.normal_pdf(0.5 - x, 0.5, 1.5))
    np.testing.assert_allclose(dist.normal_log_pdf(x, 0.5, 1.5), np.log(p), rtol=1e-12)
    # far in the tail the density underflows to 0, the log density stays finite and exact
    assert dist.normal_pdf(40.0) == 0.0
    assert dist.normal_log_pdf(40.0) == pytest.approx(-800 - 0.5 * math.log(2 * math.pi))


@pytest.mark.parametrize("mu,sigma", [(0.0, 1.0), (-3.0, 0.2), (10.0, 5.0)])
def test_normal_pdf_integrates_to_one(mu, sigma):
    x = np.linspace(mu - 12 * sigma, mu + 12 * sigma, 20001)
    assert np.trapezoid(dist.normal_pdf(x, mu, sigma), x) == pytest.approx(1.0, abs=1e-8)
    # and 68 % of the mass lies within one sigma of mu
    inner = np.linspace(mu - sigma, mu + sigma, 20001)
    assert np.trapezoid(dist.normal_pdf(inner, mu, sigma), inner) == pytest.approx(
        math.erf(1 / math.sqrt(2)), abs=1e-8)


@pytest.mark.parametrize("sigma", [0.0, -1.0, np.inf, np.nan, [1.0, 0.0]])
def test_bad_sigma_raises_value_error(sigma):
    with pytest.raises(ValueError, match="sigma must be positive"):
        dist.normal_pdf(0.0, 0.0, sigma)
    with pytest.raises(ValueError, match="sigma must be positive"):
        dist.normal_log_pdf(0.0, 0.0, sigma)
    with pytest.raises(ValueError, match="sigma must be positive"):
        dist.sample_normal(3, 0.0, sigma, seed=0)
    with pytest.raises(ValueError, match="sigma must be positive"):
        dist.normal_log_likelihood([0.0, 1.0], 0.0, sigma)


def test_fit_normal_recovers_parameters_from_100k_samples():
    x = dist.sample_normal(100_000, mu=2.5, sigma=0.7, seed=1)
    mu, sigma = dist.fit_normal(x)
    # standard errors: 0.7 / sqrt(1e5) ~ 0.0022 for mu, ~0.0016 for sigma; allow ~4 of them
    assert mu == pytest.approx(2.5, abs=0.01)
    assert sigma == pytest.approx(0.7, abs=0.007)
    assert isinstance(mu, float) and isinstance(sigma, float)


def test_fit_normal_is_the_closed_form_mle_dividing_by_n():
    x = np.array([1.0, 2.0, 4.0, 7.0])
    mu, sigma = dist.fit_normal(x)
    assert mu == 3.5
    assert sigma == pytest.approx(math.sqrt(((-2.5) ** 2 + 1.5**2 + 0.5**2 + 3.5**2) / 4))
    assert sigma == pytest.approx(np.std(x, ddof=0))
    assert sigma != pytest.approx(np.std(x, ddof=1))  # not the n - 1 (unbiased) estimate
    # it is the maximum: nudging either parameter lowers the log-likelihood
    best = dist.normal_log_likelihood(x, mu, sigma)
    for dmu, dsig in [(0.01, 0), (-0.01, 0), (0, 0.01), (0, -0.01)]:
        assert dist.normal_log_likelihood(x, mu + dmu, sigma + dsig) < best


@pytest.mark.parametrize("bad", [[1.0], [], [1.0, np.nan], [0.0, np.inf]])
def test_fit_normal_rejects_too_little_or_non_finite_data(bad):
    with pytest.raises(ValueError, match="fit_normal"):
        dist.fit_normal(bad)


def test_log_likelihood_equals_sum_of_log_pdfs_and_broadcasts_over_a_grid():
    x = dist.sample_normal(500, 1.0, 2.0, seed=3)
    assert dist.normal_log_likelihood(x, 0.3, 1.7) == pytest.approx(
        np.sum(dist.normal_log_pdf(x, 0.3, 1.7)), rel=1e-12)
    mus, sigmas = np.meshgrid(np.linspace(-1, 3, 7), np.linspace(0.5, 4, 5))
    grid = dist.normal_log_likelihood(x, mus, sigmas)
    assert grid.shape == (5, 7)
    expected = [[np.sum(dist.normal_log_pdf(x, m, s)) for m, s in zip(rm, rs, strict=True)]
                for rm, rs in zip(mus, sigmas, strict=True)]
    np.testing.assert_allclose(grid, expected, rtol=1e-10)
    # the product of 5000 densities underflows to 0; the sum of their logs does not
    many = dist.sample_normal(5000, 0, 1, seed=4)
    assert np.prod(dist.normal_pdf(many)) == 0.0
    assert np.isfinite(dist.normal_log_likelihood(many))
    with pytest.raises(ValueError, match="at least 1"):
        dist.normal_log_likelihood([])


def test_sample_normal_is_seeded_and_validates_n():
    a = dist.sample_normal(1000, 5.0, 0.1, seed=7)
    np.testing.assert_array_equal(a, dist.sample_normal(1000, 5.0, 0.1, seed=7))
    assert not np.array_equal(a, dist.sample_normal(1000, 5.0, 0.1, seed=8))
    assert a.shape == (1000,) and abs(a.mean() - 5.0) < 0.02
    assert dist.sample_normal(0, seed=0).shape == (0,)
    with pytest.raises(ValueError, match="n must be >= 0"):
        dist.sample_normal(-1, seed=0)
    for bad in (2.5, True, "3"):  # the wrong kind of value: a TypeError
        with pytest.raises(TypeError, match="n must be an int"):
            dist.sample_normal(bad, seed=0)


def test_normal_model_fit_then_sample():
    data = dist.sample_normal(20_000, -4.0, 3.0, seed=11)
    model = dist.NormalModel()
    assert repr(model) == "NormalModel(unfitted)"
    assert model.fit(data) is model
    assert (model.mu, model.sigma) == dist.fit_normal(data)
    new = model.sample(50_000, seed=0)
    assert new.shape == (50_000,)
    assert np.mean(new) == pytest.approx(model.mu, abs=0.05)
    assert np.std(new) == pytest.approx(model.sigma, abs=0.05)
    np.testing.assert_array_equal(new, model.sample(50_000, seed=0))
    np.testing.assert_allclose(model.pdf([0.0, -4.0]), dist.normal_pdf([0.0, -4.0], model.mu,
                                                                       model.sigma))
    assert model.log_likelihood(data) == pytest.approx(
        dist.normal_log_likelihood(data, model.mu, model.sigma))
    assert repr(model) == f"NormalModel(mu={model.mu:.4g}, sigma={model.sigma:.4g})"


@pytest.mark.parametrize("method,args", [("sample", (3,)), ("pdf", (0.0,)),
                                         ("log_likelihood", ([0.0, 1.0],))])
def test_unfitted_normal_model_says_fit_first(method, args):
    with pytest.raises(ValueError, match=r"not fitted yet: call \.fit"):
        getattr(dist.NormalModel(), method)(*args)
