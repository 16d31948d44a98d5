"""Every question sees every source: an engagement imported from a vendor's sub-processor list is a
sub-processor of the service exactly like an Article 28 row (services-using, subprocessors-of,
undisclosed-subprocessors, impact, the RoPA, the transfer map, diff)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Namespace, URIRef

from gdprgraph import Workspace, resources, ropa
from gdprgraph import diff as diffing
from gdprgraph import impact as blast
from gdprgraph.ingest.subprocessors import import_subprocessors
from gdprgraph.paths import transfer_paths

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "subprocessors"
LISTS = sorted(FIXTURES.glob("vendor-*"))
#: every published form of tests/fixtures/vendor-lists/ (issue 15): the same questions must see them
FORMS = sorted(
    p
    for p in (FIXTURES.parent / "vendor-lists").iterdir()
    if p.suffix in (".txt", ".html", ".xlsx", ".pdf", ".md", ".csv")
)
GG = Namespace("https://w3id.org/gdprgraph/ontology#")
FWP = URIRef("https://w3id.org/gdprgraph/service/flexible-web-platform")
FCC = URIRef("https://w3id.org/gdprgraph/service/flexible-contact-center")


@cache
def estate(path: Path, service: URIRef = FWP) -> tuple[Graph, Workspace, Path]:
    """The list imported for the service, and the embedded data with its Turtle file."""
    graph = import_subprocessors(path, service, context=Workspace())
    out = Path(_tmp()) / f"{path.stem}-{service.split('/')[-1]}.ttl"
    out.write_text(graph.serialize(format="turtle"), encoding="utf-8")
    return graph, Workspace([*resources.default_data_files(), out]), out


@cache
def _tmp() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="gdprgraph-every-source-")


def engagements(graph: Graph) -> list[URIRef]:
    return sorted(graph.subjects(RDF.type, GG.SubProcessingEngagement))


def country_names(ws: Workspace, graph: Graph, engagement: URIRef) -> set[str]:
    """The countries an imported row names, and the zones it names instead of a country."""
    places = [*graph.objects(engagement, GG.processingCountry), *graph.objects(engagement, GG.processingZone)]
    return {
        str(label)
        for place in places
        for label in ws.asserted.graph.objects(place, RDFS.label)
        if label.language == "en"
    }


@pytest.mark.parametrize("path", LISTS + FORMS, ids=lambda p: p.name)
def test_services_using_finds_the_service_by_each_imported_subprocessor(path: Path) -> None:
    graph, ws, _ = estate(path)
    assert len(engagements(graph)) == 8 if path in LISTS else engagements(graph)
    for eng in engagements(graph):
        org = graph.value(eng, GG.subProcessor)
        rows = ws.run("services-using", {"org": str(org)}).rows
        listed = [r for r in rows if str(r["document"]) == path.name]
        assert [(r["service"], int(r["line"])) for r in listed] == [(FWP, int(graph.value(eng, GG.sourceLine)))]


@pytest.mark.parametrize("path", LISTS + FORMS, ids=lambda p: p.name)
def test_subprocessors_of_lists_every_imported_row_with_its_countries(path: Path) -> None:
    graph, ws, _ = estate(path)
    rows = ws.run("subprocessors-of", {"service": str(FWP)}).rows
    for eng in engagements(graph):
        org = graph.value(eng, GG.subProcessor)
        found = {
            str(r["country"])
            for r in rows
            if r["organisation"] == org
            and str(r["document"]) == path.name
            and int(r["line"]) == int(graph.value(eng, GG.sourceLine))
        }
        assert found == country_names(ws, graph, eng), org
    # the Article 28 rows are still there, with their zone
    assert {
        (str(r["organisationName"]), str(r["zone"]))
        for r in rows
        if str(r["document"]) == "flexible-web-platform.art28.en.txt"
    } == {("Orange SA", "within the EU/EEA"), ("Platform.sh", "within the EU/EEA")}


def test_an_imported_row_has_a_zone_and_role_from_its_country_and_kind() -> None:
    _, ws, _ = estate(FIXTURES / "vendor-subprocessors.csv")
    rows = ws.run("subprocessors-of", {"service": "Flexible Web Platform"}).rows
    supportly = {
        (str(r["country"]), str(r["zone"]), str(r["role"]), str(r["safeguard"]))
        for r in rows
        if str(r["organisationName"]) == "Supportly"
    }
    assert supportly == {
        ("India", "outside the EU/EEA", "supplier", "Standard contractual clauses"),
        ("Germany", "within the EU/EEA", "supplier", "Standard contractual clauses"),
    }


def test_seed_answers_are_unchanged_without_an_import(seed: Workspace) -> None:
    rows = seed.run("subprocessors-of", {"service": "Flexible Web Platform"}).rows
    assert [(str(r["organisationName"]), str(r["country"]), int(r["line"])) for r in rows] == [
        ("Orange SA", "France", 64),
        ("Platform.sh", "France", 66),
    ]


def test_a_list_imported_for_a_service_whose_row_is_communicated_separately_is_named() -> None:
    _, ws, _ = estate(FIXTURES / "vendor-subprocessors.csv", FCC)
    rows = ws.run("undisclosed-subprocessors", {"service": "Flexible Contact Center"}).rows
    assert rows and {str(r["listedIn"]) for r in rows} == {"vendor-subprocessors.csv"}


def test_impact_ropa_and_map_see_the_imported_subprocessor() -> None:
    _, ws, _ = estate(FIXTURES / "vendor-subprocessors.csv")
    assert blast.impact(ws, "Tickety").service_names == ["Flexible Web Platform"]
    record = ropa.processor_record(ws)
    row = next(r for r in record.rows if r[0] == "Flexible Web Platform")
    assert "Tickety (Brazil)" in row[record.columns.index("subProcessors")]
    found = transfer_paths(ws.transfer_graph(), str(FWP))
    assert any(p.country_name == "Brazil" and "Tickety" in p.labels for p in found)


def test_diff_reports_the_imported_engagements_as_added() -> None:
    changes = diffing.compare(Workspace().asserted, estate(FIXTURES / "vendor-subprocessors.csv")[1].asserted)
    text = diffing.as_text(changes)
    assert "Tickety" in text and "Flexible Web Platform" in text


def test_an_imported_file_validated_alone_names_its_service_and_knows_countries(capsys) -> None:
    from gdprgraph import cli

    _, _, out = estate(FIXTURES / "vendor-subprocessors.csv")
    code = cli.main(["validate", str(out), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1  # Acme Analytics and Tickety: no basis for the transfer
    assert {(f["owner_label"], f["owner_kind"]) for f in report["findings"]} == {("Flexible Web Platform", "service")}
    assert sorted(f["focus_label"] for f in report["findings"] if f["severity"] == "violation") == [
        "sub-processor Acme Analytics",
        "sub-processor Tickety",
    ]
    # GlobalCorp and Supportly are under SCCs outside the EU/EEA: each hop wants its TIA (a warning)
    assert sorted(f["focus_label"] for f in report["findings"] if f["severity"] == "warning") == [
        "sub-processor GlobalCorp",
        "sub-processor Supportly",
    ]
    assert not any("country" in f["shape"].casefold() and "Country of" in f["shape"] for f in report["findings"])
