"""Chapter 6 checks: the reference answers pass, plausible mistakes fail with a specific message."""

import numpy as np
import pytest

import course_lib as cl


def run(exercise_id, answer):
    return cl.checks.check(exercise_id, answer)


def not_attempted(*args):
    raise NotImplementedError()


@pytest.mark.parametrize("exercise_id", ["ch06.kl_weight", "ch06.conditional_input",
                                         "ch06.diagnose"])
def test_unattempted_is_not_a_failure(exercise_id):
    assert run(exercise_id, not_attempted).passed is None


# ------------------------------------------------------------------- conditional_input
def conditional_input_ref(z, labels):
    return np.concatenate([z, np.eye(10)[labels]], axis=1)


def test_conditional_input_reference_passes():
    result = run("ch06.conditional_input", conditional_input_ref)
    assert result.passed is True, result.text()


def test_conditional_input_with_keras_ops_passes():
    import keras

    def with_ops(z, labels):
        return keras.ops.concatenate([z, keras.ops.one_hot(labels, 10)], axis=-1)

    assert run("ch06.conditional_input", with_ops).passed is True


@pytest.mark.parametrize("answer, named", [
    (lambda z, y: z, "labels are not used"),
    (lambda z, y: np.concatenate([z, np.asarray(y)[:, None]], axis=1), "one number"),
    (lambda z, y: np.concatenate([z, np.eye(max(y) + 1)[y]], axis=1), "largest label"),
    (lambda z, y: np.concatenate([z, np.eye(10)[y]], axis=0), "along axis 0"),
    (lambda z, y: np.concatenate([np.eye(10)[y], z], axis=1), "comes before z"),
    (lambda z, y: np.concatenate([z, np.eye(10)[np.asarray(y) - 1]], axis=1), "one column too"),
    (lambda z, y: np.concatenate([z, np.eye(11)[y]], axis=1), "wrong shape"),
    (lambda z, y: np.concatenate([z, 2 * np.eye(10)[y]], axis=1), "values are wrong"),
])
def test_conditional_input_mistakes_are_named(answer, named):
    result = run("ch06.conditional_input", answer)
    assert result.passed is False
    assert named in result.text()


# -------------------------------------------------------------------------- kl_weight
def kl_weight_ref(loss_fn):
    x, zeros = np.ones((1, 784)), np.zeros((1, 16))
    base = loss_fn(x, np.full((1, 784), 0.5), zeros, zeros)
    recon = (loss_fn(x, np.full((1, 784), 0.25), zeros, zeros) - base) / (784 * np.log(2))
    kl = (loss_fn(x, np.full((1, 784), 0.5), np.ones((1, 16)), zeros) - base) / 8.0
    return float(kl / recon)


def test_kl_weight_reference_passes():
    result = run("ch06.kl_weight", kl_weight_ref)
    assert result.passed is True, result.text()


def test_kl_weight_with_a_batch_and_other_probe_values_passes():
    def other(loss_fn):
        x = np.zeros((3, 784))
        mu, lv = np.zeros((3, 16)), np.zeros((3, 16))
        a = loss_fn(x, np.full((3, 784), 0.1), mu, lv)
        b = loss_fn(x, np.full((3, 784), 0.2), mu, lv)
        recon = (b - a) / (784 * (np.log(0.9) - np.log(0.8)))
        c = loss_fn(x, np.full((3, 784), 0.1), np.full((3, 16), 0.5), lv)
        return (c - a) / (16 * 0.125) / recon

    result = run("ch06.kl_weight", other)
    assert result.passed is True, result.text()


@pytest.mark.parametrize(("wrong", "phrase"), [
    (lambda f: 1 / kl_weight_ref(f), "reciprocal"),
    (lambda f: 2 * kl_weight_ref(f), "twice"),
    (lambda f: 1.0, "never called loss_fn"),
    (lambda f: f(np.ones((1, 784)), np.ones((1, 784)) / 2, np.ones((1, 16)), np.zeros((1, 16))),
     "wrong values"),
    (lambda f: f(np.ones(784), np.ones(784) / 2, np.ones(16), np.zeros(16)), "wrong shapes"),
])
def test_kl_weight_mistakes_are_explained(wrong, phrase):
    result = run("ch06.kl_weight", wrong)
    assert result.passed is False
    assert phrase in result.text(), result.text()


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
    assert result.passed is False and "'healthy' for every run" in result.message


def _rule(pick, both=True):
    def diagnose(history):
        last = {k: float(pick(np.asarray(v))) for k, v in history.items()}
        if last["diversity"] < 0.5:
            return "mode collapse"
        acc = (last["d_acc_real"] > 0.95, last["d_acc_fake"] > 0.95)
        return "discriminator wins" if (all(acc) if both else any(acc)) else "healthy"

    return diagnose


@pytest.mark.parametrize(("wrong", "phrase"), [
    (_rule(lambda v: v[-1]), "the last epoch alone"),
    (_rule(lambda v: v[-3]), "v[-3], a single epoch"),
    (_rule(lambda v: np.mean(v[-3:]), both=False), "`or` between the two accuracies"),
    (_rule(lambda v: np.mean(v[-2:])), "the last two epochs"),
    (_rule(lambda v: np.max(v[-3:])), "runs, first"),
])
def test_diagnose_separates_the_last_epoch_v_minus_3_and_or(wrong, phrase):
    result = run("ch06.diagnose", wrong)
    assert result.passed is False and phrase in result.message, result.text()
