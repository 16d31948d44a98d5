"""One estate from many sources (issue 16, item 4): a register imported next to the Article 28 descriptions.

The fixtures of tests/fixtures/registers/estate-*.csv are a processor record (the columns of our own
`export ropa`) that restates the Flexible Web Platform's description, without provenance cells: as it is
(`estate-agrees`), or with one disagreement each: a retention period, the country of a sub-processor, a
Yes for a data category the description answers No; tests/fixtures/fides/estate-*.yml restate its
sub-processing as a fides manifest. Imported into the embedded data/, an agreeing
register adds no node for the service or its organisations and no finding: each fact it restates keeps
its node and cites both sources. A disagreeing one gives exactly one finding more than the seed, which
names both documents and lines.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

from gdprgraph import Workspace, resources, ropa
from gdprgraph.cli import main
from gdprgraph.ingest import register
from gdprgraph.ingest.identity import Estate
from gdprgraph.validate import Finding, validate

REGISTERS = Path(__file__).resolve().parent / "fixtures" / "registers"
MANIFESTS = Path(__file__).resolve().parent / "fixtures" / "fides"
GG = Namespace("https://w3id.org/gdprgraph/ontology#")
DPV = Namespace("https://w3id.org/dpv#")
GGD = Namespace("https://w3id.org/gdprgraph/data/")
GGO = Namespace("https://w3id.org/gdprgraph/org/")
GGS = Namespace("https://w3id.org/gdprgraph/service/")
GGDOC = Namespace("https://w3id.org/gdprgraph/doc/")


def _key(finding: Finding) -> tuple[str, str, str]:
    return finding.shape, finding.focus, finding.message


@pytest.fixture(scope="module")
def context() -> Graph:
    return register.context_graph()


@pytest.fixture(scope="module")
def seed_findings(seed) -> set[tuple[str, str, str]]:
    return {_key(f) for f in validate(seed).findings}


def imported(name: str, folder: Path, capsys) -> Path:
    """The fixture imported with the CLI into the default data (names and facts resolved against it)."""
    out = folder / f"{name}.ttl"
    assert main(["import", "ropa", str(REGISTERS / f"{name}.csv"), "--out", str(out)]) == 0
    capsys.readouterr()
    return out


def estate(extra: Path) -> Workspace:
    """The embedded data/ with one more file, as `gdprgraph validate data/*.ttl FILE` reads them."""
    return Workspace([*sorted(resources.data_dir().glob("*.ttl")), extra])


def test_a_register_that_agrees_adds_no_node_and_no_finding(seed, seed_findings, tmp_path, capsys):
    out = imported("estate-agrees", tmp_path, capsys)
    g = Graph().parse(out)
    # one node per real service and organisation: those of the descriptions
    assert set(g.subjects(RDF.type, DPV.Service)) == {GGS["flexible-web-platform"]}
    assert {o for o in g.subjects(RDF.type, DPV.Organisation)} <= {
        GGO["orange-business-services"],
        GGO["orange-sa"],
        GGO["platform-sh"],
    }
    # a restated fact is one node citing both sources: the description's line and the register's row
    line = GGD["fwp-sm-service-activation"]
    assert g.value(line, DCTERMS.source) == GGDOC["fwp-s3"] and g.value(line, GG.sourceLine) == Literal(40)
    [citation] = g.objects(line, GG.alsoStatedIn)
    assert (citation, RDF.type, GG.Citation) in g
    assert g.value(g.value(g.value(citation, DCTERMS.source), DCTERMS.isPartOf), GG.sourceFile) == Literal(
        "estate-agrees.csv"
    )
    assert g.value(citation, GG.sourceLine) == Literal(2)
    engagement = GGD["fwp-eng-platform-sh"]
    assert len(set(g.objects(engagement, GG.alsoStatedIn))) == 1
    # and the estate validates as the seed does: no finding more, none less
    both = estate(out)
    assert {_key(f) for f in validate(both).findings} == seed_findings
    # its processor record is the seed's, but the register joins the sources of the service it restates
    before, after = (
        {row[0]: dict(zip(r.columns, row, strict=True)) for r in ropa.records(ws, ("processor",)) for row in r.rows}
        for ws in (seed, both)
    )
    assert after["Flexible Web Platform"]["sources"] == (
        "estate-agrees.csv; flexible-web-platform.art28.en.txt; obs-website-privacy-notice-and-charter.en.txt"
    )
    after["Flexible Web Platform"]["sources"] = before["Flexible Web Platform"]["sources"]
    assert after == before


@pytest.mark.parametrize(
    ("name", "shape", "message"),
    [
        (
            "estate-retention",
            "A duration stated differently by two sources",
            "Art. 28(3) and 30: the sources contradict each other on the duration of 'Service activation': "
            "'For the period necessary to provide the service to the customer plus 12 months' in estate-retention.csv "
            "line 2, 'For the period necessary to provide the service to the customer' in "
            "flexible-web-platform.art28.en.txt line 40.",
        ),
        (
            "estate-country",
            "A sub-processor placed in different countries by two sources",
            "Art. 28(2) and 44: the sources contradict each other on where 'Platform.sh' processes the data: "
            "Germany in estate-country.csv line 2, France in flexible-web-platform.art28.en.txt line 66.",
        ),
        (
            "estate-yes-no",
            "A line answered Yes by one source and No by another",
            "Art. 28(3) and 30: the sources contradict each other on 'Financial data': "
            "Yes in estate-yes-no.csv line 2, No in flexible-web-platform.art28.en.txt line 29.",
        ),
    ],
)
def test_a_register_that_disagrees_gives_exactly_one_finding_naming_both_sources(
    seed_findings, tmp_path, capsys, name, shape, message
):
    out = imported(name, tmp_path, capsys)
    findings = validate(estate(out)).findings
    new = [f for f in findings if _key(f) not in seed_findings]
    assert [(f.severity, f.shape, f.message) for f in new] == [("violation", shape, message)]
    assert (new[0].document, new[0].line) == (f"{name}.csv", 2)
    assert not [k for k in seed_findings if k not in {_key(f) for f in findings}]


def test_the_disagreeing_fact_is_a_node_of_its_own_and_the_rest_is_shared(tmp_path, capsys):
    g = Graph().parse(imported("estate-retention", tmp_path, capsys))
    lines = {g.value(s, GG.answers): s for s in g.subjects(RDF.type, GG.TemplateLine)}
    activation = lines[URIRef("https://w3id.org/gdprgraph/template/sm-service-activation")]
    assert str(activation).startswith(str(GGD["estate-retention-"]))  # its own node, citing the register
    assert str(g.value(g.value(activation, DPV.hasDuration), GG.period)) in ("P12M", "P1Y")  # as rdflib writes it
    hosting = lines[URIRef("https://w3id.org/gdprgraph/template/sm-hosting")]
    assert hosting == GGD["fwp-sm-hosting"] and g.value(hosting, GG.alsoStatedIn) is not None


def test_names_resolve_as_everywhere_else_exact_names_only(context):
    found = Estate(context)
    assert found.organisation("PLATFORM.SH SAS") == GGO["platform-sh"]
    assert found.organisation("platform.sh") == GGO["platform-sh"]
    assert found.organisation("Platform") is None  # an import never guesses between near names
    assert found.service("FLEXIBLE WEB PLATFORM") == GGS["flexible-web-platform"]
    assert found.service("Flexible") is None


def test_a_fides_manifest_joins_the_estate_the_same_way(seed_findings, tmp_path, capsys):
    """The Flexible Web Platform's egress to Platform.sh is the engagement its description states: one node
    citing the manifest too, and no finding; placed in Germany, one finding naming both sources."""
    agrees, disagrees = tmp_path / "agrees.ttl", tmp_path / "country.ttl"
    assert main(["import", "fides", str(MANIFESTS / "estate-agrees.yml"), "--out", str(agrees)]) == 0
    assert main(["import", "fides", str(MANIFESTS / "estate-country.yml"), "--out", str(disagrees)]) == 0
    capsys.readouterr()
    g = Graph().parse(agrees)
    assert set(g.subjects(RDF.type, GG.SubProcessingEngagement)) == {GGD["fwp-eng-platform-sh"]}
    assert g.value(GGD["fwp-eng-platform-sh"], GG.alsoStatedIn) is not None
    assert {_key(f) for f in validate(estate(agrees)).findings} == seed_findings
    new = [f for f in validate(estate(disagrees)).findings if _key(f) not in seed_findings]
    assert [f.message for f in new] == [
        "Art. 28(2) and 44: the sources contradict each other on where 'Platform.sh' processes the data: Germany in "
        "estate-country.yml line 10, France in flexible-web-platform.art28.en.txt line 66."
    ]
