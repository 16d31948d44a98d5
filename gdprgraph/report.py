"""The auditor's page: one HTML file that travels alone (the map inline) and prints.

Findings are grouped by service, organisation or policy, each with the line of its source document
quoted; third-country transfers, transfers without a basis, retention; the transfer map framed from
inline HTML (``srcdoc``, sandboxed), printed as its table of transfers by basis with the legend's
colours. The header says the tool's version, the data's revision and the date.
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any

from . import parallel, provenance
from . import validate as validation
from .render import cell
from .templates import environment
from .viz import BASES, MARKS, MapSelection, map_model, render_map
from .workspace import Workspace

#: the report's tables: the catalog query each comes from, and the columns it shows
_TABLES = {
    "third-country-transfers": [
        "serviceName", "exporterName", "importerName", "countryName", "adequacy", "safeguards", "document", "line"
    ],
    "unsafeguarded-transfers": [
        "serviceName", "exporterName", "importerName", "countryName", "reason", "document", "line"
    ],
    "retention": [
        "subjectName", "what", "period", "periodAsWorded", "trigger", "condition", "maximum", "document", "line"
    ],
}  # fmt: skip


def _tables(ws: Workspace) -> dict[str, list[dict[str, str]]]:
    """The rows of each table's query (asked together), as the text of the cells shown."""
    nsm = ws.asserted.namespace_manager
    answers = ws.run_together([(query, {}) for query in _TABLES])
    return {
        query: [{c: cell(row.get(c), nsm) for c in columns} for row in answer.rows]
        for (query, columns), answer in zip(_TABLES.items(), answers, strict=True)
    }


@dataclass(frozen=True)
class Quoted:
    """A finding with the line of its source document ("" when the document is not at hand)."""

    f: validation.Finding
    quote: str


def transfer_summary(model: Mapping[str, Any]) -> list[dict[str, object]]:
    """The map (its ``map_model``) as a table, for print: per basis of the hop into a country, the paths,
    services and countries."""
    nodes = model["nodes"]
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for row in model["rows"]:
        by_kind.setdefault(row["kind"], []).append(row)
    summary = []
    for kind, style in BASES.items():
        rows = by_kind.get(kind, [])
        if not rows:
            continue
        marks = Counter(m for r in rows for m in r["marks"])
        summary.append(
            {
                "kind": kind,
                "colour": style.colour,
                "legend": style.legend,
                "paths": len(rows),
                "services": len({r["nodes"][1] for r in rows}),
                "countries": sorted({nodes[r["nodes"][-1]]["label"] for r in rows}),
                "marks": [f"{MARKS[m].legend} ({n})" for m, n in sorted(marks.items())],
            }
        )
    return summary


def render_report(
    ws: Workspace, map_href: str | None = None, generated: _dt.date | None = None, with_map: bool = True
) -> str:
    """The HTML audit report, the transfer map inline; ``map_href`` adds a link to a separate copy."""
    # the findings on one side, the tables and the map's model on the other: independent questions,
    # asked together (each side leaves a core idle at times: while its last query runs, while
    # Python builds its answer)
    report, (tables, model) = parallel.together(
        ws.backend.concurrent_reads,
        lambda: validation.validate(ws.asserted),
        lambda: (_tables(ws), map_model(ws, MapSelection())),
    )
    data_files = [Path(p) for p in ws.asserted.sources]
    groups: list[dict[str, Any]] = []  # the template's: owner, kind, services, anchor, counts, findings, info
    for (owner_label, owner_kind), items in groupby(report.findings, key=lambda f: (f.owner_label, f.owner_kind)):
        findings = [Quoted(f, provenance.quote(f.document, f.line, data_files)) for f in items]
        counts = Counter(item.f.severity for item in findings)
        groups.append(
            {
                "owner": owner_label,
                "kind": owner_kind,
                "services": findings[0].f.services,
                "anchor": f"findings-{len(groups) + 1}",
                "counts": counts,
                "findings": [i for i in findings if i.f.severity != "info"],
                "info": [i for i in findings if i.f.severity == "info"],
            }
        )
    groups.sort(key=lambda g: (-g["counts"]["violation"], -g["counts"]["warning"], g["owner"]))
    template = environment().get_template("audit-report.html.j2")
    return template.render(
        counts=report.counts(),
        conforms=report.conforms,
        groups=groups,
        transfers=tables["third-country-transfers"],
        unsafeguarded=tables["unsafeguarded-transfers"],
        retention=tables["retention"],
        map_href=map_href,
        map_html=render_map(ws, MapSelection(), embedded=True, model=model) if with_map else "",
        summary=transfer_summary(model),
        sources=sorted(p.name for p in data_files),
        generated=(generated or _dt.date.today()).isoformat(),
        version=provenance.tool_version(),
        revision=provenance.data_revision(data_files),
    )
