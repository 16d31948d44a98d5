"""Answers that only the rules and the OWL RL closure make possible."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import URIRef

FWP = "https://w3id.org/gdprgraph/service/flexible-web-platform"
FWPUB = "https://w3id.org/gdprgraph/service/hebergement-mutualise-flexible-web-publisher"
FCC = "https://w3id.org/gdprgraph/service/flexible-contact-center"
GG = "https://w3id.org/gdprgraph/ontology#"


def services(result) -> set[str]:
    return {str(row["service"]) for row in result.rows}


def test_location_data_is_processed_by_both_flexible_web_services_not_the_contact_center(seed):
    assert services(seed.run("services-processing", {"category": "location"})) == {FWP, FWPUB}


def declared(result) -> set[tuple[str, str]]:
    return {(str(row["service"]), str(row["declaredCategory"])) for row in result.rows}


OVER_CLOSURE = Path(__file__).parent / "fixtures" / "queries" / "services-processing-over-closure.rq"


@pytest.mark.parametrize("category", ["personal data", "location", "Financial data", "Identifying", "contact"])
def test_services_processing_on_the_asserted_graph_answers_as_one_hop_over_the_owlrl_closure(seed, category):
    """The catalog query walks rdfs:subClassOf* on the asserted graph; the query it replaced read single
    rdfs:subClassOf hops over the OWL RL closure (kept as a fixture): the same rows, without a closure."""
    paths = seed.run("services-processing", {"category": category})
    closure = seed.run_file(OVER_CLOSURE, {"category": category}, inference=True)
    assert [tuple(row) for row in paths.rows] == [tuple(row) for row in closure.rows]
    assert paths.rows or category == "contact"


FIXTURES = Path(__file__).parent / "fixtures" / "queries"


def _organisations(ws) -> list[str]:
    """Every organisation engaged as sub-processor or named as processor, by IRI."""
    rows = ws.asserted.query(
        f"PREFIX gg: <{GG}> SELECT DISTINCT ?org WHERE {{ {{ ?e gg:subProcessor ?org }} "
        "UNION { ?s <https://w3id.org/dpv#hasDataProcessor> ?org } } ORDER BY ?org"
    )
    return [str(row[0]) for row in rows]


def _chains_follow_the_closure(ws, organisations) -> int:
    """data-exposed-to and impact's dependants and declarations on the asserted graph (property
    paths) against their reference forms over the OWL RL closure (fixtures): the same rows for each
    organisation. Returns how many rows were compared."""
    from gdprgraph import queries

    compared = 0
    for org in organisations:
        paths = ws.run("data-exposed-to", {"org": org})
        closure = ws.run_file(FIXTURES / "data-exposed-to-over-closure.rq", {"org": org}, inference=True)
        assert [tuple(row) for row in paths.rows] == [tuple(row) for row in closure.rows], org
        dependants = ws.asserted.internal("dependants", {"org": URIRef(org)})
        reference = queries.from_file(FIXTURES / "dependants-over-closure.rq")
        over_closure = ws.inferred.query(reference.text, {"org": URIRef(org)})
        assert sorted(map(tuple, dependants)) == sorted(map(tuple, over_closure)), org
        compared += len(paths.rows) + len(dependants.rows)
    declared_rows = sorted(map(tuple, ws.asserted.internal("declared-categories")))
    reference = queries.from_file(FIXTURES / "declared-categories-over-closure.rq")
    assert declared_rows == sorted(map(tuple, ws.inferred.query(reference.text)))
    return compared + len(declared_rows)


def test_chains_of_sub_processing_on_the_asserted_graph_answer_as_the_closure_on_the_seed(seed):
    organisations = _organisations(seed)
    assert len(organisations) >= 10
    assert _chains_follow_the_closure(seed, organisations) > 100


def test_chains_of_sub_processing_on_the_asserted_graph_answer_as_the_closure_on_an_estate(
    tmp_path, generator, estate_inputs
):
    """A generated estate has onward chains (sub-processors engaging sub-processors) several hops deep."""
    from gdprgraph import Workspace

    estate = tmp_path / "estate-60.nt"
    assert generator.main(["--services", "60", "--seed", "3", "--out", str(estate)]) == 0
    ws = Workspace(estate_inputs(estate))
    deep = ws.asserted.query(
        f"PREFIX gg: <{GG}> "
        "SELECT (COUNT(*) AS ?n) WHERE { ?a gg:engagedBy ?x ; gg:subProcessor ?y . ?b gg:engagedBy ?y }"
    )
    assert int(next(iter(deep))[0]) > 0  # chains of at least two engagements
    assert _chains_follow_the_closure(ws, _organisations(ws)) > 1000


def test_personal_data_finds_every_declared_category(seed):
    found = declared(seed.run("services-processing", {"category": "personal data"}))
    assert {service for service, _ in found} == {FWP, FWPUB, FCC}
    # location, traffic, identification... sit two or more levels below PersonalData
    assert (FWP, "https://w3id.org/dpv/pd#Location") in found


def test_sub_processor_use_is_inferred_from_engagements(seed):
    query = f"SELECT ?org WHERE {{ ?service <{GG}usesSubProcessor> ?org }}"
    bindings = {"service": URIRef(FWP)}
    asserted = {str(r.org) for r in seed.asserted.query(query, bindings)}
    inferred = {str(r.org) for r in seed.inferred.query(query, bindings)}
    assert asserted == set()
    assert inferred == {"https://w3id.org/gdprgraph/org/orange-sa", "https://w3id.org/gdprgraph/org/platform-sh"}


def test_declared_no_lines_add_no_dpv_triple(seed):
    query = "ASK { ?service <https://w3id.org/dpv#hasPersonalData> <https://w3id.org/dpv/pd#Location> }"
    assert not seed.inferred.query(query, {"service": URIRef(FCC)}).askAnswer
    assert seed.inferred.query(query, {"service": URIRef(FWP)}).askAnswer


@pytest.mark.slow
def test_closure_is_cached_by_input_content(tmp_path, monkeypatch):
    from gdprgraph import Workspace, reason

    monkeypatch.setenv("GDPRGRAPH_CACHE", str(tmp_path))
    first = reason.infer_cached(Workspace().asserted)
    [cached] = list(tmp_path.glob("closure-*.nt"))

    def must_not_recompute(graph):
        raise AssertionError("the closure was recomputed although the inputs did not change")

    monkeypatch.setattr(reason, "infer", must_not_recompute)
    second = reason.infer_cached(Workspace().asserted)
    assert len(second) == len(first) and cached.exists()


def test_cache_key_changes_with_the_content_of_an_input(tmp_path):
    from gdprgraph import reason, resources

    data = tmp_path / "one.ttl"
    data.write_text("<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n")
    files = [*resources.ontology_files(), data]
    before = reason.cache_key(files)
    data.write_text("<http://example.org/a> <http://example.org/b> <http://example.org/d> .\n")
    assert reason.cache_key(files) != before
