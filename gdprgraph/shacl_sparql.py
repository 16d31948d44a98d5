"""Our SHACL shapes compiled into set-based SPARQL: one SELECT per constraint, every focus node at once.

pyshacl (``validate.validate``) is the reference engine: it evaluates each SPARQL-based constraint
once per focus node in rdflib, which does not scale. This module compiles the shapes graph into
plain SPARQL 1.1 SELECT queries, one per constraint, that return every violating focus node (and
value, and message variables) in one go, and runs them through ``KnowledgeGraph.query`` so that the
same queries run on rdflib in memory, on Oxigraph and on a remote SPARQL server. The report graph
it builds has the shape of pyshacl's, so ``validate._finding`` reads it unchanged.

Each query joins the focus nodes of the node shape (its targets, as a sub-select) with the
constraint in ONE group, so that every filter of the constraint sees ``?this`` bound:

- a SPARQL constraint keeps its own WHERE body, ``$this`` renamed ``?this`` (SHACL pre-binds it);
  where a nested group (a UNION branch) uses ``$this`` in a FILTER or BIND, the group is given its
  own binding of ``?this`` first, since a nested group is evaluated on its own (see ``_Rewriter``);
- a core constraint component (sh:minCount, sh:class, sh:in, sh:node, ...) becomes a FILTER over
  the value nodes; shapes nested through sh:node, sh:or and sh:not become (NOT) EXISTS conditions.

Written for Oxigraph's planner, each time with the same solutions (the reasons are next to the code):
the focus nodes are a GROUP BY sub-select (not SELECT DISTINCT); sh:maxCount counts values once
with GROUP BY / HAVING; a constraint's top-level ``FILTER NOT EXISTS { P }`` / ``FILTER EXISTS
{ P }`` runs as ``MINUS { P }`` / a join with the distinct matches of P where that is provably the
same; a UNION joined with other patterns is put in a ``{ SELECT * WHERE { ... } }`` sub-select.

Only the SHACL features our shapes use are compiled (see ``SUPPORTED``); anything else raises
``UnsupportedShapeError`` naming the shape and the feature, so that no constraint is ever skipped.

Print the queries of the shapes with ``python -m gdprgraph.shacl_sparql``.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import rdflib
from rdflib import OWL, RDF, RDFS, XSD, BNode, Literal, URIRef
from rdflib.collection import Collection as RdfList
from rdflib.namespace import SH
from rdflib.term import Node

from .errors import GdprGraphError
from .store import KnowledgeGraph
from .store.binding import term_text


class UnsupportedShapeError(GdprGraphError):
    """A shape uses a SHACL feature the compiled engine does not implement (use pyshacl, or extend it)."""

    def __init__(self, shape: str, feature: str) -> None:
        self.shape, self.feature = shape, feature
        super().__init__(f"shape {shape}: {feature} is not supported by the compiled SPARQL engine "
                         "(gdprgraph.shacl_sparql); validate it with pyshacl or extend the compiler")


# -- what is supported ----------------------------------------------------------------------------

#: Constraint parameters the compiler implements, with the component each one reports.
COMPONENTS = {
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH["class"]: SH.ClassConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH.node: SH.NodeConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH["not"]: SH.NotConstraintComponent,
    SH.sparql: SH.SPARQLConstraintComponent,
}
#: Targets the compiler implements.
TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
#: SHACL predicates that do not validate anything (names, documentation, grouping).
NON_VALIDATING = {SH.name, SH.description, SH.order, SH.group, SH.defaultValue, SH.message,
                  SH.severity, SH.deactivated}
#: Every sh: predicate the compiler accepts on a shape; any other one is an UnsupportedShapeError.
SUPPORTED = {
    "node shape": (set(COMPONENTS) - {SH.minCount, SH.maxCount}) | set(TARGETS) | NON_VALIDATING | {SH.property},
    "property shape": (set(COMPONENTS) - {SH.sparql}) | NON_VALIDATING | {SH.path},
    "SPARQL constraint": {SH.select, SH.prefixes, SH.message, SH.deactivated},
    "SPARQL target": {SH.select, SH.prefixes},
}
#: Datatypes whose well-formedness sh:datatype can check (see _DATATYPE_TESTS).
DATATYPES = (XSD.duration,)
#: Prefixes the generated parts of the queries may use besides the shapes' sh:declare.
STANDARD_PREFIXES = {"rdf": str(RDF), "rdfs": str(RDFS), "xsd": str(XSD)}
#: Focus nodes per VALUES block when ``run`` is restricted to some focus nodes.
FOCUS_CHUNK = 400

# -- fixed SPARQL fragments (templates) ---------------------------------------------------------------

# A SHACL instance of a class: typed with the class or one of its subclasses (sh:targetClass, sh:class).
_INSTANCE_OF = "{node} rdf:type/rdfs:subClassOf* {cls} ."

# The focus nodes of a node shape, joined first into the group of every query of that shape. The
# focus slot receives ``VALUES ?this { ... }`` when ``run`` is restricted to some focus nodes.
# GROUP BY ?this (rather than SELECT DISTINCT) gives one row per focus node and keeps Oxigraph from
# pushing the constraint's FILTERs down into the sub-select, where they would run once per row of
# the target pattern (e.g. once per template line instead of once per service) before the DISTINCT.
# HAVING (BOUND(?this)): rdflib answers a GROUP BY over no row with one empty group.
_FOCUS_NODES = """\
{{
  SELECT ?this WHERE {{
{slot}{pattern}
  }} GROUP BY ?this HAVING (BOUND(?this))
}}"""

# One compiled query: the focus nodes, then the constraint, in one group.
_QUERY = """\
{comments}
{prefixes}
SELECT {projection} WHERE {{
  # focus nodes: {targets}
{focus}
  # {constraint}
{body}
}}
"""

# The nodes with more than {count} distinct values of the path (sh:maxCount), counted once for all
# nodes (rather than one EXISTS per focus node); joined with the focus nodes.
_MORE_VALUES_THAN = """\
{{
  SELECT ?this WHERE {{ ?this {path} ?value }}
  GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {count})
}}"""

# Lexical forms of xsd:duration that rdflib parses (pyshacl reports sh:datatype on the literals that
# rdflib marks ill-typed): its ISO 8601 designator regex, which also takes fractions in any field,
# weeks, a '+' sign and a trailing 'T' (rdflib.xsd_datetime.ISO8601_PERIOD_REGEX; its "P(?!\b)" is
# written as "not just P"; Python's "$" also matches before a final newline) ...
_DURATION_DESIGNATORS = ("^[+-]?P([0-9]+([,.][0-9]+)?Y)?([0-9]+([,.][0-9]+)?M)?([0-9]+([,.][0-9]+)?W)?"
                         "([0-9]+([,.][0-9]+)?D)?(T([0-9]+([,.][0-9]+)?H)?([0-9]+([,.][0-9]+)?M)?"
                         "([0-9]+([,.][0-9]+)?S)?)?\\n?$")
_DURATION_EMPTY = "^[+-]?P\\n?$"
# ... and, failing that, "P" + a date-time that datetime.fromisoformat accepts (rdflib's "alternative
# format", approximated: YYYY-MM-DD or YYYYMMDD with an optional time; not week or ordinal dates).
_DURATION_ALTERNATIVE = ("^P([0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})"
                         "(-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])|(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01]))"
                         "(T([01][0-9]|2[0-3])(:?[0-5][0-9](:?[0-5][0-9]([.,][0-9]+)?)?)?)?$")
_DATATYPE_TESTS = {
    XSD.duration: ('(REGEX(STR({v}), "' + _DURATION_DESIGNATORS + '") && !REGEX(STR({v}), "'
                   + _DURATION_EMPTY + '"))\n|| REGEX(STR({v}), "' + _DURATION_ALTERNATIVE + '")'),
}
# A value that is not a well-formed literal of the datatype (sh:datatype).
_NOT_OF_DATATYPE = "!(isLiteral({v}) && sameTerm(DATATYPE({v}), {datatype})\n  && ({lexical}))"

_FOCUS_SLOT = "\x00focus\x00"
_FOCUS_LINE = re.compile(r"^([ ]*)\x00focus\x00\n", re.MULTILINE)
_AGGREGATES = {"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"}
_PREBOUND = {"value", "PATH", "currentShape", "shapesGraph"}


@dataclass(frozen=True)
class CompiledConstraint:
    """One constraint of one node shape, as a SPARQL SELECT over every focus node of the shape."""

    node_shape: Node
    #: the shape pyshacl reports as sh:sourceShape (the property shape, or the node shape itself)
    source_shape: Node
    component: URIRef
    severity: URIRef
    #: sh:path of the property shape (None for the node shape's own constraints)
    path: URIRef | None
    #: the query, over every focus node (print it)
    sparql: str
    #: the sh:sparql node of a SPARQL constraint (reported as sh:sourceConstraint)
    source_constraint: Node | None = None
    #: sh:message of the source shape
    messages: tuple[Literal, ...] = ()
    #: sh:message of the SPARQL constraint, with {?var} / {$this} placeholders
    constraint_messages: tuple[Literal, ...] = ()
    #: the query with a slot for the focus restriction
    template: str = field(default="", repr=False)
    #: the shapes graph the shapes come from (for copying blank-node shapes into the report)
    shapes: rdflib.Graph | None = field(default=None, repr=False, compare=False)

    def query(self, focus: Sequence[Node] | None = None) -> str:
        """The query, restricted to some focus nodes if given (IRIs: a VALUES block)."""
        if focus is None:
            return self.sparql
        values = "VALUES ?this {\n" + "".join(f"  {term_text(node)}\n" for node in focus) + "}\n"
        return _FOCUS_LINE.sub(lambda m: _indent(values, len(m.group(1))), self.template)

    def describe(self) -> str:
        """Node shape, property path and component, in short."""
        names = _Names(self.shapes)
        parts = [names.short(self.node_shape)]
        if self.path is not None:
            parts.append(names.short(self.path))
        parts.append(str(self.component).rsplit("#", 1)[-1])
        return " / ".join(parts)


# -- compiling ------------------------------------------------------------------------------------------


def compile_shapes(shapes: rdflib.Graph) -> list[CompiledConstraint]:
    """One compiled query per constraint of every node shape that has a target."""
    return _Compiler(shapes).compile()


class _Compiler:
    def __init__(self, shapes: rdflib.Graph) -> None:
        self.shapes = shapes
        self.names = _Names(shapes)

    # -- shapes ------------------------------------------------------------------------------------
    def compile(self) -> list[CompiledConstraint]:
        compiled: list[CompiledConstraint] = []
        for shape in self._target_shapes():
            compiled.extend(self._node_shape(shape))
        return compiled

    def _target_shapes(self) -> list[Node]:
        g = self.shapes
        found: set[Node] = set()
        for predicate in (*TARGETS, SH.targetNode):
            found.update(g.subjects(predicate, None))
        for kind in (SH.NodeShape, SH.PropertyShape):
            for shape in g.subjects(RDF.type, kind):
                if {RDFS.Class, OWL.Class} & set(g.objects(shape, RDF.type)):
                    raise UnsupportedShapeError(self.names.short(shape), "an implicit class target "
                                                "(a shape that is also a class)")
        for shape in found:
            if g.value(shape, SH.targetNode) is not None:
                raise UnsupportedShapeError(self.names.short(shape), "sh:targetNode")
            if g.value(shape, SH.path) is not None:
                raise UnsupportedShapeError(self.names.short(shape), "a property shape with its own target")
        return sorted(found, key=lambda s: (isinstance(s, BNode), str(s)))

    def _check(self, node: Node, kind: str, owner: Node) -> None:
        """Refuse any sh: predicate of the node that the compiler does not implement."""
        for predicate in set(self.shapes.predicates(node, None)):
            if str(predicate).startswith(str(SH)) and predicate not in SUPPORTED[kind]:
                what = self.names.short(predicate)
                if kind == "node shape" and predicate in (SH.minCount, SH.maxCount):
                    what += " on a node shape"
                raise UnsupportedShapeError(self.names.short(owner), f"{what} (on a {kind})")

    def _deactivated(self, node: Node) -> bool:
        value = self.shapes.value(node, SH.deactivated)
        return isinstance(value, Literal) and value.value is True

    def _severity(self, shape: Node) -> URIRef:
        return self.shapes.value(shape, SH.severity) or SH.Violation

    def _messages(self, node: Node) -> tuple[Literal, ...]:
        return tuple(sorted((m for m in self.shapes.objects(node, SH.message) if isinstance(m, Literal)),
                            key=lambda m: (str(m), m.language or "")))

    def _node_shape(self, shape: Node) -> Iterator[CompiledConstraint]:
        self._check(shape, "node shape", shape)
        if self._deactivated(shape):
            return
        focus = _FocusNodes(self, shape)
        severity = self._severity(shape)
        label = self.names.short(shape)
        for constraint in sorted(self.shapes.objects(shape, SH.sparql), key=str):
            if self._deactivated(constraint):
                continue
            yield self._sparql_constraint(shape, constraint, focus, severity)
        # the node shape's own core constraints: the value node is the focus node
        for component, condition in self._value_conditions(shape, shape, "?this"):
            messages = self._messages(shape)
            if not messages:
                raise UnsupportedShapeError(label, "a core constraint on a node shape without sh:message")
            body = f"FILTER {_render_filter(condition)}"
            text = self._assemble(focus, "DISTINCT ?this", body,
                                  f"{self.names.short(component)} of {label}", [])
            yield self._compiled(shape, shape, component, severity, None, text, messages=messages)
        for prop in sorted(self.shapes.objects(shape, SH.property), key=str):
            yield from self._property_shape(shape, prop, focus)

    def _property_shape(self, shape: Node, prop: Node, focus: _FocusNodes) -> Iterator[CompiledConstraint]:
        self._check(prop, "property shape", shape)
        if self._deactivated(prop):
            return
        path = self._path(prop, shape)
        severity = self._severity(prop)
        messages = self._messages(prop)
        where = f"{self.names.short(shape)}, property {self.names.short(path)}"
        if not messages:
            raise UnsupportedShapeError(where, "a property shape without sh:message (pyshacl's default "
                                        "messages are not reproduced)")
        p = self.names.term(path)
        for count in self._counts(prop, SH.minCount, shape):
            if count == 0:
                continue  # sh:minCount 0 always holds
            condition = _Exists(_distinct_values("?this", p, "?value", count), negated=True)
            body = f"FILTER {_render_filter(condition)}"
            text = self._assemble(focus, "?this", body, f"sh:minCount {count} on {self.names.short(path)}", [])
            yield self._compiled(shape, prop, SH.MinCountConstraintComponent, severity, path, text,
                                 messages=messages)
        for count in self._counts(prop, SH.maxCount, shape):
            body = _MORE_VALUES_THAN.format(path=p, count=count)
            text = self._assemble(focus, "?this", body, f"sh:maxCount {count} on {self.names.short(path)}", [])
            yield self._compiled(shape, prop, SH.MaxCountConstraintComponent, severity, path, text,
                                 messages=messages)
        for component, condition in self._value_conditions(prop, shape, "?value"):
            body = f"?this {p} ?value .\nFILTER {_render_filter(condition)}"
            text = self._assemble(focus, "DISTINCT ?this ?value", body,
                                  f"{self.names.short(component)} on the values of {self.names.short(path)}", [])
            yield self._compiled(shape, prop, component, severity, path, text, messages=messages)

    def _path(self, prop: Node, owner: Node) -> URIRef:
        paths = list(self.shapes.objects(prop, SH.path))
        if len(paths) != 1 or not isinstance(paths[0], URIRef):
            raise UnsupportedShapeError(self.names.short(owner), "a property path that is not a single IRI")
        return paths[0]

    def _counts(self, prop: Node, predicate: URIRef, owner: Node) -> list[int]:
        counts = []
        for value in self.shapes.objects(prop, predicate):
            if not (isinstance(value, Literal) and isinstance(value.value, int) and value.value >= 0):
                raise UnsupportedShapeError(self.names.short(owner), f"{self.names.short(predicate)} {value}")
            if value.value > 8:
                raise UnsupportedShapeError(self.names.short(owner), f"{self.names.short(predicate)} above 8")
            counts.append(int(value.value))
        return counts

    def _compiled(self, shape: Node, source: Node, component: URIRef, severity: URIRef, path: URIRef | None,
                  template: str, **extra) -> CompiledConstraint:
        return CompiledConstraint(node_shape=shape, source_shape=source, component=component, severity=severity,
                                  path=path, sparql=_FOCUS_LINE.sub("", template), template=template,
                                  shapes=self.shapes, **extra)

    # -- value conditions (core components, nested shapes) -----------------------------------------
    def _value_conditions(self, shape: Node, owner: Node, var: str,
                          seen: Sequence[Node] = ()) -> Iterator[tuple[URIRef, _Expr]]:
        """(component, condition true when the value node in ``var`` violates it), per constraint."""
        g = self.shapes
        seen = [*seen, shape]
        for cls in sorted(g.objects(shape, SH["class"]), key=str):
            yield SH.ClassConstraintComponent, _Comment(f"sh:class {self.names.short(cls)}",
                                                        self._not_instance(var, cls))
        lists = list(g.objects(shape, SH["in"]))
        if len(lists) > 1:
            raise UnsupportedShapeError(self.names.short(owner), "several sh:in on one shape")
        for members in lists:
            yield SH.InConstraintComponent, self._not_in(var, list(RdfList(g, members)))
        datatypes = list(g.objects(shape, SH.datatype))
        if len(datatypes) > 1:
            raise UnsupportedShapeError(self.names.short(owner), "several sh:datatype on one shape")
        for datatype in datatypes:
            yield SH.DatatypeConstraintComponent, _Comment(f"sh:datatype {self.names.short(datatype)}",
                                                           self._not_datatype(var, datatype, owner))
        for nested in sorted(g.objects(shape, SH.node), key=str):
            yield SH.NodeConstraintComponent, _Comment(f"sh:node {self.names.short(nested)}",
                                                       self._fails(nested, var, owner, seen))
        for members in g.objects(shape, SH["or"]):
            alternatives = [self._fails(m, var, owner, seen) for m in RdfList(g, members)]
            yield SH.OrConstraintComponent, _Comment("sh:or: no alternative holds", _And(alternatives))
        for nested in sorted(g.objects(shape, SH["not"]), key=str):
            yield SH.NotConstraintComponent, _Comment(f"sh:not {self.names.short(nested)}: the shape holds",
                                                      _Not(self._fails(nested, var, owner, seen)))

    def _fails(self, shape: Node, var: str, owner: Node, seen: Sequence[Node]) -> _Expr:
        """A condition true when the node in ``var`` does not conform to the (nested) shape."""
        if shape in seen:
            raise UnsupportedShapeError(self.names.short(owner), f"a recursive shape ({self.names.short(shape)})")
        kind = "property shape" if self.shapes.value(shape, SH.path) is not None else "node shape"
        self._check(shape, kind, owner)
        if self.shapes.value(shape, SH.sparql) is not None:
            raise UnsupportedShapeError(self.names.short(owner), "sh:sparql in a nested shape")
        if self._deactivated(shape):
            return _Atom("false")
        if kind == "property shape":
            return self._property_fails(shape, var, owner, [*seen, shape])
        parts = [c for _, c in self._value_conditions(shape, owner, var, seen)]
        for prop in sorted(self.shapes.objects(shape, SH.property), key=str):
            self._check(prop, "property shape", owner)
            if not self._deactivated(prop):
                parts.append(self._property_fails(prop, var, owner, [*seen, shape]))
        return _Or(parts) if parts else _Atom("false")

    def _property_fails(self, prop: Node, var: str, owner: Node, seen: list[Node]) -> _Expr:
        path = self._path(prop, owner)
        p = self.names.term(path)
        value = self._fresh(path)
        parts: list[_Expr] = []
        for count in self._counts(prop, SH.minCount, owner):
            if count:
                parts.append(_Exists(_distinct_values(var, p, value, count), negated=True))
        for count in self._counts(prop, SH.maxCount, owner):
            parts.append(_Exists(_distinct_values(var, p, value, count + 1)))
        checks = [c for _, c in self._value_conditions(prop, owner, value, seen)]
        if checks:
            parts.append(_Exists([f"{var} {p} {value} .", f"FILTER {_render_filter(_Or(checks))}"]))
        return _Comment(f"sh:property {self.names.short(path)}", _Or(parts) if parts else _Atom("false"))

    def _fresh(self, path: URIRef) -> str:
        self._counter = getattr(self, "_counter", 0) + 1
        local = re.sub(r"\W", "_", re.split(r"[#/]", str(path))[-1]) or "value"
        return f"?{local}_{self._counter}"

    def _not_instance(self, var: str, cls: Node) -> _Expr:
        return _Exists([self.names.instance_of(var, cls)], negated=True)

    def _not_in(self, var: str, members: list[Node]) -> _Expr:
        if all(isinstance(m, URIRef) for m in members):
            # between IRIs (and a value of any kind) "=" is sameTerm, as pyshacl's sh:in
            return _Atom(f"{var} NOT IN ({', '.join(self.names.term(m) for m in members)})")
        tests = " || ".join(f"sameTerm({var}, {self.names.term(m)})" for m in members)
        return _Atom(f"!({tests})" if tests else "true")

    def _not_datatype(self, var: str, datatype: Node, owner: Node) -> _Expr:
        if datatype not in _DATATYPE_TESTS:
            raise UnsupportedShapeError(self.names.short(owner), f"sh:datatype {self.names.short(datatype)} "
                                        f"(only {', '.join(self.names.short(d) for d in DATATYPES)})")
        lexical = _DATATYPE_TESTS[datatype].replace("{v}", var)
        return _Atom(_NOT_OF_DATATYPE.format(v=var, datatype=self.names.term(datatype),
                                             lexical=_indent(lexical, 4).lstrip()))

    # -- SPARQL constraints ------------------------------------------------------------------------
    def _sparql_constraint(self, shape: Node, constraint: Node, focus: _FocusNodes,
                           severity: URIRef) -> CompiledConstraint:
        self._check(constraint, "SPARQL constraint", shape)
        label = self.names.short(shape)
        select = self._select_text(constraint, shape)
        prefixes = self._declared(constraint, shape)
        query = _SelectQuery.parse(select, label)
        prefixes = _merge_prefixes(prefixes, query.prologue, label)
        query.check_prefixes(prefixes, label)
        projection = query.projection_text()
        if "this" not in query.projected and query.projected != {"*"}:
            raise UnsupportedShapeError(label, "a SPARQL constraint that does not select $this")
        if "failure" in query.projected:
            raise UnsupportedShapeError(label, "?failure in a SPARQL constraint")
        body = _Rewriter(query, focus, label).body()
        text = self._assemble(focus, projection, body,
                              "the SPARQL constraint (sh:select, $this pre-bound as ?this)", prefixes)
        return self._compiled(shape, shape, SH.SPARQLConstraintComponent, severity, None, text,
                              source_constraint=constraint, messages=self._messages(shape),
                              constraint_messages=self._messages(constraint))

    def _select_text(self, node: Node, owner: Node) -> str:
        selects = list(self.shapes.objects(node, SH.select))
        if len(selects) != 1 or not isinstance(selects[0], Literal):
            raise UnsupportedShapeError(self.names.short(owner), "a SPARQL constraint or target without one sh:select")
        return str(selects[0])

    def _declared(self, node: Node, owner: Node) -> dict[str, str]:
        """The prefixes sh:prefixes brings to a SPARQL query, resolved as pyshacl does."""
        g = self.shapes
        ontologies = set(g.subjects(RDF.type, OWL.Ontology))
        graph_declares = set(g.objects(g.identifier, SH.declare))
        every_declare = graph_declares.union(*(set(g.objects(o, SH.declare)) for o in ontologies))
        prefixes: dict[str, str] = {}
        for source in g.objects(node, SH.prefixes):
            own = set(g.objects(source, SH.declare))
            declares = own | graph_declares if own and source in ontologies else every_declare | own
            for declare in declares:
                prefix, namespace = g.value(declare, SH.prefix), g.value(declare, SH.namespace)
                if prefix is None or namespace is None:
                    raise UnsupportedShapeError(self.names.short(owner), "an sh:declare without prefix or namespace")
                if prefixes.get(str(prefix), str(namespace)) != str(namespace):
                    raise UnsupportedShapeError(self.names.short(owner), f"prefix {prefix}: declared twice")
                prefixes[str(prefix)] = str(namespace)
        return prefixes

    # -- assembling ----------------------------------------------------------------------------------
    def _assemble(self, focus: _FocusNodes, projection: str, body: str, constraint: str,
                  prefixes: dict[str, str] | list) -> str:
        declared = dict(prefixes) if isinstance(prefixes, dict) else {}
        used = dict(focus.prefixes)
        used.update(self.names.used)
        self.names.used.clear()
        for name, namespace in used.items():
            if declared.get(name, namespace) != namespace:
                raise UnsupportedShapeError(self.names.short(focus.shape), f"prefix {name}: declared twice")
            declared[name] = namespace
        lines = "\n".join(f"PREFIX {name}: <{namespace}>" for name, namespace in sorted(declared.items()))
        return _QUERY.format(
            comments=f"# {self.names.short(focus.shape)}: {constraint}",
            prefixes=lines, projection=projection, targets=focus.description,
            focus=_indent(focus.pattern(), 2), constraint=constraint, body=_indent(body, 2))


class _FocusNodes:
    """The targets of a node shape, as the sub-select every query of the shape starts with."""

    def __init__(self, compiler: _Compiler, shape: Node) -> None:
        self.shape = shape
        g, names = compiler.shapes, compiler.names
        label = names.short(shape)
        patterns, described = [], []
        self.prefixes: dict[str, str] = {}
        for cls in sorted(g.objects(shape, SH.targetClass), key=str):
            patterns.append(names.instance_of("?this", cls))
            described.append(f"sh:targetClass {names.short(cls)}")
        for prop in sorted(g.objects(shape, SH.targetSubjectsOf), key=str):
            patterns.append(f"?this {names.term(prop)} [] .")
            described.append(f"sh:targetSubjectsOf {names.short(prop)}")
        for prop in sorted(g.objects(shape, SH.targetObjectsOf), key=str):
            patterns.append(f"[] {names.term(prop)} ?this .")
            described.append(f"sh:targetObjectsOf {names.short(prop)}")
        self.prefixes.update(names.used)
        names.used.clear()
        for target in sorted(g.objects(shape, SH.target), key=str):
            compiler._check(target, "SPARQL target", shape)
            if SH.SPARQLTarget not in set(g.objects(target, RDF.type)) and g.value(target, SH.select) is None:
                raise UnsupportedShapeError(label, "an sh:target that is not an sh:SPARQLTarget")
            query = _SelectQuery.parse(compiler._select_text(target, shape), label)
            prefixes = _merge_prefixes(compiler._declared(target, shape), query.prologue, label)
            query.check_prefixes(prefixes, label)
            if query.projected != {"this"} or query.has_expressions:
                raise UnsupportedShapeError(label, "a SPARQL target that selects more than ?this")
            self.prefixes = _merge_prefixes(self.prefixes, prefixes, label)
            where = query.where
            patterns.append(_dedent(query.rewritten(where.open + 1, where.close, _union_wraps(where))))
            described.append("sh:target (SPARQL target)")
        self.description = "; ".join(described)
        if len(patterns) == 1:
            self.inner = patterns[0]
        else:
            self.inner = "\nUNION\n".join("{\n" + _indent(p, 2) + "\n}" for p in patterns)

    def pattern(self) -> str:
        """The sub-select of the focus nodes, with the focus slot."""
        return _FOCUS_NODES.format(slot="    " + _FOCUS_SLOT + "\n", pattern=_indent(self.inner, 4))


# -- condition expressions ----------------------------------------------------------------------------


class _Expr:
    def render(self) -> str:
        raise NotImplementedError


@dataclass
class _Atom(_Expr):
    text: str

    def render(self) -> str:
        return self.text


@dataclass
class _Exists(_Expr):
    lines: list[str]
    negated: bool = False

    def render(self) -> str:
        keyword = "NOT EXISTS" if self.negated else "EXISTS"
        if len(self.lines) == 1 and "\n" not in self.lines[0]:
            return f"{keyword} {{ {self.lines[0]} }}"
        return f"{keyword} {{\n" + _indent("\n".join(self.lines), 2) + "\n}"


@dataclass
class _Not(_Expr):
    item: _Expr

    def render(self) -> str:
        inner = _unwrap(self.item)
        if isinstance(inner, _Exists):
            return _Exists(inner.lines, not inner.negated).render()
        if isinstance(inner, _Not):
            return inner.item.render()
        return "!(" + _indent(self.item.render(), 2).lstrip() + ")"


@dataclass
class _Or(_Expr):
    items: list[_Expr]

    def render(self) -> str:
        return _join(self.items, "||")


@dataclass
class _And(_Expr):
    items: list[_Expr]

    def render(self) -> str:
        return _join(self.items, "&&")


@dataclass
class _Comment(_Expr):
    text: str
    item: _Expr

    def render(self) -> str:
        return f"# {self.text}\n{self.item.render()}"


def _unwrap(expr: _Expr) -> _Expr:
    while isinstance(expr, _Comment) or (isinstance(expr, (_Or, _And)) and len(expr.items) == 1):
        expr = expr.item if isinstance(expr, _Comment) else expr.items[0]
    return expr


def _join(items: list[_Expr], operator: str) -> str:
    if not items:
        return "false" if operator == "||" else "true"
    if len(items) == 1:
        return items[0].render()
    lines: list[str] = []
    for index, item in enumerate(items):
        comments = []
        while isinstance(item, _Comment) or (isinstance(item, (_Or, _And)) and len(item.items) == 1):
            if isinstance(item, _Comment):
                comments.append(f"# {item.text}")
                item = item.item
            else:
                item = item.items[0]
        text = item.render()
        if isinstance(_unwrap(item), (_Or, _And)) or (isinstance(_unwrap(item), _Atom) and " " in text):
            text = "(\n" + _indent(text, 2) + "\n)"
        lines += comments
        lines.append(text if index == 0 else f"{operator} {text}")
    return "\n".join(lines)


def _render_filter(expr: _Expr) -> str:
    """The argument of FILTER: ``NOT EXISTS { ... }`` alone, else a parenthesised expression."""
    inner = _unwrap(expr)
    if isinstance(inner, _Not):
        rendered = inner.render()
        if rendered.startswith(("EXISTS", "NOT EXISTS")):
            return rendered
    if isinstance(inner, _Exists) and not isinstance(expr, _Comment):
        return inner.render()
    rendered = expr.render()
    if "\n" not in rendered:
        return f"({rendered})"
    return "(\n" + _indent(rendered, 2) + "\n)"


def _distinct_values(subject: str, path: str, value: str, count: int) -> list[str]:
    """Pattern lines: ``count`` pairwise distinct values of the path (1: just one value)."""
    if count <= 1:
        return [f"{subject} {path} {value} ."]
    names = [f"{value}_{i}" for i in range(1, count + 1)]
    distinct = " && ".join(f"!sameTerm({a}, {b})" for i, a in enumerate(names) for b in names[i + 1:])
    return [f"{subject} {path} {', '.join(names)} .", f"FILTER ({distinct})"]


# -- SPARQL text of the shapes: a small tokenizer and group parser --------------------------------------

_TOKEN = re.compile("|".join([
    r"(?P<space>\s+|#[^\n]*)",
    r'(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""' r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"' r"|'(?:[^'\\\n]|\\.)*')",
    r'(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)',
    r"(?P<var>[?$]\w+)",
    r"(?P<name>(?:[A-Za-z](?:[\w.-]*[\w-])?)?:(?:[\w:%-](?:[\w.:%-]*[\w:%-])?)?|[A-Za-z_]\w*)",
    r"(?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)",
    r"(?P<punct>\^\^|&&|\|\||!=|<=|>=|.)",
]), re.DOTALL)


@dataclass
class _Token:
    kind: str
    text: str
    start: int
    end: int

    @property
    def keyword(self) -> str:
        return self.text.upper() if self.kind == "name" and ":" not in self.text else ""


@dataclass
class _Group:
    """A ``{ ... }`` group: its braces' offsets and its elements at depth 0."""

    open: int
    close: int
    elements: list[_Element]
    variables: set[str]


@dataclass
class _Element:
    kind: str  # triples | filter | bind | optional | union (one or more branches)
    start: int
    end: int
    variables: set[str]
    groups: list[_Group]  # union branches; the optional group; the EXISTS groups of an expression
    first: int = 0  # index of its first token
    last: int = 0  # index after its last token
    exists: str = ""  # "EXISTS" or "NOT EXISTS" for FILTER EXISTS { ... } / FILTER NOT EXISTS { ... }
    binds: str = ""  # the variable a BIND assigns
    constant: bool = False  # a BIND of a constant (never unbound)


def _tokens(text: str) -> list[_Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        if match.lastgroup != "space":
            tokens.append(_Token(match.lastgroup, match.group(), match.start(), match.end()))
    return tokens


@dataclass
class _SelectQuery:
    """A SELECT of a shape (constraint or target), parsed enough to embed and rewrite it."""

    text: str
    tokens: list[_Token]
    prologue: dict[str, str]
    projection: tuple[int, int]  # token indexes of the projection (after SELECT, before WHERE/{)
    projected: set[str]
    has_expressions: bool
    where: _Group

    @classmethod
    def parse(cls, text: str, label: str) -> _SelectQuery:
        tokens = _tokens(text)
        parser = _GroupParser(text, tokens, label)
        prologue: dict[str, str] = {}
        i = 0
        while i < len(tokens) and tokens[i].keyword in ("PREFIX", "BASE"):
            if tokens[i].keyword == "BASE":
                raise UnsupportedShapeError(label, "BASE in a SPARQL query")
            name, iri = tokens[i + 1], tokens[i + 2]
            prologue[name.text.rstrip(":")] = iri.text[1:-1]
            i += 3
        if i >= len(tokens) or tokens[i].keyword != "SELECT":
            raise UnsupportedShapeError(label, "a SPARQL query that is not a SELECT")
        i += 1
        start = i
        projected: set[str] = set()
        expressions = False
        while i < len(tokens) and tokens[i].keyword != "WHERE" and tokens[i].text != "{":
            token = tokens[i]
            if token.keyword in _AGGREGATES:
                raise UnsupportedShapeError(label, f"an aggregate ({token.text}) in a SPARQL query")
            if token.text == "(":
                expressions = True
                depth = 0
                while True:
                    depth += {"(": 1, ")": -1}.get(tokens[i].text, 0)
                    if tokens[i].keyword in _AGGREGATES:
                        raise UnsupportedShapeError(label, f"an aggregate ({tokens[i].text}) in a SPARQL query")
                    if tokens[i].keyword == "AS":
                        projected.add(tokens[i + 1].text[1:])
                    i += 1
                    if depth == 0:
                        break
                continue
            if token.kind == "var":
                projected.add(token.text[1:])
            elif token.text == "*":
                projected.add("*")
            i += 1
        end = i
        if i < len(tokens) and tokens[i].keyword == "WHERE":
            i += 1
        if i >= len(tokens) or tokens[i].text != "{":
            raise UnsupportedShapeError(label, "a SELECT without a WHERE group")
        where, i = parser.group(i)
        if i < len(tokens):
            raise UnsupportedShapeError(label, f"'{tokens[i].text}' after the WHERE group (solution modifiers)")
        return cls(text, tokens, prologue, (start, end), projected, expressions, where)

    def projection_text(self) -> str:
        start, end = self.projection
        if start == end:
            raise UnsupportedShapeError("?", "an empty projection")
        return self.rewritten(self.tokens[start].start, self.tokens[end - 1].end, [])

    def rewritten(self, start: int, end: int, edits: list[tuple[int, int, str]]) -> str:
        """The text between two offsets, $this written ?this, with (start, end, replacement) edits."""
        edits = [*edits, *((t.start, t.end, "?this") for t in self.tokens
                           if t.kind == "var" and t.text == "$this" and start <= t.start < end)]
        text = self.text[start:end]
        for at, until, replacement in sorted(edits, reverse=True):
            text = text[:at - start] + replacement + text[until - start:]
        return text

    def check_prefixes(self, prefixes: dict[str, str], label: str) -> None:
        for token in self.tokens:
            if token.kind == "name" and ":" in token.text:
                prefix = token.text.split(":", 1)[0]
                if prefix not in prefixes and prefix not in self.prologue:
                    raise UnsupportedShapeError(label, f"the undeclared prefix {prefix}: in a SPARQL query")


class _GroupParser:
    """Splits a group into elements (triples, FILTER, BIND, OPTIONAL, UNION); refuses the rest."""

    def __init__(self, text: str, tokens: list[_Token], label: str) -> None:
        self.text, self.tokens, self.label = text, tokens, label

    def _fail(self, feature: str) -> UnsupportedShapeError:
        return UnsupportedShapeError(self.label, feature)

    def group(self, i: int) -> tuple[_Group, int]:
        """Parse the group opening at token i; return it and the index after its closing brace."""
        tokens = self.tokens
        open_at = tokens[i].start
        i += 1
        if i < len(tokens) and tokens[i].keyword == "SELECT":
            raise self._fail("a sub-select in a SPARQL query")
        elements: list[_Element] = []
        while True:
            if i >= len(tokens):
                raise self._fail("an unbalanced group in a SPARQL query")
            token = tokens[i]
            keyword = token.keyword
            if token.text == "}":
                break
            if keyword in ("MINUS", "GRAPH", "SERVICE", "VALUES", "SELECT"):
                raise self._fail(f"{keyword} in a SPARQL query")
            if keyword == "FILTER":
                start = i
                i, groups = self._expression(i + 1)
                elements.append(self._element("filter", start, i, groups))
            elif keyword == "BIND":
                start = i
                i, groups = self._expression(i + 1)
                elements.append(self._element("bind", start, i, groups))
            elif keyword == "OPTIONAL":
                start = i
                sub, i = self.group(i + 1)
                elements.append(self._element("optional", start, i, [sub]))
            elif token.text == "{":
                start = i
                branches = []
                sub, i = self.group(i)
                branches.append(sub)
                while i < len(tokens) and tokens[i].keyword == "UNION":
                    sub, i = self.group(i + 1)
                    branches.append(sub)
                elements.append(self._element("union", start, i, branches))
            elif token.text == ".":
                i += 1
            else:
                start = i
                depth = 0
                while i < len(tokens):
                    t = tokens[i]
                    if depth == 0 and (t.text in ("{", "}") or t.keyword in (
                            "FILTER", "BIND", "OPTIONAL", "MINUS", "GRAPH", "SERVICE", "VALUES")):
                        break
                    depth += {"[": 1, "(": 1, "]": -1, ")": -1}.get(t.text, 0)
                    i += 1
                elements.append(self._element("triples", start, i, []))
        close_at = tokens[i].start
        variables = {t.text[1:] for t in tokens if open_at < t.start < close_at and t.kind == "var"}
        return _Group(open_at, close_at, elements, variables), i + 1

    def _element(self, kind: str, first: int, last: int, groups: list[_Group]) -> _Element:
        tokens = self.tokens[first:last]
        variables = {t.text[1:] for t in tokens if t.kind == "var"}
        element = _Element(kind, tokens[0].start, tokens[-1].end, variables, groups, first, last)
        keywords = [t.keyword for t in tokens[:3]]
        if kind == "filter" and keywords[1:3] == ["NOT", "EXISTS"]:
            element.exists = "NOT EXISTS"
        elif kind == "filter" and keywords[1] == "EXISTS":
            element.exists = "EXISTS"
        if kind == "bind":
            at = max(j for j, t in enumerate(tokens) if t.keyword == "AS")
            element.binds = tokens[at + 1].text[1:]
            value = tokens[2:at]
            element.constant = len(value) == 1 and (value[0].kind in ("iri", "string", "number")
                                                    or (value[0].kind == "name" and ":" in value[0].text))
        return element

    def _expression(self, i: int) -> tuple[int, list[_Group]]:
        """Skip a FILTER/BIND argument; return the index after it and the EXISTS groups in it."""
        tokens = self.tokens
        groups: list[_Group] = []
        if tokens[i].keyword == "NOT" and tokens[i + 1].keyword == "EXISTS":
            i += 1
        if tokens[i].keyword == "EXISTS":
            sub, i = self.group(i + 1)
            return i, [sub]
        if tokens[i].kind == "name" and tokens[i + 1].text == "(":
            i += 1  # a function call: FILTER regex(...)
        if tokens[i].text != "(":
            raise self._fail(f"an unexpected '{tokens[i].text}' after FILTER or BIND")
        depth = 0
        while True:
            token = tokens[i]
            if token.keyword == "EXISTS":
                sub, i = self.group(i + 1)
                groups.append(sub)
                continue
            if token.text == "{":
                raise self._fail("a group inside an expression")
            depth += {"(": 1, ")": -1}.get(token.text, 0)
            i += 1
            if depth == 0:
                return i, groups


class _Rewriter:
    """The WHERE body of a SPARQL constraint, ready to follow the focus nodes in one group.

    SHACL pre-binds ``$this``: every occurrence, at any depth, is the focus node. Joining the focus
    nodes first in the same group gives the same answers wherever the body's groups are joined
    (triples, FILTER and BIND of the top group, OPTIONAL of the top group, EXISTS, whose patterns see
    the row's bindings). A nested group, though (a UNION branch), is evaluated on its own: a FILTER
    or BIND there that uses ``?this`` would see it unbound. Such a branch gets its own binding of
    ``?this`` first: the top group's triples that mention ``?this`` when that changes nothing else
    (the variables they add are bound by the branch anyway or unused by its filters), else the
    focus-node sub-select itself. Deeper or other uses of ``?this`` raise UnsupportedShapeError.
    """

    def __init__(self, query: _SelectQuery, focus: _FocusNodes, label: str) -> None:
        self.query, self.focus, self.label = query, focus, label
        self.edits: list[tuple[int, int, str]] = []
        self.bound_branches: set[int] = set()

    def body(self) -> str:
        top = self.query.where
        for token in self.query.tokens:
            if token.kind == "var" and token.text.startswith("$") and token.text[1:] in _PREBOUND:
                raise UnsupportedShapeError(self.label, f"the pre-bound variable {token.text}")
        binders = [e for e in top.elements if e.kind == "triples" and "this" in e.variables]
        for element in top.elements:
            if element.kind in ("filter", "bind"):
                for group in element.groups:
                    self._check_exists(group)
            elif element.kind == "optional":
                self._check_optional(element.groups[0])
            elif element.kind == "union":
                for branch in element.groups:
                    if not self._only_in_triples(branch):
                        self._bind_branch(branch, binders)
        self._set_based_exists(top)
        self.edits += _union_wraps(top, {opening: {"this"} for opening in self.bound_branches})
        body = _dedent(self.query.rewritten(top.open + 1, top.close, self.edits))
        return "\n".join(line for line in body.split("\n") if line.strip())

    # -- FILTER (NOT) EXISTS as set operations -------------------------------------------------
    def _set_based_exists(self, top: _Group) -> None:
        """Run the top group's FILTER NOT EXISTS / FILTER EXISTS { P } as one anti-join / semi-join.

        Oxigraph evaluates EXISTS once per row, ordering P's patterns without regard to the row's
        bindings: ``?line gg:about ?this ; gg:status gg:DeclaredYes`` starts from every Yes line,
        for every focus node. Where it gives the same rows, P moves to the end of the group as
        ``MINUS { P }`` (NOT EXISTS) or a join with ``SELECT DISTINCT`` of the shared variables
        (EXISTS), which both engines run once, set-based. The same rows when P is only triple
        patterns and UNIONs of them (P alone then has the solutions of P with the row substituted)
        and, for MINUS, P always binds a variable that every row binds (MINUS needs one shared
        variable); for the join, every variable P shares with the group is bound in every row.
        """
        certain = {"this"} | _certain(top)
        bindable = {"this"}
        for element in top.elements:
            if element.kind in ("triples", "optional", "union"):
                bindable |= element.variables
            elif element.kind == "bind":
                bindable.add(element.binds)
        appended = []
        for element in top.elements:
            if element.kind != "filter" or not element.exists or not self._plain(element.groups[0]):
                continue
            pattern = element.groups[0]
            shared = pattern.variables & bindable
            text = _dedent(self.query.rewritten(pattern.open + 1, pattern.close, _union_wraps(pattern)))
            if "this" in shared:  # P is evaluated on its own: a run on some focus nodes restricts it too
                text = _FOCUS_SLOT + "\n" + text
            if element.exists == "NOT EXISTS" and certain & _certain(pattern) & shared:
                appended.append("# the constraint's FILTER NOT EXISTS { P }, as MINUS { P }: the same rows\n"
                                f"MINUS {{\n{_indent(text, 2)}\n}}")
            elif element.exists == "EXISTS" and shared and shared <= certain:
                variables = " ".join(f"?{v}" for v in sorted(shared))
                appended.append("# the constraint's FILTER EXISTS { P }, as a join with the distinct matches of P\n"
                                f"{{\n  SELECT DISTINCT {variables} WHERE {{\n{_indent(text, 4)}\n  }}\n}}")
            else:
                continue
            self.edits.append((element.start, element.end, ""))
        if appended:
            text = self.query.text
            first = top.elements[0].start
            line = text[text.rfind("\n", 0, first) + 1:first]
            indent = len(line) if not line.strip() else 0
            self.edits.append((top.close, top.close, "\n" + _indent("\n".join(appended), indent) + "\n"))

    def _plain(self, group: _Group) -> bool:
        """Only triple patterns and UNIONs of them; no path closure (P is evaluated on its own)."""
        tokens = [t for t in self.query.tokens if group.open < t.start < group.close]
        if any(t.kind == "punct" and t.text in ("*", "+", "?") for t in tokens):
            return False
        if any(t.text.startswith("_:") or t.text == "_" for t in tokens):
            return False
        return all(e.kind == "triples" or (e.kind == "union" and all(self._plain(b) for b in e.groups))
                   for e in group.elements)

    def _only_in_triples(self, group: _Group) -> bool:
        """Does ?this appear, in this group and below, only in triple patterns?"""
        for element in group.elements:
            if element.kind in ("filter", "bind") and "this" in element.variables:
                return False
            if element.kind in ("optional", "union") and not all(self._only_in_triples(g) for g in element.groups):
                return False
            if element.kind == "optional" and "this" in element.variables:
                return False  # the left side of a nested OPTIONAL may not bind ?this
        return True

    def _check_exists(self, group: _Group) -> None:
        """Inside EXISTS the row's ?this is substituted; keep its nested groups to triples on ?this."""
        for element in group.elements:
            if element.kind in ("filter", "bind"):
                for sub in element.groups:
                    self._check_exists(sub)
            elif element.kind in ("optional", "union") and not all(
                    self._only_in_triples(sub) for sub in element.groups):
                raise UnsupportedShapeError(self.label, "$this in a FILTER, BIND or OPTIONAL of a group "
                                            "nested in EXISTS")

    def _check_optional(self, group: _Group) -> None:
        """An OPTIONAL of the top group: its left side has ?this; its own groups must not need it."""
        for element in group.elements:
            if element.kind == "bind" and "this" in element.variables:
                raise UnsupportedShapeError(self.label, "$this in a BIND inside OPTIONAL")
            if element.kind == "filter":
                for sub in element.groups:
                    self._check_exists(sub)
            if element.kind in ("optional", "union") and not all(self._only_in_triples(g) for g in element.groups):
                raise UnsupportedShapeError(self.label, "$this in a FILTER or BIND of a group nested in OPTIONAL")

    def _bind_branch(self, branch: _Group, binders: list[_Element]) -> None:
        """Insert a binding of ?this at the start of a UNION branch that filters on it."""
        for element in branch.elements:
            if element.kind in ("optional", "union") and not all(self._only_in_triples(g) for g in element.groups):
                raise UnsupportedShapeError(self.label, "$this in a FILTER or BIND of a group nested two deep")
        added = set().union(*(e.variables for e in binders)) - {"this"}
        certain = set().union(*(e.variables for e in branch.elements if e.kind == "triples"))
        others = set().union(*(e.variables for e in branch.elements if e.kind != "triples"))
        triples = [self.query.rewritten(e.start, e.end, []).strip().rstrip(".").rstrip() + " ." for e in binders]
        if binders and others & added <= certain and "_:" not in "".join(triples):
            note = "# $this is pre-bound: bind ?this in this branch too (the top group's triples on ?this)"
            binding = "\n".join(triples)
        else:
            note = "# $this is pre-bound: bind ?this in this branch too (the focus nodes)"
            binding = self.focus.pattern()
        text = self.query.text
        at = branch.elements[0].start if branch.elements else branch.close
        line_start = text.rfind("\n", 0, branch.open) + 1
        indent = len(text[line_start:branch.open]) - len(text[line_start:branch.open].lstrip(" ")) + 4
        self.edits.append((at, at, "\n" + _indent(f"{note}\n{binding}", indent) + "\n" + " " * indent))
        self.bound_branches.add(branch.open)


def _certain(group: _Group) -> set[str]:
    """Variables bound in every solution of the group (triples, constant BINDs, all UNION branches)."""
    certain: set[str] = set()
    for element in group.elements:
        if element.kind == "triples":
            certain |= element.variables
        elif element.kind == "bind" and element.constant:
            certain.add(element.binds)
        elif element.kind == "union":
            certain |= set.intersection(*(_certain(branch) for branch in element.groups))
    return certain


def _union_wraps(group: _Group, also_bound: dict[int, set[str]] | None = None) -> list[tuple[int, int, str]]:
    """Edits that put each UNION joined with other patterns in ``{ SELECT * WHERE { ... } }``.

    Oxigraph joins a UNION with the patterns around it without join keys (a cross product, oxigraph
    issue 1884) unless the UNION is a sub-select. ``{ SELECT * WHERE { U } }`` has the solutions of
    U, evaluated on its own as the standard says a nested group is; done only where a branch's
    FILTER, BIND and OPTIONAL use no variable of the rest of the group that the branch may leave
    unbound (``also_bound``: variables a branch binds besides its triples, by the opening offset).
    """
    if len(group.elements) < 2:
        return []
    edits = []
    for union in group.elements:
        if union.kind != "union":
            continue
        around: set[str] = set()
        for other in group.elements:
            if other is not union and other.kind in ("triples", "optional", "union"):
                around |= other.variables
            elif other is not union and other.kind == "bind":
                around.add(other.binds)
        safe = True
        for branch in union.groups:
            used = set().union(*(e.variables for e in branch.elements if e.kind != "triples"))
            bound = _certain(branch) | (also_bound or {}).get(branch.open, set())
            safe = safe and used & around <= bound
        if safe:
            edits += [(union.start, union.start, "{ SELECT * WHERE { "), (union.end, union.end, " } }")]
    return edits


def _merge_prefixes(first: dict[str, str], second: dict[str, str], label: str) -> dict[str, str]:
    merged = dict(first)
    for name, namespace in second.items():
        if merged.get(name, namespace) != namespace:
            raise UnsupportedShapeError(label, f"prefix {name}: bound to two namespaces")
        merged[name] = namespace
    return merged


# -- text helpers ------------------------------------------------------------------------------------------


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line.strip() else line for line in text.split("\n"))


def _dedent(text: str) -> str:
    """A group's inside, dedented (a first line written on the brace's line keeps the rest under it)."""
    inline = not text.lstrip(" \t").startswith("\n")
    lines = textwrap.dedent(text.strip("\n")).rstrip().split("\n")
    if inline and len(lines) > 1:
        rest = _indent(textwrap.dedent("\n".join(lines[1:])), 2)
        lines = [lines[0].strip(), *rest.split("\n")]
    return "\n".join(line.rstrip() for line in lines).strip()


class _Names:
    """Compact names for IRIs in the generated SPARQL, remembering the prefixes they need."""

    _LOCAL = re.compile(r"^[A-Za-z_][\w-]*$")

    def __init__(self, shapes: rdflib.Graph | None) -> None:
        self.by_namespace: dict[str, str] = {}
        for name, namespace in STANDARD_PREFIXES.items():
            self.by_namespace[namespace] = name
        if shapes is not None:
            for node in shapes.objects(None, SH.declare):
                prefix, namespace = shapes.value(node, SH.prefix), shapes.value(node, SH.namespace)
                if prefix is not None and namespace is not None:
                    self.by_namespace.setdefault(str(namespace), str(prefix))
            for name, namespace in shapes.namespaces():
                if name and str(namespace) not in self.by_namespace:
                    self.by_namespace[str(namespace)] = name
        taken: dict[str, str] = {}
        for namespace, name in list(self.by_namespace.items()):
            if name in taken:
                del self.by_namespace[namespace]
            else:
                taken[name] = namespace
        self.used: dict[str, str] = {}

    def _split(self, iri: Node) -> tuple[str, str] | None:
        text = str(iri)
        for namespace, name in self.by_namespace.items():
            if text.startswith(namespace) and self._LOCAL.match(text[len(namespace):]):
                return name, text[len(namespace):]
        return None

    def term(self, node: Node) -> str:
        """The node as SPARQL text: a prefixed name when possible (the prefix is recorded)."""
        if isinstance(node, URIRef):
            split = self._split(node)
            if split:
                name, local = split
                namespace = str(node)[:-len(local)]
                self.used[name] = namespace
                return f"{name}:{local}"
            return term_text(node)
        if isinstance(node, Literal):
            return node.n3()
        raise UnsupportedShapeError(str(node), "a blank node as a constant in a constraint")

    def instance_of(self, var: str, cls: Node) -> str:
        """The pattern: the node in ``var`` is a SHACL instance of the class."""
        self.require("rdf", "rdfs")
        return _INSTANCE_OF.format(node=var, cls=self.term(cls))

    def require(self, *names: str) -> None:
        """Record standard prefixes a fixed fragment uses."""
        for name in names:
            self.used[name] = STANDARD_PREFIXES[name]

    def short(self, node: Node | None) -> str:
        """A readable name for messages and comments."""
        if isinstance(node, URIRef):
            split = self._split(node)
            return f"{split[0]}:{split[1]}" if split else f"<{node}>"
        return f"_:{node}" if isinstance(node, BNode) else str(node)


# -- running --------------------------------------------------------------------------------------------


def run(graph: KnowledgeGraph, compiled: Iterable[CompiledConstraint], focus: Collection[Node] | None = None,
        *, allow_warnings: bool = True, allow_infos: bool = True) -> rdflib.Graph:
    """Run compiled constraints; return a SHACL validation report graph shaped like pyshacl's.

    ``focus`` restricts the check to those focus nodes (IRIs). ``allow_warnings`` / ``allow_infos``
    set sh:conforms as pyshacl's options do (validate.py passes both).
    """
    report = rdflib.Graph()
    report.bind("sh", SH)
    root = BNode()
    report.add((root, RDF.type, SH.ValidationReport))
    allowed = {SH.Info} if allow_infos else set()
    if allow_warnings:
        allowed |= {SH.Info, SH.Warning}
    conforms = True
    cloned: set[Node] = set()
    chunks: list[list[Node] | None] = [None]
    if focus is not None:
        nodes = sorted(set(focus), key=str)
        chunks = [nodes[i:i + FOCUS_CHUNK] for i in range(0, len(nodes), FOCUS_CHUNK)]
    for constraint in compiled:
        if constraint.shapes is not None:
            for prefix, namespace in constraint.shapes.namespaces():
                report.bind(prefix, namespace, override=False)
        for chunk in chunks:
            for result in _results(graph, constraint, chunk):
                report.add((root, SH.result, result.node))
                for triple in result.triples:
                    report.add(triple)
                if constraint.severity not in allowed:
                    conforms = False
                for node in (constraint.source_shape, constraint.source_constraint):
                    if isinstance(node, BNode) and node not in cloned and constraint.shapes is not None:
                        _copy_blank(constraint.shapes, node, report, cloned)
    report.add((root, SH.conforms, Literal(conforms)))
    return report


@dataclass
class _Result:
    node: BNode
    triples: list[tuple[Node, Node, Node]]


def _results(graph: KnowledgeGraph, constraint: CompiledConstraint, focus: list[Node] | None) -> Iterator[_Result]:
    seen: set = set()
    for row in graph.query(constraint.query(focus)):
        values = row.asdict()
        this = values.pop("this", None)
        path = values.pop("path", None)
        value = values.pop("value", None)
        values.pop("failure", None)
        if this is None:
            continue
        key = (this, path, value, tuple(sorted(values.items())))
        if key in seen:  # pyshacl keeps one result per (this, path, value, other variables)
            continue
        seen.add(key)
        yield _result(constraint, this, path, value, values)


def _result(constraint: CompiledConstraint, this: Node, path: Node | None, value: Node | None,
            variables: dict[str, Node]) -> _Result:
    """One sh:ValidationResult, as pyshacl's ConstraintComponent.make_v_result builds it."""
    node = BNode()
    sparql = constraint.component == SH.SPARQLConstraintComponent
    if value is None and constraint.path is None:
        value = this  # a node shape's own constraints report the focus node as the value
    result_path = path if path is not None else constraint.path
    triples: list[tuple[Node, Node, Node]] = [
        (node, RDF.type, SH.ValidationResult),
        (node, SH.sourceConstraintComponent, constraint.component),
        (node, SH.sourceShape, constraint.source_shape),
        (node, SH.resultSeverity, constraint.severity),
        (node, SH.focusNode, this),
    ]
    if value is not None:
        triples.append((node, SH.value, value))
    if result_path is not None:
        triples.append((node, SH.resultPath, result_path))
    if constraint.source_constraint is not None:
        triples.append((node, SH.sourceConstraint, constraint.source_constraint))
    if sparql:
        # {?var} / {$var} placeholders: the other variables of the row, then this, path, value
        bound = {**variables, "this": this}
        if path is not None:
            bound["path"] = path
        if value is not None:
            bound["value"] = value
        messages = [Literal(_format_message(str(m.value), bound)) for m in constraint.constraint_messages
                    if m not in constraint.messages]
        messages += [Literal(_format_message(str(m.value), bound)) for m in constraint.messages]
    else:
        messages = list(constraint.messages)  # core components: the shape's sh:message, as written
    triples += [(node, SH.resultMessage, message) for message in messages]
    return _Result(node, triples)


def _format_message(message: str, bound: dict[str, Node]) -> str:
    """{?var} and {$var} replaced by the bound values, as pyshacl does (re.sub, in that order)."""
    for name, term in bound.items():
        message = re.sub("{[?$]" + name + "}", str(term), message)
    return message


def _copy_blank(source: rdflib.Graph, node: BNode, target: rdflib.Graph, done: set[Node]) -> None:
    """Copy a blank node's description (recursively through blank objects), keeping its id."""
    done.add(node)
    for predicate, obj in source.predicate_objects(node):
        target.add((node, predicate, obj))
        if isinstance(obj, BNode) and obj not in done:
            _copy_blank(source, obj, target, done)


def explain(compiled: Iterable[CompiledConstraint]) -> str:
    """Every compiled query, for reading."""
    return "\n\n".join(f"### {c.describe()}\n{c.sparql}" for c in compiled)


if __name__ == "__main__":  # pragma: no cover
    from .validate import shapes_graph

    print(explain(compile_shapes(shapes_graph())))
