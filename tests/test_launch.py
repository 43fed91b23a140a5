"""README's course command serves the repository root with chapter 0 open; chapters link to their exercises."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
TOKEN = "course-launch-test"


def readme_lab_arguments() -> list[str]:
    """The arguments of ``jupyter lab`` in README's course command (the Quick start line)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [ln for ln in readme.splitlines() if 'pip install -e ".[lab]"' in ln]
    assert len(lines) == 1, "README must hold exactly one course command (pip install -e \".[lab]\")"
    command = lines[0].split("&&")[-1].strip()
    words = shlex.split(command)
    assert words[:2] == ["jupyter", "lab"], f"README's course command ends with {command!r}"
    return words[2:]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, json.loads(response.read())


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory):
    """``jupyter lab`` started as README starts it, plus what a test needs (port, token, dirs)."""
    tmp = tmp_path_factory.mktemp("lab")
    port = free_port()
    extra = ["--no-browser", f"--port={port}", f"--IdentityProvider.token={TOKEN}",
             "--ServerApp.ip=127.0.0.1"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        extra.append("--allow-root")  # containers run as root; README's user does not
    env = dict(os.environ, JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), JUPYTER_CONFIG_DIR=str(tmp / "config"))
    cmd = [sys.executable, "-m", "jupyterlab", *readme_lab_arguments(), *extra]
    log = open(tmp / "server.log", "w+", encoding="utf-8")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                get_json(f"{base}/api/status?token={TOKEN}")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"jupyter lab did not start ({' '.join(cmd)}):\n{log.read()}")
                time.sleep(0.5)
        yield base, tmp / "runtime"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_readme_course_command_serves_the_repository_root(lab_server):
    base, _ = lab_server
    status, listing = get_json(f"{base}/api/contents?token={TOKEN}")
    assert status == 200
    names = {item["name"]: item["type"] for item in listing["content"]}
    for folder in ("notebooks", "exercises", "solutions"):
        assert names.get(folder) == "directory", f"{folder}/ is not in the root listing: {names}"
    assert names.get("README.md") == "file"
    assert names.get("INSTRUCTORS.md") == "file"


def test_readme_course_command_opens_chapter_0(lab_server):
    base, runtime = lab_server
    status, model = get_json(
        f"{base}/api/contents/notebooks/00_welcome.ipynb?content=0&token={TOKEN}")
    assert status == 200 and model["type"] == "notebook"
    # What the browser is sent to: jupyter_server writes it to the runtime dir (with or
    # without --no-browser); README's user gets the same page in their browser.
    pages = list(runtime.glob("jpserver-file-to-run-*-open.html"))
    assert len(pages) == 1, f"no file-to-run page in {sorted(p.name for p in runtime.iterdir())}"
    html = pages[0].read_text(encoding="utf-8")
    assert "lab/tree/notebooks/00_welcome.ipynb" in html, html


def exercise_links(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    last = nb.cells[-1]
    assert last.cell_type == "markdown", f"{path.name}: the last cell is not the summary"
    return re.findall(r"\]\((\.\./exercises/[^)#]+\.ipynb)\)", last.source)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_chapter_ends_with_a_link_to_its_own_exercises(chapter):
    links = sorted(set(exercise_links(chapter)))
    # a chapter split in two (05_..., 05b_...) shares the chapter's one exercise notebook,
    # unless the second part has its own (07b_x -> exercises/07b_x_exercises.ipynb)
    own = sorted(chapter.parent.parent.glob(f"exercises/{chapter.stem}_exercises.ipynb")) or sorted(
        chapter.parent.parent.glob(f"exercises/{chapter.stem[:2]}_*_exercises.ipynb"))
    assert len(own) == 1, f"chapter {chapter.stem[:2]} has exercise notebooks {own}"
    expected = f"../exercises/{own[0].name}"
    assert links == [expected], f"{chapter.name} ends with links {links}, expected [{expected}]"
    assert (chapter.parent / links[0]).resolve().is_file()

