"""Where the graph lives: the one ``KnowledgeGraph`` interface and its backends.

``--store`` names a backend:

- ``memory``: rdflib's in-memory store, owlrl and pyshacl (the plain stack; the reference);
- ``oxigraph`` (the default): an in-memory Oxigraph store, rules run inside it;
- ``oxigraph:PATH``: an Oxigraph store on disk, built once and reused while the inputs are unchanged;
- ``sparql:URL``: a remote SPARQL 1.1 server (query endpoint URL; see ``remote``).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError
from .base import KnowledgeGraph
from .binding import AnyOf
from .dataset import Dataset, DatasetGraph, Generation
from .memory import MemoryGraph

DEFAULT_STORE = "oxigraph"
_OPEN_STORES: dict[str, Dataset] = {}

__all__ = ["DEFAULT_STORE", "AnyOf", "Dataset", "DatasetGraph", "Generation", "KnowledgeGraph", "MemoryGraph",
           "open_dataset", "store_spec"]


def store_spec(spec: str | None = None) -> str:
    """The store to use: the given spec, else $GDPRGRAPH_STORE, else the default."""
    return spec or os.environ.get("GDPRGRAPH_STORE") or DEFAULT_STORE


def open_dataset(spec: str) -> Dataset | None:
    """The Dataset a spec names; None for ``memory`` (which is not a dataset)."""
    kind, _, where = spec.partition(":")
    if kind == "memory" and not where:
        return None
    if kind == "oxigraph":
        from .oxigraph import OxigraphDataset
        if not where:
            return OxigraphDataset()
        # An on-disk store is locked by the process that opens it: open each path once.
        key = str(Path(where).resolve())
        if key not in _OPEN_STORES:
            _OPEN_STORES[key] = OxigraphDataset(where)
        return _OPEN_STORES[key]
    if kind == "sparql" and where:
        from .remote import SparqlDataset
        return SparqlDataset(where)
    raise InputError(f"unknown store '{spec}' (memory, oxigraph, oxigraph:PATH, sparql:URL)")
