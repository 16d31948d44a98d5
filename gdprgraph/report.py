"""The auditor's page: validation findings by service, third-country transfers, retention, the map."""

from __future__ import annotations

import datetime as _dt
from itertools import groupby

from . import validate as validation
from .render import cell
from .viz import environment
from .workspace import Workspace


def _rows(ws: Workspace, query: str, columns: list[str]) -> list[dict[str, str]]:
    result = ws.run(query)
    nsm = ws.asserted.namespace_manager
    return [{c: cell(row.get(c), nsm) for c in columns} for row in result.rows]


def render_report(ws: Workspace, map_href: str | None = "transfer-map.html",
                  generated: _dt.date | None = None) -> str:
    """The HTML audit report; ``map_href`` links (and embeds) the transfer map when given."""
    report = validation.validate(ws.asserted)
    groups = []
    for (owner_label, owner_kind), items in groupby(report.findings, key=lambda f: (f.owner_label, f.owner_kind)):
        findings = list(items)
        groups.append({"owner": owner_label, "kind": owner_kind, "services": findings[0].services,
                       "findings": findings})
    transfers = _rows(ws, "third-country-transfers",
                      ["serviceName", "exporterName", "importerName", "countryName", "adequacy", "safeguards",
                       "document", "line"])
    unsafeguarded = _rows(ws, "unsafeguarded-transfers",
                          ["serviceName", "exporterName", "importerName", "countryName", "reason", "document",
                           "line"])
    retention = _rows(ws, "retention", ["subjectName", "what", "period", "periodAsWorded", "trigger", "condition",
                                        "maximum", "document", "line"])
    template = environment().get_template("audit-report.html.j2")
    return template.render(
        counts=report.counts(), conforms=report.conforms, groups=groups, transfers=transfers,
        unsafeguarded=unsafeguarded, retention=retention, map_href=map_href,
        sources=sorted(p.name for p in ws.asserted.sources),
        generated=(generated or _dt.date.today()).isoformat(),
    )
