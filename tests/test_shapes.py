"""Every SHACL rule has a fixture that conforms and a fixture that breaks exactly that rule.

A rule is a node shape of ontology/shapes/ with a ``sh:name`` and a target (helpers used through
``sh:node``, such as ``ggsh:WellFormedDurationShape``, have no target and are not rules). The
fixtures live in tests/fixtures/shapes/: ``base.ttl`` is a small record that conforms to every
shape (no finding of any severity), and for each rule ``<ShapeLocalName>.conforms.ru`` and
``<ShapeLocalName>.breaks.ru`` are SPARQL Updates applied to it. The conforming update exercises
the rule and must yield no finding at all; the breaking one must yield at least one finding, every
one of them from that rule. A new shape without its two fixtures fails this module.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import RDF
from rdflib.namespace import SH

from gdprgraph import resources
from gdprgraph.store import DatasetGraph, MemoryGraph
from gdprgraph.store.oxigraph import OxigraphDataset
from gdprgraph.validate import Finding, shapes_graph, validate

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shapes"
BASE = FIXTURES / "base.ttl"
KINDS = ("conforms", "breaks")
ASSERTED = "urn:gdprgraph:test:asserted"
TARGETS = (SH.targetClass, SH.target, SH.targetObjectsOf, SH.targetSubjectsOf)

# Shapes are parsed once for the module: to find the rules and to validate every case.
SHAPES = shapes_graph()

# (rule local name, kind) -> why the shape itself is wrong; such a case runs as a strict xfail.
KNOWN_SHAPE_PROBLEMS: dict[tuple[str, str], str] = {}


def _local_name(iri: object) -> str:
    return str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _rules() -> dict[str, str]:
    """Local name -> sh:name of every node shape that has a name and a target."""
    rules = {}
    for shape in set(SHAPES.subjects(RDF.type, SH.NodeShape)):
        name = SHAPES.value(shape, SH.name)
        if name is not None and any(SHAPES.value(shape, target) is not None for target in TARGETS):
            rules[_local_name(shape)] = str(name)
    return rules


RULES = _rules()


def _cases() -> list:
    cases = []
    for rule in sorted(RULES):
        for kind in KINDS:
            reason = KNOWN_SHAPE_PROBLEMS.get((rule, kind))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            cases.append(pytest.param(rule, kind, id=f"{rule}.{kind}", marks=marks))
    return cases


def _describe(findings: list[Finding]) -> list[str]:
    return [f"{f.severity} [{f.shape}] {f.message} (focus {f.focus})" for f in findings]


@pytest.fixture(scope="module", params=["sparql", pytest.param("pyshacl", marks=pytest.mark.slow)])
def findings(request: pytest.FixtureRequest) -> Callable[[Path | None], list[Finding]]:
    """Findings of base.ttl after an update (None: base alone), each case validated once: with the
    default engine (the shapes compiled to SPARQL, on Oxigraph) and, in the slow run, with pyshacl
    (tests/test_shacl_sparql.py compares the two rule by rule on these fixtures)."""
    base = MemoryGraph()
    base.load_files([*resources.ontology_files(), *sorted((resources.data_dir() / "reference").glob("*.ttl")), BASE])
    results: dict[Path | None, list[Finding]] = {}

    def run(update: Path | None) -> list[Finding]:
        if update not in results:
            graph = base.copy()
            if update is not None:
                graph.graph.update(update.read_text(encoding="utf-8"))
            if request.param == "sparql":
                store = DatasetGraph(OxigraphDataset(), [ASSERTED])
                store.dataset.insert(graph.graph, ASSERTED)
                results[update] = validate(store, shapes=SHAPES, engine="sparql").findings
            else:
                results[update] = validate(graph, shapes=SHAPES, engine="pyshacl").findings
        return results[update]

    return run


def test_rules_are_found_in_the_shapes():
    assert RULES
    assert "WellFormedDurationShape" not in RULES  # a helper (sh:node), not a rule


def test_every_rule_has_a_fixture_pair_and_every_fixture_a_rule():
    on_disk: dict[str, set[str]] = {kind: set() for kind in KINDS}
    strays = []
    for path in sorted(FIXTURES.glob("*.ru")):
        stem, _, kind = path.name.removesuffix(".ru").rpartition(".")
        if kind in on_disk:
            on_disk[kind].add(stem)
        else:
            strays.append(path.name)
        assert path.read_text(encoding="utf-8").startswith("#"), f"{path.name}: starts with no comment"
    assert strays == []
    for kind in KINDS:
        assert sorted(set(RULES) - on_disk[kind]) == [], f"rules without a .{kind}.ru fixture"
        assert sorted(on_disk[kind] - set(RULES)) == [], f".{kind}.ru fixtures for no rule"


def test_base_record_has_no_findings(findings):
    assert _describe(findings(None)) == []


@pytest.mark.parametrize(("rule", "kind"), _cases())
def test_rule_fixture(rule, kind, findings):
    update = FIXTURES / f"{rule}.{kind}.ru"
    assert update.is_file(), f"missing fixture {update.name}"
    result = findings(update)
    if kind == "conforms":
        assert _describe(result) == []
    else:
        assert result, f"{update.name} breaks nothing"
        assert {f.shape for f in result} == {RULES[rule]}, _describe(result)


def test_a_processing_country_elsewhere_leaves_the_missing_assessment_found(findings, tmp_path):
    """The hop whose country is its sub-processor's own (no country of processing given) stays a
    target of MissingTransferImpactAssessmentShape when another engagement of the estate names a
    country of processing: the fallback branch tests the absence on this engagement, not on any."""
    breaks = (FIXTURES / "MissingTransferImpactAssessmentShape.breaks.ru").read_text(encoding="utf-8")
    update = tmp_path / "tia-elsewhere.ru"
    update.write_text(breaks + " ;\nINSERT DATA { fx:eng-eu-supplier gg:processingCountry loc:FR }\n", encoding="utf-8")
    found = findings(update)
    assert [(f.shape, f.focus) for f in found] == [
        (RULES["MissingTransferImpactAssessmentShape"], "http://example.org/fixture/eng-non-eea-supplier")
    ], _describe(found)
