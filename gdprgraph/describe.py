"""Everything the graph knows about one service or organisation, with its sources."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from rdflib import URIRef

from . import names
from .errors import AmbiguousNameError, NoMatchError
from .render import cell
from .workspace import Workspace

#: the order in which the labels of a value are preferred, by language (English output)
LABEL_RANK = {"en": 0, "": 1}
#: what each statement of a description holds
STATEMENT_KEYS = ("kind", "item", "status", "service", "document", "section", "line", "text")


@dataclass
class Description:
    """An entity's direct facts and the sourced statements about it."""

    iri: URIRef
    kind: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    statements: list[dict[str, str]] = field(default_factory=list)


def find(ws: Workspace, name: str) -> tuple[URIRef, str]:
    """Resolve a name as a service or an organisation."""
    found: list[tuple[URIRef, str]] = []
    misses: list[NoMatchError] = []
    for kind in ("service", "organisation"):
        try:
            found.append((ws.resolve(name, kind), kind))
        except AmbiguousNameError:
            raise
        except NoMatchError as miss:
            misses.append(miss)
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise AmbiguousNameError(name, [f"{kind} <{iri}>" for iri, kind in found])
    suggestions = names.ranked(name, [(names.closeness(name, s), s) for miss in misses for s in miss.suggestions])
    raise NoMatchError(f"no service or organisation named '{name}'", suggestions)


def describe(ws: Workspace, name: str) -> Description:
    """The description of the service or organisation ``name`` designates."""
    iri, kind = find(ws, name)
    graph = ws.asserted
    nsm = graph.namespace_manager
    desc = Description(iri, kind)
    facts: dict[tuple[str, str], tuple[int, str]] = {}  # (property, value) -> (rank, label): English first
    for row in graph.internal("entity-facts", {"entity": iri}):
        prop = str(row.propertyLabel) if row.propertyLabel is not None else cell(row.p, nsm)
        if row.valueLabel is None:
            label, rank = cell(row.value, nsm), 3
        else:
            label, rank = str(row.valueLabel), LABEL_RANK.get(str(row.valueLang or ""), 2)
        key = (prop, str(row.value))
        if key not in facts or (rank, label) < facts[key]:
            facts[key] = (rank, label)
    desc.facts = [(prop, label) for (prop, _), (_, label) in facts.items()]
    for row in graph.internal("statements-about", {"entity": iri}):
        desc.statements.append({k: cell(row[k], nsm) for k in STATEMENT_KEYS})
    return desc


def as_text(desc: Description) -> str:
    """A readable report of a description."""
    lines = [f"{desc.kind}: <{desc.iri}>"]
    for prop, value in desc.facts:
        lines.append(f"  {prop}: {value}")
    lines.append(f"statements ({len(desc.statements)}):")
    for st in desc.statements:
        head = st["kind"] + (f" [{st['item']}]" if st["item"] else "")
        if st["status"]:
            head += f" = {st['status']}"
        if desc.kind == "organisation" and st["service"]:
            head += f" (service {st['service']})"
        where = f"{st['document']} §{st['section']}" + (f" line {st['line']}" if st["line"] else "")
        lines.append(f"  - {head}  <- {where}")
        if st["text"]:
            lines.append(f'      "{st["text"][:160]}"')
    return "\n".join(lines)


def as_json(desc: Description) -> str:
    """A description as JSON: ``iri``, ``kind``, ``facts`` (``property``, ``value``) and
    ``statements`` (STATEMENT_KEYS; ``line`` a number, absent values null), keys in this order."""

    def value(key: str, text: str) -> object:
        if not text:
            return None
        return int(text) if key == "line" and text.isdigit() else text

    return json.dumps(
        {
            "iri": str(desc.iri),
            "kind": desc.kind,
            "facts": [{"property": prop, "value": val} for prop, val in desc.facts],
            "statements": [{key: value(key, st.get(key, "")) for key in STATEMENT_KEYS} for st in desc.statements],
        },
        ensure_ascii=False,
        indent=2,
    )
