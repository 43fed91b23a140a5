"""Every notebook's setup cell (its first code cell) runs, as a learner runs it, without a stderr box.

A learner starts JupyterLab with README's command: no TF_CPP_MIN_LOG_LEVEL, no
TF_ENABLE_ONEDNN_OPTS, nothing set. So each notebook's first code cell is executed in a fresh
kernel (nbclient, the notebook's own kernelspec) whose environment has those variables removed, and
any stderr stream it writes fails the test. Only the setup cell runs: it is where TensorFlow loads
and where its start-up log used to appear; nbval runs the rest of every notebook.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
#: The chapters and solutions, the Chinese edition's (``zh/``, whose setup cells add a line) too.
NOTEBOOKS = sorted(p for d in ("notebooks", "solutions") for sub in ("", "zh")
                   for p in (ROOT / d / sub).glob("*.ipynb"))
LEARNER_UNSET = ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "PYTHONWARNINGS", "MPLBACKEND")


def setup_cell_index(nb) -> int:
    return next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")


def learner_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in LEARNER_UNSET}


def distinct_setup_cells(paths):
    """One notebook per distinct setup cell (five solutions share one): a kernel start each."""
    seen, keep = set(), []
    for p in paths:
        nb = nbformat.read(p, as_version=4)
        source = nb.cells[setup_cell_index(nb)].source
        if source not in seen:
            seen.add(source)
            keep.append(p)
    return keep


EXECUTED = distinct_setup_cells(NOTEBOOKS)


@pytest.mark.parametrize("path", EXECUTED, ids=["/".join(p.relative_to(ROOT).with_suffix("").parts)
                                              for p in EXECUTED])
def test_setup_cell_writes_nothing_to_stderr(path):
    nb = nbformat.read(path, as_version=4)
    nb.cells = nb.cells[: setup_cell_index(nb) + 1]
    client = NotebookClient(nb, timeout=300, resources={"metadata": {"path": str(path.parent)}})
    client.execute(env=learner_env())
    outputs = nb.cells[-1].outputs
    stderr = [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    errors = [f"{o.ename}: {o.evalue}" for o in outputs if o.output_type == "error"]
    assert not errors, f"{path.name}: the setup cell failed: {errors}"
    assert not stderr, f"{path.name}: the setup cell wrote to stderr:\n{''.join(stderr)}"


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
