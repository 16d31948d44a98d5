"""gdprgraph serve: the web application in a real server process (uvicorn on a free loopback port).

Protocol tests speak HTTP with urllib; browser tests drive Debian's chromium through Playwright,
offline but for loopback (no host name resolves), with every request routed: only the server's own
address is let through, anything else is recorded and refused (and asserted absent). Screenshots
go to docs/ (the README shows them). Without chromium or Playwright the browser tests are skipped,
unless GDPRGRAPH_REQUIRE_BROWSER=1 (CI), where that is a failure.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.query import Result

from gdprgraph import resources
from gdprgraph.web.serve import is_loopback, warning

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DOCS = ROOT / "docs"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HOSTILE = "<img src=x onerror=alert(1)>"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``gdprgraph serve`` in a subprocess, stopped by stop()."""

    def __init__(self, *args: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gdprgraph.cli", "serve", "--port", str(self.port), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=ROOT,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited: {self.process.stdout.read().decode(errors='replace')}")
            try:
                urllib.request.urlopen(self.base + "/static/app.css", timeout=2).close()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("serve did not answer within 120 s")

    def get(self, path: str, headers: dict[str, str] | None = None, data: bytes | None = None):
        """(status, headers, body) of a request; error statuses are answers too."""
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as err:
            return err.code, err.headers, err.read()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def estate_files() -> list[str]:
    """The seed data and one service with a transfer without a basis."""
    return [*map(str, resources.default_data_files()), str(FIXTURES / "web" / "unsafeguarded-hop.ttl")]


@pytest.fixture(scope="module")
def server():
    running = Server("--data", *estate_files())
    yield running
    running.stop()


@pytest.fixture(scope="module")
def hostile_server():
    data = resources.data_dir()
    running = Server(
        "--data",
        str(data / "templates" / "orange-art28-template.ttl"),
        str(data / "reference" / "countries-and-adequacy.ttl"),
        str(FIXTURES / "hostile.ttl"),
    )
    yield running
    running.stop()


def sparql(server: Server, query: str, accept: str = "application/sparql-results+json", method: str = "GET"):
    if method == "GET":
        return server.get("/sparql?" + urllib.parse.urlencode({"query": query}), {"Accept": accept})
    if method == "form":
        return server.get(
            "/sparql",
            {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
            urllib.parse.urlencode({"query": query}).encode(),
        )
    return server.get("/sparql", {"Accept": accept, "Content-Type": "application/sparql-query"}, query.encode())


SERVICES = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dpv: <https://w3id.org/dpv#>
SELECT ?service ?name WHERE { ?service a dpv:Service ; skos:prefLabel ?name } ORDER BY ?name"""


# -- SPARQL 1.1 Protocol ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "form", "body"])
def test_select_answers_sparql_json_that_rdflib_reads(server, method):
    status, headers, body = sparql(server, SERVICES, method=method)
    assert status == 200
    assert headers["Content-Type"].startswith("application/sparql-results+json")
    result = Result.parse(io.BytesIO(body), format="json")
    assert [str(v) for v in result.vars] == ["service", "name"]
    names = [str(row["name"]) for row in result]
    assert "Flexible Web Platform" in names and "Flexible Contact Center" in names
    langs = {row["name"].language for row in result}
    assert "en" in langs  # literals keep their language tag


def test_select_in_csv_and_tsv_by_accept(server):
    status, headers, body = sparql(server, SERVICES, accept="text/csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    lines = body.decode().splitlines()
    assert lines[0] == "service,name"
    assert "https://w3id.org/gdprgraph/service/flexible-web-platform,Flexible Web Platform" in lines
    status, headers, body = sparql(server, SERVICES, accept="text/tab-separated-values")
    assert headers["Content-Type"].startswith("text/tab-separated-values")
    lines = body.decode().splitlines()
    assert lines[0] == "?service\t?name"
    assert '<https://w3id.org/gdprgraph/service/flexible-web-platform>\t"Flexible Web Platform"@en' in lines
    result = Result.parse(io.BytesIO(body), format="tsv")
    assert len(list(result)) == len(lines) - 1


def test_ask_and_construct(server):
    status, _, body = sparql(server, "ASK { ?s a <https://w3id.org/dpv#Service> }")
    assert status == 200 and json.loads(body) == {"head": {}, "boolean": True}
    construct = (
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> CONSTRUCT { ?s skos:prefLabel ?n } "
        "WHERE { ?s a <https://w3id.org/dpv#Service> ; skos:prefLabel ?n }"
    )
    status, headers, body = sparql(server, construct, accept="text/turtle")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=body.decode(), format="turtle")
    assert {str(o) for o in graph.objects()} >= {"Flexible Web Platform", "Flexible Contact Center"}
    status, headers, _ = sparql(server, construct, accept="text/turtle, */*;q=0.1")
    assert headers["Content-Type"].startswith("text/turtle")


def test_construct_in_json_ld_and_n_triples(server):
    construct = "CONSTRUCT { ?s a <https://w3id.org/dpv#Service> } WHERE { ?s a <https://w3id.org/dpv#Service> }"
    status, headers, body = sparql(server, construct, accept="application/ld+json")
    assert status == 200 and headers["Content-Type"].startswith("application/ld+json")
    assert len(Graph().parse(data=body.decode(), format="json-ld")) == 3
    status, headers, body = sparql(server, construct, accept="application/n-triples")
    assert headers["Content-Type"].startswith("application/n-triples") and len(body.decode().splitlines()) == 3
    status, _, _ = sparql(server, construct, accept="image/png")
    assert status == 406


@pytest.mark.parametrize("request_kind", ["query", "form", "update-param", "update-body"])
def test_updates_are_refused_with_403(server, request_kind):
    update = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    if request_kind == "query":
        status, _, body = sparql(server, update)
    elif request_kind == "form":
        status, _, body = sparql(server, update, method="form")
    elif request_kind == "update-param":
        status, _, body = server.get(
            "/sparql",
            {"Content-Type": "application/x-www-form-urlencoded"},
            urllib.parse.urlencode({"update": update}).encode(),
        )
    else:
        status, _, body = server.get("/sparql", {"Content-Type": "application/sparql-update"}, update.encode())
    assert status == 403
    assert b"updates are refused" in body
    status, _, body = sparql(server, "ASK { <urn:a> <urn:b> <urn:c> }")
    assert json.loads(body)["boolean"] is False  # nothing was written


def test_malformed_query_is_400_with_the_parsers_message(server):
    status, headers, body = sparql(server, "SELECT ?s WHERE { ?s ?p }")
    assert status == 400 and headers["Content-Type"].startswith("text/plain")
    assert body.decode().startswith("query:1: SPARQL syntax error: Expected")
    status, _, body = server.get("/sparql")
    assert status == 400 and b"no query" in body
    status, _, body = sparql(server, "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    assert status == 403 and b"SERVICE is refused" in body


# -- the library behind the pages ---------------------------------------------------------------------


def test_search_ranks_the_closest_names_first(seed):
    from gdprgraph.search import search

    hits = search(seed, "platfrom")
    assert (hits[0].name, hits[0].kind, hits[0].exact) == ("Platform.sh", "organisation", False)
    exact = search(seed, "hebergement mutualise")[0]
    assert exact.exact and exact.name == "Hébergement Mutualisé, version Flexible Web Publisher"
    assert search(seed, "Etats-Unis")[0].iri == "https://w3id.org/dpv/loc#US"
    assert search(seed, "   ") == []


def test_basis_kinds():
    from gdprgraph.transfers import basis_kinds

    assert basis_kinds("NO BASIS (Binding corporate rules only requested)", True) == ("NO BASIS",)
    assert basis_kinds("Standard contractual clauses (in place); Binding corporate rules (in place)", False) == (
        "SCC",
        "BCR",
    )
    assert basis_kinds("adequacy decision (Japan)", False) == ("adequacy",)
    assert basis_kinds("adequacy decision (Data Privacy Framework certification)", False) == ("DPF",)


def test_evidence_of_a_line(seed):
    from gdprgraph.sources import evidence, quotes_by_line

    found = evidence(seed, "flexible-web-platform.art28.en.txt", 66)
    assert [q["section"] for q in found.quotes] == ["6"]
    assert "Platform.sh SAS (France)" in found.quotes[0]["text"]
    assert (66, found.excerpt[3][1]) == found.excerpt[3] and "Platform.sh SAS (France)" in found.excerpt[3][1]
    assert evidence(seed, "../README.md", 1).excerpt == []
    assert "Platform.sh SAS (France)" in quotes_by_line(seed)[("flexible-web-platform.art28.en.txt", 66)]


# -- pages, safety ------------------------------------------------------------------------------------


def test_every_page_forbids_remote_loads(server):
    for path in (
        "/",
        "/transfers",
        "/findings",
        "/query",
        "/map",
        "/downloads",
        "/report",
        "/map/transfer-map.html",
        "/nope",
    ):
        _, headers, body = server.get(path)
        policy = headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy, path
        assert "http" not in policy, path
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert not re.search(rb"""(src|href)\s*=\s*["']?(https?:)?//""", body), path


def test_category_and_country_pages(server):
    status, _, body = server.get("/category?name=" + urllib.parse.quote("Données de localisation"))
    page = body.decode()
    assert status == 200 and "<h1>Location" in page
    assert "Flexible Web Platform" in page and "flexible-web-platform.art28.en.txt" in page
    status, _, body = server.get("/country?name=Etats-Unis")
    page = body.decode()
    assert status == 200 and "Acme Metrics Inc." in page and "NO BASIS" in page
    status, _, body = server.get("/country?name=France")
    assert status == 200 and b"Within the EU/EEA: no Chapter V transfer." in body


def test_service_page_line_by_line_with_sources(server):
    status, _, body = server.get("/service?name=flexible+contact+center")
    page = body.decode()
    assert status == 200 and "<h1>Flexible Contact Center" in page
    for answer in (">Yes<", ">No<", ">not stated<"):
        assert answer in page
    assert "/evidence?document=flexible-contact-center.service-description.en.txt&amp;line=" in page
    assert "Intra-group entities outside the EU/EEA (communicated separately)" in page  # its transfers


def test_unknown_page_or_name_is_a_404_with_suggestions(server):
    status, headers, body = server.get("/organisation?name=platfrom")
    page = body.decode()
    assert status == 404 and headers["Content-Type"].startswith("text/html")
    assert "no organisation named &#39;platfrom&#39;" in page
    assert page.index("Platform.sh") < page.index("Arvato")  # the closest first
    assert "Traceback" not in page
    status, _, body = server.get("/does/not/exist")
    assert status == 404 and b"/transfers" in body and b"Traceback" not in body
    status, _, body = server.get("/download/secrets.txt")
    assert status == 404 and b"ropa.xlsx" in body
    status, _, body = server.get("/evidence?document=../../etc/passwd&line=1")
    assert status == 404 and b"root:" not in body


def test_only_reads(server):
    for method in ("PUT", "DELETE", "PATCH"):
        request = urllib.request.Request(server.base + "/service?name=x", method=method)
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(request, timeout=30)
        assert err.value.code == 405


def test_loopback_server_refuses_other_host_names(server):
    status, _, _ = server.get("/", {"Host": "attacker.example"})
    assert status == 400
    assert server.get("/", {"Host": f"localhost:{server.port}"})[0] == 200


def test_warning_beyond_loopback():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert warning("127.0.0.1") is None
    assert "anyone who can reach this address" in warning("0.0.0.0")


def test_hostile_labels_are_escaped(hostile_server):
    for path in (
        "/",
        "/transfers",
        "/findings",
        "/service?name=http%3A%2F%2Fexample.org%2Fhostile%2Fservice",
        "/organisation?name=http%3A%2F%2Fexample.org%2Fhostile%2Fevil",
        "/search?q=" + urllib.parse.quote(HOSTILE),
    ):
        status, _, body = hostile_server.get(path)
        page = body.decode()
        assert status == 200, path
        assert HOSTILE not in page and "<script>alert(" not in page, path
    assert "&lt;img src=x onerror=alert(1)&gt;" in hostile_server.get("/transfers")[2].decode()


def test_downloads(server):
    from openpyxl import load_workbook

    status, headers, body = server.get("/download/ropa.xlsx")
    assert status == 200 and 'filename="ropa.xlsx"' in headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["Art 30(2) processor", "Art 30(1) controller"]
    status, _, body = server.get("/download/validation.json")
    assert status == 200 and json.loads(body)
    status, _, body = server.get("/download/graph.ttl")
    assert status == 200 and len(Graph().parse(data=body.decode(), format="turtle")) > 1000
    status, _, body = server.get("/download/ropa-processor.csv")
    assert status == 200 and b"Flexible Web Platform" in body


# -- shared stores ------------------------------------------------------------------------------------


def test_two_servers_on_one_oxigraph_store(tmp_path):
    store = f"oxigraph:{tmp_path / 'store'}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-m", "gdprgraph.cli", "build", "--store", store],
        check=True,
        env=env,
        cwd=ROOT,
        capture_output=True,
    )
    first, second = Server("--store", store), None
    try:
        second = Server("--store", store)
        for running in (first, second):
            status, _, body = sparql(running, SERVICES)
            assert status == 200
            assert "Flexible Web Platform" in [str(r["name"]) for r in Result.parse(io.BytesIO(body), format="json")]
            assert running.get("/organisation?name=Platform.sh")[0] == 200
    finally:
        first.stop()
        if second is not None:
            second.stop()


def test_server_on_a_sparql_store(oxigraph_server):
    oxigraph_server.wipe()  # the server is shared by the session's tests: gdprgraph's graphs only
    store = f"sparql:{oxigraph_server.url}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-m", "gdprgraph.cli", "build", "--store", store],
        check=True,
        env=env,
        cwd=ROOT,
        capture_output=True,
    )
    running = Server("--store", store)
    try:
        status, _, body = running.get("/organisation?name=platfrom")
        assert status == 404 and b"Platform.sh" in body
        status, _, body = running.get("/organisation?name=Platform.sh")
        assert status == 200 and "Hébergement Mutualisé, version Flexible Web Publisher" in body.decode()
        status, _, body = sparql(running, SERVICES)
        assert status == 200 and "Flexible Contact Center" in body.decode()
        assert running.get("/transfers")[0] == 200
    finally:
        running.stop()
        oxigraph_server.wipe()


# -- in a browser -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    required = os.environ.get("GDPRGRAPH_REQUIRE_BROWSER") == "1"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if required:
            raise
        pytest.skip("playwright is not installed")
    if not Path(CHROMIUM).exists():
        if required:
            raise RuntimeError(f"chromium not found at {CHROMIUM}")
        pytest.skip("chromium is not installed")
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            # offline but for loopback: Playwright's offline context would cut the server off too, so no
            # host name resolves and every request that is not to the server is refused (Visit._route)
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            ],
        )
        yield chromium
        chromium.close()


class Visit:
    """A browser context on one server: requests to it go through, every other one is recorded and
    refused; console errors, page errors and dialogs are recorded."""

    def __init__(self, browser, server: Server) -> None:
        self.server = server
        self.context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.context.on("page", lambda page: page.on("dialog", self._dialog))

    def _route(self, route) -> None:
        url = route.request.url
        self.requests.append(url)
        if url.startswith(self.server.base + "/"):
            route.continue_()
        else:
            route.abort()

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, path: str) -> None:
        self.page.goto(self.server.base + path)

    @property
    def remote_requests(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(self.server.base + "/")]

    def screenshot(self, name: str, full_page: bool = False) -> None:
        DOCS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(DOCS / name), full_page=full_page)

    def close(self) -> None:
        assert self.remote_requests == []
        assert self.errors == []
        assert self.dialogs == []
        self.context.close()


@pytest.fixture
def visit(browser, server):
    opened = Visit(browser, server)
    yield opened
    opened.close()


def test_search_a_misspelling_and_open_the_organisation(visit):
    visit.open("/search?q=platfrom")  # the results page: the closest names first
    assert visit.page.locator("ol.hits li a").first.inner_text() == "Platform.sh"
    visit.open("/")
    visit.page.locator("#search-box").press_sequentially("platfrom", delay=40)
    first = visit.page.locator("#suggestions li a").first
    first.wait_for()
    assert first.inner_text().startswith("Platform.sh")
    visit.screenshot("web-search.png")
    first.click()
    visit.page.wait_for_url("**/organisation?name=*")
    text = visit.page.locator("main").inner_text()
    assert "Flexible Web Platform" in text
    assert "Hébergement Mutualisé, version Flexible Web Publisher" in text
    evidence = visit.page.locator("a.src", has_text="flexible-web-platform.art28.en.txt §6, line 66").first
    assert evidence.is_visible()
    assert "that are within the EU/EEA Platform.sh SAS (France) NA" in text  # the quoted line
    visit.screenshot("web-organisation.png", full_page=True)
    evidence.click()
    visit.page.wait_for_url("**/evidence?*")
    assert "Platform.sh SAS (France)" in visit.page.locator("pre.excerpt .here").inner_text()


def test_filter_transfers_to_no_basis(visit):
    visit.open("/transfers")
    assert visit.page.locator("#transfers tbody tr").count() == 3
    with visit.page.expect_navigation():
        visit.page.select_option("select[name=basis]", "NO BASIS")
    rows = visit.page.locator("#transfers tbody tr")
    assert rows.count() == 1
    cells = rows.first.locator("td").all_inner_texts()
    assert cells[:4] == ["Flexible Web Platform", "Orange Business Services", "Acme Metrics Inc.", "United States"]
    assert cells[5] == "NO BASIS"
    visit.screenshot("web-transfers.png")
    rows.first.locator("a.src").click()
    visit.page.wait_for_url("**/evidence?*")
    assert "Acme Metrics Inc. (United States) none" in visit.page.locator("blockquote.evidence").inner_text()


def test_filter_findings_to_article_28_3_violations(visit):
    visit.open("/findings")
    assert visit.page.locator(".verdict").inner_text().startswith("Does not conform")
    with visit.page.expect_navigation():
        visit.page.select_option("select[name=severity]", "violation")
    with visit.page.expect_navigation():
        visit.page.select_option("select[name=article]", "Art. 28(3)")
    rows = visit.page.locator("#findings tbody tr")
    assert rows.count() > 0
    for cells in (rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())):
        assert cells[0] == "violation" and "28(3)" in cells[1]
    visit.screenshot("web-findings.png")


def test_run_services_using_from_the_query_page(visit):
    visit.open("/query")
    visit.page.click("a[href='/query/services-using']")
    visit.page.fill("input[name=org]", "platform.sh")
    with visit.page.expect_navigation():
        visit.page.click("form.params button")
    table = visit.page.locator("table.result").inner_text()
    assert "Flexible Web Platform" in table and "Hébergement Mutualisé, version Flexible Web Publisher" in table
    assert visit.page.locator("table.result tbody tr").count() == 2
    visit.screenshot("web-query.png")


def test_service_page_and_map(visit):
    visit.open("/service?name=Flexible+Web+Platform")
    assert visit.page.locator("#lines .status", has_text="No").count() > 0
    assert visit.page.locator("#lines .status", has_text="not stated").count() > 0
    visit.screenshot("web-service.png")
    visit.open("/map")
    frame = visit.page.frame_locator("iframe.map")
    frame.locator("canvas").first.wait_for()
    visit.page.wait_for_timeout(2500)
    visit.screenshot("web-map.png")


def test_download_the_xlsx_register(visit, tmp_path):
    from openpyxl import load_workbook

    visit.open("/downloads")
    with visit.page.expect_download() as info:
        visit.page.click("a[href='/download/ropa.xlsx']")
    target = tmp_path / "ropa.xlsx"
    info.value.save_as(target)
    book = load_workbook(target)
    sheet = book["Art 30(2) processor"]
    services = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "Flexible Web Platform" in services and "Flexible Contact Center" in services


def test_hostile_labels_fire_no_dialog(browser, hostile_server):
    opened = Visit(browser, hostile_server)
    for path in (
        "/",
        "/transfers",
        "/findings",
        "/search?q=" + urllib.parse.quote(HOSTILE),
        "/service?name=http%3A%2F%2Fexample.org%2Fhostile%2Fservice",
        "/organisation?name=http%3A%2F%2Fexample.org%2Fhostile%2Fevil",
        "/map",
        "/report",
    ):
        opened.open(path)
        opened.page.wait_for_timeout(300)
    opened.open("/transfers")
    assert HOSTILE in opened.page.locator("#transfers").inner_text()  # shown as text
    opened.page.locator("#search-box").press_sequentially("<img", delay=40)
    opened.page.locator("#suggestions li a").first.wait_for()
    assert HOSTILE in opened.page.locator("#suggestions").inner_text()  # a suggestion is text too
    opened.page.wait_for_timeout(300)
    opened.close()
