"""Parameters for engines without a binding API (SPARQL Update, remote servers): a VALUES block.

The values are RDF terms (IRIs resolved from the graph, or literals), written with rdflib's N-Triples
escaping into a ``VALUES`` block placed first in the WHERE group, so that every pattern and filter
of that group sees them bound. User text is never spliced into the query: an IRI that could break
out of its ``<...>`` is refused.

Groups directly in the WHERE group that name a parameter in their own patterns get the same
values, so that an engine evaluating them on their own (Oxigraph does) evaluates them for those
values only, with the same answers:

- a ``MINUS`` group: every row it could remove carries the parameter's value (a name only inside
  a nested group, a filter or an expression of the group, where it may stay unbound, does not
  count; a group with VALUES of its own is left as written);
- a ``UNION`` branch naming it in its triple patterns and nowhere else (not in a filter, an
  expression or an optional part): the join with the values distributes over the branches (a
  branch binding the parameter to something else, such as ``VALUES ?p { rdf:nil }``, then gives
  no row at all, and is not evaluated).

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
    text = sparql
    if rows:
        for where, named in reversed(_groups_to_bind(code, cut, names)):
            values = {n: bindings[n] for n in named}
            inner = inline_values("WHERE {}", values)[len("WHERE {") : -1]
            text = f"{text[:where]}{inner}{text[where:]}"
    return f"{text[:cut]} {block}{text[cut:]}"


_GROUP_TOKEN = re.compile(r"[{}]|(?<![?$\w])(MINUS|UNION)(?!\w)", re.IGNORECASE)
_VALUES = re.compile(r"(?<![?$\w])VALUES(?!\w)", re.IGNORECASE)


def _groups_to_bind(code: str, opened: int, names: list[str]) -> list[tuple[int, list[str]]]:
    """Where the groups directly in the group opened at ``opened`` (code only) get the values too,
    with the parameters each gets, in text order:

    - a MINUS group naming a parameter in its own patterns (not only in a nested group, a filter or
      an expression, where it may stay unbound) and without VALUES of its own: where it opens;
    - a UNION branch naming a parameter in its triple patterns (its own or those of plain groups in
      it) and nowhere else in it (no filter, expression, optional or other group of the branch
      sees it): where it closes, joined with the rest.
    """
    found: list[tuple[int, list[str]]] = []
    depth, keyword, group_start, group_keyword = 1, "", 0, ""
    for token in _GROUP_TOKEN.finditer(code, opened):
        word = token.group().upper()
        if word in ("MINUS", "UNION"):
            if depth == 1:
                keyword = word
                if word == "UNION" and group_keyword != "UNION":  # the branch before this UNION
                    found.extend(_union_branch(code, group_start, names))
            continue
        if word == "{":
            depth += 1
            if depth == 2:
                group_start, group_keyword, keyword = token.end(), keyword, ""
                if group_keyword == "MINUS":
                    own = _own_patterns(code, group_start)
                    named = [n for n in names if _mentions(own, n)]
                    if named and not _VALUES.search(own):
                        found.append((group_start, named))
                elif group_keyword == "UNION":
                    found.extend(_union_branch(code, group_start, names))
            continue
        depth -= 1
        if depth == 0:
            break
        if depth == 1:
            keyword = ""
    return sorted(found)


def _union_branch(code: str, opened: int, names: list[str]) -> list[tuple[int, list[str]]]:
    """The UNION branch opened at ``opened``: where it closes, and the parameters only its patterns
    name (none: nothing to bind there)."""
    named = [n for n in names if _pattern_mentions(code, opened, n)]
    return [(_closing(code, opened), named)] if named else []


def _pattern_mentions(code: str, opened: int, name: str) -> int | None:
    """How often the group opened at ``opened`` names ``?name`` in its triple patterns, its own or
    those of the plain groups nested in it (joined with it); None if it also names it elsewhere: in
    parentheses (a filter, an expression), or in an OPTIONAL, MINUS, UNION, GRAPH or EXISTS group."""
    close = _closing(code, opened)
    own: list[str] = []
    count = 0
    index = opened
    while index < close:
        char = code[index]
        if char == "(":
            end = _closing(code, index + 1, "()") + 1
            if _mentions(code[index:end], name):
                return None
            index = end
        elif char == "{":
            end = _closing(code, index + 1)
            before = code[:index].rstrip()[-1:]
            plain = before in ("{", "}", ".", ")") and not re.match(r"\s*UNION(?!\w)", code[end + 1 :], re.IGNORECASE)
            nested = _pattern_mentions(code, index + 1, name) if plain else None
            if nested is None and _mentions(code[index:end], name):
                return None
            count += nested or 0
            index = end + 1
        else:
            own.append(char)
            index += 1
    return count + len(_mentions("".join(own), name))


def _mentions(text: str, name: str) -> list[str]:
    return re.findall(rf"[?$]{re.escape(name)}(?!\w)", text)


def _closing(code: str, opened: int, brackets: str = "{}") -> int:
    """Where the group (or, with ``brackets="()"``, the parenthesis) opened just before ``opened``
    closes: the index of its closing bracket."""
    depth = 0
    for index in range(opened, len(code)):
        if code[index] == brackets[0]:
            depth += 1
        elif code[index] == brackets[1]:
            if depth == 0:
                return index
            depth -= 1
    return len(code)


def _own_patterns(code: str, opened: int) -> str:
    """The text of the group opened at ``opened`` without its nested groups and parenthesised parts."""
    kept: list[str] = []
    depth = 0
    for char in code[opened:]:
        if char in "{(":
            depth += 1
        elif char in "})":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0:
            kept.append(char)
    return "".join(kept)


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
