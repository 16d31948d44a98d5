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

playwright = (
    pytest.importorskip("playwright.sync_api")
    if os.environ.get("GDPRGRAPH_REQUIRE_BROWSER") != "1"
    else __import__("playwright.sync_api").sync_api
)
if not Path(CHROMIUM).exists():
    if os.environ.get("GDPRGRAPH_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"chromium not found at {CHROMIUM}")
    pytest.skip("chromium is not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
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
    ws = Workspace(
        [
            data / "templates" / "orange-art28-template.ttl",
            data / "reference" / "countries-and-adequacy.ttl",
            Path(__file__).parent / "fixtures" / "hostile.ttl",
        ]
    )
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


# -- the map at scale: the seed, 100 and 1 000 generated services (issue 19) ------------------------------

MIN_LABEL_PX = 11


@pytest.fixture(scope="module")
def estate_maps(tmp_path_factory, generator, estate_inputs):
    """The map page of the seed or of a generated estate of N services (seed 1), written once."""
    folder = tmp_path_factory.mktemp("estates")
    made: dict[str, Path] = {}

    def page(name: str) -> Path:
        if name not in made:
            if name == "seed":
                ws = Workspace()
            else:
                estate = folder / f"estate-{name}.ttl"
                assert generator.main(["--services", name, "--seed", "1", "--out", str(estate)]) == 0
                ws = Workspace(estate_inputs(estate))
            made[name] = write_atomic(folder / f"map-{name}.html", render_map(ws, MapSelection()))
        return made[name]

    return page


def hex_to_rgb(colour: str) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def check_map_at_scale(browser, page: Path, name: str, search: str | None = None) -> None:
    visit = Visit(browser, page, wait_for_network=True)
    p = visit.page
    label_px = p.evaluate("network.getScale() * FONT")
    edge_px = p.evaluate("network.getScale() * EDGE_FONT")
    print(f"{name}: {p.evaluate('nodes.length')} boxes, labels {label_px:.1f} px, edge labels {edge_px:.1f} px")
    assert label_px >= MIN_LABEL_PX and edge_px >= MIN_LABEL_PX
    assert p.evaluate("nodes.length") <= 40  # aggregated: a legible number of boxes at any size
    # every hop into a country has the colour of the legend entry of its basis, and the legend lists
    # only what is in view
    transfers = p.evaluate(
        "view.edges.filter(e => S.edges[e.style].group === 'basis').map(e => [e.style, e.color.color])"
    )
    assert transfers
    legend = p.evaluate(
        "Array.from(document.querySelectorAll('#legend li')).map(li => "
        "[li.dataset.style, li.dataset.colour, getComputedStyle(li.firstChild).borderTopColor,"
        " getComputedStyle(li.firstChild).backgroundColor])"
    )
    by_style = {style: (colour, line, swatch) for style, colour, line, swatch in legend}
    for style, colour in transfers:
        assert by_style[style][0] == colour and hex_to_rgb(colour) in by_style[style][1:]
    in_view = (
        {e for e, _ in transfers}
        | set(p.evaluate("view.edges.map(e => e.style)"))
        | set(p.evaluate("view.nodes.map(n => n.kind)"))
        | {f"mark:{m}" for m in p.evaluate("[].concat(...view.edges.map(e => e.marks))")}
    )
    assert set(by_style) <= in_view
    third = [s for s, _ in transfers if s != "eea"]
    assert third, "a hop into a country outside the EU/EEA is drawn"
    # the hop table: one row per path, sortable and filterable
    assert p.evaluate("document.querySelectorAll('#hop-table tbody tr').length") == p.evaluate("model.rows.length")
    p.click("#hop-table th[data-col=country]")
    countries = p.evaluate(
        "Array.from(document.querySelectorAll('#hop-table tbody tr td:nth-child(5)')).map(td => td.textContent)"
    )
    assert countries == sorted(countries)
    visit.screenshot(f"map-{name}.png")
    # search: matching boxes highlighted, only the paths through them kept
    if search:
        p.fill("#search", search)
        p.wait_for_timeout(600)
        found = p.evaluate("nodes.get().filter(n => n.match).map(n => n.label)")
        assert any(label.startswith(search) for label in found), found
        assert p.evaluate("state.rows.every(r => r.nodes.some(i => matches(model.nodes[i])))")
        visit.screenshot(f"map-{name}-search.png")
        p.click("#chip-reset")
    # the NO BASIS chip leaves only the paths without a basis; their hops into a country say so
    p.click("#chip-nobasis")
    p.wait_for_timeout(300)
    rows = p.evaluate("state.rows.map(r => [r.missing, r.kind])")
    assert all(missing and kind == "none" for missing, kind in rows)
    assert len(rows) == p.evaluate("model.rows.filter(r => r.kind === 'none').length")
    kinds = set(p.evaluate("view.edges.filter(e => S.edges[e.style].group === 'basis').map(e => e.style)"))
    assert kinds == ({"none"} if rows else set()), kinds
    assert p.evaluate(
        "Array.from(document.querySelectorAll('#legend li')).map(li => li.dataset.style)"
        ".filter(s => s in S.edges && S.edges[s].group === 'basis')"
    ) == (["none"] if rows else [])
    if rows:
        visit.screenshot(f"map-{name}-no-basis.png")
    assert visit.remote_requests == [] and visit.errors == [] and visit.dialogs == []


def test_seed_map_is_legible_honest_and_searchable(browser, estate_maps):
    check_map_at_scale(browser, estate_maps("seed"), "seed", search="Platform")
    visit = Visit(browser, estate_maps("seed"), wait_for_network=True)
    found = visit.page.evaluate("nodes.get().filter(n => n.match).length")
    assert found == 0
    visit.page.fill("#search", "platform")
    visit.page.wait_for_timeout(600)
    matched = visit.page.evaluate("nodes.get().filter(n => n.match).map(n => n.id)")
    assert "https://w3id.org/gdprgraph/org/platform-sh" in matched  # and Flexible Web Platform
    assert visit.page.evaluate("network.getSelectedNodes()") == matched
    # the undisclosed rows show their safeguards, and the BCRs only requested
    labels = visit.page.evaluate("model.edges.filter(e => e.label).map(e => e.label)")
    assert "SCCs + BCRs requested + no TIA + not disclosed" in labels


def test_map_of_100_services_is_legible(browser, estate_maps):
    page = estate_maps("100")
    check_map_at_scale(browser, page, "100-services", search=_a_subprocessor(page))


@pytest.mark.slow
def test_map_of_1000_services_is_legible(browser, estate_maps):
    page = estate_maps("1000")
    check_map_at_scale(browser, page, "1000-services", search=_a_subprocessor(page))


def _a_subprocessor(page: Path) -> str:
    import json
    import re

    model = json.loads(re.search(r'id="model">(.*?)</script>', page.read_text(encoding="utf-8"), re.S).group(1))
    return sorted(n["label"].split("\n")[0] for n in model["nodes"] if n["layer"] == 3)[0]


@pytest.mark.slow
def test_a_group_opens_on_click(browser, estate_maps):
    visit = Visit(browser, estate_maps("100"), wait_for_network=True)
    group = visit.page.evaluate("nodes.get().filter(n => n.groupKey)[0].id")
    before = visit.page.evaluate("nodes.length")
    box = visit.page.evaluate(f"network.canvasToDOM(network.getPositions(['{group}'])['{group}'])")
    canvas = visit.page.locator("#mynetwork canvas").bounding_box()
    visit.page.mouse.click(canvas["x"] + box["x"], canvas["y"] + box["y"])
    visit.page.wait_for_timeout(300)
    assert visit.page.evaluate(f"nodes.get('{group}')") is None and visit.page.evaluate("nodes.length") > before
    visit.screenshot("map-100-services-group-opened.png")
    assert visit.errors == []


# -- the report travels alone and prints (issue 19) ------------------------------------------------------


def test_report_copied_alone_shows_its_map(browser, seed_pages, tmp_path):
    alone = tmp_path / "empty-folder"
    alone.mkdir()
    shutil.copy(seed_pages / "audit-report.html", alone / "report.html")
    assert [p.name for p in alone.iterdir()] == ["report.html"]
    visit = Visit(browser, alone / "report.html", wait_for_network=False)
    [frame] = [f for f in visit.page.frames if f.url == "about:srcdoc"]
    frame.wait_for_function("typeof network !== 'undefined' && nodes.length > 0")
    visit.page.wait_for_timeout(1000)
    assert frame.evaluate("nodes.length") >= 8
    assert frame.evaluate("network.getScale() * FONT") >= MIN_LABEL_PX
    assert "iframe" not in visit.page.evaluate(
        "Array.from(document.querySelectorAll('iframe[src]')).map(f => f.outerHTML).join('')"
    )
    visit.page.locator("#map").scroll_into_view_if_needed()
    visit.page.wait_for_timeout(300)
    visit.screenshot("audit-report-map-alone.png")
    assert visit.remote_requests == [] and visit.errors == [] and visit.dialogs == []


def test_report_has_contents_filters_and_collapsed_info(browser, seed_pages):
    visit = Visit(browser, seed_pages / "audit-report.html", wait_for_network=False)
    p = visit.page
    toc = p.inner_text("nav.toc")
    assert "Contents" in toc and "Transfers to third countries" in toc and "Flexible Contact Center" in toc
    assert p.evaluate("Array.from(document.querySelectorAll('details.info-findings')).every(d => !d.open)")
    assert p.evaluate("document.querySelectorAll('details.info-findings').length") >= 1
    visible = "Array.from(document.querySelectorAll('tr.sev-violation')).filter(r => r.offsetParent).length"
    assert p.evaluate(visible) > 0
    p.uncheck("#show-violation")
    assert p.evaluate(visible) == 0
    assert "gdprgraph 0.1.0" in p.inner_text("header") and "content sha256:" in p.inner_text("header")


def _pixel(element) -> tuple[int, int, int]:
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(element.screenshot())).convert("RGB")
    return image.getpixel((image.width // 2, image.height // 2))


def test_printed_report_keeps_verdict_colour_legend_swatches_and_contents(browser, seed_pages, tmp_path):
    from pypdf import PdfReader

    from gdprgraph.viz import BASES

    visit = Visit(browser, seed_pages / "audit-report.html", wait_for_network=False)
    p = visit.page
    p.emulate_media(media="print")
    assert p.evaluate("getComputedStyle(document.querySelector('iframe.map')).display") == "none"
    assert _pixel(p.locator("#verdict")) == (0xFD, 0xE2, 0xE2)  # "does not conform", in colour
    swatches = p.locator("#map-summary tr[data-kind] .swatch")
    kinds = p.evaluate("Array.from(document.querySelectorAll('#map-summary tr[data-kind]')).map(r => r.dataset.kind)")
    assert "scc" in kinds
    for i, kind in enumerate(kinds):
        colour = BASES[kind].colour
        assert _pixel(swatches.nth(i)) == tuple(int(colour[k : k + 2], 16) for k in (1, 3, 5))
    visit.page.locator("#map").scroll_into_view_if_needed()
    visit.screenshot("audit-report-print.png")
    pdf = tmp_path / "report.pdf"
    p.pdf(path=str(pdf), prefer_css_page_size=True)
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Contents" in text and "Transfer paths by basis" in text and "Does not conform" in text


def test_tooltips_use_the_page_font_wrap_and_stay_inside_the_canvas(browser, estate_maps):
    visit = Visit(browser, estate_maps("seed"), wait_for_network=True)
    p = visit.page
    canvas = p.locator("#mynetwork").bounding_box()
    # the box furthest right and low: its tooltip would overflow if it were not kept inside
    node = p.evaluate("view.nodes.slice().sort((a, b) => (b.x + b.y) - (a.x + a.y))[0].id")
    box = p.evaluate(f"network.canvasToDOM(network.getPositions(['{node}'])['{node}'])")
    p.mouse.move(canvas["x"] + box["x"], canvas["y"] + box["y"])
    p.wait_for_selector("div.vis-tooltip", state="visible", timeout=5000)
    tip = p.locator("div.vis-tooltip").bounding_box()
    assert tip["x"] >= canvas["x"] - 1 and tip["x"] + tip["width"] <= canvas["x"] + canvas["width"] + 1
    assert tip["y"] >= canvas["y"] - 1 and tip["y"] + tip["height"] <= canvas["y"] + canvas["height"] + 1
    fonts = p.evaluate(
        "[getComputedStyle(document.querySelector('div.vis-tooltip')).fontFamily,"
        " getComputedStyle(document.body).fontFamily,"
        " getComputedStyle(document.querySelector('div.vis-tooltip')).whiteSpace]"
    )
    assert fonts[0] == fonts[1] and fonts[2] == "pre-wrap" and tip["width"] <= 360
    visit.screenshot("map-seed-tooltip.png")


def test_hop_table_in_the_page_has_the_rows_of_paths_csv(browser, estate_maps, capsys):
    import csv
    import io

    from gdprgraph.cli import main

    visit = Visit(browser, estate_maps("seed"), wait_for_network=True)
    cells = visit.page.evaluate(
        "Array.from(document.querySelectorAll('#hop-table tbody tr')).map(tr => "
        "Array.from(tr.children).map(td => td.textContent))"
    )
    got = sorted((row[1], row[0], row[4]) for row in cells)  # subjects, service, country
    assert main(["paths", "--to", "all", "--format", "csv"]) == 0
    expected = sorted(
        (r["dataSubjects"], r["service"], r["country"]) for r in csv.DictReader(io.StringIO(capsys.readouterr().out))
    )
    assert got == expected
    visit.page.click("#chip-third")
    third = visit.page.evaluate(
        "Array.from(document.querySelectorAll('#hop-table tbody tr')).map(tr => "
        "[tr.children[1].textContent, tr.children[0].textContent, tr.children[4].textContent])"
    )
    assert main(["paths", "--format", "csv"]) == 0  # the default: third countries only
    assert sorted(map(tuple, third)) == sorted(
        (r["dataSubjects"], r["service"], r["country"]) for r in csv.DictReader(io.StringIO(capsys.readouterr().out))
    )
    visit.page.fill("#hop-filter", "Intra-group")
    assert visit.page.evaluate("document.querySelectorAll('#hop-table tbody tr').length") == 2
