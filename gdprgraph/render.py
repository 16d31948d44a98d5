"""Turn query results into text: an aligned table, CSV or JSON.

In CSV, a cell starting with ``=`` ``+`` ``-`` ``@``, a tab or a carriage return (a number excepted) gets
an apostrophe in front (``untrusted.spreadsheet_cell``), so no spreadsheet runs it as a formula.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sys
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from rdflib import Literal, URIRef
from rdflib.namespace import NamespaceManager

from .errors import InputError
from .queries import Answer
from .untrusted import spreadsheet_cell

FORMATS = ("table", "csv", "json")


class Table(Protocol):
    """Columns and rows of cells by column name: a query's result, or a PlainTable."""

    @property
    def columns(self) -> Sequence[str]: ...
    @property
    def rows(self) -> Sequence[Mapping[str, object]]: ...


@dataclass
class PlainTable:
    """Rows of plain values (text, numbers, tuples) to render as a query's rows are."""

    columns: list[str]
    rows: list[dict[str, object]]


#: how a graph (CONSTRUCT, DESCRIBE) is written in each format that can hold one
GRAPH_FORMATS = {"table": "turtle", "json": "json-ld"}


def cell(value: object, namespaces: NamespaceManager | None = None) -> str:
    """A term as short text: literals as their value, IRIs as compact names where possible."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(cell(v, namespaces) for v in value)
    if isinstance(value, Literal):
        return str(value)
    if isinstance(value, URIRef) and namespaces is not None:
        return namespaces.normalizeUri(value)
    return str(value)


def json_value(value: object) -> object:
    """A term for JSON: numbers and booleans typed, IRIs and strings as strings."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, Literal) and isinstance(value.toPython(), (int, float, bool)):
        return value.toPython()
    return str(value)


def terminal_width() -> int | None:
    """The width a table must fit: ``$COLUMNS`` when set, else the terminal's when stdout is one, else None
    (piped output is not wrapped)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


def fit_widths(natural: list[int], width: int, gap: int = 2, floor: int = 8) -> list[int]:
    """Column widths that fit ``width`` (the widest columns narrowed first, none below ``floor``, or less
    when there are many columns, nor below its natural width)."""
    widths = list(natural)
    room = width - gap * (len(widths) - 1)
    floor = max(3, min(floor, room // max(1, len(widths))))
    while sum(widths) > room:
        widest = max(range(len(widths)), key=lambda i: widths[i])
        if widths[widest] <= floor:
            break
        second = max([w for i, w in enumerate(widths) if i != widest] + [floor])
        widths[widest] = max(floor, min(widths[widest] - 1, max(second, widths[widest] - (sum(widths) - room))))
    return widths


def _wrapped(row: list[str], widths: list[int]) -> list[str]:
    """A row as one or more lines, each cell wrapped to its column."""
    cells = [
        textwrap.wrap(v, w, break_long_words=True, break_on_hyphens=False) or [""]
        for v, w in zip(row, widths, strict=True)
    ]
    depth = max(len(c) for c in cells)
    return [
        "  ".join((c[i] if i < len(c) else "").ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
        for i in range(depth)
    ]


def render(
    result: Table, fmt: str = "table", namespaces: NamespaceManager | None = None, width: int | None = None
) -> str:
    """The result in one of FORMATS; a table wider than ``width`` has its long cells wrapped."""
    if fmt == "json":
        rows = [{c: json_value(r[c]) for c in result.columns} for r in result.rows]
        return json.dumps({"columns": result.columns, "rows": rows}, ensure_ascii=False, indent=2)
    table = [[cell(r[c], namespaces) for c in result.columns] for r in result.rows]
    if fmt == "csv":  # cells that a spreadsheet would run as a formula get an apostrophe in front
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([spreadsheet_cell(c) for c in result.columns])
        writer.writerows([spreadsheet_cell(v) for v in row] for row in table)
        return out.getvalue().rstrip("\n")
    widths = [max([len(c)] + [len(row[i]) for row in table]) for i, c in enumerate(result.columns)]
    if width is not None and sum(widths) + 2 * (len(widths) - 1) > width:
        widths = fit_widths(widths, width)
        lines = _wrapped(list(result.columns), widths)
        lines.append("  ".join("-" * w for w in widths))
        for row in table:
            lines += _wrapped(row, widths)
        lines.append(f"({len(table)} row{'s' if len(table) != 1 else ''})")
        return "\n".join(lines)
    lines = ["  ".join(c.ljust(w) for c, w in zip(result.columns, widths, strict=False)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=False)).rstrip() for row in table]
    lines.append(f"({len(table)} row{'s' if len(table) != 1 else ''})")
    return "\n".join(lines)


def check_format(form: str, fmt: str) -> None:
    """InputError if an answer of this query form cannot be written in ``fmt`` (a graph in CSV)."""
    if form in ("CONSTRUCT", "DESCRIBE") and fmt not in GRAPH_FORMATS:
        raise InputError(f"a {form} query gives a graph: --format table (Turtle) or json (JSON-LD), not {fmt}")


def render_answer(answer: Answer, fmt: str = "table", namespaces: NamespaceManager | None = None) -> str:
    """An answer of any form: rows as ``render``; ASK as ``true``/``false`` (JSON ``{"boolean": ...}``);
    a graph as Turtle (JSON: JSON-LD), empty text for an empty graph."""
    if answer.form == "ASK":
        return json.dumps({"boolean": bool(answer.boolean)}) if fmt == "json" else str(bool(answer.boolean)).lower()
    if answer.graph is not None:
        check_format(answer.form, fmt)
        return answer.graph.serialize(format=GRAPH_FORMATS[fmt]).strip("\n") if len(answer.graph) else ""
    return render(answer, fmt, namespaces)
