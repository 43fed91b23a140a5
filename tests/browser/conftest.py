"""Browser tests: Playwright for Python driving the system Chromium (Debian's ``chromium``).

Playwright's own browser download is not reachable here, so the tests launch the Chromium that
the system package manager installed (``.ci/run`` installs it when missing) and skip, saying why,
where there is none. JupyterLab is started as README says, plus test-only flags. The website is
built once per test session from ``executed_pages``, the one run of every chapter and solution
notebook (``test_site.py`` reports each run, with or without a browser). ``COURSE_SITE_DIR``
points the site tests at an already built site instead, e.g. while working on them.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from browserkit import CHROMIUM_ARGS, ROOT, PageWatch, chromium_path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium on this machine (Debian: apt-get install -y chromium; "
                    ".ci/run installs it): the browser tests need a real browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:  # Playwright gives the browser a new, empty profile
        b = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page_watch(browser):
    """A function ``watch(host) -> PageWatch`` on a fresh browser context; closed afterwards."""
    contexts = []

    def make(host="127.0.0.1"):
        ctx = browser.new_context(viewport={"width": 1280, "height": 1000})
        contexts.append(ctx)
        return PageWatch(ctx.new_page(), host)

    yield make
    for ctx in contexts:
        ctx.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def serve():
    """A function ``serve(folder) -> base URL`` serving a folder on 127.0.0.1 for the session."""
    servers = []

    def start(folder) -> str:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()


@pytest.fixture(scope="session")
def executed_pages(tmp_path_factory):
    """Every notebook the site shows (the chapters and solutions of both editions), run once
    top to bottom as a learner runs it, two at a time: ``(folder of the executed copies, laid
    out like the repository; {src: the failing cell and its traceback})``.

    ``test_site.py`` reports each run and builds the site from these copies, so every notebook
    is executed once per test session, not once for its test and again for the site.
    """
    from course_lib.tools.site import execute_notebooks, find_pages, save_executed

    folder = tmp_path_factory.mktemp("executed")
    pages = [p["src"] for p in find_pages(ROOT)]
    t0 = time.perf_counter()
    runs = dict(zip(pages, execute_notebooks([ROOT / src for src in pages], jobs=2).values(),
                    strict=True))
    save_executed({src: nb for src, nb in runs.items() if not isinstance(nb, str)}, folder)
    failures = {src: error for src, error in runs.items() if isinstance(error, str)}
    print(f"executed {len(pages)} notebooks in {time.perf_counter() - t0:.0f} s")
    return folder, failures


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, executed_pages):
    """The course website, built once per test session from the notebooks just executed."""
    if chromium_path() is None:
        pytest.skip("no Chromium on this machine: the site is only built for the browser tests")
    prebuilt = os.environ.get("COURSE_SITE_DIR")
    if prebuilt:
        return Path(prebuilt)
    from course_lib.tools.site import build_site

    folder, failures = executed_pages
    if failures:
        pytest.fail(f"the site needs every notebook to run; {', '.join(failures)} failed "
                    "(test_notebook_runs_top_to_bottom says why)")
    out = tmp_path_factory.mktemp("site") / "html"
    t0 = time.perf_counter()
    build_site(out, root=ROOT, executed=folder, quiet=True)
    print(f"built the site in {time.perf_counter() - t0:.0f} s")
    return out


# --- JupyterLab ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab started as README says, plus test-only flags.

    Yields (base URL, token, the address JupyterLab opened in its "browser", log file).
    """
    if chromium_path() is None:
        pytest.skip("no Chromium on this machine: the JupyterLab tests need a real browser")
    if shutil.which("jupyter", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("JupyterLab is not installed in this environment")
    tmp = tmp_path_factory.mktemp("lab")
    settings = tmp / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    # Render every cell (no windowing), so every diagram and formula is in the page.
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    # Never save: running cells must not write outputs into the course's notebooks.
    docmanager = tmp / "settings" / "@jupyterlab" / "docmanager-extension"
    docmanager.mkdir(parents=True)
    (docmanager / "plugin.jupyterlab-settings").write_text('{"autosave": false}')
    env = {**os.environ, "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
           "JUPYTERLAB_SETTINGS_DIR": str(tmp / "settings"), "JUPYTER_RUNTIME_DIR": str(tmp / "rt"),
           "PYTHONPATH": str(ROOT)}
    env.pop("MPLBACKEND", None)
    port, token = _free_port(), "course-browser-test"
    log, opened = tmp / "lab.log", tmp / "opened.txt"
    # Instead of a desktop browser, a "browser" that writes down the address JupyterLab opens.
    recorder = tmp / "record-url"
    recorder.write_text(f'#!/bin/sh\nprintf "%s" "$1" > "{opened}"\n')
    recorder.chmod(0o755)
    cmd = [str(Path(sys.executable).parent / "jupyter"), "lab", "--ServerApp.root_dir=.",
           "notebooks/00_welcome.ipynb",
           f"--port={port}", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
           "--allow-root", f"--ServerApp.browser={recorder} %s",
           "--expose-app-in-browser",
           "--ServerApp.port_retries=0"]
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{base}api/status?token={token}", timeout=2):
                if opened.exists():
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"JupyterLab did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)
    yield base, token, opened.read_text().strip(), log
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
