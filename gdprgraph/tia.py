"""Transfer impact assessments (EDPB Recommendations 01/2020): which hops need one, what the graph
knows about each, and where each stands (missing, overdue, ok).

A hop is an edge of the transfer graph (paths.build) that sends data to an importer: a
sub-processing engagement, or a row of sub-processors outside the EU/EEA communicated separately.
It needs a TIA when it leaves the EU/EEA for a country no adequacy decision covers (for a decision
on certified organisations only, an importer not certified), and rests on an Article 46 tool or on
nothing (a hop on an Art. 49 derogation alone needs none). Onward hops (from a sub-processor to the
next) are hops like the others.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import Literal, URIRef

from . import paths
from .basis import Basis
from .errors import InputError
from .store import KnowledgeGraph
from .store.results import Row
from .vocabulary import DCTERMS, DPV, GG
from .workspace import Workspace

#: the statuses of a hop that needs a TIA
MISSING, OVERDUE, OK = "missing", "overdue", "ok"


@dataclass(frozen=True)
class Source:
    """Where a fact is stated: document, section, lines and words."""

    document: str
    section: str = ""
    line: int | None = None
    line_end: int | None = None
    text: str = ""

    def cite(self) -> str:
        """``document §section, line n[-m]``."""
        where = self.document + (f" §{self.section}" if self.section else "")
        if self.line is not None:
            lines = f"{self.line}-{self.line_end}" if self.line_end and self.line_end != self.line else str(self.line)
            where += f", line{'s' if '-' in lines else ''} {lines}"
        return where


@dataclass(frozen=True)
class Tool:
    """A safeguard the hop rests on (Art. 46 instrument) and its status."""

    instrument: str
    name: str
    status: str
    source: Source | None


@dataclass(frozen=True)
class Fact:
    """A line of the service's processing description answered Yes."""

    kind: str  # data categories, data subjects, purposes, subject-matter
    name: str
    duration: str
    source: Source | None


@dataclass
class TiaHop:
    """One hop that needs a transfer impact assessment, with what the graph holds about it."""

    hop: str
    service: str
    service_name: str
    exporter: str
    exporter_name: str
    importer: str
    importer_name: str
    country: str
    country_name: str
    basis: Basis
    source: Source | None = None
    tools: list[Tool] = field(default_factory=list)
    chains: list[str] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)

    @property
    def key(self) -> str:
        """A short, stable name for files: the hop IRI's last segment."""
        return self.hop.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]

    @property
    def tool_names(self) -> str:
        return "; ".join(f"{t.name} ({t.status})" for t in self.tools) or "none (no Chapter V basis)"


@dataclass(frozen=True)
class Recorded:
    """A transfer impact assessment the graph holds."""

    tia: str
    hop: str
    hop_exists: bool
    country: str
    equivalence: str
    outcome: str
    assessor: str
    assessed_on: str
    review_date: str
    measures: int


@dataclass(frozen=True)
class HopStatus:
    """Where the TIA of one hop stands on a date: ``status`` is missing, overdue or ok."""

    hop: str
    service: str
    exporter: str
    importer: str
    country: str
    status: str
    tia: str = ""
    review_date: str = ""


def source_of(kg: KnowledgeGraph, node: URIRef) -> Source | None:
    """The document, section, lines and words of a sourced statement, if it has them."""
    part = kg.value(node, DCTERMS.source)
    if part is None:
        return None
    doc = kg.value(part, DCTERMS.isPartOf)
    document = kg.value(doc, URIRef(GG + "sourceFile")) if doc is not None else None
    section = kg.value(part, URIRef(GG + "sectionNumber"))
    line, end = kg.value(node, URIRef(GG + "sourceLine")), kg.value(node, URIRef(GG + "sourceLineEnd"))
    text = kg.value(node, URIRef(GG + "sourceText"))
    return Source(str(document or ""), str(section or ""), _int(line), _int(end), str(text or ""))


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, Literal) else None


def _flag(value: object) -> bool:
    """A boolean cell (an EXISTS a query binds) as a bool."""
    return isinstance(value, Literal) and bool(value.toPython())


def _source(row: Row, section: object) -> Source | None:
    if row.document is None:
        return None
    return Source(str(row.document), str(section or ""), _int(row.line), _int(row.lineEnd), str(row.text or ""))


def hops_needing_tia(
    ws: Workspace, service: str | None = None, country: str | None = None, facts: bool = True
) -> list[TiaHop]:
    """Every hop that needs a TIA, in service, exporter, importer order, with its tools; ``service``
    (IRI) and ``country`` (IRI, or paths.UNDISCLOSED_COUNTRY) keep some. ``facts``: read the hop's
    source, the service's declarations and the chains through the hop too."""
    tg = ws.transfer_graph()
    found: dict[tuple[str, str], TiaHop] = {}
    for exporter, importer, data in tg.graph.edges(data=True):
        if data["relation"] not in ("engages", "engages (not disclosed)") or data.get("covered", True):
            continue
        where = data.get("country") or paths.UNDISCLOSED_COUNTRY
        if data["relation"] == "engages" and (not data.get("country") or where not in tg.countries):
            where = data.get("country") or ""
        if service is not None and data["service"] != service:
            continue
        if country is not None and where != country:
            continue
        hop = TiaHop(
            data["hop"],
            data["service"],
            tg.label(data["service"]),
            exporter,
            tg.label(exporter),
            importer,
            tg.label(importer),
            where,
            tg.label(where) if where else "unknown",
            data["basis"],
        )
        found.setdefault((hop.hop, hop.country), hop)
    hops = sorted(found.values(), key=lambda h: (h.service_name, h.exporter_name, h.importer_name, h.country_name))
    for hop in hops:
        hop.tools = [
            Tool(str(r.instrument), str(r.instrumentName), str(r.statusName), _source(r, r.section))
            for r in ws.asserted.internal("tia-hop-tools", {"hop": URIRef(hop.hop)})
        ]
    hops = [h for h in hops if h.tools or (h.basis.missing and not h.basis.country_unknown)]  # Art. 49 alone: none
    if facts:
        _add_facts(ws, tg, hops)
    return hops


def _add_facts(ws: Workspace, tg: paths.TransferGraph, hops: list[TiaHop]) -> None:
    """The hop's own source, its service's declarations and the chains through it."""
    kg = ws.asserted
    by_service: dict[str, list[Fact]] = {}
    chains: dict[str, list[paths.TransferPath]] = {}
    for hop in hops:
        hop.source = source_of(kg, URIRef(hop.hop))
        if hop.service not in by_service:
            by_service[hop.service] = [
                Fact(_SECTIONS.get(str(r.section), str(r.section)), str(r.name), str(r.duration), _source(r, r.part))
                for r in kg.internal("tia-service-facts", {"service": URIRef(hop.service)})
            ]
            chains[hop.service] = paths.transfer_paths(tg, service=hop.service, to=None)
        hop.facts = by_service[hop.service]
        seen = []
        for path in chains[hop.service]:
            if any(a == hop.exporter and b == hop.importer for a, b in zip(path.nodes, path.nodes[1:], strict=False)):
                text = " -> ".join(path.labels[1:])  # from the service on: the subjects are listed apart
                if text not in seen:
                    seen.append(text)
        hop.chains = seen


_SECTIONS = {
    GG + "DataCategoriesSection": "data categories",
    GG + "DataSubjectsSection": "data subjects",
    GG + "PurposesSection": "purposes",
    GG + "SubjectMatterSection": "subject-matter and retention",
}


def recorded(kg: KnowledgeGraph) -> list[Recorded]:
    """Every TIA the graph holds."""
    out: list[Recorded] = []
    for r in kg.internal("tia-records"):
        if out and out[-1].tia == str(r.tia):  # several tools: one record
            continue
        out.append(
            Recorded(
                str(r.tia),
                str(r.hop),
                _flag(r.hopExists),
                str(r.country or ""),
                str(r.equivalenceName or ""),
                str(r.outcomeName or ""),
                str(r.assessor or ""),
                str(r.assessedOn or ""),
                str(r.reviewDate or ""),
                int(r.term("measures")),
            )
        )
    return out


def _covers(record: Recorded, hop: TiaHop) -> bool:
    return record.hop == hop.hop and (
        not record.country or record.country == hop.country or hop.country == paths.UNDISCLOSED_COUNTRY
    )


def hop_statuses(
    ws: Workspace, as_of: datetime.date | None = None, hops: Iterable[TiaHop] | None = None
) -> list[HopStatus]:
    """The TIA status of every hop that needs one on ``as_of`` (default today): missing (no TIA),
    overdue (its review date is past) or ok. This is what the map and the report mark."""
    day = (as_of or datetime.date.today()).isoformat()
    records = recorded(ws.asserted)
    out = []
    for hop in hops if hops is not None else hops_needing_tia(ws, facts=False):
        mine = sorted((r for r in records if _covers(r, hop)), key=lambda r: r.review_date, reverse=True)
        if not mine:
            status, tia, review = MISSING, "", ""
        else:
            tia, review = mine[0].tia, mine[0].review_date
            status = OVERDUE if review and review < day else OK
        out.append(HopStatus(hop.hop, hop.service, hop.exporter, hop.importer, hop.country, status, tia, review))
    return out


@dataclass(frozen=True)
class NoEntityRow:
    """A sub-processor row outside the EU/EEA answered NA: no hop goes through it."""

    service_name: str
    row_name: str
    source: Source | None


def rows_without_entities(ws: Workspace, service: str | None = None) -> list[NoEntityRow]:
    """The rows outside the EU/EEA that declare no entity (for the index: no TIA for them)."""
    bindings = {"service": URIRef(service)} if service is not None else None
    return [
        NoEntityRow(
            str(r.serviceName),
            str(r.rowName),
            Source(str(r.document), "", _int(r.line), _int(r.lineEnd)) if r.document else None,
        )
        for r in ws.asserted.internal("tia-rows-without-entities", bindings)
    ]


def tias_of(ws: Workspace, organisation: str) -> list[Recorded]:
    """The TIAs about hops whose exporter or importer is ``organisation`` (IRI)."""
    kg = ws.asserted
    mine = []
    for record in recorded(kg):
        hop = URIRef(record.hop)
        parties = {str(o) for p in ("engagedBy", "subProcessor") for o in kg.objects(hop, URIRef(GG + p))}
        tia = URIRef(record.tia)
        parties |= {str(o) for p in ("hasDataExporter", "hasDataImporter") for o in kg.objects(tia, DPV[p])}
        if organisation in parties:
            mine.append(record)
    return mine


#: the node that carries a validation run's settings in the validated graph
VALIDATION_SETTINGS = URIRef("urn:gdprgraph:validation-settings")


def parse_date(value: str, what: str) -> datetime.date:
    """A YYYY-MM-DD date, or an InputError naming ``what``."""
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"{what} '{value}' is not a date (YYYY-MM-DD)") from None


def set_validation_date(kg: KnowledgeGraph, day: datetime.date) -> None:
    """Make ``day`` the date the shapes check review dates against (they use today without it)."""
    from rdflib import RDF, XSD

    kg.add(
        [
            (VALIDATION_SETTINGS, RDF.type, URIRef(GG + "ValidationSettings")),
            (VALIDATION_SETTINGS, URIRef(GG + "validationDate"), Literal(day.isoformat(), datatype=XSD.date)),
        ]
    )
