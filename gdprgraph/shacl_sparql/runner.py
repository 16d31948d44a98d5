"""Running compiled constraints through a ``KnowledgeGraph`` into a validation report graph like pyshacl's."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass

import rdflib
from rdflib import RDF, BNode, Literal
from rdflib.namespace import SH
from rdflib.term import Identifier, Node

from .. import parallel
from ..store import KnowledgeGraph
from ..vocabulary import RDF_TERMS, SH_TERMS
from .compiler import CompiledConstraint

#: Focus nodes per VALUES block when ``run`` is restricted to some focus nodes.
FOCUS_CHUNK = 400


def run(
    graph: KnowledgeGraph,
    compiled: Iterable[CompiledConstraint],
    focus: Collection[Node] | None = None,
    *,
    allow_warnings: bool = True,
    allow_infos: bool = True,
    threads: int | None = None,
) -> rdflib.Graph:
    """Run compiled constraints; return a SHACL validation report graph shaped like pyshacl's.

    ``focus`` restricts the check to those focus nodes (IRIs). ``allow_warnings`` / ``allow_infos``
    set sh:conforms as pyshacl's options do (validate.py passes both). ``threads``: how many
    constraints run at once (``default_threads`` when None); the report is the same for any number.
    """
    return run_results(
        graph, compiled, focus, allow_warnings=allow_warnings, allow_infos=allow_infos, threads=threads
    ).graph()


@dataclass(frozen=True, slots=True)
class _Result:
    """One sh:ValidationResult, held as its values (an estate has tens of thousands): its triples,
    and the blank node they describe, are made when a report graph is asked for."""

    constraint: CompiledConstraint
    focus: Node
    value: Node | None
    path: Node | None
    messages: tuple[Literal, ...]

    def triples(self, node: BNode) -> list[tuple[Node, Node, Node]]:
        """The result's triples, as pyshacl's ConstraintComponent.make_v_result builds them."""
        constraint = self.constraint
        triples: list[tuple[Node, Node, Node]] = [
            (node, RDF_TERMS.type, SH_TERMS.ValidationResult),
            (node, SH_TERMS.sourceConstraintComponent, constraint.component),
            (node, SH_TERMS.sourceShape, constraint.source_shape),
            (node, SH_TERMS.resultSeverity, constraint.severity),
            (node, SH_TERMS.focusNode, self.focus),
        ]
        if self.value is not None:
            triples.append((node, SH_TERMS.value, self.value))
        if self.path is not None:
            triples.append((node, SH_TERMS.resultPath, self.path))
        if constraint.source_constraint is not None:
            triples.append((node, SH_TERMS.sourceConstraint, constraint.source_constraint))
        triples += [(node, SH_TERMS.resultMessage, message) for message in self.messages]
        return triples

    @property
    def facts(self) -> dict[Node, Node]:
        """The result's properties (one value each: the last of a repeated one, as dict() keeps)."""
        return {p: o for _, p, o in self.triples(_NO_NODE)}


_NO_NODE = BNode("result")  # the subject of the triples ``facts`` reads (and drops)


@dataclass
class RunResults:
    """The results of a run, before they become a report graph (built only when asked for)."""

    results: list[_Result]
    conforms: bool
    #: the shapes graphs of every constraint run (their prefixes are the report's)
    shapes: list[rdflib.Graph]

    def graph(self) -> rdflib.Graph:
        """The SHACL validation report graph, shaped like pyshacl's."""
        report = rdflib.Graph()
        report.bind("sh", SH)
        root = BNode()
        report.add((root, RDF.type, SH.ValidationReport))
        for shapes in self.shapes:
            for prefix, namespace in shapes.namespaces():
                report.bind(prefix, namespace, override=False)
        cloned: set[Node] = set()
        for result in self.results:
            constraint = result.constraint
            result_node = BNode()
            report.add((root, SH.result, result_node))
            for triple in result.triples(result_node):
                report.add(triple)
            for node in (constraint.source_shape, constraint.source_constraint):
                if isinstance(node, BNode) and node not in cloned and constraint.shapes is not None:
                    _copy_blank(constraint.shapes, node, report, cloned)
        report.add((root, SH.conforms, Literal(self.conforms)))
        return report


def run_results(
    graph: KnowledgeGraph,
    compiled: Iterable[CompiledConstraint],
    focus: Collection[Node] | None = None,
    *,
    allow_warnings: bool = True,
    allow_infos: bool = True,
    threads: int | None = None,
    each: Callable[[list[_Result]], None] | None = None,
) -> RunResults:
    """Run compiled constraints; return their results (the arguments are those of ``run``).

    ``each`` is called in this thread with the results of every constraint, in the constraints'
    order, as soon as they are found: what it does in Python (validate builds its findings) runs
    while the store evaluates the next constraints on other threads.
    """
    allowed = {SH.Info} if allow_infos else set()
    if allow_warnings:
        allowed |= {SH.Info, SH.Warning}
    compiled = list(compiled)
    threads = threads or default_threads(graph)
    guards = _Answers()  # the answers of the constraints' guards (shared sub-selects: asked once)
    per_constraint: Iterator[list[_Result]]
    if focus is None:
        per_constraint = parallel.in_order(threads, lambda c: _results(graph, c, None, guards), compiled)
    else:
        # first which of the nodes each shape targets (once per shape), then each constraint on those
        nodes = sorted(set(focus), key=str)
        firsts = list({c.targets_template: c for c in compiled}.values())
        found = parallel.in_order(threads, lambda c: _targeted(graph, c, nodes), firsts)
        targeted = {c.targets_template: nodes for c, nodes in zip(firsts, found, strict=True)}
        per_constraint = parallel.in_order(
            threads,
            lambda c: [r for chunk in _chunks(targeted[c.targets_template]) for r in _results(graph, c, chunk, guards)],
            compiled,
        )
    results = []
    for found_results in per_constraint:  # in the constraints' order
        if each is not None:
            each(found_results)
        results.extend(found_results)
    shapes = list({id(c.shapes): c.shapes for c in compiled if c.shapes is not None}.values())
    return RunResults(results, all(r.constraint.severity in allowed for r in results), shapes)


def default_threads(graph: KnowledgeGraph) -> int:
    """How many constraints run at once on this graph's store (parallel.threads_for)."""
    return parallel.threads_for(graph.concurrent_reads)


def _chunks(nodes: list[Node]) -> list[list[Node]]:
    return [nodes[i : i + FOCUS_CHUNK] for i in range(0, len(nodes), FOCUS_CHUNK)]


def _targeted(graph: KnowledgeGraph, constraint: CompiledConstraint, nodes: list[Node]) -> list[Node]:
    """Those of the nodes the constraint's shape targets."""
    found: set[Node] = set()
    for chunk in _chunks(nodes):
        found.update(row.term("this") for row in graph.query(constraint.targets(chunk)))
    return sorted(found, key=str)


class _Answers:
    """The answers of ASK queries in a run, each asked once even by constraints running at once
    (the three "two sources" shapes share one guard: asked twice, it cost 1 s at 10 000 services)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: dict[str, Future[bool]] = {}

    def ask(self, graph: KnowledgeGraph, query: str) -> bool:
        with self._lock:
            answer = self._answers.get(query)
            mine = answer is None
            if answer is None:
                answer = self._answers[query] = Future()
        if mine:
            try:
                answer.set_result(bool(graph.query(query).askAnswer))
            except BaseException as err:
                answer.set_exception(err)
                raise
        return answer.result()


def _guards_hold(
    graph: KnowledgeGraph, constraint: CompiledConstraint, focus: list[Node] | None, asked: _Answers
) -> bool:
    """Whether every sub-select the constraint's query joins has a solution (else it has no row)."""
    return all(asked.ask(graph, guard) for guard in constraint.guards(focus))


def _results(
    graph: KnowledgeGraph, constraint: CompiledConstraint, focus: list[Node] | None, guards: _Answers
) -> list[_Result]:
    """The constraint's results, in one order for the same data: the store's order of solutions
    may change from one evaluation to the next (its hash tables are seeded per query)."""
    return sorted(_found(graph, constraint, focus, guards), key=_result_order)


def _result_order(result: _Result) -> tuple[str, str, str, tuple[str, ...]]:
    return (
        str(result.focus),
        "" if result.path is None else str(result.path),
        "" if result.value is None else str(result.value),
        tuple(str(message) for message in result.messages),
    )


def _found(
    graph: KnowledgeGraph, constraint: CompiledConstraint, focus: list[Node] | None, guards: _Answers
) -> Iterator[_Result]:
    if not _guards_hold(graph, constraint, focus, guards):
        return
    seen: set[tuple[Identifier, Identifier | None, Identifier | None, tuple[tuple[str, Identifier], ...]]] = set()
    for row in graph.query(constraint.query(focus)):
        values = row.asdict()
        this = values.pop("this", None)
        path = values.pop("path", None)
        value = values.pop("value", None)
        values.pop("failure", None)
        if this is None:
            continue
        key = (this, path, value, tuple(sorted(values.items())))
        if key in seen:  # pyshacl keeps one result per (this, path, value, other variables)
            continue
        seen.add(key)
        yield _result(constraint, this, path, value, values)


def _result(
    constraint: CompiledConstraint, this: Node, path: Node | None, value: Node | None, variables: Mapping[str, Node]
) -> _Result:
    """One sh:ValidationResult's values, as pyshacl's ConstraintComponent.make_v_result sets them."""
    if value is None and constraint.path is None:
        value = this  # a node shape's own constraints report the focus node as the value
    messages: tuple[Literal, ...]
    if constraint.component == SH.SPARQLConstraintComponent:
        # {?var} / {$var} placeholders: the other variables of the row, then this, path, value
        bound = {**variables, "this": this}
        if path is not None:
            bound["path"] = path
        if value is not None:
            bound["value"] = value
        own = [m for m in constraint.constraint_messages if m not in constraint.messages]
        messages = tuple(Literal(_format_message(str(m.value), bound)) for m in [*own, *constraint.messages])
    else:
        messages = tuple(constraint.messages)  # core components: the shape's sh:message, as written
    return _Result(constraint, this, value, path if path is not None else constraint.path, messages)


def _format_message(message: str, bound: dict[str, Node]) -> str:
    """{?var} and {$var} replaced by the bound values, as pyshacl does (re.sub, in that order)."""
    for name, term in bound.items():
        message = re.sub("{[?$]" + name + "}", str(term), message)
    return message


def _copy_blank(source: rdflib.Graph, node: BNode, target: rdflib.Graph, done: set[Node]) -> None:
    """Copy a blank node's description (recursively through blank objects), keeping its id."""
    done.add(node)
    for predicate, obj in source.predicate_objects(node):
        target.add((node, predicate, obj))
        if isinstance(obj, BNode) and obj not in done:
            _copy_blank(source, obj, target, done)


def explain(compiled: Iterable[CompiledConstraint]) -> str:
    """Every compiled query, for reading."""
    return "\n\n".join(f"### {c.describe()}\n{c.sparql}" for c in compiled)
