"""Chapter 3 checks accept the reference answers and explain the typical wrong ones."""

import math

import numpy as np
import pytest

import course_lib as cl

check = cl.checks.check


def _softplus(t):
    t = np.asarray(t, dtype=np.float64)
    return np.maximum(t, 0) + np.log1p(np.exp(-np.abs(t)))


def _sig(t):
    return 1 / (1 + np.exp(-np.asarray(t, dtype=np.float64)))


def _not_attempted(*args):
    raise NotImplementedError()


def _failed(result, *fragments):
    assert result.passed is False, result.text()
    text = result.text()
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in:\n{text}"


# ---------------------------------------------------------------- discriminator loss
def d_loss_ref(real_logits, fake_logits):
    return np.mean(_softplus(-real_logits)) + np.mean(_softplus(fake_logits))


def test_discriminator_loss_accepts_reference_numpy_and_tensorflow():
    assert check("ch03.discriminator_loss", d_loss_ref).passed is True
    assert check("ch03.discriminator_loss",
                 lambda r, f: cl.losses.discriminator_loss(r, f)).passed is True
    assert check("ch03.discriminator_loss", cl.losses.np_discriminator_loss).passed is True


@pytest.mark.parametrize(("answer", "fragment"), [
    (lambda r, f: -d_loss_ref(r, f), "sign is flipped"),
    (lambda r, f: np.mean(_softplus(r)) + np.mean(_softplus(-f)), "labels are swapped"),
    (lambda r, f: d_loss_ref(_sig(r), _sig(f)), "sigmoid was applied twice"),
    (lambda r, f: cl.losses.np_binary_cross_entropy(np.ones_like(r), r)
     + cl.losses.np_binary_cross_entropy(np.zeros_like(f), f), "logits as probabilities"),
    (lambda r, f: np.mean(_softplus(-r)), "fake term"),
    (lambda r, f: np.mean(_softplus(f)), "real term -log D(x) is missing"),
    (lambda r, f: np.sum(_softplus(-r)) + np.sum(_softplus(f)), "summed over the batch"),
    (lambda r, f: 0.5 * d_loss_ref(r, f), "halved"),
    (lambda r, f: np.mean(_softplus(np.concatenate([-r, f]))), "one mean over real and fake"),
    (lambda r, f: -np.mean(np.log(r)) - np.mean(np.log(1 - f)), "log of zero or of a negative"),
    (lambda r, f: _softplus(-r) + _softplus(f), "must be one number"),
    (lambda r, f: d_loss_ref(r, f) + 0.1, "every value is 0.1 above"),
])
def test_discriminator_loss_explains_mistakes(answer, fragment):
    with np.errstate(all="ignore"):
        _failed(check("ch03.discriminator_loss", answer), fragment)


def test_discriminator_loss_rejects_the_naive_unstable_formula():
    def naive(r, f):
        return -np.mean(np.log(_sig(r))) - np.mean(np.log(1 - _sig(f)))

    with np.errstate(all="ignore"):
        _failed(check("ch03.discriminator_loss", naive), "not numerically stable",
                "softplus")


def test_discriminator_loss_not_attempted():
    assert check("ch03.discriminator_loss", _not_attempted).passed is None


def test_discriminator_loss_unlisted_mistakes_get_the_general_diagnosis():
    _failed(check("ch03.discriminator_loss", lambda r, f: d_loss_ref(r, f) + math.log(2)),
            "off by a constant", "log 2")
    _failed(check("ch03.discriminator_loss", lambda r, f: d_loss_ref(r, r)),
            "real_logits used in place of fake_logits")
    _failed(check("ch03.discriminator_loss", lambda r, f: 3 * d_loss_ref(r, f)),
            "3 times")


# ---------------------------------------------------------------- V(D*, G) and the JSD
def _wlog(w, x):
    keep = w > 0
    return float(np.sum(w[keep] * np.log(x[keep])))


def game_ref(p, q):
    d = p / (p + q)
    m = (p + q) / 2
    return (_wlog(p, d) + _wlog(q, 1 - d), 0.5 * _wlog(p, p / m) + 0.5 * _wlog(q, q / m))


def test_game_value_accepts_the_reference():
    result = check("ch03.game_value", game_ref)
    assert result.passed is True, result.text()
    assert "-log 4 + 2 JSD" in result.message


@pytest.mark.parametrize(("answer", "fragments"), [
    (lambda p, q: (game_ref(p, q)[0], 2 * game_ref(p, q)[1]), ["JSD is twice"]),
    (lambda p, q: (game_ref(p, q)[0], game_ref(p, q)[1] / math.log(2)), ["log base 2"]),
    (lambda p, q: (-game_ref(p, q)[0], game_ref(p, q)[1]), ["wrong sign", "L_D = -V"]),
    (lambda p, q: (game_ref(q, q)[0] * 0 + _wlog(p, q / (p + q)) + _wlog(q, p / (p + q)),
                   game_ref(p, q)[1]), ["infinite for 1 of 6", "p_data [0.5, 0.5, 0.0, 0.0]"]),
    (lambda p, q: (game_ref(p, q)[0], float(np.sum(p * np.log(p / ((p + q) / 2))) / 2
                                            + np.sum(q * np.log(q / ((p + q) / 2))) / 2)),
     ["infinite or NaN", "has a zero"]),
    (lambda p, q: (game_ref(p, q)[0], 0.5 * _wlog(p, p / q) + 0.5 * _wlog(q, q / p)),
     ["infinite or NaN"]),
    (lambda p, q: game_ref(p, q)[0], ["Return the pair (V, jsd)"]),
])
def test_game_value_mistakes_are_named(answer, fragments):
    _failed(check("ch03.game_value", answer), *fragments)


# ---------------------------------------------------------------- |D - D*|
def gap_ref(d, p, q):
    w = (p + q) / 2
    return float(np.sum(np.abs(d - p / (p + q)) * w) / np.sum(w))


def test_gap_to_optimum_accepts_the_reference_and_a_trapezoid_version():
    assert check("ch03.gap_to_optimum", gap_ref).passed is True
    grid = np.linspace(-6.0, 10.0, 321)

    def trapezoid(d, p, q):
        w = (p + q) / 2
        return float(np.trapezoid(np.abs(d - p / (p + q)) * w, grid) / np.trapezoid(w, grid))

    result = check("ch03.gap_to_optimum", trapezoid)
    assert result.passed is True, result.text()


@pytest.mark.parametrize(("answer", "fragment"), [
    (lambda d, p, q: float(np.mean(np.abs(d - p / (p + q)))), "whole grid"),
    (lambda d, p, q: gap_ref(d, q, p), "FAKE"),
    (lambda d, p, q: float(np.sum(np.abs(d - p / (p + q)) * p) / np.sum(p)), "p_data alone"),
    (lambda d, p, q: float(np.sum(np.abs(d - p / (p + q)) * (p + q) / 2)), "divide by the sum"),
    (lambda d, p, q: float(np.sum((d - p / (p + q)) * (p + q)) / np.sum(p + q)),
     "without the absolute value"),
    (lambda d, p, q: 2 * gap_ref(d, p, q), "twice"),
    (lambda d, p, q: gap_ref(d, p, q) ** 2, "square of the expected"),
])
def test_gap_to_optimum_mistakes_are_named(answer, fragment):
    _failed(check("ch03.gap_to_optimum", answer), fragment)


@pytest.mark.parametrize("exercise_id", ["ch03.discriminator_loss", "ch03.game_value",
                                         "ch03.gap_to_optimum"])
def test_unattempted_is_not_a_failure(exercise_id):
    assert check(exercise_id, _not_attempted).passed is None
