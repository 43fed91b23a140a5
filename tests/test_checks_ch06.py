"""Chapter 6 checks: the reference answers pass, plausible mistakes fail with a specific message."""

import numpy as np
import pytest

import course_lib as cl
from course_lib.checks import Failure, ch06


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


def label_ignored(z, labels):
    return np.concatenate([z, np.zeros((len(z), 10))], axis=1)


#: A run small enough for a test (250 images per class, 12 epochs): the reference scores
#: about 58 % there, a label hidden from G or D about 20 %; chance is 25 %.
TEST_RUN = {"images_per_class": 250, "epochs": 12}
TEST_PASS_MARK = 0.4


@pytest.fixture
def probes_only(monkeypatch):
    """The check without its training stage (that stage is tested at small size below)."""
    monkeypatch.setattr(ch06, "trained_obedience", lambda answer: "trained: skipped")


def test_conditional_input_reference_passes_the_probes(probes_only):
    result = run("ch06.conditional_input", conditional_input_ref)
    assert result.passed is True and result.message == "trained: skipped", result.text()


def test_conditional_input_with_keras_ops_passes_the_probes(probes_only):
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
def test_conditional_input_mistakes_are_named_before_any_training(answer, named, monkeypatch):
    def no_training(answer):
        raise AssertionError("a wrong answer must fail on the probes, before training")

    monkeypatch.setattr(ch06, "trained_obedience", no_training)
    result = run("ch06.conditional_input", answer)
    assert result.passed is False
    assert named in result.text()


def test_trained_reference_obeys_the_label_at_small_size():
    note = ch06.trained_obedience(conditional_input_ref, at_least=TEST_PASS_MARK, **TEST_RUN)
    assert "classified as the animal asked for" in note and "chance 25%" in note, note


@pytest.mark.parametrize(("conditioning", "d_sees_label"), [
    (label_ignored, True),            # G never sees the label
    (conditional_input_ref, False),   # D never sees it: G is free to ignore it
], ids=["label ignored by G", "label ignored by D"])
def test_trained_measurement_fails_when_the_label_is_ignored(conditioning, d_sees_label):
    with pytest.raises(Failure) as failed:
        ch06.trained_obedience(conditioning, at_least=TEST_PASS_MARK, d_sees_label=d_sees_label,
                               **TEST_RUN)
    assert "G does not obey the label" in failed.value.message
    assert "chance: 25%" in failed.value.expected and "bear " in failed.value.found


def test_trained_stage_names_a_function_that_fails_inside_the_model():
    def only_small_batches(z, labels):  # right on the probes (n <= 6), wrong on a batch of 64
        if len(z) > 10:
            raise ValueError("too many rows")
        return conditional_input_ref(z, labels)

    with pytest.raises(Failure) as failed:
        ch06.trained_obedience(only_small_batches, images_per_class=64, epochs=1)
    assert "failed inside the generator: ValueError: too many rows" in failed.value.message


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


# ------------------------------------------------------------------- gradient_penalty
def _gp(grad_fn, real, fake, alpha, weight=10.0, x_hat=None, norm=None, outer=None,
        reduce=np.mean):
    x = alpha * real + (1 - alpha) * fake if x_hat is None else x_hat(real, fake, alpha)
    g = np.asarray(grad_fn(x))
    n = np.sqrt(np.sum(g**2, axis=1)) if norm is None else norm(g)
    return float(weight * reduce((n - 1) ** 2 if outer is None else outer(n)))


def test_gradient_penalty_reference_passes_and_unattempted_is_not_a_failure():
    assert run("ch06.gradient_penalty", _gp).passed is True
    assert run("ch06.gradient_penalty", not_attempted).passed is None


@pytest.mark.parametrize(("mistake", "phrase"), [
    (dict(x_hat=lambda r, f, a: r), "at the real samples"),
    (dict(x_hat=lambda r, f, a: a * f + (1 - a) * r), "alpha weighting the fakes"),
    (dict(norm=lambda g: np.sqrt(np.sum(g**2))), "one norm over the whole batch"),
    (dict(norm=lambda g: np.sum(g**2, axis=1)), "the squared norm"),
    (dict(outer=lambda n: np.maximum(n - 1, 0) ** 2), "one-sided penalty"),
    (dict(reduce=np.sum), "the sum over the batch"),
])
def test_gradient_penalty_names_the_mistake(mistake, phrase):
    result = run("ch06.gradient_penalty", lambda g, r, f, a, weight=10.0: _gp(
        g, r, f, a, weight, **mistake))
    assert result.passed is False and phrase in result.message, result.text()


def test_gradient_penalty_that_ignores_lambda_is_named():
    no_lambda = run("ch06.gradient_penalty", lambda g, r, f, a, weight=10.0: _gp(g, r, f, a, 1.0))
    fixed = run("ch06.gradient_penalty", lambda g, r, f, a, weight=10.0: _gp(g, r, f, a, 10.0))
    assert "lambda left out" in no_lambda.message and "fixed at 10" in fixed.message
