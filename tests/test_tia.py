"""Transfer impact assessments and DPIA screening on the seed and on fixtures (issue 20).

Golden files: tests/golden/tia/ (the pre-filled Markdown on the seed) and tests/golden/dpia-*.txt;
GDPRGRAPH_REGENERATE_GOLDEN=1 rewrites them on purpose.
"""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from gdprgraph import impact as impacts
from gdprgraph import paths, resources, tia
from gdprgraph.cli import main
from gdprgraph.validate import validate
from gdprgraph.workspace import Workspace

GOLDEN = Path(__file__).parent / "golden"
FIXTURE = Path(__file__).parent / "fixtures" / "assessments" / "employee-location.ttl"
REGENERATE = os.environ.get("GDPRGRAPH_REGENERATE_GOLDEN") == "1"
FCC_ROWS = [
    "https://w3id.org/gdprgraph/data/fcc-sd-sp-group-non-eea",
    "https://w3id.org/gdprgraph/data/fcc-sd-sp-supplier-non-eea",
]


def _golden(path: Path, text: str) -> None:
    if REGENERATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), path.name


def test_the_seed_hops_that_need_a_tia_are_the_undisclosed_non_eea_rows(seed):
    hops = tia.hops_needing_tia(seed)
    assert [h.hop for h in hops] == FCC_ROWS
    group, supplier = hops
    assert [(t.name, t.status) for t in group.tools] == [
        ("Binding corporate rules", "approval requested"),
        ("Standard contractual clauses", "in place"),
    ]
    assert supplier.source is not None
    assert (supplier.source.document, supplier.source.line) == (
        "flexible-contact-center.service-description.en.txt",
        719,
    )
    assert {f.kind for f in group.facts} >= {"data categories", "data subjects", "subject-matter and retention"}
    assert all(f.source is not None and f.source.line for f in group.facts)
    assert group.chains == [
        "Flexible Contact Center -> Orange Business Services -> Intra-group entities outside "
        "the EU/EEA (communicated separately) -> third country (not disclosed)"
    ]
    assert [s.status for s in tia.hop_statuses(seed)] == ["missing", "missing"]


def test_prefilled_markdown_matches_the_golden_files(tmp_path, capsys):
    assert main(["tia", "--out", str(tmp_path / "tia")]) == 0
    written = sorted(p.name for p in (tmp_path / "tia").iterdir())
    assert written == ["index.md", "tia-fcc-sd-sp-group-non-eea.md", "tia-fcc-sd-sp-supplier-non-eea.md"]
    for name in written:
        _golden(GOLDEN / "tia" / name, (tmp_path / "tia" / name).read_text(encoding="utf-8"))
    assert main(["tia", "--out", str(tmp_path / "tia")]) == 2  # never clobbers without --force
    assert "exists; add --force" in capsys.readouterr().err


def test_filters_service_and_country(capsys):
    assert main(["tia", "--service", "Flexible Web Platform"]) == 1
    assert main(["tia", "--to", "undisclosed"]) == 0
    assert main(["tia", "--to", "France"]) == 1


def _completed_sheet(tmp_path: Path, review: str) -> Path:
    sheet = tmp_path / "tia.xlsx"
    assert main(["tia", "--format", "xlsx", "--out", str(sheet)]) == 0
    book = load_workbook(sheet)
    rows = book["TIA"]
    header = [c.value for c in rows[1]]
    values = {
        "conclusion": "not essentially equivalent",
        "technical measures": "Encryption, keys held in the EU",
        "outcome": "proceed with measures",
        "assessor": "DPO office",
        "assessed on": "2026-06-01",
        "review date": review,
        "law and practice": "Public authorities' access reviewed.",
        "sources consulted": "EDPB country report; national law",
    }
    for column, value in values.items():
        rows.cell(row=2, column=header.index(column) + 1, value=value)
    book.save(sheet)
    return sheet


def test_a_completed_xlsx_sheet_imported_back_clears_missing(tmp_path, capsys):
    sheet = _completed_sheet(tmp_path, "2027-06-01")
    out = tmp_path / "tia.ttl"
    assert main(["import", "tia", str(sheet), "--out", str(out)]) == 0
    assert "row(s) 3 not completed" in capsys.readouterr().err
    ws = Workspace([*resources.default_data_files(), out])
    statuses = tia.hop_statuses(ws, as_of=datetime.date(2026, 12, 4))
    assert [(s.hop, s.status) for s in statuses] == [(FCC_ROWS[0], "ok"), (FCC_ROWS[1], "missing")]
    overdue = tia.hop_statuses(ws, as_of=datetime.date(2027, 7, 1))
    assert overdue[0].status == "overdue"
    assert [r.hop for r in tia.tias_of(ws, "https://w3id.org/gdprgraph/org/orange-business-services")] == FCC_ROWS[:1]


def test_validate_as_of_makes_the_imported_tia_overdue(tmp_path, capsys):
    sheet = _completed_sheet(tmp_path, "2027-06-01")
    out = tmp_path / "tia.ttl"
    assert main(["import", "tia", str(sheet), "--out", str(out)]) == 0
    files = [str(p) for p in [*resources.default_data_files(), out]]
    capsys.readouterr()
    main(["validate", *files, "--severity", "warning", "--as-of", "2026-12-04"])
    text = capsys.readouterr().out
    assert text.count("no transfer impact assessment is recorded") == 1
    assert "due for review" not in text
    main(["validate", *files, "--severity", "warning", "--as-of", "2027-07-01"])
    assert "due for review on 2027-06-01" in capsys.readouterr().out
    assert main(["validate", "--as-of", "tomorrow"]) == 2


def test_import_refuses_a_bad_conclusion_naming_file_and_row(tmp_path, capsys):
    sheet = tmp_path / "tia.csv"
    sheet.write_text(f"hop,conclusion,outcome,assessor\n{FCC_ROWS[0]},maybe,proceed,DPO\n", encoding="utf-8")
    assert main(["import", "tia", str(sheet)]) == 2
    err = capsys.readouterr().err
    assert str(sheet) in err and ":2" in err and "conclusion 'maybe'" in err
    sheet.write_text(
        "hop,conclusion,outcome,assessor\nhttps://example.org/nope,essentially equivalent,proceed,DPO\n",
        encoding="utf-8",
    )
    assert main(["import", "tia", str(sheet)]) == 2
    assert "is not a sub-processing engagement or row" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "args"), [("dpia-seed.txt", []), ("dpia-employee-location.txt", ["--data", str(FIXTURE)])]
)
def test_dpia_screening_golden(name, args, capsys):
    assert main(["dpia-screen", *args]) == 0
    _golden(GOLDEN / name, capsys.readouterr().out)


def test_dpia_fixture_profiling_employees_location_is_required_and_a_recorded_dpia_clears_it(capsys):
    main(["dpia-screen", "--data", str(FIXTURE)])
    out = capsys.readouterr().out
    assert "Fleet Tracker: DPIA required (3 WP248 criteria met)" in out
    assert "Fleet Tracker (assessed): DPIA required; recorded (2026-03-01" in out
    assert "Staff Directory: no DPIA required" in out
    assert "Vehicle location [fleet-tracking.en.txt §1, line 3]" in out


ONWARD = [
    Path(__file__).parent / "fixtures" / "shapes" / "base.ttl",
    Path(__file__).parent / "fixtures" / "assessments" / "onward.ttl",
]


@pytest.fixture(scope="module")
def onward() -> Workspace:
    return Workspace(ONWARD)


def test_onward_hops_need_a_tia_unless_adequacy_certification_or_a_derogation_covers_them(onward):
    hops = tia.hops_needing_tia(onward)
    assert [(h.exporter_name, h.importer_name, h.country_name) for h in hops] == [
        ("Fixture Processor SAS", "Fixture Support Services Pvt Ltd", "India"),
        ("Fixture Support Services Pvt Ltd", "Fixture Analytics LLC", "United States"),
        ("Fixture Support Services Pvt Ltd", "Fixture Support Services Bangalore", "India"),
    ]
    assert hops[2].tool_names == "Binding corporate rules (approval requested)"
    assert hops[1].chains == [
        "Fixture Hosting Service -> Fixture Processor SAS -> Fixture Support Services Pvt Ltd "
        "-> Fixture Analytics LLC -> United States"
    ]
    assert len(hops[0].chains) == 6  # every chain through the first hop, onward ones included


def test_the_map_status_and_the_missing_shape_agree(onward):
    statuses = tia.hop_statuses(onward, as_of=datetime.date(2026, 12, 4))
    assert [(s.hop.rsplit("/", 1)[-1], s.status) for s in statuses] == [
        ("eng-non-eea-supplier", "ok"),
        ("eng-onward-analytics", "missing"),
        ("eng-onward-in", "missing"),
    ]
    findings = validate(onward.asserted).findings
    flagged = {f.focus for f in findings if f.shape == "Transfer impact assessment missing"}
    assert flagged == {s.hop for s in statuses if s.status == "missing"}


def test_impact_lists_the_tias_of_an_organisation(onward, capsys):
    result = impacts.impact(onward, "Fixture Support Services Pvt Ltd")
    assert [t.hop for t in result.tias] == ["http://example.org/fixture/eng-non-eea-supplier"]
    text = impacts.as_text(result)
    assert "Transfer impact assessments (1):" in text
    assert "essentially equivalent, proceed (Fixture DPO, 2026-01-15, review 2099-12-31)" in text
    assert impacts.impact(onward, "Fixture Analytics LLC").tias == []


def test_xlsx_needs_an_out_file_and_markdown_out_is_checked_before_writing(tmp_path, capsys):
    assert main(["tia", "--format", "xlsx"]) == 2
    assert "--format xlsx needs --out" in capsys.readouterr().err
    blocker = tmp_path / "tia"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    assert main(["tia", "--out", str(blocker)]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    assert blocker.read_text(encoding="utf-8") == "a file where the folder should be"


def test_a_completed_csv_sheet_imports_like_the_xlsx_one(tmp_path, capsys):
    sheet = tmp_path / "tia.csv"
    sheet.write_text(
        "hop,transfer tool,conclusion,contractual measures,outcome,assessor,assessed on,review date\n"
        f"{FCC_ROWS[1]},Standard contractual clauses (in place),essentially equivalent,"
        "'=transparency clause,proceed,DPO office,2026-06-01,2027-06-01\n",
        encoding="utf-8",
    )
    assert main(["import", "tia", str(sheet)]) == 0
    turtle = capsys.readouterr().out
    assert "gg:assessesTransfer <https://w3id.org/gdprgraph/data/fcc-sd-sp-supplier-non-eea>" in turtle
    assert "eu-gdpr:StandardContractualClauses" in turtle and '"=transparency clause"@en' in turtle


def test_labels_from_documents_are_escaped_in_the_markdown(tmp_path, capsys):
    hostile = tmp_path / "hostile.ttl"
    text = (
        ONWARD[1]
        .read_text(encoding="utf-8")
        .replace('"Fixture Analytics LLC"', '"<img src=x onerror=alert(1)> [click](javascript:alert(1))"')
    )
    hostile.write_text(text, encoding="utf-8")
    assert main(["tia", "--data", str(ONWARD[0]), str(hostile)]) == 0
    out = capsys.readouterr().out
    assert "<img" not in out and not re.search(r"(?<!\\)\]\(javascript", out)  # no raw tag, no live link
    assert "&lt;img src=x onerror=alert(1)> \\[click\\](javascript:alert(1))" in out


def test_path_hops_carry_the_hop_the_map_marks_with_its_tia_status(seed):
    status = {s.hop: s.status for s in tia.hop_statuses(seed)}
    marked = {
        (hop.target, status[hop.hop])
        for path in paths.transfer_paths(seed.transfer_graph())
        for hop in path.hops
        if hop.hop in status
    }
    assert marked == {
        ("Intra-group entities outside the EU/EEA (communicated separately)", "missing"),
        ("Suppliers outside the EU/EEA (communicated separately)", "missing"),
    }


@pytest.mark.parametrize(("review", "mark"), [("2099-06-01", None), ("2020-06-01", "tia-overdue")])
def test_the_map_marks_hops_whose_tia_is_missing_or_overdue(tmp_path, capsys, review, mark):
    from gdprgraph import viz

    sheet = _completed_sheet(tmp_path, review)  # completes the first hop's TIA only
    out = tmp_path / "tia.ttl"
    assert main(["import", "tia", str(sheet), "--out", str(out)]) == 0
    ws = Workspace([*resources.default_data_files(), out])
    model = viz.map_model(ws, viz.MapSelection())
    seen = {}
    for row in model["rows"]:
        target = model["nodes"][row["nodes"][-2]]["label"]
        seen.setdefault(target, set()).update(m for m in row["marks"] if m.startswith("tia-"))
    first, second = (label for label in sorted(seen) if "outside the EU/EEA" in label)
    assert seen[first] == ({mark} if mark else set()) and seen[second] == {"tia-missing"}
    assert all(not marks for label, marks in seen.items() if label not in (first, second))
    legend = {model["styles"]["marks"][m]["label"] for marks in seen.values() for m in marks}
    assert "no TIA" in legend
