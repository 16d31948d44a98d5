"""One vocabulary, one display name, a typed transfer basis and typed impact and path records (issue 21,
item 3), on the seed and on the synthetic estate of tests/fixtures/queries/.

The JSON of ``paths`` and ``impact`` is a contract: tests/golden/paths-all-estate.json and
impact-cloudco-estate.json were written by the commit before the records became dataclasses.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from rdflib import RDFS, SKOS, Graph, Literal, URIRef

from gdprgraph import Workspace, names, resources, transfers
from gdprgraph.basis import NO_BASIS, Basis, Kind, kinds_of
from gdprgraph.cli import main
from gdprgraph.labels import best, display_name
from gdprgraph.paths import UNDISCLOSED_COUNTRY, UNSTATED_SUBJECTS, build
from gdprgraph.vocabulary import GG

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
REGENERATE = os.environ.get("GDPRGRAPH_REGENERATE_GOLDEN") == "1"
ESTATE = [
    Path(__file__).resolve().parent / "fixtures" / "queries" / "estate.ttl",
    resources.data_dir() / "templates" / "orange-art28-template.ttl",
    resources.data_dir() / "reference" / "countries-and-adequacy.ttl",
]
EX = "http://example.org/x/"


@pytest.fixture(scope="module")
def seed() -> Workspace:
    return Workspace()


@pytest.fixture(scope="module")
def estate() -> Workspace:
    return Workspace(ESTATE)


# -- vocabulary -------------------------------------------------------------------------------------


def test_no_module_but_vocabulary_defines_a_namespace_or_spells_one_of_its_iris():
    spelled = re.compile(r"Namespace\(|[\"']https://w3id\.org/(gdprgraph|dpv)")
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "gdprgraph").rglob("*.py"))
        if path.name != "vocabulary.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if spelled.search(line)
    ]
    assert found == []


def test_the_ontology_namespace_is_the_one_the_ontology_files_declare():
    declared = set()
    for path in resources.ontology_files():
        graph = Graph().parse(path)
        declared |= {str(ns) for prefix, ns in graph.namespaces() if prefix == "gg"}
    assert declared == {str(GG)}


# -- display names ----------------------------------------------------------------------------------


def test_display_name_prefers_english_then_untagged_then_any_language_then_the_local_name():
    g = Graph()
    node, other, bare = URIRef(EX + "a"), URIRef(EX + "b"), URIRef(EX + "ns#Bare")
    g.add((node, SKOS.prefLabel, Literal("Gestion des données", lang="fr")))
    g.add((node, RDFS.label, Literal("Data management", lang="en")))  # English wins over a French prefLabel
    g.add((other, RDFS.label, Literal("Zeta")))
    g.add((other, SKOS.prefLabel, Literal("Alpha", lang="de")))  # untagged before another language
    assert display_name(g, node) == "Data management"
    assert display_name(g, other) == "Zeta"
    assert display_name(g, bare) == "Bare"
    assert display_name(g, bare, "given default") == "given default"


def test_names_without_language_keep_preferred_first():
    assert names.display_name([("zeta", True), ("alpha", False)]) == "zeta"
    assert names.display_name([("zeta", False), ("alpha", False)]) == "alpha"
    assert best([]) is None


def test_the_transfer_graph_names_every_node_as_display_name_does(seed, estate):
    """paths ranks the rows of one query for the whole graph; display_name reads one node: same rule."""
    for ws in (seed, estate):
        tg = build(ws.asserted)
        named = [
            n
            for n, kind in tg.graph.nodes(data="kind")
            if kind not in ("country", "undisclosed") and n not in (UNSTATED_SUBJECTS, UNDISCLOSED_COUNTRY)
        ]
        assert named
        assert {n: tg.label(n) for n in named} == {n: display_name(ws.asserted, URIRef(n), n) for n in named}


# -- the transfer basis -----------------------------------------------------------------------------


def test_every_hop_to_an_importer_carries_one_basis_built_by_the_transfer_graph(seed, estate):
    seen = set()
    for ws in (seed, estate):
        for _, _, data in ws.transfer_graph().graph.edges(data=True):
            basis = data["basis"]
            assert isinstance(basis, Basis) and str(basis) == basis.text
            if not data["relation"].startswith("engages"):
                assert basis.grounds is None and not basis.missing and basis.kinds == ()
                continue
            assert basis.grounds is not None
            assert basis.kinds == kinds_of(basis.text, basis.missing)
            assert basis.missing == (basis.text.startswith(NO_BASIS) or basis.country_unknown)
            assert (Kind.NONE in basis.kinds) == basis.missing
            seen.add((basis.missing, bool(basis.grounds.in_place)))
    assert seen == {(True, False), (False, True), (False, False)}, "missing, on a safeguard, on adequacy"


def test_transfers_read_their_kinds_from_the_basis(seed, estate):
    rows = transfers.third_country_transfers(seed) + transfers.third_country_transfers(estate)
    assert rows and any(t.missing_basis for t in rows) and not all(t.missing_basis for t in rows)
    for t in rows:
        assert t.kinds == t.basis.kinds and t.missing_basis == t.basis.missing
        assert t.missing_basis == (str(t.basis).startswith("NO BASIS") or t.basis.country_unknown)
    assert transfers.BASIS_KINDS == ("adequacy", "DPF", "SCC", "BCR", "derogation", "other", "NO BASIS")


def test_kinds_of_the_words_of_a_basis():
    assert kinds_of("Standard contractual clauses (in place); adequacy decision (Japan)", False) == (
        Kind.ADEQUACY,
        Kind.SCC,
    )
    assert kinds_of("NO BASIS (Binding corporate rules only requested)", True) == (Kind.NONE,)
    assert kinds_of("Art. 49(1)(a) explicit consent", False) == (Kind.DEROGATION,)
    assert kinds_of("within the EU/EEA", False) == (Kind.OTHER,)


# -- records: the JSON is unchanged ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "golden"),
    [
        (["paths", "--to", "all", "--format", "json"], "paths-all-estate.json"),
        (["impact", "CloudCo", "--format", "json"], "impact-cloudco-estate.json"),
    ],
)
def test_paths_and_impact_json_match_their_golden_files(capsys, argv, golden):
    assert main([*argv, "--data", *map(str, ESTATE)]) == 0
    out = capsys.readouterr().out
    if REGENERATE:
        (GOLDEN / golden).write_text(out, encoding="utf-8")
    assert out == (GOLDEN / golden).read_text(encoding="utf-8")


def test_impact_records_are_typed_and_give_the_json(estate):
    from gdprgraph import impact as impacts

    result = impacts.impact(estate, "CloudCo")
    assert [s.how for s in result.services] == ["sub-processor"]
    assert result.paths and all(p.country == p.chain[-1] for p in result.paths)
    record = result.paths[0].to_json()
    assert list(record) == ["chain", "country", "zone", "missing_basis", "hops"]
    assert list(record["hops"][0]) == [
        "source",
        "target",
        "relation",
        "basis",
        "missing_basis",
        "document",
        "line",
        "hop",
    ]
    assert json.loads(json.dumps(result.to_json()))["summary"] == result.summary()
    with pytest.raises(AttributeError):
        result.name = "changed"  # type: ignore[misc]


def test_known_terms_are_rdflibs_terms_and_refuse_a_name_the_namespace_does_not_define():
    from rdflib.namespace import SH

    from gdprgraph.vocabulary import SH_TERMS

    assert SH_TERMS.focusNode == SH.focusNode and SH_TERMS.focusNode is SH_TERMS.focusNode  # kept once read
    with pytest.raises(AttributeError):
        SH_TERMS.focusNodee  # noqa: B018 - a typo fails as with rdflib's SH
