"""A ``mermaid`` directive for the course website: the diagram text goes into ``<pre class="mermaid">``
and ``_static/course-site.js`` draws it with the local copy of Mermaid."""

import html

from docutils import nodes
from sphinx.util.docutils import SphinxDirective


class Mermaid(SphinxDirective):
    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True

    def run(self):
        code = "\n".join(self.content)
        if self.arguments:  # a fence's first line lands in the argument
            code = self.arguments[0] + "\n" + code
        return [nodes.raw("", f'<pre class="mermaid">{html.escape(code)}</pre>\n',
                          format="html")]


def setup(app):
    app.add_directive("mermaid", Mermaid)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
