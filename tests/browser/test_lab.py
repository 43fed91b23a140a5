"""What a learner sees in JupyterLab, in a real browser: the course opens, diagrams and formulas
render, the chapter 1 widget reacts to its slider, and an exercise check shows its coloured result.
"""

from __future__ import annotations

import json
import re
import uuid

import pytest
from browserkit import ROOT, chapter_notebooks, has_math, mermaid_fences

TIMEOUT = 60_000


def _open(watch, lab, path: str | None = None):
    """Open ``path`` in JupyterLab (default: the address JupyterLab itself opened)."""
    base, token, opened, _log = lab
    page = watch.page
    # a workspace of its own, so no tab of an earlier test comes back
    url = f"{base}lab/workspaces/{uuid.uuid4().hex}/tree/{path}?token={token}"
    page.goto(url if path else opened, wait_until="load")
    page.wait_for_selector(".jp-NotebookPanel .jp-MarkdownCell .jp-RenderedMarkdown",
                           timeout=TIMEOUT)
    page.wait_for_function("p => { const w = window.jupyterapp && window.jupyterapp.shell"
                           ".currentWidget; return w && w.context && w.context.path === p; }",
                           arg=path or "notebooks/00_welcome.ipynb", timeout=TIMEOUT)
    page.evaluate("window.jupyterapp.shell.currentWidget.context.ready")
    panel = page.evaluate("window.jupyterapp.shell.currentWidget.id")
    return page, page.locator(f"[id='{panel}']")


def _mermaid_problems(page, panel, expected: int) -> list[str]:
    """What is wrong with the page's Mermaid diagrams in JupyterLab (empty: all drawn as SVG).

    JupyterLab 4.6 draws a diagram as an SVG image (``img`` with ``data:image/svg+xml``) and a
    diagram it cannot parse as a warning block (``.jp-RenderedMermaid.jp-mod-warning``).
    """
    rendered = panel.locator(".jp-RenderedMermaid")
    svg = "img[src^='data:image/svg+xml'], svg"
    try:
        page.wait_for_function(
            "([p, n, svg]) => { const d = p.querySelectorAll('.jp-RenderedMermaid');"
            " return d.length >= n && Array.from(d).every(e => e.classList.contains("
            "'jp-mod-warning') || (e.querySelector(svg) && (e.querySelector(svg).tagName "
            "!== 'IMG' || e.querySelector(svg).naturalWidth > 0))); }",
            arg=[panel.element_handle(), expected, svg], timeout=TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - reported as a problem below
        return [f"diagrams did not finish rendering: {exc}".splitlines()[0]]
    problems = []
    if rendered.count() != expected:
        problems.append(f"{rendered.count()} Mermaid diagrams rendered, expected {expected}")
    drawn = panel.locator(".jp-RenderedMermaid:not(.jp-mod-warning)")
    for i in range(drawn.count()):
        if drawn.nth(i).locator(svg).count() != 1:
            problems.append(f"diagram {i + 1} is not one SVG")
    warnings = panel.locator(".jp-RenderedMermaid.jp-mod-warning")
    for i in range(warnings.count()):
        problems.append(f"warning block instead of a diagram: {warnings.nth(i).inner_text()[:200]!r}")
    return problems


def test_lab_opens_chapter_0_at_the_repository_root(lab, page_watch):
    page, panel = _open(page_watch(), lab)  # what JupyterLab opens: a redirect file
    assert "/lab/tree/notebooks/00_welcome.ipynb" in page.url, page.url
    assert "Chapter 0" in panel.locator("h1").first.inner_text()
    page.locator(".jp-BreadCrumbs-home").click()
    page.wait_for_selector(".jp-DirListing-item[data-isdir='true']", timeout=TIMEOUT)
    page.wait_for_function("() => Array.from(document.querySelectorAll('.jp-DirListing-itemText'))"
                           ".some(e => e.textContent.trim() === 'solutions')", timeout=TIMEOUT)
    names = [t.strip() for t in page.locator(".jp-DirListing-itemText").all_inner_texts()]
    assert {"exercises", "solutions", "notebooks"} <= set(names), names


@pytest.mark.parametrize("nb", chapter_notebooks(), ids=lambda p: p.name)
def test_chapter_diagrams_render_as_svg_and_math_renders(lab, page_watch, nb):
    page, panel = _open(page_watch(), lab, str(nb.relative_to(ROOT)))
    expected = mermaid_fences(nb)
    assert _mermaid_problems(page, panel, expected) == []
    if has_math(nb):
        panel.locator(".jp-RenderedMarkdown mjx-container").first.wait_for(timeout=TIMEOUT)
        assert panel.locator("mjx-merror").count() == 0


def _first_code_cell(nb_path, pattern: str) -> int:
    cells = json.loads(nb_path.read_text(encoding="utf-8"))["cells"]
    return next(i for i, c in enumerate(cells)
                if c["cell_type"] == "code" and re.search(pattern, "".join(c["source"])))


def _run_through(page, index: int):
    """Run every cell above ``index`` and the cell itself, as Shift+Enter would."""
    page.evaluate("""async (i) => {
        const app = window.jupyterapp, panel = app.shell.currentWidget;
        await panel.sessionContext.ready;
        panel.content.activeCellIndex = i;
        await app.commands.execute('notebook:run-all-above');
        panel.content.activeCellIndex = i;
        await app.commands.execute('notebook:run-cell');
    }""", index)


def test_chapter_1_widget_slider_redraws_the_figure(lab, page_watch):
    nb = sorted((ROOT / "notebooks").glob("01_*.ipynb"))[0]
    index = _first_code_cell(nb, r"interact\(")
    page, panel = _open(page_watch(), lab, str(nb.relative_to(ROOT)))
    _run_through(page, index)
    cell = panel.locator(".jp-Notebook .jp-Cell").nth(index)
    img = cell.locator(".jp-OutputArea-output img").first
    img.wait_for(timeout=180_000)
    before = img.get_attribute("src")
    slider = cell.locator(".widget-slider .noUi-target").first
    handle = cell.locator(".widget-slider .noUi-handle").first
    box, hbox = slider.bounding_box(), handle.bounding_box()
    page.mouse.move(hbox["x"] + hbox["width"] / 2, hbox["y"] + hbox["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.8, hbox["y"] + hbox["height"] / 2, steps=5)
    page.mouse.up()
    page.wait_for_function(
        "([el, old]) => { const i = el.querySelector('.jp-OutputArea-output img');"
        " return i && i.getAttribute('src') !== old; }",
        arg=[cell.element_handle(), before], timeout=TIMEOUT)
    assert cell.locator(".jp-OutputArea-output img").first.get_attribute("src") != before


def test_exercise_check_cell_shows_a_coloured_result(lab, page_watch):
    nb = sorted((ROOT / "solutions").glob("01_*.ipynb"))[0]
    index = _first_code_cell(nb, r"cl\.checks\.check\(")
    page, panel = _open(page_watch(), lab, str(nb.relative_to(ROOT)))
    _run_through(page, index)
    out = panel.locator(".jp-Notebook .jp-Cell").nth(index).locator(".jp-OutputArea "
                                                                     ".jp-RenderedHTMLCommon")
    out.first.wait_for(timeout=120_000)
    assert "passed" in out.first.inner_text()
    colours = out.first.evaluate("el => Array.from(el.querySelectorAll('*')).map("
                                 "e => getComputedStyle(e).color)")
    text_colour = out.first.evaluate("el => getComputedStyle(el).color")
    assert any(c != text_colour for c in colours), "the result is not coloured"


def test_diagram_check_fails_on_a_broken_diagram(lab, page_watch):
    """Test of the test: the Mermaid check reports a diagram JupyterLab cannot parse.

    The chapter 0 diagram is replaced in the open document only (autosave is off in these tests,
    and nothing is saved), with a label whose parentheses are not quoted.
    """
    nb = ROOT / "notebooks" / "00_welcome.ipynb"
    cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
    index = next(i for i, c in enumerate(cells) if "```mermaid" in "".join(c["source"]))
    page, panel = _open(page_watch(), lab, "notebooks/00_welcome.ipynb")
    assert _mermaid_problems(page, panel, mermaid_fences(nb)) == []
    page.evaluate("""(i) => {
        const panel = window.jupyterapp.shell.currentWidget;
        panel.content.model.cells.get(i).sharedModel.setSource(
            "```mermaid\\ngraph TD\\nA[data (cats)] --> B[a GAN]\\n```");
        panel.content.activeCellIndex = i;
        return window.jupyterapp.commands.execute('notebook:run-cell');
    }""", index)
    panel.locator(".jp-RenderedMermaid.jp-mod-warning").first.wait_for(timeout=TIMEOUT)
    problems = _mermaid_problems(page, panel, mermaid_fences(nb))
    assert any("warning block" in p for p in problems), problems
