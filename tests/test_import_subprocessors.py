"""Importing a vendor's sub-processor list (CSV or Markdown table) into engagements of a service."""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef

from gdprgraph import Workspace, cli
from gdprgraph import paths as transfer_paths
from gdprgraph import validate as validation
from gdprgraph.errors import InputError
from gdprgraph.ingest.subprocessors import SubprocessorList, columns, import_subprocessors

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "subprocessors"
CSV = FIXTURES / "vendor-subprocessors.csv"
MARKDOWN = FIXTURES / "vendor-subprocessors.md"
GG = Namespace("https://w3id.org/gdprgraph/ontology#")
GGD = Namespace("https://w3id.org/gdprgraph/data/")
GGO = Namespace("https://w3id.org/gdprgraph/org/")
GGR = Namespace("https://w3id.org/gdprgraph/ref/")
GGDOC = Namespace("https://w3id.org/gdprgraph/doc/")
DPV = Namespace("https://w3id.org/dpv#")
LOC = Namespace("https://w3id.org/dpv/loc#")
EU_GDPR = Namespace("https://w3id.org/dpv/legal/eu/gdpr#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
FWP = URIRef("https://w3id.org/gdprgraph/service/flexible-web-platform")
OBS = GGO["orange-business-services"]
KEY = "vendor-subprocessors"
THIRD_COUNTRY_SHAPE = "Transfer basis of a sub-processor in a third country"


@cache
def imported(path: Path) -> Graph:
    return import_subprocessors(path, FWP, context=Workspace())


def eng(local: str) -> URIRef:
    return GGD[f"{KEY}-eng-{local}"]


def merged(seed: Workspace, graph: Graph):
    kg = seed.asserted.copy()
    kg.add(graph)
    return kg


@pytest.mark.parametrize("path", [CSV, MARKDOWN], ids=["csv", "markdown"])
def test_each_row_is_an_engagement_citing_its_line(path: Path) -> None:
    g = imported(path)
    engagements = sorted(g.subjects(RDF.type, GG.SubProcessingEngagement))
    assert len(engagements) == 8
    for node in engagements:
        assert g.value(node, GG.about) == FWP
        assert g.value(node, GG.engagedBy) == OBS
        assert g.value(node, DCTERMS.source) == GGDOC[f"{KEY}-s1"]
    assert g.value(GGDOC[KEY], GG.sourceFile) == Literal(path.name)
    assert (GGDOC[KEY], RDF.type, GG.SourceDocument) in g
    assert g.value(GGDOC[KEY], DCTERMS.title) is not None
    assert g.value(GGDOC[f"{KEY}-s1"], DCTERMS.isPartOf) == GGDOC[KEY]
    first_line = 3 if path == CSV else 7
    assert g.value(eng("platform-sh"), GG.sourceLine).toPython() == first_line
    assert g.value(eng("tickety"), GG.sourceLine).toPython() == first_line + 7
    lines = path.read_text(encoding="utf-8").splitlines()
    assert str(g.value(eng("tickety"), GG.sourceText)) == " ".join(lines[first_line + 6].split())


def test_purpose_and_safeguard_cell_are_kept() -> None:
    g = imported(CSV)
    assert g.value(eng("supportly"), GG.description) == Literal("Customer support", lang="en")
    assert g.value(eng("supportly"), RDFS.comment) == Literal("Standard Contractual Clauses", lang="en")
    assert g.value(eng("acme-analytics"), RDFS.comment) is None  # empty cell: no comment
    fr = imported(MARKDOWN)
    assert fr.value(eng("observe"), GG.description) == Literal("Supervision", lang="fr")


@pytest.mark.parametrize("path", [CSV, MARKDOWN], ids=["csv", "markdown"])
def test_an_entity_already_known_under_another_spelling_is_matched(path: Path) -> None:
    g = imported(path)
    assert g.value(eng("platform-sh"), GG.subProcessor) == GGO["platform-sh"]
    assert (GGO["platform-sh"], RDF.type, GG.Supplier) not in g  # already described by the seed graph
    assert not any("platform-sh-" in str(s) or "platform-sh-sas" in str(s) for s in g.subjects())
    assert set(g.objects(GGO["platform-sh"], SKOS.prefLabel)) <= {Literal("Platform.sh")}


def test_new_organisations_are_suppliers_named_without_legal_suffix() -> None:
    g = imported(CSV)
    org = GGO["acme-analytics"]
    assert (org, RDF.type, GG.Supplier) in g
    assert g.value(org, SKOS.prefLabel) == Literal("Acme Analytics")
    assert g.value(org, SKOS.altLabel) == Literal("Acme Analytics Inc.")
    assert g.value(GGO.tickety, SKOS.altLabel) is None
    assert g.value(eng("acme-analytics"), GG.subProcessor) == org


@pytest.mark.parametrize("path", [CSV, MARKDOWN], ids=["csv", "markdown"])
def test_countries_by_name_or_code_several_in_a_cell(path: Path) -> None:
    g = imported(path)

    def processing(local: str) -> set[URIRef]:
        return set(g.objects(eng(local), GG.processingCountry))

    assert processing("cloudmail") == {LOC.US, LOC.IE}
    assert processing("supportly") == {LOC.IN, LOC.DE}
    assert processing("datastore") == {LOC.DE, LOC.NL}
    assert processing("globalcorp") == {LOC.BR, LOC.SG}
    assert processing("acme-analytics") == {LOC.US}
    # the organisation's country is its corporate location
    assert g.value(GGO.supportly, DPV.hasCountry) == LOC.GB
    assert g.value(GGO.globalcorp, DPV.hasCountry) == LOC.FR
    assert g.value(GGO.cloudmail, DPV.hasCountry) == LOC.US


@pytest.mark.parametrize("path", [CSV, MARKDOWN], ids=["csv", "markdown"])
def test_transfer_mechanisms(path: Path) -> None:
    g = imported(path)
    scc = GGD[f"{KEY}-sg-supportly-scc"]
    assert list(g.objects(eng("supportly"), GG.hasSafeguard)) == [scc]
    assert (scc, RDF.type, GG.TransferSafeguard) in g
    assert g.value(scc, GG.instrument) == EU_GDPR.StandardContractualClauses
    assert g.value(scc, GG.transferBasis) == EU_GDPR["A46-2-c"]
    assert g.value(scc, GG.safeguardStatus) == GG.SafeguardInPlace
    assert g.value(scc, GG.about) == FWP
    assert g.value(scc, GG.sourceLine) == g.value(eng("supportly"), GG.sourceLine)
    bcr = GGD[f"{KEY}-sg-globalcorp-bcr"]
    assert list(g.objects(eng("globalcorp"), GG.hasSafeguard)) == [bcr]
    assert g.value(bcr, GG.instrument) == EU_GDPR.BindingCorporateRules
    assert g.value(bcr, GG.transferBasis) == EU_GDPR["A46-2-b"]
    assert g.value(bcr, GG.safeguardStatus) == GG.SafeguardInPlace
    assert list(g.subject_objects(GG.certifiedUnder)) == [(GGO.cloudmail, GGR["adequacy-US-DPF"])]
    for local in ("cloudmail", "observe", "acme-analytics", "tickety", "platform-sh", "datastore"):
        assert g.value(eng(local), GG.hasSafeguard) is None, local


def engagements_of(g: Graph) -> set[tuple]:
    """What an engagement states, whatever the language of the file."""
    out = set()
    for node in g.subjects(RDF.type, GG.SubProcessingEngagement):
        org = g.value(node, GG.subProcessor)
        safeguards = frozenset(
            (g.value(s, GG.instrument), g.value(s, GG.transferBasis), g.value(s, GG.safeguardStatus))
            for s in g.objects(node, GG.hasSafeguard)
        )
        out.add(
            (
                node,
                g.value(node, GG.about),
                g.value(node, GG.engagedBy),
                org,
                frozenset(g.objects(node, GG.processingCountry)),
                safeguards,
                g.value(org, DPV.hasCountry),
                frozenset(g.objects(org, GG.certifiedUnder)),
                frozenset(g.objects(org, SKOS.prefLabel)),
            )
        )
    return out


def test_csv_and_markdown_give_the_same_engagements() -> None:
    assert engagements_of(imported(CSV)) == engagements_of(imported(MARKDOWN))


@pytest.mark.parametrize("path", [CSV, pytest.param(MARKDOWN, marks=pytest.mark.slow)], ids=["csv", "markdown"])
def test_validation_names_the_unsafeguarded_third_country_vendors(seed: Workspace, path: Path) -> None:
    report = validation.validate(merged(seed, imported(path)))
    findings = [f for f in report.findings if f.shape == THIRD_COUNTRY_SHAPE and f"/{KEY}-" in f.focus]
    named = {f.focus: f.message for f in findings}
    assert set(named) == {str(eng("acme-analytics")), str(eng("tickety"))}
    assert "Acme Analytics processes the data in United States" in named[str(eng("acme-analytics"))]
    assert "Tickety processes the data in Brazil" in named[str(eng("tickety"))]
    for finding in findings:
        assert finding.severity == "violation"
        assert finding.document == path.name and finding.line is not None
    violations = " ".join(f.message for f in report.findings if f.severity == "violation")
    for safe in ("CloudMail", "Supportly", "GlobalCorp", "Observe", "Datastore"):
        assert safe not in violations
    # the vendors in third countries under SCCs are safeguarded, but each hop wants its TIA (issue 20)
    wanting = {f.focus_label for f in report.findings if f.shape == "Transfer impact assessment missing"}
    assert {"Supportly", "GlobalCorp"} <= {label.rsplit(" ", 1)[-1] for label in wanting}


def test_transfer_paths_cover_the_new_entities(seed: Workspace) -> None:
    tg = transfer_paths.build(merged(seed, imported(CSV)))
    found = transfer_paths.transfer_paths(tg, service=str(FWP), to=None)

    def through(org: str, country: URIRef) -> list:
        return [p for p in found if str(GGO[org]) in p.nodes and p.country == str(country)]

    acme = through("acme-analytics", LOC.US)
    assert acme and all(p.missing_basis for p in acme)
    assert acme[0].hops[-2].basis == "NO BASIS"
    assert through("tickety", LOC.BR) and all(p.missing_basis for p in through("tickety", LOC.BR))
    cloudmail = through("cloudmail", LOC.US)
    assert cloudmail and not any(p.missing_basis for p in cloudmail)
    assert "Data Privacy Framework" in cloudmail[0].hops[-2].basis
    india = through("supportly", LOC.IN)
    assert india and not any(p.missing_basis for p in india)
    assert "Standard contractual clauses" in india[0].hops[-2].basis
    assert through("globalcorp", LOC.SG) and through("cloudmail", LOC.IE)


def test_cli_writes_turtle_that_parses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "vendor.ttl"
    code = cli.main(["import-subprocessors", str(CSV), "--service", "flexible web platform", "--out", str(out)])
    assert code == 0
    g = Graph().parse(out, format="turtle")
    assert len(list(g.subjects(RDF.type, GG.SubProcessingEngagement))) == 8
    assert (eng("platform-sh"), GG.subProcessor, GGO["platform-sh"]) in g
    capsys.readouterr()
    code = cli.main(
        [
            "import-subprocessors",
            str(MARKDOWN),
            "--service",
            "Flexible Web Platform",
            "--key",
            "acme",
            "--processor",
            "Orange Business Services",
        ]
    )
    assert code == 0
    g = Graph().parse(data=capsys.readouterr().out, format="turtle")
    assert (GGD["acme-eng-tickety"], GG.engagedBy, OBS) in g


def bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, int | None]]:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    return {"empty": (empty, None), "binary": (binary, None), "no-name-column": (FIXTURES / "no-name-column.csv", 1)}


@pytest.mark.parametrize("case", ["empty", "binary", "no-name-column"])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, line = bad_inputs(tmp_path)[case]
    out = tmp_path / "out" / "vendor.ttl"
    code = cli.main(["import-subprocessors", str(path), "--service", "Flexible Web Platform", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"gdprgraph: error: {path}" + (f":{line}:" if line else ":"))
    assert not out.exists() and not out.parent.exists()


def test_unknown_country_is_reported_with_its_line_not_raised() -> None:
    # issue 15: one bad cell never loses a file; the row is imported with what is known
    source = SubprocessorList(FIXTURES / "unknown-country.md", FWP, context=Workspace())
    g = source.graph()
    assert [(r.line, r.message) for r in source.reports] == [
        (6, "unrecognised place 'Atlantis' in the location of processing column (row of Oceanic Data)")
    ]
    assert set(g.objects(GGD["unknown-country-eng-oceanic-data"], GG.processingCountry)) == {LOC.IE}


def test_library_raises_input_error_with_file_and_line() -> None:
    with pytest.raises(InputError) as err:
        import_subprocessors(FIXTURES / "no-name-column.csv", FWP, context=Workspace())
    assert err.value.path == str(FIXTURES / "no-name-column.csv") and err.value.line == 1


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"], ids=["comma", "semicolon", "tab", "pipe"])
def test_delimiter_is_sniffed(delimiter: str, tmp_path: Path) -> None:
    rows = [
        ["Vendor", "Activity", "Processing location", "Safeguards"],
        ["Acme Analytics Inc.", "Analytics", "US", "SCCs"],
        ["Datastore GmbH", "Backups", "Germany and France", "none"],
    ]
    path = tmp_path / "list.csv"
    path.write_text("\n".join(delimiter.join(row) for row in rows) + "\n", encoding="utf-8")
    g = import_subprocessors(path, FWP, context=Workspace())
    assert set(g.objects(GGD["list-eng-datastore"], GG.processingCountry)) == {LOC.DE, LOC.FR}
    assert g.value(GGD["list-eng-acme-analytics"], GG.hasSafeguard) == GGD["list-sg-acme-analytics-scc"]
    # without a corporate location, the organisation's country is its first country of processing
    assert g.value(GGO.datastore, DPV.hasCountry) == LOC.DE


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["Name", "Location", "Corporate location"], {"name": 0, "location": 1, "corporate": 2}),
        (["Corporate Location", "Location of Processing", "Entity"], {"corporate": 0, "location": 1, "name": 2}),
        (
            ["Raison sociale", "Finalité", "Lieu de traitement", "Pays du siège", "Encadrement"],
            {"name": 0, "purpose": 1, "location": 2, "corporate": 3, "safeguard": 4},
        ),
        (
            ["Sub-processor name", "Nature of processing", "Sub-processor location", "Legal basis for transfer"],
            {"name": 0, "purpose": 1, "location": 2, "safeguard": 3},
        ),
        (["Entity country", "Company", "Pays"], {"corporate": 0, "name": 1, "location": 2}),
        (["Website", "Supplier", "Headquarters", "Data location"], {"name": 1, "corporate": 2, "location": 3}),
    ],
)
def test_headers_are_matched_loosely(header: list[str], expected: dict[str, int]) -> None:
    assert columns(header)[0] == expected


def test_no_word_containment_match(tmp_path: Path) -> None:
    context = Graph()
    context.add((GGO["amazon-web-services"], SKOS.prefLabel, Literal("Amazon Web Services")))
    context.add((GGO["amazon-web-services"], DPV.hasCountry, LOC.US))
    context.add((FWP, DPV.hasDataProcessor, OBS))
    path = tmp_path / "list.md"
    path.write_text(
        "| Name | Country | Safeguards |\n|---|---|---|\n"
        "| Amazon | United States | DPF |\n| AMAZON WEB SERVICES, INC. | US | SCC |\n"
        "| Amazon | Ireland | |\n",
        encoding="utf-8",
    )
    g = import_subprocessors(path, FWP, context=context)
    assert g.value(GGD["list-eng-amazon"], GG.subProcessor) == GGO.amazon
    assert (GGO.amazon, RDF.type, GG.Supplier) in g
    assert g.value(GGD["list-eng-amazon-web-services"], GG.subProcessor) == GGO["amazon-web-services"]
    # the same vendor on a second row: a second engagement, same organisation
    assert g.value(GGD["list-eng-amazon-2"], GG.subProcessor) == GGO.amazon
    assert g.value(GGD["list-eng-amazon-2"], GG.sourceLine).toPython() == 5


def test_missing_processor_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no processor"):
        import_subprocessors(CSV, URIRef("https://w3id.org/gdprgraph/service/unknown"), context=Graph())


# -- long lists: streamed, bounded memory, progress on a terminal ----------------------------------


def long_list(path: Path, rows: int) -> None:
    """A generated list: mostly new suppliers, every 7th row a vendor already listed (another
    engagement of the same organisation), every 50th an organisation of the seed."""
    lines = ["Sub-processor,Purpose,Location of processing,Corporate location,Transfer mechanism"]
    countries = ["France", "United States", '"US, IE"', "India and Germany", "Japan"]
    mechanisms = ["", "Standard Contractual Clauses", "EU-U.S. Data Privacy Framework", "BCR"]
    for number in range(rows):
        if number % 50 == 49:
            name = "PLATFORM.SH SAS"
        elif number % 7 == 6:
            name = f"Vendor {number // 2:05d} Ltd"
        else:
            name = f"Vendor {number:05d} Ltd"
        lines.append(f"{name},Purpose {number % 13},{countries[number % 5]},,{mechanisms[number % 4]}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.slow
def test_long_list_imports_every_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import pyoxigraph as ox

    source, out = tmp_path / "long.csv", tmp_path / "long.ttl"
    long_list(source, 20_000)
    assert cli.main(["import-subprocessors", str(source), "--service", "Flexible Web Platform", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "\r" not in err  # stderr is no terminal: no progress line
    store = ox.Store()
    store.load(path=str(out), format=ox.RdfFormat.TURTLE)
    count = (
        "SELECT (COUNT(DISTINCT ?e) AS ?n) (COUNT(DISTINCT ?line) AS ?lines) WHERE { "
        f"?e a <{GG.SubProcessingEngagement}> ; <{GG.sourceLine}> ?line }}"
    )
    row = next(iter(store.query(count)))
    assert (int(row["n"].value), int(row["lines"].value)) == (20_000, 20_000)
    triples = len(store)
    assert f"{source}: 20000 engagement(s), {triples} triples" in err
    platform = f"SELECT (COUNT(?e) AS ?n) WHERE {{ ?e <{GG.subProcessor}> <{GGO['platform-sh']}> }}"
    assert int(next(iter(store.query(platform)))["n"].value) == 400  # known under any spelling, each row


def test_progress_is_shown_on_a_terminal_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "long.csv"
    long_list(source, 20_000)
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert (
        cli.main(
            [
                "import-subprocessors",
                str(source),
                "--service",
                "Flexible Web Platform",
                "--out",
                str(tmp_path / "long.ttl"),
            ]
        )
        == 0
    )
    err = terminal.getvalue()
    assert f"\r{source}: 10,000 rows read" in err and f"\r{source}: 20,000 rows read" in err
    # the progress line is cleared before the summary is printed over it
    assert re.search(r"rows read\r +\r" + re.escape(f"{source}: 20000 engagement(s), "), err)


def test_library_streams_a_batch_per_row(tmp_path: Path) -> None:
    source = tmp_path / "long.csv"
    long_list(source, 300)
    listed = SubprocessorList(source, FWP, context=Workspace())
    seen = []
    batches = list(listed.batches(progress=seen.append))
    assert seen == list(range(1, 301)) and listed.engagements == 300
    assert sum(map(len, batches)) == listed.triples == len(import_subprocessors(source, FWP, context=Workspace()))
    with pytest.raises(RuntimeError):
        next(listed.batches())


def test_streamed_turtle_is_the_library_graph_whatever_the_cells_hold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Turtle written row by row (our own writer, not rdflib's) says exactly what the graph says,
    with quotes, backslashes, tabs, long-string quotes and non-Latin letters in the cells."""
    source = tmp_path / "odd.csv"
    source.write_text(
        "Name;Purpose;Country;Safeguards\n"
        '"Evil ""Quote"" \\\\ Co";"a\ttab, \'\'\'single\'\'\' and """triple""";France;SCC\n'
        "Ωmega Λtd;Überwachung 监控 😀;Germany;\n"
        "<script>Co;=1+1;US;DPF\n",
        encoding="utf-8",
    )
    out = tmp_path / "odd.ttl"
    assert cli.main(["import-subprocessors", str(source), "--service", "Flexible Web Platform", "--out", str(out)]) == 0
    written = Graph().parse(out, format="turtle")
    expected = import_subprocessors(source, FWP, context=Workspace())
    assert set(written) == set(expected)
    assert f"{source}: 3 engagement(s), {len(expected)} triples" in capsys.readouterr().err
    names = {str(o) for p in (SKOS.prefLabel, SKOS.altLabel) for o in written.objects(None, p)}
    assert 'Evil "Quote" \\\\ Co' in names and "<script>Co" in names
