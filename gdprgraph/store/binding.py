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

_WHERE = re.compile(r"(?<![?$\w])WHERE\s*\{", re.IGNORECASE)
_UNSAFE_IRI = re.compile(r'[\s<>"{}|^`\\]')
#: what is not SPARQL syntax for finding the WHERE group: strings, IRIs, comments
_NOT_CODE = re.compile(
    r"""
    \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\" | '''(?:[^'\\]|\\.|'(?!''))*'''
  | "(?:[^"\\\n]|\\.)*" | '(?:[^'\\\n]|\\.)*'
  | <[^<>"{}|^`\\\x00-\x20]*>
  | \#[^\n]*
""",
    re.VERBOSE | re.DOTALL,
)


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


class AnyOf(tuple[Node, ...]):
    """Several values for one parameter: the query answers for each of them (rows of VALUES)."""


#: a query's parameters by name: one value each, or several (``AnyOf``)
Bindings = Mapping[str, Node | AnyOf]


def inline_values(sparql: str, bindings: Bindings | None) -> str:
    """The query with its bindings as a VALUES block opening the WHERE group."""
    if not bindings:
        return sparql
    names = sorted(bindings)
    choices = [value if isinstance(value, AnyOf) else (value,) for value in (bindings[n] for n in names)]
    rows = " ".join("(" + " ".join(term_text(t) for t in row) + ")" for row in itertools.product(*choices))
    block = "VALUES (" + " ".join(f"?{n}" for n in names) + ") { " + rows + " } "
    if not rows:  # no value at all (an empty AnyOf): no solution (rdflib ignores a literal FILTER(false))
        block = (
            "VALUES ("
            + " ".join(f"?{n}" for n in names)
            + ") { ("
            + " ".join("UNDEF" for _ in names)
            + ") } FILTER(1 = 0) "
        )
    code = code_only(sparql)
    # the WHERE group, or (ASK { ... }, SELECT * { ... }) the first group: a prologue has none
    match = _WHERE.search(code) or re.search(r"\{", code)
    if match is None:
        raise InputError("cannot bind parameters: the query has no WHERE group")
    cut = match.end()
    return f"{sparql[:cut]} {block}{sparql[cut:]}"


def inline_values_each(update: str, bindings: Bindings | None) -> str:
    """A SPARQL Update of several operations with the bindings opening the WHERE group of each.

    >>> from rdflib import URIRef
    >>> print(inline_values_each("DELETE { ?s ?p 0 } WHERE { ?s ?p 0 } ;\\nINSERT { ?s ?p 1 } WHERE { }",
    ...                          {"s": URIRef("urn:x")}))
    DELETE { ?s ?p 0 } WHERE { VALUES (?s) { (<urn:x>) }  ?s ?p 0 } ;
    INSERT { ?s ?p 1 } WHERE { VALUES (?s) { (<urn:x>) }  }
    """
    if not bindings:
        return update
    block = inline_values("WHERE {}", bindings)[len("WHERE {") : -1]
    text = update
    for match in reversed(list(_WHERE.finditer(code_only(update)))):
        text = f"{text[: match.end()]}{block}{text[match.end() :]}"
    return text


def code_only(sparql: str) -> str:
    """The query with its strings, IRIs and comments blanked out (same length, same lines), so
    that a keyword or a brace inside them is not taken for syntax.

    >>> code_only('SELECT * { ?s ?p "WHERE {" } # WHERE {')
    'SELECT * { ?s ?p           }          '
    """
    return _NOT_CODE.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), sparql)
