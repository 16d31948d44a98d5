"""Retention tells the whole rule: whose data, the period as worded and parsed, the event, any
condition and what may extend it (orange-pro-cgv-and-privacy-policy.fr.txt, article 3)."""

from __future__ import annotations

from gdprgraph.cli import main


def _rows(seed, category: str) -> list[dict[str, str]]:
    result = seed.run("retention", {"category": category})
    return [{k: "" if v is None else str(v) for k, v in row.items()} for row in result.rows]


def test_the_same_data_kept_three_or_five_years_says_for_whom(seed):
    rows = _rows(seed, "relation commerciale")
    by_subject = {r["dataSubjects"]: (r["period"], r["periodAsWorded"], r["trigger"], r["line"]) for r in rows}
    assert by_subject == {
        "Clients d'une offre résidentielle": ("P3Y", "trois (3) ans", "fin de la relation commerciale", "327"),
        "Clients d'une offre entreprise": ("P5Y", "cinq (5) ans", "fin de la relation commerciale", "327"),
        # the document gives no unit: no parsed period, two start events joined by "ou"
        "Prospects": ("", "trois (3)", "collecte des données; dernier contact émanant du prospect", "327"),
    }


def test_a_period_the_policy_says_may_be_extended_is_no_maximum(seed):
    rows = {r["periodAsWorded"]: r for r in _rows(seed, "gestion des impayés")}
    unpaid = rows["jusqu'à cinquante-six (56) mois"]
    assert unpaid["period"] == "P4Y8M" and unpaid["condition"] == "en cas de non-paiement"
    assert unpaid["maximum"] == "no, may be extended"
    assert unpaid["extension"].startswith("durée éventuellement prolongée d'un délai correspondant")
    assert unpaid["extension"].endswith("fichier du GIE Préventel (line 333)")
    paid = rows["quarante-huit (48) heures"]
    assert paid["maximum"] == "" and paid["extension"] == ""


def test_a_plain_maximum_stays_a_maximum(seed):
    rows = {r["periodAsWorded"]: r for r in _rows(seed, "Profil, scores et segmentation Client")}
    assert (rows["jusqu'à deux (2) ans"]["maximum"], rows["jusqu'à deux (2) ans"]["extension"]) == ("yes", "")


def test_the_controller_record_carries_contact_dpo_whose_data_and_extension(capsys, tmp_path):
    out = tmp_path / "controller.csv"
    assert main(["export", "ropa", "--role", "controller", "--out", str(out)]) == 0
    import csv

    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    unpaid = next(r for r in rows if r["purpose"] == "Gérer les impayés")
    assert (
        "Offres Grand Public: Orange Service Clients, Gestion des données personnelles, 33732 Bordeaux Cedex 9"
        in unpaid["controllerContact"]
    )
    assert unpaid["dataProtectionOfficer"].startswith("Délégué à la Protection des Données personnelles d'Orange: ")
    assert "may be extended: durée éventuellement prolongée" in unpaid["erasureTimeLimits"]
    charter = next(r for r in rows if r["policy"].startswith("Orange Business Services Charter"))
    # rights are exercised by letter to Tourcoing; the DPOs are in their own column, with their addresses
    assert (
        charter["controllerContact"]
        == "Orange Business Services, Gestion des données personnelles, CS 30380, 59203 Tourcoing cedex, France"
    )
    assert (
        "Global Data Protection Officer: Orange Business Services, 3 avenue du Bourget"
        in charter["dataProtectionOfficer"]
    )
