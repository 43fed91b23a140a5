"""The general relation diagnosis, on synthetic reference functions: one test per relation."""

import math

import numpy as np
import pytest

from course_lib.checks import Failure, close
from course_lib.checks.diagnose import Probe, diagnose, explain, finding, known
from course_lib.checks.messages import TEXTS, say

X = np.array([-2.0, -0.5, 0.0, 0.7, 1.5, 3.0])


def ref(x, mu):
    return np.exp(-((x - mu) ** 2) / 2) + 0.1 * x + 0.3


def probe(**kw):
    return Probe(reference=ref, calls=[(X, 0.5)], names=("x", "mu"), inputs={"x": X}, **kw)


def key(found, expected=None, p=None, relations=()):
    expected = ref(X, 0.5) if expected is None else expected
    hit = diagnose(found, expected, p or probe(), relations)
    return None if hit is None else hit.key


E = ref(X, 0.5)


@pytest.mark.parametrize(("found", "expected_key", "words"), [
    (-E, "value.sign", "opposite sign"),
    (2 * E, "value.factor_named", "twice"),
    (0.5 * E, "value.factor_named", "half"),
    (E / math.log(2), "value.factor_named", "log base 2"),
    (E / math.log(10), "value.factor_named", "log base 10"),
    (3.7 * E, "value.factor", "3.7 times"),
    (E + math.log(2), "value.offset_named", "log 2"),
    (E - 0.37, "value.offset", "0.37 below"),
    (1 - E, "value.complement", "1 minus"),
    (1 / E, "value.reciprocal", "reciprocal"),
    (E**2, "value.square", "square"),
    (np.sqrt(E), "value.sqrt", "square root"),
    (np.log(E), "value.log", "log of the expected"),
    (np.exp(E), "value.exp", "exp of the expected"),
    (1 / (1 + np.exp(-E)), "value.sigmoid", "sigmoid"),
    (np.full(6, 0.42), "value.constant", "same value (0.42)"),
    (np.zeros(6), "value.zeros", "returns zeros"),
    (3 * E - 1, "value.affine", "3 * expected - 1"),
])
def test_each_value_relation_is_named(found, expected_key, words):
    hit = diagnose(found, E, probe())
    assert hit is not None and hit.key == expected_key, hit
    assert words in hit.message, hit.message
    assert hit.hint


def test_batch_size_and_n_minus_1_factors_mean_sum_and_bessel():
    p = probe(counts={"examples": 6})
    assert "sum over the 6 examples" in diagnose(6 * E, E, p).message
    assert "mean over the 6 examples" in diagnose(E / 6, E, p).message
    assert "n - 1 = 5" in diagnose(E * 6 / 5, E, p).message


def test_shape_relations():
    m = np.arange(6.0).reshape(2, 3) + 1
    assert key(m.T, m) == "shape.transposed"
    assert key(m.reshape(3, 2), m) == "shape.transposed" or key(m.reshape(6), m) == \
        "shape.reshaped"
    assert key(m.reshape(6), m) == "shape.reshaped"
    assert key(np.array(m.sum()), m) == "shape.scalar_sum"
    assert key(np.array(m.mean()), m) == "shape.scalar_mean"
    assert key(np.array(7.0), m) == "shape.scalar"
    terms = np.stack([m, 2 * m], axis=-1)          # the terms of a sum over a last axis
    assert key(terms, 3 * m) == "shape.unreduced_sum"
    assert key(terms, 1.5 * m) == "shape.unreduced_mean"
    assert key(m.sum(axis=0), m) == "shape.reduced_sum"
    assert key(m.mean(axis=1), m) == "shape.reduced_mean"
    col, row = np.arange(4.0)[:, None], np.arange(4.0)     # (n, 1) - (n,) -> (n, n)
    assert key(col + 2 * row, 3 * np.arange(4.0)) == "shape.broadcast"
    assert key(np.zeros((5, 2)), m) == "shape.other"


def test_nonfinite_only_for_some_inputs_says_where():
    with np.errstate(all="ignore"):
        found = np.where(X < 0, np.nan, E)
    hit = diagnose(found, E, probe())
    assert hit.key == "nonfinite.where" and "where x < 0" in hit.message and "NaN" in hit.message
    logits = Probe(inputs={"z": X}, kinds={"z": "logits"})
    assert diagnose(found, E, logits).key == "nonfinite.log_of_logit"
    labelled = Probe(labels=[f"batch {i}" for i in range(6)])
    hit = diagnose(np.where(np.arange(6) == 4, np.inf, E), E, labelled)
    assert hit.key == "nonfinite.some" and "batch 4" in hit.message and "infinite" in hit.message


def test_right_only_where_an_input_is_zero():
    found = np.where(X == 0, E, E + X**3)
    hit = diagnose(found, E, probe())
    assert hit.key == "value.partial_where" and "where x = 0" in hit.message


def test_swapped_arguments_and_an_ignored_argument():
    def f(a, b):
        return a**2 + 3 * b

    a, b = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 4.0])
    p = Probe(reference=f, calls=[(a, b)], names=("real", "fake"))
    hit = diagnose(f(b, a), f(a, b), p)
    assert hit.key == "value.swapped" and "real and fake swapped" in hit.message
    assert diagnose(f(a, 0 * b), f(a, b), p).key == "value.ignored"
    assert diagnose(f(a, a), f(a, b), p).key == "value.duplicated"


def test_logits_and_probabilities_confused():
    def bce(y, z):   # from logits
        return np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))

    y, z = np.array([1.0, 0.0, 1.0, 0.0]), np.array([0.2, 0.4, 0.9, 0.6])
    p = Probe(reference=bce, calls=[(y, z)], names=("y", "logits"), kinds={"logits": "logits"})
    s = 1 / (1 + np.exp(-z))
    assert diagnose(bce(y, s), bce(y, z), p).key == "value.sigmoid_twice"
    as_probs = -(y * np.log(z) + (1 - y) * np.log(1 - z))  # the logits read as probabilities
    assert diagnose(as_probs, bce(y, z), p).key == "value.logits_as_probs"

    def bce_p(y, q):  # from probabilities
        return -(y * np.log(q) + (1 - y) * np.log(1 - q))

    pp = Probe(reference=bce_p, calls=[(y, z)], names=("y", "probs"),
               kinds={"probs": "probabilities"})
    assert diagnose(bce(y, z), bce_p(y, z), pp).key == "value.probs_as_logits"


def test_stacked_probe_calls_identify_relations_of_scalar_functions():
    def loss(z):
        return float(np.mean(np.log1p(np.exp(-z))))

    calls = [(np.array([0.5, -1.0, 2.0]),), (np.array([1.0, 1.0, 3.0]),),
             (np.array([-2.0, 0.0, 0.3]),)]
    p = Probe(reference=loss, calls=calls, stacked=True, counts={"examples": 3})
    expected = np.array([loss(*c) for c in calls])
    assert "sum over the 3 examples" in diagnose(3 * expected, expected, p).message


def test_check_relations_come_first_and_known_ignores_a_candidate_equal_to_the_answer():
    mistake = known(2 * E, "Your own message.", "Your own hint.")
    hit = diagnose(2 * E, E, probe(), [mistake])
    assert (hit.message, hit.hint) == ("Your own message.", "Your own hint.")
    assert known(E, "never")(E, E, probe()) is None


def test_unrelated_wrong_answer_has_no_relation_and_explain_says_wrong_values():
    rng = np.random.default_rng(0)
    assert diagnose(rng.normal(size=6), E, probe()) is None
    with pytest.raises(Failure) as info:
        explain(rng.normal(size=6), E, "The density", probe(), hint="Check each factor.")
    assert info.value.key == "value.wrong" and info.value.hint == "Check each factor."
    close(E + 1e-9, E, "The density")  # agreement: no failure


def test_messages_are_templates_keyed_by_id_with_an_english_fallback():
    assert finding("value.sign", what="x").message == say("value.sign", what="x")
    TEXTS["zz"] = {"value.sign": "{what}: signe faux"}
    try:
        assert say("value.sign", lang="zz", what="x") == "x: signe faux"
        assert say("value.square", lang="zz", what="x") == say("value.square", what="x")
    finally:
        del TEXTS["zz"]
    hints = [k for k in TEXTS["en"] if k.endswith(".hint")]
    assert all(k[: -len(".hint")] in TEXTS["en"] for k in hints)
