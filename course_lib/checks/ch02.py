"""Checks for the chapter 2 exercises (cross-entropy).

The references are the NumPy twins in ``course_lib.losses``. Each check first tries the typical
wrong answers (arguments swapped, the wrong axis, a missing minus sign, sigmoid-then-log that
overflows, ...) and names the mistake when the answer matches one.
"""

from __future__ import annotations

import numpy as np

from course_lib import losses
from course_lib.checks import Failure, as_array, close, register
from course_lib.checks.diagnose import Probe
from course_lib.checks.messages import tr


def _array(value, what: str) -> np.ndarray:
    return as_array(value, what)


def _same(found, candidate, rtol=1e-5, atol=1e-7) -> bool:
    found, candidate = np.asarray(found, np.float64), np.asarray(candidate, np.float64)
    return (found.shape == candidate.shape and bool(np.all(np.isfinite(candidate)))
            and np.allclose(found, candidate, rtol=rtol, atol=atol))


def _fmt(a) -> str:
    a = np.asarray(a, dtype=float).ravel()
    return np.array2string(a[:5], precision=4) + (" ..." if a.size > 5 else "")


def _per_row_shape(found, n, k, name):
    if found.shape == (n,):
        return
    if found.shape == (k,):
        raise Failure(
            "You summed over the wrong axis: one value per class instead of one per row.",
            expected=tr("shape ({n},): one value per example (row)", n=n), found=tr("shape {shape}", shape=found.shape),
            hint="Rows are examples, columns are classes: sum over the classes, axis=-1.")
    if found.shape == ():
        raise Failure(
            tr("You returned one number for the whole batch. This {name} returns one value per row; a "
               "training loss would then average them.", name=name),
            expected=tr("shape ({n},)", n=n), found="a single number",
            hint="Sum over the classes only: np.sum(..., axis=-1).")
    if found.shape == (n, k):
        raise Failure("You returned the individual terms -p_i log q_i without summing them.",
                      expected=tr("shape ({n},)", n=n), found=tr("shape {shape}", shape=found.shape),
                      hint="Sum over the classes: np.sum(..., axis=-1).")
    # any other shape: the general diagnosis in close() says how it relates


# --------------------------------------------------------------------------- cross_entropy
_P = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3], [0.5, 0.25, 0.25]])
_Q = np.array([[0.6, 0.3, 0.1], [0.2, 0.2, 0.6], [0.1, 0.8, 0.1], [0.25, 0.25, 0.5]])


def _probe(reference) -> Probe:
    return Probe(reference=reference, calls=[(_P, _Q)], names=("p", "q"),
                 kinds={"p": "probabilities", "q": "probabilities"},
                 counts={"classes": _P.shape[1], "rows": _P.shape[0]})


@register("ch02.cross_entropy", "Cross-entropy H(p, q) = -sum p log q, one value per row")
def _cross_entropy(answer):
    n, k = _P.shape
    found = _array(answer(_P.copy(), _Q.copy()), "The cross-entropy")
    _per_row_shape(found, n, k, "function")
    expected = losses.np_cross_entropy(_P, _Q)
    if not _same(found, expected):
        with np.errstate(divide="ignore"):
            mistakes = [
                (losses.np_cross_entropy(_Q, _P),
                 "You computed H(q, p): the arguments are swapped.",
                 "p (the article's y) is the TRUE distribution and multiplies the log; q (its x) "
                 "is the model's prediction and goes INSIDE the log: -sum p * log(q)."),
                (-expected, "The sign is flipped: -sum p log q is positive, yours is negative.",
                 "Keep the minus sign in front of the sum (log q <= 0 for probabilities)."),
                (expected / k, "You averaged over the classes instead of summing.",
                 "Use np.sum(..., axis=-1), not np.mean."),
                (expected / np.log(2), "You used log base 2 (bits).",
                 "Use the natural log, np.log, as TensorFlow and Keras do (nats)."),
                (expected / np.log(10), "You used log base 10.", "Use the natural log, np.log."),
                (-np.sum(_P * _Q, axis=-1), "The log is missing: you computed -sum p * q.",
                 "Take the log of the predicted probabilities: -sum p * np.log(q)."),
            ]
        for candidate, message, hint in mistakes:
            if _same(found, candidate):
                raise Failure(message, expected=_fmt(expected), found=_fmt(found), hint=hint)
    close(found, expected, "H(p, q)", probe=_probe(losses.np_cross_entropy), hint="-np.sum(p * np.log(q), axis=-1).")

    # one-hot labels and a model that gives some classes probability exactly 0
    p1 = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    q1 = np.array([[0.0, 0.9, 0.1], [0.8, 0.2, 0.0]])
    with np.errstate(all="ignore"):
        found1 = _array(answer(p1.copy(), q1.copy()), "The cross-entropy")
    expected1 = losses.np_cross_entropy(p1, q1)
    if found1.shape == expected1.shape and not np.all(np.isfinite(found1)):
        raise Failure(
            "With one-hot labels and a prediction of exactly 0 for a WRONG class, your result "
            "is NaN: 0 * log(0) = 0 * (-inf) = NaN in floating point.",
            expected=_fmt(expected1), found=_fmt(found1),
            hint="Clip the predictions before the log, np.log(np.clip(q, 1e-7, 1.0)), as "
            "cl.losses does; a zero probability for a class with p = 0 then adds nothing.",
        )
    close(found1, expected1, "H(p, q) for one-hot labels",
          hint="With a one-hot p, H(p, q) = -log(q of the true class).")
    return "H(p, q) = -sum p log q per row: p is the truth, q the prediction, inside the log."


# --------------------------------------------------------------------------- kl_divergence
@register("ch02.kl_divergence", "KL(p || q), one value per row")
def _kl_divergence(answer):
    n, k = _P.shape
    found = _array(answer(_P.copy(), _Q.copy()), "KL(p || q)")
    _per_row_shape(found, n, k, "function")
    expected = losses.np_kl_divergence(_P, _Q)
    if not _same(found, expected):
        h_p, h_pq = losses.np_entropy(_P), losses.np_cross_entropy(_P, _Q)
        mistakes = [
            (losses.np_kl_divergence(_Q, _P),
             "You computed KL(q || p): KL is not symmetric, and the order matters.",
             "KL(p || q) = sum p * log(p / q): the weights are p, the true distribution."),
            (-expected, "The sign is flipped: KL(p || q) is never negative.",
             "KL(p || q) = sum p * log(p / q) = H(p, q) - H(p)."),
            (h_pq, "That is the cross-entropy H(p, q): the entropy H(p) still has to come off.",
             "KL(p || q) = H(p, q) - H(p)."),
            (h_pq + h_p, "You added H(p) instead of subtracting it.",
             "KL(p || q) = H(p, q) - H(p)."),
            (expected / k, "You averaged over the classes instead of summing.",
             "Use np.sum(..., axis=-1)."),
        ]
        for candidate, message, hint in mistakes:
            if _same(found, candidate):
                raise Failure(message, expected=_fmt(expected), found=_fmt(found), hint=hint)
    close(found, expected, "KL(p || q)", probe=_probe(losses.np_kl_divergence), hint="np.sum(p * np.log(p / q), axis=-1).")
    zero = _array(answer(_P.copy(), _P.copy()), "KL(p || p)")
    close(zero, np.zeros(n), "KL(p || p)", atol=1e-9,
          hint="The divergence of a distribution from itself is 0.")
    return "KL(p || q) = H(p, q) - H(p) >= 0, zero only when q = p, and not symmetric."


# ------------------------------------------------------------------ stable_bce_from_logits
@register("ch02.stable_bce_from_logits", "Binary cross-entropy from logits, stable, batch mean")
def _stable_bce(answer):
    y = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
    z = np.array([2.0, -1.0, 0.0, 3.0, -4.0, 0.5])
    with np.errstate(all="ignore"):
        raw = answer(y.copy(), z.copy())
    found = _array(raw, "The loss")
    expected = losses.np_binary_cross_entropy_from_logits(y, z)
    per_example = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    f = _bce_one_number(found, y, per_example, expected)
    mistakes = _bce_mistakes(y, z, per_example, expected)
    if not np.isclose(f, expected, rtol=1e-6):
        for candidate, message, hint in mistakes:
            if np.isclose(f, candidate, rtol=1e-6):
                raise Failure(message, expected=f"{expected:.4f}", found=f"{f:.4f}", hint=hint)
    if not np.isclose(f, expected, rtol=1e-6):
        _bce_on_more_calls(answer, y, z)
    close(f, expected, "The mean BCE", rtol=1e-6,
          hint="mean of max(z, 0) - z * y + log1p(exp(-|z|)); at z = 0 each term is log 2.")
    _bce_at_large_logits(answer)
    return "Stable at logits of +-1000 and the batch mean: the same as cl.losses and Keras."


def _bce_one_number(found, y, per_example, expected) -> float:
    """The answer as one finite-or-inf float, or a Failure for a per-example, wrong-shape or NaN answer."""
    if found.shape == y.shape:
        if _same(found, per_example):
            raise Failure(
                "You returned one loss per example. The contract is the batch MEAN, one number, "
                "like keras.losses.BinaryCrossentropy and cl.losses.",
                expected=f"{expected:.4f}", found=_fmt(found),
                hint="Return np.mean(...) of the per-example losses.")
        raise Failure("Return one number: the mean loss over the batch.",
                      expected=f"{expected:.4f}", found=tr("shape {shape}", shape=found.shape))
    if found.size != 1:
        raise Failure("Return one number: the mean loss over the batch.",
                      expected=f"{expected:.4f}", found=tr("shape {shape}", shape=found.shape))
    f = float(found.reshape(()))
    if np.isnan(f):
        raise Failure(
            "The loss is NaN even for moderate logits such as -1 and 3: you took the log of a "
            "logit as if it were a probability.",
            expected=f"{expected:.4f}", found="nan",
            hint="Logits are any real number; sigmoid(logit) is the probability. Use the "
            "stable form max(z, 0) - z * y + log(1 + exp(-|z|)).")
    return f


def _bce_mistakes(y, z, per_example, expected) -> list:
    """(value, message, hint) for each common wrong formula on the batch (y, z)."""
    with np.errstate(all="ignore"):
        mistakes = [
            (np.sum(per_example), "You summed over the batch; the contract is the mean.",
             "Use np.mean instead of np.sum."),
            (-expected, "The sign is flipped: a cross-entropy is never negative.",
             "BCE = -[y log p + (1 - y) log(1 - p)]; the stable form is "
             "max(z, 0) - z * y + log1p(exp(-|z|))."),
            (losses.np_binary_cross_entropy_from_logits(1 - y, z),
             "You swapped the labels: this is the loss for y and 1 - y exchanged.",
             "y = 1 (real) must give -log sigmoid(z), small when z is large and positive."),
            (float(np.mean(np.maximum(z, 0) + z * y + np.log1p(np.exp(-np.abs(z))))),
             "Sign error in the middle term: it is  - z * y, not + z * y.",
             "max(z, 0) - z * y + log1p(exp(-|z|))."),
            (float(np.mean(np.maximum(z, 0) - z * y)),
             "The term log(1 + exp(-|z|)) is missing.",
             "Add np.log1p(np.exp(-np.abs(z))): it is log 2 at z = 0, where the loss is log 2."),
            (float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-z)))),
             "You wrote log(1 + exp(-z)) where the stable form needs exp(-|z|).",
             "Use the absolute value: np.log1p(np.exp(-np.abs(z)))."),
        ]
    return mistakes


def _bce_on_more_calls(answer, y, z) -> None:
    """Compare the answer with the reference on (y, z) and four random batches (diagnosed)."""
    rng = np.random.default_rng(22)
    calls = [(y, z)] + [((rng.random(6) < 0.5).astype(np.float64), rng.normal(0, 2, 6))
                        for _ in range(4)]
    with np.errstate(all="ignore"):
        values = np.array([float(_array(answer(a.copy(), b.copy()), "The loss").reshape(-1)[0])
                           for a, b in calls])
    ref = np.array([losses.np_binary_cross_entropy_from_logits(a, b) for a, b in calls])
    close(values, ref, "The mean BCE", rtol=1e-6, probe=Probe(
        reference=losses.np_binary_cross_entropy_from_logits, calls=calls, stacked=True,
        names=("labels", "logits"), kinds={"logits": "logits"}, counts={"examples": 6},
        labels=[tr("logits {logits}", logits=np.round(b, 1).tolist()) for _, b in calls]),
        hint="mean of max(z, 0) - z * y + log1p(exp(-|z|)); at z = 0 each term is log 2.")


def _bce_at_large_logits(answer) -> None:
    """The discriminator is confidently wrong: logits of +-100 (and +-1000) must stay exact."""
    for dtype, big in ((np.float32, 100.0), (np.float64, 1000.0)):
        yb = np.array([0.0, 1.0, 1.0, 0.0], dtype=dtype)
        zb = np.array([big, -big, big / 2, -big / 2], dtype=dtype)
        with np.errstate(all="ignore"):
            fb = _array(answer(yb.copy(), zb.copy()), "The loss")
        eb = losses.np_binary_cross_entropy_from_logits(yb, zb)
        if fb.size != 1:
            raise Failure("Return one number: the mean loss over the batch.",
                          found=tr("shape {shape}", shape=fb.shape))
        fb = float(fb.reshape(()))
        where = tr("logits {logits} ({dtype}), labels {labels}", logits=zb.tolist(),
              dtype=np.dtype(dtype).name, labels=yb.tolist())
        if not np.isfinite(fb):
            raise Failure(
                tr("Your loss is {fb} for {where}: it overflowed. Either sigmoid rounded to exactly 0 or 1 "
                   "and log(0) = -inf, or exp(z) overflowed.", fb=fb, where=where),
                expected=tr("{eb:.4f} (finite)", eb=eb), found=str(fb),
                hint="Never compute sigmoid or exp(z) of a large logit. Use "
                "max(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))): exp(-|z|) is at most 1.")
        if fb < 0.5 * eb:
            raise Failure(
                tr("For {where} your loss is {fb:.2f}, but the true loss is {eb:.2f}. Did you clip the "
                   "probability? Clipping the probability keeps the loss finite but caps each term at "
                   "-log(eps) (16 for eps = 1e-7), and its gradient is 0 there.", where=where, fb=fb, eb=eb),
                expected=f"{eb:.4f}", found=f"{fb:.4f}",
                hint="Work with logits, not clipped probabilities: "
                "max(z, 0) - z * y + log1p(exp(-|z|)).")
        close(fb, eb, tr("The mean BCE for {where}", where=where), rtol=1e-5,
              hint="Use the stable form max(z, 0) - z * y + log1p(exp(-|z|)).")


# ------------------------------------------------------------------------------ model_kinds
MODEL_KINDS = {
    "normal_model": "generative",
    "spam_filter": "discriminative",
    "gan_discriminator": "discriminative",
    "gan_generator": "generative",
    "gan": "generative",
    "vae": "generative",
}

_WHY = {
    "normal_model": "Chapter 1's fitted N(mu, sigma^2) is a density p(x) you can sample new x "
    "from: the smallest generative model.",
    "spam_filter": "It predicts a label from an input, p(spam | e-mail), and cannot write an "
    "e-mail: discriminative.",
    "gan_discriminator": "D(x) = p(real | x) is a binary classifier: a discriminative model. "
    "The article calls it a 'discriminative model' that, with the generator, makes up "
    "generative AI: that mixes the GAN's two networks up with the generative-vs-discriminative "
    "distinction. D is a discriminative model used INSIDE a generative model, and is thrown "
    "away after training.",
    "gan_generator": "G turns noise into samples x = G(z): it defines p(x) implicitly and is what "
    "you keep to generate.",
    "gan": "The GAN as a whole learns to sample from p(x): a generative model (its "
    "discriminator is only a training device).",
    "vae": "A VAE learns p(x) through an encoder and decoder and samples new x: generative, with "
    "no discriminator at all.",
}


@register("ch02.model_kinds", "Generative or discriminative?")
def _model_kinds(answer):
    got = answer()
    if not isinstance(got, dict):
        raise Failure("Return a dict mapping each name to 'generative' or 'discriminative'.",
                      found=type(got).__name__)
    missing = sorted(set(MODEL_KINDS) - set(got))
    if missing:
        raise Failure(tr("Missing entries: {entries}.", entries=', '.join(missing)),
                      expected=", ".join(MODEL_KINDS), found=", ".join(map(str, got)))
    for key, value in got.items():
        if key not in MODEL_KINDS:
            raise Failure(tr("Unknown entry {key!r}.", key=key), expected=", ".join(MODEL_KINDS))
        if not isinstance(value, str) or value.strip().lower() not in (
                "generative", "discriminative"):
            raise Failure(tr("{key}: answer 'generative' or 'discriminative'.", key=key), found=repr(value))
    wrong = [k for k in MODEL_KINDS if got[k].strip().lower() != MODEL_KINDS[k]]
    if wrong:
        first = wrong[0]
        raise Failure(
            tr("{n_wrong} of {n_MODEL_KINDS} wrong, first {first!r}: {v}", n_wrong=len(wrong), n_MODEL_KINDS=len(MODEL_KINDS), first=first, v=tr(_WHY[first])),
            expected=f"{first}: {MODEL_KINDS[first]}", found=f"{first}: {got[first]}",
            hint="Ask: does it model p(x) and can it produce new x (generative), or does it "
            "model p(y | x) and predict a label (discriminative)?")
    return ("All six right. A GAN is a generative model that contains a discriminative one; "
            "generative AI is not 'made of' generative and discriminative models.")
