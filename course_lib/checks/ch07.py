"""Checks for the chapter 7 exercises (diffusion): the forward process, one DDIM step, the
cosine schedule.

Each check runs the learner's NumPy function on small fixed inputs and compares it with
``course_lib.diffusion``; the typical wrong answers (variances where standard deviations belong,
the step's index off by one, the two noise levels swapped, ...) are tried first and named.
"""

from __future__ import annotations

import math

import numpy as np

from course_lib.checks import Failure, as_array, close, register
from course_lib.checks.diagnose import Probe, known
from course_lib.checks.messages import tr

_T = 10


# ------------------------------------------------------------------------------ q_sample
def _q_inputs():
    rng = np.random.default_rng(7)
    x0 = rng.uniform(-1, 1, (3, 4, 4, 1))
    eps = rng.standard_normal(x0.shape)
    t = np.array([0, 4, 9])
    f = np.cos((np.arange(_T + 1) / _T + 0.008) / 1.008 * np.pi / 2) ** 2
    return x0, t, eps, (f / f[0])[1:]


def _q_mistakes(x0, t, eps, abars):
    a = abars[t][:, None, None, None]
    a_next = abars[np.minimum(t + 1, _T - 1)][:, None, None, None]
    a_prev = np.concatenate([[1.0], abars])[t][:, None, None, None]
    return [
        known(a * x0 + (1 - a) * eps, "You used abar and 1 - abar as the factors: those are "
              "the variances, the factors are their square roots.",
              "x_t = np.sqrt(abar) * x0 + np.sqrt(1 - abar) * eps.", key="ch07.q_sample.var"),
        known(np.sqrt(1 - a) * x0 + np.sqrt(a) * eps, "The two factors are swapped: your x_t "
              "is mostly image at large t and mostly noise at small t.",
              "The signal gets sqrt(abar_t), which falls with t; the noise sqrt(1 - abar_t).",
              key="ch07.q_sample.swapped"),
        known(np.sqrt(a_prev) * x0 + np.sqrt(1 - a_prev) * eps, "You used the noise level of "
              "step t - 1: the index is off by one.", "Use alpha_bars[t] itself (t is 0-based).",
              key="ch07.q_sample.t_minus_1"),
        known(np.sqrt(a_next) * x0 + np.sqrt(1 - a_next) * eps, "You used the noise level of "
              "step t + 1: the index is off by one.", "Use alpha_bars[t] itself (t is 0-based).",
              key="ch07.q_sample.t_plus_1"),
        known(np.sqrt(abars[t[0]]) * x0 + np.sqrt(1 - abars[t[0]]) * eps, "Every image got "
              "the first image's step t[0]: each image has its own t.",
              "Index with the whole array, alpha_bars[t], and reshape it to (n, 1, 1, 1).",
              key="ch07.q_sample.one_t"),
        known(np.sqrt(a) * x0 + (1 - a) * eps, "The noise's factor is 1 - abar, its variance; "
              "the factor is its square root.", "Use np.sqrt(1 - abar) * eps.",
              key="ch07.q_sample.noise_var"),
    ]


@register("ch07.q_sample", "The forward process in closed form, x_t from x0, t and eps",
          expects="an array x_t of the shape of x0")
def _q_sample(answer):
    x0, t, eps, abars = _q_inputs()
    found = answer(x0.copy(), t.copy(), eps.copy(), abars.copy())
    a = abars[t][:, None, None, None]
    expected = np.sqrt(a) * x0 + np.sqrt(1 - a) * eps
    close(found, expected, "Your x_t", rtol=1e-5, atol=1e-7,
          probe=Probe(calls=[(x0, t, eps, abars)], names=("x0", "t", "eps", "alpha_bars"),
                      counts={"images": 3, "steps T": _T}),
          relations=_q_mistakes(x0, t, eps, abars),
          hint="x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps, with abar_t = alpha_bars[t] "
          "reshaped to (n, 1, 1, 1).")
    return ("x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps, each image at its own step: the "
            "forward process in one line, no loop over steps.")


# ------------------------------------------------------------------------------ ddim_step
def _ddim_inputs():
    rng = np.random.default_rng(3)
    return rng.standard_normal((2, 4, 4, 1)), rng.standard_normal((2, 4, 4, 1)), 0.3, 0.8


def _ddim(x_t, eps, a_t, a_prev, renoise=None, divide=None):
    x0 = (x_t - math.sqrt(1 - a_t) * eps) / (divide if divide is not None else math.sqrt(a_t))
    return math.sqrt(a_prev) * x0 + math.sqrt(1 - (renoise if renoise is not None else a_prev)) * eps


def _ddim_mistakes(x_t, eps, a_t, a_prev):
    x0 = (x_t - math.sqrt(1 - a_t) * eps) / math.sqrt(a_t)
    return [
        known(x0, "You returned x0_hat, the predicted clean image: DDIM re-noises it to the "
              "earlier level abar_prev.", "Return sqrt(abar_prev) * x0_hat + sqrt(1 - abar_prev) "
              "* eps.", key="ch07.ddim_step.x0_only"),
        known(_ddim(x_t, eps, a_prev, a_t), "You swapped abar_t and abar_prev: your step goes "
              "towards more noise, not less.", "x0_hat uses abar_t (the level of x_t); the "
              "re-noising uses abar_prev.", key="ch07.ddim_step.swapped"),
        known(_ddim(x_t, eps, a_t, a_prev, renoise=a_t), "The re-noising kept the old level: "
              "sqrt(1 - abar_t) * eps where sqrt(1 - abar_prev) * eps belongs.",
              "Both parts of x_prev use abar_prev.", key="ch07.ddim_step.old_noise"),
        known(_ddim(x_t, eps, a_t, a_prev, divide=a_t), "x0_hat is divided by abar_t instead "
              "of its square root.", "x0_hat = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t).",
              key="ch07.ddim_step.no_sqrt"),
        known(math.sqrt(a_prev) * (x_t - math.sqrt(1 - a_t) * eps) + math.sqrt(1 - a_prev) * eps,
              "x0_hat is not divided by sqrt(abar_t): the noise was removed but the signal "
              "not scaled back up.", "x0_hat = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t).",
              key="ch07.ddim_step.no_divide"),
        known(math.sqrt(a_prev) * x0 + (1 - a_prev) * eps, "The noise's factor is 1 - "
              "abar_prev, a variance; it needs the square root.", "Use np.sqrt(1 - abar_prev) "
              "* eps.", key="ch07.ddim_step.noise_var"),
    ]


@register("ch07.ddim_step", "One deterministic DDIM step (eta = 0)",
          expects="an array x_prev of the shape of x_t")
def _ddim_step(answer):
    x_t, eps, a_t, a_prev = _ddim_inputs()
    found = as_array(answer(x_t.copy(), eps.copy(), a_t, a_prev), "Your x_prev")
    again = as_array(answer(x_t.copy(), eps.copy(), a_t, a_prev), "Your x_prev")
    if found.shape == again.shape and not np.array_equal(again, found):
        raise Failure("Your step gives a different answer each time: DDIM with eta = 0 adds "
                      "no fresh noise.", expected="the same x_prev for the same inputs",
                      found="two different results", hint="Use only x_t, eps and the two abar.")
    close(found, _ddim(x_t, eps, a_t, a_prev), "Your x_prev", rtol=1e-5, atol=1e-7,
          probe=Probe(reference=_ddim, calls=[(x_t, eps, a_t, a_prev)],
                      names=("x_t", "eps", "alpha_bar_t", "alpha_bar_prev")),
          relations=_ddim_mistakes(x_t, eps, a_t, a_prev),
          hint="x0_hat = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t); then x_prev = "
          "sqrt(abar_prev) x0_hat + sqrt(1 - abar_prev) eps.")
    return ("Predict x0, then re-noise it to the earlier level with the same predicted noise: "
            "no fresh noise, so the sampler is a deterministic map from x_T to x_0.")


# ------------------------------------------------------------------------- cosine schedule
def _cosine_mistakes(T):
    t = np.arange(T + 1) / T
    f = np.cos((t + 0.008) / 1.008 * np.pi / 2) ** 2
    g = np.cos((t + 0.008) / 1.008 * np.pi / 2)
    return [
        known(f[1:], "Your values are f(t), not normalised: divide by f(0).",
              "abar(t) = f(t) / f(0), so that abar is 1 before any noise.",
              key="ch07.cosine.unnormalised"),
        known((f / f[0])[:-1], "Your values are abar for t = 0 .. T-1: shifted by one step.",
              "Use t = 1 .. T (np.arange(1, T + 1) / T).", key="ch07.cosine.shifted"),
        known((g / g[0])[1:], "You used cos, not cos^2.", "f(t) = cos((t/T + s) / (1 + s) * "
              "pi / 2) ** 2.", key="ch07.cosine.no_square"),
        known(np.cos(t * np.pi / 2)[1:] ** 2, "You left out the offset s = 0.008.",
              "f(t) = cos((t/T + s) / (1 + s) * pi / 2) ** 2 with s = 0.008.",
              key="ch07.cosine.no_offset"),
    ]


@register("ch07.cosine_alpha_bars", "The cosine schedule's abar_t for t = 1 .. T",
          expects="an array of T numbers falling from about 1 to about 0")
def _cosine(answer):
    for T in (10, 1000):
        found = answer(T)
        t = np.arange(T + 1) / T
        f = np.cos((t + 0.008) / 1.008 * np.pi / 2) ** 2
        if np.shape(found) == (T + 1,):
            raise Failure(tr("Your array has T + 1 = {T_plus1} entries: it includes t = 0.", T_plus1=T + 1),
                          expected=tr("{T} values, for t = 1 .. T", T=T), found=tr("{T_plus1} values", T_plus1=T + 1),
                          hint="Drop the first entry (abar at t = 0 is 1): return (f / f[0])[1:].")
        close(found, (f / f[0])[1:], tr("Your abar for T = {T}", T=T), rtol=1e-6, atol=1e-9,
              probe=Probe(counts={"T": T}), relations=_cosine_mistakes(T),
              hint="f(t) = cos((t/T + 0.008) / 1.008 * pi / 2)**2 for t = 0 .. T; abar = "
              "f[1:] / f[0].")
    return ("abar falls smoothly from almost 1 to almost 0: the cosine schedule spends its "
            "steps evenly over the image's information.")
