"""DPIA screening (Art. 35, WP248 rev.01): which criteria each service's declared processing meets,
from the facts the graph holds, and whether a DPIA is required (two criteria or more that count)
and recorded. The criteria, and the terms that meet them, are data (ontology/assessments.ttl)."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import URIRef

from . import tia
from .workspace import Workspace


@dataclass
class Criterion:
    """A criterion a service meets, with the facts (and their sources) behind it."""

    name: str
    order: int
    counts: bool
    facts: list[str] = field(default_factory=list)


@dataclass
class Screening:
    """The screening of one service."""

    service: str
    name: str
    criteria: list[Criterion] = field(default_factory=list)
    dpia: str = ""  # the recorded DPIA: date and outcome

    @property
    def met(self) -> int:
        """How many criteria that count are met."""
        return sum(1 for c in self.criteria if c.counts)

    @property
    def verdict(self) -> str:
        if self.met < 2:
            return "no DPIA required by the WP248 criteria"
        if self.dpia:
            return f"DPIA required; recorded ({self.dpia})"
        return "DPIA required"


def screen(ws: Workspace, service: str | None = None) -> list[Screening]:
    """The screening of every service with a processing description (or of one, by IRI)."""
    kg = ws.asserted
    bindings = {"service": URIRef(service)} if service is not None else None
    found: dict[str, Screening] = {}
    for row in kg.internal("services-described", bindings):
        found[str(row.service)] = Screening(str(row.service), str(row.serviceName))
    for row in kg.internal("dpia-criteria", bindings):
        screening = found.setdefault(str(row.service), Screening(str(row.service), str(row.serviceName)))
        criterion = next((c for c in screening.criteria if c.name == str(row.criterionName)), None)
        if criterion is None:
            criterion = Criterion(str(row.criterionName), int(row.term("order")), tia._flag(row.counts))
            screening.criteria.append(criterion)
        source = tia.Source(str(row.document or ""), str(row.part or ""), tia._int(row.line), tia._int(row.lineEnd))
        criterion.facts.append(f"{row.factName} [{source.cite()}]" if row.document else str(row.factName))
    transfers = tia.hops_needing_tia(ws, service=service, facts=False)
    for hop in transfers:
        if hop.service in found:
            screening = found[hop.service]
            criterion = next((c for c in screening.criteria if c.order == 10), None)
            if criterion is None:
                criterion = Criterion("transfers outside the EU/EEA without adequacy", 10, False)
                screening.criteria.append(criterion)
            fact = f"{hop.exporter_name} -> {hop.importer_name} ({hop.country_name}): {hop.basis}"
            if fact not in criterion.facts:
                criterion.facts.append(fact)
    for row in kg.internal("dpia-records"):
        assessed = found.get(str(row.service))
        if assessed is not None and not assessed.dpia:
            assessed.dpia = f"{row.assessedOn}" + (f": {row.outcome}" if row.outcome else "")
    for screening in found.values():
        screening.criteria.sort(key=lambda c: c.order)
    return sorted(found.values(), key=lambda s: s.name.casefold())


def as_text(screens: list[Screening]) -> str:
    """Per service: the criteria met, each with its facts and sources, then the verdict."""
    lines = ["DPIA screening (Art. 35, WP248 rev.01: two criteria or more call for a DPIA)"]
    for s in screens:
        lines += ["", f"{s.name}: {s.verdict} ({s.met} WP248 criteria met)"]
        for c in s.criteria:
            note = "" if c.counts else " (indicator, not a WP248 criterion: not counted)"
            lines.append(f"  - {c.name}{note}")
            lines += [f"      {fact}" for fact in c.facts]
        if not s.criteria:
            lines.append("  - no criterion met by the declared processing")
    return "\n".join(lines)
