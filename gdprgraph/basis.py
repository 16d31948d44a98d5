"""The Chapter V basis of a hop of personal data: built once, by the transfer graph (paths.build),
and read everywhere as a value (``basis.missing``, ``basis.kinds``, ``basis.grounds``) rather than
by matching its words. ``text`` is what users read ("NO BASIS", "Standard contractual clauses (in
place); adequacy decision (Japan)"); ``str(basis)`` is that text.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """The kinds of basis a table can filter on, in the order a filter lists them."""

    ADEQUACY = "adequacy"
    DPF = "DPF"
    SCC = "SCC"
    BCR = "BCR"
    DEROGATION = "derogation"
    OTHER = "other"
    NONE = "NO BASIS"


#: the words of a hop without a basis (followed by what is only requested, if anything)
NO_BASIS = str(Kind.NONE)


@dataclass(frozen=True)
class Grounds:
    """What a hop to an importer rests on, field by field (the parts ``Basis.text`` words)."""

    adequacy: bool = False
    dpf: bool = False
    in_place: tuple[str, ...] = ()
    requested: tuple[str, ...] = ()
    derogation: str = ""


@dataclass(frozen=True)
class Basis:
    """The basis of one hop: its words, whether one is missing, its kinds and, for a hop to an
    importer (a transfer question is asked), its grounds; other hops (to the processor, into a
    country) carry words only. ``missing`` holds for "NO BASIS" and for an unknown country."""

    text: str = ""
    missing: bool = False
    kinds: tuple[Kind, ...] = ()
    grounds: Grounds | None = None
    #: missing because the importer's country is unknown (not because the hop states no basis)
    country_unknown: bool = False

    def __str__(self) -> str:
        return self.text

    @classmethod
    def of(cls, text: str, missing: bool, grounds: Grounds | None = None) -> Basis:
        """The basis a hop's words state, with its kinds (see ``kinds_of``)."""
        return cls(text, missing, kinds_of(text, missing), grounds)


def kinds_of(text: str, missing: bool) -> tuple[Kind, ...]:
    """The kinds of basis the words of a basis name (each "; "-separated part by its words)."""
    if missing:
        return (Kind.NONE,)
    kinds = set()
    for part in text.casefold().split("; "):
        if "data privacy framework" in part:
            kinds.add(Kind.DPF)
        elif part.startswith("adequacy decision"):
            kinds.add(Kind.ADEQUACY)
        if "contractual clauses" in part or "model clauses" in part:
            kinds.add(Kind.SCC)
        if "corporate rules" in part:
            kinds.add(Kind.BCR)
        if "derogation" in part or "49(" in part:
            kinds.add(Kind.DEROGATION)
    return tuple(kind for kind in Kind if kind in kinds) or (Kind.OTHER,)
