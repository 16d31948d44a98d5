"""incremental.DEPTH bounds how far any shape reads from its focus node.

Incremental re-validation walks DEPTH hops from both ends of every changed triple (gdprgraph/
incremental.py): a focus node is re-checked if a triple its shape reads has an end within DEPTH
hops of it. So a shape's *reach* is measured here as the largest distance between its focus node and
the nearer end of a triple it reads, over the triples of:

- its targets (a node becomes a focus or stops being one): SPARQL targets, as queries from ?this;
- its property shapes: a path of length k reads triples whose nearer end is 0 .. k-1 hops away
  (sequence paths by their length, inverse paths as their inner path, alternatives by the longest);
  a nested sh:node, sh:property, sh:or / sh:and / sh:xone / sh:not reads from the value nodes, k hops on;
- its SPARQL constraints, parsed with rdflib's SPARQL parser: the triple patterns (in the WHERE
  clause, OPTIONAL, UNION, FILTER [NOT] EXISTS) form a graph of variables and IRIs, each path step
  an edge, and the distances are the shortest from $this.

Steps from an instance to its class (rdf:type, rdfs:subClassOf, rdfs:subClassOf*) are not counted,
and their class end is not joined to the rest: incremental.py does not walk from an instance to its
class either. Nor are the steps of incremental.GLOBAL_PREDICATES (the validation date, the DPIA
criteria), a change to which re-validates everything. Literals are values, never walked through.
A repeated path (p*, p+) over another property has no bound of its own: it counts as the longest
chain of p in the seed graph, which the test states; a triple pattern that no chain from $this
reaches has an unbounded reach.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path as FilePath

import pytest
import rdflib
from rdflib import RDF, RDFS, Literal, URIRef, Variable
from rdflib.namespace import SH
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, Path, SequencePath
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from gdprgraph import incremental, resources, shacl_sparql
from gdprgraph.shacl_sparql import compile_shapes
from gdprgraph.store import MemoryGraph
from gdprgraph.validate import shapes_graph

CLASS_STEPS = (RDF.type, RDFS.subClassOf)
NOTHING = -math.inf  # the reach of a shape that reads no triple

#: how many links a repeated path (p*, p+) over property p may take
RepeatBound = Callable[[URIRef], int]


class Chains:
    """An undirected graph of unit steps between the terms of triple patterns (fresh nodes inside paths)."""

    def __init__(self, repeats: RepeatBound) -> None:
        self.repeats = repeats
        self.edges: dict[object, list[object]] = {}
        self.fresh = count()

    def link(self, a: object, b: object) -> None:
        self.edges.setdefault(a, []).append(b)
        self.edges.setdefault(b, []).append(a)

    def add(self, subject: object, path: Node | Path, obj: object) -> None:
        """The steps of ``subject path obj``: none for a class step, whose class end is left apart."""
        if isinstance(path, InvPath):
            self.add(obj, path.arg, subject)
        elif isinstance(path, AlternativePath):
            for branch in path.args:
                self.add(subject, branch, obj)
        elif isinstance(path, SequencePath):
            here = subject
            for i, step in enumerate(path.args):
                there = obj if i == len(path.args) - 1 else ("fresh", next(self.fresh))
                if _class_step(step):
                    return  # what follows is about a class
                self.add(here, step, there)
                here = there
        elif isinstance(path, MulPath):
            if _class_step(path):
                return
            links = 1 if path.mod == "?" else self.repeats(path.path)
            self.add(subject, SequencePath(*[path.path] * links) if links > 1 else path.path, obj)
        elif _class_step(path):
            return
        elif isinstance(path, URIRef | NegatedPath | Variable):
            self.link(subject, obj)
        else:
            raise TypeError(f"unexpected path {path!r}")

    def reach(self, start: object) -> float:
        """The largest distance from ``start`` to the nearer end of a step (inf if a step is not reached)."""
        dist = {start: 0}
        queue: list[tuple[int, int, object]] = [(0, 0, start)]
        order = count(1)
        while queue:
            d, _, node = heapq.heappop(queue)
            if d > dist[node] or isinstance(node, Literal):  # a literal is a value, not walked through
                continue
            for other in self.edges.get(node, ()):
                if d + 1 < dist.get(other, math.inf):
                    dist[other] = d + 1
                    heapq.heappush(queue, (d + 1, next(order), other))
        ends = [min(dist.get(a, math.inf), dist.get(b, math.inf)) for a in self.edges for b in self.edges[a]]
        return max(ends, default=NOTHING)


def _class_step(path: Node | Path) -> bool:
    if path in incremental.GLOBAL_PREDICATES:
        return True
    if isinstance(path, MulPath):
        return path.path == RDFS.subClassOf
    if isinstance(path, SequencePath):
        return all(_class_step(step) for step in path.args)
    return path in CLASS_STEPS


def _patterns(algebra: object) -> Iterator[tuple]:
    """Every triple pattern of a query's algebra, those of FILTER [NOT] EXISTS included (left untranslated)."""
    if isinstance(algebra, CompValue):
        if algebra.name == "BGP":
            yield from algebra.triples
        elif algebra.name == "TriplesBlock":
            for block in algebra.triples:
                yield from (tuple(block[i : i + 3]) for i in range(0, len(block), 3))
        for value in algebra.values():
            yield from _patterns(value)
    elif isinstance(algebra, list | tuple):
        for value in algebra:
            yield from _patterns(value)


def query_reach(select: str, prefixes: dict[str, URIRef], repeats: RepeatBound) -> float:
    """The reach of a SPARQL constraint or target query from $this (?this)."""
    chains = Chains(repeats)
    for subject, path, obj in _patterns(prepareQuery(select, initNs=prefixes).algebra):
        chains.add(subject, path, obj)
    return chains.reach(Variable("this"))


def path_length(shapes: rdflib.Graph, path: Node, repeats: RepeatBound) -> int:
    """The number of links of a SHACL property path (its longest alternative); 0 for a class step."""
    if isinstance(path, URIRef):
        return 0 if path in CLASS_STEPS else 1
    if (shapes.value(path, RDF.first) is not None) or path == RDF.nil:
        return sum(path_length(shapes, step, repeats) for step in rdflib.collection.Collection(shapes, path))
    if (inner := shapes.value(path, SH.inversePath)) is not None:
        return path_length(shapes, inner, repeats)
    if (branches := shapes.value(path, SH.alternativePath)) is not None:
        return max(path_length(shapes, b, repeats) for b in rdflib.collection.Collection(shapes, branches))
    if (inner := shapes.value(path, SH.zeroOrOnePath)) is not None:
        return path_length(shapes, inner, repeats)
    for repeated in (SH.zeroOrMorePath, SH.oneOrMorePath):
        if (inner := shapes.value(path, repeated)) is not None:
            if inner == RDFS.subClassOf:
                return 0
            return path_length(shapes, inner, repeats) * repeats(inner)
    raise ValueError(f"unknown SHACL path {path}")


def _prefixes(shapes: rdflib.Graph) -> dict[str, URIRef]:
    return {
        str(shapes.value(d, SH.prefix)): URIRef(str(shapes.value(d, SH.namespace)))
        for d in shapes.objects(None, SH.declare)
    }


def shape_reach(shapes: rdflib.Graph, shape: Node, repeats: RepeatBound, seen: frozenset = frozenset()) -> float:
    """The reach of a node or property shape from its focus node (see the module's docstring)."""
    if shape in seen:
        return math.inf  # a recursive shape reads without bound
    seen = seen | {shape}
    prefixes = _prefixes(shapes)
    reaches = [NOTHING]
    for holder in (SH.target, SH.sparql):
        for item in shapes.objects(shape, holder):
            select = shapes.value(item, SH.select)
            if select is not None:
                reaches.append(query_reach(str(select), prefixes, repeats))
    if shapes.value(shape, SH.targetObjectsOf) is not None or shapes.value(shape, SH.targetSubjectsOf) is not None:
        reaches.append(0)
    # the value nodes: the focus itself for a node shape, k hops away for a property shape
    path = shapes.value(shape, SH.path)
    k = 0 if path is None else path_length(shapes, path, repeats)
    if k:
        reaches.append(k - 1)
    nested = [o for p in (SH.node, SH.property, SH["not"], SH.qualifiedValueShape) for o in shapes.objects(shape, p)]
    for logical in (SH["or"], SH["and"], SH.xone):
        for members in shapes.objects(shape, logical):
            nested += list(rdflib.collection.Collection(shapes, members))
    for other in nested:  # each applies to the value nodes
        reaches.append(k + shape_reach(shapes, other, repeats, seen))
    return max(reaches)


def longest_chain(graph: rdflib.Graph, prop: URIRef) -> int:
    """The number of links of the longest chain of ``prop`` in a graph (1 if there is none)."""
    heads = {s: list(graph.objects(s, prop)) for s in set(graph.subjects(prop, None))}

    def depth(node: Node, seen: frozenset) -> int:
        if node in seen:
            raise ValueError(f"a cycle of {prop} through {node}")
        return max((1 + depth(n, seen | {node}) for n in heads.get(node, ())), default=0)

    return max([1, *(depth(s, frozenset()) for s in heads)])


def _node_shapes(shapes: rdflib.Graph) -> list[Node]:
    targets = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf, SH.target)
    return sorted({s for p in targets for s in shapes.subjects(p, None)}, key=str)


def too_far(shapes: rdflib.Graph, repeats: RepeatBound) -> dict[str, float]:
    """The shapes (by local name) whose reach exceeds incremental.DEPTH, with their reach."""
    reaches = {shape: shape_reach(shapes, shape, repeats) for shape in _node_shapes(shapes)}
    return {str(s).rsplit("/", 1)[-1]: r for s, r in reaches.items() if r > incremental.DEPTH}


# -- the project's shapes ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_repeats(seed) -> RepeatBound:
    graph = seed.asserted.to_rdflib()
    return lambda prop: longest_chain(graph, prop)


#: shapes whose SPARQL target narrows a plain one to the nodes their constraints can report, by a
#: sub-select whose own patterns are not linked to ?this (the pairs of items of ContradictoryCategory-
#: LinesShape): what they report, hence what an edit can change, is what the plain target gives
#: (test_a_narrowed_target_reports_what_the_plain_one_does), so their reach is the plain target's
PLAIN_TARGETS = {
    URIRef("https://w3id.org/gdprgraph/shapes/ContradictoryCategoryLinesShape"): (
        "SELECT DISTINCT ?this WHERE { "
        "?this a gg:TemplateLine ; gg:status gg:DeclaredNo ; gg:answers/gg:aboutDataCategory ?category }"
    ),
    # narrowed to the statements of an owner described by two documents (a sub-select without ?this)
    URIRef("https://w3id.org/gdprgraph/shapes/ContradictorySourcesAnswerShape"): (
        "SELECT DISTINCT ?this WHERE { ?this a gg:TemplateLine ; gg:status gg:DeclaredYes }"
    ),
    URIRef("https://w3id.org/gdprgraph/shapes/ContradictorySourcesDurationShape"): (
        "SELECT DISTINCT ?this WHERE { ?this a gg:TemplateLine ; gg:status gg:DeclaredYes ; dpv:hasDuration ?d }"
    ),
    URIRef("https://w3id.org/gdprgraph/shapes/ContradictorySourcesCountryShape"): (
        "SELECT DISTINCT ?this WHERE { ?this a gg:SubProcessingEngagement ; gg:subProcessor ?org }"
    ),
}


def with_plain_targets(shapes: rdflib.Graph) -> rdflib.Graph:
    """A copy of the shapes with the plain targets of PLAIN_TARGETS."""
    plain = rdflib.Graph()
    plain += shapes
    for shape, select in PLAIN_TARGETS.items():
        targets = list(plain.objects(shape, SH.target))
        assert targets, f"{shape} has no SPARQL target any more"
        for target in targets:
            plain.set((target, SH.select, Literal(select)))
    return plain


FIXTURES = FilePath(__file__).resolve().parent / "fixtures" / "shapes"


@pytest.mark.parametrize(
    "fixture",
    [None, *(f for shape in PLAIN_TARGETS for f in sorted(FIXTURES.glob(f"{shape.rsplit('/', 1)[-1]}.*.ru")))],
    ids=lambda f: f.name if f else "seed",
)
def test_a_narrowed_target_reports_what_the_plain_one_does(fixture):
    data = MemoryGraph()
    data.load_files([*resources.ontology_files(), *sorted((resources.data_dir() / "reference").glob("*.ttl"))])
    data.load_files([FIXTURES / "base.ttl"] if fixture else resources.default_data_files())
    if fixture is not None:
        data.graph.update(fixture.read_text(encoding="utf-8"))
    shapes = shapes_graph()
    narrowed = shacl_sparql.run_results(data, compile_shapes(shapes)).results
    plain = shacl_sparql.run_results(data, compile_shapes(with_plain_targets(shapes))).results

    def found(results) -> list[tuple[str, ...]]:
        return sorted(
            tuple(map(str, (r.facts.get(SH.focusNode), r.facts.get(SH.sourceShape), r.facts.get(SH.value))))
            for r in results
        )

    assert found(narrowed) == found(plain)
    if fixture is not None and "breaks" in fixture.name:  # the case the narrowing must not hide
        shape = fixture.name.split(".", 1)[0]
        assert any(str(r.constraint.node_shape).endswith("/" + shape) for r in narrowed)


def test_every_shape_reads_within_incremental_depth(seed_repeats):
    shapes = with_plain_targets(shapes_graph())
    reaches = {shape: shape_reach(shapes, shape, seed_repeats) for shape in _node_shapes(shapes)}
    assert len(reaches) >= 20 and max(reaches.values()) == incremental.DEPTH  # the measure sees the long chains
    assert not too_far(shapes, seed_repeats), f"shapes read farther than incremental.DEPTH = {incremental.DEPTH}"


def test_the_repeated_paths_of_the_shapes_are_short_in_the_seed(seed):
    """gg:subActivityOf* (LawfulBasisShape) is bounded by the data only: state how deep the seed goes."""
    assert longest_chain(seed.asserted.to_rdflib(), URIRef("https://w3id.org/gdprgraph/ontology#subActivityOf")) <= 2


# -- the measure, on purpose-made shapes -----------------------------------------------------------------

SYNTHETIC = FilePath(__file__).resolve().parent / "fixtures" / "depth" / "synthetic-shapes.ttl"

EX = "http://example.org/"


@pytest.fixture(scope="module")
def synthetic() -> rdflib.Graph:
    return rdflib.Graph().parse(SYNTHETIC, format="turtle")


def _one(prop: URIRef) -> int:
    return 1


@pytest.mark.parametrize(("name", "reach"), [("DeepSparqlShape", 4), ("DeepPathShape", 4), ("ShallowShape", 2)])
def test_the_reach_counts_the_links_from_the_focus(synthetic, name, reach):
    assert shape_reach(synthetic, URIRef(EX + name), _one) == reach


def test_a_shape_that_reads_farther_than_depth_is_named(synthetic, monkeypatch):
    monkeypatch.setattr(incremental, "DEPTH", 3)
    assert too_far(synthetic, _one) == {"DeepSparqlShape": 4, "DeepPathShape": 4}


def test_a_repeated_path_reaches_as_far_as_the_data_chains(synthetic):
    shape = URIRef(EX + "RepeatShape")
    assert shape_reach(synthetic, shape, _one) == 1
    assert shape_reach(synthetic, shape, lambda prop: 4) == 4


def test_an_unanchored_pattern_has_no_bound(synthetic):
    assert query_reach("SELECT $this WHERE { ?x <http://example.org/p> ?y }", {}, _one) == math.inf
