"""Notebook tools: exercises generated from solutions, and output stripping (maintainers).

``solutions/`` is the single source. In a solution notebook, code between ``### BEGIN SOLUTION``
and ``### END SOLUTION`` (nbgrader's markers) becomes ``raise NotImplementedError()`` at the
same indentation in ``exercises/``; markdown between ``<!-- BEGIN SOLUTION -->`` and
``<!-- END SOLUTION -->`` becomes "*Your answer here.*". Put every code solution inside a
function body, so a fresh exercise notebook still runs top to bottom and its checks report
"not attempted yet".

    python -m course_lib make-exercises          # regenerate exercises/
    python -m course_lib make-exercises --check  # fail if exercises/ is stale
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

from course_lib.files import read_json

__all__ = [
    "make_exercise",
    "strip_notebook",
    "strip_notebook_files",
    "strip_solution_code",
    "sync_exercises",
]

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
MD_BEGIN, MD_END = "<!-- BEGIN SOLUTION -->", "<!-- END SOLUTION -->"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def strip_solution_code(src: str, where: str) -> str:
    """Replace each solution block in code ``src`` by ``raise NotImplementedError()``; ``where`` names it in errors."""
    out, inside, indent = [], False, ""
    for n, line in enumerate(src.split("\n"), 1):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError(f"{where}, line {n}: nested {BEGIN}.")
            inside, indent = True, line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}raise NotImplementedError()")
        elif stripped == END:
            if not inside:
                raise ValueError(f"{where}, line {n}: {END} without {BEGIN}.")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{where}: {BEGIN} without {END}.")
    return "\n".join(out)


def _strip_markdown(src: str, where: str) -> str:
    pattern = re.compile(re.escape(MD_BEGIN) + r".*?" + re.escape(MD_END), re.S)
    out = pattern.sub("*Your answer here.*", src)
    if MD_BEGIN in out or MD_END in out:
        raise ValueError(f"{where}: unbalanced solution markers in a markdown cell.")
    return out


def strip_notebook(nb: dict) -> dict:
    """A copy of ``nb`` without outputs or execution counts, with the python3 kernelspec."""
    nb = copy.deepcopy(nb)
    for i, cell in enumerate(nb.get("cells", [])):
        if nb.get("nbformat_minor", 0) >= 5 and not cell.get("id"):
            cell["id"] = f"cell-{i:03d}"
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cell["source"] = _source(cell).splitlines(keepends=True)
        cell.get("metadata", {}).pop("execution", None)
        cell.get("metadata", {}).pop("collapsed", None)
    meta = nb.setdefault("metadata", {})
    meta["kernelspec"] = dict(KERNELSPEC)
    meta.pop("widgets", None)
    return nb


def make_exercise(nb: dict, name: str = "notebook") -> dict:
    """The exercise version of a solution notebook."""
    nb = strip_notebook(nb)
    for i, cell in enumerate(nb["cells"]):
        where = f"{name}, cell {i}"
        src = _source(cell)
        if cell["cell_type"] == "code":
            new = strip_solution_code(src, where)
        elif cell["cell_type"] == "markdown":
            new = _strip_markdown(src, where)
        else:
            continue
        cell["source"] = new.splitlines(keepends=True)
    nb["metadata"]["course_lib"] = {"generated_from": f"solutions/{name}",
                                    "generator": "python -m course_lib make-exercises"}
    return nb


def _dump(nb: dict) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def sync_exercises(solutions_dir="solutions", exercises_dir="exercises", check=False) -> list[str]:
    """Write (or with ``check=True`` only compare) every exercise notebook; return stale names."""
    sol, ex = Path(solutions_dir), Path(exercises_dir)
    if not sol.is_dir():
        raise ValueError(f"{sol} is not a directory; run this from the repository root.")
    stale = []
    expected = set()
    for path in sorted(sol.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        text = _dump(make_exercise(nb, path.name))
        target = ex / path.name
        expected.add(path.name)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            stale.append(path.name)
            if not check:
                ex.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
    for path in sorted(ex.glob("*.ipynb")) if ex.is_dir() else []:
        if path.name not in expected:
            stale.append(path.name)
            if not check:
                path.unlink()
    return stale


def strip_notebook_files(paths) -> None:
    """``strip-notebooks``: strip each notebook file in ``paths`` in place."""
    for p in paths:
        path = Path(p)
        nb = read_json(path, "notebook")
        path.write_text(_dump(strip_notebook(nb)), encoding="utf-8")
