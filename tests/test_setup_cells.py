"""Every notebook's setup cell (its first code cell) has the course's shape.

It imports ``course_lib`` before TensorFlow (which keeps TensorFlow's start-up log quiet), and an
exercise notebook's setup cell is its solution's. That the setup cell, run as a learner runs it,
writes nothing to stderr is checked on the one run of every notebook, in
``tests/browser/test_site.py`` (``test_setup_cell_writes_nothing_to_stderr``).
"""

from __future__ import annotations

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
#: The chapters and solutions, the Chinese edition's (``zh/``, whose setup cells add a line) too.
NOTEBOOKS = sorted(p for d in ("notebooks", "solutions") for sub in ("", "zh")
                   for p in (ROOT / d / sub).glob("*.ipynb"))


def setup_cell_index(nb) -> int:
    return next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")


def test_exercise_setup_cells_are_their_solutions_setup_cells():
    for solution in [p for p in NOTEBOOKS if p.parent.name == "solutions"
                     or p.parent.parent.name == "solutions"]:
        exercise = ROOT / "exercises" / solution.relative_to(ROOT / "solutions")
        s, e = (nbformat.read(p, as_version=4) for p in (solution, exercise))
        assert e.cells[setup_cell_index(e)].source == s.cells[setup_cell_index(s)].source, (
            f"{exercise}: regenerate with python -m course_lib make-exercises")


def test_course_lib_comes_before_tensorflow_in_every_setup_cell():
    """TensorFlow must first load through course_lib, which keeps its start-up log quiet."""
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        lines = nb.cells[setup_cell_index(nb)].source.splitlines()
        first_tf = next((i for i, ln in enumerate(lines)
                         if ln.startswith(("import keras", "import tensorflow", "from keras",
                                           "from tensorflow"))), None)
        ours = next(i for i, ln in enumerate(lines) if ln.startswith("import course_lib as cl"))
        assert first_tf is None or ours < first_tf, f"{path.name}: import course_lib first"
