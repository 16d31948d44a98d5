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


def normalised(ws: Workspace, kind: str) -> dict[URIRef, list[str]]:
    """The normalised names of each entity of a kind (names.normalise), kept."""
    return ws.kept(
        f"search: normalised names of {kind}",
        lambda: {iri: [names.normalise(label) for label, _ in labels] for iri, labels in entities(ws, kind).items()},
    )


#: how many entities of a kind, the closest by difflib's quick upper bound, names.suggest ranks
SHORTLIST = 60


def containing(ws: Workspace, kind: str, wanted: str) -> list[URIRef]:
    """The entities with a name holding every word typed (legal suffix aside): the only ones
    names.resolve can match (its three tests imply it)."""
    words = names.strip_legal_suffix(wanted).split()
    return [
        iri for iri, labels in normalised(ws, kind).items() if any(all(w in label for w in words) for label in labels)
    ]


def shortlist(ws: Workspace, kind: str, wanted: str, holding: list[URIRef]) -> dict[URIRef, list[tuple[str, bool]]]:
    """The entities of a kind worth resolving and ranking for ``wanted``: those holding its words,
    and the SHORTLIST whose names could be closest (SequenceMatcher.quick_ratio bounds ratio from
    above). names.resolve and names.suggest then treat these as they treat all."""
    known = entities(ws, kind)
    if len(known) <= SHORTLIST:
        return known
    matcher = difflib.SequenceMatcher(None, "", wanted)
    scored = []
    for iri, labels in normalised(ws, kind).items():
        bound = 0.0
        for label in labels:
            matcher.set_seq1(label)
            bound = max(bound, matcher.quick_ratio())
        scored.append((-bound, str(iri)))
    scored.sort()
    chosen = [URIRef(iri) for _, iri in scored[:SHORTLIST]] + holding
    return {iri: known[iri] for iri in chosen}


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
        holding = containing(ws, kind, wanted)
        some = shortlist(ws, kind, wanted, holding)
        try:
            found = [
                ws.resolve(text, kind)
                if text.startswith(("http://", "https://"))
                else names.resolve(ws.asserted, text, kind, some)
            ]
        except AmbiguousNameError as err:
            found = [URIRef(c.rsplit("<", 1)[1].rstrip(">")) for c in err.suggestions if "<" in c]
        except NoMatchError:
            found = []
        for iri in found:
            if iri in known:
                exact.append(Hit(kind, str(iri), names.display_name(known[iri]), 1.0, True))
        if text.startswith(("http://", "https://")):  # an IRI designates, or not: nothing is near it
            continue
        for iri in holding:  # every name holding the words typed
            if iri not in found:
                found.append(iri)
                near.append(Hit(kind, str(iri), names.display_name(known[iri]), 0.9, False))
        by_name = {names.display_name(labels): iri for iri, labels in some.items()}
        for name in names.suggest(some, wanted, limit=limit):
            named = by_name.get(name)
            if named is not None and named not in found:
                near.append(Hit(kind, str(named), name, _score(wanted, known[named]), False))
    near.sort(key=lambda h: (-h.score, h.name, KINDS.index(h.kind) if h.kind in KINDS else 99))
    if near:  # beside a name that matches, only names nearly as close
        floor = KEEP_SHARE if exact else KEEP_SHARE * near[0].score
        near = [h for h in near if h.score >= floor]
    return (exact + near)[:limit]
