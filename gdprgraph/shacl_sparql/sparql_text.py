"""The shapes' own SPARQL (constraints, targets): tokenized, split into groups, rewritten to follow the focus nodes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

from .common import (
    BRANCH_FOCUS_SLOT,
    FOCUS_SLOT,
    FOCUSED_CLOSE,
    FOCUSED_OPEN,
    UnsupportedShapeError,
    dedent_group,
    indent_text,
)


class FocusNodes(Protocol):
    """What the rewriter reads of a shape's targets (compiler's focus nodes): their sub-select."""

    def pattern(self) -> str:
        """The sub-select of the focus nodes, with the focus slot."""


_AGGREGATES = {"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"}
_PREBOUND = {"value", "PATH", "currentShape", "shapesGraph"}


# -- SPARQL text of the shapes: a small tokenizer and group parser --------------------------------------

_TOKEN = re.compile(
    "|".join(
        [
            r"(?P<space>\s+|#[^\n]*)",
            r'(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""'
            r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
            r'|"(?:[^"\\\n]|\\.)*"'
            r"|'(?:[^'\\\n]|\\.)*')",
            r'(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)',
            r"(?P<var>[?$]\w+)",
            r"(?P<name>(?:[A-Za-z](?:[\w.-]*[\w-])?)?:(?:[\w:%-](?:[\w.:%-]*[\w:%-])?)?|[A-Za-z_]\w*)",
            r"(?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)",
            r"(?P<punct>\^\^|&&|\|\||!=|<=|>=|.)",
        ]
    ),
    re.DOTALL,
)


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
    kind: str  # triples | filter | bind | optional | union (one or more branches) | subselect
    start: int
    end: int
    variables: set[str]
    groups: list[_Group]  # union branches; the optional group; the EXISTS groups of an expression
    first: int = 0  # index of its first token
    last: int = 0  # index after its last token
    exists: str = ""  # "EXISTS" or "NOT EXISTS" for FILTER EXISTS { ... } / FILTER NOT EXISTS { ... }
    binds: str = ""  # the variable a BIND assigns
    constant: bool = False  # a BIND of a constant (never unbound)
    where: _Group | None = None  # a sub-select's WHERE group (its variables: those it projects)
    grouped: set[str] = field(default_factory=set)  # a sub-select's GROUP BY variables
    expressions: bool = False  # a sub-select projecting an expression (an aggregate, a function)


def _tokens(text: str) -> list[_Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind is None:  # pragma: no cover - every alternative of _TOKEN is a named group
            raise ValueError(f"unnamed token {match.group()!r}")
        if kind != "space":
            tokens.append(_Token(kind, match.group(), match.start(), match.end()))
    return tokens


def _projection(tokens: list[_Token], i: int) -> tuple[set[str], list[_Token], int]:
    """What a SELECT projects, from token i: its variables (an expression's: the one after AS;
    ``*``), the other tokens (keywords, expressions) and the index of the WHERE or brace after it."""
    projected: set[str] = set()
    others: list[_Token] = []
    depth = 0
    while i < len(tokens) and (depth or (tokens[i].keyword != "WHERE" and tokens[i].text != "{")):
        token = tokens[i]
        depth += {"(": 1, ")": -1}.get(token.text, 0)
        if token.keyword == "AS":
            projected.add(tokens[i + 1].text[1:])
            others.append(token)
            i += 2
            continue
        if depth == 0 and token.kind == "var":
            projected.add(token.text[1:])
        elif depth == 0 and token.text == "*":
            projected.add("*")
        else:
            others.append(token)
        i += 1
    return projected, others, i


@dataclass
class SelectQuery:
    """A SELECT of a shape (constraint or target), parsed enough to embed and rewrite it."""

    text: str
    tokens: list[_Token]
    prologue: dict[str, str]
    projection: tuple[int, int]  # token indexes of the projection (after SELECT, before WHERE/{)
    projected: set[str]
    has_expressions: bool
    where: _Group
    #: a target's ``GROUP BY ?this HAVING (...)``: the HAVING expression's text ("" without one)
    having: str = ""
    grouped: bool = False

    @classmethod
    def parse(cls, text: str, label: str, grouping: bool = False) -> SelectQuery:
        """Parse a SELECT; ``grouping`` accepts ``GROUP BY ?this [HAVING (...)]`` after the WHERE group
        (SPARQL targets: e.g. the nodes meeting two criteria, counted once per node)."""
        tokens = _tokens(text)
        parser = _GroupParser(text, tokens, label, prebound=not grouping)
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
        projected, others, i = _projection(tokens, i)
        for token in others:
            if token.keyword in _AGGREGATES:
                raise UnsupportedShapeError(label, f"an aggregate ({token.text}) in a SPARQL query")
        expressions = any(token.text == "(" for token in others)
        end = i
        if i < len(tokens) and tokens[i].keyword == "WHERE":
            i += 1
        if i >= len(tokens) or tokens[i].text != "{":
            raise UnsupportedShapeError(label, "a SELECT without a WHERE group")
        where, i = parser.group(i)
        having, grouped = "", False
        if grouping and i + 2 < len(tokens) and tokens[i].keyword == "GROUP" and tokens[i + 1].keyword == "BY":
            if tokens[i + 2].text not in ("?this", "$this"):
                raise UnsupportedShapeError(label, "a SPARQL target grouped by something other than ?this")
            grouped, i = True, i + 3
            if i < len(tokens) and tokens[i].keyword == "HAVING":
                opening = i + 1
                if opening >= len(tokens) or tokens[opening].text != "(":
                    raise UnsupportedShapeError(label, "a HAVING without a bracketed condition")
                i, depth = opening, 0
                while i < len(tokens):
                    depth += {"(": 1, ")": -1}.get(tokens[i].text, 0)
                    i += 1
                    if depth == 0:
                        break
                if depth != 0:
                    raise UnsupportedShapeError(label, "an unbalanced HAVING condition")
                having = text[tokens[opening].start : tokens[i - 1].end].replace("$this", "?this")
        if i < len(tokens):
            raise UnsupportedShapeError(label, f"'{tokens[i].text}' after the WHERE group (solution modifiers)")
        return cls(text, tokens, prologue, (start, end), projected, expressions, where, having, grouped)

    def projection_text(self) -> str:
        start, end = self.projection
        if start == end:
            raise UnsupportedShapeError("?", "an empty projection")
        return self.rewritten(self.tokens[start].start, self.tokens[end - 1].end, [])

    def rewritten(self, start: int, end: int, edits: list[tuple[int, int, str]]) -> str:
        """The text between two offsets, $this written ?this, with (start, end, replacement) edits."""
        edits = [
            *edits,
            *(
                (t.start, t.end, "?this")
                for t in self.tokens
                if t.kind == "var" and t.text == "$this" and start <= t.start < end
            ),
        ]
        text = self.text[start:end]
        for at, until, replacement in sorted(edits, reverse=True):
            text = text[: at - start] + replacement + text[until - start :]
        return text

    def check_prefixes(self, prefixes: dict[str, str], label: str) -> None:
        for token in self.tokens:
            if token.kind == "name" and ":" in token.text:
                prefix = token.text.split(":", 1)[0]
                if prefix not in prefixes and prefix not in self.prologue:
                    raise UnsupportedShapeError(label, f"the undeclared prefix {prefix}: in a SPARQL query")


class _GroupParser:
    """Splits a group into elements (triples, FILTER, BIND, OPTIONAL, UNION, and in the WHERE group
    itself a sub-select); refuses the rest."""

    def __init__(self, text: str, tokens: list[_Token], label: str, prebound: bool = True) -> None:
        self.text, self.tokens, self.label = text, tokens, label
        self.prebound = prebound  # a constraint's query ($this pre-bound), not a target's
        self.depth = 0

    def _fail(self, feature: str) -> UnsupportedShapeError:
        return UnsupportedShapeError(self.label, feature)

    def group(self, i: int) -> tuple[_Group, int]:
        """Parse the group opening at token i; return it and the index after its closing brace."""
        self.depth += 1
        try:
            return self._group(i)
        finally:
            self.depth -= 1

    def _group(self, i: int) -> tuple[_Group, int]:
        tokens = self.tokens
        open_at = tokens[i].start
        i += 1
        if i < len(tokens) and tokens[i].keyword == "SELECT":
            raise self._fail("a sub-select in a SPARQL query (other than a group of its WHERE)")
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
            elif token.text == "{" and self.depth == 1 and i + 1 < len(tokens) and tokens[i + 1].keyword == "SELECT":
                start = i
                element, i = self._subselect(i)
                if i < len(tokens) and tokens[i].keyword == "UNION":
                    raise self._fail("a sub-select in a UNION")
                elements.append(element)
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
                    if depth == 0 and (
                        t.text in ("{", "}")
                        or t.keyword in ("FILTER", "BIND", "OPTIONAL", "MINUS", "GRAPH", "SERVICE", "VALUES")
                    ):
                        break
                    depth += {"[": 1, "(": 1, "]": -1, ")": -1}.get(t.text, 0)
                    i += 1
                elements.append(self._element("triples", start, i, []))
        close_at = tokens[i].start
        variables = {t.text[1:] for t in tokens if open_at < t.start < close_at and t.kind == "var"}
        return _Group(open_at, close_at, elements, variables), i + 1

    def _subselect(self, i: int) -> tuple[_Element, int]:
        """``{ SELECT ... WHERE { ... } [GROUP BY ... [HAVING (...)]] }`` opening at token i.

        Joined as it is: its own variables stay inside. SHACL asks a constraint's sub-select to
        project every potentially pre-bound variable (here ``$this``); this engine also asks it to
        group by ``$this`` if it groups, and to bind it in the triple patterns of its WHERE group
        (only there): its solutions for one focus node are then those it has with ``$this``
        pre-bound. A target's sub-select that names ``?this`` follows the same rules; one that
        does not is the same for every focus node.
        """
        tokens = self.tokens
        first = i
        projected, others, i = _projection(tokens, i + 2)
        if "*" in projected:
            raise self._fail("SELECT * in a sub-select")
        if i < len(tokens) and tokens[i].keyword == "WHERE":
            i += 1
        if i >= len(tokens) or tokens[i].text != "{":
            raise self._fail("a sub-select without a WHERE group")
        where, i = self.group(i)
        grouped: set[str] = set()
        if i + 1 < len(tokens) and tokens[i].keyword == "GROUP" and tokens[i + 1].keyword == "BY":
            i += 2
            while i < len(tokens) and tokens[i].kind == "var":
                grouped.add(tokens[i].text[1:])
                i += 1
            if i < len(tokens) and tokens[i].keyword == "HAVING":
                i += 1
                if tokens[i].text != "(":
                    raise self._fail("a HAVING without a bracketed condition")
                i, _ = self._expression(i)
        if i >= len(tokens) or tokens[i].text != "}":
            what = tokens[i].text if i < len(tokens) else "the end"
            raise self._fail(f"'{what}' after the WHERE group of a sub-select (only GROUP BY variables and HAVING)")
        element = self._element("subselect", first, i + 1, [])
        element.variables, element.where = projected, where
        element.grouped, element.expressions = grouped, any(token.text == "(" for token in others)
        in_triples = set().union(*(e.variables for e in where.elements if e.kind == "triples"))
        elsewhere = set().union(*(e.variables for e in where.elements if e.kind != "triples"))
        if not self.prebound and "this" not in where.variables:
            return element, i + 1
        if "this" not in projected or (grouped and "this" not in grouped):
            raise self._fail("a sub-select that does not project $this (or groups by other variables only)")
        if "this" not in in_triples or "this" in elsewhere:
            raise self._fail("$this in a sub-select other than in the triple patterns of its WHERE group")
        return element, i + 1

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
            element.constant = len(value) == 1 and (
                value[0].kind in ("iri", "string", "number") or (value[0].kind == "name" and ":" in value[0].text)
            )
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


class Rewriter:
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

    def __init__(self, query: SelectQuery, focus: FocusNodes, label: str) -> None:
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
        # a run on some focus nodes evaluates each wrapped UNION for them only (else for the estate)
        self.edits += union_wraps(top, {opening: {"this"} for opening in self.bound_branches}, focus_slots=True)
        self.edits += subselect_focus_slots(top)
        body = dedent_group(self.query.rewritten(top.open + 1, top.close, self.edits))
        return "\n".join(line for line in body.split("\n") if line.strip())

    def subselects(self) -> list[str]:
        """The top group's sub-selects as written ($this as ?this), each with its focus slot if it
        projects ?this: queries of their own, which the whole query needs to be non-empty."""
        top = self.query.where
        slots = subselect_focus_slots(top)
        return [
            self.query.rewritten(e.start, e.end, [slot for slot in slots if e.start < slot[0] < e.end])
            for e in subselects(top)
        ]

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

        P goes before the group's trailing OPTIONALs and BINDs (labels, messages) when they bind
        none of its variables and the rows before them already bind what P shares: P then removes
        or keeps rows before they are looked up, with the same rows in the end.
        """
        certain = {"this"} | _certain(top)
        bindable = {"this"}
        for element in top.elements:
            if element.kind in ("triples", "optional", "union", "subselect"):
                bindable |= element.variables
            elif element.kind == "bind":
                bindable.add(element.binds)
        # the trailing OPTIONALs and BINDs (FILTERs between them apply to the whole group anyway)
        head = len(top.elements)
        while head and top.elements[head - 1].kind in ("optional", "bind", "filter"):
            head -= 1
        tail = [e for e in top.elements[head:] if e.kind in ("optional", "bind")]
        tail_binds = set().union(*(e.variables if e.kind == "optional" else {e.binds} for e in tail)) if tail else set()
        certain_before = {"this"} | _certain(_Group(top.open, top.close, top.elements[:head], set()))
        early: list[str] = []
        appended: list[str] = []
        for element in top.elements:
            if element.kind != "filter" or not element.exists or not self._plain(element.groups[0]):
                continue
            pattern = element.groups[0]
            shared = pattern.variables & bindable
            # P is evaluated on its own: a run on some focus nodes restricts it too, inside each
            # branch when P is one UNION (a VALUES block joined with a whole UNION: every branch
            # would be evaluated for the whole estate first)
            in_branches = _branch_focus_slots(pattern) if "this" in shared else []
            text = dedent_group(
                self.query.rewritten(pattern.open + 1, pattern.close, union_wraps(pattern) + in_branches)
            )
            if "this" in shared and not in_branches:
                text = FOCUS_SLOT + "\n" + text
            if element.exists == "NOT EXISTS" and certain & _certain(pattern) & shared:
                moved = (
                    "# the constraint's FILTER NOT EXISTS { P }, as MINUS { P }: the same rows\n"
                    f"MINUS {{\n{indent_text(text, 2)}\n}}"
                )
                before_tail = bool(certain_before & _certain(pattern) & shared)
            elif element.exists == "EXISTS" and shared and shared <= certain:
                variables = " ".join(f"?{v}" for v in sorted(shared))
                moved = (
                    "# the constraint's FILTER EXISTS { P }, as a join with the distinct matches of P\n"
                    f"{{\n  SELECT DISTINCT {variables} WHERE {{\n{indent_text(text, 4)}\n  }}\n}}"
                )
                before_tail = shared <= certain_before
            else:
                continue
            early_enough = tail and before_tail and not pattern.variables & (tail_binds - certain_before)
            (early if early_enough else appended).append(moved)
            self.edits.append((element.start, element.end, ""))
        text = self.query.text
        first = top.elements[0].start if top.elements else top.close
        line = text[text.rfind("\n", 0, first) + 1 : first]
        indent = len(line) if not line.strip() else 0
        if early:
            at = tail[0].start
            self.edits.append((at, at, indent_text("\n".join(early), indent).lstrip(" ") + "\n" + " " * indent))
        if appended:
            self.edits.append((top.close, top.close, "\n" + indent_text("\n".join(appended), indent) + "\n"))

    def _plain(self, group: _Group) -> bool:
        """Only triple patterns and UNIONs of them; no path closure (P is evaluated on its own)."""
        tokens = [t for t in self.query.tokens if group.open < t.start < group.close]
        if any(t.kind == "punct" and t.text in ("*", "+", "?") for t in tokens):
            return False
        if any(t.text.startswith("_:") or t.text == "_" for t in tokens):
            return False
        return all(
            e.kind == "triples" or (e.kind == "union" and all(self._plain(b) for b in e.groups)) for e in group.elements
        )

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
                self._only_in_triples(sub) for sub in element.groups
            ):
                raise UnsupportedShapeError(
                    self.label, "$this in a FILTER, BIND or OPTIONAL of a group nested in EXISTS"
                )

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
        indent = len(text[line_start : branch.open]) - len(text[line_start : branch.open].lstrip(" ")) + 4
        self.edits.append((at, at, "\n" + indent_text(f"{note}\n{binding}", indent) + "\n" + " " * indent))
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


def _branch_focus_slots(group: _Group) -> list[tuple[int, int, str]]:
    """The focus slot opening each branch of a group that is one UNION whose every branch binds
    ``?this``; none otherwise."""
    if len(group.elements) != 1 or group.elements[0].kind != "union":
        return []
    branches = group.elements[0].groups
    if not all("this" in _certain(branch) for branch in branches):
        return []
    return [(branch.open + 1, branch.open + 1, BRANCH_FOCUS_SLOT) for branch in branches]


def subselect_focus_slots(group: _Group) -> list[tuple[int, int, str]]:
    """The focus slot opening the WHERE group of each sub-select of the group that projects
    ``?this``: a run on some focus nodes evaluates it for them only (joined with the whole
    sub-select instead, the VALUES block would come after it was evaluated for the whole estate)."""
    return [
        (e.where.open + 1, e.where.open + 1, BRANCH_FOCUS_SLOT)
        for e in group.elements
        if e.kind == "subselect" and e.where is not None and "this" in e.variables
    ]


def sideways_slots(query: SelectQuery) -> list[tuple[int, int, str]]:
    """Restrictions of a target's sub-selects that do not name ``?this``, for a run on some focus nodes.

    Such a sub-select is the same for every focus node, so Oxigraph would evaluate it over the whole
    estate on every run (every incremental re-validation). It joins the target's triple patterns
    on the variables it projects; on a run on some focus nodes, its WHERE group opens with the
    distinct values of those variables that the triple patterns give for the focus nodes: the same
    solutions of the target, as long as the sub-select keeps or drops whole groups of those values
    (it projects plain variables, each one it groups by). On a full run the restriction is dropped
    (between FOCUSED_OPEN and FOCUSED_CLOSE). Where that does not hold, no restriction: the same
    solutions, at the cost of the whole sub-select.
    """
    top = query.where
    triples = [e for e in top.elements if e.kind == "triples"]
    bound = set().union(*(e.variables for e in triples)) if triples else set()
    slots = []
    for element in subselects(top):
        if element.where is None or "this" in element.where.variables or element.expressions:
            continue
        shared = element.variables
        if "this" not in bound or not shared <= bound or (element.grouped and not shared <= element.grouped):
            continue
        patterns = " . ".join(query.rewritten(e.start, e.end, []).rstrip().rstrip(".").rstrip() for e in triples)
        projection = " ".join(f"?{name}" for name in sorted(shared))
        restriction = f"{{ SELECT DISTINCT {projection} WHERE {{{BRANCH_FOCUS_SLOT} {patterns} }} }}"
        at = element.where.open + 1
        slots.append((at, at, f"{FOCUSED_OPEN} {restriction}{FOCUSED_CLOSE}"))
    return slots


def subselects(group: _Group) -> list[_Element]:
    """The sub-selects of a group (each joined with the rest: the group has no solution when one has none)."""
    return [e for e in group.elements if e.kind == "subselect"]


def union_wraps(
    group: _Group, also_bound: dict[int, set[str]] | None = None, focus_slots: bool = False
) -> list[tuple[int, int, str]]:
    """Edits that put each UNION joined with other patterns in ``{ SELECT * WHERE { ... } }``.

    Oxigraph joins a UNION with the patterns around it without join keys (a cross product, oxigraph
    issue 1884) unless the UNION is a sub-select. ``{ SELECT * WHERE { U } }`` has the solutions of
    U, evaluated on its own as the standard says a nested group is; done only where a branch's
    FILTER, BIND and OPTIONAL use no variable of the rest of the group that the branch may leave
    unbound (``also_bound``: variables a branch binds besides its triples, by the opening offset).

    ``focus_slots``: each wrapped branch that binds ``?this`` also gets the focus slot, so that a
    run on some focus nodes evaluates the UNION for them only (a VALUES block inside each branch:
    joined with the whole UNION instead, it would be a cross product again).
    """
    if len(group.elements) < 2:
        return []
    edits = []
    for union in group.elements:
        if union.kind != "union":
            continue
        around: set[str] = set()
        for other in group.elements:
            if other is not union and other.kind in ("triples", "optional", "union", "subselect"):
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
            if focus_slots:
                edits += [
                    (branch.open + 1, branch.open + 1, BRANCH_FOCUS_SLOT)
                    for branch in union.groups
                    if "this" in _certain(branch) | (also_bound or {}).get(branch.open, set())
                ]
    return edits


def merge_prefixes(first: dict[str, str], second: dict[str, str], label: str) -> dict[str, str]:
    merged = dict(first)
    for name, namespace in second.items():
        if merged.get(name, namespace) != namespace:
            raise UnsupportedShapeError(label, f"prefix {name}: bound to two namespaces")
        merged[name] = namespace
    return merged
