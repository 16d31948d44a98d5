"""The compiled SHACL engine (gdprgraph.shacl_sparql) gives pyshacl's results, on rdflib and on Oxigraph.

Results are compared as sets of (focus, sourceShape, sourceConstraintComponent, path, value,
severity, message), pyshacl and the compiler reading the same shapes graph object (so that
blank-node property shapes are the same terms). Each pyshacl reference is computed once.
"""

from __future__ import annotations

import random
from pathlib import Path

import pyshacl
import pytest
import rdflib
from rdflib.compare import isomorphic
from rdflib.namespace import SH
from rdflib.plugins.sparql import prepareQuery

from gdprgraph import parallel, resources, shacl_sparql
from gdprgraph.errors import InputError
from gdprgraph.load import input_files
from gdprgraph.shacl_sparql import UnsupportedShapeError, compile_shapes, run
from gdprgraph.store import DatasetGraph, KnowledgeGraph, MemoryGraph
from gdprgraph.store.oxigraph import OxigraphDataset
from gdprgraph.validate import _finding, report_from, shapes_graph

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shapes"
ASSERTED = "urn:test:asserted"
ESTATE_SERVICES = 4  # pyshacl needs about a second per generated service

SHAPES = shapes_graph()
COMPILED = compile_shapes(SHAPES)
RULES = {s for p in (SH.targetClass, SH.targetObjectsOf, SH.target) for s in SHAPES.subjects(p, None)}


def _pyshacl(graph: rdflib.Graph, shapes: rdflib.Graph = SHAPES) -> rdflib.Graph:
    """pyshacl's report, called as validate.validate calls it."""
    _, report, _ = pyshacl.validate(
        graph, shacl_graph=shapes, advanced=True, inference="none", allow_warnings=True, allow_infos=True
    )
    return report


def _results(report: rdflib.Graph) -> set[tuple]:
    out = set()
    for result in report.objects(None, SH.result):

        def value(predicate, result=result):
            return report.value(result, predicate)

        messages = tuple(sorted(str(m) for m in report.objects(result, SH.resultMessage)))
        out.add(
            (
                value(SH.focusNode),
                value(SH.sourceShape),
                value(SH.sourceConstraintComponent),
                value(SH.resultPath),
                value(SH.value),
                value(SH.resultSeverity),
                messages,
            )
        )
    return out


def _conforms(report: rdflib.Graph) -> bool:
    return report.value(next(report.subjects(rdflib.RDF.type, SH.ValidationReport)), SH.conforms).value


def _oxigraph(files: list[Path] | None = None, graph: rdflib.Graph | None = None) -> DatasetGraph:
    kg = DatasetGraph(OxigraphDataset(), [ASSERTED])
    if files:
        kg.load_files(files)
    if graph is not None:
        kg.dataset.insert(graph, ASSERTED)
    return kg


class _ParsedOnce(MemoryGraph):
    """A MemoryGraph that parses each query text once: rdflib spends about 1 s parsing the compiled
    queries and 0.2 s running them on a fixture; the fixture loop runs them 45 times."""

    def query(self, sparql, bindings=None):
        if sparql not in _PREPARED:
            _PREPARED[sparql] = prepareQuery(sparql)
        return self.graph.query(_PREPARED[sparql], initBindings=dict(bindings or {}))


_PREPARED: dict[str, object] = {}


def _show(expected: set[tuple], actual: set[tuple]) -> str:
    lines = [f"missing {r}" for r in sorted(expected - actual, key=str)[:5]]
    lines += [f"extra {r}" for r in sorted(actual - expected, key=str)[:5]]
    return "\n".join(lines)


def _assert_same(expected: set[tuple], kg: KnowledgeGraph, compiled=COMPILED) -> rdflib.Graph:
    report = run(kg, compiled)
    actual = _results(report)
    assert actual == expected, _show(expected, actual)
    return report


# -- every rule is compiled -------------------------------------------------------------------------------


def test_every_constraint_of_every_rule_is_compiled():
    assert {c.node_shape for c in COMPILED} == RULES
    for rule in RULES:
        mine = [c for c in COMPILED if c.node_shape == rule]
        assert {c.source_constraint for c in mine if c.source_constraint is not None} == set(
            SHAPES.objects(rule, SH.sparql)
        )
        assert {c.source_shape for c in mine if c.path is not None} == set(SHAPES.objects(rule, SH.property))


def test_queries_name_their_shape_and_read_as_sparql():
    for compiled in COMPILED:
        assert compiled.sparql.startswith("# ggsh:"), compiled.describe()
        prepareQuery(compiled.sparql)
        assert "\x00" not in compiled.sparql


# -- the seed graph -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_memory(seed) -> MemoryGraph:
    asserted = seed.asserted
    return asserted if isinstance(asserted, MemoryGraph) else MemoryGraph(asserted.to_rdflib())


@pytest.fixture(scope="module")
def seed_reference(seed_memory) -> rdflib.Graph:
    return _pyshacl(seed_memory.graph)


@pytest.fixture(scope="module")
def seed_oxigraph() -> DatasetGraph:
    return _oxigraph(input_files())


def test_seed_on_rdflib_gives_pyshacl_results(seed_memory, seed_reference):
    report = _assert_same(_results(seed_reference), seed_memory)
    assert _conforms(report) is _conforms(seed_reference) is False


def test_seed_on_oxigraph_gives_pyshacl_results(seed_oxigraph, seed_reference):
    _assert_same(_results(seed_reference), seed_oxigraph)


def test_validate_reads_the_compiled_report_as_pyshacl_report(seed_memory, seed_reference):
    report = run(seed_memory, COMPILED)
    data = seed_memory.graph

    def findings(graph):
        return sorted(
            (_finding(data, SHAPES, dict(graph.predicate_objects(r))) for r in graph.objects(None, SH.result)), key=repr
        )

    assert findings(report) == findings(seed_reference)


def test_findings_from_the_results_are_those_from_the_report_graph(seed_oxigraph):
    """validate() reads the results of a compiled run and builds its report graph only on demand:
    the same findings, and the same graph once asked for."""
    from_results = report_from(seed_oxigraph, SHAPES, shacl_sparql.run_results(seed_oxigraph, COMPILED))
    from_graph = report_from(seed_oxigraph, SHAPES, run(seed_oxigraph, COMPILED))
    assert from_results.findings and from_results.findings == from_graph.findings
    assert isomorphic(from_results.graph, from_graph.graph)


def test_focus_restricts_to_those_focus_nodes(seed_oxigraph, seed_memory, monkeypatch):
    full = _results(run(seed_oxigraph, COMPILED))
    focused = sorted({r[0] for r in full}, key=str)[::2]
    clean = rdflib.URIRef("https://w3id.org/gdprgraph/service/no-such-service")
    expected = {r for r in full if r[0] in set(focused)}
    assert _results(run(seed_memory, COMPILED, focus=[*focused, clean])) == expected
    monkeypatch.setattr(shacl_sparql.runner, "FOCUS_CHUNK", 3)  # several VALUES blocks (run reads it there)
    assert _results(run(seed_oxigraph, COMPILED, focus=[*focused, clean])) == expected
    nothing = run(seed_oxigraph, COMPILED, focus=[])
    assert _results(nothing) == set() and _conforms(nothing)


class _Recording:
    """A graph that records the queries asked of it."""

    def __init__(self, graph: KnowledgeGraph) -> None:
        self.graph, self.asked = graph, []
        self.concurrent_reads = graph.concurrent_reads  # Oxigraph: asked from several threads

    def query(self, sparql, bindings=None):
        self.asked.append(sparql)
        return self.graph.query(sparql, bindings)


def test_a_constraint_whose_sub_select_has_no_solution_is_not_asked(seed_oxigraph, fixture_base):
    guarded = [c for c in COMPILED if c.guard_templates]
    assert guarded, "no shape has a sub-select any more: nothing to guard"
    recording = _Recording(seed_oxigraph)
    assert _results(run(recording, guarded)) == set()  # the seed answers no item twice
    assert [q for q in recording.asked if not q.lstrip().startswith(("PREFIX", "ASK"))] == []
    assert {q for q in recording.asked if "ASK {" in q} == {g for c in guarded for g in c.guards(None)}
    # a guard the constraints share is asked once, even by constraints running at once
    for threads in (1, 3):
        recording = _Recording(seed_oxigraph)
        run(recording, guarded, threads=threads)
        asks = [q for q in recording.asked if "ASK {" in q]
        assert len(asks) == len(set(asks)) < sum(len(c.guards(None)) for c in guarded)
    assert not any(c.sparql in recording.asked for c in guarded)
    # where a sub-select has solutions, the query is asked (and finds what pyshacl finds: the fixtures)
    broken = fixture_base.copy()
    broken.graph.update((FIXTURES / "ContradictoryLinesShape.breaks.ru").read_text(encoding="utf-8"))
    recording = _Recording(broken)
    assert _results(run(recording, guarded))
    assert any(c.sparql in recording.asked for c in guarded)


def test_a_target_sub_select_guards_its_shape_unless_other_targets_add_nodes():
    def guards(targets: str) -> list[tuple[str, ...]]:
        shapes = rdflib.Graph().parse(
            format="turtle",
            data=f"""@prefix ex: <http://example.org/> . @prefix sh: <http://www.w3.org/ns/shacl#> .
            ex:S a sh:NodeShape ; {targets} ; sh:class ex:C ; sh:message "m" .""",
        )
        return [tuple(c.guards(None)) for c in compile_shapes(shapes)]  # a full run's guards

    target = '[ sh:select "SELECT ?this WHERE { { SELECT ?o WHERE { ?s <urn:p> ?o } } ?this <urn:q> ?o }" ]'
    [(guard,)] = guards(f"sh:target {target}")
    assert "SELECT ?o WHERE { ?s <urn:p> ?o }" in guard and guard.startswith("PREFIX")
    assert guards(f"sh:target {target} ; sh:targetClass ex:D") == [()]


def test_constraints_run_on_several_threads_give_the_same_results_in_the_same_order(seed_oxigraph, fixture_base):
    broken = fixture_base.copy()  # a graph with results of several constraints
    broken.graph.update((FIXTURES / "ContradictoryLinesShape.breaks.ru").read_text(encoding="utf-8"))
    for graph in (seed_oxigraph, _oxigraph(graph=broken.graph)):

        def found(threads: int, focus=None, graph=graph) -> list[tuple]:
            results = shacl_sparql.run_results(graph, COMPILED, focus, threads=threads).results
            return [(r.constraint.describe(), sorted(r.facts.items())) for r in results]

        one = found(1)
        assert one and found(3) == one
        focus = sorted({s for s, _, _ in graph.triples((None, None, None)) if isinstance(s, rdflib.URIRef)}, key=str)
        assert sorted(found(3, focus[::7])) == sorted(found(1, focus[::7]))


def test_each_constraint_s_results_are_handed_over_in_order_while_the_run_goes_on(seed_oxigraph):
    handed: list[list] = []
    run_results = shacl_sparql.run_results(seed_oxigraph, COMPILED, threads=2, each=handed.append)
    assert len(handed) == len(COMPILED)  # one call per constraint, an empty list for one without results
    assert [r for found in handed for r in found] == run_results.results
    assert [found[0].constraint for found in handed if found] == sorted(
        {r.constraint for r in run_results.results}, key=COMPILED.index
    )


def test_the_number_of_threads_follows_the_store_and_the_environment(seed_memory, seed_oxigraph, monkeypatch):
    monkeypatch.delenv("GDPRGRAPH_THREADS", raising=False)
    assert shacl_sparql.runner.default_threads(seed_memory) == 1  # rdflib's engine holds Python's lock
    assert 1 <= shacl_sparql.runner.default_threads(seed_oxigraph) <= parallel.MAX_THREADS
    monkeypatch.setenv("GDPRGRAPH_THREADS", "3")
    assert shacl_sparql.runner.default_threads(seed_oxigraph) == 3
    assert shacl_sparql.runner.default_threads(seed_memory) == 1
    for wrong in ("0", "two", "-1"):
        monkeypatch.setenv("GDPRGRAPH_THREADS", wrong)
        with pytest.raises(InputError, match="GDPRGRAPH_THREADS must be a whole number from 1"):
            shacl_sparql.runner.default_threads(seed_oxigraph)


def test_a_run_on_some_focus_nodes_restricts_each_union_branch_of_a_constraint():
    """A UNION of a constraint is evaluated on its own: on a focused run each branch binding ?this opens
    with the focus nodes (ThirdCountrySubProcessorShape read every engagement of the estate)."""
    node = rdflib.URIRef("http://example.org/engagement")
    [third] = [c for c in COMPILED if c.describe().startswith("ggsh:ThirdCountrySubProcessorShape")]
    body = third.query([node]).split("# the SPARQL constraint", 1)[1]
    assert body.count("VALUES ?this { <http://example.org/engagement> }") >= 2  # both branches of its UNION
    for compiled in COMPILED:
        assert "VALUES ?this" not in compiled.sparql and "\x00" not in compiled.sparql, compiled.describe()
        assert "\x00" not in compiled.query([node]), compiled.describe()


def test_focus_refuses_unsafe_iris(seed_memory):
    with pytest.raises(Exception, match="not a valid IRI"):
        run(seed_memory, COMPILED, focus=[rdflib.URIRef("urn:x> } ; DROP ALL ; {")])


# -- the fixtures of every rule -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixture_base() -> MemoryGraph:
    base = MemoryGraph()
    base.load_files(
        [
            *resources.ontology_files(),
            *sorted((resources.data_dir() / "reference").glob("*.ttl")),
            FIXTURES / "base.ttl",
        ]
    )
    return base


def _only(rule_name: str) -> rdflib.Graph:
    """The shapes graph with every other rule deactivated (the same terms, blank nodes included)."""
    shapes = rdflib.Graph()
    shapes += SHAPES
    for rule in RULES:
        if not str(rule).endswith("/" + rule_name):
            shapes.add((rule, SH.deactivated, rdflib.Literal(True)))
    return shapes


@pytest.mark.parametrize("update", [None, *sorted(FIXTURES.glob("*.ru"))], ids=lambda u: u.name if u else "base.ttl")
def test_fixture_gives_pyshacl_results(fixture_base, update):
    # pyshacl checks only the fixture's rule (8 times faster): test_shapes.py checks, with every
    # shape, that a fixture makes no other rule fire; the compiled queries of every rule run here.
    graph = _ParsedOnce(fixture_base.copy().graph)
    if update is not None:
        graph.graph.update(update.read_text(encoding="utf-8"))
    shapes = _only(update.name.split(".")[0]) if update is not None else SHAPES
    expected = _results(_pyshacl(graph.graph, shapes))
    assert (update is None or "conforms" in update.name) == (not expected)
    _assert_same(expected, graph)
    _assert_same(expected, _oxigraph(graph=graph.graph))


# -- a generated estate -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def estate_files(generator, estate_inputs, tmp_path_factory) -> list[Path]:
    out = tmp_path_factory.mktemp("estate") / f"estate-{ESTATE_SERVICES}.ttl"
    generator.serialize(generator.generate(ESTATE_SERVICES, 2), out)
    return [*estate_inputs(out), *resources.ontology_files()]


@pytest.mark.slow  # every rule has its fixtures, the seed runs by default
def test_generated_estate_gives_pyshacl_results(estate_files):
    memory = MemoryGraph()
    memory.load_files(estate_files)
    expected = _results(_pyshacl(memory.graph))
    assert expected
    _assert_same(expected, memory)
    _assert_same(expected, _oxigraph(estate_files))


# -- the other features the compiler implements, on purpose-made shapes ---------------------------------------

EXTRA_SHAPES = """
@prefix ex: <http://example.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .

ex: a owl:Ontology ; sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] .

ex:PeriodShape a sh:NodeShape ;
    sh:targetSubjectsOf ex:period ;
    sh:property [ sh:path ex:period ; sh:datatype xsd:duration ; sh:maxCount 2 ;
                  sh:message "not a duration"@en , "pas une durée"@fr ] .

# sh:maxCount 1 (a join of the path with itself): values equal as numbers or as strings are still
# distinct terms (1 and 1.0, "a"@en and "a"@fr)
ex:SingleShape a sh:NodeShape ;
    sh:targetSubjectsOf ex:single ;
    sh:property [ sh:path ex:single ; sh:maxCount 1 ; sh:message "more than one single value" ] .

ex:ThingShape a sh:NodeShape ;
    sh:targetClass ex:Thing ; sh:targetObjectsOf ex:link ;
    sh:severity sh:Warning ;
    sh:message "a thing" ;
    sh:in ( ex:a ex:b ex:c ex:d ex:e ex:f ex:g ex:h ex:i ) ;
    sh:not [ sh:class ex:Forbidden ] ;
    sh:property [ sh:path ex:code ; sh:minCount 2 ; sh:in ( "x" 1 ex:a ) ; sh:severity sh:Info ;
                  sh:message "codes" ] ;
    sh:property [ sh:path ex:part ; sh:node ex:PartShape ; sh:message "part" ] ;
    sh:property [ sh:path ex:skipped ; sh:minCount 1 ; sh:deactivated true ] ;
    sh:sparql [ a sh:SPARQLConstraint ; sh:prefixes ex: ;
        sh:message "{$this} has {?value} ({?other}, {?unbound})" ;
        sh:select "SELECT $this ?value ?other WHERE { $this ex:link ?value . OPTIONAL { ?value ex:code ?other } }" ] ;
    sh:sparql [ a sh:SPARQLConstraint ; sh:prefixes ex: ;
        sh:message "{$this}: {?x}" ;
        # $this only in a filter of a UNION branch: the branch is given the focus nodes
        sh:select "SELECT $this ?x WHERE { { $this ex:code ?x } UNION { ?x ex:code 2 . FILTER(?x != $this) } }" ] ;
    sh:sparql [ a sh:SPARQLConstraint ; sh:prefixes ex: ;
        sh:message "{$this} has {?n} codes" ;
        # a sub-select on $this (grouped by it), joined with the focus nodes
        sh:select '''SELECT $this ?n WHERE {
            { SELECT $this (COUNT(?code) AS ?n) WHERE { $this ex:code ?code } GROUP BY $this HAVING (COUNT(?code) > 1) }
        }''' ] ;
    sh:sparql [ a sh:SPARQLConstraint ; sh:prefixes ex: ;
        sh:message "{$this} links {?value}, a linked node with a code" ;
        # a sub-select without aggregates, and a variable bound both inside and out
        sh:select '''SELECT $this ?value WHERE {
            { SELECT DISTINCT $this ?value WHERE { $this ex:link ?value . ?value ex:code ?code } }
            $this ex:link ?value .
        }''' ] .

ex:NumberedShape a sh:NodeShape ;
    # a target with a sub-select of its own (the same for every node)
    sh:target [ a sh:SPARQLTarget ; sh:prefixes ex: ;
        sh:select '''SELECT ?this WHERE {
            { SELECT DISTINCT ?code WHERE { ?x ex:code ?code FILTER(isNumeric(?code)) } } ?this ex:code ?code }''' ] ;
    sh:message "a numbered thing that is not a part" ;
    sh:class ex:Part .

ex:PartShape a sh:NodeShape ;
    sh:or ( [ sh:class ex:Part ] [ sh:property [ sh:path ex:code ; sh:minCount 1 ; sh:maxCount 1 ] ] ) .

ex:Off a sh:NodeShape ; sh:targetClass ex:Thing ; sh:deactivated true ; sh:class ex:Nothing .
"""

EXTRA_DATA = """
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

ex:SubThing rdfs:subClassOf ex:Thing .
ex:a a ex:Thing ; ex:code "x", 1 ; ex:part ex:p1, ex:p2, ex:p3, "lit" ; ex:link ex:b .
ex:b a ex:SubThing , ex:Forbidden ; ex:code "y" ; ex:link ex:z .
ex:z ex:code 2 .
ex:p1 a ex:Part .
ex:p2 ex:code 1 .
ex:p3 ex:code 1, 2 .
ex:d1 ex:period "P1Y"^^xsd:duration , "P"^^xsd:duration , "six months"^^xsd:duration .
ex:d2 ex:period "P1YT"^^xsd:duration , "PT"^^xsd:duration , "+P1.5Y"^^xsd:duration , "-P1Y"^^xsd:duration .
ex:d3 ex:period "P-1Y"^^xsd:duration , "1Y"^^xsd:duration , "P1H"^^xsd:duration , "P1W"^^xsd:duration .
ex:d4 ex:period "P0001-02-03"^^xsd:duration , "P0000-01-01"^^xsd:duration , "P0001-13-01"^^xsd:duration .
ex:d5 ex:period "P1Y"@en , "P1Y" , ex:iri , "P20010203T04"^^xsd:duration .
ex:s1 ex:single 1 , 1.0 .
ex:s2 ex:single "a"@en , "a"@fr .
ex:s3 ex:single "only" .
ex:s4 ex:single ex:one , ex:two , ex:three .
"""
# Not in the data: a duration Oxigraph's parser accepts and rdflib's rejects, such as "PT.5S":
# Oxigraph stores it as "PT0.5S", so the store no longer holds what pyshacl reports as ill-typed.


def test_other_supported_features_give_pyshacl_results(tmp_path):
    shapes = rdflib.Graph().parse(data=EXTRA_SHAPES, format="turtle")
    compiled = compile_shapes(shapes)
    assert {c.node_shape for c in compiled} == {
        rdflib.URIRef("http://example.org/" + n) for n in ("PeriodShape", "SingleShape", "ThingShape", "NumberedShape")
    }
    data = tmp_path / "extra.ttl"
    data.write_text(EXTRA_DATA, encoding="utf-8")
    memory = MemoryGraph()
    memory.load_files([data])
    reference = _pyshacl(memory.graph, shapes)
    expected = _results(reference)
    components = {r[2] for r in expected}
    single = rdflib.URIRef("http://example.org/single")
    assert {str(r[0]) for r in expected if r[3] == single} == {f"http://example.org/s{n}" for n in (1, 2, 4)}
    assert components >= {
        SH.DatatypeConstraintComponent,
        SH.MaxCountConstraintComponent,
        SH.InConstraintComponent,
        SH.NotConstraintComponent,
        SH.MinCountConstraintComponent,
        SH.NodeConstraintComponent,
        SH.SPARQLConstraintComponent,
    }
    for kg in (memory, _oxigraph([data])):
        report = _assert_same(expected, kg, compiled)
        assert _conforms(report) is _conforms(reference)


def test_a_target_sub_select_without_this_is_restricted_to_the_focus_nodes_on_a_focused_run(tmp_path):
    """NumberedShape's target joins a sub-select the same for every node: on a run on some nodes it is
    evaluated for the codes of those nodes only (sparql_text.sideways_slots), with the results of a
    full run for them; a full run has no restriction."""
    shapes = rdflib.Graph().parse(data=EXTRA_SHAPES, format="turtle")
    numbered = rdflib.URIRef("http://example.org/NumberedShape")
    [compiled] = [c for c in compile_shapes(shapes) if c.node_shape == numbered]
    data = tmp_path / "extra.ttl"
    data.write_text(EXTRA_DATA, encoding="utf-8")
    kg = _oxigraph([data])
    full = _results(run(kg, [compiled]))
    flagged = {r[0] for r in full}
    assert len(flagged) >= 2  # numbered things that are not parts: ex:a, ex:z...
    nodes = sorted({s for s, _, _ in kg.triples((None, None, None)) if isinstance(s, rdflib.URIRef)}, key=str)
    for node in nodes:
        assert _results(run(kg, [compiled], focus=[node])) == {r for r in full if r[0] == node}, node
    restricted = "{ SELECT DISTINCT ?code WHERE { VALUES ?this { <http://example.org/z> } ?this ex:code ?code } }"
    assert restricted in compiled.targets([rdflib.URIRef("http://example.org/z")])
    assert restricted in compiled.query([rdflib.URIRef("http://example.org/z")])
    assert "DISTINCT ?code WHERE { VALUES" not in compiled.sparql and "\x00" not in compiled.sparql


# -- what the compiler refuses ----------------------------------------------------------------------------------

UNSUPPORTED = {
    "sh:pattern": 'sh:property [ sh:path ex:p ; sh:pattern "^a" ; sh:message "m" ]',
    "not a single IRI": 'sh:property [ sh:path ( ex:p ex:q ) ; sh:minCount 1 ; sh:message "m" ]',
    "sh:targetNode": "sh:targetNode ex:n",
    "sh:closed": "sh:closed true",
    "without sh:message": "sh:property [ sh:path ex:p ; sh:minCount 1 ]",
    "sh:datatype xsd:integer": 'sh:property [ sh:path ex:p ; sh:datatype xsd:integer ; sh:message "m" ]',
    "MINUS": 'sh:sparql [ sh:select "SELECT $this WHERE { $this ex:p ?o MINUS { ?o ex:q ?x } }" ]',
    "$PATH": 'sh:sparql [ sh:select "SELECT $this WHERE { $this $PATH ?o }" ]',
    "undeclared prefix": 'sh:sparql [ sh:select "SELECT $this WHERE { $this foaf:name ?o }" ]',
    "a sub-select that does not project $this": (
        'sh:sparql [ sh:select "SELECT $this WHERE { $this ex:p ?o . { SELECT ?o WHERE { ?o ex:q ?x } } }" ]'
    ),
    "(or groups by other variables only)": (
        'sh:sparql [ sh:select "SELECT $this WHERE { { SELECT $this WHERE { $this ex:p ?o } GROUP BY ?o } }" ]'
    ),
    "$this in a sub-select other than in the triple patterns": (
        'sh:sparql [ sh:select "SELECT $this WHERE { { SELECT $this WHERE { $this ex:p ?o FILTER(?o != $this) } } }" ]'
    ),
    "a sub-select in a UNION": (
        'sh:sparql [ sh:select "SELECT $this WHERE { { SELECT $this { $this ex:p [] } } UNION { $this ex:q [] } }" ]'
    ),
    "a sub-select in a SPARQL query (other than a group of its WHERE)": (
        'sh:sparql [ sh:select "SELECT $this WHERE { $this ex:p [] OPTIONAL { SELECT $this { $this ex:q [] } } }" ]'
    ),
    "'LIMIT' after the WHERE group of a sub-select": (
        'sh:sparql [ sh:select "SELECT $this WHERE { { SELECT $this WHERE { $this ex:p ?o } LIMIT 1 } }" ]'
    ),
    "SELECT * in a sub-select": 'sh:sparql [ sh:select "SELECT $this WHERE { { SELECT * WHERE { $this ex:p ?o } } }" ]',
}


@pytest.mark.parametrize("feature", sorted(UNSUPPORTED))
def test_an_unsupported_feature_is_refused_by_name(feature):
    shapes = rdflib.Graph().parse(
        format="turtle",
        data=f"""
        @prefix ex: <http://example.org/> . @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        ex:NewShape a sh:NodeShape ; sh:targetClass ex:C ; {UNSUPPORTED[feature]} .""",
    )
    with pytest.raises(UnsupportedShapeError, match="NewShape") as raised:
        compile_shapes(shapes)
    assert feature in str(raised.value)


# -- randomised edits of the seed (slow: pyshacl validates the whole seed once per edit) -------------------

EDIT_SEEDS = range(50)


def _read_by_shapes(predicate: rdflib.URIRef) -> bool:
    """Whether a shape reads the predicate: a path, or a name in a SPARQL constraint or target (rdf:type: targets)."""
    if predicate == rdflib.RDF.type or (None, SH.path, predicate) in SHAPES:
        return True
    names = [f"{prefix}:{predicate[len(ns) :]}" for prefix, ns in SHAPES.namespaces() if predicate.startswith(ns)]
    return any(name in str(text) for name in names for text in SHAPES.objects(None, SH.select))


@pytest.fixture(scope="module")
def editable_statements(seed_memory) -> list[tuple]:
    """The seed's statements outside the ontology (reference data, templates, documents) whose
    predicate a shape reads (most of the others are labels and provenance, which no finding
    depends on), in a stable order."""
    ontology = set()
    for path in resources.ontology_files():
        ontology |= set(rdflib.Graph().parse(path, format="turtle"))
    return sorted(
        (t for t in seed_memory.graph if t not in ontology and _read_by_shapes(t[1])), key=lambda t: tuple(map(str, t))
    )


def _literal_variants(value: rdflib.Literal) -> list[rdflib.Literal]:
    """Other literals a careless edit could leave: another text of the same type, the bare text,
    an empty one (a typed literal's variants may be ill-typed: a datatype constraint's business)."""
    text = str(value)
    variants = [
        rdflib.Literal(text + " (edited)", lang=value.language, datatype=value.datatype),
        rdflib.Literal(text),
        rdflib.Literal("", lang=value.language, datatype=value.datatype),
    ]
    return [v for v in variants if v != value]


def random_edit(graph: rdflib.Graph, statements: list[tuple], seed: int) -> tuple[str, set, set]:
    """One edit chosen by ``seed``: delete a statement, or change its object to another object of the
    same predicate found elsewhere in the graph, or to a variant of its literal. Returns a
    description, the triples removed and those added."""
    rng = random.Random(seed)
    s, p, o = statements[rng.randrange(len(statements))]
    if rng.random() < 0.5:
        return f"delete {s.n3()} {p.n3()} {o.n3()}", {(s, p, o)}, set()
    others = sorted({x for x in graph.objects(None, p) if x != o}, key=str)
    choices = [*others, *(_literal_variants(o) if isinstance(o, rdflib.Literal) else [])]
    if not choices:
        return f"delete {s.n3()} {p.n3()} {o.n3()} (nothing to change it to)", {(s, p, o)}, set()
    new = choices[rng.randrange(len(choices))]
    return f"change {s.n3()} {p.n3()} {o.n3()} to {new.n3()}", {(s, p, o)}, {(s, p, new)}


def test_random_edits_are_reproducible_and_of_both_kinds(seed_memory, editable_statements):
    edits = [random_edit(seed_memory.graph, editable_statements, seed) for seed in EDIT_SEEDS]
    assert edits == [random_edit(seed_memory.graph, editable_statements, seed) for seed in EDIT_SEEDS]
    kinds = {text.split()[0] for text, _, _ in edits}
    assert kinds == {"delete", "change"}
    assert all(removed <= set(seed_memory.graph) for _, removed, _ in edits)


@pytest.mark.slow
@pytest.mark.parametrize("edit", EDIT_SEEDS)
def test_a_random_edit_of_the_seed_gives_pyshacl_results(seed_memory, editable_statements, edit):
    graph = seed_memory.copy().graph
    what, removed, added = random_edit(graph, editable_statements, edit)
    for triple in removed:
        graph.remove(triple)
    for triple in added:
        graph.add(triple)
    expected = _results(_pyshacl(graph))
    for kg in (_ParsedOnce(graph), _oxigraph(graph=graph)):
        actual = _results(run(kg, COMPILED))
        assert actual == expected, f"edit {edit}: {what} ({type(kg).__name__})\n{_show(expected, actual)}"
