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
