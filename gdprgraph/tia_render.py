"""Pre-filled transfer impact assessments: one Markdown document per hop and an index, or one
workbook whose sheet the assessor completes (and ``import tia`` reads back)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from .tia import Fact, HopStatus, NoEntityRow, Source, TiaHop
from .untrusted import escape_markdown as md
from .untrusted import markdown_code, spreadsheet_cell

#: the sheet's columns: the facts first, then what the assessor completes (read back by import tia)
FACT_COLUMNS = (
    "hop",
    "service",
    "exporter",
    "importer",
    "country",
    "transfer tool",
    "data categories",
    "data subjects",
    "onward chain",
    "sources",
)
ASSESSOR_COLUMNS = (
    "law and practice",
    "sources consulted",
    "conclusion",
    "technical measures",
    "contractual measures",
    "organisational measures",
    "outcome",
    "assessor",
    "assessed on",
    "review date",
)
SHEET_TITLE = "TIA"

_TO_COMPLETE = "_(to complete)_"


def file_name(hop: TiaHop) -> str:
    """The Markdown file of a hop: ``tia-<hop key>.md``."""
    return f"tia-{hop.key}.md"


def _cite(source: Source | None) -> str:
    return f" [{md(source.cite())}]" if source is not None else ""


def _facts(facts: Sequence[Fact], kind: str) -> list[str]:
    lines = []
    for fact in facts:
        if fact.kind == kind:
            duration = f": {md(fact.duration)}" if fact.duration else ""
            words = f' ("{md(fact.source.text)}")' if kind == "purposes" and fact.source and fact.source.text else ""
            lines.append(f"- {md(fact.name)}{duration}{words}{_cite(fact.source)}")
    return lines or ["- not stated in the graph"]


def markdown(hop: TiaHop) -> str:
    """The pre-filled TIA of one hop: what the graph holds (EDPB steps 1-2), then the sections the
    assessor completes (steps 3-6)."""
    lines = [
        f"# Transfer impact assessment: {md(hop.exporter_name)} -> {md(hop.importer_name)} ({md(hop.country_name)})",
        "",
        "Pre-filled by `gdprgraph tia` from the graph (EDPB Recommendations 01/2020, steps 1 and 2). "
        "Complete the sections marked _(to complete)_, in this document or in the sheet of "
        "`gdprgraph tia --format xlsx`, and read the sheet back with `gdprgraph import tia`.",
        "",
        "## 1. The transfer (step 1: know your transfers)",
        "",
        f"- **Hop**: {markdown_code(hop.hop)}",
        f"- **Service**: {md(hop.service_name)}",
        f"- **Exporter**: {md(hop.exporter_name)}",
        f"- **Importer**: {md(hop.importer_name)}{_cite(hop.source)}",
        f"- **Country of destination**: {md(hop.country_name)}",
        f"- **Chapter V basis as recorded**: {md(hop.basis.text)}",
        "",
        "### Data categories",
        "",
        *_facts(hop.facts, "data categories"),
        "",
        "### Data subjects",
        "",
        *_facts(hop.facts, "data subjects"),
        "",
        "### Purposes",
        "",
        *_facts(hop.facts, "purposes"),
        "",
        "### Subject-matter and retention",
        "",
        *_facts(hop.facts, "subject-matter and retention"),
        "",
        "### Chains through this hop (onward transfers included)",
        "",
        *([f"- {md(chain)}" for chain in hop.chains] or ["- none recorded"]),
        "",
        "## 2. Transfer tool (step 2)",
        "",
        *(
            [f"- {md(t.name)} ({md(t.status)}){_cite(t.source)}" for t in hop.tools]
            or ["- none: the hop has no Chapter V basis; a tool is needed before any assessment"]
        ),
    ]
    if any(t.status != "in place" for t in hop.tools):
        lines += ["", "A tool whose approval is only requested is not yet a basis (Art. 46(2)(b), 47)."]
    lines += [
        "",
        "## 3. Law and practice of the country of destination (step 3)",
        "",
        f"- **Assessment** (public authorities' access, redress): {_TO_COMPLETE}",
        f"- **Sources consulted**: {_TO_COMPLETE}",
        f"- **Conclusion** (essentially equivalent / not essentially equivalent): {_TO_COMPLETE}",
        "",
        "## 4. Supplementary measures (step 4)",
        "",
        f"- **Technical** (encryption with keys held in the EU, pseudonymisation, split processing): {_TO_COMPLETE}",
        f"- **Contractual**: {_TO_COMPLETE}",
        f"- **Organisational**: {_TO_COMPLETE}",
        "",
        "## 5. Outcome and procedural steps (step 5)",
        "",
        f"- **Outcome** (proceed / proceed with measures / suspend): {_TO_COMPLETE}",
        f"- **Assessor**: {_TO_COMPLETE}",
        f"- **Date**: {_TO_COMPLETE}",
        "",
        "## 6. Re-evaluation (step 6)",
        "",
        f"- **Review date**: {_TO_COMPLETE}",
        "",
    ]
    return "\n".join(lines)


def index(hops: Sequence[TiaHop], statuses: Sequence[HopStatus], no_entities: Sequence[NoEntityRow] = ()) -> str:
    """The index of the pre-filled documents, with the status of each hop's TIA."""
    status = {(s.hop, s.country): s for s in statuses}
    lines = [
        "# Transfer impact assessments",
        "",
        f"{len(hops)} hop(s) to a third country not covered by an adequacy decision "
        "(or Data Privacy Framework certification) rest on an Article 46 tool, or on none: each needs a "
        "transfer impact assessment (EDPB Recommendations 01/2020).",
        "",
        "| service | exporter | importer | country | transfer tool | TIA | document |",
        "|---|---|---|---|---|---|---|",
    ]
    for hop in hops:
        found = status.get((hop.hop, hop.country))
        state = found.status if found is not None else ""
        if found is not None and found.review_date:
            state += f" (review {found.review_date})"
        lines.append(
            f"| {md(hop.service_name)} | {md(hop.exporter_name)} | {md(hop.importer_name)} | "
            f"{md(hop.country_name)} | {md(hop.tool_names)} | {state} | "
            f"[{file_name(hop)}]({file_name(hop)}) |"
        )
    if no_entities:
        lines += [
            "",
            "Rows outside the EU/EEA that declare no entity (NA): no data goes through them, no TIA "
            "is pre-filled (the safeguards they name apply if an entity is added):",
            "",
        ]
        lines += [f"- {md(r.service_name)}: {md(r.row_name)}{_cite(r.source)}" for r in no_entities]
    return "\n".join(lines) + "\n"


def sheet_rows(hops: Sequence[TiaHop]) -> list[list[str]]:
    """One row per hop: the facts, and empty cells for the assessor."""
    rows = []
    for hop in hops:

        def names(kind: str, hop: TiaHop = hop) -> str:
            return "; ".join(f.name for f in hop.facts if f.kind == kind)

        sources = sorted(
            {
                s.cite()
                for s in [hop.source, *(t.source for t in hop.tools), *(f.source for f in hop.facts)]
                if s is not None
            }
        )
        rows.append(
            [
                hop.hop,
                hop.service_name,
                hop.exporter_name,
                hop.importer_name,
                hop.country_name,
                hop.tool_names,
                names("data categories"),
                names("data subjects"),
                " | ".join(hop.chains),
                "; ".join(sources),
                *([""] * len(ASSESSOR_COLUMNS)),
            ]
        )
    return rows


def xlsx(hops: Sequence[TiaHop]) -> bytes:
    """A workbook with one sheet, a row per hop: text cells only, never a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook()
    sheet = book.active
    if not isinstance(sheet, Worksheet):  # a new workbook opens on its one worksheet
        raise TypeError("a new workbook has no active worksheet")
    sheet.title = SHEET_TITLE
    fixed = datetime(2000, 1, 1)  # the same graph gives the same workbook
    book.properties.created = fixed
    book.properties.modified = fixed
    sheet.append([*FACT_COLUMNS, *ASSESSOR_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in sheet_rows(hops):
        sheet.append([spreadsheet_cell(v) for v in row])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            cell.data_type = "s"
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "B2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
