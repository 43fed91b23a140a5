"""Helpers of the browser tests: find Chromium, watch a page, check a site page."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
#: Flags that keep Chromium off the network on a closed machine (its background services would
#: otherwise try to reach Google's hosts at every start) and run it as root in a container.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


def chromium_path() -> str | None:
    for name in (os.environ.get("COURSE_CHROMIUM"), "chromium", "chromium-browser"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


class PageWatch:
    """A page that records console errors, uncaught exceptions and requests to other hosts."""

    def __init__(self, page, allowed_host: str):
        self.page, self.allowed_host = page, allowed_host
        self.errors: list[str] = []
        self.foreign: list[str] = []
        page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        page.on("request", self._request)
        page.on("response", lambda r: self.errors.append(f"HTTP {r.status}: {r.url}")
                if r.status >= 400 else None)

    def _request(self, request):
        url = urlparse(request.url)
        if url.scheme in ("data", "blob", "about"):
            return
        if url.hostname != self.allowed_host:
            self.foreign.append(request.url)


def mermaid_fences(nb_path: Path) -> int:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    return sum(len(re.findall(r"^```mermaid", "".join(c["source"]), re.M))
               for c in nb["cells"] if c["cell_type"] == "markdown")


def has_math(nb_path: Path) -> bool:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    return any(re.search(r"\$[^$\n]+\$", "".join(c["source"]))
               for c in nb["cells"] if c["cell_type"] == "markdown")


def chapter_notebooks() -> list[Path]:
    """Every chapter notebook, found by globbing (chapters may be split, e.g. 05a/05b)."""
    return sorted((ROOT / "notebooks").glob("*.ipynb")) + \
        sorted((ROOT / "notebooks" / "zh").glob("*.ipynb"))


# --- the built site -----------------------------------------------------------------------------


def site_problems(watch: PageWatch, url: str, mermaid_expected: int | None = None,
                  math_expected: bool = False, timeout_ms: int = 30000) -> list[str]:
    """Open ``url`` and list what a reader would see wrong: console errors, requests to other
    hosts, a Mermaid diagram that is not an SVG (or fewer diagrams than expected), unrendered or
    erroneous formulas. An empty list means the page is fine."""
    page = watch.page
    problems = []
    page.goto(url, wait_until="load")
    page.wait_for_function("document.body && document.body.dataset.mermaidDone === '1'",
                           timeout=timeout_ms)
    if page.evaluate("!!window.MathJax && !!window.MathJax.startup"):
        page.wait_for_function("window.MathJax.startup.promise.then(() => true)",
                               timeout=timeout_ms)
        page.evaluate("window.MathJax.startup.promise")
    diagrams = page.locator("pre.mermaid")
    n = diagrams.count()
    if mermaid_expected is not None and n != mermaid_expected:
        problems.append(f"{n} Mermaid diagrams on the page, expected {mermaid_expected}")
    for i in range(n):
        d = diagrams.nth(i)
        if d.get_attribute("data-mermaid-status") != "ok" or d.locator("svg").count() != 1:
            problems.append(f"Mermaid diagram {i + 1} did not render as SVG: "
                            f"{d.inner_text()[:120]!r}")
        elif d.locator('svg[aria-roledescription="error"]').count():
            problems.append(f"Mermaid diagram {i + 1} rendered as an error diagram")
    if math_expected and page.locator("mjx-container").count() == 0:
        problems.append("no formula rendered (no mjx-container)")
    if page.locator("mjx-merror").count():
        problems.append(f"{page.locator('mjx-merror').count()} formulas rendered as errors")
    problems += watch.errors
    problems += [f"request to another host: {u}" for u in watch.foreign]
    return problems
