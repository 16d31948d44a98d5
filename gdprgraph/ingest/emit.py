"""Turn the records of a parsed description into an rdflib Graph in the model of data/."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from ..spelling import core_name, normalise, strip_legal_suffix
from ..vocabulary import DPV, EU_GDPR, GG, GGD, GGDOC, GGO, GGR, GGS, GGT, LOC, PD
from . import template
from .art28 import Answer, Description, Row, Section
from .countries import country_iri

PREFIXES = {
    "gg": GG,
    "ggt": GGT,
    "ggo": GGO,
    "ggs": GGS,
    "ggdoc": GGDOC,
    "ggd": GGD,
    "dpv": DPV,
    "pd": PD,
    "eu-gdpr": EU_GDPR,
    "loc": LOC,
    "rdfs": RDFS,
    "skos": SKOS,
    "xsd": XSD,
    "ggr": GGR,
    "dcterms": DCTERMS,
}

OBS = GGO["orange-business-services"]
NOT_STATED = "The template has this line; this document does not state it."
SEPARATELY = (
    "The row says its entities are communicated separately to the customer: the description does not disclose them."
)
DISCLOSURE = {"listed": GG.EntitiesListed, "none": GG.NoEntitiesDeclared, "separately": GG.CommunicatedSeparately}
DURATION_CLASS = {
    "until-event": DPV.UntilEventDuration,
    "legal": GG.LegallyRequiredDuration,
    "controller": GG.ControllerDeterminedDuration,
    "stated": DPV.Duration,
}


def slug(text: str) -> str:
    """Lower-case words joined by hyphens: 'Platform.sh' -> 'platform-sh'."""
    return re.sub(r"[^a-z0-9]+", "-", normalise(text)).strip("-")


def without_legal_suffix(name: str) -> str:
    """The name as written without its trailing legal-form words ('Platform.sh SAS' -> 'Platform.sh')."""
    words = name.split()
    keep = len(strip_legal_suffix(normalise(name)).split())
    while len(words) > 1 and len(normalise(" ".join(words)).split()) > keep:
        words.pop()
    return " ".join(words)


@dataclass
class Organisations:
    """Organisations known from a context graph, by normalised name."""

    by_name: dict[str, URIRef]
    by_stripped: dict[str, URIRef]
    preferred: dict[URIRef, str]
    _by_core: dict[str, set[URIRef]] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_graph(cls, graph: Graph | None) -> Organisations:
        by_name: dict[str, URIRef] = {}
        by_stripped: dict[str, URIRef] = {}
        preferred: dict[URIRef, str] = {}
        if graph is not None:
            for prop in (SKOS.prefLabel, SKOS.altLabel, RDFS.label):
                for subject, label in sorted(graph.subject_objects(prop)):
                    if not isinstance(subject, URIRef) or not str(subject).startswith(str(GGO)):
                        continue
                    if prop == SKOS.prefLabel:
                        preferred.setdefault(subject, str(label))
                    by_name.setdefault(normalise(str(label)), subject)
                    by_stripped.setdefault(strip_legal_suffix(normalise(str(label))), subject)
        return cls(by_name, by_stripped, preferred)

    def by_core(self, written: str) -> URIRef | None:
        """The one organisation whose name is the same without brackets and legal form
        ("Amazon Web Services Inc" is "Amazon Web Services, Inc. (AWS)"), if exactly one."""
        core = core_name(written)
        if self._by_core is None:  # built at the first call, then kept: an import asks once per row
            self._by_core = {}
            for iri, label in self.preferred.items():
                self._by_core.setdefault(core_name(label), set()).add(iri)
        found = self._by_core.get(core, set()) if core else set()
        return next(iter(found)) if len(found) == 1 else None

    def resolve(self, written: str) -> tuple[URIRef, str]:
        """The IRI and preferred label for a name as written: a known organisation, else a new one."""
        wanted = normalise(written)
        iri = self.by_name.get(wanted) or self.by_stripped.get(strip_legal_suffix(wanted)) or self.by_core(written)
        if iri is not None and iri in self.preferred:
            return iri, self.preferred[iri]
        bare = without_legal_suffix(written)
        return iri or GGO[slug(bare)], bare


class Emitter:
    """Builds the graph of one description."""

    def __init__(self, desc: Description, key: str, source_file: str, service_iri: URIRef, orgs: Organisations) -> None:
        self.desc, self.key, self.source_file = desc, key, source_file
        self.service, self.orgs = service_iri, orgs
        self.lang = desc.language
        self.g = Graph()
        for prefix, ns in PREFIXES.items():
            self.g.bind(prefix, ns)

    def text(self, value: str) -> Literal:
        return Literal(value, lang=self.lang)

    def add(self, subject: URIRef, prop: URIRef, value: object) -> None:
        self.g.add((subject, prop, value if isinstance(value, URIRef | Literal) else Literal(value)))

    def section_iri(self, number: str) -> URIRef:
        local = number.lower().replace(".", "") if number.lower().startswith("exa") else number.replace(".", "-")
        return GGDOC[f"{self.key}-s{local}"]

    def provenance(
        self, node: URIRef, section: Section | URIRef, first: int, last: int, text: str | None = None
    ) -> None:
        self.add(node, DCTERMS.source, section if isinstance(section, URIRef) else self.section_iri(section.number))
        self.add(node, GG.sourceLine, Literal(first))
        if last != first:
            self.add(node, GG.sourceLineEnd, Literal(last))
        self.add(node, GG.sourceText, self.text(text if text is not None else self.desc.line_text(first, last)))

    def build(self) -> Graph:
        self.document()
        self.service_node()
        self.answers()
        if self.desc.purpose:
            self.purpose()
        for row in self.desc.rows:
            self.row(row)
        if self.desc.pointer:
            self.pointer()
        return self.g

    def document(self) -> None:
        desc, doc = self.desc, GGDOC[self.key]
        label = template.label(GGT["orange-art28"], self.lang)
        if desc.exhibit and desc.enclosing_title:
            title = f"{desc.enclosing_title}, with Exhibit A: {label}"
        else:
            title = f"{label}{' : ' if self.lang == 'fr' else ': '}{desc.service_name or ''}".rstrip(": ")
        self.add(doc, RDF.type, GG.SourceDocument)
        self.add(doc, DCTERMS.title, self.text(title))
        self.add(doc, DCTERMS.language, Literal(self.lang))
        self.add(doc, GG.sourceFile, Literal(self.source_file))
        self.add(doc, DCTERMS.publisher, OBS)
        for section in desc.sections.values():
            self.section_node(section.number, section.title)
        self.add(OBS, RDF.type, DPV.Organisation)
        self.add(OBS, SKOS.prefLabel, Literal("Orange Business Services"))

    def section_node(self, number: str, title: str) -> None:
        node = self.section_iri(number)
        self.add(node, RDF.type, GG.DocumentSection)
        self.add(node, DCTERMS.isPartOf, GGDOC[self.key])
        self.add(node, GG.sectionNumber, Literal(number))
        self.add(node, DCTERMS.title, self.text(title))

    def service_node(self) -> None:
        desc, node = self.desc, self.service
        self.add(node, RDF.type, DPV.Service)
        if desc.service_name:
            self.add(node, SKOS.prefLabel, self.text(desc.service_name))
        if desc.short_name:
            self.add(node, SKOS.altLabel, self.text(desc.short_name))
        if desc.service_line:
            where = f"in Exhibit A, line {desc.service_line}" if desc.exhibit else f"on line {desc.service_line}"
            self.add(node, RDFS.comment, Literal(f"Service name as stated {where}.", lang="en"))
        self.add(node, GG.describedIn, GGDOC[self.key])
        self.add(node, DPV.hasDataProcessor, OBS)
        self.add(node, DPV.hasDataController, GGO.customer)

    def answers(self) -> None:
        stated = {answer.item: answer for answer in self.desc.answers}
        for item, (tsection, _) in template.items().items():
            number = template.SECTION_NUMBER[tsection]
            if number == 6:
                continue
            node = GGD[f"{self.key}-{item}"]
            answer = stated.get(item)
            self.add(node, RDF.type, GG.TemplateLine)
            self.add(node, GG.about, self.service)
            self.add(node, GG.answers, GGT[item])
            if answer is None:
                self.add(node, GG.status, GG.NotStated)
                section = self.desc.sections.get(number)
                if section:
                    self.add(node, DCTERMS.source, self.section_iri(section.number))
                self.add(node, RDFS.comment, Literal(NOT_STATED, lang="en"))
                continue
            self.answer(node, answer)

    def answer(self, node: URIRef, answer: Answer) -> None:
        self.add(node, GG.status, GG.DeclaredYes if answer.status == "yes" else GG.DeclaredNo)
        self.provenance(node, answer.section, answer.first, answer.last)
        if answer.restriction:
            self.add(node, GG.recipientRestriction, self.text(answer.restriction))
        if answer.next_item_on_last_line:
            lines = f"Lines {answer.first}-{answer.last}" if answer.last != answer.first else f"Line {answer.first}"
            verb = "also hold" if answer.last != answer.first else "also holds"
            nxt = template.label(GGT[answer.next_item_on_last_line], "en")
            self.add(node, RDFS.comment, Literal(f"{lines} {verb} the start of the next row ({nxt}).", lang="en"))
        if answer.duration:
            duration = answer.duration
            dnode = GGD[f"{self.key}-{answer.item}-duration"]
            self.add(node, DPV.hasDuration, dnode)
            self.add(dnode, RDF.type, DURATION_CLASS[duration.kind])
            self.add(dnode, GG.durationText, self.text(duration.text))
            if duration.event:
                self.add(dnode, GG.untilEvent, GGT[duration.event])
            if duration.period:
                self.add(dnode, GG.period, Literal(duration.period, datatype=XSD.duration))

    def purpose(self) -> None:
        purpose, node = self.desc.purpose, GGD[f"{self.key}-purpose"]
        assert purpose is not None
        self.add(node, RDF.type, GG.PurposeStatement)
        self.add(node, GG.about, self.service)
        if purpose.service_provision:
            self.add(node, GG.purpose, DPV.ServiceProvision)
        self.provenance(node, purpose.section, purpose.first, purpose.last)

    def row(self, row: Row) -> None:
        node = GGD[f"{self.key}-{row.item}"]
        self.add(node, RDF.type, GG.SubProcessorCategory)
        self.add(node, GG.about, self.service)
        self.add(node, GG.answers, GGT[row.item])
        self.add(node, GG.disclosure, DISCLOSURE[row.disclosure])
        self.provenance(node, row.section, row.first, row.last)
        if row.safeguard_text:
            self.add(node, GG.safeguardText, self.text(row.safeguard_text))
        if row.disclosure == "separately":
            self.add(node, RDFS.comment, Literal(SEPARATELY, lang="en"))
        for clause in row.clauses:
            sg = GGD[f"{self.key}-sg-{row.relation}-{clause.instrument}"]
            self.add(node, GG.hasSafeguard, sg)
            self.add(sg, RDF.type, GG.TransferSafeguard)
            self.add(sg, GG.about, self.service)
            scc = clause.instrument == "scc"
            self.add(sg, GG.instrument, EU_GDPR.StandardContractualClauses if scc else EU_GDPR.BindingCorporateRules)
            self.add(sg, GG.transferBasis, EU_GDPR["A46-2-c"] if scc else EU_GDPR["A46-2-b"])
            self.add(sg, GG.safeguardStatus, GG.ApprovalRequested if clause.requested else GG.SafeguardInPlace)
            if clause.cnil:
                self.add(sg, GG.lodgedWith, GGO.cnil)
                self.add(GGO.cnil, RDF.type, DPV.DataProtectionAuthority)
                self.add(GGO.cnil, SKOS.prefLabel, Literal("CNIL"))
                self.add(GGO.cnil, DPV.hasCountry, LOC.FR)
            self.provenance(sg, row.section, clause.first, clause.last, clause.text)
        for entity in row.entities:
            org, preferred = self.orgs.resolve(entity.name)
            local = str(org)[len(str(GGO)) :]
            eng = GGD[f"{self.key}-eng-{local}"]
            self.add(eng, RDF.type, GG.SubProcessingEngagement)
            self.add(eng, GG.about, self.service)
            self.add(eng, GG.engagedBy, OBS)
            self.add(eng, GG.subProcessor, org)
            self.add(eng, GG.inCategory, node)
            self.provenance(eng, row.section, entity.first, entity.last)
            self.add(org, RDF.type, GG.IntraGroupEntity if row.relation == "group" else GG.Supplier)
            self.add(org, SKOS.prefLabel, Literal(preferred))
            if entity.name != preferred:
                self.add(org, SKOS.altLabel, Literal(entity.name))
            country = country_iri(entity.country)
            if country is not None:
                self.add(org, DPV.hasCountry, country)

    def pointer(self) -> None:
        pointer = self.desc.pointer
        assert pointer is not None
        self.section_node(pointer.number, pointer.title)
        node = GGD[f"{self.key}-exhibit-a-reference"]
        self.add(node, RDF.type, GG.SourcedStatement)
        self.add(node, GG.about, self.service)
        self.provenance(node, self.section_iri(pointer.number), pointer.first, pointer.last)
