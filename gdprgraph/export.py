"""The whole graph in a machine format: Turtle, JSON-LD (with our fixed @context) or N-Triples.

The same graph gives the same text: blank nodes are relabelled canonically, N-Triples lines are
sorted, JSON-LD nodes are sorted by @id and their values by their JSON text. Two profiles: the graph
as it is (``gdprgraph``: our ontology's terms and the DPV values), or the estate in DPV terms only
(``dpv``, see ``dpv_profile``).
"""

from __future__ import annotations

import json
from typing import Any

import rdflib
from rdflib import BNode
from rdflib.compare import to_canonical_graph

from . import resources
from .store.base import KnowledgeGraph

GRAPH_FORMATS = ("turtle", "jsonld", "nt")
PROFILES = ("gdprgraph", "dpv")


def context() -> dict[str, str]:
    """Our prefixes, as the JSON-LD @context kept in ontology/context.jsonld."""
    data = json.loads(resources.jsonld_context().read_text(encoding="utf-8"))
    return dict(data["@context"])


def _canonical(graph: rdflib.Graph, prefixes: dict[str, str], owned: bool = False) -> rdflib.Graph:
    """The graph with blank nodes named from their content (only when it has blank nodes), and our
    prefixes bound: a copy, or the graph itself when it is ``owned`` (made for this text) and has no
    blank node (copying is a third of the time of a large export)."""
    if any(isinstance(term, BNode) for triple in graph for term in triple):
        canonical = rdflib.Graph()
        canonical += to_canonical_graph(graph)
    elif owned:
        canonical = graph
    else:
        canonical = rdflib.Graph()
        canonical += graph
    for prefix, namespace in prefixes.items():
        canonical.bind(prefix, namespace, override=True, replace=True)
    return canonical


def _sort_values(value: Any, key: str = "") -> Any:
    """JSON-LD with every unordered array sorted (@list arrays keep their order)."""
    if isinstance(value, dict):
        return {k: _sort_values(v, k) for k, v in sorted(value.items())}
    if isinstance(value, list):
        items = [_sort_values(v) for v in value]
        if key == "@list":
            return items
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


def serialize(graph: rdflib.Graph, fmt: str, prefixes: dict[str, str] | None = None, *, owned: bool = False) -> str:
    """The graph as text in one of GRAPH_FORMATS, the same text for the same graph.

    ``prefixes`` are the Turtle prefixes and the JSON-LD @context (default: ``context()``). An
    ``owned`` graph (made for this text, used by nothing else) may get them bound in place."""
    if fmt not in GRAPH_FORMATS:
        raise ValueError(f"unknown graph format {fmt!r}")
    if prefixes is None:
        prefixes = context()
    canonical = _canonical(graph, prefixes, owned)
    if fmt == "nt":
        lines = sorted(line for line in canonical.serialize(format="nt").splitlines() if line.strip())
        return "\n".join(lines) + "\n"
    if fmt == "turtle":
        return canonical.serialize(format="turtle")
    document = json.loads(canonical.serialize(format="json-ld", context=prefixes, auto_compact=False))
    nodes = document.get("@graph", [document] if "@id" in document else [])
    nodes = [{k: v for k, v in node.items() if k != "@context"} for node in nodes]
    body = sorted(
        (_sort_values(node) for node in nodes), key=lambda n: (str(n.get("@id", "")), json.dumps(n, sort_keys=True))
    )
    return json.dumps({"@context": prefixes, "@graph": body}, ensure_ascii=False, indent=2) + "\n"


def export_graph(kg: KnowledgeGraph, fmt: str, profile: str = "gdprgraph") -> str:
    """The graph of ``kg`` as text in ``fmt``: as it is (profile ``gdprgraph``), or the estate in DPV
    terms only (profile ``dpv``, computed from the graph by the dpv-profile queries)."""
    if profile not in PROFILES:
        raise ValueError(f"unknown export profile {profile!r}")
    if profile == "dpv":
        from . import dpv_profile

        return serialize(dpv_profile.dpv_view(kg), fmt, dpv_profile.context(context()), owned=True)
    return serialize(kg.graph, fmt, owned=not kg.live_graph)  # a snapshot is made for this text
