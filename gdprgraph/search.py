"""Find any name of the estate (services, organisations, categories, countries, purposes) the way
the command line resolves it (names.resolve), with the closest names first for a misspelling."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from rdflib import URIRef

from . import names
from .errors import AmbiguousNameError, NoMatchError
from .workspace import Workspace

#: the kinds a search looks in, in the order their exact matches are listed
KINDS = ("service", "organisation", "data-category", "data-subject", "country", "activity", "purpose")


@dataclass(frozen=True)
class Hit:
    """One entity a search found: ``exact`` when the CLI's resolution designates it."""

    kind: str
    iri: str
    name: str
    score: float
    exact: bool


def entities(ws: Workspace, kind: str) -> dict[URIRef, list[tuple[str, bool]]]:
    """The names of each entity of a kind (kept by the workspace, as resolve keeps them)."""
    return ws.kept(f"names of {kind}", lambda: names.candidates(ws.asserted, kind))


def display_name(ws: Workspace, kind: str, iri: str) -> str:
    """The display name of an entity of a kind (its IRI when it has no name)."""
    labels = entities(ws, kind).get(URIRef(iri))
    return names.display_name(labels) if labels else iri


#: a name whose words resemble the words typed counts for this much of a whole-name resemblance
WORD_WEIGHT = 0.8
#: the near hits kept: at least this share of the best one's score
KEEP_SHARE = 0.75


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def _score(wanted: str, labels: list[tuple[str, bool]]) -> float:
    """How much a name resembles what was typed: the whole name, or word for word (a misspelt word of
    a longer name: "platfrom" in "Flexible Web Platform"), whichever is closer."""
    typed = wanted.split()
    best = 0.0
    for label, _ in labels:
        name = names.normalise(label)
        words = name.split()
        by_word = sum(max(_ratio(w, x) for x in words) for w in typed) / len(typed) if words else 0.0
        best = max(best, _ratio(wanted, name), WORD_WEIGHT * by_word)
    return best


def search(ws: Workspace, text: str, limit: int = 12, kinds: tuple[str, ...] = KINDS) -> list[Hit]:
    """Entities named ``text``: those the CLI's resolution designates (or lists as ambiguous) first,
    then the closest names names.suggest offers for each kind, best first across kinds (those far
    behind the closest one left out)."""
    wanted = names.normalise(text)
    if not wanted:
        return []
    exact: list[Hit] = []
    near: list[Hit] = []
    for kind in kinds:
        known = entities(ws, kind)
        by_name = {names.display_name(labels): iri for iri, labels in known.items()}
        try:
            found = [ws.resolve(text, kind)]
        except AmbiguousNameError as err:
            found = [URIRef(c.rsplit("<", 1)[1].rstrip(">")) for c in err.suggestions if "<" in c]
        except NoMatchError:
            found = []
        for iri in found:
            if iri in known:
                exact.append(Hit(kind, str(iri), names.display_name(known[iri]), 1.0, True))
        words = names.strip_legal_suffix(wanted).split()
        for iri, labels in known.items():  # every name holding the words typed, as resolve's last test
            if iri not in found and any(all(w in names.normalise(lab) for w in words) for lab, _ in labels):
                found.append(iri)
                near.append(Hit(kind, str(iri), names.display_name(labels), 0.9, False))
        for name in names.suggest(known, wanted, limit=limit):
            iri = by_name.get(name)
            if iri is not None and iri not in found:
                near.append(Hit(kind, str(iri), name, _score(wanted, known[iri]), False))
    near.sort(key=lambda h: (-h.score, h.name, KINDS.index(h.kind) if h.kind in KINDS else 99))
    if near:  # beside a name that matches, only names nearly as close
        floor = KEEP_SHARE if exact else KEEP_SHARE * near[0].score
        near = [h for h in near if h.score >= floor]
    return (exact + near)[:limit]
