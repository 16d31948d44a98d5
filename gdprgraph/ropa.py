"""Records of processing activities (Article 30 GDPR) built from the graph, as CSV or XLSX.

Cells come from the documents: one a spreadsheet would run as a formula (starting with ``=`` ``+`` ``-``
``@``, a tab or a carriage return, numbers excepted) is written with an apostrophe in front, in both
formats (``untrusted.spreadsheet_cell``); in XLSX every text cell is a string cell.

The processor's record (Art. 30(2)) has one row per service and per controller it acts for; the
controller's record (Art. 30(1)) one row per purpose or sub-purpose of a privacy policy. The SPARQL
lives in ``queries/internal/ropa-processor.rq`` and ``ropa-controller.rq``; the transfers to third
countries of the processor's record come from the public ``third-country-transfers`` query, so both
say the same thing.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from . import queries
from .untrusted import spreadsheet_cell
from .workspace import Workspace

ROLES = ("processor", "controller")

#: Output column -> query column, in the order of the record.
PROCESSOR_COLUMNS: dict[str, str] = {
    "service": "serviceName",
    "processor": "processorName",
    "processorContact": "processorContact",
    "dataProtectionOfficer": "dpo",
    "controller": "controllerName",
    "processingOperations": "processingOperations",
    "dataCategories": "dataCategories",
    "dataSubjects": "dataSubjects",
    "subProcessors": "subProcessors",
    "thirdCountryTransfers": "",  # from third-country-transfers
    "retention": "retention",
    "securityMeasures": "securityMeasures",
    "sources": "sources",
}

CONTROLLER_COLUMNS: dict[str, str] = {
    "policy": "policyName",
    "controller": "controllerName",
    "controllerContact": "controllerContact",
    "dataProtectionOfficer": "dpo",
    "purpose": "purposeName",
    "subPurposeOf": "subPurposeOf",
    "lawfulBases": "lawfulBases",
    "dataSubjects": "dataSubjects",
    "dataCategories": "dataCategories",
    "recipients": "recipients",
    "transfers": "transfers",
    "erasureTimeLimits": "erasureTimeLimits",
    "document": "document",
    "line": "line",
}

SHEET_TITLES = {"processor": "Art 30(2) processor", "controller": "Art 30(1) controller"}


@dataclass
class Record:
    """One record of processing: its role, column names and rows of strings."""

    role: str
    columns: list[str]
    rows: list[list[str]]


def _run_internal(ws: Workspace, name: str) -> list[dict[str, str]]:
    """An internal query's rows as strings, set cells sorted."""
    query = queries.internal(name)  # its header: columns, set columns
    result = ws.asserted.internal(name)
    rows = []
    for row in result:
        values = {col: "" if row[col] is None else str(row[col]) for col in query.columns}
        for col in query.set_columns:
            values[col] = queries.sorted_set(values[col])
        rows.append(values)
    return rows


def _transfers_by_service(ws: Workspace) -> dict[str, list[str]]:
    """The third-country-transfers rows as one text per transfer, by service IRI."""
    transfers: dict[str, list[str]] = defaultdict(list)
    for row in ws.run("third-country-transfers").rows:
        safeguards = str(row["safeguards"] or "").replace(queries.SET_SEPARATOR, " and ") or "no safeguard stated"
        transfers[str(row["service"])].append(
            f"{row['importerName']} -> {row['countryName']} (adequacy: {row['adequacy']}, safeguards: {safeguards})"
        )
    return transfers


def processor_record(ws: Workspace) -> Record:
    """Article 30(2): one row per service and controller category."""
    transfers = _transfers_by_service(ws)
    rows = []
    for row in _run_internal(ws, "ropa-processor"):
        row = dict(row)
        row[""] = queries.sorted_set(queries.SET_SEPARATOR.join(transfers.get(row["service"], [])))
        rows.append([row[source] for source in PROCESSOR_COLUMNS.values()])
    rows.sort(key=lambda r: (r[0], r[4]))
    return Record("processor", list(PROCESSOR_COLUMNS), rows)


def controller_record(ws: Workspace) -> Record:
    """Article 30(1): one row per purpose or sub-purpose of a privacy policy."""
    rows = [[row[source] for source in CONTROLLER_COLUMNS.values()] for row in _run_internal(ws, "ropa-controller")]
    rows.sort(key=lambda r: (r[12], int(r[13]) if r[13].isdigit() else 0, r[4], r[0]))
    return Record("controller", list(CONTROLLER_COLUMNS), rows)


def records(ws: Workspace, roles: tuple[str, ...] = ROLES) -> list[Record]:
    """The records of the given roles, in ROLES order."""
    build = {"processor": processor_record, "controller": controller_record}
    return [build[role](ws) for role in ROLES if role in roles]


def to_csv(record: Record) -> str:
    """The record as CSV text (header row, then one line per row); a cell a spreadsheet would run as a
    formula gets an apostrophe in front (``untrusted.spreadsheet_cell``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([spreadsheet_cell(c) for c in record.columns])
    writer.writerows([spreadsheet_cell(v) for v in row] for row in record.rows)
    return out.getvalue()


def to_xlsx(recs: list[Record]) -> bytes:
    """A workbook with a sheet per record: bold header, frozen panes, auto-filter, column widths."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    if book.active is not None:  # a new workbook opens with one empty sheet: each record adds its own
        book.remove(book.active)
    fixed = datetime(2000, 1, 1)  # the same records give the same workbook
    book.properties.created = fixed
    book.properties.modified = fixed
    for record in recs:
        sheet = book.create_sheet(SHEET_TITLES[record.role])
        sheet.append([spreadsheet_cell(c) for c in record.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in record.rows:
            sheet.append([spreadsheet_cell(v) for v in row])
        for row in sheet.iter_rows(min_row=1):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, never a formula (openpyxl takes "=..." for one)
                if cell.row > 1:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "A2"
        last = get_column_letter(len(record.columns))
        sheet.auto_filter.ref = f"A1:{last}{len(record.rows) + 1}"
        for index, column in enumerate(record.columns, start=1):
            longest = max([len(column)] + [len(row[index - 1]) for row in record.rows])
            sheet.column_dimensions[get_column_letter(index)].width = min(max(longest, 8) + 2, 60)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
