"""Impact questions on the seed graph: operations, impact of Platform.sh, transfers, concentration."""

from __future__ import annotations

import csv
import io
import json

import pytest

from gdprgraph import impact as impacts
from gdprgraph.cli import main


def run_cli(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_operations_of_fcc_shows_transmission_not_stated(seed):
    rows = {
        str(r["operationName"]): (str(r["status"]), r["line"])
        for r in seed.run("operations-of", {"service": "Flexible Contact Center"}).rows
    }
    assert len(rows) == 12
    assert rows["Transmission"] == ("not stated", None)
    assert rows["Other use"] == ("declared no", rows["Other use"][1])
    assert rows["Collection"][0] == "declared yes"


def test_impact_of_platform_sh(seed):
    result = impacts.impact(seed, "Platform.sh")
    assert result.service_names == ["Flexible Web Platform", "Hébergement Mutualisé, version Flexible Web Publisher"]
    # union of the declared-yes categories of both services (financial data: only the French one)
    assert result.data_categories == sorted(
        [
            "Identification data",
            "Traffic / Connection data",
            "Location",
            "CRM data",
            "Financial data",
            "Personal data contained in carried traffic",
            "Personal data in content recorded or stored by the customer",
        ]
    )
    assert result.data_subjects == ["Customer's employees and self-employed contractors", "Customer's other end-users"]
    assert result.countries == ["France"]
    assert result.paths and all(p.zone == "EU/EEA" for p in result.paths)


def test_impact_cli_text_and_json(capsys):
    code, out = run_cli(capsys, "impact", "platform.sh sas")
    assert code == 0
    assert "Flexible Web Platform (sub-processor)" in out and "Countries involved: France" in out
    code, out = run_cli(capsys, "impact", "Platform.sh", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert {s["name"] for s in data["services"]} == {
        "Flexible Web Platform",
        "Hébergement Mutualisé, version Flexible Web Publisher",
    }
    code, out = run_cli(capsys, "impact", "Platform.sh", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["value"] for r in rows if r["aspect"] == "country"} == {"France"}


def test_the_processor_is_the_single_point_of_failure(capsys):
    code, out = run_cli(capsys, "concentration", "--format", "json")
    assert code == 0
    ranked = json.loads(out)["organisations"]
    assert ranked[0]["name"] == "Orange Business Services"
    assert len(ranked[0]["services"]) == 3 and ranked[0]["single_point_of_failure"]
    shared = {o["name"] for o in ranked if len(o["services"]) == 2}
    assert shared == {"Platform.sh"}


def test_seed_third_country_paths_are_the_fcc_rows_communicated_separately(capsys):
    code, out = run_cli(capsys, "paths", "--format", "json")
    paths = json.loads(out)["paths"]
    assert code == 0 and len(paths) == 4
    assert {p["chain"][1] for p in paths} == {"Flexible Contact Center"}
    assert {p["country"] for p in paths} == {"third country (not disclosed)"}
    assert not any(p["missing_basis"] for p in paths)


def test_paths_to_a_country_without_transfers_exits_1(capsys):
    code, _ = run_cli(capsys, "paths", "--to", "Japan")
    assert code == 1


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_every_impact_command_speaks_every_format(capsys, fmt):
    for argv in (["paths"], ["concentration"], ["query", "third-country-transfers"]):
        code, out = run_cli(capsys, *argv, "--format", fmt)
        assert code == 0 and out.strip()
        if fmt == "json":
            json.loads(out)
