"""Where the graph lives: the one ``KnowledgeGraph`` interface and its backends.

``--store`` names a backend:

- ``memory``: rdflib's in-memory store, owlrl and pyshacl (the plain stack; the reference);
- ``oxigraph`` (the default): an in-memory Oxigraph store, rules run inside it;
- ``oxigraph:PATH``: an Oxigraph store on disk, built once and reused while the inputs are unchanged
  (a folder of generations; see ``disk``);
- ``sparql:URL``: a remote SPARQL 1.1 server (query endpoint URL; see ``remote``, ``lease``, ``auth``).

``configure`` sets what the command line gives for every store: how long a writer waits for
another (``--wait``), and the credentials file for a server (``--auth-file``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from .base import KnowledgeGraph
from .binding import AnyOf, Bindings
from .dataset import Dataset, DatasetGraph, Generation
from .memory import MemoryGraph

KnowledgeGraph.memory_class = MemoryGraph  # what KnowledgeGraph.copy makes (base imports no backend)

if TYPE_CHECKING:
    from .disk import DiskStore

DEFAULT_STORE = "oxigraph"
_OPEN_STORES: dict[str, DiskStore] = {}

__all__ = [
    "DEFAULT_STORE",
    "OPTIONS",
    "AnyOf",
    "Bindings",
    "Dataset",
    "DatasetGraph",
    "Generation",
    "KnowledgeGraph",
    "MemoryGraph",
    "StoreOptions",
    "configure",
    "open_dataset",
    "store_spec",
]


@dataclass
class StoreOptions:
    """Settings of the command line that apply to every store a command opens."""

    #: seconds a writer waits for another one (a build holding a lease or the writers' lock)
    wait: float = 0.0
    #: the file holding the credentials for a SPARQL server (else $GDPRGRAPH_STORE_AUTH, or the URL's)
    auth_file: str | None = None


OPTIONS = StoreOptions()


def configure(wait: float | None = None, auth_file: str | None = None) -> None:
    """Set (or reset to their defaults) the options every store opened from now on uses."""
    OPTIONS.wait = max(0.0, wait or 0.0)
    OPTIONS.auth_file = auth_file or None


def store_spec(spec: str | None = None) -> str:
    """The store to use: the given spec, else $GDPRGRAPH_STORE, else the default."""
    return spec or os.environ.get("GDPRGRAPH_STORE") or DEFAULT_STORE


def open_dataset(spec: str) -> Dataset | DiskStore | None:
    """The Dataset a spec names (a DiskStore, a folder of generations, for ``oxigraph:PATH``); None
    for ``memory`` (which is not a dataset)."""
    kind, _, where = spec.partition(":")
    if kind == "memory" and not where:
        return None
    if kind == "oxigraph":
        from .oxigraph import OxigraphDataset

        if not where:
            return OxigraphDataset()
        from .disk import DiskStore

        key = str(Path(where).resolve())  # one object per folder: it keeps its open generations
        if key not in _OPEN_STORES:
            _OPEN_STORES[key] = DiskStore(where)
        return _OPEN_STORES[key]
    if kind == "sparql" and where:
        from .auth import credentials_from
        from .remote import SparqlDataset

        # credentials: --auth-file, else those in the URL, else $GDPRGRAPH_STORE_AUTH
        if OPTIONS.auth_file:
            return SparqlDataset(where, credentials=credentials_from(OPTIONS.auth_file))
        return SparqlDataset(where)
    from .auth import mask_url

    raise InputError(
        f"unknown store '{kind}:{mask_url(where)}' (memory, oxigraph, oxigraph:PATH, sparql:URL)"
        if where
        else f"unknown store '{spec}' (memory, oxigraph, oxigraph:PATH, sparql:URL)"
    )
