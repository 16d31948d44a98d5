"""A register file read into sheets of rows: CSV (delimiter sniffed) or XLSX (cached values, never
formulas evaluated), each cell as text with its row number."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from ...errors import InputError
from .. import text as text_files
from ..subprocessors import sniff_delimiter

# ------------------------------------------------------------------------------------------------ reading


@dataclass
class Row:
    """One non-empty row of a sheet: its number (CSV line, or XLSX row) and its cells as text."""

    number: int
    cells: list[str]
    #: column -> formula without a cached value (the cell's text is then empty)
    formulas: dict[int, str] = field(default_factory=dict)


@dataclass
class Sheet:
    """A sheet (a CSV file is one sheet): its position, its name and its non-empty rows."""

    number: int
    name: str
    rows: list[Row]
    #: how the text was decoded, when it is a guess (a CSV file neither UTF-8 nor marked)
    note: str = ""


def _cell_text(value: object) -> str:
    """A spreadsheet value as text (numbers without a needless '.0', dates in ISO 8601)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def read_sheets(path: Path | str) -> list[Sheet]:
    """The sheets of a CSV or XLSX file (InputError for a file that is neither, or holds nothing)."""
    path = Path(path)
    data = text_files.read_bytes(path, "no register of processing activities to import")
    suffix = path.suffix.lower()
    if data.startswith(b"PK\x03\x04") or suffix in (".xlsx", ".xlsm"):
        return _xlsx_sheets(path, data)
    if data.startswith(b"\xd0\xcf\x11\xe0") or suffix == ".xls":
        raise InputError("XLS (Excel 97-2003) workbooks are not supported: save the register as XLSX or CSV", str(path))
    if suffix == ".pdf" or data.startswith(b"%PDF"):
        raise InputError("PDF is not supported: expected a register as CSV or XLSX", str(path))
    if suffix == ".ods":
        raise InputError("ODS workbooks are not supported: save the register as XLSX or CSV", str(path))
    return [_csv_sheet(path, data)]


def _csv_sheet(path: Path, data: bytes) -> Sheet:
    decoded = text_files.decode(data, path, "a register of processing activities (CSV or XLSX)")
    lines = decoded.text.splitlines()
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=sniff_delimiter(lines))
    rows: list[Row] = []
    previous = 0
    try:
        for cells in reader:
            row = Row(previous + 1, [cell.strip() for cell in cells])
            previous = reader.line_num
            for index, cell in enumerate(row.cells):
                if _is_formula(cell):  # a formula written out in a CSV file: it has no value
                    row.formulas[index], row.cells[index] = cell, ""
                else:
                    row.cells[index] = unescaped(cell)
            if any(row.cells) or row.formulas:
                rows.append(row)
    except csv.Error as err:
        raise InputError(f"unreadable CSV: {err}", str(path), previous + 1) from err
    if not rows:
        raise InputError("empty file: no register of processing activities to import", str(path))
    return Sheet(1, path.name.split(".")[0] or path.name, rows, decoded.note)


def _is_formula(cell: str) -> bool:
    return bool(re.match(r"=\s*[A-Za-z_][\w.]*\s*\(|=\s*[A-Z]{1,3}\d+\b|=\s*[-+]?\d", cell))


#: a cell written as text on purpose: an apostrophe before what a spreadsheet would take for a formula
#: (how `export ropa` writes such cells, and how spreadsheet users type them)
ESCAPED = re.compile(r"^'(?=[=+\-@\t\r])")


def unescaped(cell: str) -> str:
    """A cell's text without the apostrophe that keeps it from being a formula.

    >>> unescaped("'=SUM(A1)"), unescaped("'-3 mois"), unescaped("l'accès")
    ('=SUM(A1)', '-3 mois', "l'accès")
    """
    return ESCAPED.sub("", cell)


def _xlsx_sheets(path: Path, data: bytes) -> list[Sheet]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        values = load_workbook(io.BytesIO(data), data_only=True)
        formulas = load_workbook(io.BytesIO(data), data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as err:
        raise InputError(f"not a readable XLSX workbook ({type(err).__name__}: {err})", str(path)) from None
    sheets: list[Sheet] = []
    for number, (cached, written) in enumerate(zip(values.worksheets, formulas.worksheets, strict=True), start=1):
        rows: list[Row] = []
        for cached_row, written_row in zip(cached.iter_rows(), written.iter_rows(), strict=True):
            line = written_row[0].row
            if line is None:  # openpyxl numbers every cell it reads from a sheet
                raise InputError(f"sheet {number}: a row without a row number", str(path))
            row = Row(line, [unescaped(_cell_text(cell.value)) for cell in cached_row])
            for index, cell in enumerate(written_row):
                formula = cell.value
                if cell.data_type != "f":  # a string cell is text, whatever it starts with
                    continue
                text = getattr(formula, "text", formula)  # ArrayFormula keeps its text apart
                if cached_row[index].value is None:
                    row.formulas[index], row.cells[index] = str(text), ""
            if any(row.cells) or row.formulas:
                rows.append(row)
        sheets.append(Sheet(number, written.title, rows))
    if not any(sheet.rows for sheet in sheets):
        raise InputError("empty workbook: no register of processing activities to import", str(path))
    return sheets
