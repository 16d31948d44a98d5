"""`gdprgraph ingest` of a vendor's generic description of the processing (Annex I of the SCCs): an
Element | Detail table (Markdown, HTML, text extracted from a PDF) or headed paragraphs, into the
service's description, each statement citing its line; golden Turtle per fixture form."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.compare import graph_diff, to_isomorphic

from gdprgraph import Workspace, cli, resources
from gdprgraph.errors import InputError
from gdprgraph.ingest import annex1, default_context, ingest_file

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "annex1"
GOLDEN = Path(__file__).resolve().parent / "golden" / "annex1"
REGENERATE = os.environ.get("GDPRGRAPH_REGENERATE_GOLDEN") == "1"
GG = Namespace("https://w3id.org/gdprgraph/ontology#")
GGD = Namespace("https://w3id.org/gdprgraph/data/")
GGS = Namespace("https://w3id.org/gdprgraph/service/")
GGO = Namespace("https://w3id.org/gdprgraph/org/")
DPV = Namespace("https://w3id.org/dpv#")
PD = Namespace("https://w3id.org/dpv/pd#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
GGT = Namespace("https://w3id.org/gdprgraph/template/")
LOC = Namespace("https://w3id.org/dpv/loc#")
#: fixture -> (form read, the line left unrecognised)
FORMS = {
    "helpdeskly-annex1.md": ("table", {19}),
    "helpdeskly-dpa-annex.html": ("table", {22}),
    "mailcraft-annex1.txt": ("headings", {41}),
}
PDF_LINES = [
    "Annex I - Description of the processing",
    "Subject matter   Hosting of the Helpdeskly support desk",
    "Duration   For the term of the Agreement",
    "Categories of personal data   Name, Email address",
    "Categories of data subjects Customers",
    "Purpose   Customer care",
    "Retention   90 days after closure of the ticket",
]


@cache
def context() -> Graph:
    return default_context()


@cache
def ingested(name: str):
    return ingest_file(FIXTURES / name, context=context())


def pdf_bytes(lines: list[str]) -> bytes:
    """A one-page PDF holding the lines as text (Helvetica), as a PDF printer would write them."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 9 Tf", "11 TL", "40 800 Td", *(f"({escape(line)}) Tj T*" for line in lines), "ET"]
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


@pytest.mark.parametrize("name", sorted(FORMS))
def test_each_form_matches_its_golden_turtle(name: str) -> None:
    result = ingested(name)
    golden = GOLDEN / f"{Path(name).stem}.ttl"
    if REGENERATE:
        golden.write_text(result.turtle(), encoding="utf-8")
    expected = Graph().parse(golden)
    _, only_now, only_golden = graph_diff(to_isomorphic(result.graph), to_isomorphic(expected))
    assert not list(only_now) and not list(only_golden), golden.name


@pytest.mark.parametrize("name", sorted(FORMS))
def test_each_form_is_read_automatically_and_every_line_accounted(name: str) -> None:
    result = ingested(name)
    form, left = FORMS[name]
    assert result.form == "annex1"
    assert annex1.parse(result.lines, name).form == form
    assert result.unrecognised == left
    nonblank = {n for n, line in enumerate(result.lines, start=1) if line.strip()}
    if not name.endswith(".html"):  # markup-only lines of a page are neither
        assert result.accounted | result.unrecognised == nonblank


def test_categories_map_to_dpv_where_they_match_else_keep_their_words() -> None:
    g = ingested("helpdeskly-annex1.md").graph
    service = GGS["helpdeskly-support-desk"]
    declared = {}
    for line in g.subjects(GG.about, service):
        item = g.value(line, GG.answers)
        target = g.value(item, GG.aboutDataCategory) if item is not None else None
        if target is not None:
            declared[str(g.value(item, SKOS.prefLabel))] = target
    assert declared["Name"] == PD.Name and declared["Email address"] == PD.EmailAddress
    assert declared["IP address"] == PD.IPAddress and declared["Telephone number"] == PD.TelephoneNumber
    kept = declared["Ticket content and attachments"]
    assert (kept, RDF.type, GG.PersonalDataCategory) in g
    assert g.value(kept, SKOS.prefLabel) == Literal("Ticket content and attachments", lang="en")
    subjects = {t for _, t in g.subject_objects(GG.aboutDataSubject)}
    mailcraft = ingested("mailcraft-annex1.txt").graph
    assert DPV.Customer in {t for _, t in mailcraft.subject_objects(GG.aboutDataSubject)}
    assert all(str(t).startswith(str(GGT)) for t in subjects)  # "Customer's end users": kept as words


def test_each_statement_cites_its_line_and_the_duration_ends_with_the_agreement() -> None:
    g = ingested("mailcraft-annex1.txt").graph
    line = GGD["mailcraft-annex1-subject-matter"]
    assert int(g.value(line, GG.sourceLine)) == 10 and int(g.value(line, GG.sourceLineEnd)) == 11
    duration = g.value(line, DPV.hasDuration)
    assert (duration, RDF.type, DPV.UntilEventDuration) in g
    assert g.value(duration, GG.untilEvent) == GGT["annex1-EndOfAgreement"]
    assert int(g.value(duration, GG.sourceLine)) == 13
    retention = GGD["mailcraft-annex1-retention"]
    assert g.value(retention, GG.descriptionElement) == GG.RetentionElement
    assert (int(g.value(retention, GG.sourceLine)), int(g.value(retention, GG.sourceLineEnd))) == (34, 36)
    assert "Bounce logs: 12 months." in str(g.value(retention, GG.description))
    nature = GGD["mailcraft-annex1-nature"]
    assert str(g.value(nature, GG.description)).endswith("so that the Customer can run its e-mail marketing.")
    vendor = GGO["mailcraft"]
    assert g.value(GGS["mailcraft-campaigns"], DPV.hasDataProcessor) == vendor
    assert g.value(vendor, DPV.hasCountry) == LOC.DE


def test_an_html_row_spanning_lines_cites_its_first_line() -> None:
    g = ingested("helpdeskly-dpa-annex.html").graph
    lines = {
        str(g.value(g.value(n, GG.answers), SKOS.prefLabel)): int(g.value(n, GG.sourceLine))
        for n in g.subjects(RDF.type, GG.TemplateLine)
        if g.value(n, GG.answers) is not None
    }
    assert lines["Account identifier"] == 12 and lines["Customers"] == 16
    assert (None, GG.purpose, DPV.CustomerCare) in g


def test_a_pdf_table_reads_the_same(tmp_path: Path) -> None:
    pdf = tmp_path / "annex.pdf"
    pdf.write_bytes(pdf_bytes(PDF_LINES))
    result = ingest_file(pdf, service="Helpdeskly Support Desk", context=context())
    assert result.form == "annex1" and not result.unrecognised
    g = result.graph
    assert {t for _, t in g.subject_objects(GG.aboutDataCategory)} == {PD.Name, PD.EmailAddress}
    assert {t for _, t in g.subject_objects(GG.aboutDataSubject)} == {DPV.Customer}  # one space apart
    assert (None, GG.purpose, DPV.CustomerCare) in g


def test_form_flag_forces_the_reader(tmp_path: Path, sources_dir: Path, capsys) -> None:
    with pytest.raises(InputError, match="not an Article 28 description"):
        ingest_file(FIXTURES / "mailcraft-annex1.txt", form="art28")
    prose = tmp_path / "notes.txt"
    prose.write_text("Meeting notes\nThe vendor will send its DPA next week.\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a description of the processing"):
        ingest_file(prose, form="annex1")
    with pytest.raises(InputError, match="not an Article 28 description"):  # auto: neither form
        ingest_file(prose)
    assert ingest_file(sources_dir / "flexible-web-platform.art28.en.txt").form == "art28"
    code = cli.main(
        ["ingest", str(FIXTURES / "mailcraft-annex1.txt"), "--form", "annex1", "--out", str(tmp_path / "m.ttl")]
    )
    assert code == 0 and (tmp_path / "m.ttl").is_file()
    assert "mailcraft-annex1.txt:41: unrecognised: Signed for the Processor" in capsys.readouterr().err


def test_no_service_named_asks_for_one(tmp_path: Path) -> None:
    text = tmp_path / "annex.txt"
    text.write_text(
        "Subject matter: support\nDuration: one year\nCategories of personal data: Name\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match="--service"):
        ingest_file(text, context=context())


def test_ingested_descriptions_validate_and_answer_the_questions(tmp_path: Path, capsys) -> None:
    outs = []
    for name in ("helpdeskly-annex1.md", "mailcraft-annex1.txt"):
        out = tmp_path / f"{Path(name).stem}.ttl"
        out.write_text(ingested(name).turtle(), encoding="utf-8")
        outs.append(out)
    assert cli.main(["validate", *map(str, outs)]) == 0  # warnings only: the controller is "Customer"
    capsys.readouterr()
    ws = Workspace([*resources.default_data_files(), *outs])
    rows = ws.run("services-processing", {"category": "Email address"}).rows
    assert {str(r["serviceName"]) for r in rows} == {"Helpdeskly Support Desk", "Mailcraft Campaigns"}
    assert {int(r["line"]) for r in rows} == {12, 22}
    assert ws.resolve("Helpdeskly", "organisation") == GGO["helpdeskly"]
    assert URIRef(GGS["mailcraft-campaigns"]) in {
        r["service"] for r in ws.run("services-processing", {"category": "Name"}).rows
    }


def test_subprocessors_named_with_their_countries_are_engagements_every_question_sees(tmp_path: Path) -> None:
    result = ingested("helpdeskly-dpa-annex.html")
    out = tmp_path / "helpdeskly-dpa-annex.ttl"
    out.write_text(result.turtle(), encoding="utf-8")
    ws = Workspace([*resources.default_data_files(), out])
    using = ws.run("services-using", {"org": "CloudNest"}).rows
    assert [(str(r["serviceName"]), int(r["line"])) for r in using] == [("Helpdeskly Support Desk", 19)]
    rows = ws.run("subprocessors-of", {"service": "Helpdeskly Support Desk"}).rows
    assert {(str(r["organisationName"]), str(r["country"]), str(r["zone"])) for r in rows} == {
        ("CloudNest", "Ireland", "within the EU/EEA"),
        ("MailRelay", "United States", "outside the EU/EEA"),
    }
    statement = result.graph.value(predicate=GG.descriptionElement, object=GG.SubProcessorsElement)
    assert "a support partner to be named" in str(result.graph.value(statement, GG.description))


def test_ingest_with_data_files_reads_them_with_the_templates(tmp_path: Path, capsys) -> None:
    annex = tmp_path / "fwp-annex.txt"
    annex.write_text(
        "Service: Flexible Web Platform\nSubject matter: hosting\n"
        "Categories of personal data: Identification data; Location data\n"
        "Categories of data subjects: Customers\n",
        encoding="utf-8",
    )
    out = tmp_path / "fwp-annex.ttl"
    data = resources.data_dir() / "flexible-web-platform.ttl"
    assert cli.main(["ingest", str(annex), "--data", str(data), "--out", str(out)]) == 0
    capsys.readouterr()
    g = Graph().parse(out)
    # the template's own wording names its category; the service is the one of the data file
    assert {t for _, t in g.subject_objects(GG.aboutDataCategory)} == {GGT.IdentificationData, PD.Location}
    assert (GGS["flexible-web-platform"], RDF.type, DPV.Service) not in g
    assert (None, GG.about, GGS["flexible-web-platform"]) in g


def test_an_element_given_twice_is_two_statements(tmp_path: Path) -> None:
    annex = tmp_path / "twice.txt"
    annex.write_text(
        "Service: Mailcraft Campaigns\nSubject matter: e-mail campaigns\n"
        "Categories of personal data: Name\nRetention: contact data 60 days\n"
        "Retention: bounce logs 12 months\n",
        encoding="utf-8",
    )
    g = ingest_file(annex, context=context()).graph
    kept = {
        (int(g.value(n, GG.sourceLine)), str(g.value(n, GG.description)))
        for n in g.subjects(GG.descriptionElement, GG.RetentionElement)
    }
    assert kept == {(4, "contact data 60 days"), (5, "bounce logs 12 months")}
