"""The Chinese edition kept in step with the English one (maintainers and translators).

Every notebook ``notebooks/NAME.ipynb`` and ``solutions/NAME.ipynb`` may have a Chinese *twin*
with the same name under ``zh/`` in the same folder (``exercises/zh/`` is generated from
``solutions/zh/`` by ``make-exercises``, like ``exercises/`` itself). The twin format:

- the twin's notebook metadata says ``"course_lib": {"language": "zh"}``;
- each twin cell has **the id of the English cell it translates** (the pairing), and twin
  cells come in the English order;
- a markdown (or raw) cell records in ``metadata.translation.source_sha256`` the hash
  (:func:`source_hash`) of the English text it translates, written by ``--stamp``; a cell
  still holding :data:`TODO` is untranslated;
- a code cell is the English one: its code (comments aside, compared token by token) is the
  same, except that the setup cell (the first code cell) adds :data:`LANGUAGE_LINE`;
- a Chinese-only markdown cell (a note for Chinese readers) has its own id and
  ``metadata.translation.zh_only = true``;
- a link to a notebook points to its Chinese twin once that exists (and never to a missing
  file), and the translated text names each concept with the glossary's term
  (:func:`course_lib.glossary.term_problems`).

::

    python -m course_lib translations --check            # list every stale or missing cell
    python -m course_lib translations --new notebooks/01_normal_distribution.ipynb
    python -m course_lib translations --stamp notebooks/zh/01_normal_distribution.ipynb

``--new`` writes a twin skeleton: code copied (and the language line added), markdown in English
behind the :data:`TODO` marker. After translating cells (and deleting their marker), ``--stamp``
records the hashes of the English cells they now translate; a later change to an English cell
makes its twin *stale* until the Chinese is updated and stamped again.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from course_lib.files import write_text
from course_lib.tools.nbtools import (
    dump_notebook,
    load_notebook,
    notebook_language,
    strip_notebook,
    sync_exercises,
)

__all__ = ["LANGUAGE_LINE", "MIN_CHINESE_SHARE", "TODO", "TWIN_FOLDERS", "Report", "check_pair",
           "check_twins", "chinese_share", "code_tokens", "command", "new_twin", "source_hash",
           "stamp", "twin_path"]

#: The folders whose notebooks have twins (``exercises/zh/`` is generated from ``solutions/zh/``).
TWIN_FOLDERS = ("notebooks", "solutions")
#: The one line a twin's setup cell adds, before its first ``cl.`` call.
LANGUAGE_LINE = 'cl.set_language("zh")  # 课程语言：中文（反馈信息与术语表）'
#: The least share of a twin's markdown letters that are Chinese characters (:func:`chinese_share`).
MIN_CHINESE_SHARE = 0.4
#: The marker of a markdown cell not translated yet (``--new`` puts it first in each).
TODO = "<!-- 待翻译 (needs translation): delete this line once the cell is translated -->"


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def source_hash(text: str) -> str:
    """The hash a twin records of an English cell's text (16 hex digits of its SHA-256;
    line endings and surrounding blank space do not count)."""
    norm = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").strip().split("\n"))
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:16]


def code_tokens(src: str) -> list[tuple[int, str]]:
    """The code of ``src`` as (type, text) tokens, without comments or blank lines.

    Two cells with the same tokens differ only in comments and layout. Code that Python cannot
    tokenize (an IPython magic) is compared line by line, ``#`` comments cut naively.
    """
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.INDENT,
            tokenize.DEDENT, tokenize.ENDMARKER}
    try:
        return [(t.type, "" if t.type == tokenize.NEWLINE else t.string)
                for t in tokenize.generate_tokens(io.StringIO(src).readline)
                if t.type not in skip]
    except (tokenize.TokenError, SyntaxError):  # IndentationError is a SyntaxError
        lines = (line.split("#", 1)[0].rstrip() for line in src.splitlines())
        return [(-1, line) for line in lines if line]


_NOT_PROSE = re.compile(r"```.*?```|<!--.*?-->|\$\$.*?\$\$|\$[^$\n]+\$|`[^`\n]+`|\]\([^)]*\)",
                        re.S)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def chinese_share(markdown: str) -> float:
    """The share of the letters of ``markdown``'s prose that are Chinese characters.

    Code blocks, inline code, formulas, HTML comments and link targets do not count; every other
    letter does (a Latin letter or a Chinese character: one each). A text without letters is 1.
    """
    prose = _NOT_PROSE.sub("", markdown)
    letters = sum(1 for ch in prose if ch.isalpha())
    return len(_HAN.findall(prose)) / letters if letters else 1.0


def twin_path(english) -> Path:
    """Where the Chinese twin of an English notebook lives: ``zh/`` in the same folder."""
    english = Path(english)
    return english.parent / "zh" / english.name


def _is_todo(cell) -> bool:
    return TODO in _source(cell)


def _translation(cell) -> dict:
    meta = cell.get("metadata", {}).get("translation", {})
    return meta if isinstance(meta, dict) else {}


def _setup_index(cells) -> int | None:
    return next((i for i, c in enumerate(cells) if c.get("cell_type") == "code"), None)


def _without_language_line(src: str) -> tuple[str, bool]:
    """The setup cell's source without :data:`LANGUAGE_LINE` (comment aside), and whether it
    had the line."""
    want = code_tokens(LANGUAGE_LINE)
    lines = src.split("\n")
    for i, line in enumerate(lines):
        if line.strip() and code_tokens(line) == want:
            return "\n".join(lines[:i] + lines[i + 1:]), True
    return src, False


def _code_problem(en_cell, zh_cell, setup: bool) -> str | None:
    zh_src = _source(zh_cell)
    if setup:
        zh_src, has_line = _without_language_line(zh_src)
        if not has_line:
            return f"the setup cell lacks the line {LANGUAGE_LINE.split('  #')[0]}"
    if code_tokens(_source(en_cell)) != code_tokens(zh_src):
        return ("code differs from the English cell (comments aside): copy the English code "
                "and translate only its comments")
    return None


def _text_problem(en_cell, zh_cell, stamp_hint: str) -> str | None:
    if _is_todo(zh_cell):
        return "not translated yet (it still holds the 待翻译 marker)"
    recorded = _translation(zh_cell).get("source_sha256")
    if not recorded:
        return f"no hash of the English cell recorded: {stamp_hint}"
    if recorded != source_hash(_source(en_cell)):
        return ("stale: the English cell changed since it was translated; update the Chinese, "
                f"then {stamp_hint}")
    return None


def check_pair(english: dict, twin: dict, name: str = "the twin") -> list[str]:
    """What is out of step between an English notebook and its Chinese twin ``name``: one line
    per missing, untranslated, stale, extra or misplaced cell, and per code difference."""
    hint = f"run python -m course_lib translations --stamp {name}"
    problems = [] if notebook_language(twin) == "zh" else [
        f'{name}: its metadata.course_lib.language is not "zh"']
    en_cells = english.get("cells", [])
    en_by_id = {c.get("id"): (i, c) for i, c in enumerate(en_cells) if c.get("id")}
    setup, paired = _setup_index(en_cells), []
    for zh_cell in twin.get("cells", []):
        cid = zh_cell.get("id")
        if cid not in en_by_id:
            if not (_translation(zh_cell).get("zh_only") and zh_cell["cell_type"] == "markdown"):
                problems.append(f"{name}: cell {cid}: translates no English cell (pairing is by "
                                "id: give it its English cell's id, or mark a Chinese-only "
                                "markdown note with metadata.translation.zh_only = true)")
            continue
        i, en_cell = en_by_id[cid]
        paired.append(i)
        if en_cell["cell_type"] != zh_cell["cell_type"]:
            what = f"is {zh_cell['cell_type']}, its English cell {en_cell['cell_type']}"
        elif en_cell["cell_type"] == "code":
            what = _code_problem(en_cell, zh_cell, setup=i == setup)
        else:
            what = _text_problem(en_cell, zh_cell, hint)
        if what:
            problems.append(f"{name}: cell {cid}: {what}")
    for i, cell in enumerate(en_cells):
        if i not in paired:
            first = (_source(cell).strip().split("\n") or [""])[0][:50]
            problems.append(f"{name}: cell {cell.get('id')}: missing (English cell {i}, "
                            f"{cell['cell_type']}: {first!r})")
    if paired != sorted(set(paired)):
        problems.append(f"{name}: its cells are not in the English order (or one id appears "
                        "twice): order them as the English cells")
    return problems


@dataclass
class Report:
    """What ``translations --check`` found: twins checked, notebooks without one, problems."""

    twins: list[str] = field(default_factory=list)
    untranslated: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _exercise_problems(root: Path) -> list[str]:
    sol, ex = root / "solutions" / "zh", root / "exercises" / "zh"
    if not sol.is_dir():
        return [f"exercises/zh/{p.name}: has no solutions/zh/ to be generated from"
                for p in sorted(ex.glob("*.ipynb"))]
    stale = sync_exercises(sol, ex, check=True, source="solutions/zh")
    return [f"exercises/zh/{name}: stale or missing: run python -m course_lib make-exercises"
            for name in stale]


def _link_problems(twin: Path, name: str) -> list[str]:
    """Links of ``twin`` to notebooks that do not exist, or to English notebooks whose Chinese
    twin exists (links point to the Chinese twins)."""
    problems = []
    for cell in load_notebook(twin)["cells"]:
        if cell.get("cell_type") != "markdown":
            continue
        for target in re.findall(r"\]\(([^)\s#]+\.ipynb)(?:#[^)]*)?\)", _source(cell)):
            if "://" in target:
                continue
            path = (twin.parent / target).resolve()
            if not path.is_file():
                problems.append(f"{name}: cell {cell.get('id')}: link to {target}, which does "
                                "not exist")
            elif path.parent.name != "zh" and twin_path(path).is_file():
                problems.append(f"{name}: cell {cell.get('id')}: link to the English {target}; "
                                "link to its Chinese twin "
                                f"{os.path.relpath(twin_path(path), twin.parent.resolve())}")
    return problems


def _share_problems(twin: Path, name: str) -> list[str]:
    """The twin's markdown is written in Chinese: at least :data:`MIN_CHINESE_SHARE` of its
    letters (checked once no cell holds the 待翻译 marker)."""
    cells = [c for c in load_notebook(twin)["cells"] if c.get("cell_type") == "markdown"]
    if any(_is_todo(c) for c in cells):
        return []
    share = chinese_share("\n\n".join(_source(c) for c in cells))
    if share >= MIN_CHINESE_SHARE:
        return []
    return [f"{name}: only {share:.0%} of its markdown letters are Chinese (at least "
            f"{MIN_CHINESE_SHARE:.0%}): translate the English prose left in it"]


def _term_problems(twin: Path, name: str) -> list[str]:
    """Where the twin's markdown names a concept otherwise than the glossary (chapter 0)."""
    from course_lib.glossary import term_problems

    cells = load_notebook(twin)["cells"]
    markdown = "\n\n".join(_source(c) for c in cells if c.get("cell_type") == "markdown"
                            and not _is_todo(c))
    return [f"{name}: terms: {problem}" for problem in term_problems(markdown)]


def check_twins(root=".") -> Report:
    """Every twin in ``root`` checked against its English notebook (``translations --check``)."""
    root, report = Path(root), Report()
    if not (root / "notebooks").is_dir():
        raise ValueError(f"{root} has no notebooks/ folder; run this from the repository root "
                         "(or pass --root).")
    for folder in TWIN_FOLDERS:
        english = {p.name: p for p in sorted((root / folder).glob("*.ipynb"))}
        for path in sorted((root / folder / "zh").glob("*.ipynb")):
            name = f"{folder}/zh/{path.name}"
            if path.name not in english:
                report.problems.append(f"{name}: has no English notebook {folder}/{path.name}")
                continue
            report.twins.append(name)
            report.problems += check_pair(load_notebook(english[path.name]),
                                          load_notebook(path), name)
            report.problems += (_link_problems(path, name) + _term_problems(path, name)
                                + _share_problems(path, name))
        report.untranslated += [f"{folder}/{n}" for n in english
                                if not (root / folder / "zh" / n).is_file()]
    report.problems += _exercise_problems(root)
    return report


def _with_language_line(src: str) -> str:
    """The setup cell with :data:`LANGUAGE_LINE` before its first ``cl.`` call (after the
    imports, where isort wants statements), else at its end."""
    lines = src.split("\n")
    at = next((i for i, line in enumerate(lines) if line.startswith("cl.")), len(lines))
    return "\n".join(lines[:at] + [LANGUAGE_LINE] + lines[at:])


def new_twin(english) -> Path:
    """Write the skeleton of ``english``'s Chinese twin (``translations --new``); return its path.

    Code cells are copied (the setup cell gains :data:`LANGUAGE_LINE`), markdown and raw cells
    keep their English text behind the :data:`TODO` marker; every cell keeps its id. An
    existing twin is never replaced.
    """
    english = Path(english)
    if english.parent.name not in TWIN_FOLDERS:
        hint = (" exercises/zh/ is generated: create solutions/zh/ twins, then run python -m "
                "course_lib make-exercises." if english.parent.name == "exercises" else "")
        raise ValueError(f"{english}: twins are made for the notebooks in "
                         f"{' and '.join(f'{f}/' for f in TWIN_FOLDERS)}, not {english.parent}/."
                         + hint)
    target = twin_path(english)
    if target.exists():
        raise ValueError(f"{target} already exists and is not replaced; python -m course_lib "
                         "translations --check lists what to update in it.")
    nb = strip_notebook(load_notebook(english))
    setup = _setup_index(nb["cells"])
    for i, cell in enumerate(nb["cells"]):
        src = _source(cell)
        if cell["cell_type"] == "code":
            new = _with_language_line(src) if i == setup else src
        else:
            new = f"{TODO}\n{src}"
            cell.setdefault("metadata", {})["translation"] = {}
        cell["source"] = new.splitlines(keepends=True)
    nb["metadata"].setdefault("course_lib", {})["language"] = "zh"
    target.parent.mkdir(parents=True, exist_ok=True)
    write_text(target, dump_notebook(nb))
    return target


def stamp(twin, cells=None) -> list[str]:
    """Record in ``twin`` the hashes of the English cells its translated cells translate
    (``translations --stamp``); return the ids whose record changed.

    Only ``cells`` (ids) when given; cells still marked :data:`TODO` are never stamped.
    """
    twin = Path(twin)
    if twin.parent.name != "zh":
        raise ValueError(f"{twin} is not a Chinese twin: twins live in a zh/ folder "
                         "(notebooks/zh/NAME.ipynb).")
    english = twin.parent.parent / twin.name
    en_nb, nb = load_notebook(english), load_notebook(twin)
    en_text = {c.get("id"): _source(c) for c in en_nb["cells"] if c["cell_type"] != "code"}
    wanted = set(cells or ())
    unknown = wanted - {c.get("id") for c in nb["cells"]} if wanted else set()
    if unknown:
        raise ValueError(f"{twin} has no cell {', '.join(sorted(unknown))}; its cell ids are "
                         "the English cells' ids.")
    changed = []
    for cell in nb["cells"]:
        cid = cell.get("id")
        if cid not in en_text or _is_todo(cell) or (wanted and cid not in wanted):
            continue
        record = cell.setdefault("metadata", {}).setdefault("translation", {})
        if record.get("source_sha256") != source_hash(en_text[cid]):
            record["source_sha256"] = source_hash(en_text[cid])
            changed.append(cid)
    if changed:
        write_text(twin, dump_notebook(nb))
    return changed


def command(args) -> int:
    """``python -m course_lib translations``: ``--new``, ``--stamp`` or (default) ``--check``."""
    if args.new:
        print(f"written: {new_twin(args.new)} (translate each cell, delete its 待翻译 line, "
              "then run translations --stamp on it)")
        return 0
    if args.stamp:
        changed = stamp(args.stamp, args.cell)
        print(f"stamped: {', '.join(changed) or 'nothing changed'}")
        return 0
    report = check_twins(args.root)
    print("twins: " + (", ".join(report.twins) or "no twins yet"))
    if report.untranslated:
        print(f"not translated yet ({len(report.untranslated)}): "
              + ", ".join(report.untranslated))
    for line in report.problems:
        print(line, file=sys.stderr)
    failed = report.problems or (args.require_all and report.untranslated)
    print(f"{len(report.problems)} problem(s)" + (" and missing twins" if failed and not
                                                   report.problems else ""))
    return 1 if failed else 0
