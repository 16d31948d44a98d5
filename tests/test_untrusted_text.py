"""Untrusted text stays text: Markdown escaped in the diff notice, no spreadsheet formula in any CSV
or XLSX export, no JSON-LD @context fetched from the network."""

from __future__ import annotations

import csv
import http.server
import io
import json
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from gdprgraph import diff, render, resources
from gdprgraph.cli import main
from gdprgraph.diff import Change, DiffResult
from gdprgraph.errors import InputError
from gdprgraph.queries import QueryResult
from gdprgraph.store.memory import parse_file
from gdprgraph.store.oxigraph import OxigraphDataset
from gdprgraph.untrusted import escape_markdown, spreadsheet_cell

FWP = "Flexible Web Platform"
#: a vendor's name written to break out of the notice: HTML, a link, a table cell, code, emphasis, a heading
HOSTILE = "<img src=x onerror=alert(1)> [click](javascript:alert(1)) | `tick` *star* _under_ # hash"
#: the classic spreadsheet payload (DDE)
FORMULA = "=cmd|' /C calc'!A0"


def copy_data(target: Path) -> Path:
    shutil.copytree(resources.data_dir(), target, ignore=shutil.ignore_patterns("sources"))
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} found {text.count(old)} times in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


# -- Markdown: the notice of `gdprgraph diff` ------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two versions of the data: in the new one, Platform.sh is replaced by a vendor in the United
    States whose name is an attack."""
    base = tmp_path_factory.mktemp("untrusted-diff")
    old, new = copy_data(base / "old"), copy_data(base / "new")
    fwp = new / "flexible-web-platform.ttl"
    edit(fwp, "gg:subProcessor ggo:platform-sh ;", "gg:subProcessor ggo:hostile ;")
    fwp.write_text(
        fwp.read_text(encoding="utf-8") + f"\nggo:hostile a gg:Supplier ;\n"
        f'    skos:prefLabel "{HOSTILE}" ;\n    dpv:hasCountry loc:US .\n',
        encoding="utf-8",
    )
    return old, new


def test_cli_markdown_notice_escapes_the_vendor_name(hostile_versions, capsys):
    old, new = hostile_versions
    assert main(["diff", str(old), str(new), "--format", "markdown"]) == 1
    notice = capsys.readouterr().out
    assert main(["diff", str(old), str(new), "--format", "json"]) == 1
    body = json.loads(capsys.readouterr().out)
    escaped = escape_markdown(HOSTILE)
    assert f"**{escaped}**" in notice  # our bold, their text inside it
    for raw in ("<img", "[click](", "| `tick`", "*star*", "_under_", " # hash"):
        assert raw not in notice, raw
    assert "&lt;img src=x onerror=alert(1)>" in notice
    assert r"\[click\](javascript:alert(1)) \| \`tick\` \*star\* \_under\_ \# hash" in notice
    assert not re.search(r"(?<!\\)\|", notice)  # no table cell can open
    # our own formatting is intact
    headings = [line for line in notice.splitlines() if line.startswith("#")]
    assert headings == ["# Notice of changes to the processing of your personal data (Article 28 GDPR)", f"## {FWP}"]
    assert "**Your right to object.**" in notice and "_Source: flexible-web-platform.art28.en.txt" in notice
    assert "**without a Chapter V safeguard in place**" in notice
    # the JSON keeps the data as it is
    assert [c["subject"] for c in body["changes"] if c["kind"] == "subprocessor-replaced"] == [HOSTILE]


def test_every_value_of_the_notice_is_escaped_headings_customers_versions():
    service = "# Evil <b>bold</b> | table"
    change = Change(
        "line-flipped",
        "*x*",
        "data category '*x*': No -> Yes",
        "No",
        "Yes",
        (service,),
        (f"Customer of {service}",),
        "doc_1.txt",
        3,
        needs_action=True,
    )
    notice = diff.as_markdown(DiffResult("rev`1", "<new>", [change]))
    lines = notice.splitlines()
    assert r"## \# Evil &lt;b>bold&lt;/b> \| table" in lines
    assert r"To: Customer of \# Evil &lt;b>bold&lt;/b> \| table (controller)." in lines
    assert "Compared: ``rev`1`` -> `<new>`." in lines  # code spans: HTML is not read there
    assert r"- Description of processing, data category '\*x\*': No -> Yes. _Source: doc\_1.txt, line 3._" in lines
    assert json.loads(diff.as_json(DiffResult("a", "b", [change])))["services"] == [service]  # JSON unchanged


# -- spreadsheets: CSV and XLSX never hold a formula ----------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["=1+1", "+1+1", "-1+1", "@SUM(A1:A2)", "\t=1", "\r=1", FORMULA, '=HYPERLINK("http://evil.example","click")'],
)
def test_formula_starts_get_an_apostrophe(value):
    assert spreadsheet_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["-3", "+4.5", "-0.25", "1e5", "Acme", "", "'=already", " =1", "a=b"])
def test_numbers_and_text_stay_as_they_are(value):
    assert spreadsheet_cell(value) == value


@pytest.fixture(scope="module")
def formula_data(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The data files, with the Flexible Web Platform named by a spreadsheet formula."""
    folder = copy_data(tmp_path_factory.mktemp("untrusted-formula") / "data")
    edit(
        folder / "flexible-web-platform.ttl",
        'skos:prefLabel "Flexible Web Platform"@en ;',
        f'skos:prefLabel "{FORMULA}"@en ;',
    )
    return [str(p) for p in sorted(folder.glob("*.ttl"))]


def test_ropa_csv_neutralises_the_formula(formula_data, capsys):
    assert main(["export", "ropa", "--role", "processor", "--data", *formula_data]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    services = [row["service"] for row in rows]
    assert "'" + FORMULA in services and FORMULA not in services
    assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row.values())


def test_ropa_xlsx_cell_is_a_string_starting_with_an_apostrophe(formula_data, tmp_path):
    out = tmp_path / "ropa.xlsx"
    assert main(["export", "ropa", "--out", str(out), "--data", *formula_data]) == 0
    book = load_workbook(out)
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    hostile = [cell for cell in cells if isinstance(cell.value, str) and FORMULA in cell.value]
    assert hostile and all(cell.data_type == "s" and cell.value.startswith("'=") for cell in hostile)
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []


def test_query_csv_neutralises_the_formula_and_json_table_keep_it(formula_data, capsys):
    args = ["query", "services-using", "--param", "org=Platform.sh", "--data", *formula_data]
    assert main([*args, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert "'" + FORMULA in {row["serviceName"] for row in rows}
    assert main([*args, "--format", "json"]) == 0
    assert FORMULA in {row["serviceName"] for row in json.loads(capsys.readouterr().out)["rows"]}
    assert main([*args, "--format", "table"]) == 0
    assert f" {FORMULA} " in capsys.readouterr().out


def test_every_csv_table_goes_through_the_rule():
    """impact, paths and concentration print their tables through render.render, as query does."""
    result = QueryResult(
        ["organisation", "degree", "betweenness"],
        [
            {"organisation": "@SUM(1)", "degree": -3, "betweenness": "-0.5"},
            {"organisation": "-Evil", "degree": 2, "betweenness": "+1+1"},
        ],
    )
    rows = list(csv.reader(io.StringIO(render.render(result, "csv"))))
    assert rows[1:] == [["'@SUM(1)", "-3", "-0.5"], ["'-Evil", "2", "'+1+1"]]
    assert json.loads(render.render(result, "json"))["rows"][0]["organisation"] == "@SUM(1)"
    assert "@SUM(1)" in render.render(result, "table").splitlines()[2].split()


# -- JSON-LD: no @context from the network -----------------------------------------------------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:  # a context a processor would happily use
        self.requests.append(self.path)
        body = json.dumps({"@context": {"ex": "http://example.org/"}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/ld+json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def context_server() -> Iterator[tuple[str, list[str]]]:
    """A server on 127.0.0.1 serving a JSON-LD context and recording every request it receives."""
    requests: list[str] = []
    handler = type("Recorder", (_Recorder,), {"requests": requests})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", requests
    finally:
        server.shutdown()
        server.server_close()


def _documents(url: str) -> dict[str, object]:
    node = {"@id": "ex:a", "ex:p": "v"}
    return {
        "string": {"@context": f"{url}/ctx.jsonld", **node},
        "list": {"@context": [{"ex": "http://example.org/"}, f"{url}/list.jsonld"], **node},
        "import": {"@context": {"@version": 1.1, "@import": f"{url}/import.jsonld"}, **node},
        "scoped": {
            "@context": {"ex": "http://example.org/", "ex:p": {"@id": "ex:p", "@context": f"{url}/scoped.jsonld"}},
            **node,
        },
        "nested node": {
            "@context": {"ex": "http://example.org/"},
            "@graph": [{"@id": "ex:b", "ex:q": {"@context": [f"{url}/deep.jsonld"], "@id": "ex:c"}}],
        },
        "relative under a remote base": {"@context": [{"@base": f"{url}/"}, "relative.jsonld"], **node},
    }


CASES = list(_documents("http://x"))


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("loader", ["rdflib", "oxigraph"])
def test_remote_context_is_refused_and_never_fetched(context_server, tmp_path, case, loader):
    url, requests = context_server
    path = tmp_path / "remote.jsonld"
    path.write_text(json.dumps(_documents(url)[case]), encoding="utf-8")
    with pytest.raises(InputError) as err:
        if loader == "rdflib":
            parse_file(path)
        else:
            OxigraphDataset().load_file(path, "urn:test")
    message = str(err.value)
    assert message.startswith(f"{path}: JSON-LD @context <{url}/")
    assert message.endswith(
        "> would be fetched from the network; gdprgraph works offline: inline the context "
        "(ontology/context.jsonld has ours)"
    )
    assert requests == []


def test_local_context_file_naming_a_remote_one_is_refused(context_server, tmp_path):
    url, requests = context_server
    (tmp_path / "ctx.jsonld").write_text(json.dumps({"@context": [f"{url}/inner.jsonld"]}), encoding="utf-8")
    path = tmp_path / "data.jsonld"
    path.write_text(
        json.dumps({"@context": "ctx.jsonld", "@id": "http://example.org/a", "http://example.org/p": "v"}),
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"ctx\.jsonld: JSON-LD @context <http://127\.0\.0\.1:\d+/inner\.jsonld>"):
        parse_file(path)
    assert requests == []


@pytest.mark.parametrize("store", ["memory", "oxigraph"])
def test_cli_refuses_in_one_line_exit_2(context_server, tmp_path, capsys, store):
    url, requests = context_server
    path = tmp_path / "vendor.jsonld"
    path.write_text(json.dumps(_documents(url)["list"]), encoding="utf-8")
    code = main(["query", "services-using", "--param", "org=Platform.sh", "--store", store, "--data", str(path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert err[0] == (
        f"gdprgraph: error: {path}: JSON-LD @context <{url}/list.jsonld> would be fetched from the "
        "network; gdprgraph works offline: inline the context (ontology/context.jsonld has ours)"
    )
    assert requests == []


@pytest.mark.parametrize("store", ["memory", "oxigraph"])
def test_inline_context_loads(context_server, seed, tmp_path, capsys, store):
    """Our own export (the context inline, from ontology/context.jsonld) loads back on both stores."""
    _, requests = context_server
    path = tmp_path / "graph.jsonld"
    assert main(["export", "graph", "--format", "jsonld", "--out", str(path)]) == 0
    assert isinstance(json.loads(path.read_text(encoding="utf-8"))["@context"], dict)
    capsys.readouterr()
    assert (
        main(
            [
                "query",
                "services-using",
                "--param",
                "org=Platform.sh",
                "--store",
                store,
                "--data",
                str(path),
                "--format",
                "json",
            ]
        )
        == 0
    )
    names = {row["serviceName"] for row in json.loads(capsys.readouterr().out)["rows"]}
    assert FWP in names
    assert len(parse_file(path)) == len(seed.asserted)
    assert requests == []
