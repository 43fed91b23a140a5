"""Chapter 6 checks: the reference answers pass, plausible mistakes fail with a specific message."""

import numpy as np
import pytest

import course_lib as cl


def run(exercise_id, answer):
    return cl.checks.check(exercise_id, answer)


def not_attempted(*args):
    raise NotImplementedError()


@pytest.mark.parametrize("exercise_id", ["ch06.reparameterize", "ch06.kl_term", "ch06.diagnose"])
def test_unattempted_is_not_a_failure(exercise_id):
    assert run(exercise_id, not_attempted).passed is None


# ------------------------------------------------------------------ reparameterize
def test_reparameterize_reference_passes():
    result = run("ch06.reparameterize", lambda mu, lv, eps: mu + np.exp(0.5 * lv) * eps)
    assert result.passed is True, result.text()


def test_reparameterize_in_float32_or_tensorflow_passes():
    import tensorflow as tf

    def in_tf(mu, lv, eps):
        return (tf.constant(mu, tf.float32) + tf.exp(0.5 * tf.constant(lv, tf.float32))
                * tf.constant(eps, tf.float32)).numpy()

    result = run("ch06.reparameterize", in_tf)
    assert result.passed is True, result.text()


def test_reparameterize_matches_the_library_twin():
    from course_lib.vae import np_reparameterize

    assert run("ch06.reparameterize", lambda mu, lv, eps: np_reparameterize(mu, lv, eps)).passed


@pytest.mark.parametrize("wrong, phrase", [
    (lambda mu, lv, eps: mu + lv * eps, "log_var as the standard deviation"),
    (lambda mu, lv, eps: mu + np.exp(lv) * eps, "by the variance"),
    (lambda mu, lv, eps: mu + np.sqrt(lv) * eps, "square root of log_var"),
    (lambda mu, lv, eps: mu + eps, "ignores log_var"),
    (lambda mu, lv, eps: mu, "no noise at all"),
    (lambda mu, lv, eps: np.exp(0.5 * lv) * eps, "forgot the mean"),
    (lambda mu, lv, eps: mu - np.exp(0.5 * lv) * eps, "subtracted the noise"),
    (lambda mu, lv, eps: mu + np.exp(0.5 * lv) * np.random.default_rng(1).standard_normal(
        mu.shape), "drew your own noise"),
    (lambda mu, lv, eps: (mu + np.exp(0.5 * lv) * eps).sum(axis=1), "shape of mu"),
    (lambda mu, lv, eps: None, "returned None"),
])
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_reparameterize_mistakes_are_explained(wrong, phrase):
    result = run("ch06.reparameterize", wrong)
    assert result.passed is False
    assert phrase in result.message, result.text()


def test_reparameterize_crash_is_reported_not_raised():
    result = run("ch06.reparameterize", lambda mu, lv: mu)  # forgot the eps argument
    assert result.passed is False and "TypeError" in result.message


# --------------------------------------------------------------------------- kl_term
def kl_ref(mu, lv):
    return -0.5 * np.sum(1 + lv - mu**2 - np.exp(lv), axis=-1)


def test_kl_term_reference_and_library_pass():
    assert run("ch06.kl_term", kl_ref).passed is True
    from course_lib.vae import kl_divergence_normal, np_kl_divergence_normal

    assert run("ch06.kl_term", np_kl_divergence_normal).passed is True
    result = run("ch06.kl_term", lambda mu, lv: kl_divergence_normal(mu, lv).numpy())
    assert result.passed is True, result.text()  # float32 is close enough


@pytest.mark.parametrize("wrong, phrase", [
    (lambda mu, lv: -kl_ref(mu, lv), "sign is wrong"),
    (lambda mu, lv: 2 * kl_ref(mu, lv), "1/2 is missing"),
    (lambda mu, lv: -0.5 * np.mean(1 + lv - mu**2 - np.exp(lv), axis=-1), "averaged over the "
     "latent dimensions"),
    (lambda mu, lv: kl_ref(mu, lv).sum(), "the sum over the batch"),
    (lambda mu, lv: kl_ref(mu, lv).mean(), "the mean over the batch"),
    (lambda mu, lv: -0.5 * (1 + lv - mu**2 - np.exp(lv)), "One KL value per image"),
    (lambda mu, lv: -0.5 * np.sum(1 + np.exp(lv) - mu**2 - lv, axis=-1), "swapped"),
    (lambda mu, lv: -0.5 * np.sum(1 + lv - np.exp(lv), axis=-1), "mu^2 term is missing"),
    (lambda mu, lv: -0.5 * np.sum(1 + np.log(np.abs(lv)) - mu**2 - lv, axis=-1),
     "log_var as the variance"),
    (lambda mu, lv: kl_ref(mu, lv) + 0.1, "wrong values"),
])
def test_kl_term_mistakes_are_explained(wrong, phrase):
    result = run("ch06.kl_term", wrong)
    assert result.passed is False
    assert phrase in result.message, result.text()


def test_kl_term_must_vanish_at_the_prior():
    # right on the random inputs but not zero at the prior: an added constant that is 0 there
    # would be caught by the values already; here a function that special-cases zeros badly
    def sneaky(mu, lv):
        if not np.any(mu):
            return np.ones(len(mu))
        return kl_ref(mu, lv)

    result = run("ch06.kl_term", sneaky)
    assert result.passed is False and "prior" in result.message


# -------------------------------------------------------------------------- diagnose
def diagnose_ref(history):
    last = {k: float(np.mean(v[-3:])) for k, v in history.items()}
    if last["diversity"] < 0.5:
        return "mode collapse"
    if last["d_acc_real"] > 0.95 and last["d_acc_fake"] > 0.95:
        return "discriminator wins"
    return "healthy"


def test_diagnose_reference_passes():
    assert run("ch06.diagnose", diagnose_ref).passed is True


def test_diagnose_wrong_priority_is_explained():
    def d_first(history):
        last = {k: float(np.mean(v[-3:])) for k, v in history.items()}
        if last["d_acc_real"] > 0.95 and last["d_acc_fake"] > 0.95:
            return "discriminator wins"
        return "mode collapse" if last["diversity"] < 0.5 else "healthy"

    result = run("ch06.diagnose", d_first)
    assert result.passed is False and "Check diversity first" in result.hint


@pytest.mark.parametrize("window", [slice(None, 3), slice(None)])
def test_diagnose_must_look_at_the_end_of_the_run(window):
    def wrong(history):
        last = {k: float(np.mean(v[window])) for k, v in history.items()}
        if last["diversity"] < 0.5:
            return "mode collapse"
        if last["d_acc_real"] > 0.95 and last["d_acc_fake"] > 0.95:
            return "discriminator wins"
        return "healthy"

    result = run("ch06.diagnose", wrong)
    assert result.passed is False and "last three epochs" in result.hint, result.text()


def test_diagnose_needs_one_of_the_labels():
    result = run("ch06.diagnose", lambda history: "collapse")
    assert result.passed is False and "one of the three labels" in result.message
    result = run("ch06.diagnose", lambda history: "healthy")
    assert result.passed is False and "Wrong diagnosis" in result.message
