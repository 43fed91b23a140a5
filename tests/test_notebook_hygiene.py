"""Notebooks are committed clean, runnable by a learner, and follow the chapter skeleton."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("notebooks", "solutions", "exercises")
#: Every notebook, the Chinese edition's twins (``zh/`` in each folder) included.
ALL = sorted(p for d in FOLDERS for sub in ("", "zh") for p in (ROOT / d / sub).glob("*.ipynb"))
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ZH_CHAPTERS = sorted((ROOT / "notebooks" / "zh").glob("*.ipynb"))
#: A chapter's first heading words and its last markdown cell's heading, by edition.
SKELETON = {"notebooks": ("learning objectives", r"summary"), "zh": ("学习目标", r"小结|总结")}


def _label(path):
    return "/".join(path.relative_to(ROOT).parts)


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _src(cell):
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def _exercises_stem(chapter):
    """A chapter notebook's exercise notebook: its own (07b_x -> 07b_x_exercises) when solutions/
    has one, else its chapter's first notebook's: 05b_... shares 05_...'s."""
    if (ROOT / "solutions" / f"{chapter.stem}_exercises.ipynb").is_file():
        return f"{chapter.stem}_exercises"
    return min(p.stem for p in CHAPTERS if p.stem[:2] == chapter.stem[:2]) + "_exercises"


def test_there_are_eight_chapters_each_with_solution_and_exercise():
    stems = [p.stem for p in CHAPTERS]
    assert sorted({s[:2] for s in stems}) == [f"0{i}" for i in range(8)], stems
    for stem in stems:
        assert re.match(r"^0\d[a-z]?_[a-z0-9_]+$", stem), f"{stem}: NN_name or NNb_name"
    for path in CHAPTERS:
        assert (ROOT / "solutions" / f"{_exercises_stem(path)}.ipynb").is_file(), path.stem
        assert (ROOT / "exercises" / f"{_exercises_stem(path)}.ipynb").is_file(), path.stem


@pytest.mark.parametrize("path", CHAPTERS + ZH_CHAPTERS, ids=_label)
def test_chapter_notebooks_have_at_most_45_cells(path):
    cells = _load(path)["cells"]
    assert len(cells) <= 45, f"{path.name} has {len(cells)} cells; split it where the story splits"


@pytest.mark.parametrize("path", ALL, ids=_label)
def test_committed_without_outputs_and_with_python3_kernel(path):
    nb = _load(path)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"cell {i} has outputs"
            assert cell.get("execution_count") is None, f"cell {i} has an execution count"
        assert "attachments" not in cell, f"cell {i} embeds an attachment"


@pytest.mark.parametrize("path", ALL, ids=_label)
def test_no_external_images_star_imports_or_absolute_paths(path):
    for i, cell in enumerate(_load(path)["cells"]):
        src = _src(cell)
        assert not re.search(r"!\[[^\]]*\]\((https?:|data:)", src), f"cell {i}: external image"
        assert "<img" not in src, f"cell {i}: <img> tag"
        assert not re.search(r"^\s*from \S+ import \*", src, re.M), f"cell {i}: star import"
        assert "/work/" not in src and "/tmp/venv" not in src, f"cell {i}: absolute path"


@pytest.mark.parametrize("path", ALL, ids=_label)
def test_uses_course_lib_as_cl(path):
    code = "\n".join(_src(c) for c in _load(path)["cells"] if c["cell_type"] == "code")
    assert "import course_lib as cl" in code


@pytest.mark.parametrize("path", CHAPTERS + ZH_CHAPTERS, ids=_label)
def test_chapter_starts_with_objectives_and_ends_with_summary(path):
    objectives, summary = SKELETON[path.parent.name]
    md = [_src(c) for c in _load(path)["cells"] if c["cell_type"] == "markdown"]
    assert objectives in "\n".join(md[:2]).lower(), f"objectives ({objectives}) must come first"
    assert re.search(rf"^#+\s*({summary})", md[-1], re.I | re.M), "the last markdown cell: Summary"
    assert f"{_exercises_stem(path)}.ipynb" in md[-1], "the summary points to the exercises"
