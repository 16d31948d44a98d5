"""Name resolution: an exact name wins over a longer one containing it, a brand shared by several
organisations lists them, and suggestions come closest first."""

from __future__ import annotations

import pytest
from rdflib import URIRef

from gdprgraph import cli, names
from gdprgraph.errors import AmbiguousNameError, NoMatchError

GGO = "https://w3id.org/gdprgraph/org/"
AWS = URIRef(GGO + "aws")
AWS_AU = URIRef(GGO + "aws-au")
ENTITIES = {
    AWS: [("Amazon Web Services, Inc. (AWS)", True)],
    AWS_AU: [("Amazon Web Services Australia Pty Ltd (AWS)", True)],
    URIRef(GGO + "acme"): [("Acme Analytics", True)],
}


@pytest.mark.parametrize(
    "typed",
    ["Amazon Web Services Inc", "Amazon Web Services, Inc.", "amazon web services", "Amazon Web Services, Inc. (AWS)"],
)
def test_an_exact_name_wins_over_a_longer_name_containing_it(seed, typed):
    assert names.resolve(seed.asserted, typed, "organisation", ENTITIES) == AWS


def test_the_longer_name_resolves_by_its_own_words(seed):
    assert names.resolve(seed.asserted, "Amazon Web Services Australia", "organisation", ENTITIES) == AWS_AU


def test_a_shared_prefix_alone_is_still_ambiguous(seed):
    with pytest.raises(AmbiguousNameError) as err:
        names.resolve(seed.asserted, "Amazon", "organisation", ENTITIES)
    assert len(err.value.candidates) == 2


def test_the_brand_orange_lists_the_orange_organisations(seed):
    with pytest.raises(AmbiguousNameError) as err:
        seed.resolve("Orange", "organisation")
    assert [c.split(" <")[0] for c in err.value.candidates] == [
        "Orange Business Services",
        "Orange Cloud for Business",
        "Orange SA",
    ]


@pytest.mark.parametrize(
    "typed, local",
    [
        ("Orange SA", "orange-sa"),
        ("ORANGE SA", "orange-sa"),
        ("Orange Business Services", "orange-business-services"),
        ("Platform.sh", "platform-sh"),
        ("Arvato", "arvato"),
    ],
)
def test_a_full_or_unshared_name_still_resolves(seed, typed, local):
    assert seed.resolve(typed, "organisation") == URIRef(GGO + local)


def test_cli_orange_exits_1_with_the_candidates(capsys):
    code = cli.main(["query", "services-using", "--param", "org=Orange"])
    err = capsys.readouterr().err
    assert code == 1
    assert "ambiguous" in err and "Orange SA" in err and "Orange Business Services" in err


def test_suggestions_are_ranked_by_closeness_not_alphabetically(seed):
    with pytest.raises(NoMatchError) as err:
        seed.resolve("Satell", "organisation")
    assert err.value.suggestions[0] == "Satel"
    assert names.ranked("abc", [(0.5, "a"), (0.9, "z"), (0.9, "b"), (0.1, "c")]) == ["b", "z", "a"]


def test_show_ranks_suggestions_across_services_and_organisations(capsys):
    code = cli.main(["show", "Flexbile Web Platfrom"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.split("did you mean: ")[1].startswith("Flexible Web Platform, ")


def test_ingest_matches_an_organisation_by_its_name_without_brackets_and_legal_form():
    from rdflib import SKOS, Graph, Literal

    from gdprgraph.ingest.emit import Organisations

    context = Graph()
    for iri, labels in ENTITIES.items():
        context.add((iri, SKOS.prefLabel, Literal(labels[0][0])))
    orgs = Organisations.from_graph(context)
    assert orgs.resolve("Amazon Web Services Inc")[0] == AWS
    assert orgs.resolve("Amazon Web Services Australia Pty Ltd")[0] == AWS_AU


def test_an_unknown_query_suggests_the_closest_names(capsys):
    code = cli.main(["query", "servics-using", "--param", "org=x"])
    err = capsys.readouterr().err
    assert code == 1
    assert "did you mean: services-using, " in err


def test_import_subprocessors_reuses_an_organisation_by_its_name_without_brackets_and_legal_form(tmp_path):
    from rdflib import RDF, SKOS, Graph, Literal, Namespace

    from gdprgraph.ingest.subprocessors import import_subprocessors

    gg = Namespace("https://w3id.org/gdprgraph/ontology#")
    context = Graph()
    service = URIRef("https://w3id.org/gdprgraph/service/helpdesk")
    context.add((service, RDF.type, URIRef("https://w3id.org/dpv#Service")))
    context.add((service, SKOS.prefLabel, Literal("Helpdesk")))
    context.add((service, URIRef("https://w3id.org/dpv#hasDataProcessor"), URIRef(GGO + "acme")))
    for iri, labels in ENTITIES.items():
        context.add((iri, SKOS.prefLabel, Literal(labels[0][0])))
    listed = tmp_path / "list.csv"
    listed.write_text(
        "Sub-processor,Location,Purpose\nAmazon Web Services Inc,Ireland,Hosting\n"
        "Amazon Web Services Australia Pty Ltd,Australia,Backups\n",
        encoding="utf-8",
    )
    graph = import_subprocessors(listed, service, context=context)
    engaged = {graph.value(eng, gg.subProcessor) for eng in graph.subjects(RDF.type, gg.SubProcessingEngagement)}
    assert engaged == {AWS, AWS_AU}
