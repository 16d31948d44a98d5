"""The catalog of named SPARQL queries in queries/*.rq and how to run them with bound parameters."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.term import Node

from . import resources
from .errors import InputError, NoMatchError

_HEADER = re.compile(r"^#\s*([\w-]+):\s*(.*)$")


@dataclass(frozen=True)
class Parameter:
    """One parameter of a named query, read from its ``# param:`` header line."""

    name: str
    kind: str
    description: str
    optional: bool = False


@dataclass(frozen=True)
class NamedQuery:
    """A query file with its header: title, description, parameters, columns, inference need."""

    name: str
    path: Path
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    columns: tuple[str, ...]
    inference: str
    text: str = field(repr=False)
    expect_empty: bool = False
    set_columns: tuple[str, ...] = ()


SET_SEPARATOR = "; "


def sorted_set(value: str) -> str:
    """A cell holding several values joined by SET_SEPARATOR, sorted and without blanks."""
    return SET_SEPARATOR.join(sorted({part for part in value.split(SET_SEPARATOR) if part.strip()}))


@dataclass
class QueryResult:
    """Rows of a query: column names and one dict per row (values as rdflib terms or None)."""

    columns: list[str]
    rows: list[dict[str, Node | None]]


def parse_header(path: Path) -> NamedQuery:
    """Read a query file's header comment block (parsed again only if the file changed)."""
    stat = path.stat()
    return _parsed(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=256)
def _parsed(path: Path, mtime_ns: int, size: int) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    fields: dict[str, list[str]] = {}
    last = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if match:
            last = match.group(1)
            fields.setdefault(last, []).append(match.group(2).strip())
        elif last and line[1:].strip():
            fields[last][-1] += " " + line[1:].strip()
    params = []
    for spec in fields.get("param", []):
        parts = [p.strip() for p in spec.split(":", 2)]
        if len(parts) != 3:
            raise InputError(f"bad '# param:' line {spec!r}", str(path))
        name, kind, description = parts
        params.append(Parameter(name.rstrip("?"), kind, description, name.endswith("?")))
    columns = tuple(c.strip() for c in ",".join(fields.get("columns", [])).split(",") if c.strip())
    return NamedQuery(
        name=path.stem,
        path=path,
        title=" ".join(fields.get("title", [path.stem])),
        description=" ".join(fields.get("description", [""])),
        parameters=tuple(params),
        columns=columns,
        inference=" ".join(fields.get("inference", ["none"])),
        text=text,
        expect_empty=" ".join(fields.get("expect", [""])).startswith("empty"),
        set_columns=tuple(c.strip() for c in " ".join(fields.get("set-columns", [""])).split("(")[0].split(",")
                          if c.strip()),
    )


def catalog() -> dict[str, NamedQuery]:
    """Every public named query, by name (file stem)."""
    return {p.stem: parse_header(p) for p in sorted(resources.query_dir().glob("*.rq"))}


def internal(name: str) -> NamedQuery:
    """An internal helper query from queries/internal/."""
    return parse_header(resources.query_dir() / "internal" / f"{name}.rq")


def get(name: str) -> NamedQuery:
    """A public named query; an unknown name lists the known ones."""
    queries = catalog()
    if name not in queries:
        raise NoMatchError(f"no query named '{name}'", sorted(queries))
    return queries[name]


def bind_literal(value: str) -> Literal:
    """A user-supplied string parameter, as a literal (never pasted into query text)."""
    return Literal(value)


def as_iri(value: str) -> URIRef:
    """A user-supplied IRI parameter."""
    return URIRef(value)
