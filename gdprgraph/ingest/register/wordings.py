"""The wordings of data/reference/register-wordings.ttl: lawful bases, Article 9 conditions, transfer
bases, purposes and categories as registers write them, and article references."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from rdflib import SKOS, Graph, URIRef

from ... import resources
from ...spelling import normalise
from ...vocabulary import DPV, EU_GDPR, GG, GGR

WORDINGS = "register-wordings.ttl"
SCHEMES = {
    name: GGR[f"wordings-{name}"]
    for name in (
        "lawful-basis",
        "art9-condition",
        "transfer-basis",
        "purpose",
        "data-category",
        "data-subject",
        "technical-measure",
    )
}


# ------------------------------------------------------------------------------------------------ wordings


@cache
def _wordings_graph() -> Graph:
    return Graph().parse(resources.data_dir() / "reference" / WORDINGS)


@cache
def wordings(scheme: str) -> list[tuple[str, URIRef]]:
    """(normalised wording, term) of a scheme of register-wordings.ttl, longest wording first."""
    graph = _wordings_graph()
    found = []
    for concept in graph.subjects(SKOS.inScheme, SCHEMES[scheme]):
        term = graph.value(concept, SKOS.exactMatch) or graph.value(concept, SKOS.relatedMatch)
        for label in graph.objects(concept, SKOS.altLabel):
            found.append((normalise(str(label)), URIRef(str(term))))
    return sorted(set(found), key=lambda pair: (-len(pair[0]), pair[0], str(pair[1])))


@cache
def instruments() -> dict[URIRef, URIRef]:
    """Transfer basis -> the instrument it rests on (skos:relatedMatch of the transfer-basis wordings)."""
    graph = _wordings_graph()
    return {
        URIRef(str(graph.value(c, SKOS.exactMatch))): URIRef(str(graph.value(c, SKOS.relatedMatch)))
        for c in graph.subjects(SKOS.inScheme, SCHEMES["transfer-basis"])
        if graph.value(c, SKOS.relatedMatch) is not None
    }


def find_wordings(text: str, schemes: Sequence[str]) -> list[URIRef]:
    """The terms whose wordings a cell holds as whole words, longest first, overlaps excluded, in order.

    >>> [str(t).rsplit("#")[1] for t in find_wordings("Exécution du contrat et intérêt légitime", ["lawful-basis"])]
    ['A6-1-b', 'A6-1-f']
    >>> [str(t).rsplit("#")[1] for t in find_wordings("Consentement explicite", ["lawful-basis", "art9-condition"])]
    ['A9-2-a']
    """
    words = f" {normalise(text)} "
    taken = [False] * len(words)
    found: list[tuple[int, URIRef]] = []
    candidates = [(wording, term, rank) for rank, scheme in enumerate(schemes) for wording, term in wordings(scheme)]
    candidates.sort(key=lambda item: (-len(item[0]), item[2]))
    for wording, term, _ in candidates:
        start = words.find(f" {wording} ")
        while start >= 0:
            span = range(start + 1, start + 1 + len(wording))
            if not any(taken[i] for i in span):
                for i in span:
                    taken[i] = True
                found.append((start, term))
                break
            start = words.find(f" {wording} ", start + 1)
    result: list[URIRef] = []
    for _, term in sorted(found, key=lambda pair: pair[0]):
        if term not in result:
            result.append(term)
    return result


def basis_property(term: URIRef) -> URIRef:
    """How an activity is linked to a basis: gg:article9Condition for Art. 9(2), else dpv:hasLegalBasis."""
    return GG.article9Condition if str(term).startswith(str(EU_GDPR["A9-2-"])) else DPV.hasLegalBasis


def whole_wording(text: str, scheme: str) -> URIRef | None:
    """The term a whole cell (or item) names in a scheme, or None."""
    key = normalise(text)
    return next((term for wording, term in wordings(scheme) if wording == key), None)


ARTICLE = re.compile(r"\b(?:art(?:icle)?\s+)?(6)\s+1\s+([a-f])\b|\b(?:art(?:icle)?\s+)?(9)\s+2\s+([a-j])\b")


def article_references(text: str) -> list[URIRef]:
    """Lawful bases cited by article: '6(1)(b)', 'art. 9.2.a'.

    >>> [str(t).rsplit("#")[1] for t in article_references("Art. 6(1)(b) and article 9.2.h")]
    ['A6-1-b', 'A9-2-h']
    """
    found = []
    for match in ARTICLE.finditer(normalise(text.replace(".", " "))):
        if match[1]:
            found.append(EU_GDPR[f"A6-1-{match[2]}"])
        else:
            found.append(EU_GDPR[f"A9-2-{match[4]}"])
    return found
