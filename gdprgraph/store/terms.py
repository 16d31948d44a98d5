"""RDF terms between rdflib (what callers see) and Oxigraph (where the data lives).

One pitfall handled here: Oxigraph types every plain literal as ``xsd:string`` (RDF 1.1), while
rdflib keeps ``Literal("x")`` and ``Literal("x", datatype=XSD.string)`` apart; plain literals come
back plain so that answers compare equal across backends.
"""

from __future__ import annotations

from functools import lru_cache

import pyoxigraph as ox
import rdflib
from rdflib.term import Identifier, Node

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> Identifier | None:
    """An Oxigraph term as the rdflib term with the same meaning."""
    return None if term is None else _converted(term)


@lru_cache(maxsize=1 << 17)
def _converted(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Identifier:
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
