"""RDF terms between rdflib (what callers see) and Oxigraph (where the data lives).

One pitfall handled here: Oxigraph types every plain literal as ``xsd:string`` (RDF 1.1), while
rdflib keeps ``Literal("x")`` and ``Literal("x", datatype=XSD.string)`` apart; plain literals come
back plain so that answers compare equal across backends.
"""

from __future__ import annotations

from functools import lru_cache
from typing import overload

import pyoxigraph as ox
import rdflib
from rdflib.term import Identifier, Node

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

#: what Oxigraph puts in a triple or a solution (a quoted triple, RDF-star, is refused here)
OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@overload
def to_rdflib(term: OxTerm) -> Identifier: ...
@overload
def to_rdflib(term: None) -> None: ...
def to_rdflib(term: OxTerm | None) -> Identifier | None:
    """An Oxigraph term as the rdflib term with the same meaning (TypeError for a quoted triple)."""
    return None if term is None else _converted(term)


@lru_cache(maxsize=1 << 17)
def _converted(term: OxTerm) -> Identifier:
    # Terms recur across the rows of an answer (a service, a country, a label); rdflib terms are
    # immutable, so each distinct one is built once (a typed literal parses its value).
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype))
    raise TypeError(f"unsupported term {term!r}")


def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as an Oxigraph term."""
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unsupported term {term!r}")


def subject_to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode:
    """An rdflib subject as an Oxigraph one (TypeError for a literal, as Oxigraph gives)."""
    converted = to_oxigraph(term)
    if isinstance(converted, ox.Literal):
        raise TypeError(f"a literal cannot be a subject: {term!r}")
    return converted


def predicate_to_oxigraph(term: Node) -> ox.NamedNode:
    """An rdflib predicate as an Oxigraph one (TypeError for anything but an IRI, as Oxigraph gives)."""
    converted = to_oxigraph(term)
    if not isinstance(converted, ox.NamedNode):
        raise TypeError(f"a predicate must be an IRI: {term!r}")
    return converted
