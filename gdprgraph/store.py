"""The one graph interface the rest of the library talks to.

Callers load files, run SPARQL with bound parameters and read counts through ``KnowledgeGraph``;
today it wraps an in-memory rdflib graph, and other backends (Oxigraph, a remote SPARQL server)
can implement the same methods without touching the callers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import rdflib
from rdflib.query import Result
from rdflib.term import Node

from .errors import InputError

_LINE = re.compile(r"line (\d+)")
_REASON = re.compile(r"Bad syntax \((.*?)\) at \^")


class KnowledgeGraph:
    """An RDF graph with file loading, parameter-bound SPARQL and provenance of its inputs."""

    def __init__(self, graph: rdflib.Graph | None = None) -> None:
        self.graph = graph if graph is not None else rdflib.Graph()
        self.sources: list[Path] = []

    def __len__(self) -> int:
        return len(self.graph)

    def load_file(self, path: Path | str) -> None:
        """Parse one RDF file into the graph; a syntax error names the file and line."""
        path = Path(path)
        if not path.is_file():
            raise InputError("no such file", str(path))
        fmt = rdflib.util.guess_format(str(path)) or "turtle"
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
        self.graph += scratch
        for prefix, namespace in scratch.namespaces():
            self.graph.bind(prefix, namespace, override=False)
        self.sources.append(path)

    def load_files(self, paths: Iterable[Path | str]) -> None:
        """Parse several files; nothing is added if one of them fails."""
        staged = KnowledgeGraph()
        for path in paths:
            staged.load_file(path)
        self.graph += staged.graph
        for prefix, namespace in staged.graph.namespaces():
            self.graph.bind(prefix, namespace, override=False)
        self.sources.extend(staged.sources)

    def add(self, triples: Iterable[tuple[Node, Node, Node]]) -> int:
        """Add triples; return how many were new."""
        before = len(self.graph)
        for triple in triples:
            self.graph.add(triple)
        return len(self.graph) - before

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> Result:
        """Run a SPARQL query with parameters bound as values, never pasted into the text."""
        return self.graph.query(sparql, initBindings=dict(bindings or {}))

    def copy(self) -> KnowledgeGraph:
        """An independent copy (for inference that must not touch the asserted graph)."""
        clone = KnowledgeGraph()
        clone.graph += self.graph
        for prefix, namespace in self.graph.namespaces():
            clone.graph.bind(prefix, namespace, override=True)
        clone.sources = list(self.sources)
        return clone

    def serialize(self, fmt: str = "turtle") -> str:
        """The graph as text in an rdflib serialisation format."""
        return self.graph.serialize(format=fmt)
