"""Transfer mechanisms as vendors write them in a sub-processor list's safeguard column.

>>> m = read_mechanism("SCCs (where applicable)")
>>> sorted(m.instruments), m.conditional, m.understood
(['scc'], True, True)
>>> read_mechanism("N/A (EEA)").instruments
{'none'}
>>> read_mechanism("EU-US DPF certified").instruments
{'dpf'}
>>> read_mechanism("a handshake").understood
False
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .listheaders import plain

__all__ = ["Mechanism", "read_mechanism"]

#: instrument -> words naming it (plain text, matched on word boundaries)
WORDS: dict[str, tuple[str, ...]] = {
    "scc": (
        "scc",
        "sccs",
        "standard contractual clause",
        "model clause",
        "clauses contractuelles type",
        "cct",
        "ccts",
        "standard data protection clause",
        "clauses types",
        "eu sccs",
        "clauses contractuelles",
    ),
    "bcr": (
        "bcr",
        "bcrs",
        "binding corporate rule",
        "regles d entreprise contraignantes",
        "regles internes d entreprise",
    ),
    "dpf": ("dpf", "data privacy framework", "privacy framework"),
    "adequacy": ("adequacy", "adequate", "adequat", "adequation", "decision d adequation"),
    "idta": ("idta", "international data transfer agreement"),
    "uk-addendum": ("uk addendum", "addendum", "international data transfer addendum"),
    "none": (
        "n a",
        "na",
        "not applicable",
        "no transfer",
        "none",
        "within the eea",
        "within the eu",
        "eea",
        "eu",
        "not required",
        "sans objet",
        "non applicable",
        "aucun transfert",
        "pas de transfert",
    ),
}
REQUESTED = ("request", "pending", "demande", "en cours")
CONDITIONAL = (
    "where applicable",
    "if applicable",
    "as applicable",
    "where required",
    "if required",
    "when applicable",
    "where necessary",
    "le cas echeant",
    "si applicable",
    "si necessaire",
    "as needed",
    "where relevant",
)


@dataclass
class Mechanism:
    """What a safeguard cell states: its instruments, whether only requested or only conditional."""

    written: str
    instruments: set[str] = field(default_factory=set)
    requested: bool = False
    conditional: bool = False

    @property
    def understood(self) -> bool:
        return bool(self.instruments)


def read_mechanism(cell: str) -> Mechanism:
    """The instruments a transfer-mechanism cell names (scc, bcr, dpf, adequacy, idta, uk-addendum,
    none), whether it is only requested (BCR approval pending) or conditional ('where applicable')."""
    words = f" {plain(cell)} "
    found = Mechanism(cell)
    for name, keys in WORDS.items():
        if any(f" {key} " in words or f" {key}s " in words for key in keys):
            found.instruments.add(name)
    if len(found.instruments) > 1:
        found.instruments.discard("none")  # 'SCCs (not applicable within the EEA)' names the clauses
    found.requested = any(word in words for word in REQUESTED)
    found.conditional = any(f" {word} " in words for word in CONDITIONAL)
    return found
