"""One object per kind of store, carrying what differs between them.

``backend_for(spec)`` reads a ``--store`` spec once (``memory``, ``oxigraph``, ``oxigraph:PATH``,
``sparql:URL``); the rest of the library asks the backend instead of testing types:

- ``open(files)``: the graphs of the store for a command (``OpenGraphs``);
- ``publish(files, wait)``: a build (``gdprgraph build``): persistent stores keep it as a generation;
- ``infer(graphs)``: the rules and the OWL RL closure, a step asked for explicitly (owlrl for
  ``memory``, the in-store rules otherwise; a persistent store holds the closure its build made);
- ``default_validator``: ``pyshacl`` (the reference, for ``memory``) or ``sparql`` (compiled shapes);
- ``status()`` and ``gc(wait)`` for the stores that persist (``persistent``).

It sits above ``store/`` (where the graph lives) and ``reason`` (how the closure is computed).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from rdflib.term import Node

from . import reason, resources
from .errors import InputError, StoreError
from .store import OPTIONS, DatasetGraph, KnowledgeGraph, MemoryGraph, open_dataset, store_spec
from .store.admin import RemoteGc, RemoteStatus, remote_gc, remote_status
from .store.auth import mask_spec
from .store.base import declared_prefixes
from .store.dataset import Dataset, Generation, ensure_generation, stamp
from .store.disk import DiskGc, DiskStatus, DiskStore
from .store.lease import Lease
from .store.oxigraph import CopyOnWrite, OxigraphDataset
from .store.remote import SparqlDataset


@dataclass
class OpenGraphs:
    """What a store holds for a command: the asserted graph, and the inferred one once asked for."""

    asserted: KnowledgeGraph
    inferred: KnowledgeGraph | None
    generation: Generation | None = None
    rebuilt: bool = False
    #: the backend that opened the graphs (and computes their closure)
    backend: Backend | None = None

    def infer(self) -> KnowledgeGraph:
        """The inferred graph, asking the backend for it the first time."""
        if self.inferred is None:
            self.inferred = (self.backend or backend_for(self.asserted.backend_spec)).infer(self)
        return self.inferred


class Backend(ABC):
    """A kind of store: how it opens, loads, publishes and infers, and which validator it defaults to."""

    #: the spec it was made from (``memory``, ``oxigraph``, ``oxigraph:PATH``, ``sparql:URL``)
    spec: str
    #: the validation engine used unless one is asked for
    default_validator: str = "sparql"
    #: a build is kept in the store (and published to it) rather than written to a file
    persistent: bool = False
    #: queries may run from several threads at once (Workspace.run_together)
    concurrent_reads: bool = True

    def __init__(self, spec: str) -> None:
        self.spec = spec

    @abstractmethod
    def open(self, files: Sequence[Path]) -> OpenGraphs:
        """The graphs built from the files (an input file is one of ``load.input_files``)."""

    @abstractmethod
    def infer(self, graphs: OpenGraphs) -> KnowledgeGraph:
        """The rules and the OWL RL closure of the asserted graph of ``graphs``."""

    def load(self, files: Sequence[Path]) -> KnowledgeGraph:
        """The asserted graph built from the files."""
        return self.open(files).asserted

    def publish(self, files: Sequence[Path], wait: float | None = None) -> OpenGraphs:
        """Build the graph and its closure (kept by a persistent store as its current generation)."""
        graphs = self.open(files)
        graphs.infer()
        return graphs

    def closure_of(self, graph: KnowledgeGraph) -> KnowledgeGraph:
        """The closure of a graph on its own (no workspace): the reference stack only."""
        raise InputError("pass the Workspace (or its inferred graph) to validate a store's closure")

    def status(self) -> DiskStatus | RemoteStatus:
        """What a persistent store holds (``store status``)."""
        raise InputError(
            f"store status and store gc apply to oxigraph:PATH and sparql:URL, not '{mask_spec(self.spec)}'"
        )

    def gc(self, wait: float = 0.0) -> DiskGc | RemoteGc:
        """Remove what a persistent store no longer needs (``store gc``)."""
        self.status()  # the same refusal
        raise AssertionError("unreachable")

    def _tag(self, graphs: OpenGraphs) -> OpenGraphs:
        graphs.backend = self
        for graph in (graphs.asserted, graphs.inferred):
            if graph is not None:
                graph.backend_spec = self.spec
        return graphs


class MemoryBackend(Backend):
    """``memory``: rdflib's in-memory graph, owlrl and pyshacl (the plain stack; the reference)."""

    default_validator = "pyshacl"
    # rdflib's query engine holds the interpreter lock throughout: threads would only take turns
    concurrent_reads = False

    def open(self, files: Sequence[Path]) -> OpenGraphs:
        graph = MemoryGraph()
        graph.load_files(files)
        return self._tag(OpenGraphs(graph, None))

    def infer(self, graphs: OpenGraphs) -> KnowledgeGraph:
        return self.closure_of(graphs.asserted)

    def closure_of(self, graph: KnowledgeGraph) -> KnowledgeGraph:
        if not isinstance(graph, MemoryGraph):  # owlrl works on an rdflib graph
            return super().closure_of(graph)
        inferred = reason.infer_cached(graph)
        inferred.backend_spec = self.spec
        return inferred


class _MirroredGraph(DatasetGraph):
    """The asserted graph of an in-memory Oxigraph store; once the closure is asked for, a second
    store beside it (its mirror, copied from it then: every later write here goes there too)
    receives the closure.

    Oxigraph's in-memory store indexes all its graphs together, so the closure's triples would slow
    every later lookup on the asserted graph (validation, paths, most queries: by 1.6x at 2 500
    services). Until the closure is asked for (validation and the catalog never ask), there is one
    store.
    """

    mirror: DatasetGraph | None = None

    def load_files(self, paths: Iterable[Path | str]) -> None:
        paths = list(paths)
        super().load_files(paths)
        if self.mirror is not None:
            self.mirror.load_files(paths)

    def add(self, triples: Iterable[tuple[Node, Node, Node]]) -> int:
        triples = list(triples)
        added = super().add(triples)
        if self.mirror is not None:
            self.mirror.add(triples)
        return added

    def remove(self, triples: Iterable[tuple[Node, Node, Node]]) -> None:
        triples = list(triples)
        super().remove(triples)
        if self.mirror is not None:
            self.mirror.remove(triples)

    def mirrored(self) -> DatasetGraph:
        """The mirror, made now if it was not: a copy of this store (0.8 s at 1 000 generated
        services, as long as parsing the files again, and right even after writes since)."""
        if self.mirror is None:
            assert isinstance(self.dataset, OxigraphDataset)
            copy = OxigraphDataset()
            copy.copy_from(self.dataset)
            self.mirror = DatasetGraph(copy, self.graphs)
        return self.mirror


class OxigraphMemoryBackend(Backend):
    """``oxigraph`` (the default): an in-memory Oxigraph store, the rules run inside it."""

    def open(self, files: Sequence[Path]) -> OpenGraphs:
        generation = Generation.new("")
        graph = _MirroredGraph(OxigraphDataset(), [generation.asserted])
        graph.load_files(files)
        return self._tag(OpenGraphs(graph, None, generation, rebuilt=True))

    def infer(self, graphs: OpenGraphs) -> KnowledgeGraph:
        asserted, generation = graphs.asserted, graphs.generation
        assert isinstance(asserted, _MirroredGraph) and generation is not None
        home = asserted.view(asserted.graphs, dataset=asserted.mirrored().dataset)
        inferred = reason.infer_in_store(home, generation.inferred)
        inferred.backend_spec = self.spec
        return inferred


def _fill_in_place(files: Sequence[Path], dataset: Dataset, generation: Generation) -> None:
    """Load the files into the generation's asserted graph and infer into its inferred graph."""
    asserted = DatasetGraph(dataset, [generation.asserted])
    asserted.load_files(files)
    reason.infer_in_store(asserted, generation.inferred)


class _Generations(Backend):
    """A store that keeps builds as generations (on disk, on a server): the closure is built with
    the asserted graph, and read from its own named graph."""

    def infer(self, graphs: OpenGraphs) -> KnowledgeGraph:
        asserted, generation = graphs.asserted, graphs.generation
        assert isinstance(asserted, DatasetGraph) and generation is not None
        inferred = asserted.view([generation.asserted, generation.inferred], write_to=generation.inferred)
        inferred.backend_spec = self.spec
        return inferred

    def _views(self, dataset: Dataset, generation: Generation, files: Sequence[Path], rebuilt: bool) -> OpenGraphs:
        asserted = DatasetGraph(dataset, [generation.asserted])
        for path in files:
            asserted.bind_prefixes(declared_prefixes(path))
        asserted.sources = list(files)
        return self._tag(OpenGraphs(asserted, None, generation, rebuilt))


class OxigraphDiskBackend(_Generations):
    """``oxigraph:PATH``: an Oxigraph store on disk, a folder of generations (see ``store.disk``)."""

    persistent = True

    def __init__(self, spec: str, store: DiskStore) -> None:
        super().__init__(spec)
        self.store = store

    def open(self, files: Sequence[Path]) -> OpenGraphs:
        reader, generation, rebuilt = self.store.ensure(files, partial(self._fill, files), wait=OPTIONS.wait)
        return self._views(reader, generation, files, rebuilt)

    def publish(self, files: Sequence[Path], wait: float | None = None) -> OpenGraphs:
        wait = OPTIONS.wait if wait is None else wait
        reader, generation, rebuilt = self.store.ensure(files, partial(self._fill, files), build=True, wait=wait)
        return self._views(reader, generation, files, rebuilt)

    @staticmethod
    def _fill(files: Sequence[Path], dataset: Dataset, generation: Generation) -> None:
        """Build in memory, then copy in one bulk write: the rules' many small inserts and scratch
        graphs cost far more on disk than in memory."""
        assert isinstance(dataset, OxigraphDataset)
        local = OxigraphDataset()
        _fill_in_place(files, local, generation)
        dataset.copy_from(local)

    def status(self) -> DiskStatus:
        return self.store.status()

    def gc(self, wait: float = 0.0) -> DiskGc:
        return self.store.gc(wait)


class SparqlBackend(_Generations):
    """``sparql:URL``: a SPARQL 1.1 server, answering from what ``publish`` last uploaded to it."""

    persistent = True

    def __init__(self, spec: str, dataset: SparqlDataset) -> None:
        super().__init__(spec)
        self.dataset = dataset

    def open(self, files: Sequence[Path]) -> OpenGraphs:
        generation = self.dataset.current()
        if generation is None:
            raise StoreError(
                f"the store {self.dataset.location} holds no gdprgraph build; "
                f"run: gdprgraph build --store sparql:{self.dataset.location}"
            )
        return self._views(self.dataset, generation, resources.ontology_files(), rebuilt=False)

    def publish(self, files: Sequence[Path], wait: float | None = None) -> OpenGraphs:
        """Build the graph and its inference locally, then upload both as a new generation, under
        the store's lease (one build at a time)."""
        wait = OPTIONS.wait if wait is None else wait

        def upload(target: Dataset, generation: Generation) -> None:
            assert isinstance(target, SparqlDataset)
            local = OxigraphDataset()
            built = Generation.new(generation.fingerprint)
            _fill_in_place(files, local, built)
            # the new graphs are read by nothing until the switch, and dropped if the upload fails
            target.load_ntriples(local.dump(built.asserted), generation.asserted, staged=False)
            target.load_ntriples(local.dump(built.inferred), generation.inferred, staged=False)

        current = self.dataset.current()
        if current is not None and current.stamp == stamp(files):  # up to date: no lease needed to say so
            return self._views(self.dataset, current, files, rebuilt=False)
        with Lease(self.dataset, "build").acquire(wait) as lease:
            generation, rebuilt = ensure_generation(self.dataset, files, upload, lease=lease)
        return self._views(self.dataset, generation, files, rebuilt)

    def _views(self, dataset: Dataset, generation: Generation, files: Sequence[Path], rebuilt: bool) -> OpenGraphs:
        # shared: a session's own writes go to a private copy
        shared = CopyOnWrite(dataset, [generation.asserted, generation.inferred])
        return super()._views(shared, generation, files, rebuilt)

    def status(self) -> RemoteStatus:
        return remote_status(self.dataset)

    def gc(self, wait: float = 0.0) -> RemoteGc:
        return remote_gc(self.dataset)


def backend_for(spec: str | None = None) -> Backend:
    """The backend a ``--store`` spec names (default: $GDPRGRAPH_STORE, else ``oxigraph``);
    InputError for an unknown one."""
    spec = store_spec(spec)
    kind = spec.partition(":")[0]
    if spec == "memory":
        return MemoryBackend(spec)
    if spec == "oxigraph":
        return OxigraphMemoryBackend(spec)
    dataset = open_dataset(spec)  # an unknown spec is refused there
    if kind == "oxigraph":
        assert isinstance(dataset, DiskStore)
        return OxigraphDiskBackend(spec, dataset)
    assert isinstance(dataset, SparqlDataset)
    return SparqlBackend(spec, dataset)
