"""The chapter 1 checks accept the reference answers and name each typical mistake."""

import math
from pathlib import Path

import numpy as np
import pytest

import course_lib as cl

SOLUTIONS, CHAPTER = "01_normal_distribution_exercises.ipynb", "ch01."


def _check(exercise_id, fn):
    return cl.checks.check(exercise_id, fn)


def _fails_with(exercise_id, fn, *phrases):
    result = _check(exercise_id, fn)
    assert result.passed is False, result.text()
    text = result.text()
    for phrase in phrases:
        assert phrase in text, f"{phrase!r} not in:\n{text}"
    return result


def _not_attempted(*args):
    raise NotImplementedError()


@pytest.mark.parametrize("exercise_id", ["ch01.normal_pdf", "ch01.log_likelihood",
                                         "ch01.fit_normal", "ch01.fit_then_sample"])
def test_unattempted_exercise_is_not_attempted(exercise_id):
    result = _check(exercise_id, _not_attempted)
    assert result.passed is None and "not attempted" in result.text()


# ----------------------------------------------------------------------------- normal_pdf
def pdf_reference(x, mu, sigma):
    return np.exp(-((x - mu) ** 2) / (2 * sigma**2)) / np.sqrt(2 * np.pi * sigma**2)


def test_normal_pdf_accepts_the_reference_and_the_library():
    assert _check("ch01.normal_pdf", pdf_reference).passed is True
    assert _check("ch01.normal_pdf", cl.distributions.normal_pdf).passed is True


@pytest.mark.parametrize("wrong,phrases", [
    (lambda x, mu, s: np.exp(-((x - mu) ** 2) / (2 * s)) / np.sqrt(2 * np.pi * s),
     ["you used sigma where the formula has sigma^2", "standard deviation"]),
    (lambda x, mu, s: np.exp(-((x - mu) ** 2) / (2 * s**4)) / np.sqrt(2 * np.pi * s**4),
     ["squared sigma twice"]),
    (lambda x, mu, s: np.exp(-((x - mu) ** 2) / (2 * s**2)) / (2 * np.pi * s**2),
     ["missing its square root"]),
    (lambda x, mu, s: np.exp(-((x - mu) ** 2) / (2 * s**2)) / np.sqrt(2 * np.pi * s),
     ["normaliser has sigma where it needs sigma^2"]),
    (lambda x, mu, s: np.exp(((x - mu) ** 2) / (2 * s**2)) / np.sqrt(2 * np.pi * s**2),
     ["wrong sign"]),
    (lambda x, mu, s: np.exp(-((x - mu) ** 2) / s**2) / np.sqrt(2 * np.pi * s**2),
     ["missing the factor 2"]),
    (lambda x, mu, s: np.exp(-((x - mu) ** 2) / 2 * s**2) / np.sqrt(2 * np.pi * s**2),
     ["Operator precedence"]),
    (lambda x, mu, s: np.exp(-((x - mu) ** 2) / (2 * s**2)),
     ["normaliser 1/sqrt(2 pi sigma^2) is missing"]),
    (lambda x, mu, s: np.exp(-((x + mu) ** 2) / (2 * s**2)) / np.sqrt(2 * np.pi * s**2),
     ["centred at -mu"]),
    (lambda x, mu, s: -((x - mu) ** 2) / (2 * s**2) - 0.5 * np.log(2 * np.pi * s**2),
     ["log densities"]),
    (lambda x, mu, s: math.exp(-((x - mu) ** 2) / (2 * s**2)) / math.sqrt(2 * math.pi * s**2),
     ["works for one number but not for an array", "math.exp"]),
    (lambda x, mu, s: np.sum(pdf_reference(x, mu, s)), ["one density per x"]),
    (lambda x, mu, s: pdf_reference(x, mu, s) * 1.01, ["constant factor", "1.01 times"]),
])
def test_normal_pdf_names_each_mistake(wrong, phrases):
    _fails_with("ch01.normal_pdf", wrong, *phrases)


def test_normal_pdf_that_ignores_mu_fails():
    _fails_with("ch01.normal_pdf", lambda x, mu, s: pdf_reference(x, 0.0, s), "ignores mu")


def test_a_crashing_answer_is_reported_without_traceback():
    def crashes(x, mu, sigma):
        return x[100]

    result = _check("ch01.normal_pdf", crashes)
    assert result.passed is False and "IndexError" in result.text()


# -------------------------------------------------------------------------- log_likelihood
def ll_reference(x, mu, sigma):
    return np.sum(-0.5 * np.log(2 * np.pi * sigma**2) - (x - mu) ** 2 / (2 * sigma**2))


def test_log_likelihood_accepts_the_reference():
    result = _check("ch01.log_likelihood", ll_reference)
    assert result.passed is True, result.text()
    assert _check("ch01.log_likelihood", cl.distributions.normal_log_likelihood).passed is True


@pytest.mark.parametrize("wrong,phrases", [
    (lambda x, m, s: np.log(np.prod(pdf_reference(x, m, s))), ["multiplied the densities",
                                                               "underflows"]),
    (lambda x, m, s: np.prod(pdf_reference(x, m, s)), ["multiplied the densities"]),
    (lambda x, m, s: np.mean(np.log(pdf_reference(x, m, s))), ["MEAN log density"]),
    (lambda x, m, s: -ll_reference(x, m, s), ["NEGATIVE log-likelihood"]),
    (lambda x, m, s: np.sum(-((x - m) ** 2) / (2 * s**2)), ["normalising term"]),
    (lambda x, m, s: ll_reference(x, m, np.sqrt(s)), ["sigma where the formula has sigma^2"]),
    (lambda x, m, s: np.sum(np.log10(pdf_reference(x, m, s))), ["log base 10"]),
    (lambda x, m, s: np.log(pdf_reference(x, m, s)), ["one log density per data point"]),
    (lambda x, m, s: pdf_reference(x, m, s), ["densities of the data points"]),
    (lambda x, m, s: ll_reference(x, 0.0, s), ["ignores mu"]),
])
def test_log_likelihood_names_each_mistake(wrong, phrases):
    with np.errstate(all="ignore"):
        _fails_with("ch01.log_likelihood", wrong, *phrases)


# ------------------------------------------------------------------------------ fit_normal
def fit_reference(x):
    mu = np.mean(x)
    return mu, np.sqrt(np.mean((x - mu) ** 2))


def test_fit_normal_accepts_the_reference_and_the_library():
    assert _check("ch01.fit_normal", fit_reference).passed is True
    assert _check("ch01.fit_normal", cl.distributions.fit_normal).passed is True
    assert _check("ch01.fit_normal", lambda x: [np.mean(x), np.std(x)]).passed is True


@pytest.mark.parametrize("wrong,phrases", [
    (lambda x: (np.mean(x), np.std(x, ddof=1)), ["divides by n - 1", "maximum-likelihood "
                                                 "estimate divides by n"]),
    (lambda x: (np.mean(x), np.var(x)), ["variance, not a standard deviation"]),
    (lambda x: (np.mean(x), np.var(x, ddof=1)), ["variance, not a standard deviation"]),
    (lambda x: (np.std(x), np.mean(x)), ["order is swapped"]),
    (lambda x: (np.median(x), np.std(x)), ["median"]),
    (lambda x: (np.mean(x), np.mean(np.abs(x - np.mean(x)))), ["ABSOLUTE deviation"]),
    (lambda x: np.mean(x), ["Return the pair (mu, sigma)"]),
    (lambda x: (np.mean(x), np.std(x), len(x)), ["Return the pair (mu, sigma)"]),
    (lambda x: (x, np.std(x)), ["mu_hat must be one number"]),
    (lambda x: (np.mean(x) + 1, np.std(x)), ["mu_hat has the wrong values"]),
])
def test_fit_normal_names_each_mistake(wrong, phrases):
    _fails_with("ch01.fit_normal", wrong, *phrases)


# -------------------------------------------------------------------------- fit_then_sample
def sample_reference(data, n, seed):
    mu, sigma = np.mean(data), np.std(data)
    return np.random.default_rng(seed).normal(mu, sigma, size=n)


def test_fit_then_sample_accepts_the_reference_and_the_library():
    assert _check("ch01.fit_then_sample", sample_reference).passed is True

    def with_library(data, n, seed):
        return cl.distributions.NormalModel().fit(data).sample(n, seed=seed)

    assert _check("ch01.fit_then_sample", with_library).passed is True

    def reparameterised(data, n, seed):
        mu, sigma = cl.distributions.fit_normal(data)
        return mu + sigma * np.random.default_rng(seed).standard_normal(n)

    assert _check("ch01.fit_then_sample", reparameterised).passed is True


def _fixed_seed(data, n, seed):
    return sample_reference(data, n, 123)


def _global_rng(data, n, seed):
    return np.random.normal(np.mean(data), np.std(data), size=n)  # noqa: NPY002


@pytest.mark.parametrize("wrong,phrases", [
    (lambda d, n, s: np.random.default_rng(s).choice(d, size=n), ["resampled the training data",
                                                                  "memorisation"]),
    (lambda d, n, s: np.random.default_rng(s).normal(0, 1, size=n), ["standard-normal"]),
    (lambda d, n, s: np.random.default_rng(s).normal(np.mean(d), np.var(d), size=n),
     ["passed the variance as the scale"]),
    (lambda d, n, s: np.random.default_rng(s).normal(np.median(d) + 0.1, np.std(d), size=n),
     ["mean of your samples is not the fitted mu_hat"]),
    (lambda d, n, s: np.random.default_rng(s).normal(np.mean(d), 2 * np.std(d), size=n),
     ["spread of your samples is not the fitted sigma_hat"]),
    (lambda d, n, s: sample_reference(d, 1000, s), ["Return exactly n = 100000"]),
    (_fixed_seed, ["seed is ignored"]),
    (_global_rng, ["same seed gave different samples"]),
])
def test_fit_then_sample_names_each_mistake(wrong, phrases):
    _fails_with("ch01.fit_then_sample", wrong, *phrases)


def test_checks_are_deterministic():
    a = _check("ch01.fit_then_sample", lambda d, n, s: np.random.default_rng(s).choice(d, size=n))
    b = _check("ch01.fit_then_sample", lambda d, n, s: np.random.default_rng(s).choice(d, size=n))
    assert a.text() == b.text()


# ------------------------------------------------------------- the solution notebook passes
def _solution_results(name):
    import json

    root = Path(__file__).resolve().parents[1]
    nb = json.loads((root / "solutions" / name).read_text(encoding="utf-8"))
    namespace, results = {}, {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        src = "".join(cell["source"]).strip()
        if src.startswith("cl.checks.check("):
            result = eval(src, namespace)  # noqa: S307 - our own notebook
            results[result.exercise] = result
        else:
            exec(src, namespace)  # noqa: S102 - our own notebook
    return results


def test_the_solution_notebook_passes_every_check():
    results = _solution_results(SOLUTIONS)
    assert sorted(results) == sorted(k for k in cl.checks.CHECKS if k.startswith(CHAPTER))
    for result in results.values():
        assert result.passed is True, result.text()
