"""The headline questions on the seed graph, through the library and through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gdprgraph import AmbiguousNameError, NoMatchError
from gdprgraph.cli import main

FWP = "https://w3id.org/gdprgraph/service/flexible-web-platform"
FWPUB = "https://w3id.org/gdprgraph/service/hebergement-mutualise-flexible-web-publisher"
FCC = "https://w3id.org/gdprgraph/service/flexible-contact-center"


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def services(result) -> set[str]:
    return {str(row["service"]) for row in result.rows}


@pytest.mark.parametrize("name", ["platform.sh", "Platform.sh SAS", "PLATFORM.SH", "platform sh sas"])
def test_services_using_platform_sh_names_both_flexible_web_services(seed, name):
    assert services(seed.run("services-using", {"org": name})) == {FWP, FWPUB}


def test_services_using_json_lists_exactly_two_services_with_their_source(capsys):
    code, out, _ = run_cli(capsys, "query", "services-using", "--param", "org=platform.sh", "--format", "json")
    assert code == 0
    rows = json.loads(out)["rows"]
    assert {r["service"] for r in rows} == {FWP, FWPUB}
    assert {(r["document"], r["section"], r["line"]) for r in rows} == {
        ("flexible-web-platform.art28.en.txt", "6", 66),
        ("hebergement-mutualise-flexible-web-publisher.art28.fr.txt", "6", 212),
    }


def test_beijaflore_is_used_only_by_the_flexible_web_publisher(seed):
    assert services(seed.run("services-using", {"org": "Beijaflore"})) == {FWPUB}


def test_unknown_organisation_exits_1_naming_the_value_and_suggesting(capsys):
    code, out, err = run_cli(capsys, "query", "services-using", "--param", "org=Nowhere Ltd")
    assert code == 1
    assert "Nowhere Ltd" in err and "did you mean" in err
    assert out == ""


def test_sparql_syntax_in_a_parameter_is_only_a_name(seed):
    before = len(seed.asserted)
    with pytest.raises(NoMatchError):
        seed.run("services-using", {"org": 'x" } ; DROP ALL ; #'})
    assert len(seed.asserted) == before


def test_subprocessors_of_flexible_web_publisher(seed):
    rows = seed.run("subprocessors-of", {"service": "Flexible Web Publisher"}).rows
    by_role: dict[str, set[str]] = {}
    for row in rows:
        by_role.setdefault(str(row["role"]), set()).add(str(row["organisationName"]))
    # The document lists seven suppliers and one intra-group entity (lines 184, 206-212).
    assert by_role == {
        "supplier": {"Beijaflore", "Satel", "Proservia", "Arvato", "Altran", "Consort Group", "Platform.sh"},
        "intra-group entity": {"Orange Cloud for Business"},
    }
    assert {str(row["country"]) for row in rows} == {"France"}
    assert {str(row["zone"]) for row in rows} == {"within the EU/EEA"}


def test_flexible_contact_center_names_no_sub_processor(seed):
    assert seed.run("subprocessors-of", {"service": "FCC"}).rows == []


def test_names_resolve_accents_optional_and_ambiguity_listed(seed):
    assert str(seed.resolve("Hebergement mutualise", "service")) == FWPUB
    with pytest.raises(AmbiguousNameError) as err:
        seed.resolve("Flexible Web", "service")
    assert "Flexible Web Platform" in str(err.value) and "Flexible Web Publisher" in str(err.value)


def test_ambiguous_service_exits_1_listing_candidates(capsys):
    code, _, err = run_cli(capsys, "query", "subprocessors-of", "--param", "service=flexible web")
    assert code == 1 and "candidates" in err


def test_missing_parameter_is_a_usage_error(capsys):
    code, _, err = run_cli(capsys, "query", "services-using")
    assert code == 2 and "--param org=" in err


def test_query_list_shows_titles_and_parameters(capsys):
    code, out, _ = run_cli(capsys, "query", "--list")
    assert code == 0
    assert "services-using: Services using an organisation" in out
    assert "org (organisation)" in out


def test_show_platform_sh_lists_both_services_with_sources(capsys):
    code, out, _ = run_cli(capsys, "show", "Platform.sh")
    assert code == 0
    assert "flexible-web-platform.art28.en.txt §6 line 66" in out
    assert "hebergement-mutualise-flexible-web-publisher.art28.fr.txt §6 line 212" in out


def test_unparseable_data_names_file_and_line_and_writes_nothing(capsys, tmp_path):
    out = tmp_path / "graph.ttl"
    broken = Path(__file__).parent / "fixtures" / "broken-syntax.ttl"
    code, _, err = run_cli(capsys, "build", "--data", str(broken), "--out", str(out))
    assert code == 2
    assert "broken-syntax.ttl:4: invalid turtle: newline found in string literal" in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_build_writes_the_merged_graph_atomically(capsys, tmp_path):
    out = tmp_path / "graph.ttl"
    code, stdout, _ = run_cli(capsys, "build", "--out", str(out))
    assert code == 0 and out.is_file()
    assert "gg:TemplateLine" in stdout
    assert [p.name for p in tmp_path.iterdir()] == ["graph.ttl"]
