"""What one page of the estate shows about a service, an organisation, a category of personal data
or a country: plain rows (strings), each fact with its document, section, line and quoted text.

The web application (gdprgraph.web) renders these; they read only the library (named queries,
describe, impact, paths, validate, transfers), never SPARQL of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import URIRef

from . import impact as impacts
from . import paths, sources, viz
from . import validate as validation
from .describe import STATEMENT_KEYS, describe
from .labels import display_name
from .queries import QueryResult
from .render import cell
from .transfers import Transfer, third_country_transfers
from .workspace import Workspace

#: the statuses a template line has, in the order a page lists them
STATUSES = ("declared yes", "declared no", "not stated")


def validation_report(ws: Workspace) -> validation.ValidationReport:
    """The SHACL report of the asserted graph, kept while the graph is unchanged."""
    return ws.kept("overview: validation", lambda: validation.validate(ws.asserted))


def transfers(ws: Workspace) -> list[Transfer]:
    """Every hop to a third country (transfers.third_country_transfers), kept."""
    return ws.kept("overview: transfers", lambda: third_country_transfers(ws))


def dependencies(ws: Workspace) -> dict[str, paths.Dependency]:
    """paths.concentration of the estate by organisation IRI, kept."""
    return ws.kept(
        "overview: concentration", lambda: {d.organisation: d for d in paths.concentration(ws.transfer_graph())}
    )


def statements_by_service(ws: Workspace) -> dict[str, list[dict[str, str]]]:
    """Every sourced statement about a service (describe's, read once for the whole estate), by
    service IRI, kept. A page of one service then reads only its facts."""

    def read() -> dict[str, list[dict[str, str]]]:
        nsm = ws.asserted.namespace_manager
        found: dict[str, list[dict[str, str]]] = {}
        seen: set[tuple[str, ...]] = set()
        for row in ws.asserted.internal("statements-about"):
            if row["service"] is None:
                continue
            key = (str(row["statement"]), str(row["service"]))
            if key in seen:  # about the service, or naming its sub-processor: the same statement
                continue
            seen.add(key)
            found.setdefault(str(row["service"]), []).append({k: cell(row[k], nsm) for k in STATEMENT_KEYS})
        return found

    return ws.kept("overview: statements by service", read)


def transfer_map(ws: Workspace, selection: viz.MapSelection) -> str:
    """The transfer map's page (viz.render_map); that of the whole estate, unfiltered, is kept."""
    if selection != viz.MapSelection():
        return viz.render_map(ws, selection)
    return ws.kept("overview: transfer map", lambda: viz.render_map(ws, viz.MapSelection()))


def warm(ws: Workspace) -> None:
    """Derive now what the pages share (impact.warm's, then the validation report, the transfers,
    the dependencies, the statements of each service, the quotes by line, the unfiltered transfer
    map): a server does this once."""
    impacts.warm(ws)
    validation_report(ws)
    transfers(ws)
    dependencies(ws)
    statements_by_service(ws)
    sources.quotes_by_line(ws)
    transfer_map(ws, viz.MapSelection())


def rows(ws: Workspace, query: str, params: dict[str, str] | None = None) -> list[dict[str, str]]:
    """A named query's rows as strings (IRIs compacted where a prefix is known)."""
    return as_rows(ws, ws.run(query, params or {}))


def as_rows(ws: Workspace, result: QueryResult) -> list[dict[str, str]]:
    """A query result's rows as strings (IRIs compacted where a prefix is known), each IRI also
    whole under ``column@iri``."""
    nsm = ws.asserted.namespace_manager
    return [
        {col: cell(row.get(col), nsm) for col in result.columns}
        | {f"{col}@iri": str(row[col]) for col in result.columns if isinstance(row.get(col), URIRef)}
        for row in result.rows
    ]


@dataclass
class ServicePage:
    iri: str
    name: str
    facts: list[tuple[str, str]]
    lines: list[dict[str, str]]
    statements: list[dict[str, str]]
    subprocessors: list[dict[str, str]]
    transfers: list[Transfer]
    retention: list[dict[str, str]]
    findings: list[validation.Finding]
    counts: dict[str, int] = field(default_factory=dict)


def service(ws: Workspace, name: str) -> ServicePage:
    """A service: its description line by line (declared yes / declared no / not stated), its other
    sourced statements, sub-processors, third-country transfers, retention and findings."""
    iri = ws.resolve(name, "service")
    if ws.held("overview: statements by service") is None:  # a one-off page: this service only
        desc = describe(ws, str(iri))
        facts, statements = desc.facts, desc.statements
    else:
        facts = describe_facts(ws, iri)
        statements = statements_by_service(ws).get(str(iri), [])
    label = next((v for p, v in facts if p == "skos:prefLabel"), str(iri))
    lines = [s for s in statements if s["kind"] == "template line"]
    lines.sort(key=lambda s: (s["document"], int(s["line"]) if s["line"].isdigit() else 10**9, s["item"]))
    others = [s for s in statements if s["kind"] != "template line"]
    findings = [f for f in validation_report(ws).findings if f.owner == str(iri) or label in f.services]
    counts = {status: sum(1 for s in lines if s["status"] == status) for status in STATUSES}
    return ServicePage(
        str(iri),
        label,
        facts,
        lines,
        others,
        rows(ws, "subprocessors-of", {"service": str(iri)}),
        [t for t in transfers(ws) if t.service == str(iri)],
        rows(ws, "retention", {"service": str(iri)}),
        findings,
        counts,
    )


def describe_facts(ws: Workspace, iri: URIRef) -> list[tuple[str, str]]:
    """The direct facts of an entity, as describe gives them."""
    nsm = ws.asserted.namespace_manager
    facts = []
    for row in ws.asserted.internal("entity-facts", {"entity": iri}):
        value = str(row.valueLabel) if row.valueLabel is not None else cell(row.value, nsm)
        prop = str(row.propertyLabel) if row.propertyLabel is not None else cell(row.p, nsm)
        facts.append((prop, value))
    return facts


@dataclass
class OrganisationPage:
    iri: str
    impact: impacts.Impact
    engagements: list[dict[str, str]]
    dependency: paths.Dependency | None
    transfers: list[Transfer]
    findings: list[validation.Finding]


def organisation(ws: Workspace, name: str) -> OrganisationPage:
    """An organisation: its impact report (services, data, subjects, countries, paths), the lines
    that engage it with their quoted text, whether it is a single point of failure, its transfers."""
    iri = str(ws.resolve(name, "organisation"))
    report = impacts.impact(ws, iri)
    return OrganisationPage(
        iri,
        report,
        rows(ws, "services-using", {"org": iri}),
        dependencies(ws).get(iri),
        [t for t in transfers(ws) if iri in (t.exporter, t.importer)],
        [f for f in validation_report(ws).findings if f.owner == iri],
    )


@dataclass
class CategoryPage:
    iri: str
    name: str
    services: list[dict[str, str]]
    retention: list[dict[str, str]]


def category(ws: Workspace, name: str, display: str) -> CategoryPage:
    """A category of personal data: the services processing it or a narrower one (an explicit No
    wins: services-processing), and the retention rules about it."""
    iri = str(ws.resolve(name, "data-category"))
    # two independent queries, answered at once (0.19 s one after the other at 1 000 generated
    # services, 0.12 s together)
    services, retention = ws.run_together(
        [("services-processing", {"category": iri}), ("retention", {"category": iri})]
    )
    return CategoryPage(iri, display, as_rows(ws, services), as_rows(ws, retention))


@dataclass
class CountryPage:
    iri: str
    name: str
    zone: str
    adequacy: str
    transfers: list[Transfer]
    paths: list[paths.TransferPath]


def country(ws: Workspace, name: str) -> CountryPage:
    """A country: where it stands under Chapter V, the hops into it with their basis, the chains."""
    iri = str(ws.resolve(name, "country"))
    tg = ws.transfer_graph()
    known = tg.countries.get(iri)
    zone = known.zone if known else "unknown"
    adequacy = (
        (
            "EU/EEA"
            if known.eea
            else "yes"
            if known.adequacy
            else "only for DPF-certified organisations"
            if known.certification_only
            else "no"
        )
        if known
        else "unknown"
    )
    into = [t for t in transfers(ws) if t.country == iri]
    if known is not None and known.eea:  # no third-country hop: the organisations located there
        into = []
    return CountryPage(
        iri,
        known.name if known else display_name(ws.asserted, URIRef(iri), iri),
        zone,
        adequacy,
        into,
        paths.transfer_paths(tg, to=iri),
    )
