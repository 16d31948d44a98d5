"""``gdprgraph serve``: the estate as a local, read-only web application with a SPARQL endpoint.

Starlette routes (pages, sparql, downloads) over the library; Jinja2 templates with autoescape;
every asset served from gdprgraph/web/static. See README "Web application".
"""

from .app import create_app

__all__ = ["create_app"]
