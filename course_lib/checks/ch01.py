"""Checks for the chapter 1 exercises (the normal distribution).

Each check runs the learner's function on small fixed inputs and compares it with
``course_lib.distributions``. Before the final comparison it tries the typical wrong answers
(variance for sigma, a missing square root, n - 1 for n, a product of densities, ...) and,
when the answer matches one of them, says which mistake it is and how to fix it.
"""

from __future__ import annotations

import numpy as np

from course_lib import distributions as dist
from course_lib.checks import Failure, as_array, close, register
from course_lib.checks.diagnose import Probe
from course_lib.checks.messages import tr


def _array(value, what: str) -> np.ndarray:
    return as_array(value, what)


def _matches(found, candidate, rtol=1e-5, atol=1e-8) -> bool:
    found, candidate = np.asarray(found, dtype=np.float64), np.asarray(candidate, np.float64)
    return found.shape == candidate.shape and bool(
        np.all(np.isfinite(candidate)) and np.allclose(found, candidate, rtol=rtol, atol=atol))


def _scalar(value, what: str) -> float:
    arr = _array(value, what)
    if arr.size != 1:
        raise Failure(tr("{what} must be one number, but your function returned {size} numbers (shape {shape}).", what=what, size=arr.size, shape=arr.shape), expected="a single float",
                      found=tr("shape {shape}", shape=arr.shape),
                      hint="Add the per-point values up (np.sum) into one number.")
    return float(arr.reshape(()))


# ----------------------------------------------------------------------------- normal_pdf
def _pdf_mistakes(x, mu, sigma):
    z2 = (x - mu) ** 2
    norm = np.sqrt(2 * np.pi * sigma**2)
    with np.errstate(over="ignore"):
        return [
            (dist.normal_pdf(x, mu, np.sqrt(sigma)),
             "It is the density of a normal whose *variance* is sigma: you used sigma where the "
             "formula has sigma^2.",
             "sigma is the standard deviation; the formula needs sigma**2 in the exponent and "
             "under the square root."),
            (dist.normal_pdf(x, mu, sigma**2),
             "It is the density of a normal whose standard deviation is sigma^2: you squared "
             "sigma twice.",
             "Use sigma**2 once (2 * sigma**2 in the exponent, 2 * pi * sigma**2 under the root)."),
            (np.exp(-z2 / (2 * sigma**2)) / (2 * np.pi * sigma**2),
             "The normaliser is missing its square root.",
             "Divide by np.sqrt(2 * np.pi * sigma**2), not by 2 * np.pi * sigma**2."),
            (np.exp(-z2 / (2 * sigma**2)) / np.sqrt(2 * np.pi * sigma),
             "The normaliser has sigma where it needs sigma^2.",
             "Divide by np.sqrt(2 * np.pi * sigma**2) = np.sqrt(2 * np.pi) * sigma."),
            (np.exp(-z2 / (2 * sigma**2)) / (np.sqrt(2 * np.pi) * sigma**2),
             "The normaliser has sigma^2 outside the square root.",
             "sqrt(2 pi sigma^2) = sqrt(2 pi) * sigma, not sqrt(2 pi) * sigma^2."),
            (np.exp(z2 / (2 * sigma**2)) / norm,
             "Your values grow away from mu: the exponent has the wrong sign.",
             "The exponent is -(x - mu)**2 / (2 * sigma**2): note the minus sign."),
            (np.exp(-z2 / (2 * sigma)) / norm,
             "The exponent has sigma where it needs sigma^2.",
             "Use -(x - mu)**2 / (2 * sigma**2): sigma is squared in the exponent too."),
            (np.exp(-z2 / sigma**2) / norm,
             "The exponent is missing the factor 2 in its denominator.",
             "Use -(x - mu)**2 / (2 * sigma**2)."),
            (np.exp(-z2 / 2 * sigma**2) / norm,
             "Operator precedence: `/ 2 * sigma**2` divides by 2 and then MULTIPLIES by sigma^2.",
             "Put the denominator in parentheses: -(x - mu)**2 / (2 * sigma**2)."),
            (np.exp(-z2 / (2 * sigma**2)),
             "The normaliser 1/sqrt(2 pi sigma^2) is missing, so the curve does not integrate "
             "to 1.",
             "Divide by np.sqrt(2 * np.pi * sigma**2)."),
            (np.exp(-((x + mu) ** 2) / (2 * sigma**2)) / norm,
             "Your curve is centred at -mu instead of mu.",
             "The exponent uses (x - mu), not (x + mu)."),
            (dist.normal_log_pdf(x, mu, sigma),
             "These are log densities: you returned the exponent's argument plus the log of the "
             "normaliser.",
             "Return the density itself: np.exp(...) / np.sqrt(2 * np.pi * sigma**2)."),
        ]


@register("ch01.normal_pdf", "The normal density N(x; mu, sigma^2)")
def _normal_pdf(answer):
    cases = [(np.linspace(-4.0, 6.0, 11), 1.0, 2.0), (np.array([-1.2, -0.5, 0.0, 0.4]), -0.5, 0.5)]
    results = []
    for x, mu, sigma in cases:
        try:
            found = answer(x.copy(), mu, sigma)
        except TypeError as exc:
            try:
                answer(float(x[0]), mu, sigma)
            except Exception:
                raise exc from None
            raise Failure(
                "Your function works for one number but not for an array of x values.",
                expected="an array of densities, one per x", found=f"TypeError: {exc}",
                hint="Use NumPy (np.exp, np.sqrt, np.pi), not the math module: math.exp only "
                "takes single numbers.",
            ) from None
        found = _array(found, "The densities")
        expected = dist.normal_pdf(x, mu, sigma)
        if found.shape != expected.shape:
            raise Failure("Return one density per x value.", expected=tr("shape {shape}", shape=expected.shape),
                          found=tr("shape {shape}", shape=found.shape),
                          hint="Compute elementwise with NumPy; do not sum or average.")
        results.append((x, mu, sigma, found, expected))
    # a listed mistake is named only if it explains the answer in every case (with sigma = 2,
    # 2 * sigma and sigma**2 coincide: the second case tells them apart)
    if not all(_matches(f, e) for *_, f, e in results):
        per_case = [_pdf_mistakes(x, mu, sigma) for x, mu, sigma, _, _ in results]
        for k, (_, message, hint) in enumerate(per_case[0]):
            if all(_matches(f, mistakes[k][0]) for (*_, f, _e), mistakes in
                   zip(results, per_case, strict=True)):
                x, mu, sigma, f, e = next(r for r in results if not _matches(r[3], r[4]))
                raise Failure(message, expected=_fmt(e), found=_fmt(f), hint=hint)
    for x, mu, sigma, found, expected in results:
        probe = Probe(reference=dist.normal_pdf, calls=[(x, mu, sigma)],
                      names=("x", "mu", "sigma"), inputs={"x - mu": x - mu, "x": x})
        close(found, expected, f"N(x; mu={mu}, sigma={sigma})", probe=probe,
              hint="Check each factor: exp(-(x - mu)**2 / (2 * sigma**2)) / "
              "np.sqrt(2 * np.pi * sigma**2).")
    return "Your density matches the formula, with sigma the standard deviation."


def _fmt(a) -> str:
    a = np.asarray(a, dtype=float).ravel()
    return np.array2string(a[:5], precision=4) + (" ..." if a.size > 5 else "")


# ----------------------------------------------------------------------- log_likelihood
@register("ch01.log_likelihood", "The log-likelihood of data under N(mu, sigma^2)")
def _log_likelihood(answer):
    x = np.random.default_rng(0).normal(1.0, 2.0, size=1000)
    mu, sigma = 1.5, 2.5
    raw = answer(x.copy(), mu, sigma)
    arr = _array(raw, "The log-likelihood")
    if arr.shape == x.shape:
        if _matches(arr, dist.normal_log_pdf(x, mu, sigma)):
            raise Failure("You returned one log density per data point.",
                          expected="one number: their sum", found=tr("shape {shape}", shape=arr.shape),
                          hint="The log-likelihood is the SUM of the log densities: np.sum(...).")
        if _matches(arr, dist.normal_pdf(x, mu, sigma)):
            raise Failure("You returned the densities of the data points.",
                          expected="one number: the sum of their logs", found=tr("shape {shape}", shape=arr.shape),
                          hint="Take the log of each density, then sum: np.sum(np.log(...)).")
    found = _scalar(raw, "The log-likelihood")
    expected = float(dist.normal_log_likelihood(x, mu, sigma))
    n = x.size
    if found == 0.0 or (np.isinf(found) and found < 0):
        raise Failure(
            tr("With 1,000 data points your result is {found}: you multiplied the densities, and their "
               "product underflows to 0.", found=found),
            expected=f"{expected:.4f}", found=str(found),
            hint="Each density is about 0.1, and 0.1**1000 is far below the smallest float "
            "(~1e-308). Add log densities instead of multiplying densities: that is why we "
            "work with the LOG-likelihood.",
        )
    mistakes = _log_likelihood_mistakes(x, mu, sigma, expected)
    if not np.isclose(found, expected, rtol=1e-6, atol=1e-6):
        for candidate, message, hint in mistakes:
            if np.isclose(found, candidate, rtol=1e-6, atol=1e-6):
                raise Failure(message, expected=f"{expected:.4f}", found=f"{found:.4f}",
                              hint=hint)
    if not np.isclose(found, expected, rtol=1e-6, atol=1e-6):  # diagnose on more data sets
        rng = np.random.default_rng(11)
        calls = [(x, mu, sigma)] + [(rng.normal(m, s, size=1000), m + 0.3, s * 1.2)
                                    for m, s in ((0.0, 1.0), (-2.0, 0.5), (5.0, 3.0))]
        values = np.array([_scalar(answer(a.copy(), b, c), "The log-likelihood")
                           for a, b, c in calls])
        ref = np.array([float(dist.normal_log_likelihood(a, b, c)) for a, b, c in calls])
        close(values, ref, "The log-likelihood", rtol=1e-6, probe=Probe(
            reference=lambda a, b, c: float(dist.normal_log_likelihood(a, b, c)), calls=calls,
            stacked=True, names=("x", "mu", "sigma"), counts={"data points": n}),
            hint="Sum log N(x_i; mu, sigma^2) over all points.")
    close(found, expected, "The log-likelihood", rtol=1e-6,
          hint="Sum log N(x_i; mu, sigma^2) = -0.5*log(2*pi*sigma**2) - (x_i - mu)**2 / "
          "(2*sigma**2) over all points.")
    return tr("The log-likelihood of the 1,000 points is {expected:.2f}, finite because you summed "
              "logs.", expected=expected)


def _log_likelihood_mistakes(x, mu, sigma, expected) -> list:
    """(value, message, hint) for each common wrong log-likelihood of x under N(mu, sigma^2)."""
    n = x.size
    squares = np.sum((x - mu) ** 2)
    mistakes = [
        (expected / n, "That is the MEAN log density, not the log-likelihood.",
         "Sum over the data points instead of averaging (np.sum, not np.mean)."),
        (-expected, "The sign is flipped: that is the NEGATIVE log-likelihood (the loss).",
         "The log-likelihood of continuous data is usually negative; return the sum of "
         "log densities without the minus sign."),
        (-squares / (2 * sigma**2),
         "The normalising term -n/2 * log(2 pi sigma^2) is missing.",
         "Without it the log-likelihood no longer depends on sigma correctly, and the fit would "
         "push sigma to infinity. Include -0.5 * np.log(2 * np.pi * sigma**2) per point."),
        (float(dist.normal_log_likelihood(x, mu, np.sqrt(sigma))),
         "You used sigma where the formula has sigma^2.",
         "sigma is the standard deviation: use sigma**2 in both places."),
        (float(np.sum(np.log10(dist.normal_pdf(x, mu, sigma)))),
         "You used log base 10.", "Use the natural log, np.log."),
    ]
    return mistakes


# ------------------------------------------------------------------------------ fit_normal
@register("ch01.fit_normal", "Fit mu and sigma by maximum likelihood")
def _fit_normal(answer):
    for x in (np.array([1.0, 2.0, 4.0, 7.0, 11.0]),
              np.random.default_rng(3).normal(1000.0, 0.1, size=8)):
        out = answer(x.copy())
        if not isinstance(out, tuple | list) or len(out) != 2:
            raise Failure("Return the pair (mu, sigma).", expected="a tuple (mu_hat, sigma_hat)",
                          found=repr(out)[:80], hint="End the function with `return mu, sigma`.")
        mu = _scalar(out[0], "mu_hat")
        sigma = _scalar(out[1], "sigma_hat")
        mu_e, sigma_e = dist.fit_normal(x)
        var_n, var_n1 = np.var(x), np.var(x, ddof=1)
        if np.isclose(mu, sigma_e) and np.isclose(sigma, mu_e) and not np.isclose(mu, mu_e):
            raise Failure("You returned (sigma, mu): the order is swapped.",
                          expected=f"({mu_e:.4f}, {sigma_e:.4f})", found=f"({mu:.4f}, {sigma:.4f})",
                          hint="Return mu first, then sigma.")
        if np.isclose(mu, np.median(x)) and not np.isclose(mu, mu_e):
            raise Failure("mu_hat is the median; the maximum-likelihood mu is the mean.",
                          expected=f"{mu_e:.4f}", found=f"{mu:.4f}", hint="Use np.mean(x).")
        close(mu, mu_e, "mu_hat", rtol=1e-9, atol=1e-9,
              hint="Setting d/dmu of the log-likelihood to zero gives mu_hat = mean of x.")
        if np.isclose(sigma, np.sqrt(var_n1), rtol=1e-9):
            raise Failure(
                "sigma_hat divides by n - 1. That is the unbiased estimate of the variance "
                "(np.std(x, ddof=1)); the maximum-likelihood estimate divides by n.",
                expected=f"{sigma_e:.4f}", found=f"{sigma:.4f}",
                hint="Setting d/dsigma of the log-likelihood to zero gives sigma_hat^2 = "
                "mean((x - mu_hat)**2): use np.std(x) (ddof=0, NumPy's default).",
            )
        if np.isclose(sigma, var_n, rtol=1e-9) or np.isclose(sigma, var_n1, rtol=1e-9):
            raise Failure("sigma_hat is a variance, not a standard deviation.",
                          expected=f"{sigma_e:.4f}", found=f"{sigma:.4f}",
                          hint="Take the square root: sigma_hat = np.sqrt(mean((x - mu)**2)).")
        if np.isclose(sigma, np.mean(np.abs(x - mu_e)), rtol=1e-9):
            raise Failure("sigma_hat is the mean ABSOLUTE deviation.",
                          expected=f"{sigma_e:.4f}", found=f"{sigma:.4f}",
                          hint="Square the deviations, average them, then take the root.")
        close(sigma, sigma_e, "sigma_hat", rtol=1e-9, atol=1e-12,
              hint="sigma_hat = np.sqrt(np.mean((x - mu_hat)**2)).")
    return "mu_hat is the mean and sigma_hat divides by n: the maximum-likelihood estimates."


# -------------------------------------------------------------------------- fit_then_sample
@register("ch01.fit_then_sample", "Fit, then sample: the smallest generative model")
def _fit_then_sample(answer):
    data = np.random.default_rng(1).normal(3.0, 0.5, size=500)
    mu, sigma = dist.fit_normal(data)
    n = 100_000
    out = _array(answer(data.copy(), n, 0), "The samples")
    if out.shape != (n,):
        raise Failure(tr("Return exactly n = {n} samples as a 1-D array.", n=n),
                      expected=tr("shape ({n},)", n=n), found=tr("shape {shape}", shape=out.shape),
                      hint="Pass size=n to the generator's normal(...).")
    if not np.all(np.isfinite(out)):
        raise Failure("Some samples are NaN or infinite.", hint="Check sigma_hat is finite.")
    if np.unique(out).size <= data.size:
        raise Failure(
            "Your samples only repeat values from the data: you resampled the training data "
            "instead of sampling from the fitted model.",
            expected=tr("{n} new values from N({mu:.3f}, {sigma:.3f}^2)", n=n, mu=mu, sigma=sigma),
            found=tr("{size} distinct values", size=np.unique(out).size),
            hint="A generative model creates NEW samples; copying training examples is "
            "memorisation. Fit mu and sigma, then draw rng.normal(mu, sigma, size=n).",
        )
    m, s = float(np.mean(out)), float(np.std(out))
    se_m, se_s = sigma / np.sqrt(n), sigma / np.sqrt(2 * n)
    found = tr("samples with mean {m:.4f}, std {s:.4f}", m=m, s=s)
    expected = tr("mean ~ {mu:.4f}, std ~ {sigma:.4f} (the fitted mu_hat, sigma_hat)", mu=mu, sigma=sigma)
    if abs(m) < 0.05 and abs(s - 1.0) < 0.05:
        raise Failure("These are standard-normal samples: the fitted parameters are not used.",
                      expected=expected, found=found,
                      hint="Fit first (mu, sigma = mean and std of data), then sample "
                      "rng.normal(mu, sigma, size=n), i.e. mu + sigma * z.")
    if abs(m - mu) < 6 * se_m and abs(s - sigma**2) < 0.01:
        raise Failure("The spread of your samples is sigma^2: you passed the variance as the "
                      "scale.", expected=expected, found=found,
                      hint="NumPy's normal(loc, scale) takes the standard deviation as scale.")
    if abs(m - mu) > 6 * se_m:
        raise Failure("The mean of your samples is not the fitted mu_hat.", expected=expected,
                      found=found, hint="mu_hat = np.mean(data).")
    if abs(s - sigma) > 6 * se_s:
        raise Failure("The spread of your samples is not the fitted sigma_hat.",
                      expected=expected, found=found,
                      hint="sigma_hat = np.std(data) (divide by n).")
    again = _array(answer(data.copy(), 1000, 0), "The samples")
    same = _array(answer(data.copy(), 1000, 0), "The samples")
    other = _array(answer(data.copy(), 1000, 1), "The samples")
    if again.shape != (1000,):
        raise Failure("The number of samples must follow the argument n.",
                      expected="shape (1000,)", found=tr("shape {shape}", shape=again.shape))
    if not np.array_equal(again, same):
        raise Failure("Two calls with the same seed gave different samples.",
                      expected="identical samples for seed=0 twice", found="different samples",
                      hint="Create the generator from the argument: "
                      "rng = np.random.default_rng(seed).")
    if np.array_equal(again, other):
        raise Failure("seed=0 and seed=1 gave the same samples: the seed is ignored.",
                      hint="Use rng = np.random.default_rng(seed), not a fixed seed.")
    return (tr("Fit (mu_hat={mu:.3f}, sigma_hat={sigma:.3f}), then sample: new values, reproducible by "
               "seed.", mu=mu, sigma=sigma))
