"""The estate in DPV terms only (``gdprgraph export graph --profile dpv``).

For a consumer that knows DPV and not our ``gg:`` ontology: services, their processors and
controllers, what they declare Yes, retention, sub-processing (nested ``dpv:Process``), transfers to
third countries with their EU-GDPR bases and safeguards, the controllers' processing activities, with
labels and provenance in DPV-neutral vocabularies (RDFS, SKOS, Dublin Core, PROV). The view is
computed from the asserted graph by the CONSTRUCT queries ``queries/internal/dpv-profile-*.rq``
(their header comments state the DPV patterns); this module only runs them and merges the results.
No term of the gdprgraph ontology namespace is written.
"""

from __future__ import annotations

import rdflib

from .store.base import KnowledgeGraph
from .vocabulary import GG

#: the CONSTRUCT queries of queries/internal/ whose union is the DPV profile
QUERIES = (
    "dpv-profile-services",
    "dpv-profile-retention",
    "dpv-profile-subprocessing",
    "dpv-profile-transfers",
    "dpv-profile-safeguards",
    "dpv-profile-controller",
    "dpv-profile-context",
)

#: the gdprgraph ontology namespace, which the profile never writes
ONTOLOGY_NAMESPACE = str(GG)


def dpv_view(kg: KnowledgeGraph) -> rdflib.Graph:
    """The DPV-only graph of the estate held by ``kg`` (its asserted graph)."""
    parts = [result.graph for result in map(kg.internal, QUERIES) if result.graph is not None]
    if not parts:
        return rdflib.Graph()
    # the others added to the largest, which is the view (each part is a graph made for this call)
    view = max(parts, key=len)
    for part in parts:
        if part is not view:
            view += part
    return view


def context(prefixes: dict[str, str]) -> dict[str, str]:
    """The JSON-LD @context (and Turtle prefixes) of the profile: ours, without the ontology's."""
    return {prefix: namespace for prefix, namespace in prefixes.items() if namespace != ONTOLOGY_NAMESPACE}
