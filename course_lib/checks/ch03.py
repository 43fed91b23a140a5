"""Checks for the chapter 3 exercises (the GAN losses and the game's optimum).

The discriminator loss is compared with ``cl.losses`` on several batches, then on confident
logits; the value of the game and the Jensen-Shannon divergence on several pairs of discrete
distributions (and V = -log 4 + 2 JSD between them); the gap |D - D*| on densities given on a
grid. Listed mistakes are named first; any other wrong answer gets the general relation
diagnosis of :mod:`course_lib.checks.diagnose`.
"""

from __future__ import annotations

import math

import numpy as np

from course_lib import losses as L
from course_lib.checks import Failure, as_array, close, register
from course_lib.checks.diagnose import Probe, known
from course_lib.checks.messages import tr

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


def _scalar(value, what: str, loss: bool = True) -> float:
    arr = as_array(value, what, expects="one number (a float)")
    if arr.size != 1:
        if loss:
            raise Failure(
                tr("{what} must be one number, the mean over the batch.", what=what), expected="shape ()",
                found=tr("shape {shape}", shape=arr.shape),
                hint="Reduce the per-sample losses with np.mean (or tf.reduce_mean).")
        raise Failure(tr("{what} must be one number; your function returned {size} (shape {shape}).", what=what, size=arr.size, shape=arr.shape), expected="one float", found=tr("shape {shape}", shape=arr.shape),
                      hint="Add the per-point terms up with np.sum into one number.")
    return float(arr.reshape(()))


def _matches(found: float, value: float) -> bool:
    return bool(np.isfinite(value)) and math.isclose(found, value, rel_tol=1e-4, abs_tol=1e-6)


def _diagnose(found: float, expected: float, what: str, mistakes, hint: str = "",
              more=None) -> None:
    """Raise the Failure of the first known mistake that ``found`` matches, else diagnose.

    ``more`` is ``(answer, probe)``: the learner's function and a stacked :class:`Probe` over
    further batches, on which an unlisted mistake is diagnosed by its relation to the reference.
    """
    if not math.isfinite(found):
        raise Failure(
            tr("{what} is {found}: probably a log of zero or of a negative number.", what=what, found=found),
            expected=f"{expected:.4f}", found=str(found),
            hint=tr("Logits can be negative: log(logit) is NaN. Turn logits into losses with the "
                    "stable formulas. ") + tr(_STABLE_HINT),
        )
    for value, message, hint_m in mistakes:
        if _matches(found, value):
            raise Failure(message, expected=f"{expected:.4f}", found=f"{found:.4f}", hint=hint_m)
    if not _matches(found, expected):
        if more is not None:
            answer, probe = more
            with np.errstate(all="ignore"):
                values = np.array([_scalar(answer(*[np.copy(a) for a in call]), what)
                                   for call in probe.calls])
                ref = np.array([probe.reference(*call) for call in probe.calls], np.float64)
            close(values, ref, what, rtol=1e-4, atol=1e-6, hint=hint, probe=probe)
        raise Failure(tr("{what} has the wrong value.", what=what), expected=f"{expected:.4f}",
                      found=f"{found:.4f}", hint=hint)


def _check_stable(fn, args, expected: float, what: str) -> None:
    with np.errstate(all="ignore"):
        found = _scalar(fn(*[a.copy() for a in args]), what)
    if not math.isfinite(found) or not _matches(found, expected):
        raise Failure(
            tr("{what} is right for moderate logits but breaks for confident ones (logits {logits}): it is "
               "not numerically stable.", what=what, logits=np.array2string(args[0].ravel(), precision=0)),
            expected=f"{expected:.4f}", found=f"{found:.4f}" if math.isfinite(found) else str(found),
            hint=tr("sigmoid(100) is exactly 1.0 in float32, so log(1 - sigmoid(100)) = log(0). ")
                 + tr(_STABLE_HINT),
        )


def _ld_probe() -> Probe:
    rng = np.random.default_rng(31)
    calls = [(_REAL, _FAKE)]
    for n in (6, 6, 6, 6):
        calls.append((rng.normal(1.0, 1.5, (n, 1)).astype(np.float32),
                      rng.normal(-1.0, 1.5, (n, 1)).astype(np.float32)))
    return Probe(reference=L.np_discriminator_loss, calls=calls, stacked=True,
                 names=("real_logits", "fake_logits"),
                 kinds={"real_logits": "logits", "fake_logits": "logits"},
                 counts={"examples in each batch": 6, "examples in both batches": 12})


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
         tr("The discriminator returns logits; D(x) = sigmoid(logit). ") + tr(_STABLE_HINT)),
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
    _diagnose(found, expected, "L_D", mistakes, more=(answer, _ld_probe()),
              hint="L_D = -[mean log D(x) + mean log(1 - D(G(z)))] with D = sigmoid(logit).")
    _check_stable(answer, (_REAL_BIG, _FAKE_BIG), L.np_discriminator_loss(_REAL_BIG, _FAKE_BIG),
                  "L_D")
    return ("L_D = mean softplus(-real_logits) + mean softplus(fake_logits), stable for "
            "confident discriminators too.")


# ------------------------------------------------------------------ exercise 2: V and JSD
def _xlogy(x, y):
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    with np.errstate(all="ignore"):
        return np.where(x > 0, x * np.log(np.where(x > 0, y, 1.0)), 0.0)


def _value_and_jsd(p, q):
    """V(D*, G) and JSD(p || q) for discrete distributions (0 log 0 = 0)."""
    p, q = np.asarray(p, np.float64), np.asarray(q, np.float64)
    s = p + q
    with np.errstate(all="ignore"):
        v = float(np.sum(_xlogy(p, p / s)) + np.sum(_xlogy(q, q / s)))
        m = s / 2
        jsd = float(0.5 * np.sum(_xlogy(p, p / m)) + 0.5 * np.sum(_xlogy(q, q / m)))
    return v, jsd


def _game_pairs():
    rng = np.random.default_rng(33)
    pairs = [(np.array([0.4, 0.3, 0.2, 0.1]), np.array([0.1, 0.2, 0.3, 0.4])),
             (np.array([0.5, 0.5, 0.0, 0.0]), np.array([0.0, 0.25, 0.25, 0.5])),
             (np.array([0.7, 0.1, 0.1, 0.1]), np.array([0.25, 0.25, 0.25, 0.25]))]
    for _ in range(3):
        a, b = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5))
        pairs.append((a, b))
    return pairs


@register("ch03.game_value", "V(D*, G) and the Jensen-Shannon divergence of two distributions",
          expects="a pair of numbers (V, jsd)")
def _game_value(answer):
    pairs = _game_pairs()
    vs, jsds = _game_answers(answer, pairs)
    ref = np.array([_value_and_jsd(p, q) for p, q in pairs])
    labels = [tr("p_data {p}, p_g {q}", p=np.round(p, 2).tolist(), q=np.round(q, 2).tolist())
              for p, q in pairs]
    counts = {"points": 4}

    v_wrong = np.array([np.sum(_xlogy(p, q / (p + q))) + np.sum(_xlogy(q, p / (p + q)))
                        for p, q in pairs])
    v_mistakes = [
        known(v_wrong, "V uses D = p_g / (p_data + p_g): the probability of being fake, not "
              "D* = p_data / (p_data + p_g).", "D*(x) is the probability that x is real: "
              "p_data on top.", key="ch03.game_value.d_fake"),
        known(-ref[:, 0], "V has the wrong sign: it is L_D = -V.", "V is a sum of p log "
              "(a probability), so it is at most 0.", key="ch03.game_value.sign"),
    ]
    close(vs, ref[:, 0], "V(D*, G)", rtol=1e-6, atol=1e-9, relations=v_mistakes,
          probe=Probe(labels=labels, counts=counts),
          hint="V = sum p_data log D* + sum p_g log(1 - D*), D* = p_data / (p_data + p_g); "
          "terms with a zero weight count 0.")
    jsd_mistakes = _jsd_mistakes(pairs)
    if not np.all(np.isfinite(jsds)):
        bad = [lab for lab, j in zip(labels, jsds, strict=True) if not np.isfinite(j)]
        raise Failure(
            tr("Your JSD is infinite or NaN for {n_bad} of {n_pairs} pairs, e.g. {v}: the pairs where "
               "one distribution has a zero.", n_bad=len(bad), n_pairs=len(pairs), v=bad[0]), expected="finite values",
            found=np.array2string(jsds, precision=3),
            hint="A term p log(p / m) with p = 0 counts 0 (use np.where, or keep only p > 0); "
            "the mixture m is never 0 where p or q is not.")
    close(jsds, ref[:, 1], "JSD", rtol=1e-6, atol=1e-9, relations=jsd_mistakes,
          probe=Probe(labels=labels, counts=counts),
          hint="m = (p_data + p_g) / 2; JSD = 1/2 sum p_data log(p_data / m) + 1/2 sum p_g "
          "log(p_g / m), natural log.")
    same = answer(pairs[0][0].copy(), pairs[0][0].copy())
    close(np.array([_scalar(same[0], "V", loss=False), _scalar(same[1], "jsd", loss=False)]),
          np.array([-math.log(4.0), 0.0]), "(V, JSD) for p_g = p_data", rtol=1e-6, atol=1e-9,
          hint="With p_g = p_data, D* = 1/2 everywhere.")
    gap = float(np.max(np.abs(vs - (-math.log(4.0) + 2 * jsds))))
    return (tr("V(D*, G) = -log 4 + 2 JSD on all {n_pairs} pairs (largest difference {gap:.1e}): the "
               "generator minimises the Jensen-Shannon divergence.", n_pairs=len(pairs), gap=gap))


def _game_answers(answer, pairs):
    """The learner's (V, jsd) on each pair, as two arrays; a Failure if one is not a pair."""
    vs, jsds = [], []
    for p, q in pairs:
        out = answer(p.copy(), q.copy())
        if not isinstance(out, tuple | list) or len(out) != 2:
            raise Failure("Return the pair (V, jsd).", expected="a tuple of two numbers",
                          found=f"{type(out).__name__}" if not isinstance(out, tuple | list)
                          else tr("a {kind} of {n_out} values", kind=type(out).__name__, n_out=len(out)),
                          hint="End with `return v, jsd`.")
        vs.append(_scalar(out[0], "V", loss=False))
        jsds.append(_scalar(out[1], "jsd", loss=False))
    vs, jsds = np.array(vs), np.array(jsds)
    return vs, jsds


def _jsd_mistakes(pairs) -> list:
    """The known wrong divergences (KL, symmetrised KL) on each pair."""
    def kl(a, b):
        with np.errstate(all="ignore"):
            return np.sum(_xlogy(a, a / b))


    with np.errstate(all="ignore"):
        kl_pq = np.array([kl(p, q) for p, q in pairs])
        sym = np.array([0.5 * kl(p, q) + 0.5 * kl(q, p) for p, q in pairs])
    jsd_mistakes = [
        known(kl_pq, "That is KL(p_data || p_g), not the Jensen-Shannon divergence.",
              "JSD compares each distribution with their MIXTURE m = (p_data + p_g) / 2: "
              "1/2 KL(p_data || m) + 1/2 KL(p_g || m).", key="ch03.game_value.kl"),
        known(sym, "That is the symmetrised KL, 1/2 KL(p||q) + 1/2 KL(q||p), not the JSD.",
              "Compare each distribution with the mixture m = (p_data + p_g) / 2, not with "
              "the other one.", key="ch03.game_value.symmetric_kl"),
    ]
    return jsd_mistakes


# ------------------------------------------------------------------ exercise 3: |D - D*|
def _gap_reference(d, p_data, p_g):
    d, p, q = (np.asarray(a, np.float64) for a in (d, p_data, p_g))
    w = 0.5 * (p + q)
    d_star = p / np.where(p + q > 0, p + q, 1.0)
    return float(np.sum(np.abs(d - d_star) * w) / np.sum(w))


def _gap_cases():
    grid = np.linspace(-6.0, 10.0, 321)
    rng = np.random.default_rng(34)
    cases = []
    for mu_g, s_g in ((0.0, 0.5), (3.5, 1.25), (4.2, 1.0), (1.0, 2.0)):
        p = np.exp(-((grid - 4.0) ** 2) / (2 * 1.25**2)) / np.sqrt(2 * np.pi * 1.25**2)
        q = np.exp(-((grid - mu_g) ** 2) / (2 * s_g**2)) / np.sqrt(2 * np.pi * s_g**2)
        d = 1 / (1 + np.exp(-(rng.normal(0.8, 0.3) * (grid - rng.normal(2.0, 1.0)))))
        cases.append((d, p, q, f"p_g = N({mu_g}, {s_g}^2)"))
    return cases


@register("ch03.gap_to_optimum", "How far a trained D is from D*, where the samples land",
          expects="one number (a float)")
def _gap_to_optimum(answer):
    cases = _gap_cases()
    found = np.array([_scalar(answer(d.copy(), p.copy(), q.copy()), "The gap", loss=False)
                      for d, p, q, _ in cases])
    expected = np.array([_gap_reference(d, p, q) for d, p, q, _ in cases])

    def variant(fn):
        with np.errstate(all="ignore"):
            return np.array([fn(d, p, q) for d, p, q, _ in cases])

    def d_star(p, q):
        return p / np.where(p + q > 0, p + q, 1.0)

    mistakes = [
        known(variant(lambda d, p, q: np.mean(np.abs(d - d_star(p, q)))),
              "You averaged |D - D*| over the whole grid, also where no sample ever lands.",
              "Weight each point by where the samples are, (p_data + p_g) / 2, and divide by "
              "the sum of the weights.", key="ch03.gap.unweighted"),
        known(variant(lambda d, p, q: _gap_reference(d, q, p)),
              "You compared D with p_g / (p_data + p_g), the optimal probability of being "
              "FAKE.", "D*(x) = p_data / (p_data + p_g).", key="ch03.gap.d_star_fake"),
        known(variant(lambda d, p, q: np.sum(np.abs(d - d_star(p, q)) * p) / np.sum(p)),
              "You weighted by p_data alone: the fakes' region does not count.",
              "Weight by both, (p_data + p_g) / 2: the samples D sees are real AND fake.",
              key="ch03.gap.data_weight"),
        known(variant(lambda d, p, q: np.sum(np.abs(d - d_star(p, q)) * q) / np.sum(q)),
              "You weighted by p_g alone: the real data's region does not count.",
              "Weight by both, (p_data + p_g) / 2: the samples D sees are real AND fake.",
              key="ch03.gap.fake_weight"),
        known(variant(lambda d, p, q: np.sum(np.abs(d - d_star(p, q)) * 0.5 * (p + q))),
              "You did not divide by the sum of the weights: the result depends on the grid's "
              "spacing.", "Divide the weighted sum by np.sum(weights).",
              key="ch03.gap.unnormalised"),
        known(variant(lambda d, p, q: np.sum((d - d_star(p, q)) * 0.5 * (p + q))
                      / np.sum(0.5 * (p + q))),
              "You averaged D - D* without the absolute value: errors of opposite sign cancel.",
              "Take np.abs(d - d_star) before weighting.", key="ch03.gap.no_abs"),
    ]
    close(found, expected, "The gap |D - D*|", rtol=1e-4, atol=1e-7, relations=mistakes,
          probe=Probe(labels=[c[3] for c in cases]),
          hint="d_star = p_data / (p_data + p_g); w = (p_data + p_g) / 2; "
          "sum(|d - d_star| * w) / sum(w).")
    return "The weighted gap between D and D*: near 0 only where D has learned the optimum."
