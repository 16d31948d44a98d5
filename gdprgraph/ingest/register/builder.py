"""Building the graph of a register: minting nodes, citing the file, sheet and row of every statement,
and the values a cell names (organisations, categories, contacts, recipients)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from ... import queries
from ...spelling import normalise
from ...vocabulary import DPV, GG, GGD, GGDOC, GGO
from ..emit import PREFIXES, slug, without_legal_suffix
from ..identity import Estate, restate
from .columns import Layout, column_label
from .context import Context
from .results import NotPlaced, SheetReport
from .sheets import Row, Sheet
from .wordings import whole_wording

SEP = queries.SET_SEPARATOR
TITLE = {"en": "Register of processing activities", "fr": "Registre des activités de traitement"}
EMAIL = re.compile(r"[^@\s:;,]+@[^@\s:;,]+\.[^@\s:;,]+")
#: HTML that breaks lines: list items are split there (other markup stays, as text)
HTML_BREAK = re.compile(r"<br\s*/?>|</?p>|</?li>|</?div>|</?ul>|</?ol>", re.IGNORECASE)
FRENCH_HINTS = re.compile(
    r"[éèêàçùôîœâ]|\b(de|des|du|la|le|les|et|ou|pour|aux?|d'|l'|ans?|mois|jours?|semaines?|"
    r"heures?|années?)\b",
    re.IGNORECASE,
)
ENGLISH_HINTS = re.compile(r"\b(the|of|and|or|for|to|with|data|years?|months?|days?)\b", re.IGNORECASE)


# ------------------------------------------------------------------------------------------------ building


def guess_language(text: str, default: str = "en") -> str:
    """'fr' or 'en' from the words of a text.

    >>> guess_language("Données de contact"), guess_language("Contact data"), guess_language("CRM")
    ('fr', 'en', 'en')
    """
    french, english = len(FRENCH_HINTS.findall(text)), len(ENGLISH_HINTS.findall(text))
    if french > english:
        return "fr"
    if english > french:
        return "en"
    return default


def split_set(cell: str) -> list[str]:
    """The values of one of our export's cells (joined with '; ')."""
    return [part for part in cell.split(SEP) if part.strip()]


def split_list(cell: str, commas: bool = True) -> list[str]:
    """The items of a register's cell: separated by ';', ',' (unless ``commas`` is False), line breaks or
    bullets, outside brackets.

    >>> split_list("Salariés, candidats (CV, lettre); stagiaires")
    ['Salariés', 'candidats (CV, lettre)', 'stagiaires']
    >>> split_list("<p>Images<br>Date et <b>heure</b></p>")
    ['Images', 'Date et <b>heure</b>']
    """
    cell = HTML_BREAK.sub("\n", cell)
    items: list[str] = []
    current: list[str] = []
    depth = 0
    for char in cell:
        if char in "([":
            depth += 1
        elif char in ")]" and depth:
            depth -= 1
        if depth == 0 and (char in ";\n•" or (commas and char == ",")):
            items.append("".join(current))
            current = []
            continue
        current.append(char)
    items.append("".join(current))
    return [" ".join(item.split()).strip(" -*") for item in items if item.strip(" -*\t")]


def trailing_parenthesis(value: str) -> tuple[str, str] | None:
    """``('head', 'inside')`` when a value ends with a bracketed part preceded by a space, else None.

    >>> trailing_parenthesis("Data processor (selon les offres)")
    ('Data processor', 'selon les offres')
    >>> trailing_parenthesis("Authority (à leur demande (a), b)")
    ('Authority', 'à leur demande (a), b')
    """
    if not value.endswith(")"):
        return None
    depth = 0
    for position in range(len(value) - 1, -1, -1):
        if value[position] == ")":
            depth += 1
        elif value[position] == "(":
            depth -= 1
            if depth == 0:
                if position < 2 or value[position - 1] != " ":
                    return None
                return value[: position - 1], value[position + 1 : -1]
    return None


class Builder:
    """Builds the graph of one register."""

    def __init__(self, path: Path, key: str, context: Context, role: str | None) -> None:
        self.path, self.key, self.ctx, self.role = path, key, context, role
        self.g = Graph()
        for prefix, namespace in PREFIXES.items():
            self.g.bind(prefix, namespace)
        self.g.bind("owl", OWL)
        self.minted: dict[tuple[str, str], URIRef] = {}  # (kind, normalised label) -> node
        self.used: set[URIRef] = set()
        self.copied: set[URIRef] = set()
        self.orgs: dict[str, URIRef] = {}
        self.officers: dict[tuple[URIRef, str], URIRef] = {}
        self.policies: dict[str, URIRef] = {}
        self.contacts: set[tuple[URIRef | None, URIRef | None, str | None, str]] = set()  # about, role, scope, value
        self.report: SheetReport | None = None
        self.lang = "en"
        #: (sheet, row) -> the citations of the documents the row itself cites (our export's provenance cells)
        self.derived: dict[tuple[int, int], list[URIRef]] = {}
        self.cited_documents: dict[str, URIRef] = {}
        #: what the graph imported into already holds: a fact it holds keeps its node, citing the register too
        self.estate = Estate(context.graph)

    # -- helpers -------------------------------------------------------------------------------------
    def literal(self, value: str, lang: str | None = None) -> Literal:
        return Literal(value, lang=lang or guess_language(value, self.lang))

    def add(self, s: URIRef, p: URIRef, o: object) -> None:
        self.g.add((s, p, o if isinstance(o, URIRef | Literal) else Literal(o)))

    def mint(self, stem: str, label: str = "") -> URIRef:
        base = f"{self.key}-{stem}" + (f"-{slug(label)[:60].strip('-')}" if label else "")
        base = base.rstrip("-")
        node, number = GGD[base], 1
        while node in self.used or (node, None, None) in self.ctx.graph:
            number += 1
            node = GGD[f"{base}-{number}"]
        self.used.add(node)
        return node

    def document(self, sheets: list[tuple[Sheet, Layout | None]], language: str) -> None:
        doc = GGDOC[self.key]
        self.add(doc, RDF.type, GG.SourceDocument)
        colon = " : " if language == "fr" else ": "
        self.add(doc, DCTERMS.title, Literal(f"{TITLE[language]}{colon}{self.path.name}", lang=language))
        self.add(doc, DCTERMS.language, Literal(language))
        self.add(doc, GG.sourceFile, Literal(self.path.name))
        for sheet, found in sheets:
            if found is None:
                continue
            node = self.section(sheet)
            self.add(node, RDF.type, GG.DocumentSection)
            self.add(node, DCTERMS.isPartOf, doc)
            self.add(node, GG.sectionNumber, Literal(str(sheet.number)))
            self.add(node, DCTERMS.title, Literal(sheet.name))

    def section(self, sheet: Sheet) -> URIRef:
        return GGDOC[f"{self.key}-s{sheet.number}"]

    def cite(self, node: URIRef, sheet: Sheet, row: Row, words: str | None = None) -> None:
        """Provenance: the sheet's section, the row, and the words the statement is read from."""
        self.add(node, DCTERMS.source, self.section(sheet))
        self.add(node, GG.sourceLine, Literal(row.number))
        text = words if words is not None else " | ".join(cell for cell in row.cells if cell)
        self.add(node, GG.sourceText, self.literal(" ".join(text.split()) or "(empty)"))
        for citation in self.derived.get((sheet.number, row.number), ()):
            self.add(node, PROV.wasDerivedFrom, citation)

    def restated(self, node: URIRef, sheet: Sheet, row: Row, words: str) -> URIRef:
        """A fact the graph already holds, stated again by a row: the held node (copied, so that the import
        reads on its own), citing the row as well (gg:alsoStatedIn)."""
        self.estate.copy(node, self.g)
        citation = self.mint(f"s{sheet.number}-r{row.number}-states-{str(node).rsplit('/', 1)[-1]}")
        restate(
            self.g,
            node,
            citation,
            self.section(sheet),
            row.number,
            self.literal(" ".join(words.split())),
            self.derived.get((sheet.number, row.number), ()),
        )
        return node

    def cited_document(self, file: str) -> URIRef:
        """The document a register's provenance cell names: the context's (reused, with its file name), else
        a new gg:SourceDocument with that file name."""
        if file not in self.cited_documents:
            doc = self.ctx.documents.get(file) or GGDOC[f"{self.key}-cites-{slug(file)[:60].strip('-')}"]
            self.add(doc, RDF.type, GG.SourceDocument)
            self.add(doc, GG.sourceFile, Literal(file))
            for title in self.ctx.graph.objects(doc, DCTERMS.title):
                self.add(doc, DCTERMS.title, title)
            self.cited_documents[file] = URIRef(doc)
        return self.cited_documents[file]

    def derive(self, sheet: Sheet, row: Row, cited: list[tuple[str, str]]) -> None:
        """Our own export's provenance cells: the row states facts read from these documents (and lines).

        Each becomes a gg:Citation (the document, the line where given); every statement read from the row
        is prov:wasDerivedFrom them, besides citing the row itself, so that the export prints the
        original citation again."""
        citations = []
        for number, (file, line) in enumerate(cited, start=1):
            node = GGD[f"{self.key}-s{sheet.number}-r{row.number}-cites-{number}"]
            self.used.add(node)
            self.add(node, RDF.type, GG.Citation)
            self.add(node, DCTERMS.source, self.cited_document(file))
            if line.isdigit():
                self.add(node, GG.sourceLine, Literal(int(line)))
            citations.append(node)
        self.derived[(sheet.number, row.number)] = citations

    def unplaced(self, node: URIRef, sheet: Sheet, row: Row, column: str, text: str) -> None:
        assert self.report is not None
        self.report.not_placed.append(NotPlaced(sheet.name, row.number, column, text))
        self.add(node, RDFS.comment, self.literal(f"{column}: {text}"))

    def unplaced_columns(self, node: URIRef, sheet: Sheet, row: Row, layout: Layout) -> None:
        """The row's cells in no known column, and its formulas without a cached value, as unplaced."""
        for index, value in enumerate(row.cells):
            if index not in layout.columns and value:
                self.unplaced(node, sheet, row, column_label(layout, index), value)
        for index, formula in row.formulas.items():
            text = f"formula without a cached value (not evaluated): {formula}"
            self.unplaced(node, sheet, row, column_label(layout, index), text)

    def copy_labels(self, node: URIRef, types: Iterable[URIRef] = ()) -> None:
        """What the export prints of a node the context knows: its labels (and the given types)."""
        for kind in types:
            self.add(node, RDF.type, kind)
        if node in self.copied:
            return
        self.copied.add(node)
        for prop in (SKOS.prefLabel, RDFS.label):
            for label in self.ctx.graph.objects(node, prop):
                self.add(node, prop, label)

    # -- names -----------------------------------------------------------------------------------------
    def organisation(self, written: str) -> URIRef:
        """An organisation by any spelling (known: reused, with its names), else a new one."""
        wanted = normalise(written)
        if wanted in self.orgs:
            return self.orgs[wanted]
        iri = None
        for candidate in (written, written.replace(".", "")):
            iri = self.estate.organisation(candidate)
            if iri is not None:
                break
        if iri is not None:  # with its own types (the template's Customer is a controller role, not a party)
            self.copy_labels(
                iri, [t for t in self.ctx.graph.objects(iri, RDF.type) if isinstance(t, URIRef)] or [DPV.Organisation]
            )
            for country in self.ctx.graph.objects(iri, DPV.hasCountry):
                self.add(iri, DPV.hasCountry, country)
            if (iri, SKOS.prefLabel, None) not in self.ctx.graph:
                self.add(iri, SKOS.prefLabel, Literal(written))
        else:
            bare = without_legal_suffix(written)
            base = iri = GGO[slug(bare)[:60].strip("-") or "organisation"]
            number = 1
            while (iri, None, None) in self.ctx.graph or iri in self.orgs.values():
                number += 1
                iri = URIRef(f"{base}-{number}")
            self.add(iri, RDF.type, DPV.Organisation)
            self.add(iri, SKOS.prefLabel, Literal(bare))
            if written != bare:
                self.add(iri, SKOS.altLabel, Literal(written))
        self.orgs[wanted] = iri
        return iri

    def category(self, text: str, kind: str) -> URIRef:
        """A category of personal data, of data subjects, or of recipients, named as the cell names it:
        a node of the data whose printed label it is, a DPV term with that label, else a new node under
        the DPV term a wording names (or under the root)."""
        key = normalise(text)
        if (kind, key) in self.minted:
            return self.minted[(kind, key)]
        known = self.ctx.known(kind).get(key)
        if known is not None:  # with what places it in the taxonomy, so the import stands on its own
            types = [
                t
                for t in self.ctx.graph.objects(known, RDF.type)
                if isinstance(t, URIRef) and t in (GG.PersonalDataCategory, GG.DataSubjectCategory, OWL.Class)
            ]
            self.copy_labels(known, types)
            for parent in self.ctx.graph.objects(known, RDFS.subClassOf):
                self.add(known, RDFS.subClassOf, parent)
            self.minted[(kind, key)] = known
            return known
        term = self.ctx.terms(kind).get(key)
        if term is not None:
            self.minted[(kind, key)] = term
            return term
        scheme = {"data": "data-category", "subject": "data-subject", "recipient": None}[kind]
        parent = (whole_wording(text, scheme) if scheme else None) or {
            "data": DPV.PersonalData,
            "subject": DPV.DataSubject,
            "recipient": DPV.Recipient,
        }[kind]
        stem = {"data": "cat", "subject": "ds", "recipient": "recip"}[kind]
        node = self.mint(stem, text)
        self.add(
            node,
            RDF.type,
            {"data": GG.PersonalDataCategory, "subject": GG.DataSubjectCategory, "recipient": OWL.Class}[kind],
        )
        if kind != "recipient":
            self.add(node, RDF.type, OWL.Class)
        self.add(node, SKOS.prefLabel, self.literal(text))
        self.add(node, RDFS.subClassOf, parent)
        self.minted[(kind, key)] = node
        return node

    def event(self, label: str) -> URIRef:
        key = normalise(label)
        if ("event", key) not in self.minted:
            node = self.mint("ev", label)
            self.add(node, RDF.type, GG.ProcessingEvent)
            self.add(node, SKOS.prefLabel, self.literal(label))
            self.minted[("event", key)] = node
        return self.minted[("event", key)]

    def purposes(self, activity: URIRef, text: str) -> None:
        """dpv:hasPurpose where the wording (or an item of it) clearly names a purpose we declare."""
        for item in [text, *split_list(text)]:
            term = self.ctx.terms("purpose").get(normalise(item)) or whole_wording(item, "purpose")
            if term is not None:
                self.add(activity, DPV.hasPurpose, term)

    def officer(self, organisation: URIRef | None, item: str, sheet: Sheet, row: Row) -> None:
        """A data protection officer 'name: address' of an organisation, with its contact point."""
        name, sep, address = item.partition(": ")
        key = (organisation or GGO.unknown, normalise(name))
        node = self.officers.get(key)
        if node is None and organisation is not None:
            for known in self.ctx.graph.objects(organisation, DPV.hasDataProtectionOfficer):
                if isinstance(known, URIRef) and normalise(self.ctx.printed(known)) == normalise(name):
                    node = known
                    self.copy_labels(node, [DPV.DataProtectionOfficer])
        if node is None:
            node = self.mint("dpo", name)
            self.add(node, RDF.type, DPV.DataProtectionOfficer)
            self.add(node, SKOS.prefLabel, self.literal(name))
        self.officers[key] = node
        if organisation is not None:
            self.add(organisation, DPV.hasDataProtectionOfficer, node)
        if sep and address:
            self.contact(organisation, address, sheet, row, role=node)

    def contact(
        self,
        about: URIRef | None,
        value: str,
        sheet: Sheet,
        row: Row,
        role: URIRef | None = None,
        scope: str | None = None,
    ) -> None:
        """A contact point: an email address ('email: ' optional) or a postal address, with its scope."""
        email = value[len("email: ") :] if value.startswith("email: ") else value
        is_email = bool(EMAIL.fullmatch(email.strip()))
        key = (about, role, scope, value)
        if key in self.contacts:
            return
        self.contacts.add(key)
        held = self.estate.held_contact(about, role, scope, value)
        if held is not None:
            self.restated(held, sheet, row, value)
            return
        node = self.mint("cp")
        self.add(node, RDF.type, GG.ContactPoint)
        if about is not None:
            self.add(node, GG.about, about)
        if role is not None:
            self.add(node, GG.contactRole, role)
        if scope:
            self.add(node, GG.scopeNote, self.literal(scope))
        if is_email:
            self.add(node, GG.email, Literal(email.strip()))
        else:
            self.add(node, GG.postalAddress, Literal(value))
        self.cite(node, sheet, row, value)


def recipient_parts(b: Builder, value: str) -> tuple[URIRef, str | None]:
    """The recipient category a value names and its condition in brackets, if the part before them is
    a known category (or the value as a whole names none)."""
    key = normalise(value)
    if key in b.ctx.known("recipient") or key in b.ctx.terms("recipient"):
        return b.category(value, "recipient"), None
    bracket = trailing_parenthesis(value)
    if bracket is not None:
        return b.category(bracket[0], "recipient"), bracket[1]
    return b.category(value, "recipient"), None
