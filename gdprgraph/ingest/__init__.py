"""Ingest Article 28 "Description of Processing" documents (text or PDF) into the gdprgraph model.

``ingest_file(path)`` reads the document (``text``), parses it into records (``art28``) and turns the
records into a graph (``emit``), with provenance down to line numbers. Every non-blank line of the
input is either accounted for or listed as unrecognised.

The package holds every importer: Article 28 and Annex I descriptions (``art28``, ``annex1``, here),
vendors' sub-processor lists (``subprocessors``, with ``listforms``, ``listheaders``, ``mechanisms`` and
``places`` reading their forms, columns, safeguards and places), registers of processing activities
(``register/``), fides manifests (``fides``) and completed TIA sheets (``tia``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, RDFS, SKOS, Graph, URIRef

from .. import resources
from ..errors import InputError
from ..spelling import normalise
from ..vocabulary import DPV, GGS
from . import annex1, annex1_emit, art28, emit, text

__all__ = ["FORMS", "IngestResult", "default_context", "ingest_file"]

#: the forms of description ingest reads ("auto": the Article 28 template, else an Annex I description)
FORMS = ("auto", "art28", "annex1")

#: a run of unrecognised lines longer than this is summarised in one line
LONG_RUN = 10


@dataclass
class IngestResult:
    """The graph read from one document and the accounting of its lines."""

    path: Path
    key: str
    graph: Graph
    accounted: set[int]
    unrecognised: set[int]
    outside: set[int] = field(default_factory=set)
    lines: list[str] = field(default_factory=list)
    #: how the text was decoded ("utf-8", "utf-16-le", "cp1252", "pdf", ...)
    encoding: str = "utf-8"
    #: one line for the user when the encoding was guessed (no UTF-8, no byte-order mark), else ""
    encoding_note: str = ""
    #: the form read: "art28" (Orange's template) or "annex1" (a generic description of the processing)
    form: str = "art28"

    def turtle(self) -> str:
        """The graph as Turtle, with a header naming the source."""
        header = f"# {self.path.name}: ingested by `gdprgraph ingest` (line numbers refer to this file).\n\n"
        return header + self.graph.serialize(format="turtle")

    def messages(self, shown: str | None = None) -> list[str]:
        """``FILE:LINE: unrecognised: text`` per line; long runs summarised in one line."""
        name = shown or str(self.path)
        out: list[str] = []
        for run in runs(sorted(self.unrecognised), self.lines):
            first, last = run[0], run[-1]
            if set(run) <= self.outside:
                out.append(f"{name}:{first}-{last}: {len(run)} lines outside the Article 28 description (not ingested)")
            elif len(run) > LONG_RUN:
                out.append(f"{name}:{first}-{last}: {len(run)} unrecognised lines")
            else:
                out += [f"{name}:{n}: unrecognised: {' '.join(self.lines[n - 1].split())}" for n in run]
        return out


def runs(numbers: list[int], lines: list[str]) -> list[list[int]]:
    """Group line numbers into runs separated only by blank lines."""
    groups: list[list[int]] = []
    for number in numbers:
        if groups and all(not lines[i - 1].strip() for i in range(groups[-1][-1] + 1, number)):
            groups[-1].append(number)
        else:
            groups.append([number])
    return groups


def default_key(path: Path) -> str:
    """A slug of the file name before its first dot."""
    return emit.slug(path.name.split(".")[0]) or "doc"


def default_context(exclude: Iterable[Path | str] = ()) -> Graph:
    """The embedded data/ (reference, template, document files) as one graph, some files left out."""
    skip = {Path(p).resolve() for p in exclude}
    graph = Graph()
    for path in resources.default_data_files():
        if path.resolve() not in skip:
            graph.parse(path)
    return graph


def service_iri(name: str | None, wanted: str | None, context: Graph | None) -> URIRef:
    """An existing service of the context with this name, else ggs:<slug>."""
    target = wanted or name or "service"
    if target.startswith(("http://", "https://")):
        return URIRef(target)
    if context is not None:
        key = normalise(target)
        for service in sorted(s for s in context.subjects(RDF.type, DPV.Service) if isinstance(s, URIRef)):
            labels = [
                *context.objects(service, SKOS.prefLabel),
                *context.objects(service, SKOS.altLabel),
                *context.objects(service, RDFS.label),
            ]
            if any(normalise(str(label)) == key for label in labels) or str(service).endswith("/" + target):
                return service
    return GGS[emit.slug(target)]


def ingest_file(
    path: Path | str,
    key: str | None = None,
    service: str | None = None,
    context: Graph | None = None,
    form: str = "auto",
) -> IngestResult:
    """Read one description of processing (text, Markdown, HTML or PDF) into a graph.

    ``form``: "art28" (Orange's Article 28 template), "annex1" (a vendor's generic description of
    the processing: Annex I of the SCCs, an Element | Detail table or headed paragraphs), or "auto"
    (the template if the text is one, else Annex I). ``key`` prefixes the statement IRIs (default:
    the file name before its first dot, slugged); ``service`` names or gives the local name of the
    service IRI (default: the document's service name, matched against ``context``); ``context``
    (for instance ``default_context()``) lets organisations and services resolve to the IRIs
    already in use. Text is decoded by its byte-order mark, else as UTF-8, else as cp1252 or
    Latin-1 (``encoding_note`` then says so). Raises InputError on input that is empty, binary, or
    not a description.
    """
    if form not in FORMS:
        raise InputError(f"unknown form '{form}' ({', '.join(FORMS)})")
    path = Path(path)
    decoded = text.read_text(path)
    lines = decoded.lines
    key = key or default_key(path)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", key):
        key = emit.slug(key)
    if form == "annex1":
        return _ingest_annex1(path, decoded, key, service, context)
    try:
        desc = art28.parse(lines, str(path))
    except InputError:
        if form == "auto" and annex1.looks_like(lines):
            return _ingest_annex1(path, decoded, key, service, context)
        raise
    iri = service_iri(desc.service_name, service, context)
    orgs = emit.Organisations.from_graph(context)
    graph = emit.Emitter(desc, key, path.name, iri, orgs).build()
    return IngestResult(
        path,
        key,
        graph,
        set(desc.accounted) & desc.nonblank,
        desc.unrecognised,
        desc.outside,
        lines,
        decoded.encoding,
        decoded.note,
    )


def _ingest_annex1(
    path: Path, decoded: text.Decoded, key: str, service: str | None, context: Graph | None
) -> IngestResult:
    """A generic description of the processing (see annex1 and annex1_emit)."""
    desc = annex1.parse(decoded.lines, str(path))
    named = desc.first("service")
    name = named.text if named is not None and not named.states_nothing else None
    if name is None and service is None:
        raise InputError("the description names no service: give --service NAME", str(path))
    iri = service_iri(name, service, context)
    if name is None and context is not None:
        name = str(context.value(iri, SKOS.prefLabel) or "") or None
    graph = annex1_emit.AnnexEmitter(desc, key, path.name, iri, context).build(name or service)
    return IngestResult(
        path,
        key,
        graph,
        desc.accounted,
        desc.unrecognised,
        set(),
        decoded.lines,
        decoded.encoding,
        decoded.note,
        form="annex1",
    )
