"""The chapter 2 checks accept the reference answers and name each typical mistake."""

from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

import course_lib as cl
from course_lib.checks import ch02

SOLUTIONS, CHAPTER = "02_cross_entropy_exercises.ipynb", "ch02."


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


@pytest.mark.parametrize("exercise_id", ["ch02.cross_entropy", "ch02.kl_divergence",
                                         "ch02.stable_bce_from_logits", "ch02.model_kinds"])
def test_unattempted_exercise_is_not_attempted(exercise_id):
    result = _check(exercise_id, _not_attempted)
    assert result.passed is None and "not attempted" in result.text()


# --------------------------------------------------------------------------- cross_entropy
def ce_reference(p, q):
    return -np.sum(p * np.log(np.clip(q, 1e-7, 1.0)), axis=-1)


def ce_masked(p, q):
    safe = np.where(p > 0, q, 1.0)
    return -np.sum(np.where(p > 0, p * np.log(safe), 0.0), axis=-1)


def test_cross_entropy_accepts_reference_variants_and_library():
    for fn in (ce_reference, ce_masked, cl.losses.np_cross_entropy,
               lambda p, q: cl.losses.cross_entropy(p, q).numpy().astype(np.float64)):
        result = _check("ch02.cross_entropy", fn)
        assert result.passed is True, result.text()


@pytest.mark.parametrize("wrong,phrases", [
    (lambda p, q: -np.sum(q * np.log(np.clip(p, 1e-7, 1)), axis=-1), ["arguments are swapped",
                                                                     "TRUE distribution"]),
    (lambda p, q: -np.sum(p * np.log(q), axis=0), ["wrong axis"]),
    (lambda p, q: -np.sum(p * np.log(q)), ["one number for the whole batch"]),
    (lambda p, q: -p * np.log(q), ["without summing"]),
    (lambda p, q: np.sum(p * np.log(q), axis=-1), ["sign is flipped"]),
    (lambda p, q: -np.mean(p * np.log(q), axis=-1), ["averaged over the classes"]),
    (lambda p, q: -np.sum(p * np.log2(q), axis=-1), ["log base 2"]),
    (lambda p, q: -np.sum(p * np.log10(q), axis=-1), ["log base 10"]),
    (lambda p, q: -np.sum(p * q, axis=-1), ["log is missing"]),
    (lambda p, q: -np.sum(p * np.log(q), axis=-1), ["NaN", "0 * log(0)", "np.clip"]),
    (lambda p, q: -np.sum(p * np.log(q + 0.01), axis=-1), ["wrong values"]),
])
def test_cross_entropy_names_each_mistake(wrong, phrases):
    with np.errstate(all="ignore"):
        _fails_with("ch02.cross_entropy", wrong, *phrases)


# --------------------------------------------------------------------------- kl_divergence
def kl_reference(p, q):
    return np.sum(p * np.log(p / q), axis=-1)


def test_kl_accepts_reference_and_library():
    assert _check("ch02.kl_divergence", kl_reference).passed is True
    assert _check("ch02.kl_divergence", cl.losses.np_kl_divergence).passed is True
    assert _check("ch02.kl_divergence",
                  lambda p, q: ce_reference(p, q) - ce_reference(p, p)).passed is True


@pytest.mark.parametrize("wrong,phrases", [
    (lambda p, q: kl_reference(q, p), ["KL(q || p)", "not symmetric"]),
    (lambda p, q: -kl_reference(p, q), ["never negative"]),
    (ce_reference, ["cross-entropy H(p, q)", "H(p) still has to come off"]),
    (lambda p, q: ce_reference(p, q) + ce_reference(p, p), ["added H(p)"]),
    (lambda p, q: np.mean(p * np.log(p / q), axis=-1), ["averaged over the classes"]),
    (lambda p, q: np.sum(p * np.log(p / q)), ["one number for the whole batch"]),
    (lambda p, q: np.sum(p * np.log(p / q), axis=0), ["wrong axis"]),
    (lambda p, q: np.sum(p * np.log(p / q), axis=-1) + 0.01, ["off by a constant", "0.01 above"]),
])
def test_kl_names_each_mistake(wrong, phrases):
    _fails_with("ch02.kl_divergence", wrong, *phrases)


# ------------------------------------------------------------------ stable_bce_from_logits
def bce_reference(labels, logits):
    z = np.asarray(logits, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    return np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))


def test_stable_bce_accepts_reference_logaddexp_tf_and_library():
    for fn in (bce_reference,
               lambda y, z: np.mean(np.logaddexp(0, z) - z * y),
               cl.losses.np_binary_cross_entropy_from_logits,
               lambda y, z: tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
                   labels=tf.constant(y, tf.float64), logits=tf.constant(z, tf.float64)))):
        result = _check("ch02.stable_bce_from_logits", fn)
        assert result.passed is True, result.text()


def _naive_sigmoid_then_log(y, z):
    p = 1 / (1 + np.exp(-z))
    return np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _naive_softplus(y, z):
    return np.mean(np.log(1 + np.exp(z)) - z * y)


def _clipped(y, z):
    p = np.clip(1 / (1 + np.exp(-z)), 1e-7, 1 - 1e-7)
    return np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))


@pytest.mark.parametrize("wrong,phrases", [
    (_naive_sigmoid_then_log, ["overflowed", "log(0) = -inf", "np.log1p(np.exp(-np.abs(z)))"]),
    (_naive_softplus, ["overflowed"]),
    (_clipped, ["Clipping the probability", "gradient is 0"]),
    (lambda y, z: np.mean(-(y * np.log(z) + (1 - y) * np.log(1 - z))),
     ["log of a logit as if it were a probability"]),
    (lambda y, z: np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))),
     ["one loss per example", "batch MEAN"]),
    (lambda y, z: np.sum(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))),
     ["summed over the batch"]),
    (lambda y, z: -bce_reference(y, z), ["sign is flipped"]),
    (lambda y, z: bce_reference(1 - y, z), ["swapped the labels"]),
    (lambda y, z: np.mean(np.maximum(z, 0) + z * y + np.log1p(np.exp(-np.abs(z)))),
     ["Sign error in the middle term"]),
    (lambda y, z: np.mean(np.maximum(z, 0) - z * y), ["log(1 + exp(-|z|)) is missing"]),
    (lambda y, z: np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-z))),
     ["exp(-|z|)"]),
    (lambda y, z: bce_reference(y, z) + 0.1, ["off by a constant", "0.1 above"]),
    (lambda y, z: np.array([bce_reference(y, z)] * 2), ["Return one number"]),
])
def test_stable_bce_names_each_mistake(wrong, phrases):
    with np.errstate(all="ignore"):
        _fails_with("ch02.stable_bce_from_logits", wrong, *phrases)


# ------------------------------------------------------------------------------ model_kinds
def test_model_kinds_accepts_the_answer_and_explains_the_articles_error():
    assert _check("ch02.model_kinds", lambda: dict(ch02.MODEL_KINDS)).passed is True
    upper = {k: v.upper() for k, v in ch02.MODEL_KINDS.items()}
    assert _check("ch02.model_kinds", lambda: upper).passed is True
    article = dict(ch02.MODEL_KINDS, gan_discriminator="generative")
    _fails_with("ch02.model_kinds", lambda: article, "1 of 6 wrong", "gan_discriminator",
                "discriminative model used INSIDE a generative model")
    no_gan = dict(ch02.MODEL_KINDS, gan="discriminative")
    _fails_with("ch02.model_kinds", lambda: no_gan, "'gan'", "training device")


@pytest.mark.parametrize("answer,phrases", [
    (["generative"], ["Return a dict"]),
    ({"gan": "generative"}, ["Missing entries", "normal_model"]),
    (dict(ch02.MODEL_KINDS, gpt="generative"), ["Unknown entry 'gpt'"]),
    (dict(ch02.MODEL_KINDS, vae="both"), ["vae: answer 'generative' or 'discriminative'"]),
])
def test_model_kinds_rejects_malformed_answers(answer, phrases):
    _fails_with("ch02.model_kinds", lambda: answer, *phrases)


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
