"""Inference: our CONSTRUCT rules, then the OWL 2 RL closure.

Two engines give the same answers to every catalog query (tests/test_inference_engines.py):

- ``owlrl`` over an rdflib graph, the reference (``--store memory``), cached on disk by content;
- the OWL 2 RL rules of ontology/rules/owl-rl/, CONSTRUCT queries run inside the store until
  nothing new comes out (Oxigraph or any SPARQL store): the axioms stay data, the rules read them.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import rdflib

from . import resources
from .errors import GdprGraphError
from .store import DatasetGraph, KnowledgeGraph, MemoryGraph

log = logging.getLogger(__name__)


def apply_rules(graph: KnowledgeGraph) -> int:
    """Run every rule in ontology/rules/ once; return the number of triples added."""
    added = 0
    for rule in resources.rule_files():
        result = graph.query(rule.read_text(encoding="utf-8"))
        added += graph.add(result.graph if result.graph is not None else ())
    return added


def owl_rl_closure(graph: KnowledgeGraph) -> int:
    """Expand the graph in place with the OWL 2 RL closure; return the number of triples added."""
    import owlrl  # the reference reasoner, imported only when asked for

    before = len(graph)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics,
        rdfs_closure=False,
        axiomatic_triples=False,
        datatype_axioms=False,
    ).expand(graph.graph)
    # owlrl emits generalised triples such as "x" owl:sameAs "x": not RDF, and of no use to us.
    for triple in [t for t in graph.graph if isinstance(t[0], rdflib.Literal)]:
        graph.graph.remove(triple)
    return len(graph) - before


def infer(graph: MemoryGraph) -> MemoryGraph:
    """A new graph with the rules and the OWL RL closure applied; the input is left untouched."""
    inferred = graph.copy()
    apply_rules(inferred)
    owl_rl_closure(inferred)
    return inferred


def cache_dir() -> Path:
    """Where closures are cached: $GDPRGRAPH_CACHE, else ~/.cache/gdprgraph."""
    return Path(os.environ.get("GDPRGRAPH_CACHE", Path.home() / ".cache" / "gdprgraph"))


def cache_key(files: Sequence[Path]) -> str:
    """A digest of the inputs' content, the rules and the reasoner's version."""
    digest = hashlib.sha256(f"owlrl {metadata.version('owlrl')}\n".encode())
    for path in list(files) + resources.rule_files():
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def infer_cached(graph: MemoryGraph) -> MemoryGraph:
    """Like infer(), but reuse the closure computed earlier for the same input files (not for a
    graph edited since it was loaded: its files no longer say what it holds)."""
    if graph.edited:
        return infer(graph)
    path = cache_dir() / f"closure-{cache_key(graph.sources)}.nt"
    if path.is_file():
        log.debug("using cached closure %s", path)
        try:
            cached = MemoryGraph(rdflib.Graph().parse(path, format="nt"))
        except Exception as err:  # a damaged cache is recomputed, never trusted
            log.warning("ignoring unreadable cache %s: %s", path, err)
        else:
            for prefix, namespace in graph.graph.namespaces():
                cached.graph.bind(prefix, namespace, override=True)
            cached.sources = list(graph.sources)
            return cached
    inferred = infer(graph)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(inferred.serialize("nt"), encoding="utf-8")
    tmp.replace(path)
    return inferred


class UnsupportedAxiomError(GdprGraphError):
    """The graph holds OWL constructs the in-store rules do not implement."""


def unsupported_axioms(graph: KnowledgeGraph) -> list[str]:
    """OWL constructs in the graph that ontology/rules/owl-rl/ does not cover, as 'subject construct'."""
    nsm = graph.namespace_manager
    return [
        f"{nsm.normalizeUri(row.term('subject'))} {nsm.normalizeUri(row.term('construct'))}"
        for row in graph.internal("unsupported-axioms")
    ]


#: a fact pattern of a rule: GRAPH ?g1 { ?x ?p ?y }
_FACT = re.compile(r"GRAPH \?(\w+) (\{[^{}]*\})")


@dataclass(frozen=True)
class Rule:
    """One OWL RL rule file: its CONSTRUCT text, and the variables naming its ``GRAPH ?g`` fact
    patterns (its ``# delta:`` header), which a semi-naive round binds to the new triples only."""

    name: str
    text: str
    delta_vars: tuple[str, ...]

    def full(self) -> str:
        """The rule over the whole graph: each fact pattern reads the default graph."""
        return _FACT.sub(lambda m: m.group(2), self.text)

    def semi_naive(self, var: str, delta: str) -> str:
        """The rule with the fact pattern of ``var`` read from the graph ``delta`` only, and moved
        first among the fact patterns: Oxigraph joins in written order, so the few new triples
        drive the lookups instead of the whole graph being scanned and then joined."""
        patterns = sorted(_FACT.finditer(self.text), key=lambda m: m.group(1) != var)
        rewritten = iter(f"GRAPH <{delta}> {m.group(2)}" if m.group(1) == var else m.group(2) for m in patterns)
        return _FACT.sub(lambda _: next(rewritten), self.text)

    @classmethod
    def read(cls, path: Path) -> Rule:
        text = path.read_text(encoding="utf-8")
        header = re.search(r"^# delta:(.*)$", text, re.MULTILINE)
        names = tuple(v.lstrip("?") for v in header.group(1).split()) if header else ()
        return cls(path.name, text, names)


def infer_in_store(asserted: DatasetGraph, target: str) -> DatasetGraph:
    """Run our rules, then the OWL 2 RL rules to a fixpoint, inside the dataset; new triples go to
    the named graph ``target``. Returns the view of asserted plus inferred triples.

    Rounds after the first are semi-naive: each rule joins at least one of its fact patterns
    against the triples the previous round added (a scratch named graph), not the whole graph;
    rules without fact patterns read only axioms and are skipped unless the axioms changed.
    """
    problems = unsupported_axioms(asserted)
    if problems:
        raise UnsupportedAxiomError(
            "in-store inference does not implement " + "; ".join(problems) + " (use --store memory, owlrl)"
        )
    dataset, graphs = asserted.dataset, [*asserted.graphs, target]
    for rule_file in resources.rule_files():
        dataset.construct_into(rule_file.read_text(encoding="utf-8"), graphs, [target])
    rules = [Rule.read(path) for path in resources.owl_rl_rule_files()]
    delta: str | None = None
    rounds, full = 0, True
    try:
        while True:
            rounds += 1
            fresh = f"{target}:delta:{rounds}"
            added = 0
            for rule in rules:
                if full:  # an axiom-only rule runs first and every later rule reads all it adds
                    into = [target, fresh] if rule.delta_vars else [target]
                    added += dataset.construct_into(rule.full(), graphs, into)
                for var in () if full else rule.delta_vars:
                    if delta is None:  # pragma: no cover - the first round is a full one and sets it
                        raise RuntimeError("a semi-naive round without the previous round's delta")
                    added += dataset.construct_into(rule.semi_naive(var, delta), graphs, [target, fresh])
            log.debug("OWL RL round %d (%s): %d new triples", rounds, "full" if full else "delta", added)
            if delta:
                dataset.drop(delta)
            delta = fresh
            if not added:
                break
            full = bool(dataset.query(resources.internal_query("delta-touches-axioms"), None, [delta]).askAnswer)
    finally:
        if delta:
            dataset.drop(delta)
    return asserted.view(graphs, write_to=target)
