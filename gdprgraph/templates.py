"""The Jinja environment of the HTML pages written to files (viz/templates): the transfer map (viz) and the
audit report (report). The web application has its own (gdprgraph/web/templates, app.environment)."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

import jinja2

from . import resources


def environment() -> jinja2.Environment:
    """Templates from viz/templates, with pyvis's bundled libraries reachable for inlining."""
    spec = find_spec("pyvis")  # its folder, without importing it (pyvis imports IPython)
    assert spec is not None and spec.origin is not None, "pyvis is a dependency"
    pyvis_templates = Path(spec.origin).parent / "templates"
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(resources.template_dir()), str(pyvis_templates)]),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        keep_trailing_newline=True,
    )
