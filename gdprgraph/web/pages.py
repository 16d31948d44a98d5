"""The HTML pages: home, search, service, organisation, category, country, evidence, transfers,
findings, map. Each handler reads the library (gdprgraph.overview, search, sources, transfers) and
renders a template; nothing here queries the graph itself."""

from __future__ import annotations

from urllib.parse import quote_plus, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .. import names, overview, search, sources, transfers, viz
from ..errors import InputError, NoMatchError
from ..report import render_report
from ..workspace import Workspace

#: the sections of the site, for the navigation bar and the suggestions of a 404 page
SECTIONS = {
    "/": "Home",
    "/transfers": "Transfers",
    "/findings": "Findings",
    "/query": "Queries",
    "/map": "Map",
    "/downloads": "Downloads",
}
#: the page of each kind of name the search finds
PAGE_OF = {"service": "/service", "organisation": "/organisation", "data-category": "/category", "country": "/country"}
KIND_WORDS = {
    "service": "service",
    "organisation": "organisation",
    "data-category": "category of personal data",
    "country": "country",
    "activity": "purpose (processing activity)",
}


def quote(value: object) -> str:
    """A value for a URL's query string (Jinja filter ``q``)."""
    return quote_plus(str(value))


def link_of(kind: str, iri: str) -> str:
    """Where a search hit leads: its page, or for a purpose the legal-bases query about it."""
    if kind in PAGE_OF:
        return f"{PAGE_OF[kind]}?name={quote(iri)}"
    return f"/query/legal-bases?{urlencode({'purpose': iri, 'run': '1'})}"


def render(request: Request, template: str, status: int = 200, **values: object) -> HTMLResponse:
    env = request.app.state.env
    body = env.get_template(template).render(
        sections=SECTIONS, path=request.url.path, query=request.query_params.get("q", ""), **values
    )
    return HTMLResponse(body, status_code=status)


#: rows a long table shows unless ?all=1 asks for every one (a page stays quick at 1 000 services)
PAGE_ROWS = 200


def page_rows(request: Request) -> int | None:
    """How many rows of a long table to show: PAGE_ROWS, or all with ?all=1."""
    return None if request.query_params.get("all") == "1" else PAGE_ROWS


def all_link(request: Request) -> str:
    """This page with every row (?all=1), filters kept."""
    params = dict(request.query_params) | {"all": "1"}
    return f"{request.url.path}?{urlencode(params)}"


def workspace(request: Request) -> Workspace:
    ws: Workspace = request.app.state.ws  # set by app.create_app (Starlette's state is untyped)
    return ws


def service_names(ws: Workspace) -> list[tuple[str, str]]:
    """(IRI, display name) of every service, by name."""
    shown = [(str(iri), names.display_name(labels)) for iri, labels in search.entities(ws, "service").items()]
    return sorted(shown, key=lambda item: (item[1].casefold(), item[0]))


def name_param(request: Request) -> str:
    name = request.query_params.get("name", "").strip()
    if not name:
        raise InputError("give a name: ?name=...")
    return name


async def home(request: Request) -> Response:
    ws = workspace(request)
    report = overview.validation_report(ws)
    hops = overview.transfers(ws)
    return render(
        request,
        "home.html.j2",
        services=service_names(ws),
        counts=report.counts(),
        conforms=report.conforms,
        transfers=len(hops),
        missing=sum(1 for t in hops if t.missing_basis),
        sources=sorted(p.name for p in ws.asserted.sources),
    )


async def find(request: Request) -> Response:
    text = request.query_params.get("q", "").strip()
    hits = search.search(workspace(request), text, limit=25, kinds=tuple(KIND_WORDS)) if text else []
    return render(
        request, "search.html.j2", text=text, kind_words=KIND_WORDS, hits=[(h, link_of(h.kind, h.iri)) for h in hits]
    )


async def suggest(request: Request) -> Response:
    """The search's first hits as JSON, for the search box's list as one types: name, kind, link."""
    text = request.query_params.get("q", "").strip()
    hits = search.search(workspace(request), text, limit=8, kinds=tuple(KIND_WORDS)) if len(text) >= 2 else []
    return JSONResponse(
        [{"name": h.name, "kind": KIND_WORDS.get(h.kind, h.kind), "href": link_of(h.kind, h.iri)} for h in hits]
    )


async def service(request: Request) -> Response:
    ws = workspace(request)
    page = overview.service(ws, name_param(request))
    return render(request, "service.html.j2", page=page, title=page.name, quotes=sources.quotes_by_line(ws))


async def organisation(request: Request) -> Response:
    ws = workspace(request)
    page = overview.organisation(ws, name_param(request))
    return render(
        request,
        "organisation.html.j2",
        page=page,
        title=page.impact.name,
        quotes=sources.quotes_by_line(ws),
        limit=page_rows(request),
        all_link=all_link(request),
    )


async def category(request: Request) -> Response:
    ws = workspace(request)
    name = name_param(request)
    iri = str(ws.resolve(name, "data-category"))
    page = overview.category(ws, iri, search.display_name(ws, "data-category", iri))
    return render(request, "category.html.j2", page=page, title=page.name)


async def country(request: Request) -> Response:
    page = overview.country(workspace(request), name_param(request))
    return render(request, "country.html.j2", page=page, title=page.name)


async def evidence(request: Request) -> Response:
    document = request.query_params.get("document", "")
    line = request.query_params.get("line", "")
    if not document or not line.isdigit():
        raise InputError("give a document and a line: ?document=FILE&line=N")
    found = sources.evidence(workspace(request), document, int(line))
    if not found.quotes and not found.excerpt:
        raise NoMatchError(f"nothing is known of {document} line {line}")
    return render(request, "evidence.html.j2", ev=found, title=f"{document}, line {line}")


def _choices(values: list[str]) -> list[str]:
    return sorted({v for v in values if v}, key=str.casefold)


async def transfer_table(request: Request) -> Response:
    hops = overview.transfers(workspace(request))
    chosen = {key: request.query_params.get(key, "") for key in ("service", "country", "basis", "disclosure")}
    shown = [
        t
        for t in hops
        if (not chosen["service"] or t.service_name == chosen["service"])
        and (not chosen["country"] or t.country_name == chosen["country"])
        and (not chosen["basis"] or chosen["basis"] in t.kinds)
        and (not chosen["disclosure"] or t.disclosure == chosen["disclosure"])
    ]
    return render(
        request,
        "transfers.html.j2",
        title="Transfers",
        rows=shown,
        total=len(hops),
        chosen=chosen,
        limit=page_rows(request),
        all_link=all_link(request),
        options={
            "service": _choices([t.service_name for t in hops]),
            "country": _choices([t.country_name for t in hops]),
            "basis": list(transfers.BASIS_KINDS),
            "disclosure": [transfers.NAMED, transfers.UNDISCLOSED],
        },
    )


async def findings(request: Request) -> Response:
    report = overview.validation_report(workspace(request))
    chosen = {key: request.query_params.get(key, "") for key in ("severity", "article", "service")}
    shown = [
        f
        for f in report.findings
        if (not chosen["severity"] or f.severity == chosen["severity"])
        and (not chosen["article"] or chosen["article"] in _articles(f.article))
        and (not chosen["service"] or chosen["service"] in f.services or f.owner_label == chosen["service"])
    ]
    articles = sorted({a for f in report.findings for a in _articles(f.article)}, key=_article_order)
    quotes = sources.quotes_by_line(workspace(request))
    return render(
        request,
        "findings.html.j2",
        title="Findings",
        rows=shown,
        quotes=quotes,
        limit=page_rows(request),
        all_link=all_link(request),
        total=len(report.findings),
        counts=report.counts(),
        conforms=report.conforms,
        chosen=chosen,
        options={
            "severity": ["violation", "warning", "info"],
            "article": articles,
            "service": _choices([s for f in report.findings for s in f.services]),
        },
    )


def _articles(article: str) -> list[str]:
    """The articles a finding cites ("Art. 6(1)(f), 5(2)" cites Art. 6(1)(f) and Art. 5(2))."""
    parts = [p.strip() for p in article.removeprefix("Art.").split(",")]
    return [f"Art. {p}" for p in parts if p]


def _article_order(article: str) -> tuple[int, str]:
    number = article.removeprefix("Art. ").split("(")[0]
    return (int(number) if number.isdigit() else 999, article)


async def map_page(request: Request) -> Response:
    ws = workspace(request)
    params = {key: request.query_params.get(key, "") for key in ("focus", "service", "third", "data")}
    frame = "/map/transfer-map.html" + (
        f"?{urlencode({k: v for k, v in params.items() if v})}" if any(params.values()) else ""
    )
    return render(
        request,
        "map.html.j2",
        title="Map",
        frame=frame,
        chosen=params,
        services=[name for _, name in service_names(ws)],
        organisations=sorted({d.name for d in overview.dependencies(ws).values()}, key=str.casefold),
    )


async def map_frame(request: Request) -> Response:
    ws = workspace(request)
    focus, svc = request.query_params.get("focus", ""), request.query_params.get("service", "")
    selection = viz.MapSelection(
        focus=str(ws.resolve(focus, "organisation")) if focus else None,
        service=str(ws.resolve(svc, "service")) if svc else None,
        third_countries_only=request.query_params.get("third") == "1",
        show_data=request.query_params.get("data") == "1",
    )
    return inline_html(overview.transfer_map(ws, selection))


async def report(request: Request) -> Response:
    return inline_html(render_report(workspace(request), map_href="/map/transfer-map.html"))


def inline_html(text: str) -> HTMLResponse:
    """A self-contained page of the library (map, report): served under the inline policy."""
    return HTMLResponse(text, headers={"x-gdprgraph-inline": "1"})


async def favicon(request: Request) -> Response:
    return RedirectResponse("/static/favicon.svg", status_code=301)


def routes() -> list[Route]:
    return [
        Route("/", home),
        Route("/search", find),
        Route("/suggest", suggest),
        Route("/service", service),
        Route("/organisation", organisation),
        Route("/category", category),
        Route("/country", country),
        Route("/evidence", evidence),
        Route("/transfers", transfer_table),
        Route("/findings", findings),
        Route("/map", map_page),
        Route("/map/transfer-map.html", map_frame),
        Route("/report", report),
        Route("/favicon.ico", favicon),
    ]
