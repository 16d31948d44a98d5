"""A warm session (impact.warm) answers impact exactly as one-off commands do, and derives again
what it keeps once the graph changes."""

from __future__ import annotations

from dataclasses import asdict

import pytest
from rdflib import URIRef

from gdprgraph import Workspace
from gdprgraph import impact as impacts

GG = "https://w3id.org/gdprgraph/ontology#"
ORGANISATIONS = """SELECT DISTINCT ?org WHERE {
  { ?engagement <https://w3id.org/gdprgraph/ontology#subProcessor> ?org }
  UNION { ?service <https://w3id.org/dpv#hasDataProcessor> ?org } } ORDER BY ?org"""


@pytest.fixture(scope="module")
def estate(generator, estate_inputs, tmp_path_factory) -> list:
    out = tmp_path_factory.mktemp("warm") / "estate-30.ttl"
    assert generator.main(["--services", "30", "--seed", "3", "--out", str(out)]) == 0
    return estate_inputs(out)


def test_warm_impact_is_the_one_off_impact_for_every_organisation(estate):
    one_off, warm = Workspace(estate), Workspace(estate)
    impacts.warm(warm)
    organisations = [str(row[0]) for row in one_off.asserted.query(ORGANISATIONS)]
    assert len(organisations) > 40
    hows = set()
    for org in organisations:
        expected = asdict(impacts.impact(one_off, org))
        assert asdict(impacts.impact(warm, org)) == expected, org
        hows |= {s["how"] for s in expected["services"]}
    # every way of depending on an organisation was compared
    assert hows == {"sub-processor", "processor", "onward sub-processor"}


def test_impact_categories_are_those_of_data_exposed_to(estate):
    ws = Workspace(estate)
    impacts.warm(ws)
    for org in [str(row[0]) for row in ws.asserted.query(ORGANISATIONS)][:12]:
        rows = ws.run("data-exposed-to", {"org": org}).rows
        result = impacts.impact(ws, org)
        for kind, found in (("personal data", result.data_categories), ("data subjects", result.data_subjects)):
            assert found == sorted({str(r["categoryName"]) for r in rows if str(r["kind"]) == kind}), org
        assert {s.service for s in result.services} >= {str(r["service"]) for r in rows}


def test_what_a_session_keeps_is_derived_again_after_a_change():
    ws = Workspace()
    impacts.warm(ws)
    platform = str(ws.resolve("Platform.sh", "organisation"))
    before = ws.transfer_graph()
    assert ws.transfer_graph() is before  # kept
    assert len(before.services_through[platform]) == 2
    engagements = [s for s, _, _ in ws.asserted.triples((None, URIRef(GG + "subProcessor"), URIRef(platform)))]
    ws.asserted.remove([(e, URIRef(GG + "subProcessor"), URIRef(platform)) for e in engagements])
    after = ws.transfer_graph()
    assert after is not before and platform not in after.services_through
    assert not impacts.impact(ws, platform).paths
