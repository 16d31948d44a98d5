"""Turn a vendor's description of the processing (see annex1) into the service's description.

The model is the one Article 28 descriptions use, so that every question reads it: the subject
matter, the nature and each category of personal data and of data subjects are template lines of the
service declared Yes (answering items of this form, ``ggt:annex1-...``), the duration is the subject
matter's ``dpv:hasDuration``, the purpose a ``gg:PurposeStatement``; frequency, retention,
sub-processors, sensitive data and transfers are ``gg:DescriptionStatement`` kept as worded. A
category, data subject or purpose whose words name a DPV term (or a category the graph knows) is that
term; otherwise a class of this form under the DPV root keeps the words. Each statement cites its line.
"""

from __future__ import annotations

import re
from functools import cache

from rdflib import OWL, RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.graph import ReadOnlyGraphAggregate
from rdflib.namespace import DCTERMS
from rdflib.term import Node

from .. import resources
from ..namekinds import KINDS
from ..spelling import normalise
from ..store import MemoryGraph
from ..vocabulary import DPV, GG, GGD, GGDOC, GGO, GGT
from .annex1 import AnnexDescription, Element, list_items
from .art28 import classify_duration
from .countries import country_iri
from .emit import DURATION_CLASS, PREFIXES, Organisations, slug

#: element kind -> what it is in the template model: (item local name, template section, English label)
LINES = {
    "subject-matter": ("annex1-subject-matter", GG.SubjectMatterSection, "Subject matter of the processing"),
    "nature": ("annex1-nature", GG.OperationsSection, "Nature of the processing"),
}
#: list element kind -> (item prefix, template section, item property, names kind, root class, category class)
CATEGORIES = {
    "data-categories": (
        "annex1-data",
        GG.DataCategoriesSection,
        GG.aboutDataCategory,
        "data-category",
        DPV.PersonalData,
        GG.PersonalDataCategory,
    ),
    "data-subjects": (
        "annex1-subject",
        GG.DataSubjectsSection,
        GG.aboutDataSubject,
        "data-subject",
        DPV.DataSubject,
        GG.DataSubjectCategory,
    ),
}
#: element kind -> the element a description statement gives
STATEMENTS = {
    "frequency": GG.FrequencyElement,
    "retention": GG.RetentionElement,
    "sub-processors": GG.SubProcessorsElement,
    "sensitive": GG.SensitiveDataElement,
    "transfers": GG.TransfersElement,
}
#: the classes a kind of names is read under: DPV 2.1 places Customer, Employee... under HumanSubject
ROOTS = {"data-subject": (DPV.DataSubject, DPV.HumanSubject)}
#: a sub-processor named with its countries, and what it does: "CloudNest Ltd (Ireland) - hosting"
SUBPROCESSOR = re.compile(r"(?P<name>[^();:]+?)\s*\((?P<countries>[^()]+)\)\s*(?:[-\u2013\u2014:,]\s*(?P<what>.+))?")
#: a duration that ends with the agreement, the contract or the subscription
END_OF_AGREEMENT = re.compile(
    r"\b(?:term|duration|end|expiry|termination) of the (?:agreement|contract|subscription"
    r"|services? agreement|main agreement)\b|dur[ée]e du contrat|fin du contrat",
    re.I,
)
#: trailing words a category is often written with ("Location data" names pd:Location)
_FILLERS = (" data", " information", " details", " donnees", " informations")


@cache
def _ontology() -> Graph:
    graph = Graph()
    for path in resources.ontology_files():
        graph.parse(path)
    return graph


#: the last vocabulary built by (id, size) of its context, with the context (kept alive so that its
#: id stays its own)
_LAST: dict[tuple[int, int], tuple[Vocabulary, Graph | None]] = {}


class Vocabulary:
    """The DPV terms and the graph's own categories, by normalised name, for one kind of names."""

    def __init__(self, context: Graph | None) -> None:
        # read through both graphs at once, without copying them
        self.graph = MemoryGraph(ReadOnlyGraphAggregate([_ontology(), context]) if context is not None else _ontology())
        self._names: dict[str, dict[str, set[URIRef]]] = {}

    @classmethod
    def of(cls, context: Graph | None) -> Vocabulary:
        """The vocabulary of a context, kept while the same context (unchanged) is asked again:
        ingesting several files reads the names once."""
        key = (id(context), len(context) if context is not None else 0)
        if key not in _LAST:
            _LAST.clear()
            _LAST[key] = (cls(context), context)
        return _LAST[key][0]

    def names_of(self, kind: str) -> dict[str, set[URIRef]]:
        """Normalised name -> the terms of a kind (``names.KINDS``) that bear it."""
        if kind not in self._names:
            index: dict[str, set[URIRef]] = {}
            for root in ROOTS.get(kind, (URIRef(KINDS[kind][1]),)):
                for row in self.graph.internal("class-names", {"kind": root}):
                    entity = row.term("entity")
                    if not isinstance(entity, URIRef):  # a class expression (blank node) has no name
                        continue
                    for key in _keys(str(row.label)):
                        index.setdefault(key, set()).add(entity)
            self._names[kind] = index
        return self._names[kind]

    def term(self, kind: str, words: str) -> URIRef | None:
        """The one term these words name exactly (case, accents, plurals and 'data' optional)."""
        index = self.names_of(kind)
        for key in _keys(words):
            found = index.get(key, set())
            if len(found) == 1:
                return next(iter(found))
        return None


def _keys(words: str) -> list[str]:
    """Ways to compare a name: normalised, singular, without a trailing 'data'."""
    norm = normalise(words)
    singular = " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in norm.split())
    keys = [norm, singular]
    for key in (norm, singular):
        for filler in _FILLERS:
            if key.endswith(filler) and len(key) > len(filler):
                keys.append(key[: -len(filler)])
    return list(dict.fromkeys(keys))


class AnnexEmitter:
    """Builds the graph of one description of the processing."""

    def __init__(
        self, desc: AnnexDescription, key: str, source_file: str, service: URIRef, context: Graph | None
    ) -> None:
        self.desc, self.key, self.source_file, self.service = desc, key, source_file, service
        self.context = context if context is not None else Graph()
        self.vocabulary = Vocabulary.of(context)
        self.orgs = Organisations.from_graph(context)
        self.lang = desc.language
        self.g = Graph()
        for prefix, ns in PREFIXES.items():
            self.g.bind(prefix, ns)
        self.sections: dict[int, URIRef] = {}
        self.minted: dict[str, int] = {}
        #: the processor that engages the sub-processors: the vendor named, else the service's own
        self.vendor: URIRef | None = None

    def text(self, value: str) -> Literal:
        return Literal(value, lang=self.lang)

    def mint(self, local: str) -> URIRef:
        """``ggd:KEY-local``, numbered from the second element that would get the same IRI."""
        self.minted[local] = self.minted.get(local, 0) + 1
        count = self.minted[local]
        return GGD[f"{self.key}-{local}" if count == 1 else f"{self.key}-{local}-{count}"]

    def add(self, subject: URIRef, prop: URIRef, value: Node) -> None:
        """One triple; its object may be a term of the context, as the context has it."""
        self.g.add((subject, prop, value))

    def cite(self, node: URIRef, element: Element, first: int, last: int, words: str) -> None:
        self.add(node, DCTERMS.source, self.sections[id(element)])
        self.add(node, GG.sourceLine, Literal(first))
        if last != first:
            self.add(node, GG.sourceLineEnd, Literal(last))
        self.add(node, GG.sourceText, self.text(" ".join(words.split())))

    def build(self, service_name: str | None) -> Graph:
        self.document(service_name)
        subject_line = None
        for element in self.desc.elements:
            if element.kind in ("subject-matter", "nature"):
                line = self.line(element, element.kind)
                subject_line = line if element.kind == "subject-matter" else subject_line
            elif element.kind == "nature-purpose":
                self.line(element, "nature")
                self.purpose(element)
            elif element.kind == "purpose":
                self.purpose(element)
            elif element.kind in CATEGORIES:
                self.categories(element)
            elif element.kind in STATEMENTS:
                self.statement(element)
        duration = self.desc.first("duration")
        if duration is not None and not duration.states_nothing:
            self.duration(duration, subject_line)
        return self.g

    # ---- the document, its sections, the service and its processor

    def document(self, service_name: str | None) -> None:
        doc = GGDOC[self.key]
        title = "Description of the processing" if self.lang == "en" else "Description du traitement"
        self.add(doc, RDF.type, GG.SourceDocument)
        self.add(doc, DCTERMS.title, self.text(f"{title}: {service_name}" if service_name else title))
        self.add(doc, DCTERMS.language, Literal(self.lang))
        self.add(doc, GG.sourceFile, Literal(self.source_file))
        for number, element in enumerate(self.desc.elements, start=1):
            node = GGDOC[f"{self.key}-s{number}"]
            self.sections[id(element)] = node
            self.add(node, RDF.type, GG.DocumentSection)
            self.add(node, DCTERMS.isPartOf, doc)
            self.add(node, GG.sectionNumber, Literal(str(number)))
            self.add(node, DCTERMS.title, self.text(element.heading))
        if (self.service, RDF.type, DPV.Service) not in self.context:
            self.add(self.service, RDF.type, DPV.Service)
            if service_name:
                self.add(self.service, SKOS.prefLabel, self.text(service_name))
        self.add(self.service, GG.describedIn, doc)
        processor = self.desc.first("processor")
        if processor is not None and not processor.states_nothing:
            org = self.processor(processor)
            self.vendor = org
            self.add(doc, DCTERMS.publisher, org)
            if self.context.value(self.service, DPV.hasDataProcessor) is None:
                self.add(self.service, DPV.hasDataProcessor, org)
        if self.context.value(self.service, DPV.hasDataController) is None:
            # the data exporter of Annex I: the customer, whom the description does not name
            self.add(self.service, DPV.hasDataController, GGO.customer)

    def processor(self, element: Element) -> URIRef:
        """The vendor an element names ("Name: Acme Inc.; address: ...", or "Acme GmbH, street, city,
        country"), with its address as a contact point and its country when the address ends with one."""
        words = element.text
        fields = {k.strip().lower(): v.strip() for k, _, v in (p.partition(":") for p in words.split(";")) if v}
        chunks = [c.strip() for c in words.split(",") if c.strip()] if "name" not in fields else []
        name = fields.get("name") or (chunks[0] if chunks else words)
        address = fields.get("address") or fields.get("adresse") or ", ".join(chunks[1:])
        iri, label = self.orgs.resolve(name)
        if (iri, None, None) not in self.context:
            self.add(iri, RDF.type, DPV.Organisation)
            self.add(iri, SKOS.prefLabel, Literal(label))
            if label != name:
                self.add(iri, SKOS.altLabel, Literal(name))
            parts = [c.strip() for c in address.split(",") if c.strip()]
            country = next((c for c in map(country_iri, reversed(parts)) if c is not None), None)
            if country is not None:
                self.add(iri, DPV.hasCountry, country)
        if address:
            contact = self.mint("processor-contact")
            self.add(contact, RDF.type, GG.ContactPoint)
            self.add(contact, GG.about, iri)
            self.add(contact, GG.postalAddress, Literal(address))
            self.cite(contact, element, element.first, element.last, " ".join(element.source) or words)
        return iri

    # ---- template lines, purposes, categories, statements

    def line(self, element: Element, kind: str) -> URIRef | None:
        if element.states_nothing:
            return None
        item_name, section, label = LINES[kind]
        item = GGT[item_name]
        self.add(item, RDF.type, GG.TemplateItem)
        self.add(item, GG.templateSection, section)
        self.add(item, SKOS.prefLabel, Literal(label, lang="en"))
        node = self.mint(kind)
        self.add(node, RDF.type, GG.TemplateLine)
        self.add(node, GG.about, self.service)
        self.add(node, GG.answers, item)
        self.add(node, GG.status, GG.DeclaredYes)
        self.add(node, GG.description, self.text(element.text))
        self.cite(node, element, element.first, element.last, " ".join(element.source) or element.text)
        return node

    def purpose(self, element: Element) -> None:
        if element.states_nothing:
            return
        node = self.mint("purpose")
        term = self.vocabulary.term("purpose", element.text) or self.own_class(
            f"annex1-purpose-{slug(element.text)[:60].strip('-')}", element.text, DPV.Purpose, None
        )
        self.add(node, RDF.type, GG.PurposeStatement)
        self.add(node, GG.about, self.service)
        self.add(node, GG.purpose, term)
        self.add(node, GG.description, self.text(element.text))
        self.cite(node, element, element.first, element.last, " ".join(element.source) or element.text)

    def categories(self, element: Element) -> None:
        prefix, section, about, kind, root, category_class = CATEGORIES[element.kind]
        for part in list_items(element):
            local = slug(part.text)[:60].strip("-") or "item"
            term = self.vocabulary.term(kind, part.text) or self.own_class(
                f"{prefix}-{local}-class", part.text, root, category_class
            )
            item = GGT[f"{prefix}-{local}"]
            self.add(item, RDF.type, GG.TemplateItem)
            self.add(item, GG.templateSection, section)
            self.add(item, SKOS.prefLabel, self.text(part.text))
            self.add(item, about, term)
            node = self.mint(f"{prefix.removeprefix('annex1-')}-{local}")
            self.add(node, RDF.type, GG.TemplateLine)
            self.add(node, GG.about, self.service)
            self.add(node, GG.answers, item)
            self.add(node, GG.status, GG.DeclaredYes)
            self.cite(node, element, part.line, part.line, part.text)

    def own_class(self, local: str, words: str, root: URIRef, category_class: URIRef | None) -> URIRef:
        """A class of this form keeping words that name no DPV term, under the DPV root."""
        node = GGT[local]
        self.add(node, RDF.type, OWL.Class)
        if category_class is not None:
            self.add(node, RDF.type, category_class)
        self.add(node, RDFS.subClassOf, root)
        self.add(node, SKOS.prefLabel, self.text(words))
        return node

    def statement(self, element: Element) -> None:
        node = self.mint(element.kind)
        self.add(node, RDF.type, GG.DescriptionStatement)
        self.add(node, GG.about, self.service)
        self.add(node, GG.descriptionElement, STATEMENTS[element.kind])
        self.add(node, GG.description, self.text(element.text or "-"))
        self.cite(node, element, element.first, element.last, " ".join(element.source) or element.text)
        if element.kind == "sub-processors":
            self.engagements(element)

    def engagements(self, element: Element) -> None:
        """Each sub-processor the element names with its countries ("CloudNest Ltd (Ireland) -
        hosting"): an engagement of the service by its processor, like a row of a published list."""
        engager = self.vendor or self.context.value(self.service, DPV.hasDataProcessor)
        if engager is None:
            return
        for part in element.parts:
            for piece in part.text.split(";"):
                found = SUBPROCESSOR.fullmatch(piece.strip(" ."))
                if found is None:
                    continue
                named = [country_iri(c.strip()) for c in re.split(r"[/,]| and ", found["countries"])]
                countries = [country for country in named if country is not None]
                if not countries or len(countries) < len(named):
                    continue
                org, label = self.orgs.resolve(found["name"])
                if (org, None, None) not in self.context:
                    self.add(org, RDF.type, GG.Supplier)
                    self.add(org, SKOS.prefLabel, Literal(label))
                    if label != found["name"]:
                        self.add(org, SKOS.altLabel, Literal(found["name"]))
                    self.add(org, DPV.hasCountry, countries[0])
                eng = self.mint(f"eng-{str(org).rsplit('/', 1)[-1]}")
                self.add(eng, RDF.type, GG.SubProcessingEngagement)
                self.add(eng, GG.about, self.service)
                self.add(eng, GG.engagedBy, engager)
                self.add(eng, GG.subProcessor, org)
                for country in countries:
                    self.add(eng, GG.processingCountry, country)
                if found["what"]:
                    self.add(eng, GG.description, self.text(found["what"]))
                self.cite(eng, element, part.line, part.line, piece.strip())

    def duration(self, element: Element, subject_line: URIRef | None) -> None:
        """The duration as worded, of the kind the Article 28 reader would give it; "for the term of
        the agreement" (or subscription, contract) ends at the end of the agreement."""
        node = self.mint("duration")
        found = classify_duration(element.text)
        event = GGT[found.event] if found.event else None
        if found.kind == "stated" and END_OF_AGREEMENT.search(element.text):
            event = GGT["annex1-EndOfAgreement"]
            self.add(event, RDF.type, GG.ProcessingEvent)
            self.add(event, SKOS.prefLabel, Literal("end of the agreement with the customer", lang="en"))
        self.add(node, RDF.type, DPV.UntilEventDuration if event is not None else DURATION_CLASS[found.kind])
        if event is not None:
            self.add(node, GG.untilEvent, event)
        if found.period:
            self.add(node, GG.period, Literal(found.period, datatype=XSD.duration))
        self.add(node, GG.durationText, self.text(element.text))
        self.cite(node, element, element.first, element.last, " ".join(element.source) or element.text)
        self.add(subject_line if subject_line is not None else self.service, DPV.hasDuration, node)
