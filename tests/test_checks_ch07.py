"""Chapter 7 checks: the reference answers pass, plausible mistakes fail with a specific message."""

import numpy as np
import pytest

import course_lib as cl


def run(exercise_id, answer):
    return cl.checks.check(exercise_id, answer)


def q_sample(x0, t, eps, alpha_bars):
    a = alpha_bars[t].reshape(-1, 1, 1, 1)
    return np.sqrt(a) * x0 + np.sqrt(1 - a) * eps


def ddim_step(x_t, eps, a_t, a_prev):
    x0 = (x_t - np.sqrt(1 - a_t) * eps) / np.sqrt(a_t)
    return np.sqrt(a_prev) * x0 + np.sqrt(1 - a_prev) * eps


def cosine_alpha_bars(T, s=0.008):
    f = np.cos((np.arange(T + 1) / T + s) / (1 + s) * np.pi / 2) ** 2
    return f[1:] / f[0]


def test_reference_answers_pass_and_the_library_agrees():
    assert run("ch07.q_sample", q_sample).passed is True
    assert run("ch07.ddim_step", ddim_step).passed is True
    assert run("ch07.cosine_alpha_bars", cosine_alpha_bars).passed is True
    # the library clips the last beta to 0.999 (abar_T = 0 would make the last step singular)
    np.testing.assert_allclose(cosine_alpha_bars(1000)[:-1],
                               cl.diffusion.cosine_schedule(1000).alpha_bars[:-1], rtol=1e-9)


def test_the_library_functions_pass_their_own_checks():
    def lib_q(x0, t, eps, alpha_bars):
        sched = cl.diffusion.NoiseSchedule("given", 1 - alpha_bars / np.concatenate(
            [[1.0], alpha_bars[:-1]]))
        return cl.diffusion.q_sample(x0, t, eps, sched).numpy()
    assert run("ch07.q_sample", lib_q).passed is True
    assert run("ch07.ddim_step", lambda *a: cl.diffusion.ddim_step(*a).numpy()).passed is True


@pytest.mark.parametrize(("answer", "words"), [
    (lambda x0, t, eps, a: a[t].reshape(-1, 1, 1, 1) * x0 + (1 - a[t].reshape(-1, 1, 1, 1)) * eps,
     "variances"),
    (lambda x0, t, eps, a: q_sample(x0, t, eps, np.concatenate([[1.0], a[:-1]])), "t - 1"),
    (lambda x0, t, eps, a: np.sqrt(a[t[0]]) * x0 + np.sqrt(1 - a[t[0]]) * eps, "own t"),
    (lambda x0, t, eps, a: np.sqrt(1 - a[t].reshape(-1, 1, 1, 1)) * x0
     + np.sqrt(a[t].reshape(-1, 1, 1, 1)) * eps, "swapped"),
])
def test_q_sample_mistakes_are_named(answer, words):
    result = run("ch07.q_sample", answer)
    assert result.passed is False and words in result.text(), result.text()


@pytest.mark.parametrize(("answer", "words"), [
    (lambda x, e, a, p: (x - np.sqrt(1 - a) * e) / np.sqrt(a), "x0_hat"),
    (lambda x, e, a, p: ddim_step(x, e, p, a), "swapped"),
    (lambda x, e, a, p: np.sqrt(p) * (x - np.sqrt(1 - a) * e) / np.sqrt(a)
     + np.sqrt(1 - a) * e, "old level"),
    (lambda x, e, a, p: np.sqrt(p) * (x - np.sqrt(1 - a) * e) / a + np.sqrt(1 - p) * e,
     "square root"),
    (lambda x, e, a, p: ddim_step(x, e, a, p) + 0.01 * np.random.default_rng().standard_normal(
        x.shape), "different"),
])
def test_ddim_step_mistakes_are_named(answer, words):
    result = run("ch07.ddim_step", answer)
    assert result.passed is False and words in result.text(), result.text()


@pytest.mark.parametrize(("answer", "words"), [
    (lambda T: np.cos((np.arange(T + 1) / T + 0.008) / 1.008 * np.pi / 2)[1:] ** 2,
     "normalised"),
    (lambda T: cosine_alpha_bars(T, s=0.0), "offset"),
    (lambda T: np.concatenate([[1.0], cosine_alpha_bars(T)]), "includes t = 0"),
    (lambda T: np.concatenate([[1.0], cosine_alpha_bars(T)[:-1]]), "shifted"),
])
def test_cosine_schedule_mistakes_are_named(answer, words):
    result = run("ch07.cosine_alpha_bars", answer)
    assert result.passed is False and words in result.text(), result.text()
