"""exercises/ is generated from solutions/ and stays in sync; the generator is correct."""

import json
from pathlib import Path

import pytest

from course_lib.tools import nbtools

ROOT = Path(__file__).resolve().parents[1]
#: Exercise and solution notebooks, the Chinese edition's (``zh/``) too.
EXERCISES = sorted([*(ROOT / "exercises").glob("*.ipynb"), *(ROOT / "exercises/zh").glob("*.ipynb")])
SOLUTIONS = sorted([*(ROOT / "solutions").glob("*.ipynb"), *(ROOT / "solutions/zh").glob("*.ipynb")])


def _label(path):
    return "/".join(path.relative_to(ROOT).parts)


def _nb(*sources):
    return {
        "cells": [
            {"cell_type": kind, "metadata": {}, "source": src, **(
                {"outputs": [{"output_type": "stream", "name": "stdout", "text": "x"}],
                 "execution_count": 3} if kind == "code" else {})}
            for kind, src in sources
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def test_exercises_are_up_to_date():
    stale = nbtools.sync_all_exercises(ROOT, check=True)  # exercises/zh/ too
    assert stale == [], f"run `python -m course_lib make-exercises`: stale {stale}"


def test_solution_region_becomes_not_implemented_at_its_indentation():
    nb = _nb(("code", "def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n"
                      "\nprint(f)"))
    out = nbtools.make_exercise(nb, "t.ipynb")
    src = "".join(out["cells"][0]["source"])
    assert src == "def f(x):\n    raise NotImplementedError()\n\nprint(f)"
    assert out["cells"][0]["outputs"] == [] and out["cells"][0]["execution_count"] is None
    assert out["metadata"]["kernelspec"]["name"] == "python3"


def test_markdown_answers_are_hidden():
    nb = _nb(("markdown", "Q?\n<!-- BEGIN SOLUTION -->\nthe answer\n<!-- END SOLUTION -->\nend"))
    src = "".join(nbtools.make_exercise(nb)["cells"][0]["source"])
    assert "the answer" not in src and "*Your answer here.*" in src and src.endswith("end")


@pytest.mark.parametrize("source", [
    "### BEGIN SOLUTION\nx = 1\n",
    "x = 1\n### END SOLUTION\n",
    "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n",
])
def test_unbalanced_markers_are_an_error(source):
    with pytest.raises(ValueError, match="SOLUTION"):
        nbtools.make_exercise(_nb(("code", source)), "bad.ipynb")


@pytest.mark.parametrize("path", EXERCISES, ids=_label)
def test_exercise_notebooks_hide_every_solution(path):
    text = path.read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    solution = ROOT / "solutions" / path.relative_to(ROOT / "exercises")
    sol = json.loads(solution.read_text(encoding="utf-8"))
    n_regions = sum("".join(c["source"]).count("### BEGIN SOLUTION")
                    for c in sol["cells"] if c["cell_type"] == "code")
    assert n_regions >= 2, "each exercise notebook has at least two coded exercises"
    assert text.count("raise NotImplementedError()") >= n_regions


@pytest.mark.parametrize("path", SOLUTIONS, ids=_label)
def test_every_exercise_has_a_registered_check(path):
    import re

    import course_lib as cl

    text = path.read_text(encoding="utf-8")
    ids = re.findall(r'cl\.checks\.check\(\\?"([\w.]+)\\?"', text)
    assert len(ids) >= 2, "at least two checked exercises per chapter"
    for exercise_id in ids:
        assert exercise_id in cl.checks.CHECKS, exercise_id
