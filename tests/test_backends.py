"""Backends (one object per kind of store) and the one result shape every store answers in."""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, SKOS

from gdprgraph.backends import (
    MemoryBackend,
    OxigraphDiskBackend,
    OxigraphMemoryBackend,
    SparqlBackend,
    backend_for,
)
from gdprgraph.errors import InputError
from gdprgraph.load import input_files
from gdprgraph.store.results import Results, Row

GG = "https://w3id.org/gdprgraph/ontology#"
SERVICE = URIRef("https://w3id.org/gdprgraph/service/flexible-web-platform")


def test_a_spec_names_one_backend(tmp_path):
    assert type(backend_for("memory")) is MemoryBackend
    assert type(backend_for("oxigraph")) is OxigraphMemoryBackend
    assert type(backend_for(f"oxigraph:{tmp_path / 'store'}")) is OxigraphDiskBackend
    assert type(backend_for("sparql:http://127.0.0.1:9/query")) is SparqlBackend
    for spec in ("nosuch", "memory:x", "sparql:"):
        with pytest.raises(InputError, match="unknown store"):
            backend_for(spec)


def test_what_a_backend_says_about_itself(tmp_path):
    assert backend_for("memory").default_validator == "pyshacl"
    assert {backend_for(s).default_validator for s in ("oxigraph", f"oxigraph:{tmp_path}", "sparql:http://h/q")} == {
        "sparql"
    }
    assert [backend_for(s).persistent for s in ("memory", "oxigraph", f"oxigraph:{tmp_path}", "sparql:http://h/q")] == [
        False,
        False,
        True,
        True,
    ]
    with pytest.raises(InputError, match="store status and store gc apply to oxigraph:PATH and sparql:URL"):
        backend_for("oxigraph").status()
    with pytest.raises(InputError, match="not 'memory'"):
        backend_for("memory").gc()


@pytest.mark.parametrize("spec", ["memory", "oxigraph"])
def test_the_closure_is_computed_only_when_asked(spec):
    graphs = backend_for(spec).open(input_files())
    assert graphs.inferred is None
    assert graphs.asserted.backend_spec == spec
    inferred = graphs.infer()
    assert graphs.infer() is inferred and len(inferred) > len(graphs.asserted)
    assert inferred.backend_spec == spec


def test_writes_to_the_asserted_graph_reach_the_closure_of_the_in_memory_oxigraph_store():
    """The closure is computed in a second store (private to the backend); a write made to the
    asserted graph before inference is there too."""
    graphs = backend_for("oxigraph").open(input_files())
    thing = URIRef("urn:test:thing")
    assert graphs.asserted.add([(thing, RDF.type, URIRef(GG + "Service"))]) == 1
    inferred = graphs.infer()
    assert (thing, RDF.type, URIRef(GG + "Service")) in inferred
    graphs.asserted.remove([(thing, RDF.type, URIRef(GG + "Service"))])
    assert (thing, RDF.type, URIRef(GG + "Service")) not in graphs.asserted


def test_a_row_reads_by_name_position_and_attribute():
    row = Row({"a": 0, "b": 1}, [URIRef("urn:x"), None])
    assert row["a"] == row[0] == row.a == URIRef("urn:x")
    assert row["b"] is None and row.b is None and row.get("b", Literal("d")) == Literal("d")
    assert row.asdict() == {"a": URIRef("urn:x")}
    assert row.term("a") == URIRef("urn:x")
    with pytest.raises(ValueError, match="'b' is unbound"):
        row.term("b")
    with pytest.raises(KeyError):
        row["c"]
    with pytest.raises(AttributeError):
        row.c  # noqa: B018
    assert list(row) == [URIRef("urn:x"), None] and len(row) == 2


@pytest.fixture(scope="module")
def both():
    return {spec: backend_for(spec).open(input_files()).asserted for spec in ("memory", "oxigraph")}


def test_every_backend_answers_in_one_shape(both):
    select = (
        "PREFIX gg: <https://w3id.org/gdprgraph/ontology#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "SELECT ?name ?missing WHERE { ?s skos:prefLabel ?name OPTIONAL { ?s gg:noSuchProperty ?missing } }"
    )
    answers = {spec: graph.query(select, {"s": SERVICE}) for spec, graph in both.items()}
    for answer in answers.values():
        assert isinstance(answer, Results) and answer.type == "SELECT"
        assert answer.columns == ["name", "missing"]
        assert all(isinstance(row, Row) and row.missing is None for row in answer.rows)
    assert (
        {r.name for r in answers["memory"].rows}
        == {r.name for r in answers["oxigraph"].rows}
        == {Literal("Flexible Web Platform", lang="en")}
    )
    for graph in both.values():
        ask = graph.query("ASK { ?s ?p ?o }", {"s": SERVICE})
        assert ask.type == "ASK" and ask.boolean is True and ask.askAnswer is True
        construct = graph.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", {"s": SERVICE, "p": SKOS.prefLabel})
        assert construct.type == "CONSTRUCT" and construct.graph is not None
        assert set(construct.graph) == {(SERVICE, SKOS.prefLabel, Literal("Flexible Web Platform", lang="en"))}


def test_internal_queries_run_by_name(both):
    for graph in both.values():
        rows = graph.internal("is-of-kind", {"entity": SERVICE, "kind": URIRef("https://w3id.org/dpv#Service")})
        assert rows.boolean is True


def test_the_main_job_reads_one_store_and_never_the_closure():
    """Validation, every catalog query, transfer paths and an impact on the default store: no
    closure is computed and no second store is made; asking for the closure then makes both, and
    a later write reaches both."""
    from gdprgraph import Workspace, impact, paths, queries
    from gdprgraph import validate as validation

    ws = Workspace()
    validation.validate(ws)
    for name, query in queries.catalog().items():
        given = {"category": "personal data", "org": "Platform.sh", "service": "Flexible Web Platform"}
        ws.run(name, {p.name: given[p.name] for p in query.parameters if not p.optional})
    paths.transfer_paths(ws.transfer_graph())
    impact.impact(ws, "Platform.sh")
    assert ws.graphs.inferred is None
    assert getattr(ws.asserted, "mirror", "none") is None  # one store
    inferred = ws.inferred
    assert ws.asserted.mirror is not None and len(inferred) > len(ws.asserted)
    triple = (URIRef("urn:x:service"), RDF.type, URIRef("https://w3id.org/dpv#Service"))
    ws.asserted.add([triple])
    assert triple in ws.asserted.mirror
