"""The graph names are resolved against (the embedded data/ or given files): the organisations,
categories and terms a register may name."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.term import Node

from ...load import input_files
from ...spelling import normalise
from ...vocabulary import DPV, EU_GDPR, GG, PD
from ..emit import Organisations

DPV_SPACES = (str(DPV), str(PD), str(EU_GDPR))  # legal: the GDPR's terms only


# ------------------------------------------------------------------------------------------------ the context


def context_graph(data_files: Sequence[Path | str] | None = None) -> Graph:
    """The graph names are resolved against: the ontology, reference data, templates and the data
    (default: the embedded data/)."""
    graph = Graph()
    for path in input_files(data_files):
        graph.parse(path)
    return graph


def _dpv(term: object) -> bool:
    return str(term).startswith(DPV_SPACES)


class Context:
    """What the import reads from the context graph: names, labels, template items, countries."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.orgs = Organisations.from_graph(graph)
        self.en_labels: dict[URIRef, str] = {}
        for subject, label in graph.subject_objects(RDFS.label):
            if isinstance(label, Literal) and label.language == "en" and isinstance(subject, URIRef):
                self.en_labels.setdefault(subject, str(label))
        self._kinds: dict[str, dict[str, URIRef]] = {}
        self._terms: dict[str, dict[str, URIRef]] = {}
        self.bases = self._eu_gdpr(("A6-1-", "A9-2-"))
        self.transfer_bases = self._eu_gdpr(("A45-", "A46-", "A49-"))
        self.statuses = {
            self.en_labels[s]: URIRef(str(s))
            for s in graph.subjects(RDF.type, GG.SafeguardStatus)
            if isinstance(s, URIRef) and s in self.en_labels
        }
        self.instrument_labels = {
            label: term
            for term, label in self.en_labels.items()
            if str(term).startswith(str(EU_GDPR)) and not re.match(r"A\d", str(term)[len(str(EU_GDPR)) :])
        }
        self.countries = {
            label: term for term, label in self.en_labels.items() if (term, RDF.type, DPV.Country) in graph
        }
        self.documents = {str(file): URIRef(str(doc)) for doc, file in graph.subject_objects(GG.sourceFile)}

    def _eu_gdpr(self, prefixes: tuple[str, ...]) -> dict[str, URIRef]:
        base = str(EU_GDPR)
        return {
            label: term
            for term, label in self.en_labels.items()
            if str(term).startswith(base) and str(term)[len(base) :].startswith(prefixes)
        }

    def printed(self, node: URIRef) -> str:
        """The label the export prints for a node: English, else any preferred label, else the IRI."""
        for prop in (SKOS.prefLabel, RDFS.label):
            for label in self.graph.objects(node, prop):
                if isinstance(label, Literal) and label.language == "en":
                    return str(label)
        preferred = self.graph.value(node, SKOS.prefLabel)
        return str(preferred) if preferred is not None else str(node)

    def known(self, kind: str) -> dict[str, URIRef]:
        """Nodes of the data (not DPV terms) of a kind, by the normalised label the export prints."""
        if kind not in self._kinds:
            graph = self.graph
            nodes: set[Node | None] = set()  # rdflib's transitive_subjects may yield None
            if kind == "data":
                nodes = set(graph.subjects(RDF.type, GG.PersonalDataCategory))
            elif kind == "subject":
                nodes = set(graph.subjects(RDF.type, GG.DataSubjectCategory))
            elif kind == "recipient":
                nodes = set(graph.transitive_subjects(RDFS.subClassOf, DPV.Recipient)) - {DPV.Recipient}
            elif kind == "service":
                nodes = set(graph.subjects(RDF.type, DPV.Service))
            found: dict[str, URIRef] = {}
            for node in sorted(n for n in nodes if isinstance(n, URIRef) and not _dpv(n)):
                found.setdefault(normalise(self.printed(node)), node)
                if kind == "service":
                    for label in graph.objects(node, SKOS.altLabel):
                        found.setdefault(normalise(str(label)), node)
            self._kinds[kind] = found
        return self._kinds[kind]

    def terms(self, kind: str) -> dict[str, URIRef]:
        """DPV terms of a kind by each of their labels, normalised (the English label first)."""
        if kind not in self._terms:
            root = {
                "data": DPV.PersonalData,
                "subject": DPV.DataSubject,
                "recipient": DPV.Recipient,
                "purpose": DPV.Purpose,
            }[kind]
            terms = sorted(
                t for t in self.graph.transitive_subjects(RDFS.subClassOf, root) if isinstance(t, URIRef) and _dpv(t)
            )
            if kind == "recipient":  # authorities receive data too (the policies name them as recipients)
                terms += sorted(
                    t
                    for t in self.graph.transitive_subjects(RDFS.subClassOf, DPV.Authority)
                    if isinstance(t, URIRef) and _dpv(t)
                )
            found: dict[str, URIRef] = {}
            for term in terms:
                if term in self.en_labels:
                    found.setdefault(normalise(self.en_labels[term]), term)
            for term in terms:
                for label in self.graph.objects(term, RDFS.label):
                    found.setdefault(normalise(str(label)), term)
            self._terms[kind] = found
        return self._terms[kind]

    def items(self, section: URIRef) -> dict[str, URIRef]:
        """Template items of a section by their English label."""
        found = {}
        for item in self.graph.subjects(GG.templateSection, section):
            for label in self.graph.objects(item, SKOS.prefLabel):
                if isinstance(label, Literal) and label.language == "en":
                    found[str(label)] = URIRef(str(item))
        return found

    def certification_decision(self, country: URIRef) -> URIRef | None:
        """The adequacy decision in force that covers a country for certified organisations only."""
        for decision in self.graph.subjects(GG.coversCountry, country):
            if (decision, GG.requiresCertification, Literal(True)) in self.graph:
                return URIRef(str(decision))
        return None
