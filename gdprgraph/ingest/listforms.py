"""The forms a vendor publishes its sub-processor list in, read into tables of rows with their lines.

One reader per form: XLSX workbooks (a table per sheet), HTML pages (every ``<table>``, else a list
of entities: ``<li>`` items or headed blocks), text laid out in columns (PDF text, aligned text),
and text copied from a browser where every cell stands on its own line after a header of N lines.
CSV and Markdown tables are read by ``gdprgraph.ingest.subprocessors``. Line numbers are those of the file
(HTML), of the sheet's rows (XLSX) or of the extracted text (PDF).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from ..errors import InputError
from .listheaders import columns, header_like, role_of

__all__ = [
    "PdfText",
    "Row",
    "Table",
    "cell_per_line_tables",
    "entity_list_tables",
    "html_tables",
    "layout_tables",
    "pdf_tables",
    "pdf_text",
    "xlsx_tables",
]


@dataclass
class Row:
    """One data row: its cells and the lines of the file it spans (1-based)."""

    cells: list[str]
    first: int
    last: int


@dataclass
class Table:
    """A header and the rows under it (a list, or for a CSV file an iterator read once)."""

    header: list[str]
    line: int
    rows: Iterable[Row] = field(default_factory=list)
    title: str = ""


def _clean(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("**", "").split())


def header_position(rows: list[Row], limit: int = 10) -> int:
    """The index among the first rows of the one that names the most columns, a name among them; -1."""
    best, best_roles = -1, 0
    for position, row in enumerate(rows[:limit]):
        roles = columns(row.cells)[0]
        if "name" in roles and len(roles) > best_roles:
            best, best_roles = position, len(roles)
    return best


def _tables_of(grid: list[Row], title: str = "") -> list[Table]:
    """A table from rows of cells: the header found among the first rows, the rows under it."""
    position = header_position(grid)
    if position < 0:
        return []
    head = grid[position]
    return [Table(head.cells, head.first, grid[position + 1 :], title=title)]


# -- XLSX -------------------------------------------------------------------------------------------


def xlsx_tables(path: Path) -> list[Table]:
    """A table per sheet that has a header with a name column (lines: the sheet's row numbers)."""
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, OSError, KeyError, ValueError) as err:
        raise InputError(f"unreadable XLSX workbook: {err}", str(path)) from err
    tables: list[Table] = []
    try:
        for sheet in workbook.worksheets:
            grid = []
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = [_clean("" if value is None else str(value)) for value in values]
                while cells and not cells[-1]:
                    cells.pop()
                if any(cells):
                    grid.append(Row(cells, number, number))
            tables.extend(_tables_of(grid, sheet.title))
    finally:
        workbook.close()
    return tables


# -- HTML -------------------------------------------------------------------------------------------

BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "section", "article", "ul", "ol"}
HEADINGS = {"h2", "h3", "h4", "h5", "h6", "dt"}
SKIPPED = {"script", "style", "noscript", "template", "head", "nav", "footer"}


class _Page(HTMLParser):
    """Collects every table (rows of cells with their lines) and the page's text blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[Row]] = []
        self.stack: list[list[Row]] = []
        self.cell: list[str] | None = None
        self.row: Row | None = None
        self.blocks: list[tuple[str, str, int]] = []  # (tag, text, line)
        self.block: list[str] = []
        self.block_tag, self.block_line = "", 0
        self.skip = 0
        self.heading = ""
        self.titles: list[str] = []

    def _flush(self) -> None:
        text = _clean("".join(self.block))
        if text and not self.stack:
            self.blocks.append((self.block_tag, text, self.block_line))
            if self.block_tag in HEADINGS or self.block_tag == "h1":
                self.heading = text
        self.block = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self.skip += 1
        elif tag == "table":
            self._flush()
            self.stack.append([])
            self.titles.append(self.heading)
        elif tag == "tr" and self.stack:
            self.row = Row([], self.getpos()[0], self.getpos()[0])
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
        elif tag == "br":
            (self.cell if self.cell is not None else self.block).append(" ")
        elif tag in BLOCKS and not self.stack:
            self._flush()
            self.block_tag, self.block_line = tag, self.getpos()[0]

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self.skip = max(0, self.skip - 1)
        elif tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.cells.append(_clean("".join(self.cell)))
            self.row.last = self.getpos()[0]
            self.cell = None
        elif tag == "tr" and self.row is not None and self.stack:
            if any(self.row.cells):
                self.stack[-1].append(self.row)
            self.row = None
        elif tag == "table" and self.stack:
            self.tables.append(self.stack.pop())
        elif tag in BLOCKS and not self.stack:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.cell is not None:
            self.cell.append(data)
        elif not self.stack:
            if not "".join(self.block).strip():
                self.block_line = self.getpos()[0] + data[: len(data) - len(data.lstrip())].count("\n")
            self.block.append(data)


def parse_html(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    page._flush()
    return page


def html_tables(text: str) -> list[Table]:
    """Every ``<table>`` of a page with a header naming the entity (header: its first rows)."""
    page = parse_html(text)
    tables: list[Table] = []
    for grid, title in zip(page.tables, page.titles, strict=False):
        tables.extend(_tables_of(grid, title))
    return tables


LABELLED = re.compile(r"^\s*([^:]{2,40}?)\s*:\s*(.+)$")
DASHES = re.compile(r"\s+[\u2013\u2014-]\s+|\s*\|\s*")


def _part_role(part: str, taken: dict[str, str]) -> str:
    """The column an unlabelled part of an item most likely fills: a place, a mechanism, else the purpose."""
    from .mechanisms import read_mechanism
    from .places import parse_places

    found = parse_places(part)
    if "location" not in taken and found.places and not found.unknown:
        return "location"
    if "safeguard" not in taken and read_mechanism(part).understood:
        return "safeguard"
    return "purpose" if "purpose" not in taken else ""


LIST_HEADING = re.compile(r"sub.?processor|sous.?traitant|third part|vendors|suppliers|fournisseurs", re.IGNORECASE)
ROLES = ("purpose", "location", "corporate", "safeguard", "categories", "legalbasis")


def entity_list_tables(blocks: list[tuple[str, str, int]]) -> list[Table]:
    """A list of entities where a page has no table: each heading (h2-h6, dt) or ``<li>`` names an
    entity; 'Label: value' lines under it fill the columns the labels name; an item written as
    'Name - purpose - location' (any dash or a bar) gives its parts to the columns they read as
    (a place, a mechanism, else the purpose). The entries count when two of them state a fact, or
    when they follow a heading naming the list (Sub-processors, Sous-traitants...)."""
    entries: list[tuple[int, dict[str, str], bool]] = []  # (line, role -> value, under a list heading)
    current: dict[str, str] | None = None
    listed = False
    for tag, text, line in blocks:
        labelled = LABELLED.match(text)
        match = role_of(labelled.group(1)) if labelled else None
        if match is not None and current is not None and labelled is not None:
            current.setdefault(match[1], labelled.group(2).strip())
            continue
        if tag in HEADINGS or tag == "h1":
            listed = listed or bool(LIST_HEADING.search(text))
        if tag in HEADINGS or tag == "li":
            parts = [part.strip() for part in DASHES.split(text) if part.strip()]
            if not parts or len(parts[0]) > 120 or (LIST_HEADING.search(parts[0]) and len(parts) == 1):
                continue
            current = {"name": parts[0]}
            for part in parts[1:]:
                role = _part_role(part, current)
                if role:
                    current[role] = part
            entries.append((line, current, listed))
    stating = [entry for entry in entries if len(entry[1]) > 1]
    kept = entries if len(stating) >= 2 else [entry for entry in entries if entry[2]]
    if not kept:
        return []
    roles = ["name", *[role for role in ROLES if any(role in found for _, found, _ in kept)]]
    rows = [Row([found.get(role, "") for role in roles], line, line) for line, found, _ in kept]
    return [Table([ROLE_HEADERS[role] for role in roles], kept[0][0], rows)]


#: the header a list of entities is given, one name per role (read back by ``columns``)
ROLE_HEADERS = {
    "name": "Name",
    "purpose": "Purpose",
    "location": "Location",
    "corporate": "Headquarters",
    "safeguard": "Transfer mechanism",
    "categories": "Data categories",
    "legalbasis": "Legal basis",
}


# -- PDF: text fragments placed by their coordinates ----------------------------------------------


@dataclass
class PdfText:
    """A PDF's text as lines (one per baseline, top to bottom, page after page) and the fragments of
    each line with their x coordinate."""

    lines: list[str]
    fragments: list[list[tuple[float, str]]]
    ys: list[float]  # each line's baseline, decreasing through the document (pages stacked)


def pdf_text(path: Path) -> PdfText:
    """Every text fragment pypdf reports, grouped into lines by baseline (y), sorted by x."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    lines: list[str] = []
    fragments: list[list[tuple[float, str]]] = []
    ys: list[float] = []
    try:
        reader = PdfReader(str(path))
        for number, page in enumerate(reader.pages):
            found: dict[float, list[tuple[float, str]]] = {}

            def visit(
                text: str,
                cm: list[float],
                tm: list[float],
                _font: object,
                _size: object,
                found: dict[float, list[tuple[float, str]]] = found,
            ) -> None:
                if text.strip():
                    x = tm[4] * cm[0] + cm[4]
                    y = round(tm[5] * cm[3] + cm[5], 1)
                    found.setdefault(y, []).append((x, " ".join(text.split())))

            page.extract_text(visitor_text=visit)
            for y in sorted(found, reverse=True):
                parts = sorted(found[y])
                fragments.append(parts)
                ys.append(y - 100000.0 * number)
                lines.append("  ".join(text for _, text in parts))
    except (PdfReadError, ValueError, KeyError, OSError, TypeError, AttributeError) as err:
        raise InputError(f"unreadable PDF: {err}", str(path)) from err
    return PdfText(lines, fragments, ys)


def pdf_tables(found: PdfText) -> list[Table]:
    """A table drawn in a PDF: the header is the line whose fragments name the entity; each fragment
    below belongs to the column it starts under; a line joins the row above when it sits less than
    a line's height below it (cells centred vertically: a wrapped cell's lines sit half a line from
    the single-line cells of its row)."""
    for index, parts in enumerate(found.fragments):
        header = [text for _, text in parts]
        roles = columns(header)[0]
        if len(parts) < 2 or "name" not in roles:
            continue
        starts = [x for x, _ in parts]
        ys = found.ys[index + 1 :]
        gaps = sorted(round(a - b, 1) for a, b in itertools.pairwise(ys) if a - b > 0)
        height = max(gaps[len(gaps) // 2] if gaps else 12.0, 1.0)
        rows: list[Row] = []
        previous = None
        for number in range(index + 2, len(found.lines) + 1):
            line_parts = found.fragments[number - 1]
            y = ys[number - index - 2]
            columns_here = [max((n for n, s in enumerate(starts) if s <= x + 2), default=0) for x, _ in line_parts]
            joins = rows and previous is not None and previous - y < 0.75 * height
            if not joins:
                rows.append(Row([""] * len(starts), number, number))
            row = rows[-1]
            for column, (_, text) in zip(columns_here, line_parts, strict=True):
                row.cells[column] = f"{row.cells[column]} {text}".strip()
            row.last = number
            previous = y
        return [Table(header, index + 1, _joined(rows, roles["name"]))]
    return []


# -- text laid out in columns and cell-per-line text ----------------------------------------


def layout_tables(lines: list[str]) -> list[Table]:
    """A table laid out in columns of spaces (PDF text extracted in layout mode, aligned text): the
    header is a line whose chunks (separated by 2+ spaces) name the entity; each following chunk
    belongs to the column it starts under; blank lines separate rows, a cell wraps over lines."""
    for index, line in enumerate(lines):
        chunks = _split_spaced(line)
        if len(chunks) < 2 or "name" not in columns([text for _, text in chunks])[0]:
            continue
        starts = [start for start, _ in chunks]
        rows: list[Row] = []
        group: list[tuple[int, str]] = []

        def close(group: list[tuple[int, str]], starts: list[int] = starts, rows: list[Row] = rows) -> None:
            if not group:
                return
            cells = [""] * len(starts)
            for _, text in group:
                for start, chunk in _split_spaced(text):
                    column = max((n for n, s in enumerate(starts) if s <= start + 2), default=0)
                    cells[column] = f"{cells[column]} {chunk}".strip()
            rows.append(Row(cells, group[0][0], group[-1][0]))

        for number in range(index + 2, len(lines) + 1):
            text = lines[number - 1]
            if not text.strip():
                close(group)
                group = []
                continue
            group.append((number, text))
        close(group)
        return [Table([text for _, text in chunks], index + 1, rows)]
    return []


def _joined(rows: list[Row], name: int) -> list[Row]:
    """Rows with an empty name cell joined to the row above: the wrapped lines of a table whose
    cells are aligned to the top."""
    joined: list[Row] = []
    for row in rows:
        if joined and not row.cells[name]:
            above = joined[-1]
            above.cells = [f"{a} {b}".strip() for a, b in zip(above.cells, row.cells, strict=True)]
            above.last = row.last
        else:
            joined.append(row)
    return joined


def _split_spaced(line: str) -> list[tuple[int, str]]:
    """Chunks of a line separated by two or more spaces (or a tab), with their start columns."""
    line = line.expandtabs(8)
    return [(m.start(), m.group()) for m in re.finditer(r"\S+(?: \S+)*", line)]


def cell_per_line_tables(lines: list[str]) -> list[Table]:
    """Text copied from a page where every cell stands on its own line: a header of N lines (each a
    column name, one of them the entity's), then rows of N lines each; blank lines between rows,
    when present, delimit the rows (a missing cell then leaves the row short, not shifted)."""
    numbered = [(number, line.strip()) for number, line in enumerate(lines, start=1)]
    filled = [(number, text) for number, text in numbered if text]
    for start in range(min(len(filled), 40)):
        header: list[tuple[int, str]] = []
        seen: set[str] = set()
        for number, text in filled[start:]:
            role = header_like(text)
            if role is None or role in seen:
                break
            seen.add(role)
            header.append((number, text))
        names = [text for _, text in header]
        if len(header) < 2 or "name" not in columns(names)[0]:
            continue
        width = len(header)
        after = header[-1][0]
        body = [(number, text) for number, text in numbered if number > after]
        blocks: list[list[tuple[int, str]]] = [[]]
        for number, text in body:
            if text:
                blocks[-1].append((number, text))
            elif blocks[-1]:
                blocks.append([])
        blocks = [block for block in blocks if block]
        if not (len(blocks) > 1 and all(len(block) <= width for block in blocks)):
            flat = [item for block in blocks for item in block]
            blocks = [flat[n : n + width] for n in range(0, len(flat), width)]
        rows = [Row([text for _, text in block], block[0][0], block[-1][0]) for block in blocks]
        return [Table(names, header[0][0], rows)]
    return []
