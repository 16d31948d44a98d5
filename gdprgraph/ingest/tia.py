"""Read a completed TIA sheet (the one ``gdprgraph tia --format xlsx`` writes, as XLSX or CSV) into
Turtle: one dpv:DataTransferImpactAssessment per completed row, attached to its hop.

A row is completed when it gives a conclusion, an outcome and an assessor; other rows are skipped
(and counted). Every value is checked before anything is written: an unknown hop, conclusion or
outcome, or a date that is not YYYY-MM-DD, is an InputError naming the file and the row.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef

from ..errors import InputError
from ..store import KnowledgeGraph
from ..tia_render import ASSESSOR_COLUMNS, SHEET_TITLE
from ..untrusted import FORMULA_STARTS
from ..vocabulary import DPV, EU_GDPR, GG, GG_TIA

TIA_BASE = GG_TIA

CONCLUSIONS = {
    "essentially equivalent": GG.EssentiallyEquivalent,
    "not essentially equivalent": GG.NotEssentiallyEquivalent,
}
OUTCOMES = {"proceed": GG.Proceed, "proceed with measures": GG.ProceedWithMeasures, "suspend": GG.Suspend}
MEASURE_KINDS = {
    "technical measures": GG.TechnicalSupplementaryMeasure,
    "contractual measures": GG.ContractualSupplementaryMeasure,
    "organisational measures": GG.OrganisationalSupplementaryMeasure,
}
TOOLS = {
    "standard contractual clauses": EU_GDPR.StandardContractualClauses,
    "binding corporate rules": EU_GDPR.BindingCorporateRules,
}


@dataclass
class ImportedSheet:
    """The TIAs read from a sheet, as a graph, and the rows left incomplete."""

    graph: Graph
    imported: int = 0
    skipped: list[int] = field(default_factory=list)

    def turtle(self) -> str:
        return self.graph.serialize(format="turtle")


def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(row number, {column: text}) of the sheet, header on row 1; columns are matched case-blind."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as err:  # openpyxl raises many types for a file that is not a workbook
            raise InputError(f"not a readable XLSX workbook: {err}", str(path)) from None
        sheet = book[SHEET_TITLE] if SHEET_TITLE in book.sheetnames else book.worksheets[0]
        table = [
            ["" if v is None else (v.isoformat()[:10] if isinstance(v, datetime.date) else str(v)) for v in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    elif path.suffix.lower() == ".csv":
        try:
            table = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        except (OSError, UnicodeDecodeError) as err:
            raise InputError(f"cannot read: {err}", str(path)) from None
    else:
        raise InputError("a TIA sheet is .xlsx or .csv", str(path))
    if not table:
        raise InputError("empty sheet", str(path))
    header = [h.strip().lower() for h in table[0]]
    if "hop" not in header:
        raise InputError("no 'hop' column: use the sheet written by gdprgraph tia --format xlsx", str(path), 1)
    return [
        (number, {h: (_unescaped(row[i]) if i < len(row) else "") for i, h in enumerate(header)})
        for number, row in enumerate(table[1:], start=2)
        if any(cell.strip() for cell in row)
    ]


def _unescaped(cell: str) -> str:
    """A cell without the apostrophe ``spreadsheet_cell`` puts before what would start a formula."""
    text = cell.strip()
    if text.startswith("'") and text[1:2] in FORMULA_STARTS:
        return text[1:]
    return text


def _date(value: str, path: Path, line: int, column: str) -> Literal:
    try:
        return Literal(datetime.date.fromisoformat(value).isoformat(), datatype=XSD.date)
    except ValueError:
        raise InputError(f"{column} '{value}' is not a date (YYYY-MM-DD)", str(path), line) from None


def _choice(value: str, choices: dict[str, URIRef], path: Path, line: int, column: str) -> URIRef:
    found = choices.get(" ".join(value.lower().split()))
    if found is None:
        raise InputError(f"{column} '{value}': expected one of {', '.join(choices)}", str(path), line)
    return found


def import_sheet(path: Path | str, kg: KnowledgeGraph) -> ImportedSheet:
    """The completed rows of a TIA sheet as Turtle-ready triples, each checked against ``kg``."""
    path = Path(path)
    result = ImportedSheet(Graph())
    g = result.graph
    for prefix, ns in (("gg", GG), ("dpv", DPV), ("eu-gdpr", EU_GDPR), ("ggtia", GG_TIA)):
        g.bind(prefix, ns)
    for line, row in read_rows(path):
        if not all(row.get(c) for c in ("conclusion", "outcome", "assessor")):
            result.skipped.append(line)
            continue
        hop = URIRef(row["hop"])
        engagement = (hop, RDF.type, GG.SubProcessingEngagement) in kg
        if not engagement and (hop, RDF.type, GG.SubProcessorCategory) not in kg:
            raise InputError(
                f"hop <{row['hop']}> is not a sub-processing engagement or row of the graph", str(path), line
            )
        key = row["hop"].rstrip("/").rsplit("/", 1)[-1]
        tia = URIRef(TIA_BASE + key)
        g.add((tia, RDF.type, DPV.DataTransferImpactAssessment))
        g.add((tia, GG.assessesTransfer, hop))
        service = kg.value(hop, GG.about)
        if service is not None:
            g.add((tia, GG.about, service))
        if engagement:
            exporter = kg.value(hop, GG.engagedBy)
        else:  # a row of a service: its processor exports (a row about no service names none)
            exporter = kg.value(service, DPV.hasDataProcessor) if service is not None else None
        if exporter is not None:
            g.add((tia, DPV.hasDataExporter, exporter))
        importer = kg.value(hop, GG.subProcessor) if engagement else None
        if importer is not None:
            g.add((tia, DPV.hasDataImporter, importer))
        for name in row.get("transfer tool", "").lower().split(";"):
            tool = next((iri for label, iri in TOOLS.items() if name.strip().startswith(label)), None)
            if tool is not None:
                g.add((tia, GG.transferTool, tool))
        if row.get("law and practice"):
            g.add((tia, GG.lawAndPractice, Literal(row["law and practice"], lang="en")))
        for consulted in filter(None, (s.strip() for s in row.get("sources consulted", "").split(";"))):
            g.add((tia, GG.sourceConsulted, Literal(consulted)))
        g.add((tia, GG.equivalence, _choice(row["conclusion"], CONCLUSIONS, path, line, "conclusion")))
        g.add((tia, GG.outcome, _choice(row["outcome"], OUTCOMES, path, line, "outcome")))
        g.add((tia, GG.assessor, Literal(row["assessor"])))
        for column, prop in (("assessed on", GG.assessedOn), ("review date", GG.reviewDate)):
            if row.get(column):
                g.add((tia, prop, _date(row[column], path, line, column)))
        number = 0
        for column, kind in MEASURE_KINDS.items():
            for text in filter(None, (m.strip() for m in row.get(column, "").split(";"))):
                number += 1
                measure = URIRef(f"{tia}-measure-{number}")
                g.add((measure, RDF.type, EU_GDPR.SupplementaryMeasure))
                g.add((measure, GG.measureKind, kind))
                g.add((measure, RDFS.label, Literal(text, lang="en")))
                g.add((tia, GG.hasSupplementaryMeasure, measure))
        result.imported += 1
    return result


__all__ = ["ASSESSOR_COLUMNS", "ImportedSheet", "import_sheet", "read_rows"]
