"""One estate from many sources: what an import finds already held by the graph it imports into.

The importers (``import ropa``, ``import fides``; vendor lists: see ``subprocessors.py``) read names and
facts. The graph they import into (the embedded ``data/``, or the ``--data`` files) may already hold the
organisation, the service, or the very fact, read from another source. This module answers two questions
for them:

- **which node a name designates**: names are compared as ``names.py`` compares them (case, accents,
  punctuation ignored, then legal suffixes), exact names only: an import never guesses between near names
  ("Amazon" is not "Amazon Web Services"), it mints a new node;
- **whether a fact is already held**: the same template line of the same service with the same answer
  (and, for a subject-matter, the same duration), the same sub-processor of the same service in the same
  countries, the same row of sub-processors, safeguard or contact point. Such a fact keeps one node: the
  import reuses its IRI, copies what the graph holds about it (so that the import reads on its own), and
  adds its own citation (``gg:alsoStatedIn`` a ``gg:Citation``: the document's section, the line, the
  words). A fact stated otherwise is a node of its own, citing its source: the shapes of
  ``ontology/shapes/integrity.ttl`` (``ContradictorySources*``) report the contradiction, naming both
  sources.

Who calls it: ``register/`` (names and facts of a processor record; controller registers resolve
names only: their activities are the register's own), ``fides.py`` (services by key or name).
``subprocessors.py`` is being reworked elsewhere and does not call it yet: a vendor list's row should
resolve its engagement with :meth:`Estate.held_engagement` (same service, sub-processor and countries)
and, when held, cite the row with :func:`restate` instead of minting ``ggd:KEY-eng-ORG``; a row that
places the sub-processor elsewhere is then reported by ``ContradictorySourcesCountryShape``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV
from rdflib.term import Node

from ..spelling import normalise, strip_legal_suffix
from ..vocabulary import DPV, GG, GGD, GGDOC, GGO

__all__ = ["Duration", "Estate"]

#: what a name of a service may be read from
SERVICE_NAMES = (SKOS.prefLabel, SKOS.altLabel, RDFS.label)
#: a statement's own parts, copied with it (its duration, its safeguards, its row of sub-processors)
OWN_PARTS = (str(GGD),)


@dataclass(frozen=True)
class Duration:
    """What a duration says, as compared between sources: the period (ISO 8601) and the event it runs
    until, parsed; the wording only where neither could be read."""

    period: str | None
    event: URIRef | None
    wording: str | None

    @classmethod
    def of(cls, graph: Graph, node: Node | None) -> Duration | None:
        if node is None:
            return None
        period, event = graph.value(node, GG.period), graph.value(node, GG.untilEvent)
        text = graph.value(node, GG.durationText)
        parsed = period is not None or event is not None
        return cls(
            str(period) if period is not None else None,
            event if isinstance(event, URIRef) else None,
            None if parsed else normalise(str(text or "")),
        )


class Estate:
    """The nodes and facts of the graph an import goes into."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._services: dict[str, set[URIRef]] | None = None
        self._organisations: dict[tuple[str, str], set[URIRef]] | None = None
        self._about: dict[tuple[URIRef, URIRef], list[URIRef]] = {}

    # -- names ------------------------------------------------------------------------------------------
    def organisation(self, written: str) -> URIRef | None:
        """The organisation of the graph a name designates: its name, or the same without legal suffix."""
        if self._organisations is None:
            self._organisations = {}
            for prop in SERVICE_NAMES:
                for node, label in self.graph.subject_objects(prop):
                    if isinstance(node, URIRef) and str(node).startswith(str(GGO)):
                        name = normalise(str(label))
                        self._organisations.setdefault(("exact", name), set()).add(node)
                        self._organisations.setdefault(("stripped", strip_legal_suffix(name)), set()).add(node)
        wanted = normalise(written)
        for key in (("exact", wanted), ("stripped", strip_legal_suffix(wanted))):
            found = self._organisations.get(key, set())
            if len(found) == 1:
                return next(iter(found))
        return None

    def service(self, written: str, notation: str = "") -> URIRef | None:
        """The service of the graph a name (or a key, ``skos:notation``) designates, if exactly one."""
        if self._services is None:
            self._services = {}
            for service in self.graph.subjects(RDF.type, DPV.Service):
                if not isinstance(service, URIRef):
                    continue
                for prop in SERVICE_NAMES:
                    for label in self.graph.objects(service, prop):
                        self._services.setdefault(normalise(str(label)), set()).add(service)
        if notation:
            keyed = {
                URIRef(str(s))
                for s in self.graph.subjects(SKOS.notation, Literal(notation))
                if (s, RDF.type, DPV.Service) in self.graph
            }
            if len(keyed) == 1:
                return next(iter(keyed))
        for names in (normalise(written), strip_legal_suffix(normalise(written))):
            found = self._services.get(names, set())
            if len(found) == 1:
                return next(iter(found))
        return None

    # -- facts ------------------------------------------------------------------------------------------
    def _statements(self, kind: URIRef, about: URIRef) -> list[URIRef]:
        if (kind, about) not in self._about:
            self._about[(kind, about)] = sorted(
                URIRef(str(s)) for s in self.graph.subjects(GG.about, about) if (s, RDF.type, kind) in self.graph
            )
        return self._about[(kind, about)]

    def answers(self, service: URIRef) -> set[URIRef]:
        """The template items the graph answers for a service (Yes, No or not stated)."""
        return {
            URIRef(str(i))
            for line in self._statements(GG.TemplateLine, service)
            for i in self.graph.objects(line, GG.answers)
        }

    def held_line(
        self, service: URIRef, item: URIRef, status: URIRef, duration: Duration | None = None
    ) -> URIRef | None:
        """A template line of the graph giving the same answer (and duration) for the service's item."""
        for line in self._statements(GG.TemplateLine, service):
            if (line, GG.answers, item) not in self.graph or (line, GG.status, status) not in self.graph:
                continue
            held = Duration.of(self.graph, self.graph.value(line, DPV.hasDuration))
            if duration is None or held == duration:
                return line
        return None

    def countries(self, engagement: URIRef, graph: Graph | None = None) -> set[URIRef]:
        """Where a sub-processor processes the data under an engagement: the countries of processing, else
        the sub-processor's own country."""
        graph = graph if graph is not None else self.graph
        stated = set(graph.objects(engagement, GG.processingCountry))
        if stated:
            return {URIRef(str(c)) for c in stated}
        org = graph.value(engagement, GG.subProcessor)
        homes = set(graph.objects(org, DPV.hasCountry)) or set(self.graph.objects(org, DPV.hasCountry))
        return {URIRef(str(c)) for c in homes}

    def held_engagement(self, service: URIRef, organisation: URIRef, countries: set[URIRef]) -> URIRef | None:
        """An engagement of the graph of the same sub-processor for the service, in the same countries."""
        for engagement in self._statements(GG.SubProcessingEngagement, service):
            if (engagement, GG.subProcessor, organisation) in self.graph and self.countries(engagement) == countries:
                return engagement
        return None

    def held_row(self, service: URIRef, item: URIRef, disclosure: URIRef) -> URIRef | None:
        """A row of sub-processors of the graph for the service's item, disclosed the same way."""
        for row in self._statements(GG.SubProcessorCategory, service):
            if (row, GG.answers, item) in self.graph and (row, GG.disclosure, disclosure) in self.graph:
                return row
        return None

    def held_safeguard(self, holder: URIRef, instrument: URIRef, status: URIRef) -> URIRef | None:
        """A safeguard the graph holds on an engagement or row, with the same instrument and status."""
        for safeguard in sorted(s for s in self.graph.objects(holder, GG.hasSafeguard) if isinstance(s, URIRef)):
            if (safeguard, GG.instrument, instrument) in self.graph and (
                safeguard,
                GG.safeguardStatus,
                status,
            ) in self.graph:
                return URIRef(str(safeguard))
        return None

    def held_contact(self, about: URIRef | None, role: URIRef | None, scope: str | None, value: str) -> URIRef | None:
        """A contact point of the graph of the same organisation (or of a policy it publishes as controller)
        and role and scope (when given: a record prints neither for a data protection officer), at the same
        address."""
        if about is None:
            return None
        policies = [p for p in self.graph.subjects(DPV.hasDataController, about) if isinstance(p, URIRef)]
        for contact in [c for owner in [about, *sorted(policies)] for c in self._statements(GG.ContactPoint, owner)]:
            if role is not None and self.graph.value(contact, GG.contactRole) != role:
                continue  # a contact without a role (as a record prints it) is any contact at that address
            held_scope = self.graph.value(contact, GG.scopeNote)
            if scope is not None and (str(held_scope) if held_scope is not None else None) != scope:
                continue
            addresses = {str(a) for p in (GG.email, GG.postalAddress) for a in self.graph.objects(contact, p)}
            if value in addresses or value.removeprefix("email: ").strip() in addresses:
                return contact
        return None

    # -- one node, every source ------------------------------------------------------------------------
    def copy(self, node: URIRef, into: Graph) -> None:
        """What the graph holds about a statement, into an import: its triples, its own parts (duration,
        safeguards...: nodes of the data), the section and document it cites, and the type and controller
        of the policy it is about."""
        seen: set[URIRef] = set()
        todo = [node]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            for p, o in self.graph.predicate_objects(current):
                into.add((current, p, o))
                if isinstance(o, URIRef) and str(o).startswith(OWN_PARTS) and p != GG.about:
                    todo.append(o)
                if p == DCTERMS.source and isinstance(o, URIRef):
                    self._copy_source(o, into)
                if p == GG.about and isinstance(o, URIRef) and str(o).startswith(OWN_PARTS):
                    # a policy of the data: what ties it to its organisation (a contact point's owner)
                    for q in (RDF.type, DPV.hasDataController):
                        for value in self.graph.objects(o, q):
                            into.add((o, q, value))

    def _copy_source(self, section: URIRef, into: Graph) -> None:
        for node in [section, *self.graph.objects(section, DCTERMS.isPartOf)]:
            if not str(node).startswith(str(GGDOC)):
                continue
            for p, o in self.graph.predicate_objects(node):
                if p in (RDF.type, DCTERMS.isPartOf, GG.sectionNumber, GG.sourceFile, DCTERMS.title, DCTERMS.language):
                    into.add((node, p, o))


def restate(
    into: Graph,
    statement: URIRef,
    citation: URIRef,
    section: URIRef,
    line: int,
    words: Literal,
    derived: Iterable[URIRef] = (),
) -> None:
    """Another source states a fact the graph holds: its citation, beside the statement's own."""
    into.add((statement, GG.alsoStatedIn, citation))
    into.add((citation, RDF.type, GG.Citation))
    into.add((citation, DCTERMS.source, section))
    into.add((citation, GG.sourceLine, Literal(line)))
    into.add((citation, GG.sourceText, words))
    for cited in derived:
        into.add((citation, PROV.wasDerivedFrom, cited))
