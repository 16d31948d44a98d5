"""overview: the pages' records, on data the transfer graph does not cover."""

from pathlib import Path

from gdprgraph import Workspace, overview

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "web" / "country-without-english-name.ttl"


def test_a_country_without_an_english_name_is_named_by_its_label():
    ws = Workspace([FIXTURE], store="memory")
    page = overview.country(ws, "Atlantide")
    assert (page.iri, page.name, page.zone, page.adequacy) == (
        "http://example.org/x/Atlantide",
        "Atlantide",
        "unknown",
        "unknown",
    )
    assert page.transfers == [] and page.paths == []
