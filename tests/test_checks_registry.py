"""Every registered check, walked: the solution passes; a constant, a zero, None, a value instead
of a function, unusable return values and crashes all fail with a truthful, short message."""

import json
import re
from pathlib import Path

import pytest

import course_lib as cl
from course_lib.checks import CHECKS, MAX_CHARS

ROOT = Path(__file__).resolve().parents[1]


def _solutions() -> dict:
    """exercise id -> the solution notebooks' own function (setup cell + solution cells run)."""
    found = {}
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        cells = [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
                 if c["cell_type"] == "code"]
        sources = ["".join(c["source"]) for c in cells]
        namespace: dict = {}
        exec(sources[0], namespace)  # the setup cell: imports and seeds
        for src in sources[1:]:
            if "### BEGIN SOLUTION" in src:
                exec(src, namespace)
        for src in sources:
            for exercise_id, name in re.findall(r'^cl\.checks\.check\("([\w.]+)", (\w+)\)$', src,
                                                flags=re.M):
                found[exercise_id] = namespace[name]
    return found


SOLUTIONS = _solutions()
IDS = sorted(CHECKS)


def _short_and_truthful(result):
    text = result.message + result.expected + result.found + result.hint
    assert len(text) <= MAX_CHARS, (len(text), result.text())
    assert "Traceback" not in result.text()
    return text


def test_every_check_has_a_solution_in_the_solution_notebooks():
    assert sorted(SOLUTIONS) == IDS


@pytest.mark.parametrize("exercise_id", IDS)
def test_the_solution_passes(exercise_id):
    result = cl.checks.check(exercise_id, SOLUTIONS[exercise_id])
    assert result.passed is True, result.text()
    _short_and_truthful(result)


@pytest.mark.parametrize("exercise_id", IDS)
@pytest.mark.parametrize(("name", "answer"), [
    ("constant", lambda *a, **k: 0.5),
    ("zero", lambda *a, **k: 0),
    ("none", lambda *a, **k: None),
    ("ragged list", lambda *a, **k: [[1.0, 2.0], [3.0]]),
    ("string", lambda *a, **k: "2014.0"),
    ("tuple", lambda *a, **k: (1.0, 2.0)),
])
def test_placeholder_answers_fail_and_never_blame_the_learners_code(exercise_id, name, answer):
    result = cl.checks.check(exercise_id, answer)
    assert result.passed is False, result.text()
    text = _short_and_truthful(result)
    assert not result.message.startswith("Your code raised"), result.text()
    if name == "none":
        assert "None" in text and "log of a logit" not in text, result.text()


@pytest.mark.parametrize("exercise_id", IDS)
def test_a_value_passed_instead_of_the_function_is_named(exercise_id):
    result = cl.checks.check(exercise_id, 2014)
    assert result.passed is False and "without ()" in result.message
    assert "the number 2014" in result.message
    none = cl.checks.check(exercise_id, None)
    assert none.passed is None and "without ()" in none.message


@pytest.mark.parametrize("exercise_id", IDS)
def test_a_crash_in_the_learners_code_is_its_first_line_only(exercise_id):
    def crashes(*args, **kwargs):
        raise ValueError("Shapes (3,) and (4,) are incompatible\n" + "framework detail\n" * 400)

    result = cl.checks.check(exercise_id, crashes)
    assert result.passed is False
    assert result.message == "Your code raised ValueError: Shapes (3,) and (4,) are incompatible"
    _short_and_truthful(result)
