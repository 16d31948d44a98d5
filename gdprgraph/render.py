"""Turn query results into text: an aligned table, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json

from rdflib import Literal, URIRef
from rdflib.namespace import NamespaceManager

from .queries import QueryResult

FORMATS = ("table", "csv", "json")


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


def render(result: QueryResult, fmt: str = "table",
           namespaces: NamespaceManager | None = None) -> str:
    """The result in one of FORMATS."""
    if fmt == "json":
        rows = [{c: json_value(r[c]) for c in result.columns} for r in result.rows]
        return json.dumps({"columns": result.columns, "rows": rows}, ensure_ascii=False, indent=2)
    table = [[cell(r[c], namespaces) for c in result.columns] for r in result.rows]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows(table)
        return out.getvalue().rstrip("\n")
    widths = [max([len(c)] + [len(row[i]) for row in table]) for i, c in enumerate(result.columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(result.columns, widths, strict=False)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=False)).rstrip() for row in table]
    lines.append(f"({len(table)} row{'s' if len(table) != 1 else ''})")
    return "\n".join(lines)
