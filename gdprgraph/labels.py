"""The one rule that names a node for display.

English first, then untagged, then any other language; among names of one rank, a preferred name
(``skos:prefLabel`` or ``rdfs:label``) before another (``skos:altLabel``, a template line's wording),
then the alphabetically first. A node without a name is shown by the default its caller gives, else
by its IRI's local name (after the last ``#`` or ``/``).

Callers that hold a graph use ``display_name``; those that hold rows (a query's labels with their
language, names with their "preferred" flag) rank them with ``rank`` or pick with ``best``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from rdflib.term import Node

from .vocabulary import RDFS, SKOS

#: the properties whose values name a node, all preferred
NAMING = (SKOS.prefLabel, RDFS.label)


class Labelled(Protocol):
    """Anything whose objects can be listed: an rdflib Graph, a KnowledgeGraph."""

    def objects(self, subject: Node, predicate: Node) -> Iterable[Node]: ...


def rank(text: str, lang: str | None, preferred: bool = True) -> tuple[int, int, str]:
    """The sort key of a name: language (en, untagged, other), preferred first, then the text."""
    language = 0 if lang == "en" else (1 if not lang else 2)
    return language, 0 if preferred else 1, text


def best(names: Iterable[tuple[str, str | None, bool]]) -> str | None:
    """The name to show among ``(text, language, preferred)`` triples, None when there is none."""
    ranked = [rank(*name) for name in names]
    return min(ranked)[2] if ranked else None


def local_name(iri: object) -> str:
    """The last segment of an IRI: ``.../ontology#Supplier`` -> ``Supplier``."""
    return str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def label_of(graph: Labelled, node: Node) -> str | None:
    """The name of ``node`` in ``graph`` by the rule above, None when it has none."""
    return best(
        (str(label), getattr(label, "language", None), True) for prop in NAMING for label in graph.objects(node, prop)
    )


def display_name(graph: Labelled, node: Node, default: str | None = None) -> str:
    """The name of ``node`` in ``graph`` by the rule above; ``default`` (else the local name) if it has none."""
    found = label_of(graph, node)
    if found is not None:
        return found
    return default if default is not None else local_name(node)
