"""Ingesting Article 28 descriptions: the seeds give the curated graphs, provenance to the line."""

from __future__ import annotations

import re
import textwrap
from functools import cache
from pathlib import Path

import pytest
from rdflib import RDFS, Graph, Literal, Namespace, URIRef
from rdflib.compare import graph_diff, to_isomorphic

from gdprgraph import cli
from gdprgraph.ingest import default_context, ingest_file

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SOURCES = DATA / "sources"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ingest"
GG = Namespace("https://w3id.org/gdprgraph/ontology#")
GGD = Namespace("https://w3id.org/gdprgraph/data/")
GGO = Namespace("https://w3id.org/gdprgraph/org/")
GGT = Namespace("https://w3id.org/gdprgraph/template/")
DPV = Namespace("https://w3id.org/dpv#")
LOC = Namespace("https://w3id.org/dpv/loc#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

FWP = ("flexible-web-platform.art28.en.txt", "flexible-web-platform.ttl", "fwp", None)
HMFWP = (
    "hebergement-mutualise-flexible-web-publisher.art28.fr.txt",
    "hebergement-mutualise-flexible-web-publisher.ttl",
    "hmfwp",
    "hebergement-mutualise-flexible-web-publisher",
)
FCC = ("flexible-contact-center.service-description.en.txt", "flexible-contact-center.ttl", "fcc-sd", None)
SEEDS = [FWP, HMFWP, FCC]
#: where the hand-curated part of the FCC file (features and retention, lines 1-582) begins
FCC_BODY_MARKER = "# ---- Service description"
#: characters the PDF core font lacks, and their plain equivalents
TYPOGRAPHIC = str.maketrans({"\u2013": "-", "\u2019": "'", "\u2026": "...", "\u201c": '"', "\u201d": '"'})
PROVENANCE = {GG.sourceLine, GG.sourceLineEnd, GG.sourceText, GG.sourceFile}


@cache
def context(ttl: str) -> Graph:
    """The rest of data/: every embedded file but the curated one."""
    return default_context(exclude=[DATA / ttl])


def ingest(seed: tuple[str, str, str, str | None], path: Path | None = None):
    src, ttl, key, service = seed
    return ingest_file(path or SOURCES / src, key=key, service=service, context=context(ttl))


def curated(ttl: str, exhibit_only: bool = True) -> Graph:
    text = (DATA / ttl).read_text(encoding="utf-8")
    if exhibit_only and FCC_BODY_MARKER in text:
        text = text.split(FCC_BODY_MARKER)[0]
    return Graph().parse(data=text, format="turtle")


def diff(a: Graph, b: Graph) -> tuple[set, set]:
    """Triples only in a, only in b."""
    _, only_a, only_b = graph_diff(to_isomorphic(a), to_isomorphic(b))
    return set(only_a), set(only_b)


def without_provenance(graph: Graph) -> Graph:
    """The graph without line-level provenance (and comments that cite line numbers)."""
    out = Graph()
    for s, p, o in graph:
        if p in PROVENANCE or (p == RDFS.comment and re.search(r"\bline", str(o), re.I)):
            continue
        out.add((s, p, o))
    return out


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- golden graphs ------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: s[2])
def test_seed_gives_the_curated_graph(seed):
    only_ingested, only_curated = diff(ingest(seed).graph, curated(seed[1]))
    assert not only_ingested and not only_curated, (sorted(only_ingested), sorted(only_curated))


def test_fcc_curated_file_is_a_superset_of_exhibit_a():
    ingested = ingest(FCC).graph
    only_ingested, only_curated = diff(ingested, curated(FCC[1], exhibit_only=False))
    assert not only_ingested
    # the hand-curated features and retention are about lines 1-582 only
    for s, p, o in only_curated:
        if p == GG.sourceLine:
            assert int(o) <= 582, s


def test_provenance_of_an_entity_spanning_two_lines():
    graph = ingest(HMFWP).graph
    eng = GGD["hmfwp-eng-orange-cloud-for-business"]
    assert (eng, GG.sourceLine, Literal(184)) in graph and (eng, GG.sourceLineEnd, Literal(185)) in graph
    assert str(graph.value(eng, GG.sourceText)) == "Orange Cloud for Business SAS (France)"
    sg = GGD["hmfwp-sg-group-scc"]
    assert str(graph.value(sg, GG.sourceText)) == "Accords intra-groupe avec les clauses-modèle standard"


def test_durations_and_not_stated_lines():
    graph = ingest(FCC).graph
    duration = GGD["fcc-sd-sm-service-activation-duration"]
    assert (duration, RDF_TYPE, DPV.UntilEventDuration) in graph
    assert graph.value(duration, GG.untilEvent) == GGT.EndOfService
    assert str(graph.value(duration, GG.period)) == "P6M"
    transmission = GGD["fcc-sd-op-transmission"]
    assert graph.value(transmission, GG.status) == GG.NotStated
    assert graph.value(transmission, DCTERMS.source) == URIRef("https://w3id.org/gdprgraph/doc/fcc-sd-sexa1")
    assert graph.value(transmission, GG.sourceLine) is None


# -- line accounting ----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: s[2])
def test_every_nonblank_line_is_counted_once(seed):
    result = ingest(seed)
    lines = (SOURCES / seed[0]).read_text(encoding="utf-8").splitlines()
    nonblank = {i for i, line in enumerate(lines, 1) if line.strip()}
    assert result.accounted | result.unrecognised == nonblank
    assert not result.accounted & result.unrecognised
    if seed is FCC:
        # the service description before Exhibit A (but its title and the 1.9 pointer) is not ingested
        assert result.unrecognised == {i for i in nonblank if 3 <= i <= 579}
        messages = result.messages("fcc.txt")
        assert messages == ["fcc.txt:3-578: 438 lines outside the Article 28 description (not ingested)"]
    else:
        assert not result.unrecognised


# -- robustness to layout -----------------------------------------------------------------------


def relayout(text: str) -> str:
    """Re-wrap long lines, change whitespace, put each lone Yes/No (Oui/Non) on its item's line.

    Headings, the service name and the enclosing document's title stay on one line.
    """
    lines: list[str] = []
    for line in text.splitlines():
        if line.strip() in {"Yes", "No", "Oui", "Non"}:
            while lines and not lines[-1].strip():
                lines.pop()
            lines[-1] = lines[-1].rstrip() + "   " + line.strip()
            continue
        line = line.replace("\t", "   ")
        single = re.match(r"\s*(\d\.|Name of the Service|Nom du Service|.*SERVICE DESCRIPTION FOR)", line)
        if len(line) > 70 and not single:
            lines += textwrap.wrap(line, width=55)
        else:
            lines.append("  " + line.strip() + "  " if line.strip() else line)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", [FWP, HMFWP, FCC], ids=lambda s: s[2])
def test_relayout_gives_the_same_statements(seed, tmp_path):
    source = (SOURCES / seed[0]).read_text(encoding="utf-8")
    changed = tmp_path / seed[0]
    changed.write_text(relayout(source), encoding="utf-8")
    assert changed.read_text(encoding="utf-8") != source
    original, moved = ingest(seed), ingest(seed, changed)
    only_original, only_moved = diff(without_provenance(original.graph), without_provenance(moved.graph))
    assert not only_original and not only_moved, (sorted(only_original), sorted(only_moved))
    assert not (moved.unrecognised - moved.outside)


def test_an_added_subprocessor_and_a_flipped_line_change_only_their_statements(tmp_path):
    source = (SOURCES / FWP[0]).read_text(encoding="utf-8")
    assert "Other use\tNo\n" in source and "Platform.sh SAS (France)\tNA" in source
    changed = source.replace("Other use\tNo\n", "Other use\tYes\n").replace(
        "Platform.sh SAS (France)\tNA", "Platform.sh SAS (France) Acme Hosting GmbH (Germany)\tNA"
    )
    path = tmp_path / FWP[0]
    path.write_text(changed, encoding="utf-8")
    before, after = ingest(FWP).graph, ingest(FWP, path).graph
    removed, added = diff(before, after)
    other, row = GGD["fwp-op-other-use"], GGD["fwp-sp-supplier-eea"]
    eng, org = GGD["fwp-eng-acme-hosting"], GGO["acme-hosting"]
    platform = GGD["fwp-eng-platform-sh"]  # cites the same line as the new entity: its text changes too
    assert removed == {
        (platform, GG.sourceText, before.value(row, GG.sourceText)),
        (other, GG.status, GG.DeclaredNo),
        (other, GG.sourceText, Literal("Other use No", lang="en")),
        (row, GG.sourceText, before.value(row, GG.sourceText)),
    }
    new_row_text = before.value(row, GG.sourceText).replace("(France) NA", "(France) Acme Hosting GmbH (Germany) NA")
    assert added == {
        (platform, GG.sourceText, Literal(new_row_text, lang="en")),
        (other, GG.status, GG.DeclaredYes),
        (other, GG.sourceText, Literal("Other use Yes", lang="en")),
        (row, GG.sourceText, Literal(new_row_text, lang="en")),
        (eng, RDF_TYPE, GG.SubProcessingEngagement),
        (eng, GG.about, URIRef("https://w3id.org/gdprgraph/service/flexible-web-platform")),
        (eng, GG.engagedBy, GGO["orange-business-services"]),
        (eng, GG.subProcessor, org),
        (eng, GG.inCategory, row),
        (eng, DCTERMS.source, URIRef("https://w3id.org/gdprgraph/doc/fwp-s6")),
        (eng, GG.sourceLine, Literal(66)),
        (eng, GG.sourceText, Literal(new_row_text, lang="en")),
        (org, RDF_TYPE, GG.Supplier),
        (org, SKOS.prefLabel, Literal("Acme Hosting")),
        (org, SKOS.altLabel, Literal("Acme Hosting GmbH")),
        (org, DPV.hasCountry, LOC.DE),
    }


# -- PDF ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [FWP, HMFWP], ids=lambda s: s[2])
def test_pdf_gives_the_same_statements(seed, tmp_path):
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF(orientation="L", format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=8)
    for line in (SOURCES / seed[0]).read_text(encoding="utf-8").splitlines():
        text = " ".join(line.translate(TYPOGRAPHIC).split())
        if text:
            pdf.multi_cell(0, 4, text, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.ln(4)
    path = tmp_path / (seed[0].rsplit(".", 1)[0] + ".pdf")
    pdf.output(str(path))
    from_pdf, from_text = ingest(seed, path), ingest(seed)
    only_pdf, only_text = diff(without_provenance(from_pdf.graph), without_provenance(from_text.graph))
    typographic = TYPOGRAPHIC
    # the PDF font has no curly quotes: compare the texts with straight ones
    only_pdf = {
        (s, p, Literal(str(o).translate(typographic), lang=o.language) if isinstance(o, Literal) else o)
        for s, p, o in only_pdf
    }
    only_text = {
        (s, p, Literal(str(o).translate(typographic), lang=o.language) if isinstance(o, Literal) else o)
        for s, p, o in only_text
    }
    assert only_pdf == only_text, (sorted(only_pdf - only_text), sorted(only_text - only_pdf))
    assert not from_pdf.unrecognised


# -- bad input and --strict ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\n\t\n", "empty"),
        ("binary.txt", bytes(range(256)) * 4, "binary"),
        ("not-a-description.txt", b"Shopping list\n\nmilk\neggs\n", "not an Article 28 description"),
        ("broken.pdf", b"%PDF-1.4\nthis is not really a pdf\n", "PDF"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_output(capsys, tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    out = tmp_path / "out.ttl"
    code, _, err = run_cli(capsys, "ingest", str(path), "--out", str(out))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"gdprgraph: error: {path}") and words in lines[0]
    assert not out.exists()


def test_strict_fails_on_an_unrecognised_line(capsys, tmp_path):
    source = (SOURCES / FWP[0]).read_text(encoding="utf-8")
    lines = source.splitlines()
    lines.insert(20, "Lorem ipsum dolor sit amet")  # becomes line 21, between two items of section 1
    path = tmp_path / FWP[0]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "fwp.ttl"
    code, _, err = run_cli(capsys, "ingest", str(path), "--key", "fwp", "--strict", "--out", str(out))
    assert code == 1 and f"{path}:21: unrecognised: Lorem ipsum dolor sit amet" in err
    assert not out.exists()
    code, _, err = run_cli(capsys, "ingest", str(path), "--key", "fwp", "--out", str(out))
    assert code == 0 and f"{path}:21: unrecognised" in err and out.exists()


def test_cli_writes_the_curated_graph(capsys, tmp_path):
    out = tmp_path / "flexible-web-platform.ttl"
    code, _, err = run_cli(capsys, "ingest", str(SOURCES / FWP[0]), "--key", "fwp", "--out", str(out), "--strict")
    assert code == 0, err
    only_ingested, only_curated = diff(Graph().parse(out), curated(FWP[1]))
    assert not only_ingested and not only_curated


def test_default_key_is_the_file_name_before_its_first_dot():
    result = ingest_file(SOURCES / FWP[0], context=context(FWP[1]))
    assert result.key == "flexible-web-platform"
    assert (GGD["flexible-web-platform-purpose"], GG.purpose, DPV.ServiceProvision) in result.graph
