"""Our SHACL shapes compiled into set-based SPARQL: one SELECT per constraint, every focus node at once.

pyshacl (``validate.validate``) is the reference engine: it evaluates each SPARQL-based constraint
once per focus node in rdflib, which does not scale. This package compiles the shapes graph into
plain SPARQL 1.1 SELECT queries, one per constraint, that return every violating focus node (and
value, and message variables) in one go, and runs them through ``KnowledgeGraph.query`` so that the
same queries run on rdflib in memory, on Oxigraph and on a remote SPARQL server. The report graph
it builds has the shape of pyshacl's (``run``); ``validate`` reads the same results before they
become a graph (``run_results``), and builds the graph only when it is asked for.

Each query joins the focus nodes of the node shape (its targets, as a sub-select) with the
constraint in ONE group, so that every filter of the constraint sees ``?this`` bound:

- a SPARQL constraint keeps its own WHERE body, ``$this`` renamed ``?this`` (SHACL pre-binds it);
  where a nested group (a UNION branch) uses ``$this`` in a FILTER or BIND, the group is given its
  own binding of ``?this`` first, since a nested group is evaluated on its own (see ``Rewriter``);
- a core constraint component (sh:minCount, sh:class, sh:in, sh:node, ...) becomes a FILTER over
  the value nodes; shapes nested through sh:node, sh:or and sh:not become (NOT) EXISTS conditions.

Written for Oxigraph's planner, each time with the same solutions (the reasons are next to the code):
the focus nodes are a GROUP BY sub-select (not SELECT DISTINCT); sh:maxCount counts values once
with GROUP BY / HAVING; a constraint's top-level ``FILTER NOT EXISTS { P }`` / ``FILTER EXISTS
{ P }`` runs as ``MINUS { P }`` / a join with the distinct matches of P where that is provably the
same; a UNION joined with other patterns is put in a ``{ SELECT * WHERE { ... } }`` sub-select.

A sub-select in the WHERE group of a SPARQL constraint (projecting ``$this``, as SHACL asks, grouped
by it if it groups, binding it in its own triple patterns) or of a SPARQL target is joined as
written: a shape can count once what would otherwise pair rows (the items a service answers twice).
Oxigraph evaluates every operand of a join even when one has no solution, so each sub-select is
first asked alone (an ASK, restricted to the focus nodes on a focused run: the constraint's
*guards*), and a constraint one of whose guards is false is not run; a target's sub-select guards
every constraint of its shape, unless other targets add focus nodes. A target's sub-select that
does not name ``?this`` is the same for every node: on a run on some focus nodes it is restricted to
the values the target's triple patterns give those nodes (``sparql_text.sideways_slots``).

On a store that takes concurrent reads (Oxigraph), the constraints run on several threads
(``runner.default_threads``); the results keep the constraints' order.

Only the SHACL features our shapes use are compiled (see ``SUPPORTED``); anything else raises
``UnsupportedShapeError`` naming the shape and the feature, so that no constraint is ever skipped.

Print the queries of the shapes with ``python -m gdprgraph.shacl_sparql``.

The modules: ``compiler`` (shapes to queries), ``sparql_text`` (parsing and rewriting the shapes' own
SPARQL), ``runner`` (running the queries into a report graph), ``common`` (what they share).
"""

from .common import STANDARD_PREFIXES, UnsupportedShapeError
from .compiler import (
    COMPONENTS,
    DATATYPES,
    NON_VALIDATING,
    SUPPORTED,
    TARGETS,
    CompiledConstraint,
    compile_shapes,
)
from .runner import FOCUS_CHUNK, RunResults, explain, run, run_results

__all__ = [
    "COMPONENTS",
    "DATATYPES",
    "FOCUS_CHUNK",
    "NON_VALIDATING",
    "STANDARD_PREFIXES",
    "SUPPORTED",
    "TARGETS",
    "CompiledConstraint",
    "RunResults",
    "UnsupportedShapeError",
    "compile_shapes",
    "explain",
    "run",
    "run_results",
]
