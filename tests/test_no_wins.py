"""An explicit "No" wins over inference: every category line of every description, as the documents say.

The expected answers below were read from the source documents (data/sources/), line by line, not
from the graph: Yes, No, or not stated (the line is absent from the document). ``services-processing``
must list a service for a line's category exactly when its document answers Yes. The category is
typed the way the document words the line, which also tests that those wordings resolve.
"""

from __future__ import annotations

import pytest
from rdflib import RDFS, URIRef

from gdprgraph import Workspace, validate
from gdprgraph.cli import main
from gdprgraph.errors import AmbiguousNameError

FWP = "Flexible Web Platform"
FWPUB = "Hébergement Mutualisé, version Flexible Web Publisher"
FCC = "Flexible Contact Center"

#: template item -> (English wording, French wording) of the line in the documents
WORDINGS = {
    "data-identification": ("Identification data", "Données d'identification"),
    "data-traffic": ("Traffic / Connection data", "Données de trafic / de connexion"),
    "data-location": ("Location Data", "Données de localisation"),
    "data-crm": ("CRM data", "Données Relation Clients"),
    "data-financial": ("Financial data", "Données financières"),
    "data-sensitive": ("Sensitive Data", "Données sensibles"),
    "data-carried-content": (
        "Personal data contained in carried traffic",
        "Données contenues dans le trafic transporté",
    ),
    "data-hosted-content": (
        "Personal data in recorded or stored content",
        "Données contenues dans les enregistrements hébergés",
    ),
}

#: service -> template item -> the document's answer (flexible-web-platform.art28.en.txt lines 25-35,
#: hebergement-mutualise-flexible-web-publisher.art28.fr.txt lines 68-104,
#: flexible-contact-center.service-description.en.txt lines 623-648: no carried-traffic line)
ANSWERS = {
    FWP: {
        "data-identification": "yes",
        "data-traffic": "yes",
        "data-location": "yes",
        "data-crm": "yes",
        "data-financial": "no",
        "data-sensitive": "no",
        "data-carried-content": "yes",
        "data-hosted-content": "yes",
    },
    FWPUB: {
        "data-identification": "yes",
        "data-traffic": "yes",
        "data-location": "yes",
        "data-crm": "yes",
        "data-financial": "yes",
        "data-sensitive": "no",
        "data-carried-content": "yes",
        "data-hosted-content": "yes",
    },
    FCC: {
        "data-identification": "yes",
        "data-traffic": "yes",
        "data-location": "no",
        "data-crm": "yes",
        "data-financial": "no",
        "data-sensitive": "no",
        "data-carried-content": "not stated",
        "data-hosted-content": "yes",
    },
}

CASES = [(service, item, answer) for service, lines in ANSWERS.items() for item, answer in lines.items()]
TEMPLATE = "https://w3id.org/gdprgraph/template/"


def _listed(ws: Workspace, category: str) -> set[str]:
    return {str(r["serviceName"]) for r in ws.run("services-processing", {"category": category}).rows}


@pytest.mark.parametrize(("service", "item", "answer"), CASES, ids=[f"{s[:12]}-{i}" for s, i, _ in CASES])
def test_services_processing_agrees_with_the_document(seed, service, item, answer):
    category = str(seed.asserted.value(_iri(item), _gg("aboutDataCategory")))
    assert (service in _listed(seed, category)) == (answer == "yes")


@pytest.mark.parametrize("item", sorted(set(WORDINGS) - {"data-identification"}))
def test_the_documents_wording_of_a_line_names_its_category(seed, item):
    category = seed.asserted.value(_iri(item), _gg("aboutDataCategory"))
    english, french = WORDINGS[item]
    assert seed.resolve(english, "data-category") == category
    assert seed.resolve(french, "data-category") == category


def test_a_wording_two_documents_give_to_unrelated_categories_stays_ambiguous(seed):
    # the template's identification data and the Orange Pro policy's are neither above the other
    with pytest.raises(AmbiguousNameError):
        seed.resolve("Données d'identification", "data-category")
    assert seed.resolve("Identification data", "data-category") == _iri("IdentificationData")


def test_financial_data_lists_only_the_service_that_says_yes(capsys):
    assert main(["query", "services-processing", "--param", "category=Financial data", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert FWPUB in out and FWP + "," not in out and FCC not in out


# memory (owlrl): slow, the engines give the same closure (tests/test_closure_oracle.py)
@pytest.mark.parametrize("store", ["oxigraph", pytest.param("memory", marks=pytest.mark.slow)])
def test_a_no_on_a_broader_category_wins_over_a_narrower_yes(tmp_path, store):
    """Put CRM data back under financial data: the No of two services still wins, in every answer."""
    ws = Workspace(store=store)
    ws.asserted.add([_CRM_UNDER_FINANCIAL])
    assert _listed(ws, "Financial data") == {FWPUB}
    exposed = {
        (str(r["serviceName"]), str(r["categoryName"]))
        for r in ws.run("data-exposed-to", {"org": "Orange Business Services"}).rows
    }
    assert (FWP, "CRM data") in exposed and (FWP, "Financial data") not in exposed


def test_the_contradiction_is_reported_on_the_no_line_naming_the_yes_line():
    ws = Workspace()
    assert not _contradictions(ws), "the seed's hierarchy keeps every template line apart"
    ws.asserted.add([_CRM_UNDER_FINANCIAL])
    found = _contradictions(ws)
    assert {(f.owner_label, f.line) for f in found} == {(FWP, 29), (FCC, 637)}
    fwp = next(f for f in found if f.owner_label == FWP)
    assert fwp.article == "Art. 28(3)" and fwp.severity == "violation"
    assert "'Financial data' is declared No" in fwp.message and "'CRM data' is declared Yes (line 28)" in fwp.message


def _contradictions(ws: Workspace) -> list:
    report = validate.validate(ws)
    return [f for f in report.findings if f.shape == "A category declared No while a narrower one is declared Yes"]


def _iri(local: str) -> URIRef:
    return URIRef(TEMPLATE + local)


def _gg(local: str) -> URIRef:
    return URIRef("https://w3id.org/gdprgraph/ontology#" + local)


_CRM_UNDER_FINANCIAL = (
    URIRef(TEMPLATE + "CustomerRelationshipData"),
    RDFS.subClassOf,
    URIRef("https://w3id.org/dpv/pd#Transactional"),
)
