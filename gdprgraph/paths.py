"""Transfer paths with networkx: data subjects -> service -> processor -> sub-processors -> country.

The graph is built from the RDF graph (internal queries), one edge per fact, each hop carrying the
Chapter V basis it rests on. Paths are every simple path, per service, from a category of data
subjects to the country of an organisation that receives the data.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from functools import cached_property
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from rdflib import Literal, URIRef
from rdflib.term import Node

from . import collector, parallel
from .basis import NO_BASIS, Basis, Grounds, kinds_of
from .labels import rank as label_rank
from .store import AnyOf, KnowledgeGraph
from .store.results import Results, Row
from .vocabulary import DPV
from .vocabulary import UNSTATED_SUBJECTS as _UNSTATED

if TYPE_CHECKING:
    import networkx as nx  # imported when a graph is built: a command that draws none never pays for it

UNDISCLOSED_COUNTRY = "undisclosed:third-country"
#: the attributes of an edge of the transfer graph: relation, service, basis, and for an engagement its
#: country, document, line and hop (networkx keeps them as a plain dict)
EdgeData = dict[str, Any]


@dataclass(frozen=True)
class Country:
    """A country and where it stands under Chapter V."""

    iri: str
    name: str
    eea: bool
    adequacy: bool
    certification_only: bool

    @property
    def zone(self) -> str:
        if self.eea:
            return "EU/EEA"
        if self.adequacy:
            return "adequate"
        return "third country"


@dataclass(frozen=True)
class Hop:
    """One step of a path, with the basis of the transfer it makes (if it crosses a border)."""

    source: str
    target: str
    relation: str
    basis: str
    missing_basis: bool = False
    document: str = ""
    line: int | None = None
    #: the engagement or sub-processor row the hop is (its IRI), for a transfer hop
    hop: str = ""


@dataclass(frozen=True)
class TransferHop:
    """The hop into the recipient whose country ends a path (the transfer), with its basis."""

    relation: str
    basis: Basis
    document: str = ""
    line: int | None = None
    #: the engagement or sub-processor row the hop is (its IRI)
    hop: str = ""


@dataclass(frozen=True)
class TransferPath:
    """A chain from a data-subject category to the country of the last recipient."""

    nodes: list[str]
    labels: list[str]
    hops: list[Hop]
    service: str
    country: str
    country_name: str
    zone: str
    #: the hop into the recipient whose country ends the path (the transfer); None for a path of two nodes
    transfer: TransferHop | None = None

    @property
    def missing_basis(self) -> bool:
        return any(hop.missing_basis for hop in self.hops)

    def passes_through(self, node: str) -> bool:
        return node in self.nodes


@dataclass
class TransferGraph:
    """The networkx graph of who sends personal data to whom, with labels and countries.

    Its edges are not changed once built: the indexes below are computed on first use and kept.
    """

    graph: nx.MultiDiGraph[str]
    labels: dict[str, str] = field(default_factory=dict)
    countries: dict[str, Country] = field(default_factory=dict)

    def label(self, node: str) -> str:
        return self.labels.get(node, node)

    @cached_property
    def edges_of(self) -> dict[str, list[tuple[str, str, EdgeData]]]:
        """The edges of each service's chains, by service."""
        edges: dict[str, list[tuple[str, str, EdgeData]]] = {}
        for a, b, data in self.graph.edges(data=True):
            edges.setdefault(data["service"], []).append((a, b, data))
        return edges

    @cached_property
    def services_through(self) -> dict[str, set[str]]:
        """The services whose chains touch each node."""
        services: dict[str, set[str]] = {}
        for service, edges in self.edges_of.items():
            for a, b, _ in edges:
                services.setdefault(a, set()).add(service)
                services.setdefault(b, set()).add(service)
        return services


#: the source of the paths of a service whose data subjects no document states
UNSTATED_SUBJECTS = str(_UNSTATED)


def _text(value: Node | None) -> str:
    return "" if value is None else str(value)


def _flag(value: Node | None) -> bool:
    """A boolean cell (an EXISTS the query binds) as a bool."""
    return isinstance(value, Literal) and bool(value.toPython())


def _labels(kg: KnowledgeGraph, nodes: set[str]) -> dict[str, str]:
    """Display names (English preferred) of the given nodes."""
    names: dict[str, tuple[int, int, str]] = {}
    named = all(":" in n and not n.startswith("_:") for n in nodes)  # else: blank nodes, ask for all
    scope: dict[str, Node | AnyOf] | None = {"entity": AnyOf(URIRef(n) for n in sorted(nodes))} if named else None
    for row in kg.internal("display-names", scope):
        node = str(row.entity)
        if node not in nodes:
            continue
        rank = label_rank(str(row.label), str(row.lang))  # the rule of labels.display_name
        if node not in names or rank < names[node]:
            names[node] = rank
    return {node: label for node, (_, _, label) in names.items()}


@collector.paused()
def build(kg: KnowledgeGraph, services: Collection[str] | None = None) -> TransferGraph:
    """The transfer graph of a knowledge graph (asserted facts are enough), or of some services."""
    scope: dict[str, Node | AnyOf] | None = (
        {"service": AnyOf(URIRef(s) for s in sorted(services))} if services is not None else None
    )
    with parallel.executor(kg.concurrent_reads) as pool:
        # independent queries asked together (the engagements, the longest, first): the rows of
        # each are read while the store still evaluates the others
        asked = {name: pool.submit(kg.internal, name, scope if name in _SCOPED else None) for name in _ASKED}
        return _built(kg, {name: answer.result for name, answer in asked.items()})


#: build's queries, in the order they are started; those a set of services narrows
_ASKED = ("transfer-edges", "countries", "certified-organisations", "transfer-subjects", "undisclosed-rows")
_SCOPED = ("transfer-edges", "transfer-subjects", "undisclosed-rows")


def _built(kg: KnowledgeGraph, answer: Mapping[str, Callable[[], Results]]) -> TransferGraph:
    """The transfer graph from the answers of build's queries (each waited for when first read)."""
    import networkx as nx

    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    countries: dict[str, Country] = {}
    for row in answer["countries"]():
        countries[str(row.country)] = Country(
            str(row.country), str(row.name), _flag(row.eea), _flag(row.adequacy), _flag(row.certificationOnly)
        )
    certified = {(str(row.org), str(row.country)) for row in answer["certified-organisations"]()}

    undisclosed_names: dict[str, str] = {}
    subject_rows = answer["transfer-subjects"]().rows
    undisclosed_rows = answer["undisclosed-rows"]().rows
    for row in [*subject_rows, *undisclosed_rows]:
        service = str(row.service)
        graph.add_node(service, kind="service")
        if row.processor is not None:
            processor = str(row.processor)
            graph.add_node(processor, kind="organisation")
            graph.add_edge(
                service, processor, service=service, relation="processor", basis=Basis("processor of the service")
            )
    for row in subject_rows:
        service, subject = str(row.service), str(row.subject)
        graph.add_node(subject, kind="data-subjects")
        graph.add_edge(subject, service, service=service, relation="data of", basis=Basis())
    for row in undisclosed_rows:
        service = str(row.service)
        if row.processor is not None:
            hidden = str(row.row)
            graph.add_node(hidden, kind="undisclosed")
            undisclosed_names[hidden] = f"{_text(row.rowName)} (communicated separately)"
            in_place = [s for s in _text(row.rowSafeguards).split("; ") if s]
            safeguards = [f"{s} (in place)" for s in in_place]
            grounds = Grounds(
                in_place=tuple(in_place), requested=tuple(s for s in _text(row.rowRequested).split("; ") if s)
            )
            graph.add_edge(
                str(row.processor),
                hidden,
                service=service,
                relation="engages (not disclosed)",
                basis=Basis.of("; ".join(safeguards) or NO_BASIS, not safeguards, grounds),
                hop=hidden,
                covered=False,
            )
            graph.add_node(UNDISCLOSED_COUNTRY, kind="country")
            graph.add_edge(hidden, UNDISCLOSED_COUNTRY, service=service, relation="located in", basis=Basis())

    bases: dict[tuple[object, ...], Basis] = {}
    for row in answer["transfer-edges"]():
        service, exporter, importer = str(row.service), str(row.exporter), str(row.importer)
        for org in (exporter, importer):
            if org not in graph:
                graph.add_node(org, kind="organisation")
        country = countries.get(_text(row.country))
        is_certified = (importer, _text(row.country)) in certified
        # hops that state the same grounds share one (immutable) basis: a few hundred among the
        # 11 000 hops of 2 500 generated services
        stated = (_text(row.country), is_certified, *(_text(row[name]) for name in _BASIS_COLUMNS))
        basis = bases.get(stated)
        if basis is None:
            basis = bases[stated] = _basis(row, country, is_certified)
        graph.add_edge(
            exporter,
            importer,
            service=service,
            relation="engages",
            basis=basis,
            country=_text(row.country),
            document=_text(row.document),
            line=int(row.line) if row.line is not None else None,
            hop=str(row.engagement),
            covered=_covered(country, (importer, _text(row.country)) in certified),
        )
        if country is not None:
            graph.add_node(country.iri, kind="country")
            graph.add_edge(importer, country.iri, service=service, relation="located in", basis=Basis())
    for node, data in list(graph.nodes.items()):
        if data["kind"] == "organisation" and not any(
            d["relation"] == "located in" for _, _, d in graph.out_edges(node, data=True)
        ):
            home = kg.value(URIRef(node), DPV.hasCountry)
            if home is not None and str(home) in countries:
                graph.add_node(str(home), kind="country")
                for service in {d["service"] for _, _, d in graph.in_edges(node, data=True)}:
                    graph.add_edge(node, str(home), service=service, relation="located in", basis=Basis())
    _unstated_subjects(kg, graph)
    labels = _labels(kg, set(graph.nodes))
    labels.update(undisclosed_names)
    labels[UNSTATED_SUBJECTS] = "data subjects (not stated)"
    labels[UNDISCLOSED_COUNTRY] = "third country (not disclosed)"
    labels.update({c.iri: c.name for c in countries.values() if c.iri in graph})
    return TransferGraph(graph, labels, countries)


def _unstated_subjects(kg: KnowledgeGraph, graph: nx.MultiDiGraph[str]) -> None:
    """A service known only from an imported sub-processor list (no description declaring its data
    subjects, as for a vendor created on the fly) still has transfer paths: from 'data subjects (not
    stated)' through the service and its processor to the engagements the list states."""
    engaged = {d["service"] for _, _, d in graph.edges(data=True) if d["relation"] == "engages"}
    for service in sorted(engaged):
        if service in graph and any(d["relation"] == "data of" for _, _, d in graph.in_edges(service, data=True)):
            continue
        processor = kg.value(URIRef(service), DPV.hasDataProcessor)
        if processor is None or str(processor) not in graph:
            continue
        graph.add_node(service, kind="service")
        graph.add_node(UNSTATED_SUBJECTS, kind="data-subjects")
        graph.add_edge(UNSTATED_SUBJECTS, service, service=service, relation="data of", basis=Basis())
        graph.add_edge(
            service, str(processor), service=service, relation="processor", basis=Basis("processor of the service")
        )


def _covered(country: Country | None, certified: bool) -> bool:
    """Whether the hop needs no Art. 46 tool: within the EU/EEA, or under an adequacy decision (for a
    decision that covers certified organisations only, the importer is certified)."""
    if country is None:
        return False
    return country.eea or country.adequacy or (country.certification_only and certified)


def _basis(row: Row, country: Country | None, certified: bool) -> Basis:
    """The Chapter V basis of a hop to an importer: its words, whether one is missing, its grounds."""
    grounds = _grounds(row, country, certified)
    if country is None:
        return Basis("country unknown", True, kinds_of("country unknown", True), grounds, country_unknown=True)
    if country.eea:
        return Basis.of("within the EU/EEA", False, grounds)
    reasons = []
    if country.adequacy:
        reasons.append(f"adequacy decision ({country.name})")
    if country.certification_only and certified:
        reasons.append("adequacy decision (Data Privacy Framework certification)")
    in_place = [s for s in (_text(row.engagementInPlace), _text(row.rowInPlace)) if s]
    reasons += [f"{s} (in place)" for s in in_place]
    if _text(row.derogation):
        reasons.append(_text(row.derogation))
    requested = [s for s in (_text(row.engagementRequested), _text(row.rowRequested)) if s]
    if reasons:
        return Basis.of("; ".join(reasons), False, grounds)
    note = NO_BASIS
    if requested:
        note += f" ({'; '.join(requested)} only requested)"
    return Basis.of(note, True, grounds)


#: the columns of a hop's row that _basis and _grounds read (with its country and certification)
_BASIS_COLUMNS = ("engagementInPlace", "rowInPlace", "engagementRequested", "rowRequested", "derogation")


def _grounds(row: Row, country: Country | None, certified: bool) -> Grounds:
    """What a hop to an importer rests on, field by field (the parts ``_basis`` words as text)."""

    def split(*values: Node | None) -> tuple[str, ...]:
        return tuple(s for v in values for s in _text(v).split("; ") if s)

    third = country if country is not None and not country.eea else None
    return Grounds(
        adequacy=bool(third and third.adequacy),
        dpf=bool(third and third.certification_only and certified),
        in_place=split(row.engagementInPlace, row.rowInPlace),
        requested=split(row.engagementRequested, row.rowRequested),
        derogation=_text(row.derogation),
    )


@collector.paused()
def transfer_paths(
    tg: TransferGraph, service: str | None = None, to: str | None = "third-countries", through: str | None = None
) -> list[TransferPath]:
    """Every simple path from a data-subject category to a country, per service.

    ``to`` is "third-countries" (outside the EU/EEA, undisclosed included), a country IRI, or None
    for every country; ``service`` and ``through`` keep only the paths of a service or through a node.
    A category of data subjects only sends to its service, so the chains are walked once per service,
    from the service, and each category is put in front of them.
    """
    found: list[TransferPath] = []
    if service is not None:
        services = [service] if service in tg.edges_of else []
    elif through is not None:
        services = sorted(tg.services_through.get(through, ()))
    else:
        services = sorted(tg.edges_of)
    kinds = tg.graph.nodes
    for svc in services:
        hops: dict[str, dict[str, list[EdgeData]]] = {}  # a -> b -> the edges a -> b (several: see _hop_edge)
        for a, b, data in tg.edges_of[svc]:
            hops.setdefault(a, {}).setdefault(b, []).append(data)
        sources = sorted(n for n in hops if kinds[n]["kind"] == "data-subjects")
        targets = {b for edges in hops.values() for b in edges if kinds[b]["kind"] == "country" and _wanted(tg, b, to)}
        if not sources or not targets or svc not in hops:
            continue
        chains = list(_chains(hops, svc, targets))
        if through in sources:  # through a category of data subjects: every chain of that category
            sources = [through]
        elif through is not None:
            chains = [chain for chain in chains if through in chain]
        for source in sources:
            for chain in chains:
                found.append(_path(tg, hops, svc, [source, *chain]))
    found.sort(key=lambda p: ([tg.label(n) for n in p.nodes], p.nodes))
    return found


def _chains(hops: dict[str, dict[str, list[EdgeData]]], start: str, targets: set[str]) -> Iterator[list[str]]:
    """Every simple path (no node twice) from ``start`` to one of ``targets``, depth first."""
    chain = [start]
    pending = [iter(hops.get(start, {}))]
    while pending:
        following = next(pending[-1], None)
        if following is None:
            pending.pop()
            chain.pop()
        elif following not in chain:
            chain.append(following)
            if following in targets:
                yield list(chain)
            pending.append(iter(hops.get(following, {})))


def _wanted(tg: TransferGraph, country: str, to: str | None) -> bool:
    if to is None:
        return True
    if to == "third-countries":
        return country == UNDISCLOSED_COUNTRY or not tg.countries[country].eea
    return country == to


def _hop_edge(parallel: list[EdgeData], country: str) -> EdgeData:
    """The edge a -> b of a path: when an organisation processes in several countries, the one for the
    path's country; else, of several, one without a basis first (the hop is only as safe as its worst)."""
    if len(parallel) < 2:
        return parallel[0]
    for data in parallel:
        if data.get("country") == country:
            return data
    return min(parallel, key=lambda d: (not d["basis"].missing, d["basis"].text))


def _path(
    tg: TransferGraph, hops: dict[str, dict[str, list[EdgeData]]], service: str, nodes: list[str]
) -> TransferPath:
    steps = []
    for a, b in pairwise(nodes):
        data = _hop_edge(hops[a][b], nodes[-1])
        steps.append(
            Hop(
                tg.label(a),
                tg.label(b),
                data["relation"],
                data["basis"].text,
                data["basis"].missing,
                data.get("document", ""),
                data.get("line"),
                data.get("hop", ""),
            )
        )
    country = nodes[-1]
    zone = "third country" if country == UNDISCLOSED_COUNTRY else tg.countries[country].zone
    last = _hop_edge(hops[nodes[-3]][nodes[-2]], country) if len(nodes) >= 3 else None
    transfer = (
        None
        if last is None
        else TransferHop(
            last["relation"], last["basis"], last.get("document", ""), last.get("line"), last.get("hop", "")
        )
    )
    return TransferPath(nodes, [tg.label(n) for n in nodes], steps, service, country, tg.label(country), zone, transfer)


@dataclass(frozen=True)
class PathRecord:
    """A path as plain data: its chain, country, zone, and each hop with its basis."""

    chain: list[str]
    country: str
    zone: str
    missing_basis: bool
    hops: list[Hop]

    def to_json(self) -> dict[str, object]:
        """The record as ``paths --format json`` prints it."""
        return asdict(self)


def path_record(path: TransferPath) -> PathRecord:
    """A path as plain data: its chain, country, zone, and each hop with its basis."""
    return PathRecord(list(path.labels), path.country_name, path.zone, path.missing_basis, list(path.hops))


def describe_path(path: PathRecord) -> str:
    """A path on one line, transfer hops annotated with their basis."""
    text = path.chain[0]
    for hop in path.hops:
        text += f" -> {hop.target}"
        if hop.relation.startswith("engages") and hop.basis:
            text += f" [{'!! ' if hop.missing_basis else ''}{hop.basis}]"
    return text


@dataclass(frozen=True)
class Dependency:
    """How much of the estate depends on one organisation."""

    organisation: str
    name: str
    country: str
    services: tuple[str, ...]
    degree: int
    betweenness: float
    cut_vertex: bool

    @property
    def single_point_of_failure(self) -> bool:
        """Shared by several services, or the only link between a service and its recipients."""
        return len(self.services) >= 2 or self.cut_vertex


def concentration(tg: TransferGraph) -> list[Dependency]:
    """Organisations ranked by the number of services that depend on them, then by betweenness.

    A service depends on an organisation when the organisation is its processor or appears in one
    of its chains of sub-processing. Betweenness is computed on the service-organisation graph; a
    cut vertex is an organisation whose removal disconnects that graph.
    """
    import networkx as nx

    deps: nx.DiGraph[str] = nx.DiGraph()
    for a, b in tg.graph.edges():
        kinds = (tg.graph.nodes[a]["kind"], tg.graph.nodes[b]["kind"])
        if kinds in {("service", "organisation"), ("organisation", "organisation")}:
            deps.add_edge(a, b)
    if not deps:
        return []
    betweenness = nx.betweenness_centrality(deps)
    cut_vertices = set(nx.articulation_points(deps.to_undirected()))
    result = []
    for node in deps:
        if tg.graph.nodes[node]["kind"] != "organisation":
            continue
        services = {d["service"] for _, _, d in tg.graph.in_edges(node, data=True)}
        countries = [tg.label(b) for _, b, d in tg.graph.out_edges(node, data=True) if d["relation"] == "located in"]
        result.append(
            Dependency(
                node,
                tg.label(node),
                countries[0] if countries else "",
                tuple(sorted(tg.label(s) for s in services)),
                deps.degree(node),
                round(betweenness.get(node, 0.0), 4),
                node in cut_vertices,
            )
        )
    result.sort(key=lambda d: (-len(d.services), -d.betweenness, d.name))
    return result
