"""Chapter 0 checks: the solutions pass; the article's claim, wrong ranges and dtypes are named."""

import numpy as np
import pytest

from course_lib.checks import CHECKS


def run(exercise_id, answer):
    return CHECKS[exercise_id](answer)


def test_gan_year_accepts_2014_as_int_or_numpy_int():
    assert run("ch00.gan_year", lambda: 2014).passed is True
    assert run("ch00.gan_year", lambda: np.int64(2014)).passed is True


@pytest.mark.parametrize(("answer", "fragment"), [
    (lambda: 1985, "article's claim"),
    (lambda: "2014", "as an int"),
    (lambda: 2014.0, "as an int"),
    (lambda: True, "as an int"),
    (lambda: 2017, "Not the year"),
    (lambda: None, "as an int"),
])
def test_gan_year_mistakes_are_named(answer, fragment):
    result = run("ch00.gan_year", answer)
    assert result.passed is False and fragment in result.message, result.text()


def test_gan_year_article_hint_names_boltzmann_machines():
    assert "Boltzmann" in run("ch00.gan_year", lambda: 1985).hint


def test_scale_pixels_accepts_the_solution():
    assert run("ch00.scale_pixels", lambda x: (x / 127.5 - 1).astype(np.float32)).passed is True


@pytest.mark.parametrize(("answer", "fragment"), [
    (lambda x: (x / 255.0).astype(np.float32), "[0, 1]"),
    (lambda x: (x / 127.5).astype(np.float32), "did not shift"),
    (lambda x: x / 127.5 - 1, "float32"),
    (lambda x: (x / 255.0 - 0.5).astype(np.float32), "[-0.5, 0.5]"),
    (lambda x: (x * 2 - 255).astype(np.float32) / 255, "scaled pixels"),    # uint8 wraps
    (lambda x: (1 - x / 127.5).astype(np.float32), "opposite sign"),
    (lambda x: (x / 127.5 - 1).astype(np.float32).T, "input's shape"),
    (lambda x: None, "returned None"),
])
def test_scale_pixels_mistakes_are_named(answer, fragment):
    result = run("ch00.scale_pixels", answer)
    assert result.passed is False and fragment in result.text(), result.text()


@pytest.mark.parametrize("exercise_id", ["ch00.gan_year", "ch00.scale_pixels"])
def test_not_attempted_reads_not_attempted(exercise_id):
    def todo(*args):
        raise NotImplementedError()

    assert run(exercise_id, todo).passed is None
