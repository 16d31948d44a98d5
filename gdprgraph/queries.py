"""The catalog of named SPARQL queries in queries/*.rq and how to run them with bound parameters."""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, URIRef
from rdflib.term import Identifier

from . import namekinds, resources, spelling
from .errors import InputError, NoMatchError

if TYPE_CHECKING:
    from pyparsing import ParseBaseException

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
    #: SELECT, ASK, CONSTRUCT or DESCRIBE, read by the SPARQL parser (from_file); empty when not
    #: checked (the catalog's queries are SELECT queries)
    form: str = ""


SET_SEPARATOR = "; "


def sorted_set(value: str) -> str:
    """A cell holding several values joined by SET_SEPARATOR, sorted and without blanks."""
    return SET_SEPARATOR.join(sorted({part for part in value.split(SET_SEPARATOR) if part.strip()}))


@dataclass
class QueryResult:
    """Rows of a query: column names and one dict per row (values as rdflib terms or None)."""

    columns: list[str]
    rows: list[dict[str, Identifier | None]]


@dataclass
class Answer(QueryResult):
    """What any query form gives: rows (SELECT), a boolean (ASK) or a graph (CONSTRUCT, DESCRIBE)."""

    form: str = "SELECT"
    boolean: bool | None = None
    graph: Graph | None = None

    @property
    def found(self) -> bool:
        """Whether there is an answer: a row, ``true``, or a triple."""
        if self.form == "ASK":
            return bool(self.boolean)
        if self.graph is not None:
            return len(self.graph) > 0
        return bool(self.rows)


def parse_header(path: Path) -> NamedQuery:
    """Read a query file's header comment block (parsed again only if the file changed)."""
    stat = path.stat()
    return _parsed(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=256)
def _parsed(path: Path, mtime_ns: int, size: int) -> NamedQuery:
    return _with_header(path, path.read_text(encoding="utf-8"), path.stem)


def _with_header(path: Path, text: str, query_name: str) -> NamedQuery:
    """A query's text with what its header comment block says."""
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
        name=query_name,
        path=path,
        title=" ".join(fields.get("title", [path.stem])),
        description=" ".join(fields.get("description", [""])),
        parameters=tuple(params),
        columns=columns,
        inference=" ".join(fields.get("inference", ["none"])),
        text=text,
        expect_empty=" ".join(fields.get("expect", [""])).startswith("empty"),
        set_columns=tuple(
            c.strip() for c in " ".join(fields.get("set-columns", [""])).split("(")[0].split(",") if c.strip()
        ),
    )


QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
#: parameter kinds beside the kinds of names (namekinds.KINDS): an IRI as given, a plain string
VALUE_KINDS = ("iri", "string")
INFERENCE = ("none", "owlrl")
UPDATES_REFUSED = "updates are refused: gdprgraph query runs SELECT, ASK, CONSTRUCT and DESCRIBE queries"
SERVICE_REFUSED = (
    "SERVICE is refused: gdprgraph answers from the local graph and never calls another "
    "address (federated queries would make it do so)"
)
_VARNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def from_file(path: Path | str) -> NamedQuery:
    """A user's query file, with the same header comment block as the catalog's, checked before
    it runs: it must be UTF-8 text holding one SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE).

    Raises InputError naming the file: unreadable, binary or not UTF-8; a bad header; a syntax
    error (with its line); a SPARQL Update (refused). The form is read by rdflib's SPARQL parser,
    so a keyword inside a string or a comment does not count.
    """
    where = str(path)
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", where) from None
    except IsADirectoryError:
        raise InputError("a folder, not a query file", where) from None
    except OSError as err:
        raise InputError(f"cannot read ({err.strerror or err})", where) from None
    if b"\0" in data:
        raise InputError("not a text file (binary data)", where)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"not UTF-8 text ({err.reason})", where, data[: err.start].count(b"\n") + 1) from None
    query = _with_header(path, text, where)
    kinds = (*namekinds.KINDS, *VALUE_KINDS)
    for param in query.parameters:
        if not _VARNAME.fullmatch(param.name):
            raise InputError(f"'# param:' {param.name!r} is not a SPARQL variable name", where)
        if param.kind not in kinds:
            raise InputError(f"'# param: {param.name}': unknown kind '{param.kind}'; kinds: {', '.join(kinds)}", where)
    if query.inference not in INFERENCE:
        raise InputError(f"'# inference: {query.inference}': expected one of {', '.join(INFERENCE)}", where)
    return dataclasses.replace(query, form=sparql_form(text, where))


def sparql_form(text: str, where: str = "query") -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE, as rdflib's SPARQL parser reads ``text``.

    InputError for a SPARQL Update (refused), for text without a query, and for a syntax error
    (``where:line: SPARQL syntax error: ...``).
    """
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        parsed = parseQuery(text)
    except ParseBaseException as as_query:
        try:
            update = parseUpdate(text)
        except ParseBaseException as as_update:
            # report the parse that went further: the query's, unless the text reads as an update
            err = as_update if as_update.loc > as_query.loc else as_query
            raise InputError(f"SPARQL syntax error: {_parse_message(err)}", where, err.lineno) from None
        if "request" in update:
            raise InputError(UPDATES_REFUSED, where) from None
        raise InputError("no SPARQL query in the file", where) from None
    if "ServiceGraphPattern" in _parts(parsed):
        raise InputError(SERVICE_REFUSED, where)
    form: str = parsed[1].name.removesuffix("Query").upper()  # pyparsing's results are untyped
    if form not in QUERY_FORMS:  # pragma: no cover - the grammar has no other query form
        raise InputError(f"unsupported query form {form}", where)
    return form


def _parts(node: object) -> set[str]:
    """The names of the grammar rules in a parsed query (CompValue nodes, at any depth)."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    found: set[str] = set()
    if isinstance(node, CompValue):
        return found.union({node.name}, *(_parts(value) for value in node.values()))
    if isinstance(node, list | tuple | ParseResults):
        return found.union(*(_parts(value) for value in node))
    return found


def _parse_message(err: ParseBaseException) -> str:
    """pyparsing's message on one line, without its character offset (the line is given apart)."""
    message = " ".join(str(err.msg).split())
    found = getattr(err, "found", "")
    return message + (f", found {found}" if found else "") + f" (column {err.col})"


def catalog() -> dict[str, NamedQuery]:
    """Every public named query, by name (file stem)."""
    return {p.stem: parse_header(p) for p in sorted(resources.query_dir().glob("*.rq"))}


def internal(name: str) -> NamedQuery:
    """An internal helper query from queries/internal/."""
    return parse_header(resources.query_dir() / "internal" / f"{name}.rq")


def get(name: str) -> NamedQuery:
    """A public named query; an unknown name suggests the closest ones (`query --list` shows all)."""
    queries = catalog()
    if name not in queries:
        raise NoMatchError(
            f"no query named '{name}' (gdprgraph query --list)",
            spelling.ranked(name, [(spelling.closeness(name, known), known) for known in queries]),
        )
    return queries[name]


def as_iri(value: str) -> URIRef:
    """A user-supplied IRI parameter."""
    return URIRef(value)


def from_text(text: str, where: str = "query") -> NamedQuery:
    """A query given as text (a web form, a SPARQL protocol request), checked as from_file checks a
    file: InputError for a SPARQL Update (refused), a SERVICE clause or a syntax error. Its header
    comment block, if any, is read (parameters of name kinds, inference)."""
    query = _with_header(Path(where), text, where)
    return dataclasses.replace(query, form=sparql_form(text, where))
