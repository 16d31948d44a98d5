"""The map and report pages as files: offline, deterministic, escaped, filtered as asked."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gdprgraph import Workspace, resources
from gdprgraph.cli import main
from gdprgraph.report import render_report
from gdprgraph.viz import MapSelection, render_map

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def hostile_ws() -> Workspace:
    data = resources.data_dir()
    return Workspace([data / "templates" / "orange-art28-template.ttl",
                      data / "reference" / "countries-and-adequacy.ttl",
                      Path(__file__).parent / "fixtures" / "hostile.ttl"])


def dataset(page: str, name: str) -> list[dict]:
    match = re.search(rf"var {name} = new vis\.DataSet\((.*?)\);\n", page)
    assert match, f"no {name} data set in the page"
    return json.loads(match.group(1))


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
    ids = {n["id"] for n in dataset(render_map(seed, MapSelection(
        focus="https://w3id.org/gdprgraph/org/platform-sh")), "nodes")}
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
    [missing] = [e for e in edges if e.get("label") == "NO BASIS"]
    assert missing["color"] == "#d62728" and missing["dashes"] is True


def test_viz_and_report_commands_write_both_pages(capsys, tmp_path):
    assert main(["viz", "--out", str(tmp_path / "map.html"), "--focus", "Platform.sh"]) == 0
    assert main(["report", "--out", str(tmp_path / "report.html"), "--map", "map.html"]) == 0
    out = capsys.readouterr().out
    assert f"wrote {tmp_path / 'map.html'}" in out and f"wrote {tmp_path / 'report.html'}" in out
    assert 'href="map.html"' in (tmp_path / "report.html").read_text(encoding="utf-8")
