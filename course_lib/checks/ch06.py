"""Checks for the chapter 6 exercises (challenges and the VAE)."""

from __future__ import annotations

import numpy as np

from course_lib.checks import Failure, close, register


def _kl_reference(mu, log_var):
    return -0.5 * np.sum(1.0 + log_var - mu**2 - np.exp(log_var), axis=-1)


# ------------------------------------------------------------------ the reparameterisation trick
@register("ch06.reparameterize", "The reparameterisation trick z = mu + sigma * eps")
def _reparameterize(answer):
    rng = np.random.default_rng(6)
    mu = rng.normal(size=(4000, 3))
    log_var = np.tile([np.log(0.25), 0.0, np.log(9.0)], (4000, 1))  # sigma = 0.5, 1, 3
    eps = rng.standard_normal((4000, 3))
    expected = mu + np.exp(0.5 * log_var) * eps
    found = answer(mu.copy(), log_var.copy(), eps.copy())
    if found is None:
        raise Failure("Your function returned None.", expected="z, an array like mu",
                      hint="End the function with `return z`.")
    found = np.asarray(found, dtype=float)
    if found.shape != mu.shape:
        raise Failure("z must have the shape of mu: one latent vector per image.",
                      expected=str(mu.shape), found=str(found.shape),
                      hint="Use element-wise operations only; do not sum or average.")
    if np.allclose(found, expected, rtol=1e-5, atol=1e-6):  # float32 answers pass too
        return ("z = mu + exp(log_var / 2) * eps: the randomness is an input, so gradients "
                "reach mu and log_var.")
    wrong = {
        "mu + log_var * eps": (
            "You used log_var as the standard deviation.",
            "log_var is log(sigma^2); sigma = exp(log_var / 2)."),
        "mu + exp(log_var) * eps": (
            "You scaled eps by the variance exp(log_var), not the standard deviation.",
            "sigma = sqrt(sigma^2) = exp(0.5 * log_var)."),
        "mu + sqrt(log_var) * eps": (
            "You took the square root of log_var, which is a logarithm, not a variance.",
            "Exponentiate first: sigma = exp(0.5 * log_var)."),
        "mu + eps": (
            "Your z ignores log_var: every posterior has standard deviation 1.",
            "Multiply eps by sigma = exp(0.5 * log_var)."),
        "mu": (
            "Your z is just mu: no noise at all, so the VAE becomes a plain autoencoder and the "
            "KL term has nothing to regularise.",
            "Add sigma * eps with the eps passed in."),
        "exp(0.5 * log_var) * eps": (
            "Your z forgot the mean mu.", "z = mu + sigma * eps."),
        "mu - exp(0.5 * log_var) * eps": (
            "You subtracted the noise. That has the right distribution, but not the contract: "
            "z must be mu + sigma * eps for the eps given.",
            "Use + so that eps = 0 gives z = mu and the check can compare exactly."),
    }
    with np.errstate(invalid="ignore"):
        candidates = {
            "mu + log_var * eps": mu + log_var * eps,
            "mu + exp(log_var) * eps": mu + np.exp(log_var) * eps,
            "mu + sqrt(log_var) * eps": mu + np.sqrt(log_var) * eps,
            "mu + eps": mu + eps,
            "mu": mu,
            "exp(0.5 * log_var) * eps": np.exp(0.5 * log_var) * eps,
            "mu - exp(0.5 * log_var) * eps": mu - np.exp(0.5 * log_var) * eps,
        }
    for name, value in candidates.items():
        if np.allclose(found, value, rtol=1e-5, atol=1e-6, equal_nan=True):
            message, hint = wrong[name]
            raise Failure(message, expected="mu + exp(0.5 * log_var) * eps", found=name,
                          hint=hint)
    # Right distribution, other noise: the learner drew their own eps.
    resid = (found - mu) / np.exp(0.5 * log_var)
    if np.all(np.isfinite(resid)) and np.allclose(resid.mean(0), 0, atol=0.1) and np.allclose(
            resid.std(0), 1, atol=0.1):
        raise Failure(
            "Your z has the right mean and standard deviation, but not from the eps passed in: "
            "you drew your own noise.", expected="mu + exp(0.5 * log_var) * eps for the given eps",
            found="fresh random noise",
            hint="Use the eps argument. Keeping the noise an input is what makes the sample "
            "reproducible and lets the gradient flow through mu and sigma only.")
    close(found, expected, "z", hint="z = mu + exp(0.5 * log_var) * eps, element by element.")
    return None


# ------------------------------------------------------------------------------ the KL term
@register("ch06.kl_term", "KL(N(mu, sigma^2) || N(0, I)) per image")
def _kl_term(answer):
    rng = np.random.default_rng(60)
    mu = rng.normal(size=(5, 4))
    log_var = rng.normal(scale=0.8, size=(5, 4))
    expected = _kl_reference(mu, log_var)
    found = answer(mu.copy(), log_var.copy())
    if found is None:
        raise Failure("Your function returned None.", expected="an array of shape (5,)",
                      hint="End the function with `return kl`.")
    found = np.asarray(found, dtype=float)
    if found.shape == ():
        total = float(found)
        what = ("the sum" if np.isclose(total, expected.sum())
                else "the mean" if np.isclose(total, expected.mean()) else "one number")
        raise Failure(f"You returned {what} over the batch; the contract is one KL per image.",
                      expected="shape (5,): one value per row", found=f"a scalar {total:.4g}",
                      hint="Sum over the latent dimensions only: axis=-1.")
    if found.shape != expected.shape:
        raise Failure("One KL value per image, summed over the latent dimensions.",
                      expected=str(expected.shape), found=str(found.shape),
                      hint="np.sum(..., axis=-1) turns (n, d) into (n,).")
    if np.allclose(found, expected, rtol=1e-5, atol=1e-6):  # float32 answers pass too
        zero = np.asarray(answer(np.zeros((2, 3)), np.zeros((2, 3))), dtype=float)
        close(zero, np.zeros(2), "The KL of the prior itself (mu = 0, log_var = 0)",
              hint="KL(N(0, 1) || N(0, 1)) = 0.")
        return "KL = -1/2 * sum(1 + log_var - mu^2 - exp(log_var)): zero only at the prior."
    d = mu.shape[-1]
    candidates = {
        "-expected": (-expected, "The sign is wrong: a KL divergence is never negative.",
                      "It is -1/2 * sum(1 + log_var - mu^2 - exp(log_var)); mind the leading "
                      "minus."),
        "2 * expected": (2 * expected, "Your values are twice too large: the factor 1/2 is "
                         "missing.", "Multiply the sum by -0.5, not -1."),
        "expected / d": (expected / d, "You averaged over the latent dimensions; the contract "
                         "sums them.", "The KL of independent dimensions adds up: use np.sum, "
                         "not np.mean, over axis=-1."),
        "swapped": (-0.5 * np.sum(1 + np.exp(log_var) - mu**2 - log_var, axis=-1),
                    "You swapped log_var and exp(log_var).",
                    "The variance sigma^2 is exp(log_var); the formula has + log_var and "
                    "- exp(log_var)."),
        "no mu": (-0.5 * np.sum(1 + log_var - np.exp(log_var), axis=-1),
                  "The mu^2 term is missing: your KL does not care where the posterior sits.",
                  "Subtract mu**2 inside the sum."),
        "log_var as var": (-0.5 * np.sum(1 + np.log(np.abs(log_var)) - mu**2 - log_var, axis=-1),
                           "You treated log_var as the variance itself.",
                           "log_var = log(sigma^2): the variance is exp(log_var)."),
    }
    for _, (value, message, hint) in candidates.items():
        if np.allclose(found, value, rtol=1e-5, atol=1e-6):
            raise Failure(message, expected=np.array2string(expected, precision=4),
                          found=np.array2string(found, precision=4), hint=hint)
    close(found, expected, "The KL per image",
          hint="-0.5 * np.sum(1 + log_var - mu**2 - np.exp(log_var), axis=-1).")
    return None


# ---------------------------------------------------------------------------- the diagnosis
def _hist(d_real, d_fake, diversity):
    return {"d_acc_real": list(d_real), "d_acc_fake": list(d_fake), "diversity": list(diversity)}


_CASES = [
    ("a run that learns", _hist([0.8, 0.7, 0.75, 0.7, 0.72, 0.7], [0.9, 0.6, 0.65, 0.7, 0.66, 0.7],
                                [0.3, 0.6, 0.8, 0.85, 0.9, 0.88]), "healthy"),
    ("a run whose samples all look alike", _hist([0.8, 0.8, 0.85, 0.9, 0.9, 0.9],
                                                  [0.7, 0.8, 0.9, 0.9, 0.92, 0.93],
                                                  [0.7, 0.6, 0.4, 0.2, 0.15, 0.12]),
     "mode collapse"),
    ("a run where D is always right", _hist([0.9, 0.99, 1.0, 1.0, 1.0, 1.0],
                                            [0.9, 1.0, 1.0, 1.0, 1.0, 1.0],
                                            [0.6, 0.7, 0.75, 0.7, 0.72, 0.7]),
     "discriminator wins"),
    ("a run that collapsed AND whose D is always right", _hist(
        [0.9, 1.0, 1.0, 1.0, 1.0, 1.0], [0.9, 1.0, 1.0, 1.0, 1.0, 1.0],
        [0.5, 0.3, 0.1, 0.05, 0.04, 0.04]), "mode collapse"),
    ("a run that started badly and recovered", _hist(
        [1.0, 1.0, 1.0, 0.8, 0.7, 0.7], [1.0, 1.0, 1.0, 0.7, 0.7, 0.65],
        [0.1, 0.2, 0.3, 0.8, 0.9, 0.9]), "healthy"),
    ("a run that was fine for a while, then D took over", _hist(
        [0.7, 0.7, 0.7, 0.99, 1.0, 1.0], [0.7, 0.7, 0.7, 0.98, 1.0, 1.0],
        [0.8, 0.9, 0.9, 0.8, 0.8, 0.8]), "discriminator wins"),
]


@register("ch06.diagnose", "Diagnose a GAN run from its logged numbers")
def _diagnose(answer):
    labels = {"healthy", "mode collapse", "discriminator wins"}
    for description, history, expected in _CASES:
        found = answer({k: list(v) for k, v in history.items()})
        if not isinstance(found, str) or found not in labels:
            raise Failure("Return one of the three labels as a string.",
                          expected=" / ".join(sorted(labels)), found=repr(found))
        if found != expected:
            hint = "Judge the last three epochs (np.mean(history[key][-3:]))."
            if expected == "mode collapse" and found == "discriminator wins":
                hint = ("Check diversity first: a collapsed generator is easy to spot, so D wins "
                        "too, but the diagnosis is the collapse.")
            elif "recovered" in description or "took over" in description:
                hint = ("Use the last three epochs, not the first ones or the mean of all: a "
                        "diagnosis is about where the run ended up.")
            raise Failure(f"Wrong diagnosis for {description}.", expected=expected, found=found,
                          hint=hint)
    return "All six runs diagnosed: diversity first, then D's accuracy, over the last epochs."
