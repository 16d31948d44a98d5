"""`gdprgraph export`: the Article 30 records (CSV golden files, XLSX) and the graph in machine formats."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
import rdflib
from openpyxl import load_workbook
from rdflib.compare import isomorphic

from gdprgraph import resources, ropa
from gdprgraph.cli import main
from gdprgraph.export import context, serialize

GOLDEN = Path(__file__).resolve().parent / "golden"
REGENERATE = os.environ.get("GDPRGRAPH_REGENERATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def records(seed) -> dict[str, ropa.Record]:
    return {record.role: record for record in ropa.records(seed)}


@pytest.mark.parametrize("role", ropa.ROLES)
def test_ropa_csv_matches_its_golden_file(seed, role, tmp_path):
    out = tmp_path / f"ropa-{role}.csv"
    assert main(["export", "ropa", "--role", role, "--out", str(out)]) == 0
    actual = out.read_text(encoding="utf-8")
    golden = GOLDEN / f"ropa-{role}.csv"
    if REGENERATE:
        golden.write_text(actual, encoding="utf-8")
    assert actual == golden.read_text(encoding="utf-8")


def test_ropa_csv_to_stdout_is_the_same(capsys, tmp_path):
    assert main(["export", "ropa", "--role", "controller"]) == 0
    assert capsys.readouterr().out == (GOLDEN / "ropa-controller.csv").read_text(encoding="utf-8")


def test_processor_record_has_one_row_per_service_and_controller(records):
    rows = [dict(zip(records["processor"].columns, row, strict=True)) for row in records["processor"].rows]
    assert [(r["service"], r["controller"]) for r in rows] == [
        ("Flexible Contact Center", "Customer"),
        ("Flexible Web Platform", "Customer"),
        ("Hébergement Mutualisé, version Flexible Web Publisher", "Customer"),
    ]
    fcc, fwp, _ = rows
    assert "Standard contractual clauses (in place)" in fcc["thirdCountryTransfers"]
    assert "Transmission" not in fcc["processingOperations"]  # not stated in its Exhibit A
    assert "Platform.sh (France)" in fwp["subProcessors"]
    assert "Global Data Protection Officer: Orange Business Services" in fwp["dataProtectionOfficer"]
    assert all(r["processor"] == "Orange Business Services" and r["processorContact"] for r in rows)


def test_controller_record_has_one_row_per_purpose(records):
    rows = [dict(zip(records["controller"].columns, row, strict=True)) for row in records["controller"].rows]
    assert len(rows) == 73
    flux = next(r for r in rows if r["purpose"] == "Utilisation de données anonymes - Flux vision")
    assert flux["dataSubjects"] == "Utilisateurs du réseau mobile Orange"
    billing = next(r for r in rows if r["purpose"] == "Facturer et encaisser les paiements")
    assert billing["lawfulBases"] == "Art. 6(1)(b) contract"
    assert billing["controller"] == "Orange SA" and billing["recipients"] and billing["erasureTimeLimits"]


def test_xlsx_has_a_sheet_per_role_with_the_csv_cells(records, tmp_path):
    out = tmp_path / "ropa.xlsx"
    assert main(["export", "ropa", "--out", str(out)]) == 0
    book = load_workbook(out)
    assert book.sheetnames == [ropa.SHEET_TITLES[role] for role in ropa.ROLES]
    for role in ropa.ROLES:
        sheet = book[ropa.SHEET_TITLES[role]]
        cells = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
        expected = list(csv.reader(io.StringIO((GOLDEN / f"ropa-{role}.csv").read_text(encoding="utf-8"))))
        assert cells == expected
        assert all(cell.font.bold for cell in sheet[1])
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == sheet.dimensions
        assert all(sheet.column_dimensions[c.column_letter].width > 0 for c in sheet[1])


def test_ropa_usage_errors(tmp_path):
    assert main(["export", "ropa", "--format", "csv"]) == 2  # a CSV holds one role
    assert main(["export", "ropa"]) == 2  # xlsx needs --out
    with pytest.raises(SystemExit) as err:
        main(["export", "ropa", "--format", "pdf"])
    assert err.value.code == 2


def test_jsonld_round_trips_to_the_turtle_export(seed):
    jsonld = rdflib.Graph().parse(data=serialize(seed.asserted.graph, "jsonld"), format="json-ld")
    turtle = rdflib.Graph().parse(data=serialize(seed.asserted.graph, "turtle"), format="turtle")
    assert len(jsonld) == len(seed.asserted)
    assert isomorphic(jsonld, turtle)


def test_jsonld_has_the_fixed_context_and_stable_text(seed, tmp_path, capsys):
    first, second = tmp_path / "a.jsonld", tmp_path / "b.jsonld"
    assert main(["export", "graph", "--format", "jsonld", "--out", str(first)]) == 0
    assert main(["export", "graph", "--format", "jsonld", "--out", str(second)]) == 0
    assert first.read_text(encoding="utf-8") == second.read_text(encoding="utf-8")
    document = json.loads(first.read_text(encoding="utf-8"))
    fixed = json.loads(resources.jsonld_context().read_text(encoding="utf-8"))["@context"]
    assert document["@context"] == fixed == context()
    assert {
        "gg",
        "ggd",
        "ggo",
        "ggs",
        "ggt",
        "ggdoc",
        "ggr",
        "dpv",
        "pd",
        "eu-gdpr",
        "loc",
        "legal-eu",
        "rdf",
        "rdfs",
        "owl",
        "skos",
        "xsd",
        "dcterms",
        "prov",
    } <= set(fixed)
    ids = [node["@id"] for node in document["@graph"]]
    assert ids == sorted(ids)


def test_nt_is_sorted_and_complete(seed):
    text = serialize(seed.asserted.graph, "nt")
    lines = text.splitlines()
    assert lines == sorted(lines) and len(lines) == len(seed.asserted)


def test_inferred_export_adds_triples(seed, tmp_path):
    asserted, inferred = tmp_path / "asserted.nt", tmp_path / "inferred.nt"
    assert main(["export", "graph", "--format", "nt", "--out", str(asserted)]) == 0
    assert main(["export", "graph", "--format", "nt", "--inferred", "--out", str(inferred)]) == 0
    small = rdflib.Graph().parse(asserted, format="nt")
    large = rdflib.Graph().parse(inferred, format="nt")
    assert len(large) > len(small)
    assert len(small) == len(seed.asserted)


def test_out_is_written_atomically(tmp_path, monkeypatch):
    out = tmp_path / "graph.ttl"
    out.write_text("previous", encoding="utf-8")

    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    assert main(["export", "graph", "--out", str(out), "--force"]) == 2  # one line, no traceback
    assert out.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.ttl"]  # no temporary file left behind
    monkeypatch.undo()
    assert main(["export", "graph", "--out", str(out)]) == 2  # it exists: --force to replace it
    assert main(["export", "graph", "--out", str(out), "--force"]) == 0
    assert rdflib.Graph().parse(out, format="turtle")


def test_bad_graph_format_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as err:
        main(["export", "graph", "--format", "rdfxml"])
    assert err.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
