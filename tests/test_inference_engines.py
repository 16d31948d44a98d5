"""In-store OWL 2 RL rules (Oxigraph) give the same answers as owlrl (rdflib) to every catalog query.

Both engines run on the seed graph and on a generated estate; every query of the catalog runs
without parameters (where all are optional) and with each parameter bound, on the closure and,
where its header says so, on the asserted graph: the answers must be equal, row for row.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import OWL, RDF, URIRef

from gdprgraph import Workspace, queries, reason
from gdprgraph.errors import GdprGraphError

DPV = "https://w3id.org/dpv#"
GG = "https://w3id.org/gdprgraph/ontology#"

#: one value per parameter kind, as a user would type it, per estate
SEED_VALUES = {
    "organisation": "Platform.sh",
    "service": "Flexible Contact Center",
    "data-category": "personal data",
    "activity": "Mener des campagnes relationnelles",
}


def _estate_values(ws: Workspace) -> dict[str, str]:
    first = """PREFIX gg: <https://w3id.org/gdprgraph/ontology#>
               PREFIX dpv: <https://w3id.org/dpv#>
               SELECT ?service ?org ?activity WHERE {
                 ?service a dpv:Service . ?e gg:subProcessor ?org ; gg:about ?service .
                 OPTIONAL { ?activity a gg:ProcessingActivity }
               } ORDER BY ?service ?org ?activity LIMIT 1"""
    row = next(iter(ws.asserted.query(first)))
    values = {"service": str(row["service"]), "organisation": str(row["org"]), "data-category": "personal data"}
    if row["activity"] is not None:
        values["activity"] = str(row["activity"])
    return values


def _variants(values: dict[str, str]) -> list[tuple[str, dict[str, str]]]:
    cases = []
    for name, query in sorted(queries.catalog().items()):
        if all(p.optional for p in query.parameters):
            cases.append((name, {}))
        for param in query.parameters:
            if param.kind in values:
                given = {p.name: values[p.kind] for p in query.parameters if not p.optional}
                given[param.name] = values[param.kind]
                cases.append((name, given))
    return cases


def _answers(ws: Workspace, name: str, params: dict[str, str], closure: bool | None):
    result = ws.run(name, params, inference=closure)
    return result.columns, [tuple(row[c] for c in result.columns) for row in result.rows]


def _compare(reference: Workspace, fast: Workspace, values: dict[str, str]) -> int:
    compared = 0
    for name, params in _variants(values):
        for closure in (None, True):
            expected = _answers(reference, name, params, closure)
            actual = _answers(fast, name, params, closure)
            assert actual == expected, f"{name} {params} closure={closure}"
            compared += 1
    return compared


def test_every_catalog_query_answers_alike_on_the_seed(seed, seed_memory):
    assert seed.store == "oxigraph" and seed_memory.store == "memory"
    compared = _compare(seed_memory, seed, SEED_VALUES)
    assert compared >= 2 * len(queries.catalog())


@pytest.mark.slow  # the seed's answers, and the estate's closure (tests/test_closure_oracle.py), run by default
def test_every_catalog_query_answers_alike_on_a_generated_estate(small_estate):
    reference = Workspace(small_estate, store="memory")
    fast = Workspace(small_estate, store="oxigraph")
    values = _estate_values(reference)
    assert _compare(reference, fast, values) >= 2 * len(queries.catalog())
    # the estate is not trivial: the closure adds what the queries need
    assert fast.run("services-processing", {"category": "personal data"}).rows


def test_the_rules_reach_a_fixpoint_that_holds_what_owlrl_derives_about_instances(seed, seed_memory):
    usage = """PREFIX gg: <https://w3id.org/gdprgraph/ontology#>
               SELECT ?s ?o WHERE { ?s gg:usesSubProcessor ?o } ORDER BY ?s ?o"""
    depends = """PREFIX gg: <https://w3id.org/gdprgraph/ontology#>
                 SELECT ?s ?o WHERE { ?s gg:dependsOn ?o } ORDER BY ?s ?o"""
    for text in (usage, depends):
        expected = [tuple(r) for r in seed_memory.inferred.query(text)]
        assert expected and [tuple(r) for r in seed.inferred.query(text)] == expected


def test_an_axiom_the_rules_do_not_implement_is_refused(small_estate):
    ws = Workspace(small_estate, store="oxigraph")
    ws.asserted.add([(URIRef(GG + "Engagement2"), OWL.equivalentClass, URIRef(GG + "SubProcessingEngagement"))])
    with pytest.raises(reason.UnsupportedAxiomError, match="owl:equivalentClass") as err:
        _ = ws.inferred
    assert isinstance(err.value, GdprGraphError)


@pytest.mark.slow  # the fixture alone, without the ontology: tests/test_closure_oracle.py, by default
def test_later_rounds_find_what_the_first_made_possible():
    """Round 1 derives processor receivesFrom controller (an inverse); round 2 joins it with the
    chain (processor reaches dataCentre); round 3 lifts that to dependsOn, then transitivity and the
    domain follow. Semi-naive rounds must reach the same fixpoint as owlrl."""
    fixture = Path(__file__).parent / "fixtures" / "inference" / "three-rounds.ttl"
    ex = "http://example.org/rounds#"
    expected = {
        (URIRef(ex + "processor"), URIRef(ex + "reaches"), URIRef(ex + "dataCentre")),
        (URIRef(ex + "processor"), URIRef(ex + "dependsOn"), URIRef(ex + "dataCentre")),
        (URIRef(ex + "processor"), URIRef(ex + "dependsOn"), URIRef(ex + "powerGrid")),
        (URIRef(ex + "processor"), RDF.type, URIRef(ex + "Party")),
    }
    for store in ("memory", "oxigraph"):
        inferred = Workspace([fixture], store=store).inferred
        missing = {t for t in expected if t not in inferred}
        assert not missing, f"{store}: {missing}"
