"""The Chinese twins stay in step with the English notebooks: hashes, cells, code, exercises."""

import json
from pathlib import Path

import pytest

from course_lib.tools import nbtools, translations
from course_lib.tools.cli import main
from course_lib.tools.translations import LANGUAGE_LINE, TODO, source_hash

ROOT = Path(__file__).resolve().parents[1]
SETUP = "import course_lib as cl\n\ncl.set_seed(0)"


def _cell(kind, cid, text, **meta):
    cell = {"cell_type": kind, "id": cid, "metadata": dict(meta), "source": text}
    if kind == "code":
        cell.update(outputs=[], execution_count=None)
    return cell


def _nb(*cells, lang=None):
    meta = {"kernelspec": dict(nbtools.KERNELSPEC)}
    if lang:
        meta["course_lib"] = {"language": lang}
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": meta, "cells": list(cells)}


ENGLISH = _nb(_cell("markdown", "title", "# Chapter 9 — Tests\n\nThe generator learns."),
              _cell("code", "setup", SETUP),
              _cell("code", "work", "x = 1  # one\nprint(x)"))


def _twin(**changes):
    cells = [
        _cell("markdown", "title", "# 第9章 测试\n\n生成器（generator）在学习。",
              translation={"source_sha256": source_hash(ENGLISH["cells"][0]["source"])}),
        _cell("code", "setup", SETUP.replace("cl\n", f"cl\n{LANGUAGE_LINE}\n", 1)),
        _cell("code", "work", "x = 1  # 一\nprint(x)"),
    ]
    for cid, cell in changes.items():
        cells = [c for c in cells if c["id"] != cid] if cell is None else [
            cell if c["id"] == cid else c for c in cells]
    return _nb(*cells, lang="zh")


def _write(path, nb):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbtools.dump_notebook(nb), encoding="utf-8")


def test_a_twin_in_step_has_no_problems():
    assert translations.check_pair(ENGLISH, _twin(), "t") == []


def test_comments_and_blank_lines_do_not_count_as_code():
    assert translations.code_tokens("x = 1  # a\n\n\nprint(x)  # b\n") == \
        translations.code_tokens("x = 1\nprint(x)")
    assert translations.code_tokens("x = '# not a comment'") != translations.code_tokens("x = ''")


def test_a_changed_english_cell_makes_its_twin_stale():
    english = json.loads(json.dumps(ENGLISH))
    english["cells"][0]["source"] += " It improves."
    problems = translations.check_pair(english, _twin(), "t")
    assert len(problems) == 1 and "cell title: stale" in problems[0]


def test_missing_cell_missing_hash_and_untranslated_cell_are_listed():
    problems = translations.check_pair(ENGLISH, _twin(work=None), "t")
    assert problems == ["t: cell work: missing (English cell 2, code: 'x = 1  # one')"]
    no_hash = _cell("markdown", "title", "# 第9章")
    assert "no hash" in translations.check_pair(ENGLISH, _twin(title=no_hash), "t")[0]
    todo = _cell("markdown", "title", f"{TODO}\n# Chapter 9", translation={})
    assert "not translated yet" in translations.check_pair(ENGLISH, _twin(title=todo), "t")[0]


def test_a_code_difference_is_listed_but_a_translated_comment_is_not():
    changed = _twin(work=_cell("code", "work", "x = 2  # 一\nprint(x)"))
    [problem] = translations.check_pair(ENGLISH, changed, "t")
    assert problem.startswith("t: cell work: code differs")


def test_the_setup_cell_must_add_the_language_line_and_nothing_else():
    bare = _twin(setup=_cell("code", "setup", SETUP))
    assert "lacks the line" in translations.check_pair(ENGLISH, bare, "t")[0]
    more = _twin(setup=_cell("code", "setup", f"{SETUP}\n{LANGUAGE_LINE}\nimport os"))
    assert "code differs" in translations.check_pair(ENGLISH, more, "t")[0]


def test_extra_cells_order_and_language_are_checked():
    note = _cell("markdown", "zh-note", "给中文读者的说明", translation={"zh_only": True})
    assert translations.check_pair(ENGLISH, _twin() | {"cells": [note, *_twin()["cells"]]}) == []
    stray = _cell("markdown", "other", "多出来的")
    assert "translates no English cell" in translations.check_pair(
        ENGLISH, _twin() | {"cells": [*_twin()["cells"], stray]}, "t")[0]
    swapped = _twin()
    swapped["cells"][1], swapped["cells"][2] = swapped["cells"][2], swapped["cells"][1]
    assert any("English order" in p for p in translations.check_pair(ENGLISH, swapped, "t"))
    assert "language" in translations.check_pair(ENGLISH, _twin() | {"metadata": {}}, "t")[0]


def test_new_then_stamp_then_check_on_a_repository(tmp_path, capsys):
    _write(tmp_path / "notebooks" / "09_tests.ipynb", ENGLISH)
    assert main(["translations", "--new", str(tmp_path / "notebooks/09_tests.ipynb")]) == 0
    twin = tmp_path / "notebooks" / "zh" / "09_tests.ipynb"
    nb = json.loads(twin.read_text(encoding="utf-8"))
    assert [c["id"] for c in nb["cells"]] == ["title", "setup", "work"]
    assert LANGUAGE_LINE in "".join(nb["cells"][1]["source"])
    assert main(["translations", "--check", "--root", str(tmp_path)]) == 1
    assert "not translated yet" in capsys.readouterr().err
    nb["cells"][0]["source"] = "# 第9章 测试\n\n生成器（generator）在学习。"
    _write(twin, nb)
    assert translations.stamp(twin) == ["title"]
    assert main(["translations", "--check", "--root", str(tmp_path)]) == 0
    assert "twins: notebooks/zh/09_tests.ipynb" in capsys.readouterr().out
    with pytest.raises(ValueError, match="already exists"):
        translations.new_twin(tmp_path / "notebooks/09_tests.ipynb")


def test_links_point_to_existing_files_and_to_chinese_twins(tmp_path):
    _write(tmp_path / "notebooks" / "09_tests.ipynb", ENGLISH)
    _write(tmp_path / "notebooks" / "10_next.ipynb", ENGLISH)
    links = _cell("markdown", "title", "[下一章](../10_next.ipynb)，[练习](../../exercises/zh/x.ipynb)",
                  translation={"source_sha256": source_hash(ENGLISH["cells"][0]["source"])})
    _write(tmp_path / "notebooks" / "zh" / "09_tests.ipynb", _twin(title=links))
    problems = translations.check_twins(tmp_path).problems
    assert problems == ["notebooks/zh/09_tests.ipynb: cell title: link to ../../exercises/zh/x.ipynb,"
                        " which does not exist"]
    _write(tmp_path / "notebooks" / "zh" / "10_next.ipynb", _twin())
    assert "link to its Chinese twin 10_next.ipynb" in translations.check_twins(tmp_path).problems[0]


def test_the_check_reports_terms_that_are_not_the_glossarys(tmp_path):
    _write(tmp_path / "notebooks" / "09_tests.ipynb", ENGLISH)
    words = _cell("markdown", "title", "鉴别器（discriminator）在学习如何区分真假样本。",
                  translation={"source_sha256": source_hash(ENGLISH["cells"][0]["source"])})
    _write(tmp_path / "notebooks" / "zh" / "09_tests.ipynb", _twin(title=words))
    problems = translations.check_twins(tmp_path).problems
    assert "notebooks/zh/09_tests.ipynb: terms: avoided synonym: '鉴别器'" in "\n".join(problems)
    assert all(p.startswith("notebooks/zh/09_tests.ipynb: terms: ") for p in problems)


def test_chinese_share_counts_prose_letters_not_code_or_formulas():
    assert translations.chinese_share("生成器 and") == pytest.approx(3 / 6)
    assert translations.chinese_share("生成器 `keras.Model` $x_t$ [链接](../a_b.ipynb)") == 1.0
    assert translations.chinese_share("```python\nimport keras\n```\n判别器") == 1.0
    assert translations.chinese_share("") == 1.0


def test_a_twin_left_mostly_in_english_is_reported(tmp_path):
    _write(tmp_path / "notebooks" / "09_tests.ipynb", ENGLISH)
    english_left = _cell("markdown", "title", "# 第9章\n\nThe generator learns, step by step.",
                         translation={"source_sha256": source_hash(ENGLISH["cells"][0]["source"])})
    _write(tmp_path / "notebooks" / "zh" / "09_tests.ipynb", _twin(title=english_left))
    [problem] = translations.check_twins(tmp_path).problems
    assert problem.startswith("notebooks/zh/09_tests.ipynb: only 7% of its markdown letters")
    _write(tmp_path / "notebooks" / "zh" / "09_tests.ipynb", _twin())
    assert translations.check_twins(tmp_path).problems == []


def test_exercise_twins_are_generated_not_made(tmp_path):
    with pytest.raises(ValueError, match="make-exercises"):
        translations.new_twin(tmp_path / "exercises" / "09_tests_exercises.ipynb")


def test_zh_exercises_are_generated_from_zh_solutions_with_a_chinese_placeholder(tmp_path):
    solution = _nb(_cell("code", "setup", SETUP),
                   _cell("code", "f", "def f():\n    ### BEGIN SOLUTION\n    return 1\n"
                                      "    ### END SOLUTION"),
                   _cell("markdown", "a", "为什么？\n<!-- BEGIN SOLUTION -->\n因为。\n"
                                          "<!-- END SOLUTION -->"), lang="zh")
    _write(tmp_path / "solutions" / "zh" / "09_e.ipynb", solution)
    (tmp_path / "solutions" / "09_e.ipynb").write_text(nbtools.dump_notebook(_nb()))
    assert nbtools.sync_all_exercises(tmp_path) == ["09_e.ipynb", "zh/09_e.ipynb"]
    out = json.loads((tmp_path / "exercises/zh/09_e.ipynb").read_text(encoding="utf-8"))
    assert out["metadata"]["course_lib"]["generated_from"] == "solutions/zh/09_e.ipynb"
    assert "*在这里写下你的答案。*" in "".join(out["cells"][2]["source"])
    assert "raise NotImplementedError()" in "".join(out["cells"][1]["source"])
    assert nbtools.sync_all_exercises(tmp_path, check=True) == []


# ------------------------------------------------------------------ the repository's twins

def test_every_chinese_twin_in_the_repository_is_in_step():
    report = translations.check_twins(ROOT)
    assert report.problems == [], "\n".join(report.problems)
    if not report.twins:  # said, not skipped: nothing to check yet
        print("no Chinese twins yet")
    print(f"not translated yet ({len(report.untranslated)}):", ", ".join(report.untranslated))


def test_every_notebook_has_a_chinese_twin():
    assert translations.check_twins(ROOT).untranslated == []
