"""Notebook tools: exercises generated from solutions, and output stripping (maintainers).

``solutions/`` is the single source. In a solution notebook, code between ``### BEGIN SOLUTION``
and ``### END SOLUTION`` (nbgrader's markers) becomes ``raise NotImplementedError()`` at the
same indentation in ``exercises/``; markdown between ``<!-- BEGIN SOLUTION -->`` and
``<!-- END SOLUTION -->`` becomes "*Your answer here.*". Put every code solution inside a
function body, so a fresh exercise notebook still runs top to bottom and its checks report
"not attempted yet". The Chinese edition's ``solutions/zh/`` becomes ``exercises/zh/`` the same
way, its hidden answers reading "*在这里写下你的答案。*" (the notebook's
``metadata.course_lib.language`` is "zh").

    python -m course_lib make-exercises          # regenerate exercises/ (and exercises/zh/)
    python -m course_lib make-exercises --check  # fail if exercises/ is stale
    python -m course_lib strip-notebooks PATHS   # outputs and execution counts removed

Both treat notebooks as the user's data: every rewrite is atomic (a temporary file in the same
folder, moved over the original only when complete, so a full disk destroys nothing), a file
that is not a notebook is refused by name before anything is changed, and ``make-exercises``
only replaces or deletes notebooks that it generated (``metadata.course_lib.generator``); any
other notebook in ``exercises/`` is left alone and named.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

from course_lib.files import storage_error, write_text

__all__ = ["ANSWER_HERE", "dump_notebook", "is_generated", "load_notebook", "make_exercise",
           "notebook_language", "strip_notebook", "strip_notebook_files", "strip_solution_code",
           "sync_all_exercises", "sync_exercises"]

GENERATOR = "python -m course_lib make-exercises"

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
MD_BEGIN, MD_END = "<!-- BEGIN SOLUTION -->", "<!-- END SOLUTION -->"
#: What a hidden markdown answer becomes, in the notebook's language.
ANSWER_HERE = {"en": "*Your answer here.*", "zh": "*在这里写下你的答案。*"}
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


def _strip_markdown(src: str, where: str, lang: str = "en") -> str:
    pattern = re.compile(re.escape(MD_BEGIN) + r".*?" + re.escape(MD_END), re.S)
    out = pattern.sub(ANSWER_HERE[lang], src)
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


def notebook_language(nb: dict) -> str:
    """The language a notebook is written in: ``metadata.course_lib.language`` ("en" if unset;
    the Chinese edition's notebooks say "zh")."""
    meta = nb.get("metadata", {}).get("course_lib", {})
    lang = meta.get("language", "en") if isinstance(meta, dict) else "en"
    return lang if lang in ANSWER_HERE else "en"


def make_exercise(nb: dict, name: str = "notebook", source: str = "solutions") -> dict:
    """The exercise version of a solution notebook (``source``: the folder it comes from)."""
    nb = strip_notebook(nb)
    lang = notebook_language(nb)
    for i, cell in enumerate(nb["cells"]):
        where = f"{name}, cell {i}"
        src = _source(cell)
        if cell["cell_type"] == "code":
            new = strip_solution_code(src, where)
        elif cell["cell_type"] == "markdown":
            new = _strip_markdown(src, where, lang)
        else:
            continue
        cell["source"] = new.splitlines(keepends=True)
    nb["metadata"]["course_lib"] = {"generated_from": f"{source}/{name}",
                                    "generator": GENERATOR,
                                    **({"language": lang} if lang != "en" else {})}
    return nb


def dump_notebook(nb: dict) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def load_notebook(path) -> dict:
    """The notebook in ``path``, or a ``ValueError`` naming the file if it is not one."""
    path = Path(path)
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not valid JSON ({exc}), so it is not a notebook. Expected "
                         "a Jupyter .ipynb file; undo the last edit or restore it from version "
                         "control.") from None
    except OSError as exc:
        raise storage_error(exc, path, "read") from None
    problem = None
    if not isinstance(nb, dict):
        problem = f"it holds a JSON {type(nb).__name__}, not an object"
    elif not isinstance(nb.get("cells"), list):
        problem = "it has no list of 'cells'"
    elif isinstance(nb.get("nbformat"), bool) or not isinstance(nb.get("nbformat"), int):
        problem = "it has no whole 'nbformat' version"
    elif not all(isinstance(c, dict) and isinstance(c.get("cell_type"), str) for c in nb["cells"]):
        problem = "not every cell is an object with a 'cell_type'"
    if problem:
        raise ValueError(f"{path} is not a Jupyter notebook: {problem}. Expected an .ipynb file "
                         "(nbformat 4); nothing was changed.")
    return nb


def strip_notebook_files(paths) -> list[str]:
    """``strip-notebooks``: strip the notebooks in ``paths`` in place, atomically; return those
    that changed.

    Every path is read and checked first: if any is not a notebook, a ``ValueError`` names it
    and no file is changed.
    """
    loaded = [(Path(p), load_notebook(p)) for p in paths]
    changed = []
    for path, nb in loaded:
        text = dump_notebook(strip_notebook(nb))
        if path.read_text(encoding="utf-8") != text:
            write_text(path, text)
            changed.append(str(path))
    return changed


def is_generated(nb: dict) -> bool:
    """Whether ``make-exercises`` wrote this notebook (its metadata says so)."""
    meta = nb.get("metadata") if isinstance(nb, dict) else None
    mark = meta.get("course_lib") if isinstance(meta, dict) else None
    return isinstance(mark, dict) and mark.get("generator") == GENERATOR


def _generated(path: Path) -> bool:
    try:
        return is_generated(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, OSError):
        return False


def sync_exercises(solutions_dir="solutions", exercises_dir="exercises", check=False,
                   left: list | None = None, source: str | None = None) -> list[str]:
    """Write (or with ``check=True`` only compare) every exercise notebook; return stale names.

    Only notebooks that ``make-exercises`` generated are replaced or deleted. An exercise
    notebook without that mark (an instructor's own) is left alone and described in ``left``
    (a list to append to), as is a solution notebook that is not valid. All solutions are
    read and converted before anything is written. ``source`` names the solutions' folder in
    the exercises' metadata (default: its name, "solutions").
    """
    sol, ex = Path(solutions_dir), Path(exercises_dir)
    source = source or sol.name
    if not sol.is_dir():
        raise ValueError(f"{sol} is not a directory; run this from the repository root.")
    left = [] if left is None else left
    stale, expected, writes = [], set(), []
    for path in sorted(sol.glob("*.ipynb")):
        text = dump_notebook(make_exercise(load_notebook(path), path.name, source))
        target = ex / path.name
        expected.add(path.name)
        if target.exists() and not _generated(target):
            left.append(f"{target} was not generated by make-exercises (no course_lib mark), "
                        f"so it is not replaced; move it away to regenerate it from {path}.")
            continue
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            stale.append(path.name)
            writes.append((target, text))
    removals = []
    for path in sorted(ex.glob("*.ipynb")) if ex.is_dir() else []:
        if path.name in expected:
            continue
        if _generated(path):
            stale.append(path.name)
            removals.append(path)
        else:
            left.append(f"{path} has no solution notebook and was not generated by "
                        "make-exercises, so it is kept.")
    if not check:
        if writes:
            ex.mkdir(parents=True, exist_ok=True)
        for target, text in writes:
            write_text(target, text)
        for path in removals:
            path.unlink()
    return stale



def sync_all_exercises(root=".", check=False, left: list | None = None) -> list[str]:
    """``make-exercises``: ``exercises/`` from ``solutions/``, and the Chinese edition's
    ``exercises/zh/`` from ``solutions/zh/`` when it exists; return the stale names (the
    Chinese ones as ``zh/NAME``)."""
    root = Path(root)
    stale = sync_exercises(root / "solutions", root / "exercises", check=check, left=left)
    if (root / "solutions" / "zh").is_dir():
        stale += [f"zh/{name}" for name in sync_exercises(
            root / "solutions" / "zh", root / "exercises" / "zh", check=check, left=left,
            source="solutions/zh")]
    return stale
