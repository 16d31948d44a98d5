"""Incremental re-validation: apply what changed in one data file, re-check only what it touches.

A change is the triples a new version of a file removes and adds. The focus nodes whose findings
may change are found by walking the graph from the changed triples' subjects and objects, in both
directions, up to ``DEPTH`` hops (the longest path our shapes read from a focus node), not from
an instance to its class, nor *through* hubs (nodes with more than ``HUB_DEGREE`` triples, such as statuses, template
items or countries, which would otherwise reach everything). When the change's subject is itself
a hub (a country losing its adequacy decision, a template item), every focus node may change and
the whole graph is validated again. Findings of the other focus nodes are kept from the previous
report. tests/test_incremental.py checks the result equals a full run for several kinds of edits.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import rdflib
from rdflib import RDF, BNode, Literal
from rdflib.namespace import SH
from rdflib.term import Node

from . import collector
from . import validate as validation
from .errors import InputError
from .store import KnowledgeGraph
from .store.memory import parse_file
from .vocabulary import GG

DEPTH = 4
HUB_DEGREE = 100
#: a focused run costs about as much per focus node as a full run per hundred triples (generated
#: estates: 1 ms a node, 11 us a triple); a focus larger than that is validated in full (in a small
#: estate, where template items are not yet hubs, one edit can reach most of the graph)
TRIPLES_PER_FOCUS_NODE = 100
#: below this many focus nodes the graph is not even counted (counting 3.85 M triples takes 0.6 s)
SMALL_FOCUS = 400
#: predicates of settings and of the vocabulary's own criteria, which shapes read from anywhere (the
#: validation date, the DPIA criteria and what triggers them): a change to one re-validates everything
GLOBAL_PREDICATES = frozenset(GG[name] for name in ("validationDate", "triggeredBy", "countsTowardsDPIA"))

Triple = tuple[Node, Node, Node]


@dataclass
class Change:
    """Triples removed from and added to the asserted graph by a new version of a file."""

    removed: set[Triple] = field(default_factory=set)
    added: set[Triple] = field(default_factory=set)

    @classmethod
    def between(cls, old: Path | None, new: Path | None) -> Change:
        """The change from one version of a file to another (None: the file is new, or deleted)."""
        before = set(parse_file(Path(old))) if old else set()
        after = set(parse_file(Path(new))) if new else set()
        change = cls(before - after, after - before)
        if any(isinstance(term, BNode) for triple in change.removed | change.added for term in triple):
            raise InputError(
                "the change involves blank nodes, which two parses cannot match; validate in full", str(new or old)
            )
        return change

    def apply(self, graph: KnowledgeGraph) -> None:
        """Remove and add the triples in the graph's store."""
        graph.remove(self.removed)
        graph.add(self.added)

    def nodes(self) -> set[Node]:
        """Resources (not literals) the changed triples mention, predicates excepted."""
        return {term for s, _, o in self.removed | self.added for term in (s, o) if not isinstance(term, Literal)}


def affected_focus(graph: KnowledgeGraph, change: Change) -> set[Node] | None:
    """The nodes whose findings may differ after the change; None when that is every node."""
    subjects = {s for s, _, _ in change.removed | change.added}
    if any(_degree(graph, s) > HUB_DEGREE for s in subjects):
        return None
    if any(p in GLOBAL_PREDICATES for _, p, _ in change.removed | change.added):
        return None
    reached = set(change.nodes())
    frontier = {
        term
        for s, p, o in change.removed | change.added
        for term in (s, o)
        if not isinstance(term, Literal) and not (p == RDF.type and term == o)
    }
    for _ in range(DEPTH):
        step: set[Node] = set()
        for node in frontier:
            neighbours = _neighbours(graph, node)
            if neighbours is None:  # a hub: part of the focus, but not walked through
                continue
            step |= neighbours - reached
        reached |= step
        frontier = step
    # Blank nodes cannot be named in a query; in our data they only build the ontology's lists.
    return {node for node in reached if not isinstance(node, BNode)}


@collector.paused()
def revalidate(
    graph: KnowledgeGraph, previous: validation.ValidationReport, change: Change
) -> validation.ValidationReport:
    """Apply ``change`` to the graph and re-validate what it touches (sparql engine, no inference)."""
    change.apply(graph)
    focus = affected_focus(graph, change)
    if focus is None or (len(focus) > SMALL_FOCUS and len(focus) * TRIPLES_PER_FOCUS_NODE > len(graph)):
        return validation.validate(graph, engine="sparql")
    fresh = validation.validate(graph, engine="sparql", focus=focus)
    # a finding outside the focus keeps its labels: they are read within DEPTH hops of its node
    names = {str(node) for node in focus}
    findings = [f for f in previous.findings if f.focus not in names]  # in report order already
    for finding in fresh.findings:  # few: each put in its place (sorting them all: 0.2 s at 10 000 services)
        bisect.insort(findings, finding, key=validation.finding_order)
    # both report graphs are read only if the merged one is asked for (each is built on demand)
    return validation.ValidationReport(findings, partial(_merged, previous, fresh, focus))


def _merged(
    previous_report: validation.ValidationReport, fresh_report: validation.ValidationReport, focus: set[Node]
) -> rdflib.Graph:
    """The report graph: the previous results outside the focus, and the fresh ones."""
    previous, fresh = previous_report.graph, fresh_report.graph
    kept = rdflib.Graph()
    for result in previous.objects(None, SH.result):
        if previous.value(result, SH.focusNode) not in focus:
            _copy_result(previous, result, kept)
    for result in fresh.objects(None, SH.result):
        _copy_result(fresh, result, kept)
    return _as_report(kept)


def _neighbours(graph: KnowledgeGraph, node: Node) -> set[Node] | None:
    found: set[Node] = set()
    for count, (s, p, o) in enumerate(_incident(graph, node)):
        if count >= HUB_DEGREE:
            return None
        if p == RDF.type:  # a class: its other instances do not depend on this one
            continue
        for term in (s, o):
            if term != node and not isinstance(term, Literal):
                found.add(term)
    return found


def _incident(graph: KnowledgeGraph, node: Node) -> Iterable[Triple]:
    yield from graph.triples((node, None, None))
    yield from graph.triples((None, None, node))


def _degree(graph: KnowledgeGraph, node: Node) -> int:
    count = 0
    for count, _ in enumerate(_incident(graph, node), start=1):
        if count > HUB_DEGREE:
            break
    return count


def _copy_result(source: rdflib.Graph, result: Node, target: rdflib.Graph) -> None:
    for p, o in source.predicate_objects(result):
        target.add((result, p, o))


def _as_report(results: rdflib.Graph) -> rdflib.Graph:
    report = BNode()
    results.add((report, rdflib.RDF.type, SH.ValidationReport))
    subjects = {s for s, _, _ in results if s != report}
    conforms = not any(results.value(s, SH.resultSeverity) == SH.Violation for s in subjects)
    results.add((report, SH.conforms, Literal(conforms)))
    for s in subjects:
        results.add((report, SH.result, s))
    return results
