"""The map and report pages as files: offline, deterministic, escaped, filtered as asked."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
import shutil
from pathlib import Path

import pytest

from gdprgraph import Workspace, resources
from gdprgraph.basis import Basis, Grounds
from gdprgraph.cli import main
from gdprgraph.paths import TransferHop
from gdprgraph.report import render_report
from gdprgraph.viz import BASES, MapSelection, edge_label, render_map, transfer_style

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def hostile_ws() -> Workspace:
    data = resources.data_dir()
    return Workspace(
        [
            data / "templates" / "orange-art28-template.ttl",
            data / "reference" / "countries-and-adequacy.ttl",
            Path(__file__).parent / "fixtures" / "hostile.ttl",
        ]
    )


def dataset(page: str, name: str) -> list[dict]:
    """The nodes, edges or rows of the model a map page holds."""
    match = re.search(r'<script type="application/json" id="model">(.*?)</script>', page, re.S)
    assert match, "no model in the page"
    return json.loads(match.group(1))[name]


def test_same_graph_gives_the_same_file(seed):
    assert render_map(seed, MapSelection()) == render_map(seed, MapSelection())


def test_page_loads_nothing_from_the_network(seed):
    page = render_map(seed, MapSelection())
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", page)
    assert not re.search(r"cdnjs|jsdelivr|unpkg", page)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_hostile_names_never_reach_the_page_unescaped(hostile_ws):
    for page in (render_map(hostile_ws, MapSelection()), render_report(hostile_ws)):
        assert HOSTILE not in page
        assert "<script>alert(" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page or "\\u003cimg src=x" in page
    labels = [n["label"] for n in dataset(render_map(hostile_ws, MapSelection()), "nodes")]
    assert HOSTILE in labels  # as data, drawn as text on the canvas


def test_focus_keeps_only_what_touches_the_organisation(seed):
    ids = {
        n["id"]
        for n in dataset(render_map(seed, MapSelection(focus="https://w3id.org/gdprgraph/org/platform-sh")), "nodes")
        if n["kind"] != "data-subjects"
    }
    assert ids == {
        "https://w3id.org/gdprgraph/service/flexible-web-platform",
        "https://w3id.org/gdprgraph/service/hebergement-mutualise-flexible-web-publisher",
        "https://w3id.org/gdprgraph/org/orange-business-services",
        "https://w3id.org/gdprgraph/org/platform-sh",
        "https://w3id.org/dpv/loc#FR",
    }


def test_third_countries_only_and_data_nodes_on_demand(seed):
    third = dataset(render_map(seed, MapSelection(third_countries_only=True)), "nodes")
    assert "https://w3id.org/dpv/loc#FR" not in {n["id"] for n in third}
    assert {n["label"] for n in third} >= {"third country (not disclosed)", "Flexible Contact Center"}
    with_data = dataset(render_map(seed, MapSelection(show_data=True)), "nodes")
    kinds = {n["label"] for n in with_data}
    assert "Customer's other end-users" in kinds and "CRM data" in kinds


def test_edge_colour_and_label_say_the_basis(hostile_ws):
    edges = dataset(render_map(hostile_ws, MapSelection()), "edges")
    [missing] = [e for e in edges if e.get("label", "").startswith("NO BASIS")]
    assert missing["label"] == "NO BASIS + no TIA"  # nor has the hop a transfer impact assessment
    assert missing["style"] == "none" and BASES["none"].colour == "#d62728" and BASES["none"].dashes


def test_the_hop_into_the_third_country_carries_its_basis_and_requested_bcrs(seed):
    page = render_map(seed, MapSelection())
    nodes = dataset(page, "nodes")
    undisclosed = next(i for i, n in enumerate(nodes) if n["id"] == "undisclosed:third-country")
    into = [e for e in dataset(page, "edges") if e["to"] == undisclosed]
    assert {(e["style"], tuple(e["marks"]), e["label"]) for e in into} == {
        ("scc", ("requested-bcr", "tia-missing", "undisclosed"), "SCCs + BCRs requested + no TIA + not disclosed"),
        ("scc", ("tia-missing", "undisclosed"), "SCCs + no TIA + not disclosed"),
    }
    engages = [e for e in dataset(page, "edges") if e["style"] == "engages"]
    assert engages and all(not e["label"] for e in engages)  # the basis is not on the hop into the supplier


def test_transfer_style_reads_the_grounds_of_the_hop():
    def hop(**grounds: object) -> TransferHop:
        held = Grounds(requested=("Binding corporate rules",), **grounds)  # type: ignore[arg-type]
        return TransferHop("engages", Basis.of("NO BASIS", True, held))

    assert transfer_style("third country", hop()) == ("none", ["requested-bcr"])
    assert transfer_style("adequate", hop(adequacy=True))[0] == "adequacy"
    assert transfer_style("third country", hop(derogation="Art. 49(1)(b)"))[0] == "derogation"
    assert transfer_style("EU/EEA", hop()) == ("eea", [])
    assert transfer_style("third country", TransferHop("processor", Basis("processor of the service"))) == (
        "unassessed",
        [],
    )
    assert edge_label("none", ["requested-bcr"]) == "NO BASIS + BCRs requested"


def test_one_row_per_path_as_paths_csv(seed, capsys):
    page = render_map(seed, MapSelection())
    rows, nodes = dataset(page, "rows"), dataset(page, "nodes")
    assert main(["paths", "--to", "all", "--format", "csv"]) == 0
    expected = sorted(
        (r["dataSubjects"], r["service"], r["country"], r["missingBasis"])
        for r in csv.DictReader(io.StringIO(capsys.readouterr().out))
    )
    got = sorted(
        (
            nodes[r["nodes"][0]]["label"],
            nodes[r["nodes"][1]]["label"],
            nodes[r["nodes"][-1]]["label"],
            "yes" if r["missing"] else "no",
        )
        for r in rows
    )
    assert got == expected and len(got) == 30


def test_viz_and_report_commands_write_both_pages(capsys, tmp_path):
    assert main(["viz", "--out", str(tmp_path / "map.html"), "--focus", "Platform.sh"]) == 0
    assert main(["report", "--out", str(tmp_path / "report.html"), "--map", "map.html"]) == 0
    out = capsys.readouterr().out
    assert f"wrote {tmp_path / 'map.html'}" in out and f"wrote {tmp_path / 'report.html'}" in out
    assert 'href="map.html"' in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_report_holds_the_map_inline_with_version_revision_and_quotes(seed):
    page = render_report(seed)
    assert "<iframe" in page and "srcdoc=" in page and 'src="' not in page.split("<iframe", 1)[1].split(">")[0]
    assert "gdprgraph 0.1.0" in page and "content sha256:" in page
    # the quoted source line under a finding (website notice, line 7)
    assert "In order to improve the user\u2019s experience on the portal" in page
    assert 'class="info-findings"' in page and "<details open" not in page


def test_report_asks_its_findings_beside_its_tables_and_map_and_says_the_same(seed, monkeypatch):
    day = datetime.date(2026, 12, 5)
    monkeypatch.setenv("GDPRGRAPH_THREADS", "2")
    together = render_report(seed, generated=day)
    monkeypatch.setenv("GDPRGRAPH_THREADS", "1")
    assert render_report(seed, generated=day) == together


@pytest.mark.skipif(not shutil.which("chromium"), reason="chromium is not installed")
def test_report_as_pdf(tmp_path, capsys):
    from pypdf import PdfReader

    assert main(["report", "--format", "pdf", "--out", str(tmp_path / "report.pdf")]) == 0
    pdf = tmp_path / "report.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Contents" in text and "Does not conform" in text and "Transfer paths by basis" in text
