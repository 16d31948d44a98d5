"""Downloads: the Article 30 records (CSV, XLSX), the graph (Turtle, JSON-LD), the validation
report (Turtle, JSON), the audit report. Each built by the library on request."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import export, overview, ropa
from .. import validate as validation
from ..errors import NoMatchError
from ..report import render_report
from ..workspace import Workspace
from .pages import render, workspace

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: file name -> (what it is, media type)
FILES = {
    "ropa.xlsx": ("Records of processing (Art. 30), both roles, one sheet each", XLSX),
    "ropa-processor.csv": ("Processor record (Art. 30(2))", "text/csv"),
    "ropa-controller.csv": ("Controller record (Art. 30(1))", "text/csv"),
    "graph.ttl": ("The graph, Turtle", "text/turtle"),
    "graph.jsonld": ("The graph, JSON-LD", "application/ld+json"),
    "validation.ttl": ("The SHACL validation report, Turtle", "text/turtle"),
    "validation.json": ("The validation findings, JSON", "application/json"),
    "audit-report.html": ("The audit report, one self-contained HTML file", "text/html"),
}


def build(ws: Workspace, name: str) -> str | bytes:
    """The content of a download."""
    if name == "ropa.xlsx":
        return ropa.to_xlsx(ropa.records(ws))
    if name.startswith("ropa-"):
        return ropa.to_csv(ropa.records(ws, (name.removeprefix("ropa-").removesuffix(".csv"),))[0])
    if name.startswith("graph."):
        return export.export_graph(ws.asserted, "turtle" if name.endswith(".ttl") else "jsonld")
    if name == "validation.ttl":
        return validation.as_turtle(overview.validation_report(ws))
    if name == "validation.json":
        return validation.as_json(overview.validation_report(ws))
    return render_report(ws, map_href=None)


async def download(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in FILES:
        raise NoMatchError(f"no download named '{name}'", list(FILES))
    media = FILES[name][1]
    return Response(
        build(workspace(request), name),
        media_type=media if media == XLSX else f"{media}; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


async def listing(request: Request) -> Response:
    return render(request, "downloads.html.j2", title="Downloads", files=FILES)


def routes() -> list[Route]:
    return [Route("/downloads", listing), Route("/download/{name}", download)]
