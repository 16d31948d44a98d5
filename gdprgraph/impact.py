"""Impact of an organisation: who uses it, what data and whose it can reach, where, under which basis."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from rdflib import URIRef
from rdflib.term import Identifier

from . import paths
from .labels import display_name
from .paths import PathRecord, describe_path, path_record
from .store import AnyOf, KnowledgeGraph
from .vocabulary import DPV
from .workspace import Workspace

if TYPE_CHECKING:
    from .tia import Recorded


@dataclass(frozen=True)
class ServiceUse:
    """A service that depends on the organisation: how, and where that is stated."""

    service: str
    name: str
    how: str
    document: str
    line: int | None


@dataclass(frozen=True)
class Impact:
    """The blast radius of an organisation, were it breached or withdrawn."""

    organisation: str
    name: str
    country: str
    services: list[ServiceUse] = field(default_factory=list)
    data_categories: list[str] = field(default_factory=list)
    data_subjects: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    paths: list[PathRecord] = field(default_factory=list)
    #: the transfer impact assessments of hops the organisation exports or imports on
    tias: list[Recorded] = field(default_factory=list)

    @property
    def service_names(self) -> list[str]:
        return sorted({s.name for s in self.services})

    def to_json(self) -> dict[str, object]:
        """The impact as ``impact --format json`` prints it: the summary, then every field."""
        return {"summary": self.summary(), **asdict(self)}

    def summary(self) -> str:
        """One sentence an executive can read."""
        return (
            f"If {self.name} were breached, {len(self.data_categories)} categories of personal data "
            f"of {len(self.data_subjects)} categories of data subjects in "
            f"{len(self.service_names)} service(s) would be exposed; if it were withdrawn, "
            f"{', '.join(self.service_names) or 'no service'} would lose a sub-processor and their "
            f"customers would have to be informed (Art. 28(2))."
        )


#: names under which warm keeps what impact reads (Workspace.kept)
DECLARATIONS, SERVICES_USING = "impact: declarations", "impact: services using"


@dataclass(frozen=True)
class Declared:
    """A category a service declares (a line answered Yes): ``kind`` is "personal data" or "data subjects"."""

    kind: str
    category: str
    name: str
    document: str
    service_name: str


def declarations(kg: KnowledgeGraph, services: Collection[str] | None = None) -> dict[str, list[Declared]]:
    """What each service (all, or those given) declares, in data-exposed-to's order: kind, then name.

    These are data-exposed-to's rows before they are narrowed to one organisation, read on the
    asserted graph as that query is.
    """
    scope = {"service": AnyOf(URIRef(s) for s in sorted(services))} if services is not None else None
    found: dict[str, list[Declared]] = {}
    for row in kg.internal("declared-categories", scope):
        found.setdefault(str(row.service), []).append(
            Declared(str(row.kind), str(row.category), str(row.categoryName), str(row.document), str(row.serviceName))
        )
    for rows in found.values():
        rows.sort(key=lambda d: (d.kind, d.name, d.service_name, d.document))
    return found


def services_using(ws: Workspace) -> dict[str, list[dict[str, Identifier | None]]]:
    """The rows of services-using for every organisation at once, by organisation."""
    found: dict[str, list[dict[str, Identifier | None]]] = {}
    for row in ws.run_unbound("services-using").rows:
        found.setdefault(str(row["organisation"]), []).append(row)
    return found


def warm(ws: Workspace) -> None:
    """Derive, for the whole estate, what every impact reads: the transfer graph, what each service
    declares and which services engage each organisation. A session that asks many questions (a
    notebook, a server) pays this once; each impact then reads only what concerns its organisation."""
    ws.transfer_graph().services_through  # noqa: B018 (the index through which impact finds paths)
    ws.kept(DECLARATIONS, lambda: declarations(ws.asserted))
    ws.kept(SERVICES_USING, lambda: services_using(ws))


def impact(ws: Workspace, name: str) -> Impact:
    """The impact of the organisation ``name`` designates.

    A query of the asserted graph finds the services that depend on the organisation, through
    chains of sub-processing (no closure needed). What engages it,
    what those services declare and their chains come from what the workspace keeps for the estate
    (warm), else are read for this organisation and these services only.
    """
    org = ws.resolve(name, "organisation")
    kept_using = ws.held(SERVICES_USING)
    if isinstance(kept_using, dict):
        using = kept_using.get(str(org), [])
    else:
        using = ws.run("services-using", {"org": str(org)}).rows
    dependants: dict[str, str] = {}
    for row in ws.asserted.internal("dependants", {"org": org}):
        if dependants.get(str(row.service)) != "processor":
            dependants[str(row.service)] = str(row.how)
    kept_declared = ws.held(DECLARATIONS)
    declared = kept_declared if isinstance(kept_declared, dict) else declarations(ws.asserted, dependants)
    exposed = {service: declared[service] for service in sorted(dependants) if service in declared}
    tg = ws.transfer_graph_of({str(row["service"]) for row in using} | set(exposed))
    label = tg.label(str(org)) if str(org) in tg.labels else display_name(ws.asserted, org, name)
    home = ws.asserted.value(org, DPV.hasCountry)
    country = ""
    if home is not None:
        known = tg.countries.get(str(home))
        country = known.name if known else display_name(ws.asserted, home, str(home))
    seen = set()
    services = []
    for row in using:
        key = str(row["service"])
        seen.add(key)
        services.append(
            ServiceUse(key, str(row["serviceName"]), "sub-processor", str(row["document"]), _int(row["line"]))
        )
    for service, rows in exposed.items():
        if service not in seen:
            how = "processor" if dependants[service] == "processor" else "onward sub-processor"
            services.append(ServiceUse(service, rows[0].service_name, how, rows[0].document, None))

    def names(kind: str) -> list[str]:
        return sorted({d.name for rows in exposed.values() for d in rows if d.kind == kind})

    through = paths.transfer_paths(tg, to=None, through=str(org))  # the chains that reach it
    countries = {p.country_name for p in through}
    if country:
        countries.add(country)
    services.sort(key=lambda s: s.name)
    from . import tia  # tia builds on paths and the workspace, as impact does

    return Impact(
        str(org),
        label,
        country,
        services,
        names("personal data"),
        names("data subjects"),
        sorted(countries),
        [path_record(p) for p in through],
        tia.tias_of(ws, str(org)),
    )


def _int(value: object) -> int | None:
    return int(str(value)) if value is not None else None


def as_rows(result: Impact) -> tuple[list[str], list[list[object]]]:
    """The impact flattened into (aspect, value, detail) rows, for CSV and tables."""
    rows: list[list[object]] = [["organisation", result.name, result.country]]
    for s in result.services:
        line = f" line {s.line}" if s.line else ""
        rows.append(["service", s.name, f"{s.how}; {s.document}{line}"])
    rows += [["personal data", c, ""] for c in result.data_categories]
    rows += [["data subjects", c, ""] for c in result.data_subjects]
    rows += [["country", c, ""] for c in result.countries]
    rows += [["path", describe_path(p), p.zone + ("; MISSING BASIS" if p.missing_basis else "")] for p in result.paths]
    rows += [
        ["transfer impact assessment", t.hop, f"{t.equivalence}; {t.outcome}; review {t.review_date}"]
        for t in result.tias
    ]
    return ["aspect", "value", "detail"], rows


def as_text(result: Impact) -> str:
    """The impact report for a human."""
    lines = [f"Impact of {result.name} ({result.country or 'country unknown'})", "", result.summary(), ""]
    lines.append(f"Services ({len(result.service_names)}):")
    for s in result.services:
        where = f"  [{s.document}" + (f", line {s.line}]" if s.line else "]")
        lines.append(f"  - {s.name} ({s.how}){where}")
    lines.append(
        f"Categories of personal data ({len(result.data_categories)}): " + ("; ".join(result.data_categories) or "none")
    )
    lines.append(
        f"Categories of data subjects ({len(result.data_subjects)}): " + ("; ".join(result.data_subjects) or "none")
    )
    lines.append(f"Countries involved: {', '.join(result.countries) or 'none'}")
    lines.append(f"Transfer paths through {result.name} ({len(result.paths)}):")
    for p in result.paths:
        flag = "  MISSING BASIS" if p.missing_basis else ""
        lines.append(f"  - {describe_path(p)}  ({p.zone}){flag}")
    if result.tias:
        lines.append(f"Transfer impact assessments ({len(result.tias)}):")
        for t in result.tias:
            review = f", review {t.review_date}" if t.review_date else ""
            stale = "" if t.hop_exists else "  STALE (the hop is no longer in the graph)"
            lines.append(
                f"  - {t.hop}: {t.equivalence or 'no conclusion'}, {t.outcome or 'no outcome'}"
                f" ({t.assessor or 'assessor not named'}, {t.assessed_on or 'undated'}{review}){stale}"
            )
    return "\n".join(lines)
