"""Resolve the names users type into IRIs: case, accents, punctuation and legal suffixes optional."""

from __future__ import annotations

import functools
from collections.abc import Callable

from rdflib import Literal, URIRef
from rdflib.term import Identifier

from .errors import AmbiguousNameError, InputError, NoMatchError
from .labels import best
from .namekinds import KINDS as KINDS
from .spelling import closeness as closeness
from .spelling import core_name as core_name
from .spelling import normalise as normalise
from .spelling import ranked as ranked
from .spelling import strip_legal_suffix as strip_legal_suffix
from .store import AnyOf, KnowledgeGraph

#: kinds whose short names are brands shared by a group (``Orange``): see resolve
BRAND_KINDS = {"organisation"}


def clear_caches() -> None:
    """Forget the normalised and core forms kept of the labels met (benchmarks, long sessions)."""
    core_name.cache_clear()
    _normalised.cache_clear()


def candidates(graph: KnowledgeGraph, kind: str) -> dict[URIRef, list[tuple[str, bool]]]:
    """Every entity of a kind with its names (label, preferred?)."""
    if kind not in KINDS:
        raise InputError(f"unknown parameter kind '{kind}'")
    query_name, root, _ = KINDS[kind]
    names: dict[URIRef, list[tuple[str, bool]]] = {}
    for row in graph.internal(query_name, {"kind": URIRef(root)}):
        entity, preferred = row.term("entity"), row.term("preferred")
        if not isinstance(entity, URIRef):  # a name resolves to an IRI: a blank node has none to give
            continue
        names.setdefault(entity, []).append(
            (str(row.label), isinstance(preferred, Literal) and bool(preferred.toPython()))
        )
    return names


def display_name(labels: list[tuple[str, bool]]) -> str:
    """The preferred label if there is one, else the first name (labels.best: the rule of every display name)."""
    return best((label, None, preferred) for label, preferred in labels) or ""  # names carry no language


def resolve(
    graph: KnowledgeGraph, name: str, kind: str, entities: dict[URIRef, list[tuple[str, bool]]] | None = None
) -> URIRef:
    """The one entity of ``kind`` that ``name`` designates.

    Tried in order, the first test that any name passes deciding: an exact match of a normalised
    name; the same without bracketed parts and legal suffixes ("Amazon Web Services Inc" is
    "Amazon Web Services, Inc. (AWS)", not also "Amazon Web Services Australia Pty Ltd"); then
    names containing every word typed. Several matches raise AmbiguousNameError (listing them), and
    so does a one-word organisation name that is also a word of other organisations' names (the
    brand "Orange" matches "Orange SA" and "Orange Business Services"); none raises NoMatchError
    with the closest names as suggestions. ``entities`` are the candidates(graph, kind), if
    already read.
    """
    if name.startswith(("http://", "https://")):
        return _known_iri(graph, URIRef(name.strip()), kind)
    wanted = normalise(name)
    if not wanted:
        raise InputError(f"empty {KINDS.get(kind, (None, None, kind))[2]} name")
    entities = candidates(graph, kind) if entities is None else entities
    core = core_name(name) or wanted
    tests: tuple[Callable[[str], bool], ...] = (
        lambda label: _normalised(label) == wanted,
        lambda label: core_name(label) == core,
        lambda label: all(word in _normalised(label).split() or word in _normalised(label) for word in core.split()),
    )
    for test in tests:
        found = sorted({iri for iri, labels in entities.items() if any(test(lab) for lab, _ in labels)})
        if len(found) > 1 and KINDS[kind][0] == "class-names":
            found = [broadest] if (broadest := _holding_all(graph, found)) else found
        if len(found) == 1 and kind in BRAND_KINDS:
            found = sorted({*found, *_sharing_brand(entities, wanted)})
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise AmbiguousNameError(name, [f"{display_name(entities[i])} <{i}>" for i in found])
    raise NoMatchError(f"no {KINDS[kind][2]} named '{name}'", suggest(entities, wanted))


def _sharing_brand(entities: dict[URIRef, list[tuple[str, bool]]], wanted: str) -> list[URIRef]:
    """When one word was typed (no legal form): the entities with a longer name that has it as
    one of its words."""
    if len(wanted.split()) != 1:
        return []
    return [
        iri
        for iri, labels in entities.items()
        if any(
            wanted in _normalised(lab).split() and len(core_name(lab).split()) > 1 and wanted in core_name(lab).split()
            for lab, _ in labels
        )
    ]


@functools.lru_cache(maxsize=1 << 16)
def _normalised(label: str) -> str:
    """normalise(), kept for the labels every resolution compares (a warm session asks many)."""
    return normalise(label)


def _known_iri(graph: KnowledgeGraph, iri: URIRef, kind: str) -> URIRef:
    """An IRI typed instead of a name, if the graph holds it as an entity of the kind."""
    if kind not in KINDS:
        raise InputError(f"unknown parameter kind '{kind}'")
    if not graph.internal("is-of-kind", {"entity": iri, "kind": URIRef(KINDS[kind][1])}).askAnswer:
        raise NoMatchError(f"no {KINDS[kind][2]} <{iri}> in the graph")
    return iri


def _holding_all(graph: KnowledgeGraph, classes: list[URIRef]) -> URIRef | None:
    """The one class of several that every other one is a subclass of, if there is one.

    Two documents may give one name to a category and to a narrower one ("Données de localisation":
    a policy's own category, under pd:Location, and the template line about pd:Location); the
    broader one is meant, and a question about it also answers for the narrower.
    """
    below: dict[Identifier, set[Identifier]] = {c: set() for c in classes}
    params = {"narrower": AnyOf(classes), "broader": AnyOf(classes)}
    for row in graph.internal("broader-classes", params):  # both bound to the classes
        below[row.term("broader")].add(row.term("narrower"))
    holding = [c for c in classes if below[c] >= set(classes) - {c}]
    return holding[0] if len(holding) == 1 else None


def suggest(entities: dict[URIRef, list[tuple[str, bool]]], wanted: str, limit: int = 3) -> list[str]:
    """The display names closest to what was typed, closest first."""
    scored = [(max(closeness(wanted, lab) for lab, _ in labels), display_name(labels)) for labels in entities.values()]
    return ranked(wanted, scored, limit)
