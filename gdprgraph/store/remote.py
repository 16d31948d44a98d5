"""A remote SPARQL 1.1 server (Oxigraph server, Apache Jena Fuseki, ...) as a Dataset.

``--store sparql:URL`` names the server's *query* endpoint; the update endpoint is derived from it
(see ``update_endpoint``). Only the standard library speaks HTTP here.

Protocol (SPARQL 1.1 Protocol, https://www.w3.org/TR/sparql11-protocol/):

- a query is a POST of ``application/x-www-form-urlencoded`` ``query=...`` with one
  ``default-graph-uri=...`` per graph to read (the server merges them into the default graph);
  the answer is asked as ``application/sparql-results+json`` (SELECT, ASK) or
  ``application/n-triples`` (CONSTRUCT, DESCRIBE) and comes back as ``results.Results``,
  exactly as from ``OxigraphDataset`` (plain ``xsd:string`` literals come back without datatype);
- an update is a POST of ``update=...`` to the update endpoint;
- files are parsed *locally* with pyoxigraph (a syntax error names the file and line and sends
  nothing), then sent as ``INSERT DATA { GRAPH <g> { ... } }`` requests of at most ``chunk_size``
  triples. When there is more than one request they go to a staging graph that is added to the
  target in one final update (``ADD``), so a failure part way leaves the target as it was.

Blank nodes are *skolemised*: a blank node never reaches the server as a blank node but as the IRI
``urn:gdprgraph:bnode:<id>``, ``<id>`` being the node's label, percent-encoded (the random 128-bit
label pyoxigraph gives it when parsing a file, or the rdflib ``BNode`` id). Blank node labels are
scoped to one request, so without this a blank node whose triples fall in two chunks would become
two nodes, and a blank node read back from the server could never be named again (as a query
parameter or in an insert). Answers turn those IRIs back into ``BNode(<id>)``, and parameters and
inserts turn such a ``BNode`` into the same IRI again, so callers see blank nodes as with the other
backends. (A query run on the server itself sees IRIs: ``isBlank()`` is false for them.) Each file
load gets fresh labels, as with Oxigraph; ``load_ntriples`` keeps the labels it is given, so that
graphs uploaded from one local build share their blank nodes.

Parameters are bound with ``binding.inline_values``: a ``VALUES`` block opening the WHERE group,
each term escaped; user values never enter the text any other way. Graph names written into update
text are our own constants and are checked with ``binding.term_text`` all the same.

A server that cannot be reached or that refuses a request raises ``StoreError`` with a one-line
message naming the endpoint (the CLI exits 2).

Datasets: a query names the graphs it reads (``default-graph-uri``, one per graph) and the graphs its
``GRAPH <iri>`` patterns name (``named-graph-uri``); a query that reads no graph gets the empty graph
``urn:gdprgraph:empty`` as its default graph. Servers differ in what they take when a request names
no dataset (Oxigraph: its default graph and every named graph; Virtuoso: the union of all graphs as
the default graph), so every query names its own. Only a query with a ``GRAPH ?var`` pattern and no
graph to read is sent without a dataset (the store's own status queries).

Authentication (``auth``): HTTP basic, digest or a bearer token; a 401 answered with the server's
challenge once; a 401 or 403 that remains is a one-line StoreError. User information in the URL
(``http://user:password@host/...``) is used as credentials and masked (``user:***``) in every message.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from email.message import Message
from itertools import islice
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.term import Identifier, Node

from ..errors import InputError, StoreError
from .auth import (
    Authenticator,
    Credentials,
    credentials_from,
    mask_url,
    parse_challenges,
    parse_credentials,
    strip_userinfo,
)
from .binding import AnyOf, Bindings, code_only, inline_values, term_text
from .dataset import Dataset
from .oxigraph import OxigraphDataset
from .results import Results
from .terms import XSD_STRING, OxTerm

log = logging.getLogger(__name__)

#: IRIs standing for blank nodes on the server
SKOLEM = "urn:gdprgraph:bnode:"

QUERY_TIMEOUT = 60
UPDATE_TIMEOUT = 600
CHUNK_SIZE = 20_000

_RESULTS_JSON = "application/sparql-results+json"
_NTRIPLES = "application/n-triples"
_GRAPH_FORMATS = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
_PROLOGUE = re.compile(r"^\s*(#[^\n]*(\n|$)|PREFIX\s+[\w.-]*:\s*<[^>]*>|BASE\s+<[^>]*>)", re.IGNORECASE)
_FORM = re.compile(r"\s*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_UPLOAD_GRAPH = "urn:gdprgraph:upload"
#: the default graph of a query that reads no graph (never written to)
EMPTY_GRAPH = "urn:gdprgraph:empty"
_GRAPH_VARIABLE = re.compile(r"\bGRAPH\s*[?$]", re.IGNORECASE)


class RequestRefused(StoreError):
    """The server answered a request with an HTTP error status (other than 401 and 403)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status

    def too_large_maybe(self) -> bool:
        """Whether a smaller request might be taken (not: no such endpoint, method not allowed...)."""
        return self.status in (400, 413, 414, 431) or (self.status >= 500 and self.status not in (501, 502, 503, 504))


def update_endpoint(query_url: str) -> str:
    """The update endpoint that goes with a query endpoint.

    A last path segment ``query`` or ``sparql`` becomes ``update`` (Oxigraph server, Fuseki);
    any other URL is used for updates as well (a server answering both on one URL, such as a
    Fuseki dataset URL).

    >>> update_endpoint("http://127.0.0.1:7878/query")
    'http://127.0.0.1:7878/update'
    >>> update_endpoint("http://localhost:3030/ds/sparql")
    'http://localhost:3030/ds/update'
    >>> update_endpoint("http://localhost:3030/ds")
    'http://localhost:3030/ds'
    """
    parts = urllib.parse.urlsplit(query_url)
    head, _, last = parts.path.rpartition("/")
    if last in ("query", "sparql"):
        return urllib.parse.urlunsplit(parts._replace(path=f"{head}/update"))
    return query_url


class SparqlDataset(Dataset):
    """A SPARQL 1.1 server reached over HTTP; ``url`` is its query endpoint."""

    def __init__(
        self, url: str, chunk_size: int = CHUNK_SIZE, credentials: Credentials | str | None = "default"
    ) -> None:
        """``credentials``: given, or None (none), or by default those of the URL, else those of
        $GDPRGRAPH_STORE_AUTH (see ``auth``)."""
        plain, userinfo = strip_userinfo(url)
        parts = urllib.parse.urlsplit(plain)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InputError(f"not an http(s) URL for a SPARQL server: {mask_url(url)!r}")
        #: the query endpoint as shown in messages (a password in the URL masked)
        self.location = mask_url(url)
        self.query_url = plain
        self.update_url = update_endpoint(plain)
        self._shown = {plain: self.location, self.update_url: mask_url(update_endpoint(url))}
        if credentials == "default":
            if userinfo is not None:
                credentials = parse_credentials(userinfo if ":" in userinfo else userinfo + ":", "the store URL")
            else:
                credentials = credentials_from(None)
        assert credentials is None or isinstance(credentials, Credentials)
        self.auth = Authenticator(credentials)
        #: at most this many triples per INSERT DATA request
        self.chunk_size = chunk_size

    def shown(self, url: str) -> str:
        """An endpoint as messages name it (credentials masked)."""
        return self._shown.get(url, mask_url(url))

    # -- Dataset ------------------------------------------------------------------------------
    def query(self, sparql: str, bindings: Bindings | None, graphs: Sequence[str]) -> Results:
        text = inline_values(
            sparql,
            {
                k: AnyOf(map(_skolemise, v)) if isinstance(v, AnyOf) else _skolemise(v)
                for k, v in (bindings or {}).items()
            },
        )
        form = _query_form(sparql)
        accept = _NTRIPLES if form in ("CONSTRUCT", "DESCRIBE") else _RESULTS_JSON
        fields = [("query", text), *_dataset_fields(text, graphs)]
        body, content_type = self._post(self.query_url, fields, accept, QUERY_TIMEOUT)
        if accept == _NTRIPLES and content_type in _GRAPH_FORMATS:
            return self._graph_result(body, _GRAPH_FORMATS[content_type])
        if accept == _RESULTS_JSON and (content_type.endswith("json") or not content_type):
            return self._json_result(body)
        raise StoreError(
            f"the SPARQL server at {self.location} answered a {form} query in an unexpected "
            f"format ({content_type or 'no content type'})"
        )

    def update(self, sparql: str) -> None:
        self._post(self.update_url, [("update", sparql)], "*/*", UPDATE_TIMEOUT)

    def load_file(self, path: Path, graph: str) -> None:
        local = OxigraphDataset()
        local.load_file(path, _UPLOAD_GRAPH)  # InputError naming the file and line, nothing sent
        self._send(_oxigraph_lines(local), graph)

    def load_ntriples(self, data: bytes, graph: str, staged: bool = True) -> None:
        """Add N-Triples bytes to a named graph (parsed locally first, nothing sent on an error).

        ``staged=False`` sends the requests straight to the graph: for a graph nothing reads yet (a
        generation being built, dropped by the caller if the upload fails), it saves the server
        copying a staging graph into it.

        Blank node labels are *kept* (as skolem IRIs), unlike a file load: the asserted and the
        inferred graph of a local build are uploaded by two calls and share their blank nodes.
        The labels must therefore be unique to that build, as pyoxigraph's random labels are.
        """
        try:
            lines = [_ox_line(t) for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]
        except SyntaxError as err:
            detail = str(getattr(err, "msg", err)).split(" (")[0]
            raise InputError(f"invalid n-triples: {detail}", "N-Triples data", getattr(err, "lineno", None)) from err
        self._send(lines, graph, staged)

    def insert(self, triples: Iterable[tuple[Node, Node, Node]], graph: str) -> None:
        self._send((" ".join(term_text(_skolemise(t)) for t in triple) + " ." for triple in triples), graph)

    def count(self, graphs: Sequence[str]) -> int:
        text = (
            "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
            if len(graphs) <= 1
            else "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }"
        )
        rows = list(self.query(text, None, graphs))
        return int(rows[0].term("n")) if rows else 0

    def drop(self, graph: str) -> None:
        self.update(f"DROP SILENT GRAPH {_graph(graph)}")

    def dump(self, graph: str) -> bytes:
        result = self.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {_graph(graph)} {{ ?s ?p ?o }} }}", None, [])
        if result.graph is None:  # pragma: no cover - a CONSTRUCT answers a graph (or query raises)
            raise TypeError("a CONSTRUCT without a graph")
        return "".join(f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in result.graph).encode()

    # -- sending data -------------------------------------------------------------------------
    def _send(self, lines: Iterable[str], graph: str, staged: bool = True) -> None:
        """INSERT DATA the N-Triples-like lines into ``graph``, chunked, all or nothing.

        A request the server refuses (an HTTP error status) is sent again as two halves, and later
        requests keep the smaller size: servers limit the size of an update differently (Virtuoso's
        parser gives up on a few thousand triples). A refusal that remains for one triple is the
        error reported (it names what the server could not take).
        """
        target = _graph(graph)
        chunks = _chunks(lines, max(1, self.chunk_size))
        if not staged:
            for chunk in chunks:
                self._insert_halving(chunk, target)
            return
        first = next(chunks, None)
        if first is None:
            return
        second = next(chunks, None)
        if second is None:  # one request: atomic on its own
            try:
                self._insert_data(first, target)
                return
            except RequestRefused as err:
                if len(first) == 1 or not err.too_large_maybe():
                    raise
        staging = _graph(f"{graph}:staging:{uuid.uuid4().hex}")  # named after its target (store status)
        try:
            for chunk in [first, *([second] if second else []), *chunks]:
                self._insert_halving(chunk, staging)
        except BaseException:
            with contextlib.suppress(StoreError):  # keep the first error; the server may be gone
                self.update(f"DROP SILENT GRAPH {staging}")
            raise
        self.update(f"ADD {staging} TO {target} ;\nDROP SILENT GRAPH {staging}")

    def _insert_halving(self, lines: list[str], target: str) -> None:
        """INSERT DATA, in requests no larger than the server took so far; halved when refused."""
        size = max(1, min(len(lines), self.chunk_size))
        for start in range(0, len(lines), size):
            part = lines[start : start + size]
            try:
                self._insert_data(part, target)
            except RequestRefused as err:
                if len(part) == 1 or not err.too_large_maybe():
                    raise
                half = (len(part) + 1) // 2
                self.chunk_size = min(self.chunk_size, half)
                log.info(
                    "%s: an update of %d triples was refused; sending %d at a time", self.location, len(part), half
                )
                self._insert_halving(part, target)

    def _insert_data(self, lines: list[str], target: str) -> None:
        self.update("INSERT DATA { GRAPH " + target + " {\n" + "\n".join(lines) + "\n} }")

    # -- HTTP ---------------------------------------------------------------------------------
    def _post(self, url: str, fields: list[tuple[str, str]], accept: str, timeout: float) -> tuple[bytes, str]:
        """POST a form; the body and the media type of the answer; StoreError on any failure.

        A 401 is answered once with the credentials (the scheme the server's challenge asks for);
        a 401 or 403 after that names the store and the status, never the credentials."""
        data = urllib.parse.urlencode(fields).encode("utf-8")
        authorization = self.auth.first("POST", url)
        for attempt in range(2):
            headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept, "User-Agent": "gdprgraph"}
            if authorization:
                headers["Authorization"] = authorization
            request = urllib.request.Request(url, data=data, method="POST", headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=timeout) as response:
                    return response.read(), _media_type(response.headers)
            except urllib.error.HTTPError as err:
                body = err.read() if err.fp else b""
                if err.code == 401 and attempt == 0:
                    challenges = parse_challenges(err.headers.get_all("WWW-Authenticate") or [])
                    answer = self.auth.answer(challenges, "POST", url)
                    if answer is not None:
                        authorization = answer
                        continue
                raise self._refused(url, err, body) from None
            except urllib.error.URLError as err:
                raise StoreError(
                    f"cannot reach the SPARQL server at {self.shown(url)}: {self._clean(_one_line(err.reason))}"
                ) from None
            except TimeoutError:
                raise StoreError(
                    f"cannot reach the SPARQL server at {self.shown(url)}: timed out after {timeout:g} s"
                ) from None
            except (OSError, http.client.HTTPException) as err:
                raise StoreError(
                    f"cannot reach the SPARQL server at {self.shown(url)}: {self._clean(_one_line(err))}"
                ) from None
        raise AssertionError("unreachable")

    def _refused(self, url: str, err: urllib.error.HTTPError, body: bytes) -> StoreError:
        """The one-line error for an HTTP error status."""
        shown = self.shown(url)
        if err.code in (401, 403):
            if self.auth.credentials is None:
                advice = "it needs credentials: --auth-file FILE or $GDPRGRAPH_STORE_AUTH"
            elif err.code == 401:
                advice = "the credentials were not accepted"
            else:
                advice = "the credentials do not allow this request"
            return StoreError(f"the SPARQL server at {shown} refused access: HTTP {err.code}: {advice}")
        detail = _first_line(body, _media_type(err.headers)) or _one_line(err.reason)
        return RequestRefused(
            f"the SPARQL server at {shown} refused the request: HTTP {err.code}"
            + (f": {self._clean(detail)}" if detail else ""),
            err.code,
        )

    def _clean(self, text: str) -> str:
        """A server's or the network's message with any secret of ours masked."""
        creds = self.auth.credentials
        for secret in creds.secrets() if creds else []:
            text = text.replace(secret, "***")
        return text

    # -- answers ------------------------------------------------------------------------------
    def _json_result(self, body: bytes) -> Results:
        try:
            answer = json.loads(body)
            if "boolean" in answer:
                return Results.ask(bool(answer["boolean"]))
            names = list(answer["head"]["vars"])
            rows = answer["results"]["bindings"]
            blanks: dict[str, BNode] = {}
            return Results.select(
                names, [[_json_term(row[n], blanks) if n in row else None for n in names] for row in rows]
            )
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            raise StoreError(
                f"the SPARQL server at {self.location} sent an unreadable answer: {_one_line(err)}"
            ) from None

    def _graph_result(self, body: bytes, fmt: ox.RdfFormat) -> Results:
        blanks: dict[str, BNode] = {}
        graph = rdflib.Graph()
        try:
            for triple in ox.parse(body, format=fmt):
                graph.add(
                    (
                        _ox_term(triple.subject, blanks),
                        _ox_term(triple.predicate, blanks),
                        _ox_term(triple.object, blanks),
                    )
                )
        except (SyntaxError, ValueError) as err:
            raise StoreError(
                f"the SPARQL server at {self.location} sent an unreadable graph: {_one_line(err)}"
            ) from None
        return Results.triples(graph)


# -- helpers -----------------------------------------------------------------------------------
def _dataset_fields(text: str, graphs: Sequence[str]) -> list[tuple[str, str]]:
    """The protocol's dataset of a query: the graphs it reads as its default graph (an empty graph if
    none), and the graphs its ``GRAPH <iri>`` patterns name as named graphs. A query with a
    ``GRAPH ?var`` pattern and no graph to read names no dataset (the server's own).

    >>> _dataset_fields("ASK { GRAPH <urn:c> { ?s ?p ?o } }", [])
    [('default-graph-uri', 'urn:gdprgraph:empty'), ('named-graph-uri', 'urn:c')]
    >>> _dataset_fields("SELECT ?g { GRAPH ?g { ?s ?p ?o } }", [])
    []
    """
    code = code_only(text)
    if not graphs and _GRAPH_VARIABLE.search(code):
        return []
    named = sorted(_named_graphs(text, code))
    return [("default-graph-uri", g) for g in (graphs or [EMPTY_GRAPH])] + [("named-graph-uri", g) for g in named]


def _named_graphs(text: str, code: str) -> set[str]:
    """The IRIs of the query's ``GRAPH <iri>`` patterns: the keyword found in the code (not in a
    string or comment), the IRI read from the text (``code_only`` blanks IRIs out)."""
    found = set()
    for match in re.finditer(r"\bGRAPH\b", code, re.IGNORECASE):
        iri = re.match(r"\s*<([^<>\s]*)>", text[match.end() :])
        if iri:
            found.add(iri.group(1))
    return found


def _graph(name: str) -> str:
    """A graph name as SPARQL text, checked."""
    return term_text(URIRef(name))


def _skolemise(term: Node) -> Node:
    """A blank node as its IRI on the server; other terms unchanged."""
    if isinstance(term, BNode):
        return URIRef(SKOLEM + urllib.parse.quote(str(term), safe=""))
    return term


def _unskolemise(iri: str) -> URIRef | BNode:
    """An IRI from the server: back to a blank node if it stands for one."""
    if iri.startswith(SKOLEM):
        return BNode(urllib.parse.unquote(iri[len(SKOLEM) :]))
    return URIRef(iri)


def _json_term(cell: Mapping[str, str], blanks: dict[str, BNode]) -> Identifier:
    """A term of a SPARQL JSON result as an rdflib term."""
    kind, value = cell["type"], cell["value"]
    if kind == "uri":
        return _unskolemise(value)
    if kind == "bnode":  # a real blank node of the server: labels are scoped to this answer
        return blanks.setdefault(value, BNode())
    if kind in ("literal", "typed-literal"):
        if cell.get("xml:lang"):
            return Literal(value, lang=cell["xml:lang"])
        datatype = cell.get("datatype")
        if datatype and datatype != XSD_STRING:
            return Literal(value, datatype=URIRef(datatype))
        return Literal(value)
    raise ValueError(f"unsupported term type {kind!r}")


def _ox_term(term: OxTerm, blanks: dict[str, BNode]) -> Identifier:
    """A term of a graph answer as an rdflib term."""
    if isinstance(term, ox.NamedNode):
        return _unskolemise(term.value)
    if isinstance(term, ox.BlankNode):
        return blanks.setdefault(term.value, BNode())
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value != XSD_STRING:
            return Literal(term.value, datatype=URIRef(term.datatype.value))
        return Literal(term.value)
    raise ValueError(f"unsupported term {term!r}")


def _oxigraph_lines(local: OxigraphDataset) -> Iterator[str]:
    """The triples of the local upload graph as N-Triples lines, blank nodes skolemised."""
    for quad in local.store.quads_for_pattern(None, None, None, ox.NamedNode(_UPLOAD_GRAPH)):
        yield _ox_line(quad)


def _ox_line(triple: ox.Triple | ox.Quad) -> str:
    """One pyoxigraph triple as an N-Triples line (valid in INSERT DATA), blank nodes skolemised."""

    def text(term: OxTerm) -> str:
        if isinstance(term, ox.BlankNode):  # the same IRI as _skolemise(BNode(label))
            return f"<{SKOLEM}{urllib.parse.quote(term.value, safe='')}>"
        return str(term)  # N-Triples syntax, escaped by pyoxigraph

    return f"{text(triple.subject)} {text(triple.predicate)} {text(triple.object)} ."


def _chunks(lines: Iterable[str], size: int) -> Iterator[list[str]]:
    iterator = iter(lines)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _query_form(sparql: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first keyword after the prologue."""
    text = sparql
    while (stripped := _PROLOGUE.sub("", text, count=1)) != text:
        text = stripped
    match = _FORM.match(text)
    return match.group(1).upper() if match else "SELECT"


def _media_type(headers: Mapping[str, str] | Message[str, str] | None) -> str:
    """The media type of a response, without parameters; empty if none was sent."""
    value = (headers or {}).get("Content-Type") or ""
    return value.split(";")[0].strip().lower()


def _first_line(body: bytes, media_type: str = "") -> str:
    """The first non-empty line of a server's message (markup removed from HTML), shortened."""
    text = body.decode("utf-8", errors="replace")
    if "html" in media_type:
        text = re.sub(r"<[^>]*>", "\n", text)
    for line in text.splitlines():
        if line.strip():
            return _one_line(line)
    return ""


def _one_line(value: object, limit: int = 300) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
