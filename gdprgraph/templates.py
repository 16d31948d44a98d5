"""The Jinja environment of the HTML pages written to files (viz/templates): the transfer map (viz) and the
audit report (report). The web application has its own (gdprgraph/web/templates, app.environment)."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pyvis

from . import resources


def environment() -> jinja2.Environment:
    """Templates from viz/templates, with pyvis's bundled libraries reachable for inlining."""
    pyvis_templates = Path(pyvis.__file__).parent / "templates"
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(resources.template_dir()), str(pyvis_templates)]),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        keep_trailing_newline=True,
    )
