"""`gdprgraph export graph --profile dpv`: the estate in DPV terms only.

A DPV-only consumer loads the export and tests/fixtures/dpv/dpv-hierarchy.ttl (a few DPV hierarchy
facts), nothing of ours, and answers our headline questions with DPV-only SPARQL
(tests/fixtures/dpv/*.rq).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, RDFS, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import SKOS

from gdprgraph import Workspace, resources
from gdprgraph.cli import main
from gdprgraph.export import export_graph, serialize

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DPV_FIXTURES = FIXTURES / "dpv"
ESTATE = [
    FIXTURES / "queries" / "estate.ttl",
    resources.data_dir() / "templates" / "orange-art28-template.ttl",
    resources.data_dir() / "reference" / "countries-and-adequacy.ttl",
]
ONTOLOGY = "https://w3id.org/gdprgraph/ontology#"
GDPRGRAPH = "https://w3id.org/gdprgraph/"
DPV = rdflib.Namespace("https://w3id.org/dpv#")
PD = rdflib.Namespace("https://w3id.org/dpv/pd#")
EU_GDPR = rdflib.Namespace("https://w3id.org/dpv/legal/eu/gdpr#")
GGS = rdflib.Namespace("https://w3id.org/gdprgraph/service/")
GGO = rdflib.Namespace("https://w3id.org/gdprgraph/org/")
EST = rdflib.Namespace("http://example.org/estate/")
FCC, FWP = GGS["flexible-contact-center"], GGS["flexible-web-platform"]
HMFWP = GGS["hebergement-mutualise-flexible-web-publisher"]


@pytest.fixture(scope="module")
def turtle(tmp_path_factory) -> str:
    """The seed's DPV profile, as the command writes it."""
    out = tmp_path_factory.mktemp("dpv") / "estate-dpv.ttl"
    assert main(["export", "graph", "--profile", "dpv", "--out", str(out)]) == 0
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def export(turtle) -> rdflib.Graph:
    return rdflib.Graph().parse(data=turtle, format="turtle")


def consumer(export: rdflib.Graph) -> rdflib.Graph:
    """What a DPV-only tool holds: the export and the DPV hierarchy facts, nothing of ours."""
    graph = rdflib.Graph()
    graph += export
    graph.parse(DPV_FIXTURES / "dpv-hierarchy.ttl", format="turtle")
    return graph


def ask(graph: rdflib.Graph, name: str, **bindings) -> list[dict[str, rdflib.term.Node | None]]:
    """The rows of tests/fixtures/dpv/NAME.rq, parameters bound as RDF terms."""
    result = graph.query((DPV_FIXTURES / f"{name}.rq").read_text(encoding="utf-8"), initBindings=bindings)
    return [{str(var): row[var] for var in result.vars} for row in result]


def transfers(rows) -> dict[str, dict]:
    """The rows of transfers-outside-eea.rq, one entry per transfer: who, where, safeguards, bases."""
    found: dict[str, dict] = defaultdict(lambda: {"safeguards": set(), "bases": set()})
    for row in rows:
        entry = found[str(row["transfer"])]
        entry.update(
            service=row["service"],
            exporter=str(row["exporterName"]),
            importer=str(row["importerName"]),
            country=row["country"],
        )
        if row["instrument"] is not None:
            entry["safeguards"].add((row["instrument"], row["requestStatus"]))
        if row["basis"] is not None:
            entry["bases"].add(row["basis"])
    return dict(found)


# -- no term of ours ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["turtle", "jsonld", "nt"])
def test_no_gdprgraph_ontology_iri_in_any_format(seed, fmt):
    text = export_graph(seed.asserted, fmt, "dpv")
    assert ONTOLOGY not in text
    assert '"gg:' not in text and "\ngg:" not in text and "@prefix gg:" not in text


def test_no_gdprgraph_iri_is_a_predicate_or_a_class(export):
    predicates = {str(p) for p in export.predicates()}
    assert not {p for p in predicates if p.startswith(GDPRGRAPH)}
    classes = {str(o) for o in export.objects(predicate=RDF.type)}
    assert not {c for c in classes if c.startswith(GDPRGRAPH)}
    assert not {t for t in export for term in t if str(term).startswith(ONTOLOGY)}
    # what we use comes from DPV, its extensions and the neutral vocabularies only
    namespaces = {str(p).rsplit("#", 1)[0] if "#" in str(p) else str(p).rsplit("/", 1)[0] for p in predicates}
    assert namespaces <= {
        "https://w3id.org/dpv",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns",
        "http://www.w3.org/2000/01/rdf-schema",
        "http://www.w3.org/2004/02/skos/core",
        "http://purl.org/dc/terms",
    }


def test_our_categories_are_declared_under_dpv_concepts(export):
    """A category of ours (ggt:, ggd:) used as a value is a concept with a broader chain into DPV."""
    used = {o for p in (DPV.hasPersonalData, DPV.hasDataSubject) for o in export.objects(predicate=p)}
    ours = {o for o in used if str(o).startswith(GDPRGRAPH)}
    assert URIRef("https://w3id.org/gdprgraph/template/IdentificationData") in ours
    for concept in ours:
        assert (concept, RDF.type, SKOS.Concept) in export, concept
        ancestors = set(export.transitive_objects(concept, SKOS.broader)) - {concept}
        assert any(str(a).startswith("https://w3id.org/dpv") for a in ancestors), concept
        assert any(export.objects(concept, SKOS.prefLabel)), concept


# -- the questions, for a DPV-only consumer -------------------------------------------------------


def test_which_services_use_platform_sh(export):
    rows = ask(consumer(export), "services-using", orgName=Literal("Platform.sh"))
    assert [(row["service"], str(row["serviceName"])) for row in rows] == [
        (FWP, "Flexible Web Platform"),
        (HMFWP, "Hébergement Mutualisé, version Flexible Web Publisher"),
    ]
    # the answer rests on DPV's hierarchy (the sub-processor's role is dpv:hasDataProcessor in a
    # nested process): without it, a consumer finds nothing
    assert ask(export, "services-using", orgName=Literal("Platform.sh")) == []


def test_services_list_their_sub_processors_as_recipients(export):
    assert (FWP, DPV.hasRecipient, GGO["platform-sh"]) in export
    assert (GGO["platform-sh"], RDF.type, DPV.DataSubProcessor) in export
    assert (FWP, DPV.hasDataProcessor, GGO["orange-business-services"]) in export
    assert (FWP, DPV.hasDataController, GGO["customer"]) in export


def test_transfers_leaving_the_eu_eea_and_their_safeguards(export):
    found = transfers(ask(consumer(export), "transfers-outside-eea"))
    scc, bcr = EU_GDPR.StandardContractualClauses, EU_GDPR.BindingCorporateRules
    assert sorted(
        (str(t["service"]), t["importer"], frozenset(t["safeguards"]), frozenset(t["bases"])) for t in found.values()
    ) == [
        (
            str(FCC),
            "Intra-group entities outside the EU/EEA (communicated separately)",
            frozenset({(scc, None), (bcr, DPV.RequestInitiated)}),
            frozenset({EU_GDPR["A46-2-c"]}),
        ),
        (
            str(FCC),
            "Suppliers outside the EU/EEA (communicated separately)",
            frozenset({(scc, None)}),
            frozenset({EU_GDPR["A46-2-c"]}),
        ),
    ]
    assert all(t["exporter"] == "Orange Business Services" for t in found.values())
    # only these two: the named sub-processors are all in France, and the rows outside the EU/EEA of
    # the two Flexible Web descriptions answer NA (no entity, hence no transfer)
    assert len(set(export.subjects(DPV.hasProcessing, DPV.CrossBorderTransfer))) == 2


def test_transfers_match_the_third_country_transfers_question(seed, export):
    ours = {(str(row["service"]), str(row["importerName"])) for row in seed.run("third-country-transfers").rows}
    found = transfers(ask(consumer(export), "transfers-outside-eea"))
    assert {(str(t["service"]), t["importer"]) for t in found.values()} == ours


def test_requested_binding_corporate_rules_are_no_basis(export):
    assert (None, DPV.hasLegalBasis, EU_GDPR["A46-2-c"]) in export
    assert (None, DPV.hasLegalBasis, EU_GDPR["A46-2-b"]) not in export  # neither transfer nor measure
    requested = set(export.subjects(DPV.hasRequestStatus, DPV.RequestInitiated))
    assert requested and all((s, RDF.type, EU_GDPR.BindingCorporateRules) in export for s in requested)
    for measure in requested:
        assert (measure, URIRef("http://purl.org/dc/terms/references"), EU_GDPR["A46-2-b"]) in export
        note = str(export.value(measure, URIRef("http://purl.org/dc/terms/description")))
        assert "not a basis" in note and "CNIL" in note


def test_transfers_of_a_synthetic_estate(tmp_path):
    """Named sub-processors in third countries: adequacy, DPF without certification, onward chains."""
    out = tmp_path / "estate-dpv.ttl"
    assert main(["export", "graph", "--profile", "dpv", "--data", *map(str, ESTATE), "--out", str(out)]) == 0
    graph = rdflib.Graph().parse(out, format="turtle")
    found = transfers(ask(consumer(graph), "transfers-outside-eea"))
    loc = rdflib.Namespace("https://w3id.org/dpv/loc#")
    assert sorted(
        (str(t["service"]), t["exporter"], t["importer"], str(t["country"]), frozenset(t["bases"]))
        for t in found.values()
    ) == [
        (str(EST["svc-a"]), "Acme Hosting SAS", "CloudCo Inc", str(loc.US), frozenset({EU_GDPR["A46-2-c"]})),
        (str(EST["svc-a"]), "CloudCo Inc", "IndiaOps Pvt Ltd", str(loc.IN), frozenset()),
        (
            str(EST["svc-b"]),
            "Acme Hosting SAS",
            "Intra-group entities outside the EU/EEA (communicated separately)",
            str(EST["b-sp-group-non-eea-dpv-third-country"]),
            frozenset(),
        ),
        (str(EST["svc-b"]), "Acme Hosting SAS", "Nihon Data KK", str(loc.JP), frozenset({EU_GDPR["A45-3"]})),
    ]
    # onward sub-processing nests in the engagement of the sub-processor that engages it
    assert (EST["a-eng-cloudco"], DPV.hasProcess, EST["a-eng-indiaops"]) in graph
    assert (EST["svc-a"], DPV.hasProcess, EST["a-eng-indiaops"]) not in graph
    assert (EST["svc-a"], DPV.hasRecipient, EST["indiaops"]) in graph
    rows = ask(consumer(graph), "services-using", orgName=Literal("IndiaOps Pvt Ltd"))
    assert [str(row["serviceName"]) for row in rows] == ["Secure Mail Hosting"]


# -- what is declared, and only that ---------------------------------------------------------------


def test_a_no_or_an_unstated_line_is_not_exported(export):
    assert (FWP, DPV.hasPersonalData, PD.Location) in export  # declared Yes
    assert (FWP, DPV.hasPersonalData, PD.Financial) not in export  # declared No
    assert (FWP, DPV.hasPersonalData, DPV.SpecialCategoryPersonalData) not in export  # declared No
    assert (FWP, DPV.hasProcessing, DPV.Transmit) in export  # declared Yes
    assert (FCC, DPV.hasProcessing, DPV.Transmit) not in export  # not stated in its Exhibit A
    assert (FCC, DPV.hasProcessing, DPV.Collect) in export
    assert (FCC, DPV.hasProcessing, DPV.Processing) not in export  # "Other use" answered No
    storage = {str(s) for s in export.objects(FWP, DPV.hasStorageCondition)}
    assert any(s.endswith("fwp-sm-hosting-dpv-storage") for s in storage)
    assert not any("customer-reporting" in s or "carry-traffic" in s for s in storage)  # answered No


def test_retention_is_a_storage_duration_with_its_value_and_words(export):
    rule = URIRef("https://w3id.org/gdprgraph/data/fcc-ret-email-contact-history-12m")
    assert (FCC, DPV.hasStorageCondition, rule) in export
    assert (rule, RDF.type, DPV.StorageDuration) in export
    duration = export.value(rule, DPV.hasDuration)
    assert (duration, RDF.type, DPV.TemporalDuration) in export
    assert export.value(duration, RDF.value) == Literal("P1Y", datatype=rdflib.XSD.duration)
    assert str(export.value(duration, URIRef("http://purl.org/dc/terms/description"))) == "for a period of 12 months"
    assert (rule, DPV.hasPersonalData, PD.EmailContent) in export
    # a period counted from an event keeps its words, not a length of its own
    activation = URIRef("https://w3id.org/gdprgraph/data/fcc-sd-sm-service-activation-duration")
    assert (activation, RDF.type, DPV.UntilEventDuration) in export
    assert export.value(activation, RDF.value) is None
    assert "plus 6 months" in str(export.value(activation, URIRef("http://purl.org/dc/terms/description")))


def test_provenance_cites_documents_sections_and_lines(export):
    dcterms = rdflib.Namespace("http://purl.org/dc/terms/")
    document = export.value(FWP, dcterms.source)
    assert "Flexible Web Platform" in str(export.value(document, dcterms.title))
    engagement = URIRef("https://w3id.org/gdprgraph/data/fwp-eng-platform-sh")
    assert (FWP, DPV.hasProcess, engagement) in export
    assert (
        str(export.value(engagement, dcterms.bibliographicCitation))
        == "flexible-web-platform.art28.en.txt, section 6, line 66"
    )
    assert (export.value(engagement, dcterms.source), dcterms.isPartOf, document) in export


# -- formats, stability, the default profile -------------------------------------------------------


def test_jsonld_and_nt_hold_the_same_graph_as_turtle(seed, export):
    jsonld = export_graph(seed.asserted, "jsonld", "dpv")
    document = json.loads(jsonld)
    assert "gg" not in document["@context"] and document["@context"]["dpv"] == str(DPV)
    assert isomorphic(rdflib.Graph().parse(data=jsonld, format="json-ld"), export)
    assert isomorphic(rdflib.Graph().parse(data=export_graph(seed.asserted, "nt", "dpv"), format="nt"), export)


@pytest.mark.parametrize("fmt", ["turtle", "jsonld", "nt"])
def test_same_text_across_runs(tmp_path, fmt):
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        assert main(["export", "graph", "--profile", "dpv", "--format", fmt, "--out", str(out)]) == 0
    assert first.read_bytes() == second.read_bytes()


def test_same_text_from_the_reference_store():
    """The plain stack (rdflib, memory) gives the same export as the default store (Oxigraph)."""
    assert export_graph(Workspace(store="memory").asserted, "nt", "dpv") == export_graph(
        Workspace().asserted, "nt", "dpv"
    )


def test_gdprgraph_profile_is_the_default_and_unchanged(seed, tmp_path):
    default, explicit = tmp_path / "default.ttl", tmp_path / "explicit.ttl"
    assert main(["export", "graph", "--out", str(default)]) == 0
    assert main(["export", "graph", "--profile", "gdprgraph", "--out", str(explicit)]) == 0
    assert default.read_bytes() == explicit.read_bytes()
    assert default.read_text(encoding="utf-8") == serialize(seed.asserted.graph, "turtle")


def test_profile_usage_errors(capsys):
    assert main(["export", "graph", "--profile", "dpv", "--inferred"]) == 2
    assert "--inferred" in capsys.readouterr().err
    with pytest.raises(SystemExit) as err:
        main(["export", "graph", "--profile", "owl"])
    assert err.value.code == 2


def test_hierarchy_fixture_states_only_hierarchy_facts():
    graph = rdflib.Graph().parse(DPV_FIXTURES / "dpv-hierarchy.ttl", format="turtle")
    assert {p for p in graph.predicates()} <= {RDFS.subClassOf, RDFS.subPropertyOf, RDF.type}
    assert all(
        str(term).startswith("https://w3id.org/dpv")
        or term == RDF.type
        or term in (RDFS.subClassOf, RDFS.subPropertyOf)
        for triple in graph
        for term in triple
    )
