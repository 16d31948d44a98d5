"""Oxigraph (pyoxigraph) as a Dataset: fast parsing, storage and SPARQL, in memory or on disk."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.term import Node

from .. import memory as process_memory  # the process's (memory.py), not the rdflib store (.memory)
from .. import parallel
from ..errors import InputError
from .binding import Bindings, inline_values
from .dataset import Dataset, Generation
from .memory import parse_file
from .results import Results
from .terms import OxTerm, predicate_to_oxigraph, subject_to_oxigraph, to_oxigraph, to_rdflib

FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".n3": ox.RdfFormat.N3,
}


class OxigraphDataset(Dataset):
    """An Oxigraph store; ``path`` None keeps it in memory, else it persists in that folder."""

    concurrent_reads = True  # pyoxigraph evaluates a query without holding Python's lock

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.location = str(self.path) if self.path else "memory"
        try:
            self.store = ox.Store(str(self.path)) if self.path else ox.Store()
        except OSError as err:
            raise InputError(f"cannot open the Oxigraph store: {err}", self.location) from err

    def query(self, sparql: str, bindings: Bindings | None, graphs: Sequence[str]) -> Results:
        # Oxigraph's own substitutions only accept projected variables; a VALUES block opening the
        # WHERE group binds any variable, and is what remote servers get too (same semantics).
        with parallel.evaluating():  # its evaluation, and its rows read, in one of the process's slots
            answer = _as_result(self._query(inline_values(sparql, bindings), graphs))
        process_memory.give_back(process_memory.AFTER_QUERY)  # what its evaluation freed (if the process grew)
        return answer

    def _query(self, text: str, graphs: Sequence[str]) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        return self.store.query(text, default_graph=[_graph_node(g) for g in graphs] or None)

    def update(self, sparql: str) -> None:
        self.store.update(sparql)

    def load_file(self, path: Path, graph: str) -> None:
        if not path.is_file():
            raise InputError("no such file", str(path))
        fmt = FORMATS.get(path.suffix.lower(), ox.RdfFormat.TURTLE)
        if fmt == ox.RdfFormat.JSON_LD:
            from ..untrusted import check_jsonld_offline

            check_jsonld_offline(path)  # a remote @context would be fetched: refuse it, we work offline
        try:
            self.store.load(path=str(path), format=fmt, to_graph=ox.NamedNode(graph))
        except SyntaxError as err:
            # rdflib's parser words most errors better ("newline found in string literal" where
            # Oxigraph says "unexpected end of file"): on this error path, ask it too.
            parse_file(path)
            line = getattr(err, "lineno", None)
            detail = re.sub(r"^Parser error between .*?: ", "", str(err.msg)).split(" (")[0]
            raise InputError(f"invalid {fmt.name.lower()}: {detail}", str(path), line) from err
        except (OSError, ValueError) as err:
            raise InputError(f"cannot read ({err})", str(path)) from err

    def insert(self, triples: Iterable[tuple[Node, Node, Node]], graph: str) -> None:
        target = ox.NamedNode(graph)
        self.store.extend(
            ox.Quad(subject_to_oxigraph(s), predicate_to_oxigraph(p), to_oxigraph(o), target) for s, p, o in triples
        )

    def remove(self, triples: Iterable[tuple[Node, Node, Node]], graph: str) -> None:
        target = ox.NamedNode(graph)
        for s, p, o in triples:
            self.store.remove(ox.Quad(subject_to_oxigraph(s), predicate_to_oxigraph(p), to_oxigraph(o), target))

    def count(self, graphs: Sequence[str]) -> int:
        text = (
            "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
            if len(graphs) == 1
            else "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }"
        )
        with parallel.evaluating():  # a count over several graphs holds every distinct triple
            return int(next(solutions(self._query(text, graphs)))["n"].value)

    def drop(self, graph: str) -> None:
        node = ox.NamedNode(graph)
        if self.store.contains_named_graph(node):
            self.store.remove_graph(node)

    def triples(
        self, pattern: tuple[Node | None, Node | None, Node | None], graphs: Sequence[str]
    ) -> Iterator[tuple[Node, Node, Node]]:
        s = subject_to_oxigraph(pattern[0]) if pattern[0] is not None else None
        p = predicate_to_oxigraph(pattern[1]) if pattern[1] is not None else None
        o = to_oxigraph(pattern[2]) if pattern[2] is not None else None
        if len(graphs) == 1:  # the usual case (findings read a graph this way 100 000 times)
            for quad in self.store.quads_for_pattern(s, p, o, _graph_node(graphs[0])):
                yield to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)
            return
        seen: set[tuple[ox.NamedNode | ox.BlankNode | ox.Triple, ox.NamedNode, OxTerm]] = set()
        for graph in graphs:
            for quad in self.store.quads_for_pattern(s, p, o, _graph_node(graph)):
                triple = (quad.subject, quad.predicate, quad.object)
                if triple in seen:
                    continue
                seen.add(triple)
                yield to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)

    def copy_from(self, other: OxigraphDataset) -> None:
        """Add every quad of another Oxigraph store (one bulk write; graphs keep their names)."""
        self.store.bulk_extend(other.store.quads_for_pattern(None, None, None, None))

    def dump(self, graph: str) -> bytes:
        data = self.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph))
        if data is None:  # pragma: no cover - Oxigraph returns the bytes when given no output
            raise TypeError("Oxigraph gave no dump")
        return data

    def load_ntriples(self, data: bytes, graph: str) -> None:
        """Add N-Triples bytes to a named graph."""
        self.store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph))


@functools.lru_cache(maxsize=256)
def _graph_node(graph: str) -> ox.NamedNode:
    """A graph's name as an Oxigraph term (made once: Oxigraph checks the IRI each time)."""
    return ox.NamedNode(graph)


def solutions(answer: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> ox.QuerySolutions:
    """The answer of a SELECT (TypeError for another form's)."""
    if not isinstance(answer, ox.QuerySolutions):
        raise TypeError(f"not the answer of a SELECT: {answer!r}")
    return answer


def _as_result(answer: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> Results:
    """An Oxigraph answer as Results (rows of rdflib terms).

    The answer is read whole and let go before its terms become rdflib's: rdflib logs an
    ill-typed literal with its traceback, whose frames would keep the answer alive wherever the
    log record goes (pyoxigraph refuses to free an answer on another thread than the one that
    made it)."""
    if isinstance(answer, ox.QueryBoolean):
        return Results.ask(bool(answer))
    if isinstance(answer, ox.QueryTriples):
        triples = [(triple.subject, triple.predicate, triple.object) for triple in answer]
        del answer
        graph = rdflib.Graph()
        for s, p, o in triples:
            graph.add((to_rdflib(s), to_rdflib(p), to_rdflib(o)))
        return Results.triples(graph)
    # a solution iterates its values in the order of the variables (None where unbound)
    variables = [v.value for v in answer.variables]
    solutions = [list(solution) for solution in answer]
    del answer
    return Results.select(variables, [[to_rdflib(value) for value in solution] for solution in solutions])


class CopyOnWrite(Dataset):
    """A shared dataset (a server's current generation) read in place until the first write, which
    copies the graphs read into a private in-memory store; that write, and every read and write
    after it, go there. A session's own edits (an incremental re-validation's) never reach a store
    others read."""

    def __init__(self, shared: Dataset, graphs: Sequence[str]) -> None:
        self.shared = shared
        self.graphs = list(graphs)
        self.location = shared.location
        self.copy: Dataset | None = None

    def _reading(self) -> Dataset:
        return self.copy or self.shared

    def _writing(self) -> Dataset:
        if self.copy is None:
            local = OxigraphDataset()
            for graph in self.graphs:  # rdflib terms: a blank node keeps its label across the graphs
                local.insert(self.shared.triples((None, None, None), [graph]), graph)
            self.copy = local
        return self.copy

    def query(self, sparql: str, bindings: Bindings | None, graphs: Sequence[str]) -> Results:
        return self._reading().query(sparql, bindings, graphs)

    def triples(
        self, pattern: tuple[Node | None, Node | None, Node | None], graphs: Sequence[str]
    ) -> Iterator[tuple[Node, Node, Node]]:
        return self._reading().triples(pattern, graphs)

    def count(self, graphs: Sequence[str]) -> int:
        return self._reading().count(graphs)

    def dump(self, graph: str) -> bytes:
        return self._reading().dump(graph)

    def current(self) -> Generation | None:
        return self.shared.current()

    def update(self, sparql: str) -> None:
        self._writing().update(sparql)

    def load_file(self, path: Path, graph: str) -> None:
        self._writing().load_file(path, graph)

    def insert(self, triples: Iterable[tuple[Node, Node, Node]], graph: str) -> None:
        self._writing().insert(triples, graph)

    def remove(self, triples: Iterable[tuple[Node, Node, Node]], graph: str) -> None:
        self._writing().remove(triples, graph)

    def drop(self, graph: str) -> None:
        self._writing().drop(graph)

    def load_ntriples(self, data: bytes, graph: str) -> None:
        self._writing().load_ntriples(data, graph)
