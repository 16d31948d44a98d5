"""What ``KnowledgeGraph.query`` returns, in one shape for every backend.

A SELECT gives ``columns`` and typed ``rows`` (``Row``: a cell by name, by position or as an
attribute, each an rdflib term (an ``Identifier``: URIRef, BNode or Literal) or None
where unbound); an ASK gives ``boolean``; a CONSTRUCT or a
DESCRIBE gives ``graph``. The names rdflib's ``Result`` uses (``vars``, ``askAnswer``, iteration
over rows or triples) are kept for callers written against it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import rdflib
import rdflib.query
from rdflib.term import Identifier, Variable

#: the query forms, as ``Results.type`` names them
FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


class Row:
    """One solution: its cells by column name (``row["name"]``, ``row.name``) or position (``row[0]``).

    A column the query does not project is a KeyError (AttributeError as an attribute); a projected
    column left unbound is None.
    """

    __slots__ = ("_index", "_values")

    def __init__(self, index: dict[str, int], values: Sequence[Identifier | None]) -> None:
        self._index = index
        self._values = tuple(values)

    def __getitem__(self, key: str | int | Variable) -> Identifier | None:
        if isinstance(key, int):
            return self._values[key]
        return self._values[self._index[str(key)]]

    def __getattr__(self, name: str) -> Identifier | None:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self._values[self._index[name]]
        except KeyError:
            raise AttributeError(f"no column {name!r} in this row") from None

    def term(self, name: str) -> Identifier:
        """The cell of a column every solution binds; ValueError if this one left it unbound."""
        value = self[name]
        if value is None:
            raise ValueError(f"column {name!r} is unbound in this row")
        return value

    def get(self, name: str, default: Identifier | None = None) -> Identifier | None:
        """The cell of a column, or ``default`` if the column is absent or unbound."""
        position = self._index.get(name)
        value = self._values[position] if position is not None else None
        return default if value is None else value

    def asdict(self) -> dict[str, Identifier]:
        """The bound cells by column name."""
        return {name: value for name, value in zip(self._index, self._values, strict=True) if value is not None}

    def __iter__(self) -> Iterator[Identifier | None]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Row):
            return self._values == other._values
        if isinstance(other, tuple):
            return self._values == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._values)

    def __repr__(self) -> str:
        return f"Row({', '.join(f'{n}={v!r}' for n, v in zip(self._index, self._values, strict=True))})"


class Results:
    """One answer: rows (SELECT), a boolean (ASK) or a graph (CONSTRUCT, DESCRIBE)."""

    __slots__ = ("boolean", "columns", "graph", "rows", "type")

    def __init__(
        self,
        form: str,
        columns: Sequence[str] = (),
        rows: Sequence[Row] = (),
        boolean: bool | None = None,
        graph: rdflib.Graph | None = None,
    ) -> None:
        self.type = form
        self.columns = list(columns)
        self.rows = list(rows)
        self.boolean = boolean
        self.graph = graph

    @classmethod
    def select(cls, columns: Sequence[str], values: Iterable[Sequence[Identifier | None]]) -> Results:
        """A SELECT answer from its columns and each solution's cells in column order."""
        index = {name: position for position, name in enumerate(columns)}
        return cls("SELECT", columns, [Row(index, cells) for cells in values])

    @classmethod
    def ask(cls, answer: bool) -> Results:
        return cls("ASK", boolean=bool(answer))

    @classmethod
    def triples(cls, graph: rdflib.Graph, form: str = "CONSTRUCT") -> Results:
        return cls(form, graph=graph)

    @classmethod
    def from_rdflib(cls, result: rdflib.query.Result) -> Results:
        """An rdflib Result in this shape."""
        if result.type == "ASK":
            return cls.ask(bool(result.askAnswer))
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            graph = result.graph if result.graph is not None else rdflib.Graph()
            return cls.triples(graph, result.type)
        columns = [str(v) for v in result.vars or []]
        # rdflib types iteration over any Result as rows, triples or a boolean: a SELECT's are rows
        return cls.select(columns, [tuple(row) for row in result])  # type: ignore[arg-type]

    # -- rdflib Result's names ------------------------------------------------------------------
    @property
    def vars(self) -> list[Variable]:
        return [Variable(c) for c in self.columns]

    @property
    def bindings(self) -> list[dict[Variable, Identifier]]:
        """The rows as rdflib does: the bound cells of each by variable."""
        return [{Variable(n): v for n, v in row.asdict().items()} for row in self.rows]

    @property
    def askAnswer(self) -> bool | None:  # rdflib's name
        return self.boolean

    def __iter__(self) -> Iterator[Row]:
        """The rows (a SELECT); the triples of a graph answer are ``graph``'s."""
        if self.graph is not None:
            return iter(self.graph)
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.graph) if self.graph is not None else len(self.rows)

    def __bool__(self) -> bool:
        return bool(self.boolean) if self.type == "ASK" else len(self) > 0
