"""A loaded knowledge graph with its inferred closure, and named queries run against it."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

import rdflib
from rdflib import Literal, URIRef
from rdflib.term import Identifier, Node

from . import collector, names, parallel, paths, queries
from .backends import Backend
from .errors import GdprGraphError, InputError
from .load import OpenGraphs, open_graphs
from .queries import Answer, QueryResult
from .store import KnowledgeGraph, store_spec
from .store.results import Results

T = TypeVar("T")


class Workspace:
    """The graph a command works on: asserted facts, plus the OWL RL closure computed on demand.

    >>> ws = Workspace()
    >>> sorted(str(r["serviceName"]) for r in ws.run("services-using", {"org": "platform.sh"}).rows)
    ['Flexible Web Platform', 'Hébergement Mutualisé, version Flexible Web Publisher']
    """

    def __init__(self, data_files: Sequence[Path | str] | None = None, store: str | None = None) -> None:
        self.store = store_spec(store)
        self.graphs: OpenGraphs = open_graphs(data_files, self.store)
        self.asserted: KnowledgeGraph = self.graphs.asserted
        self._kept: dict[str, tuple[int, object]] = {}

    @property
    def backend(self) -> Backend:
        """The kind of store the graphs live in (what it opens, infers and validates with)."""
        assert self.graphs.backend is not None
        return self.graphs.backend

    @property
    def inferred(self) -> KnowledgeGraph:
        """The rules and the OWL RL closure over the asserted graph (computed once, then kept)."""
        return self.graphs.infer()

    # -- what is derived from the whole estate, once per session ------------------------------------
    def kept(self, name: str, derive: Callable[[], T]) -> T:
        """A value derived from the graph: computed on first use, then kept until the graph changes
        (a write through this workspace: asserted.revision)."""
        held = self.held(name)
        if held is None:
            held = derive()
            self._kept[name] = (self.asserted.revision, held)
        # a name is always kept with what its derive returns; the store of all names is untyped
        return held  # type: ignore[return-value]

    def held(self, name: str) -> object | None:
        """The value kept under ``name``, if it is still current."""
        entry = self._kept.get(name)
        return entry[1] if entry is not None and entry[0] == self.asserted.revision else None

    def transfer_graph(self) -> paths.TransferGraph:
        """The estate's transfer graph (paths.build), kept while the asserted graph is unchanged."""
        return self.kept("transfer-graph", lambda: paths.build(self.asserted))

    def transfer_graph_of(self, services: set[str]) -> paths.TransferGraph:
        """A transfer graph that holds these services' chains: the estate's if kept, else theirs only."""
        whole = self.held("transfer-graph")
        return whole if isinstance(whole, paths.TransferGraph) else paths.build(self.asserted, services)

    def resolve(self, name: str, kind: str) -> URIRef:
        """The IRI a typed name designates (see names.resolve); the names of each kind are kept."""
        if name.startswith(("http://", "https://")):
            return names.resolve(self.asserted, name, kind)
        known = self.kept(f"names of {kind}", lambda: names.candidates(self.asserted, kind))
        return names.resolve(self.asserted, name, kind, known)

    def bind(self, query: queries.NamedQuery, params: Mapping[str, str]) -> dict[str, Node]:
        """Check and resolve a query's parameters into RDF terms."""
        known = {p.name: p for p in query.parameters}
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise InputError(
                f"query '{query.name}' has no parameter {', '.join(unknown)}; "
                f"its parameters: {', '.join(known) or 'none'}"
            )
        bindings: dict[str, Node] = {}
        for param in query.parameters:
            value = params.get(param.name)
            if value is None:
                if not param.optional:
                    raise InputError(f"query '{query.name}' needs --param {param.name}=...")
                continue
            if param.kind in names.KINDS:
                bindings[param.name] = self.resolve(value, param.kind)
            elif param.kind == "iri":
                bindings[param.name] = queries.as_iri(value)
            else:
                bindings[param.name] = Literal(value)
        return bindings

    def run(self, name: str, params: Mapping[str, str] | None = None, inference: bool | None = None) -> QueryResult:
        """Run a named query with bound parameters; inference follows the query's header unless given."""
        query = queries.get(name)
        return self._execute(query, self.bind(query, params or {}), inference)

    def run_together(self, calls: Sequence[tuple[str, Mapping[str, str]]]) -> list[QueryResult]:
        """Several named queries (name, params) answered at once where the store can (its
        evaluation runs outside Python's interpreter lock), one after the other elsewhere; the
        results in the order of the calls."""
        threads = parallel.threads_for(self.backend.concurrent_reads)
        return list(parallel.in_order(min(threads, len(calls)), lambda call: self.run(*call), calls))

    def run_unbound(self, name: str) -> QueryResult:
        """Run a named query with none of its parameters bound: its rows for every value of them."""
        return self._execute(queries.get(name), {}, None)

    def run_file(
        self, path: Path | str, params: Mapping[str, str] | None = None, inference: bool | None = None
    ) -> Answer:
        """Run the query in a user's file (checked by queries.from_file: SPARQL Update is refused),
        its parameters bound as the catalog's are; inference follows its header unless given.
        ``answer.form`` says which of ``rows``, ``boolean`` or ``graph`` holds the answer.
        """
        return self.run_query(queries.from_file(path), params, inference)

    def run_query(
        self, query: queries.NamedQuery, params: Mapping[str, str] | None = None, inference: bool | None = None
    ) -> Answer:
        """Run a query of any form: rows (SELECT), a boolean (ASK) or a graph (CONSTRUCT, DESCRIBE).

        The store's own errors (a prefix it does not know, a failed evaluation) become an
        InputError naming the query on one line.
        """
        bindings = self.bind(query, params or {})
        graph = self._graph_for(query, inference)
        try:
            result = graph.query(query.text, bindings)
            if result.type == "ASK":
                return Answer([], [], form="ASK", boolean=bool(result.askAnswer))
            if result.type in ("CONSTRUCT", "DESCRIBE"):
                found = rdflib.Graph(bind_namespaces="none")
                for prefix, namespace in self.asserted.namespace_manager.namespaces():
                    found.bind(prefix, namespace, override=False)
                if result.graph is not None:
                    found += result.graph
                form = query.form if query.form in ("CONSTRUCT", "DESCRIBE") else result.type
                return Answer([], [], form=form, graph=found)
            return Answer(*self._table(query, result), form="SELECT")
        except GdprGraphError:
            raise
        except SyntaxError as err:  # Oxigraph refuses what rdflib's parser let through
            detail = " ".join(str(err).split())
            where = re.match(r"error at (\d+):(\d+): (.*)", detail)
            if where is None:
                raise InputError(f"SPARQL syntax error: {detail[:300]}", query.name) from err
            reason = where.group(3).split(", [")[0].replace("expected one of Prefix not found", "undeclared prefix")
            raise InputError(
                f"SPARQL syntax error: {reason[:300]} (column {where.group(2)})", query.name, int(where.group(1))
            ) from err
        except Exception as err:  # engines raise many types (OSError, ValueError, Exception)
            raise InputError(
                f"the store could not run the query: {' '.join(str(err).split())[:300]}", query.name
            ) from err

    def _graph_for(self, query: queries.NamedQuery, inference: bool | None) -> KnowledgeGraph:
        """The closure when asked, or when the query's header asks for it; else the asserted graph."""
        use_closure = query.inference != "none" if inference is None else inference
        return self.inferred if use_closure else self.asserted

    @collector.paused()
    def _execute(self, query: queries.NamedQuery, bindings: Mapping[str, Node], inference: bool | None) -> QueryResult:
        result = self._graph_for(query, inference).query(query.text, bindings)
        return QueryResult(*self._table(query, result))

    @staticmethod
    def _table(query: queries.NamedQuery, result: Results) -> tuple[list[str], list[dict[str, Identifier | None]]]:
        """A SELECT result's columns and rows, cells holding sets in a stable order."""
        columns = list(result.columns)
        rows: list[dict[str, Identifier | None]] = [dict(zip(columns, row, strict=True)) for row in result.rows]
        ordered: dict[str, Literal] = {}  # set cells recur (most are empty): each is sorted once
        for row in rows:  # several values in one cell: a set, so in a stable order
            for col in query.set_columns:
                cell = row.get(col)
                if cell is not None:
                    text = str(cell)
                    if text not in ordered:
                        ordered[text] = Literal(queries.sorted_set(text))
                    row[col] = ordered[text]
        return columns, rows

    def class_counts(self, inferred: bool = False) -> dict[str, int]:
        """Number of instances per rdf:type, as compact names."""
        graph = self.inferred if inferred else self.asserted
        counts: dict[str, int] = {}
        for row in graph.internal("class-counts").rows:
            counts[graph.namespace_manager.normalizeUri(row.term("class"))] = int(row.term("count"))
        return dict(sorted(counts.items()))
