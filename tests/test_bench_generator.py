"""The synthetic estate generator of bench/generate.py, on a small estate (20 services)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, Literal, URIRef

from gdprgraph import Workspace, resources
from gdprgraph.paths import build, transfer_paths
from gdprgraph.validate import shapes_graph, validate

ROOT = Path(__file__).resolve().parent.parent
GG = "https://w3id.org/gdprgraph/ontology#"
DPV = "https://w3id.org/dpv#"
BENCH_ORG = "https://w3id.org/gdprgraph/bench/org/sp-"
EEA = URIRef("https://w3id.org/dpv/loc#EEA")
N = 20


@pytest.fixture(scope="module")
def estate_file(generator, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bench") / f"estate-{N}.ttl"
    assert generator.main(["--services", str(N), "--seed", "1", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def workspace(estate_file, estate_inputs) -> Workspace:
    return Workspace(estate_inputs(estate_file))


def test_has_the_services(workspace):
    graph = workspace.asserted.graph
    services = set(graph.subjects(RDF.type, URIRef(DPV + "Service")))
    assert len(services) == N
    lines = set(graph.subjects(RDF.type, URIRef(GG + "TemplateLine")))
    assert len(lines) == N * 34  # every template item but the four sub-processor rows
    assert len(set(graph.subjects(RDF.type, URIRef(GG + "SubProcessorCategory")))) == N * 4


def test_deterministic(generator, estate_file, tmp_path):
    again, other = tmp_path / "again.ttl", tmp_path / "other.ttl"
    generator.main(["--services", str(N), "--seed", "1", "--out", str(again)])
    generator.main(["--services", str(N), "--seed", "2", "--out", str(other)])
    assert again.read_bytes() == estate_file.read_bytes()
    assert other.read_bytes() != estate_file.read_bytes()
    nt_a, nt_b = tmp_path / "a.nt", tmp_path / "b.nt"
    generator.main(["--services", str(N), "--seed", "1", "--out", str(nt_a)])
    generator.main(["--services", str(N), "--seed", "1", "--out", str(nt_b)])
    lines = nt_a.read_text(encoding="utf-8").splitlines()
    assert nt_a.read_bytes() == nt_b.read_bytes() and lines == sorted(lines)


def test_pool_is_about_thirty_percent_outside_eea(workspace):
    graph = workspace.asserted.graph
    pool = {s for s in graph.subjects(URIRef(DPV + "hasCountry"), None) if str(s).startswith(BENCH_ORG)}
    assert len(pool) == 50
    outside = [
        s for s in pool if (graph.value(s, URIRef(DPV + "hasCountry")), URIRef(GG + "memberOf"), EEA) not in graph
    ]
    assert 0.25 <= len(outside) / len(pool) <= 0.35


def test_onward_chain(workspace):
    paths = transfer_paths(build(workspace.asserted))
    assert any(sum(hop.relation == "engages" for hop in p.hops) >= 2 for p in paths)


def _needs_basis(graph, engagement) -> bool:
    """A transfer with no adequacy, no DPF certification and no safeguard on its engagement or row."""
    org = graph.value(engagement, URIRef(GG + "subProcessor"))
    country = graph.value(org, URIRef(DPV + "hasCountry"))
    if (country, URIRef(GG + "memberOf"), EEA) in graph:
        return False
    for decision in graph.subjects(URIRef(GG + "coversCountry"), country):
        if (decision, URIRef(GG + "requiresCertification"), Literal(False)) in graph:
            return False
        if (org, URIRef(GG + "certifiedUnder"), decision) in graph:
            return False
    row = graph.value(engagement, URIRef(GG + "inCategory"))
    return not any(graph.value(node, URIRef(GG + "hasSafeguard")) for node in (engagement, row) if node)


def test_validates_with_third_country_findings(workspace):
    # The Chapter V shapes only: every shape file takes about 40 s on this estate (see bench/README.md).
    shapes_dir = resources.shape_files()[0].parent
    shapes = shapes_graph([shapes_dir / "chapter5-transfers.ttl", shapes_dir / "prefixes.ttl"])
    report = validate(workspace.asserted, shapes=shapes)
    third = {f.focus for f in report.findings if f.shape == "Transfer basis of a sub-processor in a third country"}
    graph = workspace.asserted.graph
    expected = {
        str(e) for e in graph.subjects(RDF.type, URIRef(GG + "SubProcessingEngagement")) if _needs_basis(graph, e)
    }
    assert third
    assert third == expected
