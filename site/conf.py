"""Sphinx configuration of the course website (``python -m course_lib build-site``).

build-site copies this folder next to the prepared notebooks and runs Sphinx with MyST-NB on it.
Notebooks are already executed: Sphinx only renders them. MathJax and Mermaid come from
``_static/vendor/`` (copied from their npm packages), so no page loads anything from another host.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "Generative AI in practice"
author = "the course authors"
copyright = "the course authors; code MIT, text CC BY 4.0"
extensions = ["myst_nb", "course_site"]
exclude_patterns = ["_build", "**/.ipynb_checkpoints"]
language = "en"

# MyST: $...$ math as in JupyterLab, ```mermaid fences as diagrams (course_site's directive).
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_dmath_double_inline = True
myst_fence_as_directive = ["mermaid"]
myst_heading_anchors = 3

# MyST-NB: render the executed outputs; never run anything, never load a widget manager.
nb_execution_mode = "off"
nb_ipywidgets_js = {}
nb_code_prompt_show = "Show solution"   # only solution cells are hidden (tag hide-input)
nb_code_prompt_hide = "Hide solution"
nb_merge_streams = True
# Markdown outputs (chapter 0's glossary table, cl.glossary.table()) are read as MyST, as
# JupyterLab reads them: tables and $...$ math (CommonMark, the default, has neither).
nb_render_markdown_format = "myst"

# Local MathJax 3 (relative to _static); its fonts and extensions load from the same folder.
mathjax_path = "vendor/mathjax/tex-mml-chtml.js"

html_theme = "sphinx_book_theme"
html_title = "Generative AI in practice"
html_static_path = ["_static"]
html_favicon = "_static/favicon.svg"  # a normal curve; browsers ask for one on every site
html_css_files = ["course-site.css"]
html_js_files = ["vendor/mermaid/mermaid.min.js", "course-site.js"]
html_theme_options = {
    "home_page_in_toc": True,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "show_toc_level": 2,
}
suppress_warnings = ["misc.highlighting_failure"]  # tracebacks of cells that fail on purpose
html_context = {"default_mode": "light"}
html_show_sourcelink = False
html_copy_source = False
