"""build-site's preparation of the pages (no browser): pages found by globbing, widgets made
static, remote stylesheets dropped, solutions folded, Binder links, the index; CLI mistakes."""

import json
import os

import pytest

from course_lib.tools.cli import main
from course_lib.tools.site import (
    WIDGET_NOTE,
    WIDGET_STATE,
    WIDGET_VIEW,
    binder_url,
    find_pages,
    index_markdown,
    local_html,
    prepare_notebook,
    static_widgets,
)

README = "[![b](x.svg)](https://mybinder.org/v2/gh/org/repo/main?urlpath=lab/tree/notebooks/00_welcome.ipynb)"


def _nb(*cells):
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": list(cells)}


def _md(text, cid="m"):
    return {"cell_type": "markdown", "id": cid, "metadata": {}, "source": text}


def _code(text, outputs=(), cid="c"):
    return {"cell_type": "code", "id": cid, "metadata": {}, "source": text,
            "execution_count": 1, "outputs": list(outputs)}


def _touch(path, nb=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb or _nb(_md("# Chapter"))), encoding="utf-8")


def test_find_pages_globs_split_chapters_the_chinese_edition_and_exercises(tmp_path):
    for name in ["notebooks/00_a.ipynb", "notebooks/05a_x.ipynb", "notebooks/05b_y.ipynb",
                 "notebooks/zh/00_a.ipynb", "solutions/05_x_exercises.ipynb",
                 "exercises/05_x_exercises.ipynb"]:
        _touch(tmp_path / name)
    pages = find_pages(tmp_path)
    assert [(p["src"], p["kind"]) for p in pages] == [
        ("notebooks/00_a.ipynb", "chapter"), ("notebooks/05a_x.ipynb", "chapter"),
        ("notebooks/05b_y.ipynb", "chapter"), ("notebooks/zh/00_a.ipynb", "zh"),
        ("solutions/05_x_exercises.ipynb", "exercise")]
    assert pages[-1]["binder"] == "exercises/05_x_exercises.ipynb"
    assert find_pages(tmp_path, solutions=False)[-1]["src"] == "exercises/05_x_exercises.ipynb"


def test_the_chinese_editions_exercises_get_pages_in_chinese(tmp_path):
    for name in ["notebooks/00_a.ipynb", "solutions/00_a_exercises.ipynb",
                 "solutions/zh/00_a_exercises.ipynb", "exercises/zh/00_a_exercises.ipynb"]:
        _touch(tmp_path / name)
    page = find_pages(tmp_path)[-1]
    assert page == {"src": "solutions/zh/00_a_exercises.ipynb", "kind": "exercise", "lang": "zh",
                    "binder": "exercises/zh/00_a_exercises.ipynb"}
    assert find_pages(tmp_path, solutions=False)[-1]["src"] == "exercises/zh/00_a_exercises.ipynb"
    nb = _nb(_md("# 第0章练习", "t"), _code("def f():\n    ### BEGIN SOLUTION\n    return 1\n"
                                           "    ### END SOLUTION\n"),
             _md("为什么？\n<!-- BEGIN SOLUTION -->\n因为。\n<!-- END SOLUTION -->", "a"))
    out = prepare_notebook(nb, page, README)
    text = "".join(c["source"] for c in out["cells"])
    assert "在 Binder 上运行这个笔记本" in text and "lab/tree/exercises/zh/00_a_exercises" in text
    assert "<summary>查看答案</summary>" in text and "练习笔记本里给你的是" in text
    assert "Show solution" not in text and "Launch this notebook" not in text


def test_find_pages_without_notebooks_says_to_pass_the_repository_root(tmp_path):
    with pytest.raises(ValueError, match="repository root"):
        find_pages(tmp_path)


def test_binder_url_follows_the_readme_badge():
    assert binder_url(README, "exercises/01_e.ipynb") == \
        "https://mybinder.org/v2/gh/org/repo/main?urlpath=lab/tree/exercises/01_e.ipynb"


def _widget_notebook():
    figure = {"output_type": "display_data", "metadata": {},
              "data": {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}}
    state = {"box": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_slider",
                                                                       "IPY_MODEL_out"]}},
             "slider": {"model_name": "FloatSliderModel", "state": {"value": 0.0}},
             "out": {"model_name": "OutputModel", "state": {"outputs": [figure]}}}
    view = {"output_type": "display_data", "metadata": {},
            "data": {WIDGET_VIEW: {"model_id": "box", "version_major": 2},
                     "text/plain": "interactive(...)"}}
    nb = _nb(_code("widgets.interact(f, x=1.0)", [view]))
    nb["metadata"]["widgets"] = {WIDGET_STATE: {"state": state, "version_major": 2}}
    return nb


def test_static_widgets_show_the_default_figure_with_a_note():
    nb = static_widgets(_widget_notebook())
    outputs = nb["cells"][0]["outputs"]
    assert [o["data"].get("text/markdown") for o in outputs] == [WIDGET_NOTE, None]
    assert outputs[1]["data"]["image/png"] == "iVBORw0KGgo="
    assert "widgets" not in nb["metadata"]
    assert not any(WIDGET_VIEW in o["data"] for o in outputs)


def test_local_html_drops_remote_stylesheets_and_keeps_the_rest():
    html = ('<link rel="stylesheet" href="https://maxcdn.example/font-awesome.min.css">\n'
            '<link rel="stylesheet" href="local.css"><div id="anim">frames</div>')
    out = {"output_type": "display_data", "metadata": {}, "data": {"text/html": html}}
    text = local_html(_nb(_code("HTML(x)", [out])))["cells"][0]["outputs"][0]["data"]["text/html"]
    assert "maxcdn" not in text and 'href="local.css"' in text and "frames" in text


def test_exercise_pages_fold_solutions_and_show_the_learners_version():
    nb = _nb(_md("# Chapter 1 exercises", "t"),
             _code("def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n"),
             _md("Why?\n<!-- BEGIN SOLUTION -->\nBecause.\n<!-- END SOLUTION -->", "a"))
    page = {"src": "solutions/01_e.ipynb", "kind": "exercise", "binder": "exercises/01_e.ipynb"}
    out = prepare_notebook(nb, page, README)
    kinds = [(c["cell_type"], c["source"][:30]) for c in out["cells"]]
    assert kinds[0] == ("markdown", "# Chapter 1 exercises")
    assert "lab/tree/exercises/01_e.ipynb" in out["cells"][1]["source"]
    assert "raise NotImplementedError()" in out["cells"][2]["source"]
    assert "return 2 * x" not in out["cells"][2]["source"]
    assert out["cells"][3]["metadata"]["tags"] == ["hide-input"]
    assert '<details class="solution"><summary>Show solution' in out["cells"][4]["source"]
    assert out["cells"][4]["source"].rstrip().endswith("</details>")
    assert len({c["id"] for c in out["cells"]}) == len(out["cells"])


def test_index_lists_chapters_with_their_exercises_the_glossary_and_the_chinese_edition():
    pages = [{"src": "notebooks/00_welcome.ipynb", "kind": "chapter"},
             {"src": "notebooks/05a_cats.ipynb", "kind": "chapter"},
             {"src": "notebooks/zh/00_welcome.ipynb", "kind": "zh"},
             {"src": "solutions/05_cats_exercises.ipynb", "kind": "exercise"},
             {"src": "solutions/zh/00_welcome_exercises.ipynb", "kind": "exercise", "lang": "zh"}]
    nbs = {"solutions/zh/00_welcome_exercises.ipynb": _nb(_md("# 第0章练习")),
           "notebooks/00_welcome.ipynb": _nb(_md("# Chapter 0 — Welcome\n## 5. Glossary — 术语表")),
           "notebooks/05a_cats.ipynb": _nb(_md("# Chapter 5 — Cats")),
           "notebooks/zh/00_welcome.ipynb": _nb(_md("# 第0章 欢迎")),
           "solutions/05_cats_exercises.ipynb": _nb(_md("# Chapter 5 exercises"))}
    text = index_markdown(pages, nbs, README)
    assert "| 0 | [Welcome](notebooks/00_welcome.ipynb) |  |" in text
    assert "| 5a | [Cats](notebooks/05a_cats.ipynb) | [exercises](solutions/05_cats_exercises" \
           ".ipynb) |" in text
    assert 'href="notebooks/00_welcome.html#glossary"' in text
    assert ("[第0章 欢迎](notebooks/zh/00_welcome.ipynb) · "
            "[练习](solutions/zh/00_welcome_exercises.ipynb)") in text


@pytest.mark.parametrize("make, expected", [
    (lambda tmp: (tmp / "f.txt").write_text("x") and ["--out", str(tmp / "f.txt")], "is a file"),
    (lambda tmp: (tmp / "d").mkdir() or (tmp / "d" / "mine.txt").write_text("x") and
     ["--out", str(tmp / "d")], "holds other files"),
    (lambda tmp: ["--out", str(tmp / "_site")], "conf.py is missing"),
    (lambda tmp: ["--out", str(tmp / "notebooks")], "would overwrite the course"),
])
def test_build_site_mistakes_are_one_error_line(tmp_path, capsys, make, expected):
    args = make(tmp_path)
    assert main(["build-site", *args, "--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and expected in err[0]
    assert not (tmp_path / "_site").exists() and not (tmp_path / "notebooks").exists()


def test_build_site_refuses_notebooks_that_never_ran(tmp_path, capsys):
    import shutil
    from pathlib import Path

    shutil.copytree(Path(__file__).resolve().parents[1] / "site", tmp_path / "site")
    _touch(tmp_path / "notebooks" / "00_a.ipynb", _nb(_md("# Chapter 0"),
                                                       {**_code("1 + 1"), "execution_count": None}))
    assert main(["build-site", "--out", str(tmp_path / "_site"), "--root", str(tmp_path),
                 "--executed", str(tmp_path)]) == 2
    assert "never ran" in capsys.readouterr().err
    assert not (tmp_path / "_site").exists()


def test_execute_notebook_runs_in_its_folder_without_agg_and_honours_raises_markers(
        tmp_path, monkeypatch):
    from course_lib.tools.site import execute_notebook, is_executed

    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = _nb(_code("import os\nprint(os.path.basename(os.getcwd()), os.environ.get('MPLBACKEND'))",
                   cid="a"),
             _code("# NBVAL_RAISES_EXCEPTION\n1 / 0", cid="b"))
    for cell in nb["cells"]:
        cell["execution_count"], cell["outputs"] = None, []
    path = tmp_path / "chapter" / "09_x.ipynb"
    _touch(path, nb)
    out = execute_notebook(path)
    assert is_executed(out)
    folder, backend = "".join(out["cells"][0]["outputs"][0]["text"]).split()
    assert folder == "chapter" and backend.endswith("backend_inline")  # not Agg: figures show
    assert out["cells"][1]["outputs"][0]["ename"] == "ZeroDivisionError"


def test_execute_notebook_names_the_notebook_whose_cell_fails(tmp_path):
    from course_lib.tools.site import execute_notebook

    nb = _nb({**_code("raise RuntimeError('boom')"), "execution_count": None})
    _touch(tmp_path / "09_x.ipynb", nb)
    with pytest.raises(ValueError, match=r"09_x\.ipynb failed while executing: .*boom"):
        execute_notebook(tmp_path / "09_x.ipynb")


def test_notebooks_are_executed_in_parallel_each_in_its_kernel_and_kept_in_page_order(
        tmp_path, monkeypatch):
    from course_lib.tools import site

    monkeypatch.setattr(site, "fetch_assets", lambda assets: tmp_path / "vendor")
    pages = []
    for name in ("00_a", "01_b", "02_c"):
        nb = _nb(_code("import os\nprint(os.getpid())", cid="a"))
        nb["cells"][0]["execution_count"], nb["cells"][0]["outputs"] = None, []
        _touch(tmp_path / "notebooks" / f"{name}.ipynb", nb)
        pages.append({"src": f"notebooks/{name}.ipynb"})
    notebooks, vendor = site._executed_notebooks(tmp_path, pages, None, None, jobs=2, quiet=True)
    assert vendor == tmp_path / "vendor" and list(notebooks) == [p["src"] for p in pages]
    pids = {int(nb["cells"][0]["outputs"][0]["text"][0]) for nb in notebooks.values()}
    assert len(pids) == 3 and os.getpid() not in pids  # one kernel each, not this process


def test_execute_notebooks_reports_each_failure_without_hiding_the_other_runs(
        tmp_path, monkeypatch):
    from course_lib.tools.site import execute_notebooks

    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")  # a learner's JupyterLab does not set it
    good = _nb({**_code("import os\nprint(os.environ.get('TF_CPP_MIN_LOG_LEVEL'))"),
                "execution_count": None})
    bad = _nb({**_code("raise RuntimeError('boom')"), "execution_count": None})
    _touch(tmp_path / "00_good.ipynb", good)
    _touch(tmp_path / "01_bad.ipynb", bad)
    runs = execute_notebooks([tmp_path / "00_good.ipynb", tmp_path / "01_bad.ipynb"], jobs=2)
    assert list(runs) == [tmp_path / "00_good.ipynb", tmp_path / "01_bad.ipynb"]
    assert "".join(runs[tmp_path / "00_good.ipynb"]["cells"][0]["outputs"][0]["text"]) == "None\n"
    assert isinstance(runs[tmp_path / "01_bad.ipynb"], str)
    assert "RuntimeError" in runs[tmp_path / "01_bad.ipynb"] and "boom" in runs[tmp_path / "01_bad.ipynb"]


def test_a_kernel_that_dies_starting_up_is_started_again(tmp_path, monkeypatch):
    import nbclient

    from course_lib.tools import site

    _touch(tmp_path / "00_a.ipynb", _nb({**_code("print(6 * 7)"), "execution_count": None}))
    real, starts = nbclient.NotebookClient.execute, []

    def execute(self, **kwargs):  # the first kernel loses the race for its ports
        starts.append(1)
        if len(starts) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return real(self, **kwargs)

    monkeypatch.setattr(nbclient.NotebookClient, "execute", execute)
    nb, error = site._run(tmp_path / "00_a.ipynb", timeout=120)
    assert error is None and len(starts) == 2
    assert "".join(nb["cells"][0]["outputs"][0]["text"]) == "42\n"

    def never(self, **kwargs):
        starts.append(1)
        raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(nbclient.NotebookClient, "execute", never)
    starts.clear()
    nb, error = site._run(tmp_path / "00_a.ipynb", timeout=120)
    assert nb is None and len(starts) == site.KERNEL_STARTS
    assert error.startswith("the kernel failed: RuntimeError: Kernel died")


def test_a_widget_cell_whose_reply_is_lost_runs_again_in_a_fresh_kernel(tmp_path, monkeypatch):
    import nbclient
    from nbclient.exceptions import CellTimeoutError

    from course_lib.tools import site

    widget = "interact(print, x=1)"
    _touch(tmp_path / "00_w.ipynb", _nb({**_code(widget), "execution_count": None}))
    _touch(tmp_path / "00_c.ipynb", _nb({**_code("sum(range(10**9))"), "execution_count": None}))
    starts, waits = [], []

    def execute(self, **kwargs):  # the first kernel's reply to the widget cell is lost
        starts.append(1)
        waits.append(self.timeout_func(self.nb.cells[0]))
        if len(starts) == 1:
            raise CellTimeoutError("A cell timed out while it was being executed")
        self.nb.cells[0].execution_count = 1
        return self.nb

    monkeypatch.setattr(nbclient.NotebookClient, "execute", execute)
    nb, error = site._run(tmp_path / "00_w.ipynb", timeout=1800)
    assert error is None and len(starts) == 2 and nb["cells"][0]["execution_count"] == 1
    assert waits == [site.WIDGET_CELL_TIMEOUT] * 2  # a widget cell waits 2 minutes, not 30

    def slow(self, **kwargs):  # any other cell that times out is that notebook's error
        starts.append(1)
        waits.append(self.timeout_func(self.nb.cells[0]))
        raise CellTimeoutError("A cell timed out while it was being executed")

    monkeypatch.setattr(nbclient.NotebookClient, "execute", slow)
    starts.clear(), waits.clear()
    nb, error = site._run(tmp_path / "00_c.ipynb", timeout=1800)
    assert nb is None and len(starts) == 1 and waits == [1800]
    assert error.startswith("the kernel failed: CellTimeoutError")
