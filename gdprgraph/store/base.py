"""The one graph interface the rest of the library talks to.

Callers load files, run SPARQL with bound parameters and read a few values through
``KnowledgeGraph``. Three backends implement it: ``MemoryGraph`` (rdflib in memory, the plain
stack), ``DatasetGraph`` over an Oxigraph store (in memory or on disk), and ``DatasetGraph`` over a
remote SPARQL 1.1 server. Results always come back as rdflib terms in a ``results.Results``: one
shape (columns and typed rows, a boolean or a graph) for every backend.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import ClassVar

import rdflib
from rdflib.namespace import NamespaceManager
from rdflib.term import Node

from ..resources import internal_query
from .binding import Bindings
from .results import Results

_PREFIX = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([\w.-]*):\s*<([^>]*)>", re.IGNORECASE | re.MULTILINE)


def declared_prefixes(path: Path) -> list[tuple[str, str]]:
    """The prefixes a Turtle file declares (for rendering compact names), read from its text."""
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            head = handle.read(65536)  # prefixes open the file; a large estate is not read whole
    except OSError:
        return []
    return _PREFIX.findall(head)


class KnowledgeGraph(ABC):
    """An RDF graph with file loading, parameter-bound SPARQL and provenance of its inputs."""

    #: what ``copy`` makes from an rdflib Graph: memory.MemoryGraph, set by the store package (the
    #: interface imports none of its backends)
    memory_class: ClassVar[Callable[[rdflib.Graph], KnowledgeGraph]]
    #: whether ``graph`` is the store's own rdflib Graph (rdflib's store), not a snapshot made per call
    #: (which a caller may change, or bind prefixes on, without touching the store)
    live_graph: ClassVar[bool] = False

    def __init__(self) -> None:
        self.sources: list[Path] = []
        #: counts the writes made through this graph: what was derived from it at one revision
        #: (Workspace.kept) is computed again at the next
        self.revision = 0
        #: written to other than by loading files (add, remove): its content is no longer that of
        #: its source files, so nothing cached under their names may stand for it
        self.edited = False
        self.namespace_manager = NamespaceManager(rdflib.Graph(bind_namespaces="rdflib"))
        #: the ``--store`` spec of the backend that made it (see gdprgraph.backends)
        self.backend_spec = "oxigraph"

    # -- what every backend implements ------------------------------------------------------
    @abstractmethod
    def __len__(self) -> int:
        """Number of triples."""

    @abstractmethod
    def load_files(self, paths: Iterable[Path | str]) -> None:
        """Parse files into the graph; nothing is added if one of them fails."""

    @abstractmethod
    def query(self, sparql: str, bindings: Bindings | None = None) -> Results:
        """Run a SPARQL query with parameters bound as values, never pasted into the text."""

    @abstractmethod
    def add(self, triples: Iterable[tuple[Node, Node, Node]]) -> int:
        """Add triples; return how many were new."""

    @abstractmethod
    def remove(self, triples: Iterable[tuple[Node, Node, Node]]) -> None:
        """Remove triples (absent ones are ignored)."""

    @abstractmethod
    def triples(self, pattern: tuple[Node | None, Node | None, Node | None]) -> Iterator[tuple[Node, Node, Node]]:
        """The triples matching a pattern (None is a wildcard)."""

    # -- shared conveniences -----------------------------------------------------------------
    @property
    def concurrent_reads(self) -> bool:
        """Whether queries may run from several threads at once, in parallel (not rdflib's engine,
        which holds Python's lock)."""
        return False

    def internal(self, name: str, bindings: Bindings | None = None) -> Results:
        """Run an internal query of queries/internal/ (by its file's stem) with bound parameters:
        the one way the library runs its own queries."""
        return self.query(internal_query(name), bindings)

    def load_file(self, path: Path | str) -> None:
        """Parse one file; a syntax error names the file and line."""
        self.load_files([path])

    def value(self, subject: Node, predicate: Node) -> Node | None:
        """One object of (subject, predicate), or None."""
        return next((o for _, _, o in self.triples((subject, predicate, None))), None)

    def objects(self, subject: Node, predicate: Node) -> list[Node]:
        """Every object of (subject, predicate)."""
        return [o for _, _, o in self.triples((subject, predicate, None))]

    def __contains__(self, triple: tuple[Node | None, Node | None, Node | None]) -> bool:
        return next(self.triples(triple), None) is not None

    def bind_prefixes(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Remember prefixes for rendering compact names (first declaration wins)."""
        for prefix, namespace in pairs:
            self.namespace_manager.bind(prefix, namespace, override=False)

    def to_rdflib(self) -> rdflib.Graph:
        """The whole graph as an in-memory rdflib Graph (for pyshacl, exports, diffs)."""
        graph = rdflib.Graph()
        for triple in self.triples((None, None, None)):
            graph.add(triple)
        for prefix, namespace in self.namespace_manager.namespaces():
            graph.bind(prefix, namespace, override=True)
        return graph

    def copy(self) -> KnowledgeGraph:
        """An independent in-memory copy (to change without touching the store)."""
        clone = KnowledgeGraph.memory_class(self.to_rdflib())  # a class attribute, not a method
        clone.sources = list(self.sources)
        return clone

    @property
    def graph(self) -> rdflib.Graph:
        """An rdflib Graph with the same triples (a live one for memory, a snapshot otherwise)."""
        return self.to_rdflib()

    def serialize(self, fmt: str = "turtle") -> str:
        """The graph as text in an rdflib serialisation format."""
        return self.to_rdflib().serialize(format=fmt)
