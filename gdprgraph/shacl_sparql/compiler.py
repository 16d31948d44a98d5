"""Compiling the shapes graph: one SPARQL SELECT per constraint, over every focus node of its node shape."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import rdflib
from rdflib import OWL, RDF, RDFS, XSD, BNode, Literal, URIRef
from rdflib.collection import Collection as RdfList
from rdflib.namespace import SH
from rdflib.term import Node

from ..store.binding import term_text
from .common import (
    BRANCH_FOCUS_SLOT,
    FOCUS_LINE,
    FOCUS_SLOT,
    Names,
    UnsupportedShapeError,
    dedent_group,
    fill_branch_slots,
    indent_text,
)
from .sparql_text import (
    Rewriter,
    SelectQuery,
    merge_prefixes,
    sideways_slots,
    subselect_focus_slots,
    subselects,
    union_wraps,
)

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
NON_VALIDATING = {SH.name, SH.description, SH.order, SH.group, SH.defaultValue, SH.message, SH.severity, SH.deactivated}
#: Every sh: predicate the compiler accepts on a shape; any other one is an UnsupportedShapeError.
SUPPORTED = {
    "node shape": (set(COMPONENTS) - {SH.minCount, SH.maxCount}) | set(TARGETS) | NON_VALIDATING | {SH.property},
    "property shape": (set(COMPONENTS) - {SH.sparql}) | NON_VALIDATING | {SH.path},
    "SPARQL constraint": {SH.select, SH.prefixes, SH.message, SH.deactivated},
    "SPARQL target": {SH.select, SH.prefixes},
}
#: Datatypes whose well-formedness sh:datatype can check (see _DATATYPE_TESTS).
DATATYPES = (XSD.duration,)

# -- fixed SPARQL fragments (templates) ---------------------------------------------------------------

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

# A SPARQL target with GROUP BY ?this [HAVING (...)]: its own sub-select inside the focus nodes.
_GROUPED_TARGET = """\
{{ SELECT ?this WHERE {{{slot}
{pattern}
  }} GROUP BY ?this{having}
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
# nodes (rather than one EXISTS per focus node); joined with the focus nodes. A focus restriction
# goes inside too (the slot), or the count would still run over the whole estate.
_MORE_VALUES_THAN = """\
{{
  SELECT ?this WHERE {{{slot} ?this {path} ?value }}
  GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {count})
}}"""

# sh:maxCount 1: the nodes with two distinct values of the path, a join of the path with itself.
# Same time as the count (0.15 s over the 85 000 template lines of 2 500 services), without its
# table of every node's count (20-37 MB there, held while the other constraints run).
_TWO_VALUES = """\
{{
  SELECT DISTINCT ?this WHERE {{{slot}
    {pattern}
  }}
}}"""

# Lexical forms of xsd:duration that rdflib parses (pyshacl reports sh:datatype on the literals that
# rdflib marks ill-typed): its ISO 8601 designator regex, which also takes fractions in any field,
# weeks, a '+' sign and a trailing 'T' (rdflib.xsd_datetime.ISO8601_PERIOD_REGEX; its "P(?!\b)" is
# written as "not just P"; Python's "$" also matches before a final newline) ...
_DURATION_DESIGNATORS = (
    "^[+-]?P([0-9]+([,.][0-9]+)?Y)?([0-9]+([,.][0-9]+)?M)?([0-9]+([,.][0-9]+)?W)?"
    "([0-9]+([,.][0-9]+)?D)?(T([0-9]+([,.][0-9]+)?H)?([0-9]+([,.][0-9]+)?M)?"
    "([0-9]+([,.][0-9]+)?S)?)?\\n?$"
)
_DURATION_EMPTY = "^[+-]?P\\n?$"
# ... and, failing that, "P" + a date-time that datetime.fromisoformat accepts (rdflib's "alternative
# format", approximated: YYYY-MM-DD or YYYYMMDD with an optional time; not week or ordinal dates).
_DURATION_ALTERNATIVE = (
    "^P([0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})"
    "(-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])|(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01]))"
    "(T([01][0-9]|2[0-3])(:?[0-5][0-9](:?[0-5][0-9]([.,][0-9]+)?)?)?)?$"
)
_DATATYPE_TESTS = {
    XSD.duration: (
        '(REGEX(STR({v}), "'
        + _DURATION_DESIGNATORS
        + '") && !REGEX(STR({v}), "'
        + _DURATION_EMPTY
        + '"))\n|| REGEX(STR({v}), "'
        + _DURATION_ALTERNATIVE
        + '")'
    ),
}
# A value that is not a well-formed literal of the datatype (sh:datatype).
_NOT_OF_DATATYPE = "!(isLiteral({v}) && sameTerm(DATATYPE({v}), {datatype})\n  && ({lexical}))"


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

    #: the query of the shape's focus nodes alone, with the focus slots (shared by the constraints
    #: of one node shape: a run on some nodes asks it once per shape)
    targets_template: str = field(default="", repr=False)
    #: ASK queries of the constraint's sub-selects, with the focus slot: each is joined with the
    #: rest of the query, so when one has no solution neither has the query (Oxigraph evaluates
    #: every operand of a join, even when one is empty: asked first, an empty one saves the rest)
    guard_templates: tuple[str, ...] = field(default=(), repr=False)

    def targets(self, focus: Sequence[Node]) -> str:
        """The query of the shape's focus nodes among ``focus`` (SELECT ?this): the first step of a
        run on some nodes, which then runs the constraint for those of them the shape targets only
        (most constraints target none of the few nodes an edit touches)."""
        return _with_focus(self.targets_template, focus)

    def guards(self, focus: Sequence[Node] | None = None) -> list[str]:
        """The ASK queries that must all be true for the query to have a row (for these focus nodes)."""
        values = None if focus is None else _inline_values(focus)
        return [fill_branch_slots(template, values) for template in self.guard_templates]

    def query(self, focus: Sequence[Node] | None = None) -> str:
        """The query, restricted to some focus nodes if given (IRIs: a VALUES block)."""
        if focus is None:
            return self.sparql
        return _with_focus(self.template, focus)

    def describe(self) -> str:
        """Node shape, property path and component, in short."""
        names = Names(self.shapes)
        parts = [names.short(self.node_shape)]
        if self.path is not None:
            parts.append(names.short(self.path))
        parts.append(str(self.component).rsplit("#", 1)[-1])
        return " / ".join(parts)


#: the line that opens a compiled query's outer group
_OUTER_WHERE = re.compile(r"^SELECT [^\n]*WHERE \{\n", re.MULTILINE)


def _with_focus(template: str, focus: Sequence[Node]) -> str:
    """A compiled query's text with its focus slots filled by the focus nodes (a VALUES block)."""
    values = "VALUES ?this {\n" + "".join(f"  {term_text(node)}\n" for node in focus) + "}\n"
    text = FOCUS_LINE.sub(lambda m: indent_text(values, len(m.group(1))), template)
    text = fill_branch_slots(text, _inline_values(focus))
    # Also open the outer group with them: Oxigraph then starts from the few focus nodes and
    # looks the constraint's patterns up from ?this, instead of evaluating them for the whole
    # estate and joining the focus nodes last (the same solutions: ?this is restricted anyway).
    outer = _OUTER_WHERE.search(text)
    assert outer is not None, "every compiled query opens with SELECT ... WHERE {"
    return text[: outer.end()] + indent_text(values, 2) + text[outer.end() :]


def _inline_values(focus: Sequence[Node]) -> str:
    """The focus nodes as a VALUES block on one line (what fills a BRANCH_FOCUS_SLOT)."""
    return " VALUES ?this { " + " ".join(term_text(node) for node in focus) + " }"


def _targets_template(template: str) -> str:
    """The focus nodes' part of a compiled query's template (its prefixes and its sub-select of
    focus nodes, laid out by _QUERY and _FOCUS_NODES), as a query of its own."""
    lines = template.splitlines()
    opened = next(i for i, line in enumerate(lines) if line.startswith("  # focus nodes: "))
    closed = lines.index("  }", opened)
    prefixes = [line for line in lines if line.startswith("PREFIX ")]
    return "\n".join([*prefixes, "SELECT ?this WHERE {", *lines[opened + 1 : closed + 1], "}", ""])


# -- compiling ------------------------------------------------------------------------------------------


def compile_shapes(shapes: rdflib.Graph) -> list[CompiledConstraint]:
    """One compiled query per constraint of every node shape that has a target."""
    return _Compiler(shapes).compile()


class _Compiler:
    def __init__(self, shapes: rdflib.Graph) -> None:
        self.shapes = shapes
        self.names = Names(shapes)
        #: the sub-selects of each node shape's target: guards of each of its constraints
        self.target_guards: dict[Node, list[str]] = {}

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
                    raise UnsupportedShapeError(
                        self.names.short(shape), "an implicit class target (a shape that is also a class)"
                    )
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
        value = self.shapes.value(shape, SH.severity)
        if value is None:
            return SH.Violation
        if not isinstance(value, URIRef):  # SHACL: the values of sh:severity are IRIs
            raise UnsupportedShapeError(self.names.short(shape), f"sh:severity {value} (not an IRI)")
        return value

    def _messages(self, node: Node) -> tuple[Literal, ...]:
        return tuple(
            sorted(
                (m for m in self.shapes.objects(node, SH.message) if isinstance(m, Literal)),
                key=lambda m: (str(m), m.language or ""),
            )
        )

    def _node_shape(self, shape: Node) -> Iterator[CompiledConstraint]:
        self._check(shape, "node shape", shape)
        if self._deactivated(shape):
            return
        focus = _FocusNodes(self, shape)
        self.target_guards[shape] = focus.guards
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
            text = self._assemble(focus, "DISTINCT ?this", body, f"{self.names.short(component)} of {label}", {})
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
            raise UnsupportedShapeError(
                where, "a property shape without sh:message (pyshacl's default messages are not reproduced)"
            )
        p = self.names.term(path)
        for count in self._counts(prop, SH.minCount, shape):
            if count == 0:
                continue  # sh:minCount 0 always holds
            too_few = _Exists(_distinct_values("?this", p, "?value", count), negated=True)
            body = f"FILTER {_render_filter(too_few)}"
            text = self._assemble(focus, "?this", body, f"sh:minCount {count} on {self.names.short(path)}", {})
            yield self._compiled(shape, prop, SH.MinCountConstraintComponent, severity, path, text, messages=messages)
        for count in self._counts(prop, SH.maxCount, shape):
            if count == 1:
                pattern = "\n    ".join(_distinct_values("?this", p, "?value", 2))
                body = _TWO_VALUES.format(slot=BRANCH_FOCUS_SLOT, pattern=pattern)
            else:
                body = _MORE_VALUES_THAN.format(slot=BRANCH_FOCUS_SLOT, path=p, count=count)
            text = self._assemble(focus, "?this", body, f"sh:maxCount {count} on {self.names.short(path)}", {})
            yield self._compiled(shape, prop, SH.MaxCountConstraintComponent, severity, path, text, messages=messages)
        for component, condition in self._value_conditions(prop, shape, "?value"):
            body = f"?this {p} ?value .\nFILTER {_render_filter(condition)}"
            text = self._assemble(
                focus,
                "DISTINCT ?this ?value",
                body,
                f"{self.names.short(component)} on the values of {self.names.short(path)}",
                {},
            )
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

    def _compiled(
        self,
        shape: Node,
        source: Node,
        component: URIRef,
        severity: URIRef,
        path: URIRef | None,
        template: str,
        *,
        messages: tuple[Literal, ...] = (),
        source_constraint: Node | None = None,
        constraint_messages: tuple[Literal, ...] = (),
        guards: Sequence[str] = (),
    ) -> CompiledConstraint:
        prefixes = "".join(line + "\n" for line in template.splitlines() if line.startswith("PREFIX "))
        guards = [*self.target_guards.get(shape, []), *guards]
        return CompiledConstraint(
            guard_templates=tuple(f"{prefixes}ASK {{\n{indent_text(guard, 2)}\n}}\n" for guard in guards),
            node_shape=shape,
            source_shape=source,
            component=component,
            severity=severity,
            path=path,
            template=template,
            targets_template=_targets_template(template),
            sparql=fill_branch_slots(FOCUS_LINE.sub("", template), None),
            shapes=self.shapes,
            messages=messages,
            source_constraint=source_constraint,
            constraint_messages=constraint_messages,
        )

    # -- value conditions (core components, nested shapes) -----------------------------------------
    def _value_conditions(
        self, shape: Node, owner: Node, var: str, seen: Sequence[Node] = ()
    ) -> Iterator[tuple[URIRef, _Expr]]:
        """(component, condition true when the value node in ``var`` violates it), per constraint."""
        g = self.shapes
        seen = [*seen, shape]
        for cls in sorted(g.objects(shape, SH["class"]), key=str):
            yield (
                SH.ClassConstraintComponent,
                _Comment(f"sh:class {self.names.short(cls)}", self._not_instance(var, cls)),
            )
        lists = list(g.objects(shape, SH["in"]))
        if len(lists) > 1:
            raise UnsupportedShapeError(self.names.short(owner), "several sh:in on one shape")
        for members in lists:
            yield SH.InConstraintComponent, self._not_in(var, list(RdfList(g, members)))
        datatypes = list(g.objects(shape, SH.datatype))
        if len(datatypes) > 1:
            raise UnsupportedShapeError(self.names.short(owner), "several sh:datatype on one shape")
        for datatype in datatypes:
            yield (
                SH.DatatypeConstraintComponent,
                _Comment(f"sh:datatype {self.names.short(datatype)}", self._not_datatype(var, datatype, owner)),
            )
        for nested in sorted(g.objects(shape, SH.node), key=str):
            yield (
                SH.NodeConstraintComponent,
                _Comment(f"sh:node {self.names.short(nested)}", self._fails(nested, var, owner, seen)),
            )
        for members in g.objects(shape, SH["or"]):
            alternatives = [self._fails(m, var, owner, seen) for m in RdfList(g, members)]
            yield SH.OrConstraintComponent, _Comment("sh:or: no alternative holds", _And(alternatives))
        for nested in sorted(g.objects(shape, SH["not"]), key=str):
            yield (
                SH.NotConstraintComponent,
                _Comment(
                    f"sh:not {self.names.short(nested)}: the shape holds", _Not(self._fails(nested, var, owner, seen))
                ),
            )

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
        """sh:class on a bound node: its types first, then whether one is the class or a subclass.
        Oxigraph evaluates ``?v rdf:type/rdfs:subClassOf* C`` from the class's end even with ``?v``
        bound: every instance of the class, for each value (7 s for the durations of 10 000
        generated services, 0.15 s this way); the same solutions."""
        self.names.require("rdf", "rdfs")
        cls_type = self._fresh(URIRef("type"))
        return _Exists(
            [f"{var} rdf:type {cls_type} .", f"FILTER EXISTS {{ {cls_type} rdfs:subClassOf* {self.names.term(cls)} }}"],
            negated=True,
        )

    def _not_in(self, var: str, members: list[Node]) -> _Expr:
        if all(isinstance(m, URIRef) for m in members):
            # between IRIs (and a value of any kind) "=" is sameTerm, as pyshacl's sh:in
            return _Atom(f"{var} NOT IN ({', '.join(self.names.term(m) for m in members)})")
        tests = " || ".join(f"sameTerm({var}, {self.names.term(m)})" for m in members)
        return _Atom(f"!({tests})" if tests else "true")

    def _not_datatype(self, var: str, datatype: Node, owner: Node) -> _Expr:
        if not isinstance(datatype, URIRef) or datatype not in _DATATYPE_TESTS:
            raise UnsupportedShapeError(
                self.names.short(owner),
                f"sh:datatype {self.names.short(datatype)} (only {', '.join(self.names.short(d) for d in DATATYPES)})",
            )
        lexical = _DATATYPE_TESTS[datatype].replace("{v}", var)
        return _Atom(
            _NOT_OF_DATATYPE.format(v=var, datatype=self.names.term(datatype), lexical=indent_text(lexical, 4).lstrip())
        )

    # -- SPARQL constraints ------------------------------------------------------------------------
    def _sparql_constraint(
        self, shape: Node, constraint: Node, focus: _FocusNodes, severity: URIRef
    ) -> CompiledConstraint:
        self._check(constraint, "SPARQL constraint", shape)
        label = self.names.short(shape)
        select = self._select_text(constraint, shape)
        prefixes = self._declared(constraint, shape)
        query = SelectQuery.parse(select, label)
        prefixes = merge_prefixes(prefixes, query.prologue, label)
        query.check_prefixes(prefixes, label)
        projection = query.projection_text()
        if "this" not in query.projected and query.projected != {"*"}:
            raise UnsupportedShapeError(label, "a SPARQL constraint that does not select $this")
        if "failure" in query.projected:
            raise UnsupportedShapeError(label, "?failure in a SPARQL constraint")
        rewriter = Rewriter(query, focus, label)
        body = rewriter.body()
        text = self._assemble(
            focus, projection, body, "the SPARQL constraint (sh:select, $this pre-bound as ?this)", prefixes
        )
        return self._compiled(
            shape,
            shape,
            SH.SPARQLConstraintComponent,
            severity,
            None,
            text,
            source_constraint=constraint,
            messages=self._messages(shape),
            constraint_messages=self._messages(constraint),
            guards=rewriter.subselects(),
        )

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
    def _assemble(
        self, focus: _FocusNodes, projection: str, body: str, constraint: str, prefixes: Mapping[str, str]
    ) -> str:
        declared = dict(prefixes)
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
            prefixes=lines,
            projection=projection,
            targets=focus.description,
            focus=indent_text(focus.pattern(), 2),
            constraint=constraint,
            body=indent_text(body, 2),
        )


class _FocusNodes:
    """The targets of a node shape, as the sub-select every query of the shape starts with."""

    def __init__(self, compiler: _Compiler, shape: Node) -> None:
        self.shape = shape
        g, names = compiler.shapes, compiler.names
        label = names.short(shape)
        patterns, described = [], []
        self.prefixes: dict[str, str] = {}
        #: the sub-selects of the target (see CompiledConstraint.guard_templates)
        self.guards: list[str] = []
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
            query = SelectQuery.parse(compiler._select_text(target, shape), label, grouping=True)
            prefixes = merge_prefixes(compiler._declared(target, shape), query.prologue, label)
            query.check_prefixes(prefixes, label)
            if query.projected != {"this"} or query.has_expressions:
                raise UnsupportedShapeError(label, "a SPARQL target that selects more than ?this")
            self.prefixes = merge_prefixes(self.prefixes, prefixes, label)
            where = query.where
            wraps = union_wraps(where, focus_slots=True) + subselect_focus_slots(where) + sideways_slots(query)
            pattern = dedent_group(query.rewritten(where.open + 1, where.close, wraps))
            for element in subselects(where):
                slots = [slot for slot in wraps if element.start < slot[0] < element.end]
                self.guards.append(query.rewritten(element.start, element.end, slots))
            if query.grouped:
                # counted per node in its own sub-select; restricted to the focus nodes inside it
                pattern = _GROUPED_TARGET.format(
                    slot=BRANCH_FOCUS_SLOT,
                    pattern=indent_text(pattern, 4),
                    having=f" HAVING {query.having}" if query.having else "",
                )
            patterns.append(pattern)
            described.append("sh:target (SPARQL target)")
        self.description = "; ".join(described)
        if len(patterns) != 1:
            self.guards.clear()  # the focus nodes are a UNION of targets: one empty target empties none
        if len(patterns) == 1:
            self.inner = patterns[0]
        else:
            self.inner = "\nUNION\n".join("{\n" + indent_text(p, 2) + "\n}" for p in patterns)

    def pattern(self) -> str:
        """The sub-select of the focus nodes, with the focus slot."""
        return _FOCUS_NODES.format(slot="    " + FOCUS_SLOT + "\n", pattern=indent_text(self.inner, 4))


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
        return f"{keyword} {{\n" + indent_text("\n".join(self.lines), 2) + "\n}"


@dataclass
class _Not(_Expr):
    item: _Expr

    def render(self) -> str:
        inner = _unwrap(self.item)
        if isinstance(inner, _Exists):
            return _Exists(inner.lines, not inner.negated).render()
        if isinstance(inner, _Not):
            return inner.item.render()
        return "!(" + indent_text(self.item.render(), 2).lstrip() + ")"


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
            text = "(\n" + indent_text(text, 2) + "\n)"
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
    return "(\n" + indent_text(rendered, 2) + "\n)"


def _distinct_values(subject: str, path: str, value: str, count: int) -> list[str]:
    """Pattern lines: ``count`` pairwise distinct values of the path (1: just one value)."""
    if count <= 1:
        return [f"{subject} {path} {value} ."]
    names = [f"{value}_{i}" for i in range(1, count + 1)]
    distinct = " && ".join(f"!sameTerm({a}, {b})" for i, a in enumerate(names) for b in names[i + 1 :])
    return [f"{subject} {path} {', '.join(names)} .", f"FILTER ({distinct})"]
