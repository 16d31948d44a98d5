"""Golden tests of every named query on a small synthetic estate (tests/fixtures/queries/).

``manifest.json`` lists the cases: a query, its parameters typed the way users type them, and the
expected rows as CSV in ``expected/`` (the CSV rendering with the workspace's namespace manager).
With GDPRGRAPH_REGENERATE_GOLDEN=1 the expected files are rewritten from the current results instead
of compared. Cells built by GROUP_CONCAT are sets: the library sorts them (``# set-columns:`` in the
query header), since SPARQL leaves their order unspecified and rdflib's changes from one process to
the next (PYTHONHASHSEED).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gdprgraph import NoMatchError, Workspace, names, queries, resources
from gdprgraph.cli import main
from gdprgraph.render import render

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "queries"
EXPECTED = FIXTURE / "expected"
DATA = [
    FIXTURE / "estate.ttl",
    resources.data_dir() / "templates" / "orange-art28-template.ttl",
    resources.data_dir() / "reference" / "countries-and-adequacy.ttl",
]
REGENERATE = os.environ.get("GDPRGRAPH_REGENERATE_GOLDEN") == "1"
CASES: list[dict] = json.loads((FIXTURE / "manifest.json").read_text(encoding="utf-8"))
CATALOG = queries.catalog()
INJECTION = 'x" } ; DROP ALL ; #'
_AGGREGATE = re.compile(r'GROUP_CONCAT\((?:(?!GROUP_CONCAT).)*?separator="([^"]*)".*?\bAS\s+\?(\w+)', re.S)


@pytest.fixture(scope="module")
def estate() -> Workspace:
    """The ontology, the Orange template, the countries and the synthetic estate."""
    return Workspace(DATA)


def aggregated_columns(query: queries.NamedQuery) -> set[str]:
    """Columns a query builds with GROUP_CONCAT."""
    body = "\n".join(line for line in query.text.splitlines() if not line.startswith("#"))
    return {column for _, column in _AGGREGATE.findall(body)}


@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"]) for c in CASES])
def test_query_case_matches_its_golden_csv(estate, case):
    query = CATALOG[case["query"]]
    result = estate.run(case["query"], case["params"])
    assert result.columns == list(query.columns), "the columns the header comment documents"
    actual = render(result, "csv", estate.asserted.graph.namespace_manager) + "\n"
    golden = EXPECTED / case["expected"]
    if REGENERATE:
        golden.write_text(actual, encoding="utf-8")
    assert actual == golden.read_text(encoding="utf-8")


def test_every_aggregated_column_is_declared_a_set_and_uses_the_set_separator():
    for query in CATALOG.values():
        assert aggregated_columns(query) == set(query.set_columns), query.name
        for separator in re.findall(r'separator="([^"]*)"', query.text):
            assert separator == queries.SET_SEPARATOR, query.name
    assert set(CATALOG["legal-bases"].set_columns) == {"bases", "perDataSubject"}


def test_group_concat_cells_are_the_same_in_every_process():
    command = [
        sys.executable,
        "-m",
        "gdprgraph.cli",
        "query",
        "legal-bases",
        "--param",
        "purpose=Organise customer events",
        "--format",
        "csv",
        "--data",
        *map(str, DATA),
    ]
    outputs = {
        subprocess.run(
            command, capture_output=True, text=True, check=True, env={**os.environ, "PYTHONHASHSEED": seed}
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1, outputs


def test_manifest_is_well_formed():
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "case ids are unique"
    for case in CASES:
        assert case["query"] in CATALOG, case["id"]
        assert case["expected"] == f"{case['id']}.csv"
        known = {p.name for p in CATALOG[case["query"]].parameters}
        assert set(case["params"]) <= known, case["id"]


def test_every_public_query_has_a_case():
    assert sorted(set(CATALOG) - {c["query"] for c in CASES}) == []


def test_every_optional_parameter_is_left_out_and_given():
    for name, query in CATALOG.items():
        for param in query.parameters:
            given = [param.name in c["params"] for c in CASES if c["query"] == name]
            assert True in given, f"{name}: no case gives {param.name}"
            if param.optional:
                assert False in given, f"{name}: no case leaves {param.name} out"


def test_every_expected_file_is_used():
    on_disk = {p.name for p in EXPECTED.glob("*.csv")}
    assert on_disk == {c["expected"] for c in CASES}


NAME_PARAMETERS = [
    pytest.param(name, p.name, id=f"{name}-{p.name}")
    for name, query in CATALOG.items()
    for p in query.parameters
    if p.kind in names.KINDS
]


@pytest.mark.parametrize(("query", "param"), NAME_PARAMETERS)
def test_sparql_syntax_in_a_name_is_no_match_and_changes_nothing(estate, query, param):
    closure = CATALOG[query].inference != "none"
    before = (len(estate.asserted), len(estate.inferred) if closure else None)
    with pytest.raises(NoMatchError) as err:
        estate.run(query, {param: INJECTION})
    assert type(err.value) is NoMatchError, "not AmbiguousNameError nor any other error"
    assert INJECTION in str(err.value)
    assert (len(estate.asserted), len(estate.inferred) if closure else None) == before


def test_query_list_names_every_query(capsys):
    assert main(["query", "--list"]) == 0
    out = capsys.readouterr().out
    listed = {line.split(":")[0] for line in out.splitlines() if line and not line.startswith(" ")}
    assert listed == set(CATALOG)
