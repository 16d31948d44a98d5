"""The import of a register: each sheet recognised by its header and read by its reader (our controller
or processor record, a foreign register); nothing is half-imported."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef

from ...errors import InputError
from ...vocabulary import DPV, GG, GGD, GGDOC
from ..emit import slug
from .builder import TITLE, Builder
from .columns import Layout, layout
from .context import Context, context_graph
from .controller import ControllerRecord
from .foreign import Register
from .processor import ProcessorRecord
from .results import ImportResult, SheetReport
from .sheets import Sheet, read_sheets

ROLES = ("controller", "processor")
ROLE_TITLE = {
    "controller": {"en": "controller (Art. 30(1))", "fr": "responsable du traitement (art. 30.1)"},
    "processor": {"en": "processor (Art. 30(2))", "fr": "sous-traitant (art. 30.2)"},
}


# ------------------------------------------------------------------------------------------------ the import


def default_key(path: Path) -> str:
    """A slug of the file name before its first dot."""
    return slug(path.name.split(".")[0]) or "register"


def import_register(
    path: Path | str,
    role: str | None = None,
    context: Graph | Sequence[Path | str] | None = None,
    key: str | None = None,
) -> ImportResult:
    """Read a register of processing activities (CSV or XLSX) into a graph, sheet by sheet.

    ``role`` ("controller" or "processor") keeps only the sheets of that record of our own export and
    says whose register a foreign one is (default: the controller's). ``context`` is the graph names
    are resolved against (an rdflib Graph, or data files; default: the embedded data/). ``key``
    prefixes the IRIs of what is minted (default: the file name before its first dot).

    Raises InputError (one line naming the file, and the sheet) for an unreadable, empty, binary or
    non-spreadsheet file, a sheet with no recognisable header, or a file that holds no row to import:
    nothing is half-imported.
    """
    path = Path(path)
    if role is not None and role not in ROLES:
        raise InputError(f"unknown role '{role}' (expected controller or processor)")
    sheets = read_sheets(path)
    found: list[tuple[Sheet, Layout | None]] = []
    for sheet in sheets:
        if not sheet.rows:
            found.append((sheet, None))
            continue
        sheet_layout = layout(sheet)
        if sheet_layout is None:
            first = sheet.rows[0]
            shown = ", ".join(repr(" ".join(cell.split())) for cell in first.cells if cell)[:200] or "none"
            raise InputError(
                "no recognisable header (expected the columns of `gdprgraph export ropa`, or of a register "
                f"such as Purpose, Lawful basis, Categories of personal data; Finalité, Base légale...); "
                f"first row: {shown}",
                f"{path}:{sheet.name}",
                first.number,
            )
        found.append((sheet, sheet_layout))
    graph = context if isinstance(context, Graph) else context_graph(context)
    key = key or default_key(path)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", key):
        key = slug(key) or default_key(path)
    builder = Builder(path, key, Context(graph), role)
    languages = Counter(f.language for _, f in found if f is not None and f.kind == "register")
    language = "fr" if languages["fr"] > languages["en"] else "en"
    builder.document(found, language)
    reports: list[SheetReport] = []
    register: URIRef | None = None
    register_controllers: list[URIRef] = []
    for sheet, sheet_layout in found:
        if sheet_layout is None:
            reports.append(SheetReport(sheet.name, "empty", note="empty sheet, skipped"))
            continue
        if role is not None and sheet_layout.kind in ROLES and sheet_layout.kind != role:
            reports.append(
                SheetReport(sheet.name, "skipped", note=f"{sheet_layout.kind} record, skipped (--role {role})")
            )
            continue
        report = builder.report = SheetReport(sheet.name, sheet_layout.kind)
        builder.lang = sheet_layout.language
        if sheet_layout.kind == "controller":
            report.rows = ControllerRecord(builder, sheet, sheet_layout).read()
            report.records = report.rows
        elif sheet_layout.kind == "processor":
            report.rows = ProcessorRecord(builder, sheet, sheet_layout).read()
            report.records = report.rows
        else:
            if register is None:
                register = _register_node(builder, role or "controller", language)
            report.rows, controllers = Register(builder, sheet, sheet_layout, register).read()
            register_controllers += controllers
            report.records = report.rows
        reports.append(report)
    if register is not None and register_controllers:
        builder.add(register, DPV.hasDataController, Counter(register_controllers).most_common(1)[0][0])
    if not any(report.records for report in reports):
        skipped = [report.note for report in reports if report.kind == "skipped"]
        if skipped:
            raise InputError(
                f"holds no {role} record (--role {role}): "
                + "; ".join(f"{report.name}: {report.note}" for report in reports if report.kind == "skipped"),
                str(path),
            )
        raise InputError("no row to import under the header(s): nothing written", str(path))
    return ImportResult(path, key, builder.g, reports, next((s.note for s in sheets if s.note), ""))


def _register_node(b: Builder, role: str, language: str) -> URIRef:
    node = GGD[f"{b.key}-register"]
    b.used.add(node)
    b.add(node, RDF.type, GG.PrivacyPolicy)
    colon = " : " if language == "fr" else ": "
    b.add(node, SKOS.prefLabel, Literal(f"{TITLE[language]}{colon}{b.path.name}", lang=language))
    b.add(node, GG.describedIn, GGDOC[b.key])
    b.add(
        node,
        RDFS.comment,
        Literal(
            f"The register of processing activities of the {ROLE_TITLE[role]['en']} "
            "read from this file; each row is one of its activities.",
            lang="en",
        ),
    )
    return node
