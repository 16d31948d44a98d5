"""Build the knowledge graph: ontology + reference data + templates + document files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from . import resources
from .store import KnowledgeGraph


def input_files(data_files: Sequence[Path | str] | None = None) -> list[Path]:
    """Every file a build reads: the ontology first, then the data (default: embedded data/)."""
    data = [Path(p) for p in data_files] if data_files else resources.default_data_files()
    return resources.ontology_files() + data


def load(data_files: Sequence[Path | str] | None = None) -> KnowledgeGraph:
    """Load the ontology with the given data files (or the embedded default) into one graph."""
    graph = KnowledgeGraph()
    graph.load_files(input_files(data_files))
    return graph
