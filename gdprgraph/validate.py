"""SHACL validation with pyshacl, and findings an auditor can read (grouped, labelled, sourced)."""

from __future__ import annotations

import enum
import functools
import json
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

import rdflib
from rdflib import RDF, RDFS, SKOS, Literal, URIRef
from rdflib.namespace import SH, NamespaceManager
from rdflib.term import Identifier, Node

from . import collector, resources
from .backends import backend_for
from .errors import InputError
from .labels import label_of
from .store import DatasetGraph, KnowledgeGraph
from .store.oxigraph import OxigraphDataset
from .vocabulary import DCT_TERMS, DPV, GG, RDF_TERMS, SH_TERMS

if TYPE_CHECKING:
    from . import shacl_sparql
    from .workspace import Workspace

INFERENCE_MODES = ("none", "rdfs", "owlrl")
#: sparql: the shapes compiled to SPARQL and run in the store (shacl_sparql); pyshacl: the reference
ENGINES = ("sparql", "pyshacl")


class Severity(enum.IntEnum):
    """SHACL severities, most serious first."""

    VIOLATION = 0
    WARNING = 1
    INFO = 2

    @classmethod
    def from_iri(cls, iri: Node) -> Severity:
        return _SEVERITIES[iri]

    @classmethod
    def parse(cls, name: str) -> Severity:
        try:
            return cls[name.upper()]
        except KeyError:
            raise InputError(f"unknown severity '{name}' (violation, warning, info)") from None


_SEVERITIES: dict[Node, Severity] = {
    SH.Violation: Severity.VIOLATION,
    SH.Warning: Severity.WARNING,
    SH.Info: Severity.INFO,
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One validation result, resolved to human labels and to the document that states the fact."""

    severity: str
    article: str
    shape: str
    message: str
    owner: str
    owner_label: str
    owner_kind: str
    focus: str
    focus_label: str
    path: str
    document: str
    section: str
    line: int | None
    services: tuple[str, ...] = ()


@dataclass
class ValidationReport:
    """Findings, the SHACL report graph, and whether the data conforms (no violation)."""

    findings: list[Finding]
    #: the SHACL report graph, or how to build it when first asked for (an incremental run)
    graph_source: rdflib.Graph | Callable[[], rdflib.Graph] = field(repr=False)

    @functools.cached_property
    def graph(self) -> rdflib.Graph:
        """The SHACL validation report graph."""
        source = self.graph_source
        return source if isinstance(source, rdflib.Graph) else source()

    @property
    def conforms(self) -> bool:
        return not any(f.severity == "violation" for f in self.findings)

    def counts(self) -> dict[str, int]:
        counts = {s.name.lower(): 0 for s in Severity}
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts

    def at_least(self, severity: Severity) -> list[Finding]:
        """Findings of this severity or more serious."""
        return [f for f in self.findings if Severity[f.severity.upper()] <= severity]


def shapes_graph(paths: Sequence[Path] | None = None) -> rdflib.Graph:
    """Every shapes file of ontology/shapes/ (or the given ones) in one graph; the default one is
    parsed once per process and shared (reports refer to its blank nodes): do not modify it."""
    if paths is None:
        return _default_shapes()
    return _parse_shapes(paths)


@functools.cache
def _default_shapes() -> rdflib.Graph:
    return _parse_shapes(resources.shape_files())


def _parse_shapes(paths: Sequence[Path]) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


@collector.paused()
def validate(
    graph: KnowledgeGraph | Workspace,
    inference: str = "none",
    shapes: rdflib.Graph | None = None,
    engine: str | None = None,
    focus: Collection[Node] | None = None,
) -> ValidationReport:
    """Validate a graph (or a Workspace's graph) against the shapes.

    ``inference`` is none, rdfs (pyshacl only) or owlrl (our closure). ``engine`` is pyshacl (the
    reference; the default for an rdflib graph) or sparql (the shapes compiled to SPARQL and run in
    the store; the default for every other store). ``focus`` restricts a sparql run to some focus
    nodes (incremental re-validation).
    """
    if inference not in INFERENCE_MODES:
        raise InputError(f"unknown inference '{inference}' ({', '.join(INFERENCE_MODES)})")
    data = _data_graph(graph, inference)
    if focus is None:
        check_has_records(data)
    engine = engine or backend_for(data.backend_spec).default_validator
    if engine not in ENGINES:
        raise InputError(f"unknown validation engine '{engine}' ({', '.join(ENGINES)})")
    shapes = shapes if shapes is not None else shapes_graph()
    if engine == "pyshacl":
        if focus is not None:
            raise InputError("a focus restriction needs the sparql engine")
        import pyshacl  # the reference engine, imported only when asked for

        _, report_graph, _ = pyshacl.validate(
            data.to_rdflib(),
            shacl_graph=shapes,
            advanced=True,
            inference="rdfs" if inference == "rdfs" else "none",
            allow_warnings=True,
            allow_infos=True,
        )
    else:
        if inference == "rdfs":
            raise InputError("--inference rdfs needs --engine pyshacl (the sparql engine offers none or owlrl)")
        from . import shacl_sparql

        # findings are built from each constraint's results while the next constraints run; the
        # report graph is built only if someone asks for it
        finding = _FindingMaker(data, shapes)
        findings: list[Finding] = []
        run = shacl_sparql.run_results(
            data, compiled_shapes(shapes), focus, each=lambda found: findings.extend(finding(r.facts) for r in found)
        )
        return ValidationReport(sorted_findings(findings), run.graph)
    return report_from(data, shapes, report_graph)


def check_has_records(data: KnowledgeGraph) -> None:
    """InputError if the data hold no record of a kind the shapes check: validating nothing is no
    evidence of conformance (an empty or wrong file would otherwise pass as CONFORMS)."""
    if not data.internal("any-record").rows:
        ours = {p.resolve() for p in [*resources.ontology_files(), *resources.reference_files()]}
        files = [str(p) for p in data.sources if Path(p).resolve() not in ours] or ["the data"]
        raise InputError(
            "no record to validate: the data hold no service, template line, sub-processor, "
            "organisation, policy, activity or retention rule",
            ", ".join(files),
        )


def _data_graph(graph: KnowledgeGraph | Workspace, inference: str) -> KnowledgeGraph:
    """The graph the shapes see: the asserted one, or its closure for owlrl."""
    if isinstance(graph, KnowledgeGraph):
        return backend_for(graph.backend_spec).closure_of(graph) if inference == "owlrl" else graph
    return graph.inferred if inference == "owlrl" else graph.asserted


_COMPILED: dict[int, list[shacl_sparql.CompiledConstraint]] = {}


def compiled_shapes(shapes: rdflib.Graph) -> list[shacl_sparql.CompiledConstraint]:
    """The shapes compiled to SPARQL, once per shapes graph."""
    from . import shacl_sparql

    key = id(shapes)
    if key not in _COMPILED:
        _COMPILED.clear()
        _COMPILED[key] = shacl_sparql.compile_shapes(shapes)
    return _COMPILED[key]


def report_from(
    data: KnowledgeGraph, shapes: rdflib.Graph, report: rdflib.Graph | shacl_sparql.RunResults
) -> ValidationReport:
    """Findings (labelled, sourced, sorted) from a SHACL validation report graph, or from the
    results of a compiled run (whose report graph is then built on demand)."""
    if isinstance(report, rdflib.Graph):
        results = [dict(report.predicate_objects(r)) for r in report.objects(None, SH.result)]
        source: rdflib.Graph | Callable[[], rdflib.Graph] = report
    else:
        results, source = [r.facts for r in report.results], report.graph
    finding = _FindingMaker(data, shapes)
    return ValidationReport(sorted_findings(finding(facts) for facts in results), source)


class _FindingMaker:
    """Findings from results' properties, the graph reads they share (services, items,
    organisations) made once."""

    def __init__(self, data: KnowledgeGraph, shapes: rdflib.Graph) -> None:
        self.reads = _MemoisedReads(data, _context_names(data))
        self.shape_reads = _MemoisedReads(shapes)
        # one copy of each text findings repeat (a document, a shape, a service's name): a large
        # estate's report holds tens of thousands of findings
        self.texts: dict[str, str] = {}

    def __call__(self, facts: Mapping[Node, Node]) -> Finding:
        return _finding(self.reads, self.shape_reads, facts, self.texts)


def _context_names(data: KnowledgeGraph) -> Callable[[], KnowledgeGraph] | None:
    """The embedded data/, when the validated files are others: a file imported against data/ (a
    vendor's list for one of its services) points to services and organisations it does not
    describe; findings name them, and know their kind, from data/ (see _MemoisedReads). Loaded the
    first time a finding needs a name its data do not give."""
    given = {Path(p).resolve() for p in data.sources}
    context = {p.resolve() for p in [*resources.ontology_files(), *resources.default_data_files()]}
    return _embedded_graph if given - context else None


@functools.cache
def _embedded_graph() -> KnowledgeGraph:
    graph = DatasetGraph(OxigraphDataset(), ["urn:gdprgraph:embedded"])
    graph.load_files(resources.ontology_files() + resources.default_data_files())
    return graph


#: what a finding may read from the context when the validated data do not say it
_NAMING = (SKOS.prefLabel, RDFS.label, RDF.type)


_Pattern = tuple[Node | None, Node | None, Node | None]
_Triple = tuple[Node, Node, Node]
_K = TypeVar("_K")
_V = TypeVar("_V")


class _Reads(Protocol):
    """What findings read of a graph: a KnowledgeGraph, an rdflib Graph (shapes), or _MemoisedReads."""

    @property
    def namespace_manager(self) -> NamespaceManager: ...
    def value(self, subject: Node, predicate: Node) -> Node | None: ...
    def objects(self, subject: Node, predicate: Node) -> Iterable[Node]: ...
    def triples(self, pattern: _Pattern) -> Iterable[_Triple]: ...
    def __contains__(self, triple: _Triple) -> bool: ...


def _once(answers: dict[_K, _V], key: _K, compute: Callable[[], _V]) -> _V:
    if key not in answers:
        answers[key] = compute()
    return answers[key]


class _MemoisedReads:
    """The reads findings make of a graph (value, objects, triples, membership), each asked once.

    With ``names`` (a graph, asked for when needed): a node's labels (or types) are read from it
    when the graph holds none.
    """

    def __init__(self, graph: _Reads, names: Callable[[], KnowledgeGraph] | None = None) -> None:
        self.graph = graph
        self.names = names
        self.namespace_manager = graph.namespace_manager
        self._values: dict[tuple[Node, Node], Node | None] = {}
        self._objects_of: dict[tuple[Node, Node], list[Node]] = {}
        self._matches: dict[_Pattern, list[_Triple]] = {}
        self._has: dict[_Triple, bool] = {}

    def value(self, subject: Node, predicate: Node) -> Node | None:
        key = (subject, predicate)  # (a dict lookup first: 150 000 reads for the findings of 2 500 services)
        if key in self._values:
            return self._values[key]
        found = self._values[key] = self.graph.value(subject, predicate)
        return found

    def objects(self, subject: Node, predicate: Node) -> list[Node]:
        key = (subject, predicate)
        if key in self._objects_of:
            return self._objects_of[key]
        found = self._objects_of[key] = self._objects(subject, predicate)
        return found

    def _objects(self, subject: Node, predicate: Node) -> list[Node]:
        found = list(self.graph.objects(subject, predicate))
        if not found and self.names is not None and predicate in _NAMING:
            found = list(self.names().objects(subject, predicate))
        return found

    def triples(self, pattern: _Pattern) -> list[_Triple]:
        return _once(self._matches, pattern, lambda: list(self.graph.triples(pattern)))

    def __contains__(self, triple: _Triple) -> bool:
        return _once(
            self._has,
            triple,
            lambda: (
                triple in self.graph
                or (self.names is not None and triple[1] == RDF.type and triple[2] in self.objects(triple[0], RDF.type))
            ),
        )


def finding_order(f: Finding) -> tuple[bool, str, Severity, int, str, str, str, str]:
    """Where a finding stands in a report: services first, by name, then severity, line and focus."""
    return (
        f.owner_kind != "service",
        f.owner_label.casefold(),
        Severity[f.severity.upper()],
        f.line or 0,
        f.focus_label,
        f.message,
        f.focus,
        f.shape,
    )


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in report order (finding_order)."""
    return sorted(findings, key=finding_order)


def _label(graph: _Reads, node: Node) -> str:
    """The rule of labels.display_name; a node without a name shows as a CURIE (``gg:Supplier``), as shapes
    name it (computed only then: normalizeUri may bind a prefix)."""
    found = label_of(graph, node)
    if found is not None:
        return found
    return graph.namespace_manager.normalizeUri(node) if isinstance(node, URIRef) else str(node)


def _focus_label(graph: _Reads, focus: Node) -> str:
    """What a focus node is, in words: a template line by its item, an engagement by its organisation."""
    item = graph.value(focus, GG.answers)
    if item is not None:
        return _label(graph, item)
    sub = graph.value(focus, GG.subProcessor)
    if sub is not None:
        return f"sub-processor {_label(graph, sub)}"
    instrument = graph.value(focus, GG.instrument)
    if instrument is not None:
        return _label(graph, instrument)
    if (focus, RDF_TERMS.type, GG.RetentionRule) in graph:
        about = graph.value(focus, GG.appliesToData) or graph.value(focus, GG.forActivity)
        if about is not None:
            return f"retention of {_label(graph, about)}"
    return _label(graph, focus)


def _owner(graph: _Reads, focus: Node) -> tuple[Node, str]:
    """The service, organisation or policy a finding belongs to, and its kind in words."""
    owner = graph.value(focus, GG.about) or focus
    kinds = [(GG.PrivacyPolicy, "privacy policy"), (DPV.Service, "service")]
    for cls, kind in kinds:
        if (owner, RDF_TERMS.type, cls) in graph:
            return owner, kind
    types = {t for t in graph.objects(owner, RDF_TERMS.type) if isinstance(t, Identifier)}  # terms, rdflib's order
    if types:
        return owner, _label(graph, sorted(types)[0])
    return owner, "node"


def _shape_of(shapes: _Reads, source_shape: Node) -> Node:
    """The named node shape a (possibly blank) property shape belongs to."""
    owners = list(shapes.triples((None, SH.property, source_shape)))
    return owners[0][0] if owners else source_shape


def _finding(data: _Reads, shapes: _Reads, facts: Mapping[Node, Node], texts: dict[str, str] | None = None) -> Finding:
    """One finding from the properties of one sh:ValidationResult (``texts``: the copies of texts
    other findings hold, to share)."""
    shared = (lambda text: text) if texts is None else (lambda text: texts.setdefault(text, text))
    focus = facts.get(SH_TERMS.focusNode)
    source_shape = facts.get(SH_TERMS.sourceShape)
    if focus is None or source_shape is None:  # SHACL: every result has both
        raise ValueError("a validation result without sh:focusNode or sh:sourceShape")
    component = facts.get(SH_TERMS.sourceConstraintComponent)
    node_shape = _shape_of(shapes, source_shape)
    message = facts.get(SH_TERMS.resultMessage)
    if component != SH_TERMS.SPARQLConstraintComponent and shapes.value(source_shape, SH_TERMS.message):
        message = shapes.value(source_shape, SH_TERMS.message)
    owner, owner_kind = _owner(data, focus)
    section = data.value(focus, DCT_TERMS.source)
    part_of = data.value(section, DCT_TERMS.isPartOf) if section else None
    document = data.value(part_of, GG.sourceFile) if part_of is not None else None
    line = data.value(focus, GG.sourceLine)
    path = facts.get(SH_TERMS.resultPath)
    services = _services_concerned(data, owner, owner_kind)
    return Finding(
        severity=shared(Severity.from_iri(facts[SH_TERMS.resultSeverity]).name.lower()),
        article=shared(str(shapes.value(node_shape, GG.gdprArticle) or "")),
        shape=shared(str(shapes.value(node_shape, SH_TERMS.name) or node_shape)),
        message=shared(str(message or "")),
        owner=shared(str(owner)),
        owner_label=shared(_label(data, owner)),
        owner_kind=shared(owner_kind),
        focus=str(focus),
        focus_label=shared(_focus_label(data, focus)),
        path=shared(data.namespace_manager.normalizeUri(path)) if isinstance(path, URIRef) else "",
        document=shared(str(document or "")),
        section=shared(str(data.value(section, GG.sectionNumber) or data.value(section, DCT_TERMS.title) or ""))
        if section
        else "",
        line=int(line) if isinstance(line, Literal) else None,
        services=tuple(shared(name) for name in services),
    )


def _services_concerned(graph: _Reads, owner: Node, owner_kind: str) -> tuple[str, ...]:
    """The services a finding affects: the service itself, or those that use the organisation."""
    if owner_kind == "service":
        return (_label(graph, owner),)
    users = {graph.value(engagement, GG.about) for engagement, _, _ in graph.triples((None, GG.subProcessor, owner))}
    users |= {s for s, _, _ in graph.triples((None, DPV.hasDataProcessor, owner))}
    return tuple(sorted(_label(graph, s) for s in users if s is not None))


def as_text(report: ValidationReport, minimum: Severity = Severity.INFO) -> str:
    """The report for a human: a summary, then findings grouped by service, organisation or policy."""
    counts = report.counts()
    shown = report.at_least(minimum)
    verdict = "CONFORMS" if report.conforms else "DOES NOT CONFORM"
    lines = [
        f"Validation: {verdict} - {counts['violation']} violation(s), {counts['warning']} warning(s), "
        f"{counts['info']} info",
        "(violation: a requirement is not met; warning: incomplete or not yet valid, to follow up; info: to document)",
    ]
    current = None
    for finding in shown:
        if finding.owner != current:
            current = finding.owner
            lines += ["", f"{finding.owner_label} ({finding.owner_kind})"]
            if finding.owner_kind != "service" and finding.services:
                lines.append(f"  affects: {'; '.join(finding.services)}")
        where = ""
        if finding.document:
            where = f"  [{finding.document}, section {finding.section}"
            where += f", line {finding.line}]" if finding.line else "]"
        lines.append(f"  {finding.severity.upper():9s} {finding.focus_label}: {finding.message}{where}")
    if len(shown) < len(report.findings):
        hidden = len(report.findings) - len(shown)
        lines += ["", f"({hidden} finding(s) below {minimum.name.lower()} not shown)"]
    return "\n".join(lines)


def as_json(report: ValidationReport, minimum: Severity = Severity.INFO) -> str:
    """A stable JSON document for tools: conforms, counts, findings (sorted)."""
    return json.dumps(
        {
            "conforms": report.conforms,
            "counts": report.counts(),
            "findings": [asdict(f) for f in report.at_least(minimum)],
        },
        ensure_ascii=False,
        indent=2,
        sort_keys=False,
    )


def as_turtle(report: ValidationReport) -> str:
    """The standard SHACL validation report graph."""
    return report.graph.serialize(format="turtle")
