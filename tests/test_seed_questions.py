"""The questions of what the documents hold but no query asked (issue 17): data-subject rights,
indirect sources (Art. 14(2)(f)), service features and contact points, on the seed graph.

Each query runs with no parameter and with one typical parameter, and its rows are compared to a
golden CSV in tests/golden/ (``seed-<query>[--<case>].csv``, the rendering of the query catalog
test). With GDPRGRAPH_REGENERATE_GOLDEN=1 the golden files are rewritten instead of compared: read
every row against data/sources/ before accepting them. One CLI test per query.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from gdprgraph.cli import main
from gdprgraph.render import render

GOLDEN = Path(__file__).resolve().parent / "golden"
REGENERATE = os.environ.get("GDPRGRAPH_REGENERATE_GOLDEN") == "1"
ORANGE_PRO = "orange-pro-cgv-and-privacy-policy.fr.txt"
OBS = "obs-website-privacy-notice-and-charter.en.txt"
FCC = "flexible-contact-center.service-description.en.txt"
TOURCOING = "Orange Business Services, Gestion des données personnelles, CS 30380, 59203 Tourcoing cedex, France"

CASES = [
    ("rights", None, {}),
    ("rights", "access", {"right": "access"}),
    ("indirect-sources", None, {}),
    ("indirect-sources", "orange", {"org": "Orange SA"}),
    ("service-features", None, {}),
    ("service-features", "flexible-contact-center", {"service": "Flexible Contact Center"}),
    ("contact-points", None, {}),
    ("contact-points", "orange-business-services", {"org": "Orange Business Services"}),
]


def golden_name(query: str, case: str | None) -> str:
    return f"seed-{query}{f'--{case}' if case else ''}.csv"


def rows(seed, query: str, params: dict[str, str]) -> list[dict[str, str]]:
    """The rows as the CSV renders them (cells as text)."""
    text = render(seed.run(query, params), "csv", seed.asserted.graph.namespace_manager)
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize(("query", "case", "params"), [pytest.param(*c, id=golden_name(c[0], c[1])) for c in CASES])
def test_question_on_the_seed_matches_its_golden_csv(seed, query, case, params):
    actual = render(seed.run(query, params), "csv", seed.asserted.graph.namespace_manager) + "\n"
    golden = GOLDEN / golden_name(query, case)
    if REGENERATE:
        golden.write_text(actual, encoding="utf-8")
    assert actual == golden.read_text(encoding="utf-8")


# -- what the rows must say, read against the documents ---------------------------------------------


def test_orange_pro_answers_within_one_month_of_receipt_which_may_be_extended(seed):
    access = [r for r in rows(seed, "rights", {"right": "droit d'accès"}) if r["document"] == ORANGE_PRO]
    assert len(access) == 1
    row = access[0]
    assert (row["line"], row["controllerName"]) == ("400", "Orange SA")
    assert (row["responseTime"], row["responsePeriod"], row["responseFrom"]) == (
        "un (1) mois",
        "P1M",
        "réception de la demande",
    )
    assert row["responseExtension"].startswith("En cas de complexité de la demande, ce délai peut être allongé")
    # the four addresses of article 9, each with whom it is for
    bordeaux = "Orange Service Clients, Gestion des données personnelles, 33732 Bordeaux Cedex 9"
    assert f"Offres Grand Public — post: {bordeaux}" in row["howToExercise"]
    assert row["howToExercise"].count("Montauban") == 2


def test_the_charter_rights_are_exercised_by_letter_to_tourcoing(seed):
    charter = [
        r
        for r in rows(seed, "rights", {"org": "Orange Business Services"})
        if r["policyName"].startswith("Orange Business Services Charter")
    ]
    assert {r["line"] for r in charter} == {"31", "45"}
    assert {r["howToExercise"] for r in charter} == {f"post: {TOURCOING}"}
    assert all(r["responseTime"] == "" for r in charter), "the charter states no response time"


def test_the_website_notice_rights_point_to_each_service_gcu_not_to_an_address(seed):
    notice = [
        r for r in rows(seed, "rights", {}) if r["policyName"] == "Orange Business Services website privacy notice"
    ]
    assert {r["line"] for r in notice} == {"1", "5"}
    assert all(r["howToExercise"] == "" for r in notice)


def test_a_complaint_goes_to_the_cnil_not_to_orange(seed):
    complaint = [r for r in rows(seed, "rights", {}) if r["rightName"].startswith("Right to lodge a complaint")]
    assert len(complaint) == 1
    assert complaint[0]["howToExercise"] == "complaint to CNIL (supervisory authority)"
    assert (complaint[0]["responseTime"], complaint[0]["line"]) == ("", "448")


def test_the_dpo_email_lines_of_the_charter_are_kept_with_no_address(seed):
    by_line = {r["line"]: r for r in rows(seed, "contact-points", {"org": "Orange Business Services"})}
    for line in ("62", "63"):
        assert (by_line[line]["postalAddress"], by_line[line]["email"]) == ("", "")
        assert "address not given" in by_line[line]["contactPoint"]
    assert by_line["65"]["dataProtectionOfficer"] == "yes" and by_line["65"]["country"] == "Belgium"


def test_indirect_sources_are_the_four_of_article_1(seed):
    found = rows(seed, "indirect-sources", {})
    assert [r["line"] for r in found] == ["171", "172", "173", "174"]
    assert found[1]["lawfulBases"] == "Art. 6(1)(c) legal obligation; Art. 6(1)(f) legitimate interests"
    assert found[0]["dataCategories"] == "Informations issues des cookies et traceurs"


# -- one command per question ------------------------------------------------------------------------


def run_cli(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_cli_rights_of_access_lists_both_controllers_documents(capsys):
    code, out = run_cli(capsys, "query", "rights", "--param", "right=access", "--format", "json")
    assert code == 0
    found = json.loads(out)["rows"]
    assert {r["document"] for r in found} == {ORANGE_PRO, OBS}
    assert {r["rightName"] for r in found} == {"Right of access (Art. 15)"}
    assert sorted(r["line"] for r in found) == [1, 5, 45, 400]


def test_cli_indirect_sources_of_orange(capsys):
    code, out = run_cli(capsys, "query", "indirect-sources", "--param", "org=Orange SA", "--format", "csv")
    assert code == 0
    found = list(csv.DictReader(io.StringIO(out)))
    assert [r["source"] for r in found] == [
        "Cookies et traceurs déposés ou lus sur votre terminal",
        "Sources provenant de partenaires : fournisseurs de données, organismes de prévention de la fraude, "
        "organismes de gestion des impayés",
        "Sources provenant de partenaires sur la base de votre consentement",
        "Sources en libre accès",
    ]
    assert found[2]["lawfulBases"] == "Art. 6(1)(a) consent"


def test_cli_service_features_of_the_contact_center(capsys):
    code, out = run_cli(capsys, "query", "service-features", "--param", "service=FCC", "--format", "csv")
    assert code == 0
    found = {r["line"]: r for r in csv.DictReader(io.StringIO(out))}
    assert {r["document"] for r in found.values()} == {FCC}
    assert (found["326"]["offering"], found["326"]["channels"], found["326"]["retention"]) == (
        "standard",
        "email",
        "for a period of 12 months (P1Y)",
    )
    assert (found["447"]["offering"], found["447"]["retention"]) == ("optional", "for a period of 24 months (P2Y)")
    assert found["78"]["channels"] == "chat; email"


def test_cli_contact_points_table_names_the_officers(capsys):
    code, out = run_cli(capsys, "query", "contact-points", "--param", "org=Orange Business Services")
    assert code == 0
    assert "Global Data Protection Officer" in out and "Data Protection Officer, France" in out
    assert "Tourcoing" in out and out.rstrip().endswith("(5 rows)")
