"""SHACL validation with pyshacl, and findings an auditor can read (grouped, labelled, sourced)."""

from __future__ import annotations

import enum
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import pyshacl
import rdflib
from rdflib import RDF, RDFS, SKOS, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from . import reason, resources
from .errors import InputError
from .store import KnowledgeGraph

GG = rdflib.Namespace("https://w3id.org/gdprgraph/ontology#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
INFERENCE_MODES = ("none", "rdfs", "owlrl")


class Severity(enum.IntEnum):
    """SHACL severities, most serious first."""

    VIOLATION = 0
    WARNING = 1
    INFO = 2

    @classmethod
    def from_iri(cls, iri: Node) -> Severity:
        return {SH.Violation: cls.VIOLATION, SH.Warning: cls.WARNING, SH.Info: cls.INFO}[iri]

    @classmethod
    def parse(cls, name: str) -> Severity:
        try:
            return cls[name.upper()]
        except KeyError:
            raise InputError(f"unknown severity '{name}' (violation, warning, info)") from None


@dataclass(frozen=True)
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
    graph: rdflib.Graph

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
    """Every shapes file of ontology/shapes/ (or the given ones) in one graph."""
    graph = rdflib.Graph()
    for path in paths or resources.shape_files():
        graph.parse(path, format="turtle")
    return graph


def validate(graph: KnowledgeGraph, inference: str = "none",
             shapes: rdflib.Graph | None = None) -> ValidationReport:
    """Validate a graph against the shapes; ``inference`` is none, rdfs or owlrl (our closure)."""
    if inference not in INFERENCE_MODES:
        raise InputError(f"unknown inference '{inference}' ({', '.join(INFERENCE_MODES)})")
    shapes = shapes if shapes is not None else shapes_graph()
    data = graph
    pyshacl_inference = "none"
    if inference == "owlrl":
        data = reason.infer_cached(graph)
    elif inference == "rdfs":
        pyshacl_inference = "rdfs"
    _, report_graph, _ = pyshacl.validate(
        data.graph, shacl_graph=shapes, advanced=True, inference=pyshacl_inference,
        allow_warnings=True, allow_infos=True,
    )
    findings = [_finding(data.graph, shapes, report_graph, result)
                for result in report_graph.objects(None, SH.result)]
    findings.sort(key=lambda f: (f.owner_kind != "service", f.owner_label.casefold(),
                                 Severity[f.severity.upper()], f.line or 0, f.focus_label, f.message,
                                 f.focus, f.shape))
    return ValidationReport(findings, report_graph)


def _label(graph: rdflib.Graph, node: Node) -> str:
    for prop in (SKOS.prefLabel, RDFS.label):
        labels = list(graph.objects(node, prop))
        if labels:
            english = [lab for lab in labels if getattr(lab, "language", None) in ("en", None)]
            return str(sorted(english or labels)[0])
    return graph.namespace_manager.normalizeUri(node) if isinstance(node, URIRef) else str(node)


def _focus_label(graph: rdflib.Graph, focus: Node) -> str:
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
    if (focus, RDF.type, GG.RetentionRule) in graph:
        about = graph.value(focus, GG.appliesToData) or graph.value(focus, GG.forActivity)
        if about is not None:
            return f"retention of {_label(graph, about)}"
    return _label(graph, focus)


def _owner(graph: rdflib.Graph, focus: Node) -> tuple[Node, str]:
    """The service, organisation or policy a finding belongs to, and its kind in words."""
    owner = graph.value(focus, GG.about) or focus
    kinds = [(GG.PrivacyPolicy, "privacy policy"), (URIRef("https://w3id.org/dpv#Service"), "service")]
    for cls, kind in kinds:
        if (owner, RDF.type, cls) in graph:
            return owner, kind
    types = set(graph.objects(owner, RDF.type))
    if types:
        return owner, _label(graph, sorted(types)[0])
    return owner, "node"


def _shape_of(shapes: rdflib.Graph, source_shape: Node) -> Node:
    """The named node shape a (possibly blank) property shape belongs to."""
    parent = shapes.value(None, SH.property, source_shape)
    return parent if parent is not None else source_shape


def _finding(data: rdflib.Graph, shapes: rdflib.Graph, report: rdflib.Graph, result: Node) -> Finding:
    focus = report.value(result, SH.focusNode)
    source_shape = report.value(result, SH.sourceShape)
    component = report.value(result, SH.sourceConstraintComponent)
    node_shape = _shape_of(shapes, source_shape)
    message = report.value(result, SH.resultMessage)
    if component != SH.SPARQLConstraintComponent and shapes.value(source_shape, SH.message):
        message = shapes.value(source_shape, SH.message)
    owner, owner_kind = _owner(data, focus)
    section = data.value(focus, DCT.source)
    document = data.value(data.value(section, DCT.isPartOf), GG.sourceFile) if section else None
    line = data.value(focus, GG.sourceLine)
    path = report.value(result, SH.resultPath)
    services = _services_concerned(data, owner, owner_kind)
    return Finding(
        severity=Severity.from_iri(report.value(result, SH.resultSeverity)).name.lower(),
        article=str(shapes.value(node_shape, GG.gdprArticle) or ""),
        shape=str(shapes.value(node_shape, SH.name) or node_shape),
        message=str(message or ""),
        owner=str(owner),
        owner_label=_label(data, owner),
        owner_kind=owner_kind,
        focus=str(focus),
        focus_label=_focus_label(data, focus),
        path=data.namespace_manager.normalizeUri(path) if isinstance(path, URIRef) else "",
        document=str(document or ""),
        section=str(data.value(section, GG.sectionNumber) or data.value(section, DCT.title) or "")
        if section else "",
        line=int(line) if isinstance(line, Literal) else None,
        services=services,
    )


def _services_concerned(graph: rdflib.Graph, owner: Node, owner_kind: str) -> tuple[str, ...]:
    """The services a finding affects: the service itself, or those that use the organisation."""
    if owner_kind == "service":
        return (_label(graph, owner),)
    users = {graph.value(engagement, GG.about) for engagement in graph.subjects(GG.subProcessor, owner)}
    users |= set(graph.subjects(URIRef("https://w3id.org/dpv#hasDataProcessor"), owner))
    return tuple(sorted(_label(graph, s) for s in users if s is not None))


def as_text(report: ValidationReport, minimum: Severity = Severity.INFO) -> str:
    """The report for a human: a summary, then findings grouped by service, organisation or policy."""
    counts = report.counts()
    shown = report.at_least(minimum)
    verdict = "CONFORMS" if report.conforms else "DOES NOT CONFORM"
    lines = [
        f"Validation: {verdict} - {counts['violation']} violation(s), {counts['warning']} warning(s), "
        f"{counts['info']} info",
        "(violation: a requirement is not met; warning: incomplete or not yet valid, to follow up; "
        "info: to document)",
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
    return json.dumps({
        "conforms": report.conforms,
        "counts": report.counts(),
        "findings": [asdict(f) for f in report.at_least(minimum)],
    }, ensure_ascii=False, indent=2, sort_keys=False)


def as_turtle(report: ValidationReport) -> str:
    """The standard SHACL validation report graph."""
    return report.graph.serialize(format="turtle")
