"""Build the knowledge graph (ontology + reference data + templates + documents) in a store.

``input_files`` says which files a build reads. ``open_graphs`` gives a command the graphs of a
store built from them, and ``publish`` builds into a store: both ask the store's backend
(gdprgraph.backends), which knows how its kind of store opens, publishes and infers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from . import resources
from .backends import OpenGraphs, backend_for
from .errors import InputError
from .store import KnowledgeGraph

__all__ = ["OpenGraphs", "check_holds_triples", "input_files", "load", "open_graphs", "publish"]


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


def open_graphs(data_files: Sequence[Path | str] | None = None, store: str | None = None) -> OpenGraphs:
    """The graphs of ``store`` (see gdprgraph.backends) built from the files (default: embedded data/)."""
    files = input_files(data_files)
    return backend_for(store).open(files)


def publish(data_files: Sequence[Path | str] | None, store: str, wait: float | None = None) -> OpenGraphs:
    """Build the graph and its inference, and keep them in the store (a persistent one switches to
    the new generation only once it holds all of it). One build at a time: another one in progress
    is waited for up to ``wait`` seconds (default: ``store.OPTIONS.wait``), after which
    StoreBusyError names it.
    """
    files = input_files(data_files)
    return backend_for(store).publish(files, wait)


def load(data_files: Sequence[Path | str] | None = None, store: str | None = None) -> KnowledgeGraph:
    """Load the ontology with the given data files (or the embedded default) into one graph."""
    return open_graphs(data_files, store).asserted
