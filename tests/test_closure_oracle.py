"""The in-store OWL 2 RL rules compute owlrl's closure, triple by triple.

tests/test_inference_engines.py compares the two engines through query answers; here their closures
are compared as graphs (``rdflib.compare.isomorphic``: the ontology's property chains are RDF lists,
whose blank nodes differ between the two stores):

- for each rule file of ontology/rules/owl-rl/, a fixture of tests/fixtures/owl-rl/ that exercises
  it (``NAME.ttl``, with ``NAME.expected.ttl``: triples the closure must hold). The fixture is
  closed on its own, without the ontology, so that the two closures hold only what the rule and its
  neighbours derive from it (``Workspace([fixture])`` would add the ontology and reference data:
  about 20 s of owlrl per fixture). Each test also drops its rule file and checks that the in-store
  closure then lacks every expected triple: the fixture needs that rule.
- the whole closure of the seed graph and of a generated estate (ontology, reference data and data).

owlrl implements all of OWL 2 RL; the in-store rules implement the part our ontology uses (reason.py
refuses the other axioms). ``supported`` removes from a closure the inferred triples of the rules
the project does not run, listed in ``UNSUPPORTED``; it is applied to both closures, and the
in-store one must hold none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import rdflib
from rdflib import OWL, RDF, RDFS, XSD
from rdflib.compare import isomorphic
from rdflib.term import Node

from gdprgraph import Workspace, reason, resources
from gdprgraph.store import DatasetGraph, Generation, KnowledgeGraph, MemoryGraph
from gdprgraph.store.oxigraph import OxigraphDataset

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "owl-rl"

Triple = tuple[Node, Node, Node]

#: OWL 2 RL rules owlrl runs and the in-store rules do not, as the inferred triples they give
#: (their consequences for instances, which the queries read, come from the rules we run)
UNSUPPORTED: dict[str, Callable[[Triple], bool]] = {
    # eq-ref: every resource is the same as itself (no owl:sameAs is allowed in the data)
    "eq-ref": lambda t: t[1] == OWL.sameAs and t[0] == t[2],
    # scm-cls, scm-op, scm-dp: the parts other than "c rdfs:subClassOf c" and "p rdfs:subPropertyOf p"
    "scm-cls (equivalence, owl:Thing, owl:Nothing)": lambda t: (
        (t[1] in (OWL.equivalentClass, OWL.equivalentProperty) and t[0] == t[2])
        or (t[1] == RDFS.subClassOf and (t[2] == OWL.Thing or t[0] == OWL.Nothing))
        or (t[1] == RDF.type and t[2] == OWL.Class and t[0] in (OWL.Thing, OWL.Nothing))
    ),
    # cls-thing and typing everything as owl:Thing
    "owl:Thing membership": lambda t: t[1] == RDF.type and t[2] == OWL.Thing,
    # scm-dom1, scm-dom2, scm-rng1, scm-rng2: domains and ranges widened along the hierarchies
    # (the instances get those classes from prp-dom / prp-rng then cax-sco)
    "scm-dom, scm-rng": lambda t: t[1] in (RDFS.domain, RDFS.range),
    # owlrl's own vocabulary: datatypes (dt-type1, dt-diff) and annotation properties
    "datatypes and annotation properties": lambda t: (
        (t[1] == RDF.type and t[2] in (RDFS.Datatype, OWL.AnnotationProperty))
        or (t[1] == OWL.disjointWith and str(t[0]).startswith(str(XSD)))
    ),
}


def unsupported(triple: Triple) -> str | None:
    """The name of the unsupported rule that gives this triple, if any."""
    return next((name for name, test in UNSUPPORTED.items() if test(triple)), None)


def supported(closure: rdflib.Graph, asserted: set[Triple]) -> rdflib.Graph:
    """The closure without the inferred triples of the rules in UNSUPPORTED."""
    kept = rdflib.Graph()
    for triple in closure:
        if triple in asserted or unsupported(triple) is None:
            kept.add(triple)
    return kept


def owlrl_closure(files: list[Path]) -> tuple[rdflib.Graph, set[Triple]]:
    """The reference: our rules, then owlrl, over the files alone (reason.infer); and the asserted triples."""
    graph = MemoryGraph()
    graph.load_files(files)
    return reason.infer(graph).graph, set(graph.graph)


def in_store_closure(files: list[Path]) -> rdflib.Graph:
    """Our rules, then the OWL RL rules, inside an in-memory Oxigraph store (reason.infer_in_store)."""
    generation = Generation.new("")
    asserted = DatasetGraph(OxigraphDataset(), [generation.asserted])
    asserted.load_files(files)
    return reason.infer_in_store(asserted, generation.inferred).to_rdflib()


def assert_same_closure(reference: rdflib.Graph, asserted: set[Triple], in_store: rdflib.Graph) -> rdflib.Graph:
    """The two closures, restricted to the supported rules, are isomorphic; return the restricted reference."""
    ours = [(unsupported(t), t) for t in in_store if t not in asserted and unsupported(t)]
    assert not ours, f"the in-store rules derive what UNSUPPORTED filters out: {ours[:5]}"
    expected = supported(reference, asserted)
    if not isomorphic(expected, in_store):
        missing = sorted(set(expected) - set(in_store), key=str)
        extra = sorted(set(in_store) - set(expected), key=str)
        named = [t for t in missing + extra if not any(isinstance(term, rdflib.BNode) for term in t)]
        pytest.fail(
            f"closures differ: {len(expected)} triples (owlrl) vs {len(in_store)} (in store); "
            f"first differences without blank nodes: missing {[t for t in named if t in missing][:5]}, "
            f"extra {[t for t in named if t in extra][:5]}"
        )
    return expected


# -- one fixture per rule -------------------------------------------------------------------------------


def _rule_ids() -> list[str]:
    return [path.stem for path in resources.owl_rl_rule_files()]


def _expected(name: str) -> set[Triple]:
    return set(rdflib.Graph().parse(FIXTURES / f"{name}.expected.ttl", format="turtle"))


def test_every_rule_file_has_a_fixture():
    fixtures = {p.stem for p in FIXTURES.glob("*.ttl") if not p.name.endswith(".expected.ttl")}
    assert fixtures == set(_rule_ids())


@pytest.mark.parametrize("name", _rule_ids())
def test_the_rule_gives_owlrl_closure_on_its_fixture(name):
    fixture = [FIXTURES / f"{name}.ttl"]
    expected = _expected(name)
    reference, asserted = owlrl_closure(fixture)
    assert expected and not expected & asserted, "the expected triples must be inferred, not asserted"
    assert expected <= set(reference), f"owlrl does not derive {sorted(expected - set(reference))}"
    in_store = in_store_closure(fixture)
    assert expected <= set(in_store), f"the in-store rules do not derive {sorted(expected - set(in_store))}"
    assert_same_closure(reference, asserted, in_store)


@pytest.mark.parametrize("name", _rule_ids())
def test_the_fixture_needs_its_rule(name, monkeypatch):
    """Without its rule file, the in-store closure of a fixture lacks every expected triple."""
    others = [path for path in resources.owl_rl_rule_files() if path.stem != name]
    monkeypatch.setattr(resources, "owl_rl_rule_files", lambda: others)
    closure = set(in_store_closure([FIXTURES / f"{name}.ttl"]))
    assert not _expected(name) & closure


def test_a_missing_triple_fails_the_comparison():
    """The comparison is not blind: the in-store closure less one inferred triple differs."""
    fixture = [FIXTURES / "4-prp-trp.ttl"]
    reference, asserted = owlrl_closure(fixture)
    in_store = in_store_closure(fixture)
    in_store.remove(next(iter(_expected("4-prp-trp"))))
    with pytest.raises(pytest.fail.Exception, match="closures differ"):
        assert_same_closure(reference, asserted, in_store)


# -- whole closures -------------------------------------------------------------------------------------


def _as_graph(kg: KnowledgeGraph) -> rdflib.Graph:
    return kg.graph if isinstance(kg, MemoryGraph) else kg.to_rdflib()


def _compare_workspaces(reference: Workspace, fast: Workspace) -> tuple[int, int]:
    """Compare the closures of two workspaces; return the sizes of owlrl's closure and of the restricted one."""
    assert reference.store == "memory" and fast.store == "oxigraph"
    asserted = set(_as_graph(reference.asserted))
    full = _as_graph(reference.inferred)
    restricted = assert_same_closure(full, asserted, _as_graph(fast.inferred))
    return len(full), len(restricted)


def test_the_seed_closure_is_owlrl_closure(seed, seed_memory):
    full, restricted = _compare_workspaces(seed_memory, seed)
    assert restricted > len(seed.asserted) and full > restricted


def test_a_generated_estate_closure_is_owlrl_closure(small_estate):
    full, restricted = _compare_workspaces(
        Workspace(small_estate, store="memory"), Workspace(small_estate, store="oxigraph")
    )
    assert full > restricted


def test_later_rounds_give_owlrl_closure():
    """tests/fixtures/inference/three-rounds.ttl: an inverse feeds a property chain, whose result has
    a super-property, transitive, with a domain; the semi-naive rounds reach owlrl's fixpoint."""
    fixture = [Path(__file__).resolve().parent / "fixtures" / "inference" / "three-rounds.ttl"]
    ex = "http://example.org/rounds#"
    expected = {
        (rdflib.URIRef(ex + s), rdflib.URIRef(ex + p) if p != "a" else RDF.type, rdflib.URIRef(ex + o))
        for s, p, o in (
            ("processor", "reaches", "dataCentre"),
            ("processor", "dependsOn", "dataCentre"),
            ("processor", "dependsOn", "powerGrid"),
            ("processor", "a", "Party"),
        )
    }
    reference, asserted = owlrl_closure(fixture)
    in_store = in_store_closure(fixture)
    assert expected <= set(in_store)
    assert_same_closure(reference, asserted, in_store)
