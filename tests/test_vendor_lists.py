"""Sub-processor lists as vendors publish them (issue 15): every form read, every country and place
resolved, mechanisms as written, one bad cell never loses a file, new vendors on the fly.

The fixtures in tests/fixtures/vendor-lists/ imitate published forms with invented rows; the XLSX
and PDF ones are written by make_fixtures.py there. Each import is compared with a golden Turtle
file (tests/golden/vendor-lists/, as graphs); ``GDPRGRAPH_REGENERATE_GOLDEN=1`` rewrites them.
"""

from __future__ import annotations

import gettext
import io
import os
import sys
from functools import cache
from pathlib import Path

import pycountry
import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.compare import graph_diff, to_isomorphic

from gdprgraph import cli, resources
from gdprgraph.ingest import places
from gdprgraph.ingest.mechanisms import read_mechanism

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "vendor-lists"
GOLDEN = HERE / "golden" / "vendor-lists"
REGENERATE = os.environ.get("GDPRGRAPH_REGENERATE_GOLDEN") == "1"
GG = Namespace("https://w3id.org/gdprgraph/ontology#")
GGR = Namespace("https://w3id.org/gdprgraph/ref/")
LOC = Namespace("https://w3id.org/dpv/loc#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
RDFS_COMMENT = URIRef("http://www.w3.org/2000/01/rdf-schema#comment")
SERVICE = "Flexible Web Platform"

#: fixture -> organisation label -> (countries of processing, zones, safeguard instruments, DPF certified)
EXPECTED: dict[str, dict[str, tuple[set[str], set[str], set[str], bool]]] = {
    "helpdesk-copied.txt": {
        "Amazon Web Services": ({"DE", "IE"}, set(), set(), False),
        "Cloudflare": (set(), {"Worldwide"}, {"StandardContractualClauses"}, True),
        "Twilio": ({"US"}, set(), set(), True),
        "Sendwave": ({"GB", "IE"}, set(), set(), False),
        "Supportforce Pvt.": ({"IN", "PH"}, set(), {"StandardContractualClauses"}, False),
        "OpenModel AI, L.L.C.": ({"US"}, {"Worldwide"}, {"StandardContractualClauses"}, False),
    },
    "cloudco-subprocessors.html": {
        "Google Cloud EMEA": ({"BE", "NL"}, set(), set(), False),
        "Microsoft Ireland Operations": ({"IE", "NL"}, set(), set(), False),
        "Stackpath CDN": (set(), {"Worldwide"}, {"StandardContractualClauses"}, False),
        "Intercomly": ({"US"}, set(), set(), True),
        "Zentrale Mail": ({"DE"}, set(), set(), False),
        "Callnorth Oy": ({"FI"}, set(), set(), False),
    },
    "mailer-subprocessors.html": {
        "Hetzner Online": ({"DE"}, set(), set(), False),
        "Mailgun Technologies": ({"DE", "US"}, {"EU"}, {"StandardContractualClauses"}, True),
        "Stripe Payments Europe": ({"IE"}, set(), set(), False),
        "Beograd Dev d.o.o.": ({"RS"}, set(), {"StandardContractualClauses"}, False),
    },
    "formly-subprocessors.html": {
        "OVH": ({"FR"}, set(), set(), False),
        "Brevo": ({"FR"}, set(), set(), False),
        "Zapier": ({"US"}, set(), {"StandardContractualClauses"}, False),
        "Crisp IM": (set(), {"EU"}, set(), False),
    },
    "metricly-subprocessors.xlsx": {
        "Scaleway": ({"FR"}, set(), set(), False),
        "Brevo": ({"FR", "DE"}, set(), set(), False),
        "Snowflake Computing": ({"DE"}, set(), {"StandardContractualClauses"}, False),
        "Kyiv Analytics": ({"UA"}, set(), {"StandardContractualClauses"}, False),
        "Santiago Soporte": ({"CL"}, set(), {"BindingCorporateRules"}, False),
    },
    "ledgerly-dpa-annex3.pdf": {
        "Amazon Web Services EMEA": ({"FR"}, set(), set(), False),
        "Salesforce": ({"US"}, set(), {"BindingCorporateRules"}, True),
        "Atlassian": ({"AU", "US"}, set(), {"StandardContractualClauses"}, False),
        "Datadog": ({"DE"}, {"EU"}, set(), False),
        "Nairobi Contact": ({"KE"}, set(), {"StandardContractualClauses"}, False),
    },
    "devtools-subprocessors.md": {
        "Amazon Web Services": ({"US", "IE"}, set(), {"StandardContractualClauses"}, False),
        "Microsoft Corporation (Azure)": ({"NL", "US"}, set(), {"StandardContractualClauses"}, True),
        "Google": ({"SG"}, set(), set(), False),
        "OVH": ({"FR"}, set(), set(), False),
        "Hanoi Soft JSC": ({"VN"}, set(), {"StandardContractualClauses"}, False),
        "Sentrylike": ({"US"}, set(), set(), True),
    },
}
#: fixture -> the lines stderr reports (FILE:LINE: ...), beyond the summary
REPORTED = {"devtools-subprocessors.md": [":9: the Data Privacy Framework covers importers in the United States only"]}


def _local(iri: object) -> str:
    return str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


@cache
def imported(name: str, tmp: Path) -> tuple[int, Graph, str]:
    out = tmp / f"{name}.ttl"
    err, saved = io.StringIO(), sys.stderr
    sys.stderr = err
    try:
        code = cli.main(["import-subprocessors", str(FIXTURES / name), "--service", SERVICE, "--out", str(out)])
    finally:
        sys.stderr = saved
    return code, Graph().parse(out, format="turtle"), err.getvalue()


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("vendor-lists")


def engagements(graph: Graph) -> dict[str, tuple[set[str], set[str], set[str], bool]]:
    found = {}
    for eng in graph.subjects(RDF.type, GG.SubProcessingEngagement):
        org = graph.value(eng, GG.subProcessor)
        found[str(graph.value(org, SKOS.prefLabel))] = (
            {_local(c) for c in graph.objects(eng, GG.processingCountry)},
            {_local(z) for z in graph.objects(eng, GG.processingZone)},
            {_local(graph.value(sg, GG.instrument)) for sg in graph.objects(eng, GG.hasSafeguard)},
            (org, GG.certifiedUnder, GGR["adequacy-US-DPF"]) in graph,
        )
    return found


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_published_form_imports_its_rows(name: str, tmp: Path) -> None:
    code, graph, err = imported(name, tmp)
    assert code == 0, err
    assert engagements(graph) == EXPECTED[name]
    reported = [
        line for line in err.splitlines() if line.startswith(str(FIXTURES / name) + ":") and "engagement(s)" not in line
    ]
    assert len(reported) == len(REPORTED.get(name, []))
    for line, expected in zip(reported, REPORTED.get(name, []), strict=True):
        assert expected in line


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_published_form_matches_its_golden_turtle(name: str, tmp: Path) -> None:
    _, graph, _ = imported(name, tmp)
    golden = GOLDEN / f"{name}.ttl"
    if REGENERATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        golden.write_text((tmp / f"{name}.ttl").read_text(encoding="utf-8"), encoding="utf-8")
    expected = Graph().parse(golden, format="turtle")
    if to_isomorphic(graph) != to_isomorphic(expected):
        _, only_new, only_golden = graph_diff(to_isomorphic(graph), to_isomorphic(expected))
        pytest.fail(f"differs from {golden.name}: new {sorted(only_new)[:5]} golden {sorted(only_golden)[:5]}")


def test_cells_are_kept_with_their_facts(tmp: Path) -> None:
    _, graph, _ = imported("metricly-subprocessors.xlsx", tmp)
    comments = {str(c) for c in graph.objects(None, RDFS_COMMENT)}
    assert "Base légale: Intérêt légitime" in comments
    assert "Clauses contractuelles types, le cas échéant" in comments
    # 'where applicable' (le cas échéant): the clauses are in place but conditional
    assert (None, GG.conditional, Literal(True)) in graph
    # a data category whose label DPV names is mapped, the cell kept as text
    _, md, _ = imported("devtools-subprocessors.md", tmp)
    pd = Namespace("https://w3id.org/dpv/pd#")
    assert {pd.IPAddress, pd.EmailAddress} <= set(md.objects(None, URIRef("https://w3id.org/dpv#hasPersonalData")))
    # a country the reference data does not hold is described in the import (Serbia)
    _, mailer, _ = imported("mailer-subprocessors.html", tmp)
    assert (LOC.RS, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("Serbia", lang="en")) in mailer


# -- one bad cell never loses a file ---------------------------------------------------------------


def test_unknown_place_is_reported_and_every_other_row_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = FIXTURES / "unknown-place.csv"
    out = tmp_path / "out.ttl"
    assert cli.main(["import-subprocessors", str(path), "--service", SERVICE, "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"{path}:3: unrecognised place 'Atlantis' in the location of processing column (row of Oceanic Data)" in err
    graph = Graph().parse(out)
    found = engagements(graph)
    assert found["Acme Analytics"][0] == {"US"} and found["Oceanic Data"][0] == {"IE"}
    assert found["Nordic Backup AB"][0] == {"SE"}  # Stockholm
    assert any("Atlantis" in str(c) for c in graph.objects(None, RDFS_COMMENT))
    strict = tmp_path / "strict.ttl"
    code = cli.main(["import-subprocessors", str(path), "--service", SERVICE, "--out", str(strict), "--strict"])
    assert code == 1 and not strict.exists()


# -- new vendors on the fly ------------------------------------------------------------------------


def _data_with(extra: Path) -> list[str]:
    return [str(p) for p in resources.default_data_files()] + [str(extra)]


def test_new_vendor_is_created_and_covered_by_validate_and_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "github.ttl"
    code = cli.main(
        [
            "import-subprocessors",
            str(FIXTURES / "devtools-subprocessors.md"),
            "--vendor",
            "GitHub, Inc.",
            "--vendor-country",
            "US",
            "--out",
            str(out),
        ]
    )
    err = capsys.readouterr().err
    assert code == 0
    assert "new vendor 'GitHub'" in err and "new service 'GitHub'" in err
    graph = Graph().parse(out)
    service = URIRef("https://w3id.org/gdprgraph/service/github")
    vendor = URIRef("https://w3id.org/gdprgraph/org/github")
    assert (service, URIRef("https://w3id.org/dpv#hasDataProcessor"), vendor) in graph
    assert (vendor, URIRef("https://w3id.org/dpv#hasCountry"), LOC.US) in graph

    assert cli.main(["validate", "--format", "json", *_data_with(out)]) == 1  # Google in Singapore: no basis
    report = capsys.readouterr().out
    assert "Google processes the data in Singapore" in report

    assert cli.main(["paths", "--from", "GitHub", "--to", "all", "--format", "csv", "--data", *_data_with(out)]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert any("GitHub -> GitHub -> Hanoi Soft JSC" in row and "Vietnam" in row for row in rows)
    assert any("Google [!! NO BASIS] -> Singapore" in row for row in rows)

    # a second import of the same vendor's list finds the vendor and its service: nothing created
    again = tmp_path / "again.ttl"
    assert (
        cli.main(
            [
                "import-subprocessors",
                str(FIXTURES / "unknown-place.csv"),
                "--vendor",
                "GitHub",
                "--out",
                str(again),
                "--data",
                *_data_with(out),
            ]
        )
        == 0
    )
    assert "new vendor" not in capsys.readouterr().err


def test_new_vendor_answers_subprocessors_of(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "github.ttl"
    cli.main(
        ["import-subprocessors", str(FIXTURES / "devtools-subprocessors.md"), "--vendor", "GitHub", "--out", str(out)]
    )
    capsys.readouterr()
    assert (
        cli.main(
            ["query", "subprocessors-of", "--param", "service=GitHub", "--format", "csv", "--data", *_data_with(out)]
        )
        == 0
    )
    answer = capsys.readouterr().out
    assert "Hanoi Soft JSC" in answer
    # and the headline question finds the new service by any of its sub-processors
    assert (
        cli.main(
            ["query", "services-using", "--param", "org=Hanoi Soft JSC", "--format", "csv", "--data", *_data_with(out)]
        )
        == 0
    )
    assert "GitHub" in capsys.readouterr().out


def test_unknown_vendor_country_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.ttl"
    code = cli.main(
        [
            "import-subprocessors",
            str(FIXTURES / "unknown-place.csv"),
            "--vendor",
            "Acme",
            "--vendor-country",
            "Atlantis",
            "--out",
            str(out),
        ]
    )
    assert code == 2 and not out.exists()
    assert capsys.readouterr().err.strip().count("\n") == 0


# -- every country, every place --------------------------------------------------------------------


def test_every_iso_country_resolves_by_name_and_code() -> None:
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    failures = []
    for entry in pycountry.countries:
        iri = LOC[entry.alpha_2]
        for written in (
            entry.alpha_2,
            entry.alpha_3,
            entry.name,
            french.gettext(entry.name),
            places.countries()[entry.alpha_2].name_en,
            places.countries()[entry.alpha_2].name_fr,
        ):
            if places.country(written) != iri:
                failures.append(f"{written!r} -> {places.country(written)} (expected {iri})")
    assert not failures, failures
    assert len(places.countries()) == len(pycountry.countries) >= 249


def test_the_reference_countries_keep_their_iris() -> None:
    reference = Graph().parse(resources.data_dir() / "reference" / "countries-and-adequacy.ttl")
    countries = set(reference.subjects(RDF.type, URIRef("https://w3id.org/dpv#Country")))
    assert len(countries) == 58
    for country in countries:
        for label in reference.objects(country, URIRef("http://www.w3.org/2000/01/rdf-schema#label")):
            assert places.country(str(label)) == country, label
        assert places.country(str(reference.value(country, GG.isoCode))) == country
        assert places.country_triples(country) == []  # described by the reference data already


@pytest.mark.parametrize(
    ("cell", "countries", "zones", "unknown"),
    [
        ("Paris", ["FR"], [], []),
        ("us-east-1", ["US"], [], []),
        ("Amsterdam, Milan", ["NL", "IT"], [], []),
        ("Europe (Paris / Milan regions)", ["FR", "IT"], ["Europe"], []),
        ("westeurope and southeastasia", ["NL", "SG"], [], []),
        ("asia-southeast1", ["SG"], [], []),
        ("eu-frankfurt-1 et Allemagne", ["DE"], [], []),
        ("Serbie", ["RS"], [], []),
        ("Viêt Nam", ["VN"], [], []),
        ("USA", ["US"], [], []),
        ("UK", ["GB"], [], []),
        ("Deutschland", ["DE"], [], []),
        ("EU", [], ["EU"], []),
        ("EEA", [], ["EEA"], []),
        ("Worldwide", [], ["Worldwide"], []),
        ("Global", [], ["Worldwide"], []),
        ("United States, other regions on request", ["US"], ["Worldwide"], []),
        ("Data centres in Frankfurt and Dublin", ["DE", "IE"], [], []),
        ("Ireland, Atlantis", ["IE"], [], ["Atlantis"]),
    ],
)
def test_location_cells(cell: str, countries: list[str], zones: list[str], unknown: list[str]) -> None:
    found = places.parse_places(cell)
    assert [_local(c) for c in found.countries] == countries
    assert [_local(z) for z in found.zones] == zones
    assert found.unknown == unknown


@pytest.mark.parametrize(
    ("cell", "instruments", "conditional"),
    [
        ("SCCs", {"scc"}, False),
        ("Standard Contractual Clauses (where applicable)", {"scc"}, True),
        ("EU SCCs + UK Addendum", {"scc", "uk-addendum"}, False),
        ("UK IDTA", {"idta"}, False),
        ("N/A (EEA)", {"none"}, False),
        ("Privacy Framework", {"dpf"}, False),
        ("EU-US DPF", {"dpf"}, False),
        ("DPF certified", {"dpf"}, False),
        ("Adequacy decision", {"adequacy"}, False),
        ("BCR", {"bcr"}, False),
        ("Clauses contractuelles types, le cas échéant", {"scc"}, True),
        ("a handshake", set(), False),
    ],
)
def test_mechanisms_as_written(cell: str, instruments: set[str], conditional: bool) -> None:
    found = read_mechanism(cell)
    assert found.instruments == instruments
    assert found.conditional is conditional


# -- the hostile walk for the new forms ------------------------------------------------------------


def _hostile(tmp_path: Path) -> dict[str, tuple[Path, int]]:
    cases: dict[str, tuple[Path, int]] = {}
    for suffix in ("html", "xlsx", "pdf", "txt"):
        empty = tmp_path / f"empty.{suffix}"
        empty.write_bytes(b"")
        cases[f"empty-{suffix}"] = (empty, 2)
    fake_xlsx = tmp_path / "broken.xlsx"
    fake_xlsx.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 50)
    cases["broken-xlsx"] = (fake_xlsx, 2)
    fake_pdf = tmp_path / "broken.pdf"
    fake_pdf.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    cases["broken-pdf"] = (fake_pdf, 2)
    binary = tmp_path / "image.html"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)
    cases["binary-html"] = (binary, 2)
    no_list = tmp_path / "page.html"
    no_list.write_text(
        "<html><body><h1>About us</h1><p>We sell shoes.</p><ul><li>Shoes</li><li>Boots</li></ul></body></html>",
        encoding="utf-8",
    )
    cases["html-without-list"] = (no_list, 2)
    prose = tmp_path / "prose.txt"
    prose.write_text("Dear customer,\nthank you for your order.\n", encoding="utf-8")
    cases["text-without-list"] = (prose, 2)
    utf16 = tmp_path / "utf16.html"
    utf16.write_bytes(
        (
            "<table><tr><th>Sub-processor</th><th>Location</th></tr>"
            "<tr><td>Société Générale de Données</td><td>Genève</td></tr></table>"
        ).encode("utf-16")
    )
    cases["utf16-html"] = (utf16, 0)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Sous-traitant\nPays\nDonnées Sécurisées SARL\nFrance\n".encode("cp1252"))
    cases["cp1252-cell-per-line"] = (latin, 0)
    huge = tmp_path / "huge.html"
    huge.write_text(
        "<table><tr><th>Vendor</th><th>Location</th></tr><tr><td>Big Cell Ltd</td><td>"
        + "Paris " * 200000
        + "</td></tr></table>",
        encoding="utf-8",
    )
    cases["huge-cell"] = (huge, 0)
    active = tmp_path / "active.html"
    active.write_text(
        "<table><tr><th>Vendor</th><th>Purpose</th><th>Location</th></tr>"
        '<tr><td>=HYPERLINK("http://evil.example","Evil")</td>'
        "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td>France</td></tr></table>",
        encoding="utf-8",
    )
    cases["formula-and-html-in-cells"] = (active, 0)
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Vendor", "Location"])
    book.active.append(["=1+1", '="Fr"&"ance"'])
    book.active.append(["Formula Free SAS", "France"])
    formulas = tmp_path / "formulas.xlsx"
    book.save(formulas)
    cases["xlsx-formulas"] = (formulas, 0)
    return cases


HOSTILE = [
    "empty-html",
    "empty-xlsx",
    "empty-pdf",
    "empty-txt",
    "broken-xlsx",
    "broken-pdf",
    "binary-html",
    "html-without-list",
    "text-without-list",
    "utf16-html",
    "cp1252-cell-per-line",
    "huge-cell",
    "formula-and-html-in-cells",
    "xlsx-formulas",
]


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_inputs(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, expected = _hostile(tmp_path)[case]
    out = tmp_path / "out" / "list.ttl"
    code = cli.main(["import-subprocessors", str(path), "--service", SERVICE, "--out", str(out)])
    captured = capsys.readouterr()
    assert code == expected, captured.err
    assert captured.out == ""
    if expected == 2:
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"gdprgraph: error: {path}")
        assert not out.exists() and not out.parent.exists()
        return
    graph = Graph().parse(out)  # whatever the cells hold, the Turtle parses
    assert list(graph.subjects(RDF.type, GG.SubProcessingEngagement))
    if case == "formula-and-html-in-cells":
        labels = {str(o) for o in graph.objects(None, SKOS.prefLabel)}
        assert '=HYPERLINK("http://evil.example","Evil")' in labels  # kept as text, never evaluated
    if case == "huge-cell":
        assert max(len(str(o)) for o in graph.objects()) <= 2000
    if case == "utf16-html":
        assert engagements(graph)["Société Générale de Données"][0] == {"CH"}


def test_ingest_with_a_new_vendor_creates_it_and_its_service(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "helpdeskly.ttl"
    source = resources.root() / "data" / "sources" / "flexible-web-platform.art28.en.txt"
    code = cli.main(
        [
            "ingest",
            str(source),
            "--vendor",
            "Helpdeskly",
            "--vendor-country",
            "Ireland",
            "--key",
            "hd",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert "new vendor 'Helpdeskly'" in capsys.readouterr().err
    graph = Graph().parse(out)
    service = URIRef("https://w3id.org/gdprgraph/service/helpdeskly")
    assert (
        service,
        URIRef("https://w3id.org/dpv#hasDataProcessor"),
        URIRef("https://w3id.org/gdprgraph/org/helpdeskly"),
    ) in graph
    assert (None, GG.about, service) in graph  # the description's statements are about the new service


def test_pdf_table_with_cells_aligned_to_the_top(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from fpdf import FPDF
    from fpdf.enums import VAlign

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=9)
    with pdf.table(v_align=VAlign.T, col_widths=(40, 30, 40, 40)) as table:
        for values in (
            ("Sub-processor", "Purpose", "Location", "Safeguards"),
            ("Acme Mail Ltd", "Transactional e-mail delivery and bounce handling", "Dublin", "N/A"),
            ("Zeta Support Inc.", "Support", "Manila", "SCCs"),
        ):
            row = table.row()
            for value in values:
                row.cell(value)
    path = tmp_path / "annex.pdf"
    pdf.output(str(path))
    out = tmp_path / "annex.ttl"
    assert cli.main(["import-subprocessors", str(path), "--service", SERVICE, "--out", str(out)]) == 0
    found = engagements(Graph().parse(out))
    assert found == {
        "Acme Mail": ({"IE"}, set(), set(), False),
        "Zeta Support": ({"PH"}, set(), {"StandardContractualClauses"}, False),
    }


def test_text_aligned_in_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "annex.txt"
    path.write_text(
        "Annex 3 - Sub-processors\n\n"
        "Entity name        Purpose              Location            Safeguards\n\n"
        "Acme Mail Ltd      E-mail delivery      Dublin              N/A\n\n"
        "Zeta Support Inc.  Customer support     Manila, Cebu        SCCs (where applicable)\n",
        encoding="utf-8",
    )
    out = tmp_path / "annex.ttl"
    assert cli.main(["import-subprocessors", str(path), "--service", SERVICE, "--out", str(out)]) == 0
    assert engagements(Graph().parse(out)) == {
        "Acme Mail": ({"IE"}, set(), set(), False),
        "Zeta Support": ({"PH"}, set(), {"StandardContractualClauses"}, False),
    }
