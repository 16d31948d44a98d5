"""What an import returns: the graph, a report per sheet, the cells that found no place in the model."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

# ------------------------------------------------------------------------------------------------ results


@dataclass
class NotPlaced:
    """A cell with no place in the model: kept as an rdfs:comment on its activity and reported."""

    sheet: str
    row: int
    column: str
    text: str

    def message(self, shown: str) -> str:
        return f"{shown}:{self.sheet}:{self.row}:{self.column}: not placed: {' '.join(self.text.split())}"


@dataclass
class SheetReport:
    """What one sheet gave."""

    name: str
    kind: str  # controller, processor, register, skipped, empty
    rows: int = 0
    records: int = 0
    not_placed: list[NotPlaced] = field(default_factory=list)
    note: str = ""

    def message(self, shown: str) -> str:
        if self.kind in ("skipped", "empty"):
            return f"{shown}:{self.name}: {self.note}"
        noun = "service record(s)" if self.kind == "processor" else "activities"
        what = {
            "controller": "controller record (Art. 30(1))",
            "processor": "processor record (Art. 30(2))",
            "register": "register of processing activities",
        }[self.kind]
        return (
            f"{shown}:{self.name}: {what}: {self.rows} row(s) read, {self.records} {noun}, "
            f"{len(self.not_placed)} cell(s) not placed"
        )


@dataclass
class ImportResult:
    """The graph read from a register and the report of each sheet."""

    path: Path
    key: str
    graph: Graph
    sheets: list[SheetReport]
    encoding_note: str = ""

    @property
    def not_placed(self) -> list[NotPlaced]:
        return [cell for sheet in self.sheets for cell in sheet.not_placed]

    def messages(self, shown: str | None = None) -> list[str]:
        """Per sheet: ``FILE:SHEET:ROW:COLUMN: not placed: text`` lines, then one summary line."""
        name = shown or str(self.path)
        lines = []
        for sheet in self.sheets:
            lines += [cell.message(name) for cell in sheet.not_placed]
            lines.append(sheet.message(name))
        return lines

    def turtle(self) -> str:
        """The graph as Turtle, with a header naming the source."""
        header = (
            f"# {self.path.name}: imported by `gdprgraph import ropa` (line numbers are the register's "
            "rows: the CSV line, or the XLSX row).\n\n"
        )
        return header + self.graph.serialize(format="turtle")
