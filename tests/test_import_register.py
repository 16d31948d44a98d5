"""`gdprgraph import ropa`: a register of processing activities (CSV or XLSX) read into the model.

Our own `export ropa` read back gives the same records when exported again, every cell (an imported row
that cites a document and line keeps that citation); the CNIL's and the ICO's templates give activities with their
lawful bases, data, retention (ISO 8601 where a number and a unit are given); cells with no place in the
model are listed; a file that is no register is one line, exit 2, nothing written.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook
from rdflib import RDF, SKOS, Graph, Literal, Namespace, URIRef

from gdprgraph import Workspace, resources, ropa
from gdprgraph.cli import main
from gdprgraph.ingest import register

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "registers"
GG = Namespace("https://w3id.org/gdprgraph/ontology#")
DPV = Namespace("https://w3id.org/dpv#")
PD = Namespace("https://w3id.org/dpv/pd#")
EU = Namespace("https://w3id.org/dpv/legal/eu/gdpr#")
GGO = Namespace("https://w3id.org/gdprgraph/org/")
GGDOC = Namespace("https://w3id.org/gdprgraph/doc/")
PROV = Namespace("http://www.w3.org/ns/prov#")
LOC = Namespace("https://w3id.org/dpv/loc#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
RDFS_COMMENT = URIRef("http://www.w3.org/2000/01/rdf-schema#comment")


def _load_maker():
    spec = importlib.util.spec_from_file_location("make_registers", FIXTURES / "make_registers.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


maker = _load_maker()


@pytest.fixture(scope="module")
def context() -> Graph:
    """The embedded data/ the names resolve against, read once."""
    return register.context_graph()


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory) -> dict[str, Path]:
    """The fixture registers, CSV (committed) and XLSX (written here by the script)."""
    folder = tmp_path_factory.mktemp("registers")
    found = {}
    for reg in maker.REGISTERS:
        found[f"{reg['name']}.xlsx"] = maker.write_xlsx(reg, folder)
        found[f"{reg['name']}.csv"] = FIXTURES / f"{reg['name']}.csv"
    return found


def records_of(ws: Workspace) -> dict[str, ropa.Record]:
    return {record.role: record for record in ropa.records(ws)}


def rows_as_dicts(record: ropa.Record) -> list[dict[str, str]]:
    return [dict(zip(record.columns, row, strict=True)) for row in record.rows]


def assert_same_records(before: ropa.Record, after: ropa.Record) -> None:
    """Every cell the same, provenance included: an imported row that cites a document and line (our own
    export's provenance cells) keeps that citation, and the export prints it again."""
    old, new = rows_as_dicts(before), rows_as_dicts(after)
    assert len(new) == len(old) > 0
    differences = [
        (i, c, o[c], n[c])
        for i, (o, n) in enumerate(zip(old, new, strict=True))
        for c in before.columns
        if o[c] != n[c]
    ]
    assert differences == []
    assert new == old


# ------------------------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("role", ropa.ROLES)
def test_export_import_export_csv_gives_the_same_cells(seed, role, tmp_path, capsys):
    exported, imported = tmp_path / f"ropa-{role}.csv", tmp_path / f"ropa-{role}.ttl"
    assert main(["export", "ropa", "--role", role, "--out", str(exported)]) == 0
    assert main(["import", "ropa", str(exported), "--out", str(imported)]) == 0
    err = capsys.readouterr().err
    assert f"{exported}:ropa-{role}: {role} record" in err and "0 cell(s) not placed" in err
    again = records_of(Workspace([imported]))  # the import alone, with the reference data and template
    assert_same_records(records_of(seed)[role], again[role])
    other = "processor" if role == "controller" else "controller"
    assert again[other].rows == []


def test_export_import_export_xlsx_gives_the_same_cells_on_both_sheets(seed, tmp_path, capsys):
    exported, imported = tmp_path / "ropa.xlsx", tmp_path / "ropa.ttl"
    assert main(["export", "ropa", "--out", str(exported)]) == 0
    assert main(["import", "ropa", str(exported), "--out", str(imported)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert (
        f"{exported}:{ropa.SHEET_TITLES['processor']}: processor record (Art. 30(2)): 3 row(s) read, "
        "3 service record(s), 0 cell(s) not placed" in err
    )
    assert (
        f"{exported}:{ropa.SHEET_TITLES['controller']}: controller record (Art. 30(1)): 73 row(s) read, "
        "73 activities, 0 cell(s) not placed" in err
    )
    before, after = records_of(seed), records_of(Workspace([imported]))
    for role in ropa.ROLES:
        assert_same_records(before[role], after[role])


def test_the_round_trip_notices_an_edited_cell(seed, context, tmp_path):
    """The comparison has teeth: a basis changed in the register is a basis changed in the export."""
    record = records_of(seed)["controller"]
    rows = [list(row) for row in record.rows]
    purpose = record.columns.index("purpose")
    bases = record.columns.index("lawfulBases")
    target = next(row for row in rows if row[purpose] == "Facturer et encaisser les paiements")
    target[bases] = "Art. 6(1)(a) consent"
    edited = tmp_path / "edited.csv"
    edited.write_text(ropa.to_csv(ropa.Record("controller", record.columns, rows)), encoding="utf-8")
    result = register.import_register(edited, context=context)
    imported = tmp_path / "edited.ttl"
    imported.write_text(result.turtle(), encoding="utf-8")
    after = rows_as_dicts(records_of(Workspace([imported]))["controller"])
    changed = [row for row in after if row["purpose"] == "Facturer et encaisser les paiements"]
    assert [row["lawfulBases"] for row in changed] == ["Art. 6(1)(a) consent"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_cell_the_export_keeps_from_being_a_formula_reads_back_as_text(seed, context, tmp_path, capsys, fmt):
    record = records_of(seed)["controller"]
    rows = [list(row) for row in record.rows]
    purpose = record.columns.index("purpose")
    target = next(row for row in rows if row[purpose] == "Facturer et encaisser les paiements")
    target[purpose] = "=1+1 Facturer"
    edited_record = ropa.Record("controller", record.columns, rows)
    edited = tmp_path / f"edited.{fmt}"
    if fmt == "csv":
        edited.write_text(ropa.to_csv(edited_record), encoding="utf-8")
    else:
        edited.write_bytes(ropa.to_xlsx([edited_record]))
    result = register.import_register(edited, context=context)
    assert result.not_placed == []
    labels = {str(label) for label in result.graph.objects(None, SKOS.prefLabel)}
    assert "=1+1 Facturer" in labels and "'=1+1 Facturer" not in labels
    imported = tmp_path / "edited.ttl"
    imported.write_text(result.turtle(), encoding="utf-8")
    again = records_of(Workspace([imported]))["controller"]
    assert "=1+1 Facturer" in [row[purpose] for row in again.rows]
    assert "'=1+1 Facturer" in ropa.to_csv(again)  # and the export keeps it text again


def test_imported_activities_are_typed_and_linked_like_the_seeds(seed, context, tmp_path):
    exported = tmp_path / "ropa-controller.csv"
    exported.write_text(ropa.to_csv(records_of(seed)["controller"]), encoding="utf-8")
    g = register.import_register(exported, context=context).graph
    activities = set(g.subjects(RDF.type, GG.ProcessingActivity))
    assert len(activities) == 73
    policies = {g.value(a, GG.about) for a in activities}
    assert all((p, RDF.type, GG.PrivacyPolicy) in g for p in policies) and len(policies) == 3
    billing = next(a for a in activities if str(g.value(a, SKOS.prefLabel)) == "Facturer et encaisser les paiements")
    assert set(g.objects(billing, DPV.hasLegalBasis)) == {EU["A6-1-b"]}
    assert g.value(billing, DPV.hasDataController) == GGO["orange-sa"]  # reused, not minted
    assert g.value(billing, DPV.hasPurpose) is None or str(g.value(billing, DPV.hasPurpose)).startswith(str(DPV))
    section = g.value(billing, DCTERMS.source)
    assert g.value(g.value(section, DCTERMS.isPartOf), GG.sourceFile) == Literal(exported.name)
    assert isinstance(g.value(billing, GG.sourceLine).toPython(), int)
    # the register row cites the policy's document and line: the activity is derived from that citation
    cited = g.value(billing, PROV.wasDerivedFrom)
    assert (cited, RDF.type, GG.Citation) in g
    assert g.value(cited, DCTERMS.source) == URIRef("https://w3id.org/gdprgraph/doc/orange-pro-cgv-policy")
    assert g.value(g.value(cited, DCTERMS.source), GG.sourceFile) == Literal("orange-pro-cgv-and-privacy-policy.fr.txt")
    assert isinstance(g.value(cited, GG.sourceLine).toPython(), int)
    # the policy's retention rules, by data category, for the purposes that have none of their own
    rules = set(g.subjects(RDF.type, GG.RetentionRule))
    assert any(g.value(r, GG.forActivity) is None for r in rules)
    periods = {str(p) for p in g.objects(None, GG.period)}
    assert {"P5Y", "P1Y1M", "P6M"} <= periods


# ------------------------------------------------------------------------------------------- CNIL and ICO


def activities_by_label(g: Graph) -> dict[str, URIRef]:
    return {str(g.value(a, SKOS.prefLabel)): a for a in g.subjects(RDF.type, GG.ProcessingActivity)}


def bases(g: Graph, activity: URIRef) -> set[str]:
    """Art. 6(1) bases (dpv:hasLegalBasis) and Art. 9(2) conditions (gg:article9Condition), by local name."""
    article6 = {str(b).rsplit("#", 1)[1] for b in g.objects(activity, DPV.hasLegalBasis)}
    article9 = {str(b).rsplit("#", 1)[1] for b in g.objects(activity, GG.article9Condition)}
    assert all(b.startswith("A6-1-") for b in article6) and all(b.startswith("A9-2-") for b in article9)
    return article6 | article9


def retention(g: Graph, activity: URIRef) -> set[tuple]:
    found = set()
    for rule in g.subjects(GG.forActivity, activity):
        if (rule, RDF.type, GG.RetentionRule) not in g:
            continue
        duration = g.value(rule, DPV.hasDuration)
        start, until = g.value(rule, GG.startsAt), g.value(duration, GG.untilEvent)
        found.add(
            (
                str(g.value(duration, GG.period) or "") or None,
                str(g.value(start, SKOS.prefLabel)) if start else None,
                str(g.value(until, SKOS.prefLabel)) if until else None,
            )
        )
    return found


CNIL_BASES = {
    "Gestion de la paie": {"A6-1-c"},
    "Recrutement": {"A6-1-b"},
    "Vidéosurveillance": {"A6-1-f"},
    "Médecine du travail": {"A6-1-c", "A9-2-h"},
    "Gestion des accès aux locaux": set(),
    "Prospection commerciale": {"A6-1-f"},
    "Gestion des clients": {"A6-1-b"},
    "Lettre d'information": {"A6-1-a"},
    "Gestion des contentieux": set(),
    "Wifi invités": {"A6-1-c"},
}
CNIL_RETENTION = {
    "Gestion de la paie": {("P5Y", "fin du contrat", None)},
    "Recrutement": {("P2Y", "dernier contact", None)},
    "Vidéosurveillance": {("P30D", None, None)},
    "Médecine du travail": {(None, None, "fin du contrat")},
    "Gestion des accès aux locaux": {("P3M", None, None)},
    "Prospection commerciale": {("P3Y", "dernier contact", None)},
    "Gestion des clients": {("P5Y", "fin du contrat", None)},
    "Lettre d'information": {(None, None, "désabonnement")},
    "Gestion des contentieux": {(None, None, None)},
    "Wifi invités": {("P6M", None, None)},  # a formula's cached value (XLSX), its value (CSV)
}
ICO_BASES = {
    "Payroll": {"A6-1-c"},
    "Recruitment": {"A6-1-b"},
    "Direct marketing": {"A6-1-a"},
    "Customer management": {"A6-1-b"},
    "Website analytics": {"A6-1-f"},
    "Occupational health": {"A6-1-c", "A9-2-b"},
    "CCTV": {"A6-1-f"},
    "Billing": {"A6-1-b"},
    "Complaints handling": set(),
    "Customer support": {"A6-1-b", "A6-1-f"},
}
ICO_RETENTION = {
    "Payroll": {("P6Y", None, None)},
    "Recruitment": {("P6M", "end of the recruitment campaign", None)},
    "Direct marketing": {(None, None, "account closure")},
    "Customer management": {("P6Y", "last purchase", None)},
    "Website analytics": {("P2Y2M", None, None)},
    "Occupational health": {("P40Y", None, None)},
    "CCTV": {("P31D", None, None)},
    "Billing": set(),  # a formula without a cached value: reported, not evaluated
    "Complaints handling": {("P3Y", None, None)},
    "Customer support": {("P2Y", None, None)},
}


@pytest.mark.parametrize("name", ["cnil-register.xlsx", "cnil-register.csv"])
def test_cnil_register_gives_its_activities_bases_and_retention(fixtures, context, name):
    result = register.import_register(fixtures[name], context=context)
    g = result.graph
    found = activities_by_label(g)
    assert set(found) == set(CNIL_BASES)
    assert {label: bases(g, a) for label, a in found.items()} == CNIL_BASES
    assert {label: retention(g, a) for label, a in found.items()} == CNIL_RETENTION
    # "Orange SA" and "ORANGE S.A." are the organisation the graph knows
    assert {g.value(a, DPV.hasDataController) for a in found.values()} == {GGO["orange-sa"]}
    assert not [s for s in g.subjects(RDF.type, DPV.Organisation) if s != GGO["orange-sa"]]
    # DPV where a label matches, else a category of the register under the term its wording names
    assert (found["Médecine du travail"], DPV.hasPersonalData, PD.MedicalHealth) in g
    salaries = g.value(found["Gestion de la paie"], DPV.hasDataSubject)
    assert (salaries, URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf"), DPV.Employee) in g
    assert (found["Prospection commerciale"], DPV.hasPurpose, DPV.DirectMarketing) in g
    # HTML is text: the wording is kept as written, line breaks separate list items
    video = found["Vidéosurveillance"]
    assert g.value(video, GG.legalBasisText) == Literal("<b>Intérêt légitime</b>", lang="fr")
    assert {str(g.value(c, SKOS.prefLabel)) for c in g.objects(video, DPV.hasPersonalData)} == {
        "Images",
        "Date et heure",
    }
    # transfers, with their countries and safeguards
    transfer = next(
        s
        for s in g.subjects(GG.forActivity, found["Lettre d'information"])
        if (s, RDF.type, GG.TransferPolicyStatement) in g
    )
    assert set(g.objects(transfer, DPV.hasThirdCountry)) == {LOC.GB, LOC.IN}
    assert set(g.objects(transfer, GG.transferBasis)) == {EU["A46-2-b"]}
    assert g.value(found["Gestion de la paie"], SKOS.notation) == Literal("REF-01")


@pytest.mark.parametrize("name", ["ico-register.xlsx", "ico-register.csv"])
def test_ico_register_gives_its_activities_bases_and_retention(fixtures, context, name):
    g = register.import_register(fixtures[name], context=context).graph
    found = activities_by_label(g)
    assert {label: bases(g, a) for label, a in found.items()} == ICO_BASES
    assert {label: retention(g, a) for label, a in found.items()} == ICO_RETENTION
    assert g.value(found["Customer support"], GG.basisCombination) == GG.AlternativeBases
    assert g.value(found["Payroll"], GG.scopeNote) == Literal("Human resources", lang="en")
    transfer = next(
        s
        for s in g.subjects(GG.forActivity, found["Website analytics"])
        if (s, RDF.type, GG.TransferPolicyStatement) in g
    )
    assert set(g.objects(transfer, DPV.hasThirdCountry)) == {LOC.IN, LOC.US}
    assert set(g.objects(transfer, DPV.hasOrganisationalMeasure)) == {EU.BindingCorporateRules}
    complaints = {str(g.value(c, SKOS.prefLabel)) for c in g.objects(found["Complaints handling"], DPV.hasPersonalData)}
    assert complaints == {"Complaint details", "Contact details"}
    security = next(s for s in g.subjects(GG.forActivity, found["Payroll"]) if (s, RDF.type, GG.Commitment) in g)
    assert str(g.value(security, GG.description)) == "Encryption; role-based access"


def test_cnil_xlsx_lists_each_sheet_and_each_cell_not_placed(fixtures, capsys, tmp_path):
    path, out = fixtures["cnil-register.xlsx"], tmp_path / "cnil.ttl"
    assert main(["import", "ropa", str(path), "--out", str(out)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"{path}:Activités RH:4:Date de mise à jour: not placed: 2024-01-15",
        f"{path}:Activités RH:8:Base légale: not placed: formula without a cached value (not evaluated): =SUM(A1)",
        f"{path}:Activités RH: register of processing activities: 5 row(s) read, 5 activities, 2 cell(s) not placed",
        f"{path}:Activités commerciales:2:Date de mise à jour: not placed: 2024-03-02",
        f"{path}:Activités commerciales:5:Base légale: not placed: Base à définir",
        f"{path}:Activités commerciales:6:Transferts hors UE: not placed: Atlantide (not a country)",
        f"{path}:Activités commerciales: register of processing activities: 5 row(s) read, 5 activities, "
        "3 cell(s) not placed",
        f"{path}:Feuil3: empty sheet, skipped",
        f"wrote {out}",
    ]
    g = Graph().parse(out)
    # each sheet is a section of the register's document; each row cites its sheet and row
    assert g.value(GGDOC["cnil-register"], GG.sourceFile) == Literal("cnil-register.xlsx")
    found = activities_by_label(g)
    assert g.value(found["Gestion des contentieux"], GG.sourceLine) == Literal(5)
    assert g.value(found["Gestion des contentieux"], DCTERMS.source) == GGDOC["cnil-register-s2"]
    assert "Base à définir" in str(g.value(found["Gestion des contentieux"], GG.sourceText))
    # a cell not placed is kept, as text, on its activity
    comments = {str(c) for c in g.objects(found["Gestion des accès aux locaux"], RDFS_COMMENT)}
    assert comments == {"Base légale: formula without a cached value (not evaluated): =SUM(A1)"}


def test_ico_csv_lists_the_cells_not_placed(fixtures, capsys):
    path = fixtures["ico-register.csv"]
    assert main(["import", "ropa", str(path)]) == 0
    captured = capsys.readouterr()
    column = "Article 6 lawful basis for processing personal data"
    assert captured.err.splitlines() == [
        f"{path}:ico-register:5:Link to contract with processor: not placed: https://contracts.example.com/payroll",
        f"{path}:ico-register:7:Link to contract with processor: not placed: https://contracts.example.com/mailing",
        f"{path}:ico-register:13:Name and contact details of joint controller (if applicable): not placed: "
        "Orange Business Services, 3 avenue du Bourget, 1140 Brussels",
        f"{path}:ico-register:13:Retention schedule (if possible): not placed: formula without a cached value "
        "(not evaluated): =SUM(A1)",
        f"{path}:ico-register:14:{column}: not placed: Our internal policy",
        f"{path}:ico-register: register of processing activities: 10 row(s) read, 10 activities, 5 cell(s) not placed",
    ]
    assert len(set(Graph().parse(data=captured.out, format="turtle").subjects(RDF.type, GG.ProcessingActivity))) == 10


def test_imported_register_answers_the_retention_question(fixtures, tmp_path, capsys):
    out = tmp_path / "ico.ttl"
    assert main(["import", "ropa", str(fixtures["ico-register.xlsx"]), "--out", str(out)]) == 0
    capsys.readouterr()
    assert (
        main(
            [
                "query",
                "retention",
                "--data",
                str(out),
                "--format",
                "csv",
                "--columns",
                "what,period,periodAsWorded,trigger",
            ]
        )
        == 0
    )
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {
        "what": "Customer management",
        "period": "P6Y",
        "periodAsWorded": "6 years",
        "trigger": "last purchase",
    } in rows
    assert {
        "what": "Direct marketing",
        "period": "",
        "periodAsWorded": "until account closure",
        "trigger": "account closure",
    } in rows


def test_committed_csv_fixtures_are_what_the_script_writes(tmp_path):
    for reg in maker.REGISTERS:
        written = maker.write_csv(reg, tmp_path)
        assert written.read_bytes() == (FIXTURES / written.name).read_bytes()


# ------------------------------------------------------------------------------------------- roles


def test_role_keeps_the_sheets_of_one_record(seed, tmp_path, capsys):
    exported, out = tmp_path / "ropa.xlsx", tmp_path / "controller.ttl"
    assert main(["export", "ropa", "--out", str(exported)]) == 0
    assert main(["import", "ropa", str(exported), "--role", "controller", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"{exported}:{ropa.SHEET_TITLES['processor']}: processor record, skipped (--role controller)" in err
    g = Graph().parse(out)
    assert len(set(g.subjects(RDF.type, GG.ProcessingActivity))) == 73
    assert not set(g.subjects(RDF.type, GG.TemplateLine))


# ------------------------------------------------------------------------------------------- bad files


def _workbook_with_a_notes_sheet(path: Path) -> None:
    book = Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append(["How to fill in this register"])
    notes.append(["One row per activity"])
    sheet = book.create_sheet("Registre")
    sheet.append(maker.CNIL_HEADER)
    sheet.append(maker.CNIL_HR[0])
    book.save(path)


BAD = {
    "empty.csv": b"  \n\n",
    "image.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    "scan.pdf": b"%PDF-1.4\n1 0 obj\n",
    "old.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
    "fake.xlsx": b"this is not a workbook\n",
    "notes.csv": b"Ceci n'est pas un registre\nmais une note\n",
    "header-only.csv": "Nom / sigle;Finalité(s) du traitement;Base légale\n".encode(),
}


@pytest.mark.parametrize("name", [*BAD, "notes-sheet.xlsx", "missing.csv"])
def test_a_file_that_is_no_register_is_one_line_exit_2_nothing_written(name, tmp_path, capsys):
    path, out = tmp_path / name, tmp_path / "out.ttl"
    if name in BAD:
        path.write_bytes(BAD[name])
    elif name == "notes-sheet.xlsx":
        _workbook_with_a_notes_sheet(path)
    assert main(["import", "ropa", str(path), "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith(f"gdprgraph: error: {path}")
    if name == "notes-sheet.xlsx":
        assert line.startswith(f"gdprgraph: error: {path}:Notes:1: no recognisable header")
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ([name] if name != "missing.csv" else [])


def test_out_goes_through_the_safety_checks(fixtures, tmp_path, capsys):
    source = tmp_path / "register.csv"
    source.write_bytes(fixtures["ico-register.csv"].read_bytes())
    existing = tmp_path / "existing.ttl"
    existing.write_text("# keep me\n", encoding="utf-8")
    assert main(["import", "ropa", str(source), "--out", str(existing)]) == 2  # exists, no --force
    assert "exists; add --force" in capsys.readouterr().err
    assert existing.read_text(encoding="utf-8") == "# keep me\n"
    assert main(["import", "ropa", str(source), "--out", str(source), "--force"]) == 2  # over its input
    assert "is an input of this command" in capsys.readouterr().err
    tracked = Path(resources.data_dir()) / "orange-pro-privacy-policy.ttl"
    before = tracked.read_bytes()
    assert main(["import", "ropa", str(source), "--out", str(tracked), "--force"]) == 2  # gdprgraph's own data
    assert "gdprgraph's own data" in capsys.readouterr().err
    assert tracked.read_bytes() == before
    assert main(["import", "ropa", str(source), "--out", str(existing), "--force"]) == 0
    assert "ProcessingActivity" in existing.read_text(encoding="utf-8")


def test_a_role_the_file_does_not_hold_is_one_line_exit_2(seed, tmp_path, capsys):
    exported, out = tmp_path / "ropa-processor.csv", tmp_path / "out.ttl"
    exported.write_text(ropa.to_csv(records_of(seed)["processor"]), encoding="utf-8")
    assert main(["import", "ropa", str(exported), "--role", "controller", "--out", str(out)]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line == (
        f"gdprgraph: error: {exported}: holds no controller record (--role controller): "
        "ropa-processor: processor record, skipped (--role controller)"
    )
    assert not out.exists()


def test_a_csv_in_a_legacy_encoding_is_read_and_the_guess_said(context, tmp_path, capsys):
    legacy = tmp_path / "registre.csv"
    legacy.write_bytes(maker.csv_text(maker.CNIL, ";").encode("cp1252"))
    assert main(["import", "ropa", str(legacy)]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines()[0].startswith(f"{legacy}: not UTF-8 and no byte-order mark")
    g = Graph().parse(data=captured.out, format="turtle")
    assert "Médecine du travail" in {str(label) for label in g.objects(None, SKOS.prefLabel)}


@pytest.mark.parametrize("name", ["cnil-register.csv", "cnil-register.xlsx", "ico-register.csv", "ico-register.xlsx"])
def test_a_complete_imported_register_meets_the_controller_record_shape(fixtures, context, tmp_path, name):
    """Regression: ControllerRecordShape counted only policy-level statements, so a register, which
    states data subjects and data categories row by row (on each activity), was reported as stating
    none. Its activities' own categories count; the recipients were already statements of the policy."""
    from gdprgraph.validate import validate

    imported = tmp_path / "register.ttl"
    imported.write_text(register.import_register(fixtures[name], context=context).turtle(), encoding="utf-8")
    findings = validate(Workspace([imported])).findings
    assert [f.message for f in findings if f.shape == "Article 30(1) controller record"] == []
    # the real gaps of the fixtures are still reported (a purpose without a lawful basis)
    assert any(f.shape == "Lawful basis of a purpose" for f in findings)


@pytest.mark.parametrize(
    ("name", "gaps"),
    [
        ("cnil-register", ("REF-05;", "REF-09;")),  # a basis that is a formula, one "à définir", a vague retention
        ("ico-register", ("Legal,Complaints", "Finance,Billing")),  # "Our internal policy", a formula
    ],
)
def test_a_complete_register_conforms(tmp_path, capsys, name, gaps):
    """Without the rows whose gaps are deliberate, the fixture registers conform: `gdprgraph validate` exits 0."""
    lines = (FIXTURES / f"{name}.csv").read_text(encoding="utf-8-sig").splitlines(keepends=True)
    complete, imported = tmp_path / f"{name}-complete.csv", tmp_path / f"{name}-complete.ttl"
    complete.write_text("".join(line for line in lines if not line.startswith(gaps)), encoding="utf-8")
    assert main(["import", "ropa", str(complete), "--out", str(imported)]) == 0
    assert main(["validate", str(imported)]) == 0
    assert "CONFORMS - 0 violation(s), 0 warning(s)" in capsys.readouterr().out
