"""Parameters for engines without a binding API (SPARQL Update, remote servers): a VALUES block.

The values are RDF terms (IRIs resolved from the graph, or literals), written with rdflib's N-Triples
escaping into a ``VALUES`` block placed first in the WHERE group, so that every pattern and filter
of that group sees them bound. User text is never spliced into the query: an IRI that could break
out of its ``<...>`` is refused.

>>> from rdflib import URIRef, Literal
>>> inline_values('SELECT ?s WHERE { ?s ?p ?o }', {"o": Literal('say "hi"')})
'SELECT ?s WHERE { VALUES (?o) { ("say \\\\"hi\\\\"") }  ?s ?p ?o }'
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from ..errors import InputError

_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_UNSAFE_IRI = re.compile(r'[\s<>"{}|^`\\]')


def term_text(term: Node) -> str:
    """A term as SPARQL text, safely escaped."""
    if isinstance(term, URIRef):
        if _UNSAFE_IRI.search(str(term)):
            raise InputError(f"not a valid IRI: {str(term)!r}")
        return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3()
    if isinstance(term, BNode):
        raise InputError("a blank node cannot be sent as a query parameter")
    raise InputError(f"unsupported parameter value {term!r}")


class AnyOf(tuple):
    """Several values for one parameter: the query answers for each of them (rows of VALUES)."""


def inline_values(sparql: str, bindings: Mapping[str, Node | AnyOf] | None) -> str:
    """The query with its bindings as a VALUES block opening the WHERE group."""
    if not bindings:
        return sparql
    names = sorted(bindings)
    choices = [bindings[n] if isinstance(bindings[n], AnyOf) else (bindings[n],) for n in names]
    rows = " ".join("(" + " ".join(term_text(t) for t in row) + ")" for row in itertools.product(*choices))
    block = "VALUES (" + " ".join(f"?{n}" for n in names) + ") { " + rows + " } "
    match = _WHERE.search(sparql) or re.search(r"\{", _strip_prologue(sparql))
    if match is None:
        raise InputError("cannot bind parameters: the query has no WHERE group")
    if not _WHERE.search(sparql):  # ASK { ... } without WHERE: find the brace after the prologue
        offset = len(sparql) - len(_strip_prologue(sparql))
        cut = offset + match.end()
    else:
        cut = match.end()
    return f"{sparql[:cut]} {block}{sparql[cut:]}"


def _strip_prologue(sparql: str) -> str:
    """The query after its comments and PREFIX/BASE declarations."""
    text = sparql
    while True:
        stripped = re.sub(r"^\s*(#[^\n]*\n|PREFIX\s+[\w.-]*:\s*<[^>]*>|BASE\s+<[^>]*>)", "", text,
                          count=1, flags=re.IGNORECASE)
        if stripped == text:
            return text
        text = stripped
