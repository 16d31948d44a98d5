"""The plain stack's graph: rdflib's in-memory store and SPARQL engine (the reference backend)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import rdflib
from rdflib.term import Identifier, Node

from ..errors import InputError
from .base import KnowledgeGraph
from .binding import AnyOf, Bindings, inline_values
from .results import Results

_LINE = re.compile(r"line (\d+)")
_REASON = re.compile(r"Bad syntax \((.*?)\) at \^")


def parse_file(path: Path) -> rdflib.Graph:
    """Parse one RDF file with rdflib; an error names the file and line."""
    if not path.is_file():
        raise InputError("no such file", str(path))
    fmt = rdflib.util.guess_format(str(path)) or "turtle"
    if fmt == "json-ld":
        from ..untrusted import check_jsonld_offline

        check_jsonld_offline(path)  # rdflib would fetch a remote @context: refuse it, we work offline
    scratch = rdflib.Graph()
    try:
        scratch.parse(path, format=fmt)
    except UnicodeDecodeError as err:
        raise InputError(f"not UTF-8 text ({err.reason})", str(path)) from err
    except Exception as err:  # rdflib raises many parser-specific types
        message = " ".join(str(err).split())
        match = _LINE.search(message)
        line = int(match.group(1)) if match else None
        reason = _REASON.search(message)
        detail = reason.group(1) if reason else message[:200]
        raise InputError(f"invalid {fmt}: {detail}", str(path), line) from err
    return scratch


class MemoryGraph(KnowledgeGraph):
    """A KnowledgeGraph over an rdflib in-memory Graph (``--store memory``)."""

    live_graph = True

    def __init__(self, graph: rdflib.Graph | None = None) -> None:
        super().__init__()
        self._graph = graph if graph is not None else rdflib.Graph()
        self.namespace_manager = self._graph.namespace_manager
        self.backend_spec = "memory"

    @property
    def graph(self) -> rdflib.Graph:
        """The live rdflib Graph."""
        return self._graph

    def __len__(self) -> int:
        return len(self._graph)

    def load_files(self, paths: Iterable[Path | str]) -> None:
        staged = rdflib.Graph()
        loaded = []
        for path in paths:
            scratch = parse_file(Path(path))
            staged += scratch
            for prefix, namespace in scratch.namespaces():
                staged.bind(prefix, namespace, override=False)
            loaded.append(Path(path))
        self._graph += staged
        for prefix, namespace in staged.namespaces():
            self._graph.bind(prefix, namespace, override=False)
        self.sources.extend(loaded)
        self.revision += 1

    def add(self, triples: Iterable[tuple[Node, Node, Node]]) -> int:
        before = len(self._graph)
        for triple in triples:
            self._graph.add(triple)
        self.revision += 1
        self.edited = True
        return len(self._graph) - before

    def remove(self, triples: Iterable[tuple[Node, Node, Node]]) -> None:
        for triple in triples:
            self._graph.remove(triple)
        self.revision += 1
        self.edited = True

    def triples(self, pattern: tuple[Node | None, Node | None, Node | None]) -> Iterator[tuple[Node, Node, Node]]:
        return self._graph.triples(pattern)

    def query(self, sparql: str, bindings: Bindings | None = None) -> Results:
        single: dict[str, Identifier] = {}
        several: dict[str, AnyOf] = {}
        for name, value in (bindings or {}).items():
            if isinstance(value, AnyOf):
                several[name] = value
            elif isinstance(value, Identifier):
                single[name] = value
            else:  # a term is an Identifier (URIRef, BNode, Literal): not a graph
                raise InputError(f"unsupported parameter value {value!r}")
        return Results.from_rdflib(self._graph.query(inline_values(sparql, several), initBindings=single))

    def value(self, subject: Node, predicate: Node) -> Node | None:
        return self._graph.value(subject, predicate)

    def to_rdflib(self) -> rdflib.Graph:
        return self._graph

    def copy(self) -> MemoryGraph:
        """An independent copy (for inference that must not touch the asserted graph)."""
        clone = MemoryGraph()
        clone._graph += self._graph
        for prefix, namespace in self._graph.namespaces():
            clone._graph.bind(prefix, namespace, override=True)
        clone.sources = list(self.sources)
        return clone

    def serialize(self, fmt: str = "turtle") -> str:
        return self._graph.serialize(format=fmt)
