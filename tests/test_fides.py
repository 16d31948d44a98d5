"""fides manifests: `gdprgraph import fides` reads systems, declarations, flows and transfers into the
model (keys mapped to DPV by data/reference/fideslang-dpv.ttl); `gdprgraph export fides` writes the
services back as fides systems that fideslang's own models accept."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
import yaml
from rdflib import OWL, RDF, RDFS, Graph, Literal, Namespace, URIRef

from gdprgraph import cli, resources
from gdprgraph.errors import InputError
from gdprgraph.fides_export import export_fides
from gdprgraph.ingest.fides import context_graph, import_fides, item_iri, mapping_table

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "fides"
ACME = FIXTURES / "acme.yml"
LEGACY = FIXTURES / "legacy.yml"
GG = Namespace("https://w3id.org/gdprgraph/ontology#")
GGD = Namespace("https://w3id.org/gdprgraph/data/")
GGO = Namespace("https://w3id.org/gdprgraph/org/")
GGS = Namespace("https://w3id.org/gdprgraph/service/")
GGT = Namespace("https://w3id.org/gdprgraph/template/")
DPV = Namespace("https://w3id.org/dpv#")
PD = Namespace("https://w3id.org/dpv/pd#")
LOC = Namespace("https://w3id.org/dpv/loc#")
EU_GDPR = Namespace("https://w3id.org/dpv/legal/eu/gdpr#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
PORTAL = GGS["customer-portal"]
ACME_ORG = GGO["acme-hosting"]


@cache
def seed_context() -> Graph:
    return context_graph()


@cache
def imported():
    return import_fides([ACME, LEGACY], context=seed_context())


def graph() -> Graph:
    return imported().graph


def activity(label: str) -> URIRef:
    g = graph()
    found = [a for a in g.subjects(RDF.type, GG.ProcessingActivity) if str(g.value(a, SKOS.prefLabel)) == label]
    assert len(found) == 1, label
    return found[0]


def engagement(service: URIRef, org: URIRef) -> URIRef:
    g = graph()
    found = [
        e
        for e in g.subjects(RDF.type, GG.SubProcessingEngagement)
        if g.value(e, GG.about) == service and g.value(e, GG.subProcessor) == org
    ]
    assert len(found) == 1, (service, org)
    return found[0]


# ------------------------------------------------------------------------------------------- the table


def test_the_table_maps_every_key_of_the_fideslang_taxonomy():
    from fideslang.default_taxonomy import DEFAULT_TAXONOMY

    table = mapping_table()
    for kind, resource in (("category", "data_category"), ("use", "data_use"), ("subject", "data_subject")):
        keys = [entry.fides_key for entry in getattr(DEFAULT_TAXONOMY, resource)]
        assert keys
        missing = [key for key in keys if (term := table.lookup(kind, key)) is None or term.parent is not None]
        assert missing == [], kind


def test_the_table_maps_only_to_terms_the_alignment_declares_and_reverses_to_one_key():
    alignment = Graph().parse(resources.root() / "ontology" / "dpv-alignment.ttl")
    countries = Graph().parse(resources.data_dir() / "reference" / "countries-and-adequacy.ttl")
    table = mapping_table()
    for kind, terms in table.terms.items():
        exact: dict[URIRef, str] = {}
        for key, term in terms.items():
            assert term.concept == item_iri(kind, key) or kind not in ("category", "use", "subject")
            if term.target is None:
                continue
            declared = (term.target, RDF.type, OWL.Class) in alignment or (term.target, RDF.type, None) in countries
            assert declared or term.target == DPV.NonPersonalData, (key, term.target)
            if term.how == "exact" and key not in table.replaced[kind]:
                assert term.target not in exact, (key, exact.get(term.target))
                exact[term.target] = key
    codes = {term.target for term in table.terms["country"].values()}
    assert set(countries.subjects(RDF.type, DPV.Country)) <= codes


def test_a_key_is_read_as_written_as_replaced_or_through_its_parent():
    table = mapping_table()
    assert table.lookup("category", "user.contact.email").target == PD.EmailAddress
    assert table.lookup("category", "user.provided.identifiable.contact.email").target == PD.EmailAddress
    child = table.lookup("category", "user.contact.email.work")
    assert (child.target, child.how, child.parent) == (PD.EmailAddress, "broad", "user.contact.email")
    assert table.lookup("use", "personalize.profiling").target == DPV.ServicePersonalisation
    assert table.lookup("category", "custom.loyalty_tier") is None
    assert table.value("basis", "Legal Obligation").target == EU_GDPR["A6-1-c"]
    assert table.value("country", "usa").target == LOC.US


# ------------------------------------------------------------------------------------------- import


def test_each_system_is_a_service_with_its_key_and_the_organisation_that_runs_it():
    g = graph()
    services = {str(g.value(s, SKOS.notation)): s for s in g.subjects(RDF.type, DPV.Service)}
    assert sorted(services) == [
        "crm",
        "customer_portal",
        "hr_system",
        "mailer",
        "payroll",
        "support_desk",
        "web_analytics",
    ]
    assert services["customer_portal"] == PORTAL
    assert str(g.value(PORTAL, SKOS.prefLabel)) == "Customer Portal"
    assert g.value(PORTAL, GG.description) is not None
    assert g.value(PORTAL, DPV.hasDataProcessor) == ACME_ORG
    assert g.value(services["crm"], DPV.hasDataController) == ACME_ORG
    assert g.value(services["support_desk"], DPV.hasDataProcessor) == ACME_ORG  # data_responsibility_title
    assert g.value(services["mailer"], DPV.hasDataProcessor) == GGO["mailgun-technologies"]  # legal_name
    assert g.value(ACME_ORG, DPV.hasCountry) == LOC.FR  # from the organization's address
    assert str(g.value(ACME_ORG, SKOS.prefLabel)) == "Acme Hosting"


def test_privacy_declarations_are_activities_with_exact_dpv_terms():
    g = graph()
    checkout = activity("Account and checkout")
    assert g.value(checkout, GG.about) == PORTAL
    assert g.value(checkout, DPV.hasPurpose) == DPV.ServiceProvision
    assert set(g.objects(checkout, DPV.hasPersonalData)) == {
        PD.EmailAddress,
        PD.Name,
        PD.PaymentCard,
        GGT["fides-category-custom.loyalty_tier-class"],
    }
    assert set(g.objects(checkout, DPV.hasDataSubject)) == {DPV.Customer}
    assert set(g.objects(checkout, DPV.hasLegalBasis)) == {EU_GDPR["A6-1-b"]}
    assert g.value(activity("Newsletter"), DPV.hasPurpose) == DPV.DirectMarketing
    assert g.value(activity("Newsletter"), DPV.hasLegalBasis) == EU_GDPR["A6-1-a"]
    measurement = activity("Audience measurement")
    assert set(g.objects(measurement, DPV.hasPersonalData)) == {PD.IPAddress, PD.BrowsingBehaviour}
    assert g.value(measurement, DPV.hasLegalBasis) == EU_GDPR["A6-1-f"]
    staff = activity("Staff administration")
    assert set(g.objects(staff, DPV.hasPersonalData)) == {PD.Name, PD.MedicalHealth, PD.OfficialID}
    assert g.value(staff, DPV.hasDataSubject) == DPV.Employee
    assert g.value(staff, GG.article9Condition) == EU_GDPR["A9-2-b"]
    assert g.value(GGS["hr-system"], GG.article9Condition) == EU_GDPR["A9-2-b"]
    legacy = activity("Support tickets")  # fideslang 1.x keys
    assert set(g.objects(legacy, DPV.hasPersonalData)) == {PD.EmailAddress, PD.IPAddress}
    assert g.value(legacy, DPV.hasPurpose) == DPV.CustomerCare
    comments = [str(c) for c in g.objects(legacy, RDFS.comment)]
    assert any(c.startswith("data qualifier (fideslang 1.x): aggregated.") for c in comments)


def test_declared_keys_are_template_lines_of_the_service_and_datasets_add_theirs():
    g = graph()
    lines = {
        str(g.value(g.value(line, GG.answers), SKOS.notation)): line
        for line in g.subjects(GG.about, PORTAL)
        if (line, RDF.type, GG.TemplateLine) in g
    }
    assert {
        "user.contact.email",
        "user.name",
        "customer",
        "prospect",
        "custom.loyalty_tier",
        "user.contact.address.street",
        "user.contact.address.city",
    } <= set(lines)
    for line in lines.values():
        assert g.value(line, GG.status) == GG.DeclaredYes
    item = g.value(lines["user.contact.email"], GG.answers)
    assert g.value(item, GG.aboutDataCategory) == PD.EmailAddress
    assert g.value(g.value(lines["customer"], GG.answers), GG.aboutDataSubject) == DPV.Customer
    street = lines["user.contact.address.street"]  # from the dataset orders_db
    assert str(g.value(g.value(street, DCTERMS.source), GG.sectionNumber)) == "dataset/orders_db"
    purposes = {
        g.value(s, GG.purpose) for s in g.subjects(RDF.type, GG.PurposeStatement) if g.value(s, GG.about) == PORTAL
    }
    assert purposes == {DPV.ServiceProvision, DPV.DirectMarketing, DPV.ServiceUsageAnalytics}


def test_an_unmapped_key_is_kept_as_a_category_labelled_with_it_and_reported():
    g = graph()
    node = GGT["fides-category-custom.loyalty_tier-class"]
    assert (node, RDF.type, GG.PersonalDataCategory) in g
    assert str(g.value(node, SKOS.prefLabel)) == "custom.loyalty_tier"
    assert (node, RDFS.subClassOf, DPV.PersonalData) in g
    messages = imported().messages
    assert [m for m in messages if "unmapped" in m] == [
        f"{ACME}:44: unmapped fideslang data category 'custom.loyalty_tier': no DPV term in "
        f"data/reference/fideslang-dpv.ttl; kept as <{node}>"
    ]


def test_flows_to_other_organisations_are_engagements_with_countries_and_safeguards():
    g = graph()
    mailgun = engagement(PORTAL, GGO["mailgun-technologies"])
    assert g.value(mailgun, GG.engagedBy) == ACME_ORG
    assert g.value(mailgun, DCTERMS.relation) == GGS["mailer"]
    assert set(g.objects(mailgun, GG.processingCountry)) == {LOC.US}
    safeguard = g.value(mailgun, GG.hasSafeguard)
    assert g.value(safeguard, GG.instrument) == EU_GDPR.StandardContractualClauses
    assert g.value(safeguard, GG.transferBasis) == EU_GDPR["A46-2-c"]
    assert g.value(safeguard, GG.safeguardStatus) == GG.SafeguardInPlace
    tracking = engagement(PORTAL, GGO["tracklytics"])
    assert g.value(tracking, GG.hasSafeguard) is None
    row = g.value(tracking, GG.inCategory)
    assert g.value(g.value(row, GG.answers), GG.locationZone) == GG.OutsideEEA
    platform = engagement(PORTAL, GGO["platform-sh"])  # an unknown key resolved to an organisation of data/
    assert g.value(g.value(g.value(platform, GG.inCategory), GG.answers), GG.locationZone) == GG.InsideEEA
    assert engagement(GGS["support-desk"], GGO["mailgun-technologies"])  # system_dependencies
    assert engagement(GGS["hr-system"], GGO["payco"])
    # within one organisation: a flow naming the service; from an unknown system: an indirect source
    flows = [s for s in g.subjects(DCTERMS.relation, PORTAL) if (s, RDF.type, GG.SourcedStatement) in g]
    assert [g.value(s, GG.about) for s in flows] == [GGS["crm"]]
    sources = [s for s in g.subjects(RDF.type, GG.IndirectSourceStatement)]
    assert [g.value(s, GG.about) for s in sources] == [PORTAL]


def test_third_country_transfers_are_statements_with_countries():
    g = graph()
    statements = {g.value(s, GG.about): s for s in g.subjects(RDF.type, GG.TransferPolicyStatement)}
    assert set(g.objects(statements[GGS["support-desk"]], DPV.hasThirdCountry)) == {LOC.GB, LOC.CA}
    mailer = statements[GGS["mailer"]]
    assert set(g.objects(mailer, DPV.hasThirdCountry)) == {LOC.US}
    assert g.value(mailer, GG.transferBasis) == EU_GDPR["A46-2-c"]


def test_every_statement_cites_its_file_and_the_yaml_line():
    g = graph()
    files = {
        ACME.name: ACME.read_text(encoding="utf-8").splitlines(),
        LEGACY.name: LEGACY.read_text(encoding="utf-8").splitlines(),
    }
    statements = set(g.subjects(GG.sourceLine, None))
    assert len(statements) > 60
    for node in statements:
        name = str(g.value(g.value(g.value(node, DCTERMS.source), DCTERMS.isPartOf), GG.sourceFile))
        line = int(g.value(node, GG.sourceLine))
        assert str(g.value(node, GG.sourceText)) == " ".join(files[name][line - 1].split()), node
    assert g.value(activity("Account and checkout"), GG.sourceLine) == Literal(39)


def test_names_resolve_against_the_graph_and_an_import_is_the_same_twice():
    again = import_fides([ACME, LEGACY], context=seed_context()).graph
    assert set(again) == set(graph())
    alone = import_fides([ACME], context=Graph())
    g = alone.graph  # nothing known: a new organisation, named after the key, of unknown country
    assert str(g.value(GGO["platform-sh"], SKOS.prefLabel)) == "platform sh"
    assert g.value(GGO["platform-sh"], DPV.hasCountry) is None
    assert any("platform_sh" in m and "kept as a new organisation" in m for m in alone.messages)


# ------------------------------------------------------------------------------------------- the CLI


@pytest.fixture(scope="module")
def turtle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fides") / "acme.ttl"
    assert cli.main(["import", "fides", str(ACME), str(LEGACY), "--out", str(out)]) == 0
    return out


def test_the_command_writes_turtle_and_reports_on_stderr(tmp_path, capsys):
    out = tmp_path / "acme.ttl"
    assert cli.main(["import", "fides", str(ACME), str(LEGACY), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"{ACME}:44: unmapped fideslang data category 'custom.loyalty_tier'" in err
    assert "7 system(s), 7 privacy declaration(s), 5 engagement(s)" in err
    assert len(Graph().parse(out)) == len(graph())
    assert cli.main(["import", "fides", str(ACME), "--out", str(out)]) == 2  # exists: --force needed
    assert "--force" in capsys.readouterr().err


def test_services_using_works_on_the_import(turtle, capsys):
    assert (
        cli.main(
            [
                "query",
                "services-using",
                "--param",
                "org=Mailgun Technologies",
                "--data",
                str(turtle),
                "--format",
                "json",
            ]
        )
        == 0
    )
    rows = json.loads(capsys.readouterr().out)
    rows = rows["rows"] if isinstance(rows, dict) else rows
    found = sorted((row["serviceName"], row["document"], str(row["line"])) for row in rows)
    assert found == [("Customer Portal", "acme.yml", "24"), ("Support desk", "legacy.yml", "10")]


def test_paths_follow_the_flows_to_third_countries(turtle, capsys):
    assert (
        cli.main(["paths", "--data", str(turtle), "--from", "Customer Portal", "--to", "all", "--format", "csv"]) == 0
    )
    out = capsys.readouterr().out
    assert (
        "Customer -> Customer Portal -> Acme Hosting -> Mailgun Technologies [Standard contractual clauses "
        "(in place)] -> United States"
    ) in out
    assert "Customer -> Customer Portal -> Acme Hosting -> Tracklytics [!! NO BASIS] -> United States" in out
    assert "Customer -> Customer Portal -> Acme Hosting -> Platform.sh [within the EU/EEA] -> France" in out
    assert cli.main(["query", "unsafeguarded-transfers", "--data", str(turtle), "--format", "csv"]) == 1
    out = capsys.readouterr().out
    assert "Tracklytics" in out and "PayCo" in out and "Mailgun" not in out


def test_services_processing_finds_a_category_by_its_fides_key(turtle, capsys):
    assert (
        cli.main(
            [
                "query",
                "services-processing",
                "--param",
                "category=user.contact.email",
                "--data",
                str(turtle),
                "--format",
                "csv",
                "--columns",
                "serviceName",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.splitlines() == ["serviceName", "Customer Portal", "Mailgun", "Support desk"]


BAD = {
    "not-yaml.yml": ("system:\n  - fides_key: a\n    name: [unclosed\n", r":4: not YAML: "),
    "empty.yml": ("", r": empty file"),
    "binary.yml": (b"\x00\x01\x02\x03binary", r": binary file"),
    "no-system.yml": ("dataset:\n  - fides_key: d\n    collections: []\n", r"no fides system to import"),
    "unknown.yml": ("foo: 1\nbar: [2]\n", r":1: not a fides manifest: unknown top-level structure"),
    "list.yml": ("- a\n- b\n", r":1: not a fides manifest: the document is a list"),
    "text.yml": ("just some words\n", r":1: not a fides manifest: the document is text"),
    "country.yml": ("system:\n  - fides_key: s\n    third_country_transfers: [XYZ]\n", r":3: unknown country 'XYZ'"),
    "aliases.yml": (
        "system:\n  - fides_key: s\n    dataset_references: [d]\n    privacy_declarations: []\n"
        "dataset:\n  - fides_key: d\n    collections: &c\n      - name: x\n        fields: *c\n",
        r"nests fields more than",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_file_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, name):
    content, expected = BAD[name]
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    out = tmp_path / "out.ttl"
    # read with a good manifest: one bad file and nothing is written (a file of datasets alone is fine with
    # systems elsewhere, so it is read alone)
    inputs = [str(path)] if name == "no-system.yml" else [str(ACME), str(path)]
    assert cli.main(["import", "fides", *inputs, "--out", str(out)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gdprgraph: error: ") and re.search(expected, lines[0]), lines
    assert not out.exists() and captured.out == ""


def test_the_library_raises_input_error_with_file_and_line(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text("system:\n  - name: no key\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.yml:2: a system without fides_key"):
        import_fides([path], context=Graph())


# ------------------------------------------------------------------------------------------- export


def validated(text: str) -> dict:
    from fideslang.models import System, Taxonomy

    document = yaml.safe_load(text)
    Taxonomy.model_validate(document)
    for system in document["system"]:
        System.model_validate(system)
    return document


def declarations(document: dict) -> dict[str, list[tuple]]:
    return {
        s["fides_key"]: [
            (
                d["data_use"],
                tuple(sorted(d["data_categories"])),
                tuple(sorted(d["data_subjects"])),
                d.get("legal_basis_for_processing"),
                d.get("special_category_legal_basis"),
            )
            for d in s["privacy_declarations"]
        ]
        for s in document["system"]
    }


@pytest.fixture(scope="module")
def seed_export(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "seed.yml"
    assert cli.main(["export", "fides", "--out", str(out)]) == 0
    return out


def test_export_of_the_seed_validates_with_fideslang(seed_export):
    document = validated(seed_export.read_text(encoding="utf-8"))
    systems = {s["fides_key"]: s for s in document["system"]}
    fwp = systems["flexible_web_platform"]
    assert fwp["name"] == "Flexible Web Platform"
    assert fwp["organization_fides_key"] == "orange_business_services"
    assert fwp["responsibility"] == ["Processor"]
    assert {"fides_key": "platform_sh", "type": "system"} in fwp["egress"]
    assert systems["platform_sh"]["system_type"] == "Third Party"
    assert systems["platform_sh"]["legal_name"] == "Platform.sh SAS"
    [declaration] = fwp["privacy_declarations"]
    assert declaration["data_use"] == "essential.service"
    assert {"user.location", "user.contact", "user.traffic_connection_data"} <= set(declaration["data_categories"])
    assert set(declaration["data_subjects"]) == {"employee", "customer_end_users"}
    custom = {entry["fides_key"]: entry for entry in document["data_subject"]}
    assert custom["customer_end_users"]["name"] == "Customer's other end-users"
    fcc = systems["flexible_contact_center"]
    assert fcc["does_international_transfers"] is True and fcc["legal_basis_for_transfers"] == ["SCCs"]


def test_export_of_the_seed_reimports_and_exports_the_same(seed_export):
    result = import_fides([seed_export], context=seed_context())
    assert result.messages == []
    g = result.graph
    assert (GGS["flexible-web-platform"], SKOS.notation, Literal("flexible_web_platform")) in g  # reused
    merged = Graph()
    for triple in seed_context():
        merged.add(triple)
    for triple in g:
        merged.add(triple)
    again = validated(export_fides(merged))
    assert declarations(again) == declarations(yaml.safe_load(seed_export.read_text(encoding="utf-8")))


def test_export_of_an_import_gives_the_manifest_back(turtle, tmp_path):
    out = tmp_path / "acme-export.yml"
    assert cli.main(["export", "fides", "--data", str(turtle), "--out", str(out)]) == 0
    document = validated(out.read_text(encoding="utf-8"))
    found = declarations(document)
    source = yaml.safe_load(ACME.read_text(encoding="utf-8"))
    portal = next(s for s in source["system"] if s["fides_key"] == "customer_portal")
    assert found["customer_portal"] == [
        (
            d["data_use"],
            tuple(sorted(d["data_categories"])),
            tuple(sorted(d["data_subjects"])),
            d["legal_basis_for_processing"],
            None,
        )
        for d in portal["privacy_declarations"]
    ]
    # older keys are written as their current ones
    assert found["support_desk"] == [
        (
            "essential.service.operations.support",
            ("user.contact.email", "user.device.ip_address"),
            ("customer",),
            None,
            None,
        )
    ]
    systems = {s["fides_key"]: s for s in document["system"]}
    assert systems["support_desk"]["third_country_transfers"] == ["CAN", "GBR", "USA"]
    assert (
        systems["hr_system"]["privacy_declarations"][0]["special_category_legal_basis"]
        == "Employment, social security and social protection"
    )
    assert {"fides_key": "custom.loyalty_tier", "name": "custom.loyalty_tier", "parent_key": "custom"} in document[
        "data_category"
    ]
    again = import_fides([out], context=context_graph([turtle]))
    assert declarations(validated(export_fides(context_graph([again_path(tmp_path, again)])))) == found


def again_path(tmp_path: Path, result) -> Path:
    path = tmp_path / "again.ttl"
    path.write_text(result.turtle(), encoding="utf-8")
    return path
