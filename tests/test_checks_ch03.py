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
    (lambda r, f: d_loss_ref(r, f) + 0.1, "wrong value"),
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


# ---------------------------------------------------------------- generator losses
def ns_ref(fake_logits):
    return np.mean(_softplus(-fake_logits))


def minimax_ref(fake_logits):
    return -np.mean(_softplus(fake_logits))


def test_non_saturating_loss_accepts_reference():
    assert check("ch03.generator_loss_non_saturating", ns_ref).passed is True
    assert check("ch03.generator_loss_non_saturating",
                 cl.losses.generator_loss_non_saturating).passed is True


@pytest.mark.parametrize(("answer", "fragment"), [
    (minimax_ref, "minimax generator loss log(1 - D(G(z)))"),
    (lambda f: -minimax_ref(f), "direction error in the article"),
    (lambda f: -ns_ref(f), "sign is flipped"),
    (lambda f: ns_ref(_sig(f)), "sigmoid twice"),
    (lambda f: np.sum(_softplus(-f)), "summed over the batch"),
    (lambda f: -np.mean(np.log(f)), "log of zero or of a negative"),
    (lambda f: -np.mean(np.log(_sig(f))), "not numerically stable"),
])
def test_non_saturating_loss_explains_mistakes(answer, fragment):
    with np.errstate(all="ignore"):
        _failed(check("ch03.generator_loss_non_saturating", answer), fragment)


def test_minimax_loss_accepts_reference():
    assert check("ch03.generator_loss_minimax", minimax_ref).passed is True
    assert check("ch03.generator_loss_minimax", cl.losses.generator_loss_minimax).passed is True


@pytest.mark.parametrize(("answer", "fragment"), [
    (ns_ref, "That is the non-saturating loss"),
    (lambda f: -minimax_ref(f), "sign is flipped"),
    (lambda f: -ns_ref(f), "You returned log D(G(z))"),
    (lambda f: minimax_ref(_sig(f)), "sigmoid twice"),
    (lambda f: -np.sum(_softplus(f)), "summed over the batch"),
    (lambda f: np.mean(np.log(1 - _sig(f))), "not numerically stable"),
])
def test_minimax_loss_explains_mistakes(answer, fragment):
    with np.errstate(all="ignore"):
        _failed(check("ch03.generator_loss_minimax", answer), fragment)


def test_generator_losses_not_attempted():
    assert check("ch03.generator_loss_non_saturating", _not_attempted).passed is None
    assert check("ch03.generator_loss_minimax", _not_attempted).passed is None


# ---------------------------------------------------------------- gradients
def test_gradients_accept_reference():
    assert check("ch03.generator_loss_gradients", lambda d: (-d, d - 1)).passed is True


@pytest.mark.parametrize(("answer", "fragment"), [
    (lambda d: (d - 1, -d), "swapped"),
    (lambda d: (-1 / (1 - d), -1 / d), "with respect to D, not with respect to the logit"),
    (lambda d: (d, 1 - d), "signs are flipped"),
    (lambda d: -d, "Return a pair"),
    (lambda d: (-d, -d), "grad_non_saturating has the wrong values"),
    (lambda d: (-d[:3], d - 1), "one value per D value"),
])
def test_gradients_explain_mistakes(answer, fragment):
    with np.errstate(all="ignore"):
        _failed(check("ch03.generator_loss_gradients", answer), fragment)


# ---------------------------------------------------------------- optimal discriminator
def test_optimal_discriminator_accepts_reference_and_library():
    assert check("ch03.optimal_discriminator", lambda pd, pg: pd / (pd + pg)).passed is True
    assert check("ch03.optimal_discriminator",
                 lambda pd, pg: cl.toy.optimal_discriminator(pd, pd, pg)).passed is True


@pytest.mark.parametrize(("answer", "fragment"), [
    (lambda pd, pg: pg / (pd + pg), "probability of being *fake*"),
    (lambda pd, pg: pd / pg, "density ratio"),
    (lambda pd, pg: np.full_like(pd, 0.5), "only once p_g = p_data"),
    (lambda pd, pg: np.mean(pd / (pd + pg)), "one value per point"),
    (lambda pd, pg: pd, "D* has the wrong values"),
])
def test_optimal_discriminator_explains_mistakes(answer, fragment):
    with np.errstate(all="ignore"):
        _failed(check("ch03.optimal_discriminator", answer), fragment)


# ---------------------------------------------------------------- equilibrium value
def test_equilibrium_value():
    assert check("ch03.equilibrium_value", lambda: -math.log(4)).passed is True
    assert check("ch03.equilibrium_value", lambda: 2 * np.log(0.5)).passed is True
    _failed(check("ch03.equilibrium_value", lambda: math.log(4)), "L_D = -V")
    _failed(check("ch03.equilibrium_value", lambda: math.log(0.5)), "one of the two terms")
    _failed(check("ch03.equilibrium_value", lambda: 0.5), "D*(x) at equilibrium")
    _failed(check("ch03.equilibrium_value", lambda: -1.0), "wrong values")
    _failed(check("ch03.equilibrium_value", lambda: "-log 4"), "one number")
    assert check("ch03.equilibrium_value", _not_attempted).passed is None


def test_checks_are_registered_with_titles():
    for name in ("discriminator_loss", "generator_loss_non_saturating", "generator_loss_minimax",
                 "generator_loss_gradients", "optimal_discriminator", "equilibrium_value"):
        assert f"ch03.{name}" in cl.checks.CHECKS
