"""Counts of declared-yes / declared-no / not-stated lines per section, read from each document."""

from __future__ import annotations

import pytest

SECTION_COUNTS = """
PREFIX gg:   <https://w3id.org/gdprgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?section ?status (COUNT(?line) AS ?n) WHERE {
  ?line a gg:TemplateLine ; gg:about ?service ; gg:status ?s ; gg:answers/gg:templateSection ?sec .
  ?sec rdfs:label ?section . FILTER(lang(?section) = "en")
  ?s rdfs:label ?status . FILTER(lang(?status) = "en")
} GROUP BY ?section ?status
"""

S = "https://w3id.org/gdprgraph/service/"
OPS, DATA, SM, DS = (
    "processing activities",
    "categories of personal data",
    "subject-matter and duration",
    "categories of data subjects",
)

# (declared yes, declared no, not stated), counted by hand from each document.
EXPECTED = {
    "flexible-web-platform": {OPS: (11, 1, 0), DATA: (6, 2, 0), SM: (6, 5, 1), DS: (2, 0, 0)},
    "hebergement-mutualise-flexible-web-publisher": {OPS: (11, 1, 0), DATA: (7, 1, 0), SM: (8, 4, 0), DS: (2, 0, 0)},
    "flexible-contact-center": {OPS: (10, 1, 1), DATA: (4, 3, 1), SM: (7, 2, 3), DS: (2, 0, 0)},
}


@pytest.mark.parametrize("service", sorted(EXPECTED))
def test_line_counts_per_section(seed, service):
    from rdflib import URIRef

    counts: dict[str, list[int]] = {}
    for row in seed.asserted.query(SECTION_COUNTS, {"service": URIRef(S + service)}):
        slot = ["declared yes", "declared no", "not stated"].index(str(row.status))
        counts.setdefault(str(row.section), [0, 0, 0])[slot] = int(row.n)
    assert {k: tuple(v) for k, v in counts.items()} == EXPECTED[service]


STATUS = """
PREFIX gg: <https://w3id.org/gdprgraph/ontology#>
SELECT ?status WHERE { ?line gg:about ?service ; gg:answers ?item ; gg:status ?status }
"""


@pytest.mark.parametrize(
    ("service", "item", "status"),
    [
        ("flexible-contact-center", "op-transmission", "NotStated"),
        ("flexible-web-platform", "data-financial", "DeclaredNo"),
        ("hebergement-mutualise-flexible-web-publisher", "data-financial", "DeclaredYes"),
        ("flexible-web-platform", "sm-judicial-requests", "NotStated"),
        ("flexible-web-platform", "sm-customer-reporting", "DeclaredNo"),
        ("flexible-contact-center", "data-location", "DeclaredNo"),
    ],
)
def test_single_lines_as_the_documents_state_them(seed, service, item, status):
    from rdflib import URIRef

    rows = list(
        seed.asserted.query(
            STATUS, {"service": URIRef(S + service), "item": URIRef("https://w3id.org/gdprgraph/template/" + item)}
        )
    )
    assert [str(r.status).rsplit("#", 1)[1] for r in rows] == [status]


def test_fcc_sub_processors_are_communicated_separately(seed):
    query = """PREFIX gg: <https://w3id.org/gdprgraph/ontology#>
    SELECT (COUNT(?row) AS ?n) WHERE { ?row gg:about ?service ; gg:disclosure gg:CommunicatedSeparately }"""
    from rdflib import URIRef

    [row] = seed.asserted.query(query, {"service": URIRef(S + "flexible-contact-center")})
    assert int(row.n) == 4


def test_bcr_is_only_requested_and_lodged_with_the_cnil(seed):
    query = """PREFIX gg: <https://w3id.org/gdprgraph/ontology#>
    PREFIX eu: <https://w3id.org/dpv/legal/eu/gdpr#>
    SELECT ?status ?authority WHERE { ?sg gg:instrument eu:BindingCorporateRules ;
        gg:safeguardStatus ?status ; gg:lodgedWith ?authority }"""
    rows = list(seed.asserted.query(query))
    assert len(rows) == 3
    assert {str(r.status).rsplit("#")[1] for r in rows} == {"ApprovalRequested"}
    assert {str(r.authority) for r in rows} == {"https://w3id.org/gdprgraph/org/cnil"}
