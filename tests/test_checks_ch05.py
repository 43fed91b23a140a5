"""Chapter 5 checks accept the reference solutions and explain plausible mistakes."""

import numpy as np
import pytest

import course_lib as cl


def run(exercise_id, answer):
    return cl.checks.check(exercise_id, answer)


# ------------------------------------------------------------------------ frechet_distance
def _msqrt(c):
    w, v = np.linalg.eigh(c)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def make_fd(ddof=1, factor=2.0, sqrt="matrix", squared=True, rowvar=False, sign=-1.0):
    def frechet_distance(x, y):
        m1, m2 = x.mean(axis=0), y.mean(axis=0)
        c1, c2 = np.cov(x, rowvar=rowvar, ddof=ddof), np.cov(y, rowvar=rowvar, ddof=ddof)
        d = m1 - m2
        mean_term = d @ d if squared else np.linalg.norm(d)
        if sqrt == "matrix":
            s = _msqrt(c1)
            tr = np.sum(np.sqrt(np.clip(np.linalg.eigvalsh(s @ c2 @ s), 0, None)))
        elif sqrt == "elementwise":
            tr = np.trace(np.sqrt(c1 @ c2))
        else:
            tr = np.trace(_msqrt(c1) @ _msqrt(c2))
        return float(mean_term + np.trace(c1) + np.trace(c2) + sign * factor * tr)

    return frechet_distance


def test_fd_reference_and_the_n_convention_pass():
    assert run("ch05.frechet_distance", make_fd()).passed is True
    assert run("ch05.frechet_distance", make_fd(ddof=0)).passed is True


def test_fd_reference_via_eigenvalues_of_the_product_passes():
    def frechet_distance(x, y):
        c1, c2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
        d = x.mean(0) - y.mean(0)
        return d @ d + np.trace(c1 + c2) - 2 * np.sum(np.sqrt(np.linalg.eigvals(c1 @ c2).real))

    assert run("ch05.frechet_distance", frechet_distance).passed is True


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"factor": 1.0}, "factor 2"),
    ({"sign": 1.0}, "subtracted"),
    ({"sqrt": "separate"}, "tr(sqrt(C1) sqrt(C2))"),
    ({"squared": False}, "squared"),
    ({"rowvar": True}, "wrong axis"),
])
def test_fd_typical_mistakes_are_named(kwargs, message):
    result = run("ch05.frechet_distance", make_fd(**kwargs))
    assert result.passed is False
    assert message in result.message, result.text()


def test_fd_elementwise_sqrt_is_named():
    with np.errstate(invalid="ignore"):
        result = run("ch05.frechet_distance", make_fd(sqrt="elementwise"))
    assert result.passed is False
    assert "each entry" in result.message or "NaN" in result.message, result.text()
    assert "matrix square root" in result.hint


def test_fd_not_attempted_and_wrong_type():
    def todo(x, y):
        raise NotImplementedError()

    assert run("ch05.frechet_distance", todo).passed is None
    result = run("ch05.frechet_distance", lambda x, y: np.zeros(3))
    assert result.passed is False and "one number" in result.message


# ----------------------------------------------------------------------------- interpolate
def interpolate(z0, z1, num):
    t = np.linspace(0.0, 1.0, num)[:, None]
    return (1 - t) * z0 + t * z1


def test_interpolate_reference_passes():
    assert run("ch05.interpolate", interpolate).passed is True


@pytest.mark.parametrize(("answer", "message"), [
    (lambda a, b, n: interpolate(a, b, n).T, "transposed"),
    (lambda a, b, n: interpolate(b, a, n), "backwards"),
    (lambda a, b, n: np.stack([(1 - t) * a + t * b for t in np.arange(n) / n]), "short of z1"),
    (lambda a, b, n: np.stack([a + t * b for t in np.linspace(0, 1, n)]), "start exactly"),
    (lambda a, b, n: interpolate(a, b, n)[:-1], "wrong shape"),
    (lambda a, b, n: np.stack([(1 - t) * a + t * b for t in np.linspace(0, 1, n) ** 2]),
     "right where t is 0 or 1 only"),
])
def test_interpolate_mistakes_are_named(answer, message):
    result = run("ch05.interpolate", answer)
    assert result.passed is False
    assert message in result.message, result.text()


def test_interpolate_not_attempted():
    def todo(z0, z1, num):
        raise NotImplementedError()

    assert run("ch05.interpolate", todo).passed is None


@pytest.mark.parametrize(("wrong", "message"), [
    (lambda x, y: 2 * make_fd()(x, y), "twice the expected values"),
    (lambda x, y: make_fd()(x, y) + 1.0, "every value is 1 above"),
    (lambda x, y: make_fd()(y, x[: len(y)]), "right for 2 of 4 probe inputs"),
])
def test_fd_unlisted_mistakes_get_the_general_diagnosis(wrong, message):
    result = run("ch05.frechet_distance", wrong)
    assert result.passed is False and message in result.message, result.text()


# -------------------------------------------------------------------------- kernel_distance
def make_kid(diagonal=False, per_pair=True, scale=True, degree=3, offset=1.0, factor=2.0,
             m_from_x=False):
    def kernel_distance(x, y):
        d = x.shape[1] if scale else 1

        def k(a, b):
            return (a @ b.T / d + offset) ** degree

        n, m = len(x), len(y)
        kxx, kyy = k(x, x), k(y, y)
        if not diagonal:
            kxx, kyy = kxx - np.diag(np.diag(kxx)), kyy - np.diag(np.diag(kyy))
        mm = n if m_from_x else m
        within_x = kxx.sum() / (n * (n - 1) if per_pair else n * n)
        within_y = kyy.sum() / (mm * (mm - 1) if per_pair else mm * mm)
        return float(within_x + within_y - factor * k(x, y).mean())

    return kernel_distance


def test_kid_reference_passes():
    assert run("ch05.kernel_distance", make_kid()).passed is True


def test_kid_by_a_double_loop_passes():
    def kernel_distance(x, y):
        d = x.shape[1]
        n, m = len(x), len(y)
        sxx = sum((x[i] @ x[j] / d + 1) ** 3 for i in range(n) for j in range(n) if i != j)
        syy = sum((y[i] @ y[j] / d + 1) ** 3 for i in range(m) for j in range(m) if i != j)
        sxy = sum((x[i] @ y[j] / d + 1) ** 3 for i in range(n) for j in range(m))
        return sxx / (n * (n - 1)) + syy / (m * (m - 1)) - 2 * sxy / (n * m)

    assert run("ch05.kernel_distance", kernel_distance).passed is True


def test_kid_library_function_passes():
    assert run("ch05.kernel_distance", cl.evaluation.kernel_distance).passed is True


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"diagonal": True, "per_pair": False}, "V-statistic"),
    ({"per_pair": False}, "n(n - 1) pairs"),
    ({"diagonal": True}, "kept the pairs of a sample with itself (i = j) in the sum"),
    ({"m_from_x": True}, "x's number of pairs"),
    ({"scale": False}, "divide the dot product by d"),
    ({"offset": 0.0}, "missing the + 1"),
    ({"degree": 2}, "squared"),
    ({"degree": 1}, "no power"),
    ({"factor": 1.0}, "factor 2"),
])
def test_kid_typical_mistakes_are_named(kwargs, message):
    result = run("ch05.kernel_distance", make_kid(**kwargs))
    assert result.passed is False
    assert message in result.message, result.text()
    assert result.hint, result.text()


@pytest.mark.parametrize(("wrong", "message"), [
    (lambda x, y: -make_kid()(x, y), "opposite sign"),
    (lambda x, y: make_kid()(y, x) + 1.0, "every value is 1 above"),
    (lambda x, y: 2 * make_kid()(x, y), "twice the expected values"),
])
def test_kid_unlisted_mistakes_get_the_general_diagnosis(wrong, message):
    result = run("ch05.kernel_distance", wrong)
    assert result.passed is False and message in result.message, result.text()


def test_kid_not_attempted_and_wrong_type():
    def todo(x, y):
        raise NotImplementedError()

    assert run("ch05.kernel_distance", todo).passed is None
    result = run("ch05.kernel_distance", lambda x, y: np.zeros(3))
    assert result.passed is False and "one number" in result.message
