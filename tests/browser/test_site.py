"""Every chapter and solution notebook run as a learner runs it, and the course website built
from those runs, in a real browser: every page loads offline and shows what it should.

The chapters and solutions of both editions are executed once per session (``executed_pages``,
two at a time, each in a fresh kernel with README's environment): the first tests report each
run and its setup cell, then the site is built from the same runs (``built_site``). The exercise
notebooks run under nbval (``exercises/`` is a test path). A test of the test builds a one-page
site with a broken Mermaid diagram and shows the page check catches it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from browserkit import ROOT, has_math, mermaid_fences, site_problems

from course_lib.tools.site import WIDGET_NOTE, build_site, find_pages, is_executed

#: The notebooks the site shows and this module runs: chapters and solutions, both editions.
PAGES = [p["src"] for p in find_pages(ROOT)]


@pytest.mark.parametrize("src", PAGES)
def test_notebook_runs_top_to_bottom_as_a_learner_runs_it(executed_pages, src):
    folder, failures = executed_pages
    assert src not in failures, f"{src} failed while executing:\n{failures.get(src)}"
    assert is_executed(json.loads((folder / src).read_text(encoding="utf-8")))


@pytest.mark.parametrize("src", PAGES)
def test_setup_cell_writes_nothing_to_stderr(executed_pages, src):
    """The setup cell is where TensorFlow loads: its start-up log must not show as a red box
    (the kernel had no TF_CPP_MIN_LOG_LEVEL or TF_ENABLE_ONEDNN_OPTS, as a learner's)."""
    folder, failures = executed_pages
    if src in failures:
        pytest.skip(f"{src} did not run (test_notebook_runs_top_to_bottom says why)")
    nb = json.loads((folder / src).read_text(encoding="utf-8"))
    setup = next(c for c in nb["cells"] if c["cell_type"] == "code")
    stderr = ["".join(o["text"]) for o in setup["outputs"]
              if o["output_type"] == "stream" and o["name"] == "stderr"]
    assert not stderr, f"{src}: the setup cell wrote to stderr:\n{''.join(stderr)}"


@pytest.fixture(scope="module")
def site(built_site, serve):
    return built_site, serve(built_site)


def _page_of(src: str) -> str:
    return str(Path(src).with_suffix(".html"))


def test_every_page_loads_offline_with_its_diagrams_and_formulas(site, page_watch):
    folder, base = site
    pages = find_pages(ROOT)
    assert {p["src"] for p in pages} >= {f"notebooks/{p.name}"
                                         for p in (ROOT / "notebooks").glob("*.ipynb")}
    found = {}
    for page in pages:
        src = ROOT / page["src"]
        assert (folder / _page_of(page["src"])).is_file(), f"no page for {page['src']}"
        found[page["src"]] = site_problems(page_watch(), base + _page_of(page["src"]),
                                           mermaid_expected=mermaid_fences(src),
                                           math_expected=has_math(src))
    found["index.html"] = site_problems(page_watch(), base + "index.html", mermaid_expected=0)
    assert {k: v for k, v in found.items() if v} == {}


def test_index_has_the_chapter_table_and_the_glossary(site, page_watch):
    folder, base = site
    page = page_watch().page
    page.goto(base + "index.html")
    links = page.locator("article table a").evaluate_all("as => as.map(a => a.href)")
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert any(h.endswith(f"notebooks/{nb.stem}.html") for h in links), nb.name
    for nb in sorted((ROOT / "solutions").glob("*.ipynb")):
        assert any(h.endswith(f"solutions/{nb.stem}.html") for h in links), nb.name
    glossary = page.locator("a.glossary-link")
    page.goto(glossary.evaluate("a => a.href"))
    anchor = page.url.split("#", 1)[1]
    target = page.locator(f"[id='{anchor}']")
    assert target.count() == 1 and "Glossary" in target.inner_text()
    assert target.locator("table").count() == 1


def test_every_page_links_to_its_notebook_on_binder(site, page_watch):
    folder, base = site
    page = page_watch().page
    for p in find_pages(ROOT):
        page.goto(base + _page_of(p["src"]))
        href = page.locator("p.binder-link a").get_attribute("href")
        assert href.startswith("https://mybinder.org/v2/gh/"), href
        assert href.endswith(f"?urlpath=lab/tree/{p.get('binder', p['src'])}"), href


def test_exercise_pages_hide_each_solution_behind_a_show_control(site, page_watch):
    folder, base = site
    page = page_watch().page
    sol = sorted((ROOT / "solutions").glob("01_*.ipynb"))[0]
    cells = json.loads(sol.read_text(encoding="utf-8"))["cells"]
    answer = next("".join(c["source"]) for c in cells if "### BEGIN SOLUTION" in
                  "".join(c["source"]))
    line = next(ln.strip() for ln in answer.splitlines()[answer.splitlines().index(
        next(ln for ln in answer.splitlines() if "### BEGIN SOLUTION" in ln)) + 1:])
    page.goto(base + f"solutions/{sol.stem}.html")
    shown = page.get_by_text(line, exact=False).first
    assert not shown.is_visible(), "a solution is visible before 'Show solution' is clicked"
    page.get_by_text("Show solution").first.click()
    assert shown.is_visible()
    assert page.get_by_text("raise NotImplementedError()").first.is_visible()


def test_widgets_fall_back_to_their_default_figure_with_a_note(site, page_watch):
    folder, base = site
    page = page_watch().page
    nb = sorted((ROOT / "notebooks").glob("01_*.ipynb"))[0]
    page.goto(base + f"notebooks/{nb.stem}.html")
    note = page.get_by_text(WIDGET_NOTE.strip("*")[:40]).first
    assert note.is_visible()
    figure = note.locator("xpath=following::img[1]")
    assert figure.evaluate("i => i.complete && i.naturalWidth > 100")
    assert page.get_by_text("Loading widget").count() == 0


def test_chapter_5_figures_and_animation_are_present(site, page_watch):
    folder, base = site
    chapter_5 = sorted((ROOT / "notebooks").glob("05*.ipynb"))
    assert chapter_5, "no chapter 5 notebook"
    watch = page_watch()
    page = watch.page
    animations = 0
    for nb in chapter_5:
        page.goto(base + f"notebooks/{nb.stem}.html")
        images = page.locator("article .cell_output img")
        assert images.count() > 0, f"{nb.name}: no figures"
        broken = images.evaluate_all("is => is.filter(i => !(i.complete && i.naturalWidth > 0))"
                                     ".map(i => i.src.slice(0, 80))")
        assert broken == [], f"{nb.name}: figures that do not load: {broken}"
        for i in range(page.locator("img[id^='_anim_img']").count()):
            frame = page.locator("img[id^='_anim_img']").nth(i)
            frame.scroll_into_view_if_needed()
            before = frame.get_attribute("src")
            player = frame.locator("xpath=ancestor::div[contains(@class, 'animation')][1]")
            player.locator("button[onclick$='.play_animation()']").click()
            page.wait_for_function("([el, old]) => el.getAttribute('src') !== old",
                                   arg=[frame.element_handle(), before], timeout=10_000)
            animations += 1
    assert animations > 0, "chapter 5 shows no animation"
    assert watch.errors == [] and watch.foreign == []


# --- test of the test --------------------------------------------------------------------------


def _markdown_notebook(*cells: str) -> dict:
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
            "cells": [{"cell_type": "markdown", "id": f"c{i}", "metadata": {}, "source": s}
                      for i, s in enumerate(cells)]}


@pytest.mark.parametrize("diagram, ok", [
    ('graph TD\nA["data (cats)"] --> B["a GAN"]', True),
    ("graph TD\nA[data (cats)] --> B[a GAN", False),      # unquoted parentheses, no bracket
], ids=["good-diagram", "broken-diagram"])
def test_page_check_catches_a_broken_mermaid_diagram(tmp_path, serve, page_watch, diagram, ok):
    """The check the site tests use fails on a page whose Mermaid diagram is broken."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "site", repo / "site")
    (repo / "notebooks").mkdir(parents=True)
    nb = _markdown_notebook("# Chapter 9 — a diagram", f"```mermaid\n{diagram}\n```",
                            "and a formula $x^2$.")
    (repo / "notebooks" / "09_diagram.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    build_site(tmp_path / "out", root=repo, executed=repo, quiet=True)
    base = serve(tmp_path / "out")
    problems = site_problems(page_watch(), base + "notebooks/09_diagram.html",
                             mermaid_expected=1, math_expected=True)
    if ok:
        assert problems == []
    else:
        assert any("Mermaid" in p for p in problems), problems
