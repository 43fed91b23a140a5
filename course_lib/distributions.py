"""The normal distribution: the smallest generative model (chapter 1)."""

from __future__ import annotations

import numpy as np

from course_lib.validation import check_positive_int, check_sigma

__all__ = [
    "NormalModel",
    "fit_normal",
    "normal_log_likelihood",
    "normal_log_pdf",
    "normal_pdf",
    "sample_normal",
]


def normal_pdf(x, mu=0.0, sigma=1.0):
    """N(x; mu, sigma^2) = exp(-(x - mu)^2 / (2 sigma^2)) / sqrt(2 pi sigma^2) (chapter 1).

    The article writes the left-hand side as N(mu, sigma^2); strictly it is the density of
    that distribution evaluated at x. ``sigma`` is the standard deviation, not the variance.
    """
    sigma = check_sigma(sigma)
    x = np.asarray(x, dtype=np.float64)
    return np.exp(-((x - mu) ** 2) / (2 * sigma**2)) / np.sqrt(2 * np.pi * sigma**2)


def normal_log_pdf(x, mu=0.0, sigma=1.0):
    """log N(x; mu, sigma^2), computed without taking the log of a tiny density (chapter 1)."""
    sigma = check_sigma(sigma)
    x = np.asarray(x, dtype=np.float64)
    return -0.5 * np.log(2 * np.pi * sigma**2) - (x - mu) ** 2 / (2 * sigma**2)


def normal_log_likelihood(x, mu=0.0, sigma=1.0):
    """sum_i log N(x_i; mu, sigma^2): the log-likelihood of 1-D data ``x`` (chapter 1).

    ``mu`` and ``sigma`` may be arrays (for example a grid from ``np.meshgrid``); the result has
    their broadcast shape, one log-likelihood per (mu, sigma) pair. It uses
    sum_i (x_i - mu)^2 = sum_i (x_i - mean)^2 + n (mean - mu)^2, so a 200 x 200 grid over 100k
    points costs no more than one pass over the data.
    Summing log densities, rather than taking the log of a product of densities, is what keeps
    it finite: the product of a few thousand densities underflows to 0.
    """
    sigma = check_sigma(sigma)
    mu = np.asarray(mu, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64).ravel()
    if x.size == 0:
        raise ValueError("normal_log_likelihood needs at least 1 data point, got an empty array.")
    n, mean = x.size, float(np.mean(x))
    squares = np.sum((x - mean) ** 2) + n * (mean - mu) ** 2  # = sum_i (x_i - mu)^2
    return -0.5 * n * np.log(2 * np.pi * sigma**2) - squares / (2 * sigma**2)


def fit_normal(x):
    """Maximum-likelihood (mu, sigma) of 1-D data (chapter 1).

    mu_hat is the sample mean and sigma_hat the square root of the mean squared deviation
    (dividing by n, not n - 1: the MLE is the biased estimator).
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    if x.size < 2:
        raise ValueError(f"fit_normal needs at least 2 data points, got {x.size}.")
    if not np.all(np.isfinite(x)):
        raise ValueError("fit_normal: the data contain NaN or infinite values; drop them first.")
    mu = float(np.mean(x))
    return mu, float(np.sqrt(np.mean((x - mu) ** 2)))


def sample_normal(n, mu=0.0, sigma=1.0, seed=None):
    """``n`` draws from N(mu, sigma^2) with a seeded ``np.random.Generator`` (chapter 1)."""
    sigma = check_sigma(sigma)
    n = check_positive_int("n", n, minimum=0)
    return np.random.default_rng(seed).normal(mu, sigma, size=n)


class NormalModel:
    """Fit, then sample: a generative model in two methods (chapter 1)."""

    def __init__(self):
        self.mu = None
        self.sigma = None

    def fit(self, x):
        self.mu, self.sigma = fit_normal(x)
        return self

    def _fitted(self):
        if self.mu is None:
            raise ValueError("NormalModel is not fitted yet: call .fit(data) first.")

    def sample(self, n, seed=None):
        self._fitted()
        return sample_normal(n, self.mu, self.sigma, seed=seed)

    def pdf(self, x):
        """The fitted density N(x; mu_hat, sigma_hat^2)."""
        self._fitted()
        return normal_pdf(x, self.mu, self.sigma)

    def log_likelihood(self, x):
        self._fitted()
        return float(np.sum(normal_log_pdf(x, self.mu, self.sigma)))

    def __repr__(self):
        if self.mu is None:
            return "NormalModel(unfitted)"
        return f"NormalModel(mu={self.mu:.4g}, sigma={self.sigma:.4g})"
