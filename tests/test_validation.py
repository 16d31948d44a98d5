"""`gdprgraph validate` on the seed graph: real findings, mutations, formats and exit codes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import SH

from gdprgraph import resources
from gdprgraph import validate as validation
from gdprgraph.cli import main

GOLDEN = Path(__file__).parent / "golden"
REGENERATE = os.environ.get("GDPRGRAPH_REGENERATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def seed_report(seed):
    return validation.validate(seed.asserted)


def findings(report, shape: str) -> list:
    return [f for f in report.findings if f.shape == shape]


def test_seed_graph_does_not_conform_and_shows_its_real_findings(seed_report):
    assert not seed_report.conforms
    separately = findings(seed_report, "Sub-processors communicated separately")
    assert {f.owner_label for f in separately} == {"Flexible Contact Center"}
    assert len(separately) == 4 and {f.severity for f in separately} == {"warning"}
    requested = findings(seed_report, "Binding corporate rules only requested")
    assert len(requested) == 3 and {f.severity for f in requested} == {"warning"}
    durations = findings(seed_report, "Duration of a declared subject-matter")
    assert {(f.owner_label, f.focus_label) for f in durations} >= {("Flexible Web Platform", "User authentication")}
    assert {f.severity for f in durations} == {"violation"}
    not_stated = findings(seed_report, "Template line not stated")
    assert ("Flexible Contact Center", "Transmission") in {(f.owner_label, f.focus_label) for f in not_stated}


def test_prospect_retention_without_unit_is_a_violation(seed_report):
    retention = findings(seed_report, "Retention period of a rule")
    assert any(f.line == 327 and f.severity == "violation" for f in retention)


def test_legitimate_interest_is_flagged_as_info_only(seed_report):
    balancing = findings(seed_report, "Balancing test for legitimate interest")
    assert balancing and {f.severity for f in balancing} == {"info"}


MUTATIONS = {
    "safeguard": (
        """PREFIX gg: <https://w3id.org/gdprgraph/ontology#>
        DELETE WHERE { <https://w3id.org/gdprgraph/data/fcc-sd-sp-supplier-non-eea> gg:hasSafeguard ?s }""",
        "Safeguard of a sub-processor category outside the EU/EEA",
        "Flexible Contact Center",
    ),
    "country": (
        """PREFIX dpv: <https://w3id.org/dpv#>
        DELETE WHERE { <https://w3id.org/gdprgraph/org/platform-sh> dpv:hasCountry ?c }""",
        "Country of an organisation",
        "Flexible Web Platform",
    ),
    "lawful basis": (
        """PREFIX dpv: <https://w3id.org/dpv#>
        PREFIX ggd: <https://w3id.org/gdprgraph/data/>
        DELETE WHERE { ggd:opp-act-facturer-encaisser-paiements dpv:hasLegalBasis ?b }""",
        "Lawful basis of a purpose",
        "Politique de protection des données personnelles",
    ),
    "duration": (
        """PREFIX dpv: <https://w3id.org/dpv#>
        DELETE WHERE { <https://w3id.org/gdprgraph/data/fwp-sm-service-activation> dpv:hasDuration ?d }""",
        "Duration of a declared subject-matter",
        "Flexible Web Platform",
    ),
}


@pytest.mark.parametrize(
    "mutation", [m if m == "lawful basis" else pytest.param(m, marks=pytest.mark.slow) for m in sorted(MUTATIONS)]
)
def test_mutation_of_the_seed_graph_yields_its_violation(seed, seed_report, mutation):
    update, shape, named = MUTATIONS[mutation]
    mutated = seed.asserted.copy()
    before = len(mutated)
    mutated.graph.update(update)
    assert len(mutated) < before, "the mutation must remove something"
    report = validation.validate(mutated)
    new = set(report.findings) - set(seed_report.findings)
    assert new and {f.shape for f in new} == {shape}
    assert {f.severity for f in new} == {"violation"}
    text = validation.as_text(report, validation.Severity.VIOLATION)
    assert named in text


def test_turtle_output_is_a_shacl_validation_report(capsys):
    code = main(["validate", "--format", "turtle"])
    out = capsys.readouterr().out
    assert code == 1
    graph = rdflib.Graph().parse(data=out, format="turtle")
    reports = list(graph.subjects(rdflib.RDF.type, SH.ValidationReport))
    assert len(reports) == 1
    assert graph.value(reports[0], SH.conforms).toPython() is False
    assert len(list(graph.objects(reports[0], SH.result))) > 20


def test_json_output_matches_the_golden_file(capsys):
    code = main(["validate", "--format", "json"])
    out = capsys.readouterr().out
    assert code == 1
    golden = GOLDEN / "validate-seed.json"
    if REGENERATE:
        golden.write_text(out + "\n", encoding="utf-8")
    assert json.loads(out) == json.loads(golden.read_text(encoding="utf-8"))


def test_text_report_names_services_articles_and_sources(capsys):
    code = main(["validate", "--severity", "warning"])
    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith("Validation: DOES NOT CONFORM")
    assert "Flexible Contact Center (service)" in out
    assert "Art. 28(2): the sub-processors of this row are 'communicated separately'" in out
    assert "[flexible-contact-center.service-description.en.txt, section ExA.6, line 719]" in out
    assert "INFO" not in out and "below warning not shown" in out
    assert "_:" not in out and "ggd:" not in out  # labels, not node ids


def test_validate_files_that_conform_exits_0(capsys):
    fixture = Path(__file__).parent / "fixtures" / "shapes" / "base.ttl"
    reference = sorted((resources.data_dir() / "reference").glob("*.ttl"))
    code = main(["validate", str(fixture), *map(str, reference)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.startswith("Validation: CONFORMS")


def test_unparseable_file_exits_2(capsys):
    code = main(["validate", str(Path(__file__).parent / "fixtures" / "broken-syntax.ttl")])
    assert code == 2
    assert "broken-syntax.ttl:4:" in capsys.readouterr().err
