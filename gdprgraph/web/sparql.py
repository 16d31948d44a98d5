"""The SPARQL 1.1 Protocol endpoint (/sparql, read-only) and the query pages (/query)."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import parse_qs

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD, NamespaceManager
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import queries
from ..errors import InputError
from ..queries import Answer
from ..render import cell
from .pages import render, workspace

JSON, CSV, TSV = "application/sparql-results+json", "text/csv", "text/tab-separated-values"
TURTLE, JSONLD, NTRIPLES = "text/turtle", "application/ld+json", "application/n-triples"
RESULT_TYPES = {
    JSON: JSON,
    "application/json": JSON,
    CSV: CSV,
    TSV: TSV,
    "text/plain": TSV,
    "*/*": JSON,
    "application/*": JSON,
    "text/*": CSV,
}
GRAPH_TYPES = {
    TURTLE: TURTLE,
    "application/x-turtle": TURTLE,
    JSONLD: JSONLD,
    "application/json": JSONLD,
    NTRIPLES: NTRIPLES,
    "text/plain": NTRIPLES,
    "*/*": TURTLE,
    "text/*": TURTLE,
    "application/*": JSONLD,
}
REFUSED = (queries.UPDATES_REFUSED, queries.SERVICE_REFUSED)


def negotiate(accept: str, offered: dict[str, str]) -> str | None:
    """The media type to answer with: the client's most preferred one we offer (q-values honoured,
    ties in the client's order); the first offered when it sends no Accept."""
    if not accept.strip():
        return next(iter(offered.values()))
    ranked = []
    for position, item in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in item.split(";")]
        weight = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if media.lower() in offered and weight > 0:
            ranked.append((-weight, position, offered[media.lower()]))
    return min(ranked)[2] if ranked else None


def term_json(term: object) -> dict[str, str]:
    """An RDF term as the SPARQL 1.1 Query Results JSON Format writes it."""
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    assert isinstance(term, Literal)
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype is not None and term.datatype != XSD.string:
        out["datatype"] = str(term.datatype)
    return out


def results_body(answer: Answer, media: str) -> str:
    """A SELECT or ASK answer in JSON, CSV or TSV (SPARQL 1.1 Query Results formats)."""
    if answer.form == "ASK":
        if media == JSON:
            return json.dumps({"head": {}, "boolean": bool(answer.boolean)})
        return f"_askResult\r\n{'true' if answer.boolean else 'false'}\r\n"
    if media == JSON:
        bindings = [
            {col: term_json(row[col]) for col in answer.columns if row.get(col) is not None} for row in answer.rows
        ]
        return json.dumps({"head": {"vars": answer.columns}, "results": {"bindings": bindings}}, ensure_ascii=False)
    if media == CSV:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(answer.columns)
        for row in answer.rows:
            writer.writerow(["" if row.get(c) is None else str(row[c]) for c in answer.columns])
        return out.getvalue()
    lines = ["\t".join(f"?{c}" for c in answer.columns)]
    for row in answer.rows:
        lines.append(
            "\t".join("" if (value := row.get(c)) is None else value.n3().replace("\t", "\\t") for c in answer.columns)
        )
    return "\n".join(lines) + "\n"


async def request_query(request: Request) -> str:
    """The query of a protocol request: ?query= (GET), a form's query= or an application/sparql-query
    body (POST). An update (update=, application/sparql-update) is refused with 403."""
    if request.method == "GET":
        params = dict(request.query_params)
    else:
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = (await request.body()).decode("utf-8", errors="replace")
        if kind == "application/sparql-query":
            return body
        if kind == "application/sparql-update":
            raise Refused(queries.UPDATES_REFUSED)
        if kind != "application/x-www-form-urlencoded":
            raise InputError("POST a query as application/sparql-query, or as a form (query=...)")
        params = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
    if "update" in params:
        raise Refused(queries.UPDATES_REFUSED)
    if not params.get("query", "").strip():
        raise InputError("no query: give query=... (SPARQL 1.1 Protocol)")
    return params["query"]


class Refused(Exception):
    """A request the read-only endpoint refuses (403)."""


def checked(text: str) -> queries.NamedQuery:
    """The query, checked (queries.from_text); an update or a SERVICE clause raises Refused."""
    try:
        return queries.from_text(text, "query")
    except InputError as err:
        if any(reason in str(err) for reason in REFUSED):
            raise Refused(str(err)) from None
        raise


async def endpoint(request: Request) -> Response:
    """GET or POST /sparql: SELECT and ASK in SPARQL JSON, CSV or TSV; CONSTRUCT and DESCRIBE in
    Turtle, JSON-LD or N-Triples, chosen by the Accept header (or ?format=)."""
    try:
        query = checked(await request_query(request))
    except Refused as err:
        return Response(f"{err}\n", status_code=403, media_type="text/plain; charset=utf-8")
    except InputError as err:
        return Response(f"{err}\n", status_code=400, media_type="text/plain; charset=utf-8")
    accept = request.query_params.get("format") or request.headers.get("accept", "")
    graph_form = query.form in ("CONSTRUCT", "DESCRIBE")
    media = negotiate(accept, GRAPH_TYPES if graph_form else RESULT_TYPES)
    if media is None:
        offered = sorted(set((GRAPH_TYPES if graph_form else RESULT_TYPES).values()))
        return Response(
            f"cannot answer a {query.form} in {accept}; offered: {', '.join(offered)}\n",
            status_code=406,
            media_type="text/plain; charset=utf-8",
        )
    try:
        answer = workspace(request).run_query(query)
    except InputError as err:
        return Response(f"{err}\n", status_code=400, media_type="text/plain; charset=utf-8")
    if graph_form:
        assert answer.graph is not None
        fmt = {TURTLE: "turtle", JSONLD: "json-ld", NTRIPLES: "nt"}[media]
        body = answer.graph.serialize(format=fmt)
    else:
        body = results_body(answer, media)
    return Response(body, media_type=f"{media}; charset=utf-8")


def table(answer: Answer, namespaces: NamespaceManager) -> tuple[list[str], list[list[str]]]:
    """An answer as a table of strings, for the query page."""
    if answer.form == "ASK":
        return ["answer"], [["true" if answer.boolean else "false"]]
    if answer.graph is not None:
        return ["subject", "predicate", "object"], [
            [cell(s, namespaces), cell(p, namespaces), cell(o, namespaces)] for s, p, o in sorted(answer.graph)
        ]
    return answer.columns, [[cell(row.get(c), namespaces) for c in answer.columns] for row in answer.rows]


async def catalog_page(request: Request) -> Response:
    """The named queries, and a box for one's own query (run on the page: ?q=...)."""
    ws = workspace(request)
    text = request.query_params.get("sparql", "")
    result = error = None
    if text.strip():
        try:
            result = table(ws.run_query(checked(text)), ws.asserted.namespace_manager)
        except Refused as err:
            error = str(err)
        except InputError as err:
            error = str(err)
    return render(
        request,
        "queries.html.j2",
        title="Queries",
        catalog=queries.catalog().values(),
        sparql=text,
        result=result,
        error=error,
    )


async def named_query_page(request: Request) -> Response:
    """One named query: its parameters as a form, and its rows when run."""
    ws = workspace(request)
    query = queries.get(request.path_params["name"])
    values = {p.name: request.query_params.get(p.name, "").strip() for p in query.parameters}
    result = None
    if "run" in request.query_params:
        result = table(ws.run_query(query, {k: v for k, v in values.items() if v}), ws.asserted.namespace_manager)
    return render(request, "query.html.j2", title=query.title, named=query, values=values, result=result)


def routes() -> list[Route]:
    return [
        Route("/sparql", endpoint, methods=["GET", "POST"]),
        Route("/query", catalog_page),
        Route("/query/{name}", named_query_page),
    ]
