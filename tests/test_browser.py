"""The transfer map and the audit report in a real browser (Debian's chromium, headless, offline).

Screenshots are saved under test-artifacts/. Without chromium or Playwright the tests are skipped,
unless GDPRGRAPH_REQUIRE_BROWSER=1 (set by .ci/run), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from gdprgraph import Workspace, resources
from gdprgraph.output import write_atomic
from gdprgraph.report import render_report
from gdprgraph.viz import MapSelection, render_map

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
HOSTILE = "<img src=x onerror=alert(1)>"

playwright = pytest.importorskip("playwright.sync_api") if os.environ.get(
    "GDPRGRAPH_REQUIRE_BROWSER") != "1" else __import__("playwright.sync_api").sync_api
if not Path(CHROMIUM).exists():
    if os.environ.get("GDPRGRAPH_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"chromium not found at {CHROMIUM}")
    pytest.skip("chromium is not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"])
        yield chromium
        chromium.close()


class Visit:
    """A page opened offline, with every request, console error and dialog recorded."""

    def __init__(self, browser, path: Path, wait_for_network: bool) -> None:
        self.context = browser.new_context(viewport={"width": 1600, "height": 1000}, offline=True)
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.goto(path.as_uri())
        if wait_for_network:
            self.page.wait_for_function("typeof network !== 'undefined' && nodes.length > 0")
            self.page.wait_for_timeout(2500)

    def _route(self, route) -> None:
        self.requests.append(route.request.url)
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            route.abort()

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    @property
    def remote_requests(self) -> list[str]:
        return [url for url in self.requests if not url.startswith("file:")]

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        target = ARTIFACTS / name
        self.page.screenshot(path=str(target))
        return target


@pytest.fixture(scope="module")
def seed_pages(tmp_path_factory, seed):
    folder = tmp_path_factory.mktemp("pages")
    write_atomic(folder / "transfer-map.html", render_map(seed, MapSelection()))
    write_atomic(folder / "audit-report.html", render_report(seed))
    return folder


@pytest.fixture(scope="module")
def hostile_pages(tmp_path_factory):
    data = resources.data_dir()
    ws = Workspace([data / "templates" / "orange-art28-template.ttl",
                    data / "reference" / "countries-and-adequacy.ttl",
                    Path(__file__).parent / "fixtures" / "hostile.ttl"])
    folder = tmp_path_factory.mktemp("hostile")
    write_atomic(folder / "transfer-map.html", render_map(ws, MapSelection()))
    write_atomic(folder / "audit-report.html", render_report(ws))
    return folder


def test_seed_map_renders_offline_with_platform_sh_shared_by_two_services(browser, seed_pages):
    visit = Visit(browser, seed_pages / "transfer-map.html", wait_for_network=True)
    assert visit.page.evaluate("nodes.length") >= 15
    assert visit.page.evaluate("edges.length") >= 20
    positions = visit.page.evaluate("Object.keys(network.getPositions()).length")
    assert positions == visit.page.evaluate("nodes.length")  # every node is laid out on the canvas
    label = visit.page.evaluate("nodes.get('https://w3id.org/gdprgraph/org/platform-sh').label")
    assert label == "Platform.sh\n(shared by 2 services)"
    assert visit.remote_requests == [] and visit.errors == [] and visit.dialogs == []
    assert visit.screenshot("transfer-map.png").stat().st_size > 10_000


def test_clicking_a_node_highlights_its_paths_and_shows_its_facts(browser, seed_pages):
    visit = Visit(browser, seed_pages / "transfer-map.html", wait_for_network=True)
    node = "https://w3id.org/gdprgraph/org/platform-sh"
    box = visit.page.evaluate(f"network.canvasToDOM(network.getPositions(['{node}'])['{node}'])")
    canvas = visit.page.locator("#mynetwork canvas").bounding_box()
    visit.page.mouse.click(canvas["x"] + box["x"], canvas["y"] + box["y"])
    details = visit.page.inner_text("#details-text")
    assert "Platform.sh" in details and "services depending on it (2)" in details
    dimmed = visit.page.evaluate("nodes.get().filter(n => n.opacity === 0.15).length")
    assert dimmed > 5
    visit.screenshot("transfer-map-platform-sh-selected.png")


def test_seed_report_is_self_contained(browser, seed_pages):
    visit = Visit(browser, seed_pages / "audit-report.html", wait_for_network=False)
    text = visit.page.inner_text("body")
    assert "Does not conform" in text and "Flexible Contact Center" in text
    assert "communicated separately" in text and "Art. 28(3)" in text
    assert visit.remote_requests == [] and visit.errors == []
    visit.screenshot("audit-report.png")


def test_hostile_name_is_shown_as_text_and_never_runs(browser, hostile_pages):
    for page in ("transfer-map.html", "audit-report.html"):
        visit = Visit(browser, hostile_pages / page, wait_for_network=page.startswith("transfer"))
        assert visit.dialogs == []
        assert visit.page.evaluate("document.querySelectorAll('img').length") == 0
        assert HOSTILE in visit.page.inner_text("body")
        assert visit.remote_requests == [] and visit.errors == []
        visit.screenshot(f"hostile-{page.replace('.html', '.png')}")
    visit = Visit(browser, hostile_pages / "transfer-map.html", wait_for_network=True)
    assert visit.page.evaluate("nodes.get().map(n => n.label)").count(HOSTILE) == 1
