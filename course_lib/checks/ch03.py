"""Checks for the chapter 3 exercises (the GAN losses).

Every check compares the learner's answer with the NumPy references in ``cl.losses`` on fixed
inputs, then recognises the typical mistakes (signs, swapped labels, probabilities for logits,
a missing term, sum for mean, the minimax loss for the non-saturating one, unstable formulas)
and says which one it found.
"""

from __future__ import annotations

import math

import numpy as np

from course_lib import losses as L
from course_lib.checks import Failure, close, register

# Discriminator outputs are logits (chapter 2); shape (n, 1) like a Keras discriminator's.
_REAL = np.array([[2.0], [0.5], [-0.3], [1.2], [3.1], [-1.4]], dtype=np.float32)
_FAKE = np.array([[-1.5], [0.2], [-2.6], [0.9], [-0.4], [-3.0]], dtype=np.float32)
# Confident discriminators: a sigmoid rounds these to exactly 0 or 1 in float32.
# (+-800 overflows exp() even in float64.)
_REAL_BIG = np.array([[120.0], [-95.0], [30.0], [800.0]], dtype=np.float32)
_FAKE_BIG = np.array([[-110.0], [97.0], [-40.0], [-800.0]], dtype=np.float32)

_STABLE_HINT = (
    "Compute from logits: -log sigmoid(l) = softplus(-l) and -log(1 - sigmoid(l)) = softplus(l), "
    "with softplus(t) = max(t, 0) + log1p(exp(-|t|)) (chapter 2), or use "
    "tf.nn.sigmoid_cross_entropy_with_logits / keras.ops.softplus."
)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


def _bce_probs(y, logits):
    """Cross-entropy that takes the logits for probabilities (clipped), a typical slip."""
    return L.np_binary_cross_entropy(y, np.clip(np.asarray(logits, np.float64), 1e-7, 1 - 1e-7))


def _scalar(value, what: str) -> float:
    arr = np.asarray(value)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise Failure(f"{what} must be a number.", expected="a float (the batch mean)",
                      found=f"{type(value).__name__}")
    if arr.size != 1:
        raise Failure(
            f"{what} must be one number, the mean over the batch.", expected="shape ()",
            found=f"shape {arr.shape}",
            hint="Reduce the per-sample losses with np.mean (or tf.reduce_mean).",
        )
    return float(arr.reshape(()))


def _matches(found: float, value: float) -> bool:
    return bool(np.isfinite(value)) and math.isclose(found, value, rel_tol=1e-4, abs_tol=1e-6)


def _diagnose(found: float, expected: float, what: str, mistakes, hint: str = "") -> None:
    """Raise the Failure of the first known mistake that ``found`` matches, else a generic one."""
    if not math.isfinite(found):
        raise Failure(
            f"{what} is {found}: probably a log of zero or of a negative number.",
            expected=f"{expected:.4f}", found=str(found),
            hint="Logits can be negative: log(logit) is NaN. Turn logits into losses with the "
                 "stable formulas. " + _STABLE_HINT,
        )
    for value, message, hint_m in mistakes:
        if _matches(found, value):
            raise Failure(message, expected=f"{expected:.4f}", found=f"{found:.4f}", hint=hint_m)
    if not _matches(found, expected):
        raise Failure(f"{what} has the wrong value.", expected=f"{expected:.4f}",
                      found=f"{found:.4f}", hint=hint)


def _check_stable(fn, args, expected: float, what: str) -> None:
    with np.errstate(all="ignore"):
        found = _scalar(fn(*[a.copy() for a in args]), what)
    if not math.isfinite(found) or not _matches(found, expected):
        raise Failure(
            f"{what} is right for moderate logits but breaks for confident ones "
            f"(logits {np.array2string(args[0].ravel(), precision=0)}): it is not numerically "
            "stable.",
            expected=f"{expected:.4f}", found=f"{found:.4f}" if math.isfinite(found) else str(found),
            hint="sigmoid(100) is exactly 1.0 in float32, so log(1 - sigmoid(100)) = log(0). "
                 + _STABLE_HINT,
        )


# ------------------------------------------------------------------ exercise 1: L_D
@register("ch03.discriminator_loss", "The discriminator loss L_D from logits")
def _discriminator_loss(answer):
    n = len(_REAL)
    with np.errstate(all="ignore"):
        found = _scalar(answer(_REAL.copy(), _FAKE.copy()), "L_D")
    expected = L.np_discriminator_loss(_REAL, _FAKE)
    real_term = L.np_binary_cross_entropy_from_logits(np.ones_like(_REAL), _REAL)
    fake_term = L.np_binary_cross_entropy_from_logits(np.zeros_like(_FAKE), _FAKE)
    swapped = (L.np_binary_cross_entropy_from_logits(np.zeros_like(_REAL), _REAL)
               + L.np_binary_cross_entropy_from_logits(np.ones_like(_FAKE), _FAKE))
    mistakes = [
        (-expected, "The sign is flipped: you returned log D(x) + log(1 - D(G(z))), the value "
         "function V that the discriminator *maximises*; L_D = -V is what it minimises.",
         "Both log terms are negative, so L_D must be positive. Put a minus in front."),
        (swapped, "Real and fake labels are swapped: real samples must have target 1 "
         "(log D(x)) and generated ones target 0 (log(1 - D(G(z)))).",
         "Use sigmoid cross-entropy with labels 1 for real_logits and 0 for fake_logits."),
        (L.np_binary_cross_entropy_from_logits(np.ones_like(_REAL), _sigmoid(_REAL))
         + L.np_binary_cross_entropy_from_logits(np.zeros_like(_FAKE), _sigmoid(_FAKE)),
         "You applied the sigmoid and then a loss that expects logits: the sigmoid was "
         "applied twice.",
         "Pass the raw logits to the from-logits cross-entropy, without sigmoid."),
        (_bce_probs(np.ones_like(_REAL), _REAL) + _bce_probs(np.zeros_like(_FAKE), _FAKE),
         "You treated the logits as probabilities (clipped into [0, 1]).",
         "The discriminator returns logits; D(x) = sigmoid(logit). " + _STABLE_HINT),
        (real_term, "Only the real term -log D(x) is there; the fake term "
         "-log(1 - D(G(z))) is missing.", "L_D has two terms, one per batch: add them."),
        (fake_term, "Only the fake term -log(1 - D(G(z))) is there; the real term -log D(x) "
         "is missing.", "L_D has two terms, one per batch: add them."),
        (n * expected, "You summed over the batch instead of averaging.",
         "Use the mean of each term, so the loss does not grow with the batch size."),
        (0.5 * expected, "You halved L_D: averaged the two terms, or took one mean over real "
         "and fake samples together.",
         "L_D = mean(-log D(x)) + mean(-log(1 - D(G(z)))): add the two batch means. "
         "(Halving changes only the scale, but the checks and cl.losses use the sum.)"),
    ]
    _diagnose(found, expected, "L_D", mistakes,
              hint="L_D = -[mean log D(x) + mean log(1 - D(G(z)))] with D = sigmoid(logit).")
    _check_stable(answer, (_REAL_BIG, _FAKE_BIG), L.np_discriminator_loss(_REAL_BIG, _FAKE_BIG),
                  "L_D")
    return ("L_D = mean softplus(-real_logits) + mean softplus(fake_logits), stable for "
            "confident discriminators too.")


# ------------------------------------------------------------------ exercise 2: non-saturating
@register("ch03.generator_loss_non_saturating", "The non-saturating generator loss -log D(G(z))")
def _generator_loss_ns(answer):
    n = len(_FAKE)
    with np.errstate(all="ignore"):
        found = _scalar(answer(_FAKE.copy()), "L_G")
    expected = L.np_generator_loss_non_saturating(_FAKE)
    minimax = L.np_generator_loss_minimax(_FAKE)
    mistakes = [
        (minimax, "That is the minimax generator loss log(1 - D(G(z))), not the non-saturating "
         "-log D(G(z)).",
         "Both push D(G(z)) up, but this exercise asks for -log D(G(z)) = softplus(-logit)."),
        (-minimax, "You returned -log(1 - D(G(z))): minimising it makes D(G(z)) *small*, so "
         "the generator would help the discriminator. This is the direction error in the "
         "article's prose ('minimise the probability the discriminator assigns to generated "
         "data').", "The generator wants D(G(z)) high: minimise -log D(G(z))."),
        (-expected, "The sign is flipped: minimising log D(G(z)) pushes D(G(z)) down.",
         "-log D(G(z)) is positive and falls as D(G(z)) rises towards 1."),
        (L.np_binary_cross_entropy_from_logits(np.ones_like(_FAKE), _sigmoid(_FAKE)),
         "You applied the sigmoid and then a loss that expects logits (sigmoid twice).",
         "Pass the raw logits to the from-logits cross-entropy."),
        (_bce_probs(np.ones_like(_FAKE), _FAKE),
         "You treated the logits as probabilities.",
         "D(G(z)) = sigmoid(logit). " + _STABLE_HINT),
        (n * expected, "You summed over the batch instead of averaging.",
         "Return the batch mean."),
    ]
    _diagnose(found, expected, "L_G", mistakes,
              hint="L_G = mean(-log D(G(z))) = mean softplus(-logit).")
    _check_stable(answer, (_FAKE_BIG,), L.np_generator_loss_non_saturating(_FAKE_BIG),
                  "L_G")
    return ("-log D(G(z)) from logits: large while D rejects the fakes, so the generator "
            "keeps learning.")


# ------------------------------------------------------------------ exercise 3: minimax
@register("ch03.generator_loss_minimax", "The minimax generator loss log(1 - D(G(z)))")
def _generator_loss_minimax(answer):
    n = len(_FAKE)
    with np.errstate(all="ignore"):
        found = _scalar(answer(_FAKE.copy()), "The minimax loss")
    expected = L.np_generator_loss_minimax(_FAKE)
    ns = L.np_generator_loss_non_saturating(_FAKE)
    mistakes = [
        (ns, "That is the non-saturating loss -log D(G(z)), not the minimax loss.",
         "The minimax generator minimises its own term of V: log(1 - D(G(z)))."),
        (-expected, "The sign is flipped: you returned -log(1 - D(G(z))), which the generator "
         "would minimise by making D(G(z)) small, the article's direction error.",
         "The generator *minimises* V, so its loss is +log(1 - D(G(z))), a negative number."),
        (-ns, "You returned log D(G(z)), not log(1 - D(G(z))).",
         "1 - D(G(z)) = sigmoid(-logit), so log(1 - D(G(z))) = -softplus(logit)."),
        (-L.np_binary_cross_entropy_from_logits(np.zeros_like(_FAKE), _sigmoid(_FAKE)),
         "You applied the sigmoid and then a loss that expects logits (sigmoid twice).",
         "Pass the raw logits to the from-logits cross-entropy."),
        (n * expected, "You summed over the batch instead of averaging.",
         "Return the batch mean."),
    ]
    _diagnose(found, expected, "The minimax loss", mistakes,
              hint="log(1 - D(G(z))) = -softplus(logit), averaged over the batch.")
    _check_stable(answer, (-_FAKE_BIG,), L.np_generator_loss_minimax(-_FAKE_BIG),
                  "The minimax loss")
    return "log(1 - D(G(z))) = -softplus(logit): the term of V the generator minimises."


# ------------------------------------------------------------------ exercise 4: gradients
@register("ch03.generator_loss_gradients",
          "Gradients of both generator losses with respect to the logit")
def _generator_loss_gradients(answer):
    d = np.array([0.001, 0.01, 0.1, 0.5, 0.9, 0.99])
    out = answer(d.copy())
    if not isinstance(out, tuple | list) or len(out) != 2:
        raise Failure("Return a pair (grad_minimax, grad_non_saturating).",
                      expected="a tuple of two arrays", found=f"{type(out).__name__}")
    with np.errstate(all="ignore"):
        gm = np.asarray(out[0], dtype=np.float64)
        gn = np.asarray(out[1], dtype=np.float64)
    want_m, want_n = -d, d - 1.0
    for g, nm in ((gm, "grad_minimax"), (gn, "grad_non_saturating")):
        if g.shape != d.shape:
            raise Failure(f"{nm} must have one value per D value.", expected=str(d.shape),
                          found=str(g.shape), hint="Compute elementwise with NumPy.")

    def same(a, b):
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-5, atol=1e-8))

    if same(gm, want_n) and same(gn, want_m):
        raise Failure("The two gradients are swapped.", expected="(-D, D - 1)",
                      found="(D - 1, -D)",
                      hint="Which loss has the factor 1 - D(G(z)) inside its log?")
    if same(gm, -1 / (1 - d)) or same(gn, -1 / d):
        raise Failure(
            "You differentiated with respect to D, not with respect to the logit.",
            expected="d/dl, where D = sigmoid(l)", found="d/dD",
            hint="Chain rule: dL/dl = dL/dD * dD/dl, and dD/dl = D (1 - D).",
        )
    if same(gm, d) or same(gn, 1 - d):
        raise Failure("The signs are flipped.", expected="negative gradients",
                      found="positive gradients",
                      hint="Both losses fall as the logit rises (the generator wants D(G(z)) "
                           "high), so both derivatives are negative.")
    close(gm, want_m, "grad_minimax", rtol=1e-5, atol=1e-8,
          hint="d/dl log(1 - sigmoid(l)) = -sigmoid(l) = -D.")
    close(gn, want_n, "grad_non_saturating", rtol=1e-5, atol=1e-8,
          hint="d/dl [-log sigmoid(l)] = -(1 - sigmoid(l)) = D - 1.")
    return ("Minimax: -D, which vanishes as D(G(z)) -> 0 (it saturates exactly when the "
            "generator is worst). Non-saturating: D - 1, close to -1 there.")


# ------------------------------------------------------------------ exercise 5: D*
@register("ch03.optimal_discriminator", "The optimal discriminator D* for a fixed generator")
def _optimal_discriminator(answer):
    p_data = np.array([0.40, 0.25, 0.05, 0.0, 0.10, 0.30])
    p_g = np.array([0.10, 0.25, 0.30, 0.20, 0.0, 0.60])
    with np.errstate(all="ignore"):
        found = np.asarray(answer(p_data.copy(), p_g.copy()), dtype=np.float64)
    expected = p_data / (p_data + p_g)
    if found.shape != expected.shape:
        raise Failure("D* must have one value per point.", expected=str(expected.shape),
                      found=str(found.shape), hint="Compute elementwise; do not sum or average.")

    def same(a):
        with np.errstate(all="ignore"):
            return bool(np.allclose(found, a, rtol=1e-6, atol=1e-9, equal_nan=False))

    with np.errstate(all="ignore"):
        if same(p_g / (p_data + p_g)):
            raise Failure(
                "You returned p_g / (p_data + p_g): the probability of being *fake*.",
                expected=np.array2string(expected, precision=3),
                found=np.array2string(found, precision=3),
                hint="D(x) is the probability that x is real, so p_data goes on top.",
            )
        if not np.all(np.isfinite(found)) or same(p_data / p_g):
            raise Failure(
                "D* must be a probability in [0, 1]; p_data / p_g is the density ratio, "
                "which is unbounded (infinite where p_g = 0).",
                expected=np.array2string(expected, precision=3),
                found=np.array2string(found, precision=3),
                hint="Divide by the sum p_data + p_g instead.",
            )
        if same(np.full_like(expected, 0.5)):
            raise Failure("0.5 everywhere is D* only once p_g = p_data; here the densities "
                          "differ.", hint="Use the formula p_data / (p_data + p_g) pointwise.")
    close(found, expected, "D*", rtol=1e-6, atol=1e-9,
          hint="D*(x) = p_data(x) / (p_data(x) + p_g(x)).")
    return "D* = p_data / (p_data + p_g): 1 where only real data lands, 0 where only fakes do."


# ------------------------------------------------------------------ exercise 6: equilibrium
@register("ch03.equilibrium_value", "The value of the game at equilibrium")
def _equilibrium_value(answer):
    value = answer()
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise Failure("Return one number (a float).", expected="a float", found=repr(value))
    value = float(value)
    expected = -math.log(4.0)
    if math.isclose(value, math.log(4.0), rel_tol=1e-4):
        raise Failure(
            "That is L_D = -V at equilibrium (the d_loss ≈ 1.386 seen in training), not V.",
            expected=f"{expected:.4f}", found=f"{value:.4f}",
            hint="V is a sum of logs of probabilities, so it is negative.")
    if math.isclose(value, -math.log(2.0), rel_tol=1e-4):
        raise Failure("That is one of the two terms only.", expected=f"{expected:.4f}",
                      found=f"{value:.4f}",
                      hint="V = E[log D*(x)] + E[log(1 - D*(G(z)))], and both terms count.")
    if math.isclose(value, 0.5, rel_tol=1e-4):
        raise Failure("0.5 is D*(x) at equilibrium, not the value V.", expected=f"{expected:.4f}",
                      found=f"{value:.4f}", hint="Put D* = 1/2 into both log terms of V.")
    close(value, expected, "V(D*, G) at p_g = p_data", rtol=1e-4, atol=1e-6,
          hint="With D* = 1/2 everywhere: V = log(1/2) + log(1/2).")
    return "V = log 1/2 + log 1/2 = -log 4 ≈ -1.386, so d_loss hovers near log 4 = 1.386."
