"""Build the knowledge graph (ontology + reference data + templates + documents) in a store.

``open_graphs`` gives a command its asserted graph, and the inferred one when the store already
holds it: an in-memory store is filled from the files; an Oxigraph store on disk is rebuilt only
when the files changed (and while another process builds it, its previous build answers); a remote
server answers from what ``publish`` last uploaded to it. ``publish`` builds under the store's
writers' lock (on disk) or lease (on a server): one build at a time.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from . import reason, resources
from .errors import InputError, StoreError
from .store import OPTIONS, DatasetGraph, KnowledgeGraph, MemoryGraph, open_dataset, store_spec
from .store.base import declared_prefixes
from .store.dataset import Dataset, Generation, ensure_generation, stamp
from .store.disk import DiskStore
from .store.lease import Lease
from .store.oxigraph import CopyOnWrite, OxigraphDataset
from .store.remote import SparqlDataset


def input_files(data_files: Sequence[Path | str] | None = None) -> list[Path]:
    """Every file a build reads: the ontology, the reference data and templates, then the data
    (default: embedded data/). Given files are read with the reference data and templates, which a
    document's records point to (countries, adequacy, template items); a file given twice, or one of
    those, is read once. A given file that holds no triple (empty, truncated) is an InputError.
    """
    if not data_files:
        return resources.ontology_files() + resources.default_data_files()
    given = [Path(p) for p in data_files]
    for path in given:
        check_holds_triples(path)
    files: list[Path] = []
    seen: set[Path] = set()
    for path in [*resources.ontology_files(), *resources.reference_files(), *given]:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            files.append(path)
    return files


#: what a Turtle, N-Triples or TriG file may hold besides triples: comments, prefix and base lines
_NOT_A_TRIPLE = re.compile(r"(#[^\n]*|@?(prefix|base)\s[^\n]*|\s+)", re.IGNORECASE)


def check_holds_triples(path: Path, sample: int = 1 << 20) -> None:
    """InputError if a data file is empty or holds only comments and prefixes (read from its text,
    so a large file costs one read of its first MiB: anything else in it may be a triple)."""
    if not path.is_file():
        return  # the loader names a missing file
    if path.suffix.lower() not in (".ttl", ".nt", ".trig", ".nq", ".n3", ""):
        return
    with path.open("rb") as handle:
        head = handle.read(sample)
        whole = not handle.read(1)
    text = head.decode("utf-8", errors="replace")
    if whole and not _NOT_A_TRIPLE.sub("", text).strip():
        raise InputError("holds no triple (empty or truncated?): nothing to load", str(path))


@dataclass
class OpenGraphs:
    """What a store holds for a command: the asserted graph, and the inferred one if already built."""

    asserted: KnowledgeGraph
    inferred: KnowledgeGraph | None
    generation: Generation | None = None
    rebuilt: bool = False
    #: where the closure is computed, if not in the asserted graph's own store (see open_graphs)
    closure_home: DatasetGraph | None = None

    def infer(self) -> KnowledgeGraph:
        """The inferred graph, computing it now if the store does not hold it yet."""
        if self.inferred is None:
            if isinstance(self.asserted, MemoryGraph):
                self.inferred = reason.infer_cached(self.asserted)
            else:
                assert isinstance(self.asserted, DatasetGraph) and self.generation is not None
                self.inferred = reason.infer_in_store(self.closure_home or self.asserted,
                                                      self.generation.inferred)
        return self.inferred


def _load_side_by_side(files: Sequence[Path], asserted: DatasetGraph, closure: DatasetGraph) -> None:
    """Load the files into two in-memory stores at once: one keeps the asserted graph alone, the
    other (its mirror: later writes go to both) will receive the closure.

    Oxigraph's in-memory store indexes all its graphs together, so the closure's triples would slow
    every later lookup on the asserted graph (validation, paths, most queries: by 1.6x at 2 500
    services). Oxigraph parses without holding the GIL: on two cores the second load costs memory,
    not time.
    """
    errors: list[BaseException] = []

    def load_closure() -> None:
        try:
            closure.load_files(files)
        except BaseException as err:  # reported below, after the asserted graph's own error
            errors.append(err)

    worker = threading.Thread(target=load_closure, name="gdprgraph-closure-load")
    worker.start()
    try:
        asserted.load_files(files)
    finally:
        worker.join()
    if errors:
        raise errors[0]


def open_graphs(data_files: Sequence[Path | str] | None = None, store: str | None = None) -> OpenGraphs:
    """The graphs of ``store`` (see gdprgraph.store) built from the files (default: embedded data/)."""
    files = input_files(data_files)
    dataset = open_dataset(store_spec(store))
    if dataset is None:
        graph = MemoryGraph()
        graph.load_files(files)
        return OpenGraphs(graph, None)
    if isinstance(dataset, OxigraphDataset) and dataset.path is None:
        generation = Generation.new("")
        graph = DatasetGraph(dataset, [generation.asserted])
        closure = DatasetGraph(OxigraphDataset(), [generation.asserted])
        _load_side_by_side(files, graph, closure)
        graph.mirror = closure
        return OpenGraphs(graph, None, generation, rebuilt=True,
                          closure_home=graph.view(graph.graphs, dataset=closure.dataset))
    if isinstance(dataset, DiskStore):
        reader, generation, rebuilt = dataset.ensure(files, partial(_fill_in_place, files), wait=OPTIONS.wait)
        return _views(reader, generation, files, rebuilt)
    generation = dataset.current()
    if generation is None:
        raise StoreError(f"the store {dataset.location} holds no gdprgraph build; "
                         f"run: gdprgraph build --store sparql:{dataset.location}")
    return _views(dataset, generation, resources.ontology_files(), rebuilt=False)


def publish(data_files: Sequence[Path | str] | None, store: str, wait: float | None = None) -> OpenGraphs:
    """Build the graph and its inference locally, then load both into a store as a new generation.

    The store switches to the new generation only once it holds all of it; the previous one is
    dropped afterwards. Unchanged inputs are not uploaded again. One build at a time: another one
    in progress is waited for up to ``wait`` seconds (default: ``store.OPTIONS.wait``), after which
    StoreBusyError names it.
    """
    wait = OPTIONS.wait if wait is None else wait
    files = input_files(data_files)
    dataset = open_dataset(store_spec(store))
    if isinstance(dataset, DiskStore):
        reader, generation, rebuilt = dataset.ensure(files, partial(_fill_in_place, files), build=True, wait=wait)
        return _views(reader, generation, files, rebuilt)
    if dataset is None or (isinstance(dataset, OxigraphDataset) and dataset.path is None):
        graphs = open_graphs(data_files, store)
        graphs.infer()
        return graphs

    def upload(target: SparqlDataset, generation: Generation) -> None:
        local = OxigraphDataset()
        built = Generation.new(generation.fingerprint)
        _fill_in_place(files, local, built)
        # the new graphs are read by nothing until the switch, and dropped if the upload fails
        target.load_ntriples(local.dump(built.asserted), generation.asserted, staged=False)
        target.load_ntriples(local.dump(built.inferred), generation.inferred, staged=False)

    current = dataset.current()
    if current is not None and current.stamp == stamp(files):  # up to date: no lease needed to say so
        return _views(dataset, current, files, rebuilt=False)
    with Lease(dataset, "build").acquire(wait) as lease:
        generation, rebuilt = ensure_generation(dataset, files, upload, lease=lease)
    return _views(dataset, generation, files, rebuilt)


def _fill_in_place(files: Sequence[Path], dataset: Dataset, generation: Generation) -> None:
    """Load the files into the generation's asserted graph and infer into its inferred graph.

    An on-disk Oxigraph store is filled from a build in memory, copied in one bulk write: the
    rules' many small inserts and scratch graphs cost far more on disk than in memory.
    """
    if isinstance(dataset, OxigraphDataset) and dataset.path is not None:
        local = OxigraphDataset()
        _fill_in_place(files, local, generation)
        dataset.copy_from(local)
        return
    asserted = DatasetGraph(dataset, [generation.asserted])
    asserted.load_files(files)
    reason.infer_in_store(asserted, generation.inferred)


def _views(dataset: Dataset, generation: Generation, files: Sequence[Path], rebuilt: bool) -> OpenGraphs:
    if isinstance(dataset, SparqlDataset):  # shared: a session's own writes go to a private copy
        dataset = CopyOnWrite(dataset, [generation.asserted, generation.inferred])
    asserted = DatasetGraph(dataset, [generation.asserted])
    for path in files:
        asserted.bind_prefixes(declared_prefixes(path))
    asserted.sources = list(files)
    inferred = asserted.view([generation.asserted, generation.inferred], write_to=generation.inferred)
    return OpenGraphs(asserted, inferred, generation, rebuilt)


def load(data_files: Sequence[Path | str] | None = None, store: str | None = None) -> KnowledgeGraph:
    """Load the ontology with the given data files (or the embedded default) into one graph."""
    return open_graphs(data_files, store).asserted
