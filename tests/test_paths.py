"""Transfer paths, concentration and impact on the synthetic estate of tests/fixtures/queries/.

The estate: Acme Hosting SAS (France) processes two services. Secure Mail Hosting engages EuroStore
GmbH (Germany) and CloudCo Inc (United States, not DPF-certified, standard contractual clauses on
its row), and CloudCo engages IndiaOps Pvt Ltd (India) with no basis at all. Photothèque Partagée
engages Acme Group SA (France), the same EuroStore GmbH, Nihon Data KK (Japan, adequacy) and
intra-group entities outside the EU/EEA "communicated separately" (binding corporate rules only
requested).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gdprgraph import Workspace, resources
from gdprgraph.cli import main
from gdprgraph.paths import build, concentration, transfer_paths

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "queries"
DATA = [
    FIXTURE / "estate.ttl",
    resources.data_dir() / "templates" / "orange-art28-template.ttl",
    resources.data_dir() / "reference" / "countries-and-adequacy.ttl",
]
EST = "http://example.org/estate/"
SERVICE_A, SERVICE_B = EST + "svc-a", EST + "svc-b"
EUROSTORE, CLOUDCO, INDIAOPS = EST + "eurostore", EST + "cloudco", EST + "indiaops"
INDIA = "https://w3id.org/dpv/loc#IN"
CHAIN_A = ["Secure Mail Hosting", "Acme Hosting SAS", "CloudCo Inc", "IndiaOps Pvt Ltd", "India"]
SUBJECTS_A = {"Customer's employees and self-employed contractors", "Customer's other end-users"}
SCC = "Standard contractual clauses (in place)"


@pytest.fixture(scope="module")
def estate() -> Workspace:
    return Workspace(DATA)


@pytest.fixture(scope="module")
def graph(estate):
    return build(estate.asserted)


@pytest.fixture(scope="module")
def third_country_paths(graph):
    return transfer_paths(graph)


def run_cli(capsys, *argv: str) -> tuple[int, str]:
    code = main([*argv, "--data", *map(str, DATA)])
    return code, capsys.readouterr().out


def test_two_hop_chain_to_india_rests_on_sccs_then_on_nothing(graph, third_country_paths):
    found = [p for p in third_country_paths if p.labels[1:] == CHAIN_A]
    assert {p.labels[0] for p in found} == SUBJECTS_A, "one chain per category of data subjects"
    for path in found:
        assert graph.graph.nodes[path.nodes[0]]["kind"] == "data-subjects"
        assert path.nodes[-1] == INDIA and path.zone == "third country" and path.missing_basis
        to_service, to_processor, to_cloudco, to_indiaops, to_india = path.hops
        assert (to_processor.relation, to_processor.missing_basis) == ("processor", False)
        assert (to_cloudco.source, to_cloudco.target) == ("Acme Hosting SAS", "CloudCo Inc")
        assert to_cloudco.basis == SCC and not to_cloudco.missing_basis
        assert (to_indiaops.source, to_indiaops.target) == ("CloudCo Inc", "IndiaOps Pvt Ltd")
        assert to_indiaops.missing_basis and to_indiaops.basis == "NO BASIS"
        assert (to_indiaops.document, to_indiaops.line) == ("secure-mail-hosting.art28.en.txt", 61)
        assert (to_india.relation, to_service.relation) == ("located in", "data of")


def test_cloudco_to_the_united_states_rests_on_sccs_not_on_the_dpf(third_country_paths):
    direct = [p for p in third_country_paths if p.labels[1:] == [*CHAIN_A[:3], "United States"]]
    assert len(direct) == 2
    assert all(not p.missing_basis and p.hops[2].basis == SCC for p in direct)


def test_japanese_supplier_hop_rests_on_the_adequacy_decision(third_country_paths):
    japan = [p for p in third_country_paths if p.country_name == "Japan"]
    assert [p.labels[1:] for p in japan] == [["Photothèque Partagée", "Acme Hosting SAS", "Nihon Data KK", "Japan"]]
    hop = japan[0].hops[2]
    assert hop.basis == "adequacy decision (Japan)" and not hop.missing_basis
    assert japan[0].zone == "adequate" and not japan[0].missing_basis


def test_undisclosed_row_outside_the_eea_has_no_basis(third_country_paths):
    hidden = [p for p in third_country_paths if p.country_name == "third country (not disclosed)"]
    assert [p.service for p in hidden] == [SERVICE_B]
    assert hidden[0].hops[2].basis == "NO BASIS" and hidden[0].missing_basis


def test_eu_supplier_never_appears_in_third_country_paths(graph, third_country_paths):
    assert third_country_paths
    assert not [p for p in third_country_paths if p.passes_through(EUROSTORE)]
    everywhere = [p for p in transfer_paths(graph, to=None) if p.passes_through(EUROSTORE)]
    assert {(p.service, p.country_name) for p in everywhere} == {(SERVICE_A, "Germany"), (SERVICE_B, "Germany")}
    assert {p.hops[2].basis for p in everywhere} == {"within the EU/EEA"}


def test_every_third_country_path_ends_outside_the_eea(third_country_paths):
    assert {p.country_name for p in third_country_paths} == {
        "United States",
        "India",
        "Japan",
        "third country (not disclosed)",
    }


def test_cli_paths_json_shows_the_chain(capsys):
    code, out = run_cli(capsys, "paths", "--to", "third-countries", "--format", "json")
    assert code == 0
    records = json.loads(out)["paths"]
    chains = [r for r in records if r["chain"][1:] == CHAIN_A]
    assert len(chains) == 2
    for record in chains:
        assert record["missing_basis"] and record["country"] == "India"
        hops = {h["target"]: h for h in record["hops"]}
        assert hops["CloudCo Inc"]["basis"] == SCC and not hops["CloudCo Inc"]["missing_basis"]
        assert hops["IndiaOps Pvt Ltd"]["missing_basis"]
    assert not [r for r in records if "EuroStore GmbH" in r["chain"]]


def test_cli_paths_to_a_country_keeps_only_that_country(capsys):
    code, out = run_cli(capsys, "paths", "--to", "India", "--format", "json")
    assert code == 0
    records = json.loads(out)["paths"]
    assert records and {r["country"] for r in records} == {"India"}
    assert {r["chain"][0] for r in records} == SUBJECTS_A
    assert {tuple(r["chain"][1:]) for r in records} == {tuple(CHAIN_A)}


def test_cli_paths_from_a_service_keeps_only_its_paths(capsys):
    code, out = run_cli(capsys, "paths", "--from", "secure mail", "--format", "json")
    assert code == 0
    records = json.loads(out)["paths"]
    assert {r["chain"][1] for r in records} == {"Secure Mail Hosting"}
    assert {r["country"] for r in records} == {"United States", "India"}
    assert len(records) == 4


def test_concentration_ranks_the_processor_first_and_flags_the_shared_supplier(graph):
    ranked = concentration(graph)
    assert ranked[0].name == "Acme Hosting SAS" and ranked[0].single_point_of_failure
    assert ranked[0].services == ("Photothèque Partagée", "Secure Mail Hosting")
    eurostore = next(d for d in ranked if d.organisation == EUROSTORE)
    assert eurostore.services == ("Photothèque Partagée", "Secure Mail Hosting")
    assert eurostore.single_point_of_failure and not eurostore.cut_vertex
    assert [d.name for d in ranked[:2]] == ["Acme Hosting SAS", "EuroStore GmbH"]
    nihon = next(d for d in ranked if d.name == "Nihon Data KK")
    assert not nihon.single_point_of_failure


def test_cli_concentration_json(capsys):
    code, out = run_cli(capsys, "concentration", "--format", "json")
    assert code == 0
    organisations = json.loads(out)["organisations"]
    assert organisations[0]["name"] == "Acme Hosting SAS"
    flags = {o["name"]: o["single_point_of_failure"] for o in organisations}
    assert flags["EuroStore GmbH"] is True and flags["Nihon Data KK"] is False


def test_cli_impact_of_cloudco(capsys):
    code, out = run_cli(capsys, "impact", "CloudCo", "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert report["name"] == "CloudCo Inc" and report["country"] == "United States"
    assert [(s["name"], s["how"], s["line"]) for s in report["services"]] == [
        ("Secure Mail Hosting", "sub-processor", 59)
    ]
    assert report["countries"] == ["India", "United States"]
    assert set(report["data_subjects"]) == SUBJECTS_A
    missing = [p for p in report["paths"] if p["missing_basis"]]
    assert missing and {p["country"] for p in missing} == {"India"}
    assert all(any(h["missing_basis"] and h["target"] == "IndiaOps Pvt Ltd" for h in p["hops"]) for p in missing)
    assert "Secure Mail Hosting" in report["summary"]


def test_impact_of_the_onward_sub_processor_names_the_service(capsys):
    code, out = run_cli(capsys, "impact", "indiaops", "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert [(s["name"], s["how"]) for s in report["services"]] == [("Secure Mail Hosting", "onward sub-processor")]
    assert report["countries"] == ["India"]
    assert report["paths"] and all(p["missing_basis"] for p in report["paths"])


def test_processor_whose_country_no_sub_processor_shares_is_located_at_home(estate):
    """Regression: build() once added country nodes while iterating the graph's nodes (RuntimeError)."""
    kg = estate.asserted.copy()
    kg.graph.update("DELETE WHERE { <http://example.org/estate/b-eng-acme-group> ?p ?o }")
    at_home = [p for p in transfer_paths(build(kg), to=None) if p.country_name == "France"]
    assert {(p.service, p.labels[-2]) for p in at_home} == {
        (SERVICE_A, "Acme Hosting SAS"),
        (SERVICE_B, "Acme Hosting SAS"),
    }


@pytest.mark.parametrize("store", ["oxigraph", "memory"])
def test_the_graph_of_some_services_is_their_part_of_the_whole(store):
    """paths.build on some services (a multi-valued parameter) keeps exactly their edges."""
    ws = Workspace(DATA, store=store)
    whole = build(ws.asserted)
    for chosen in ({SERVICE_B}, {SERVICE_A, SERVICE_B}):
        part = build(ws.asserted, chosen)
        edges = sorted((a, b, d["relation"], d["basis"]) for a, b, d in part.graph.edges(data=True))
        expected = sorted(
            (a, b, d["relation"], d["basis"]) for a, b, d in whole.graph.edges(data=True) if d["service"] in chosen
        )
        assert edges and edges == expected
        assert {n: part.label(n) for n in part.graph} == {n: whole.label(n) for n in part.graph}
    assert {str(p.nodes) for p in transfer_paths(build(ws.asserted, {SERVICE_A}), through=INDIAOPS)} == {
        str(p.nodes) for p in transfer_paths(whole, through=INDIAOPS)
    }


@pytest.mark.parametrize("seed_value", range(20))
def test_chains_are_networkx_simple_paths(seed_value):
    """The per-service walk (paths._chains) finds exactly networkx's simple paths, cycles included."""
    import random

    import networkx as nx

    from gdprgraph.paths import _chains

    rng = random.Random(seed_value)
    graph = nx.gnp_random_graph(9, 0.3, seed=seed_value, directed=True)
    hops = {str(a): {} for a in graph}
    for a, b in graph.edges():
        hops[str(a)][str(b)] = [{}]
    targets = {str(n) for n in rng.sample(range(1, 9), 3)}
    expected = sorted(map(tuple, nx.all_simple_paths(nx.relabel_nodes(graph, str), "0", targets)))
    assert sorted(map(tuple, _chains(hops, "0", targets))) == expected
