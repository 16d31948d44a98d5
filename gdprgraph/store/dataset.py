"""Quad stores that answer SPARQL over chosen named graphs, and the graph views built on them.

A ``Dataset`` is where triples live: an Oxigraph store (in memory or on disk) or a remote SPARQL
server. The asserted triples and the inferred ones sit in two named graphs of one *generation*;
a control graph names the current generation and the fingerprint of the files it was built from.
A new build fills new graphs and then switches the pointer in one update, so a failed build
leaves the previous generation answering. On a shared server the build holds a lease
(``lease.Lease``) and the switch happens only while it does.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from rdflib import Literal, URIRef
from rdflib.term import Node

from .. import resources
from ..errors import StoreError
from .base import KnowledgeGraph, declared_prefixes
from .binding import Bindings, inline_values_each, term_text
from .results import Results


class Lease(Protocol):
    """What a build's lease (lease.Lease) does for a generation switch: say what it builds, check it
    still holds, make the switch conditional on it."""

    def building(self, base: str) -> None:
        """Record the generation being filled (the common start of its graphs' names)."""

    def check(self) -> None:
        """StoreError if the lease was lost (the build must not publish)."""

    def switch_bindings(self) -> dict[str, URIRef | Literal]:
        """The bindings that make a generation switch conditional on holding this lease."""


CONTROL_GRAPH = "urn:gdprgraph:control"


class Dataset(ABC):
    """A quad store reached through SPARQL, graphs named by IRI strings."""

    #: how the store is named in messages (a path, a URL)
    location: str = "memory"
    #: whether several threads may query it at once, each query running without Python's lock (an
    #: Oxigraph store: the compiled shapes then run on every core)
    concurrent_reads: bool = False

    @abstractmethod
    def query(self, sparql: str, bindings: Bindings | None, graphs: Sequence[str]) -> Results:
        """Answer a query whose default graph is the union of ``graphs``."""

    @abstractmethod
    def update(self, sparql: str) -> None:
        """Run a SPARQL Update."""

    @abstractmethod
    def load_file(self, path: Path, graph: str) -> None:
        """Parse one file into a named graph; all or nothing; InputError names the file and line."""

    @abstractmethod
    def insert(self, triples: Iterable[tuple[Node, Node, Node]], graph: str) -> None:
        """Add rdflib triples to a named graph."""

    @abstractmethod
    def count(self, graphs: Sequence[str]) -> int:
        """Number of distinct triples in the union of the graphs."""

    @abstractmethod
    def drop(self, graph: str) -> None:
        """Remove a named graph (no error if it does not exist)."""

    def triples(
        self, pattern: tuple[Node | None, Node | None, Node | None], graphs: Sequence[str]
    ) -> Iterator[tuple[Node, Node, Node]]:
        """Triples matching a pattern, through SPARQL."""
        bindings = {v: t for v, t in zip("spo", pattern, strict=True) if t is not None}
        for row in self.query(resources.internal_query("match-pattern"), bindings, graphs):
            s, p, o = (bindings[v] if v in bindings else row.term(v) for v in "spo")  # a triple binds all three
            yield s, p, o

    def remove(self, triples: Iterable[tuple[Node, Node, Node]], graph: str) -> None:
        """Remove rdflib triples from a named graph (DELETE DATA)."""
        lines = [
            " ".join(term_text(t) if not isinstance(t, Literal) else t.n3() for t in triple) + " ."
            for triple in triples
        ]
        if lines:
            self.update(f"DELETE DATA {{ GRAPH {term_text(URIRef(graph))} {{\n" + "\n".join(lines) + "\n} }")

    def construct_into(self, sparql: str, graphs: Sequence[str], targets: Sequence[str]) -> int:
        """Add the triples of a CONSTRUCT over ``graphs`` to every graph of ``targets``, inside the
        store (one SPARQL Update, nothing crosses into Python); return how many were new to the
        last target."""
        before = self.count([targets[-1]])
        self.update(insert_form(sparql, graphs, targets))
        return self.count([targets[-1]]) - before

    def dump(self, graph: str) -> bytes:
        """A named graph as N-Triples."""
        lines = [f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in self.triples((None, None, None), [graph])]
        return "".join(lines).encode()

    def load_ntriples(self, data: bytes, graph: str) -> None:
        """Add N-Triples bytes to a named graph."""
        import rdflib

        self.insert(rdflib.Graph().parse(data=data.decode(), format="nt"), graph)

    # -- generations --------------------------------------------------------------------------
    def current(self) -> Generation | None:
        """The generation the control graph points to, if any."""
        rows = list(self.query(resources.internal_query("store-current"), None, []))
        if not rows:
            return None
        row = rows[0]
        return Generation(str(row["asserted"]), str(row["inferred"]), str(row["fingerprint"]), str(row["stamp"] or ""))

    def switch(self, generation: Generation, lease: Lease | None = None) -> None:
        """Point the control graph at a generation, in one update; with a lease, only while it is
        held (then read back: StoreError if the switch did not happen)."""
        bindings = {
            "asserted": URIRef(generation.asserted),
            "inferred": URIRef(generation.inferred),
            "fingerprint": Literal(generation.fingerprint),
            "stamp": Literal(generation.stamp),
        }
        if lease is None:
            self.update(inline_values_each(resources.internal_query("store-switch"), bindings))
            return
        self.update(
            inline_values_each(resources.internal_query("store-switch-leased"), {**bindings, **lease.switch_bindings()})
        )
        if self.current() != generation:
            raise StoreError(
                f"the store {self.location}: this build lost its lease before publishing "
                f"(another process holds it); nothing was published"
            )

    def restamp(self, generation: Generation, stamp: str, lease: Lease | None = None) -> Generation:
        """Record a new file-stat stamp for the same content (files touched, not changed)."""
        updated = Generation(generation.asserted, generation.inferred, generation.fingerprint, stamp)
        self.switch(updated, lease)
        return updated


#: a CONSTRUCT template without nested groups, and the WHERE keyword that follows it
_CONSTRUCT = re.compile(r"CONSTRUCT\s*(\{[^{}]*\})\s*WHERE", re.IGNORECASE)
_NAMED_GRAPH = re.compile(r"GRAPH\s*<([^>]+)>", re.IGNORECASE)


def insert_form(construct: str, graphs: Sequence[str], targets: Sequence[str]) -> str:
    """A CONSTRUCT query as the SPARQL Update that inserts its triples into each of ``targets``:
    its default graph is the merge of ``graphs`` (USING), and the graphs its WHERE names with
    ``GRAPH <iri>`` stay readable (USING NAMED)."""
    match = _CONSTRUCT.search(construct)
    if not match:
        raise ValueError("not a CONSTRUCT with a flat template followed by WHERE")
    template = match.group(1)
    named = sorted(set(_NAMED_GRAPH.findall(construct[match.end() :])))
    head = (
        "INSERT { "
        + " ".join(f"GRAPH <{t}> {template}" for t in targets)
        + " }\n"
        + "".join(f"USING <{g}>\n" for g in graphs)
        + "".join(f"USING NAMED <{g}>\n" for g in named)
        + "WHERE"
    )
    return construct[: match.start()] + head + construct[match.end() :]


@dataclass(frozen=True)
class Generation:
    """One complete build in a dataset: its two graphs and the fingerprint of its inputs."""

    asserted: str
    inferred: str
    fingerprint: str
    stamp: str = ""

    @classmethod
    def new(cls, fingerprint: str, stamp: str = "") -> Generation:
        base = f"{GENERATION_PREFIX}{uuid.uuid4().hex}"
        return cls(base + ":asserted", base + ":inferred", fingerprint, stamp)

    @property
    def base(self) -> str:
        """The common start of the generation's graph names (``urn:gdprgraph:graph:<id>``)."""
        return self.asserted.rpartition(":")[0]

    @property
    def id(self) -> str:
        """The generation's random id."""
        return self.base.rpartition(":")[2]


#: the start of the names of every generation's graphs
GENERATION_PREFIX = "urn:gdprgraph:graph:"


class DatasetGraph(KnowledgeGraph):
    """A KnowledgeGraph that reads the union of some named graphs of a dataset and writes to one."""

    def __init__(self, dataset: Dataset, graphs: Sequence[str], write_to: str | None = None) -> None:
        super().__init__()
        self.dataset = dataset
        self.graphs = list(graphs)
        self.write_to = write_to or self.graphs[-1]

    def __len__(self) -> int:
        return self.dataset.count(self.graphs)

    @property
    def concurrent_reads(self) -> bool:
        return self.dataset.concurrent_reads

    def load_files(self, paths: Iterable[Path | str]) -> None:
        """Parse files into the write graph; on an error the graph is left as it was.

        An empty write graph (a new build) is filled directly and emptied again on an error; a graph
        that already holds data is extended through a staging graph, added once all files parsed.
        """
        fresh = not self.dataset.query("ASK { ?s ?p ?o }", None, [self.write_to]).askAnswer
        target = self.write_to if fresh else f"urn:gdprgraph:staging:{uuid.uuid4().hex}"
        loaded = []
        try:
            for path in paths:
                self.dataset.load_file(Path(path), target)
                self.bind_prefixes(declared_prefixes(Path(path)))
                loaded.append(Path(path))
            if not fresh:
                self.dataset.update(f"ADD {term_text(URIRef(target))} TO {term_text(URIRef(self.write_to))}")
        except BaseException:
            self.dataset.drop(target)
            raise
        finally:
            if not fresh:
                self.dataset.drop(target)
        self.sources.extend(loaded)
        self.revision += 1

    def query(self, sparql: str, bindings: Bindings | None = None) -> Results:
        return self.dataset.query(sparql, bindings, self.graphs)

    def add(self, triples: Iterable[tuple[Node, Node, Node]]) -> int:
        fresh = {t for t in triples if t not in self}
        self.dataset.insert(fresh, self.write_to)
        self.revision += 1
        return len(fresh)

    def remove(self, triples: Iterable[tuple[Node, Node, Node]]) -> None:
        triples = list(triples)
        self.dataset.remove(triples, self.write_to)
        self.revision += 1

    def triples(self, pattern: tuple[Node | None, Node | None, Node | None]) -> Iterator[tuple[Node, Node, Node]]:
        return self.dataset.triples(pattern, self.graphs)

    def view(self, graphs: Sequence[str], write_to: str | None = None, dataset: Dataset | None = None) -> DatasetGraph:
        """Another view on the same dataset (or on ``dataset``, a copy), sharing prefixes and sources."""
        other = DatasetGraph(dataset or self.dataset, graphs, write_to)
        other.namespace_manager = self.namespace_manager
        other.sources = self.sources
        other.backend_spec = self.backend_spec
        return other


def _build_inputs(files: Sequence[Path]) -> list[Path]:
    """What a build depends on: the input files and every rule it runs."""
    return [*files, *resources.rule_files(), *resources.owl_rl_rule_files()]


def fingerprint(files: Sequence[Path]) -> str:
    """A digest of the inputs' content, the rules and the library's version."""
    from .. import __version__

    digest = hashlib.sha256(f"gdprgraph {__version__}\n".encode())
    for path in _build_inputs(files):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def stamp(files: Sequence[Path]) -> str:
    """A cheap change detector: paths, sizes and modification times of the inputs."""
    parts = []
    for path in _build_inputs(files):
        info = path.stat()
        parts.append(f"{path.resolve()}:{info.st_size}:{info.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def ensure_generation(
    dataset: Dataset, files: Sequence[Path], fill: Callable[[Dataset, Generation], None], lease: Lease | None = None
) -> tuple[Generation, bool]:
    """The current generation if it was built from these files, else a new one filled by ``fill``.

    Returns the generation and whether it was (re)built. With a lease (held by the caller), the
    generation being filled is recorded in it and the switch happens only while it is held.
    """
    current = dataset.current()
    quick = stamp(files)
    if current is not None and current.stamp == quick:
        return current, False
    key = fingerprint(files)
    if current is not None and current.fingerprint == key:
        return dataset.restamp(current, quick, lease), False
    generation = Generation.new(key, quick)
    try:
        if lease is not None:
            lease.building(generation.base)
        fill(dataset, generation)
        if lease is not None:
            lease.check()
        dataset.switch(generation, lease)
    except BaseException:
        # keep the first error; drop the new graphs unless the switch may have happened (an answer
        # lost on the way back): then they stay, for store gc if they are not current
        with contextlib.suppress(StoreError):
            if dataset.current() != generation:
                dataset.drop(generation.asserted)
                dataset.drop(generation.inferred)
        raise
    if current is not None:
        dataset.drop(current.asserted)
        dataset.drop(current.inferred)
    return generation, True
