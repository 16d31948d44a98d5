"""What a comparison of two versions returns: typed ``Change`` records and the ``DiffResult`` holding them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Change:
    """One difference between the two versions, with whom it concerns and where it is stated."""

    kind: str
    subject: str
    description: str
    before: str = ""
    after: str = ""
    services: tuple[str, ...] = ()
    customers: tuple[str, ...] = ()
    document: str = ""
    line: int | None = None
    source_version: str = "new"
    new_third_country_transfer: bool = False
    countries: tuple[str, ...] = ()
    basis: str = ""
    has_basis: bool | None = None
    needs_action: bool = False

    @property
    def source(self) -> str:
        """``document, line N`` (the old version's when the change removes the statement)."""
        if not self.document:
            return ""
        text = self.document + (f", line {self.line}" if self.line is not None else "")
        return text + (" (previous version)" if self.source_version == "old" else "")


@dataclass
class DiffResult:
    """The changes from OLD to NEW, sorted."""

    old: str
    new: str
    changes: list[Change] = field(default_factory=list)

    @property
    def needs_action(self) -> bool:
        return any(c.needs_action for c in self.changes)

    def services(self) -> list[str]:
        """Every affected service, sorted."""
        return sorted({s for c in self.changes for s in c.services})
