"""A register in the CNIL's or the ICO's template, or any sheet whose headers say the same: one
``gg:ProcessingActivity`` per row, with its purposes, bases, data, recipients, transfers and retention."""

from __future__ import annotations

import re

from rdflib import RDF, SKOS, XSD, Literal, URIRef

from ...spelling import normalise
from ...vocabulary import DPV, GG
from ..countries import country_by_name_or_code
from ..subprocessors import NOTHING, plain
from .builder import Builder, recipient_parts, split_list
from .columns import Layout, column_label
from .durations import DURATION_KINDS, parse_duration
from .sheets import Row, Sheet
from .wordings import article_references, basis_property, find_wordings, instruments

#: the fields that have no place in the model: their cells are kept as comments and reported
UNPLACED_FIELDS = ("joint", "contract")
#: words of a cell that says there is nothing (no transfer, no Article 9 condition)
NONE_WORDS = NOTHING | {
    "no",
    "non",
    "none",
    "aucun transfert",
    "pas de transfert",
    "no transfer",
    "no transfers",
    "not applicable",
    "na",
    "n a",
    "sans objet",
    "neant",
    "-",
    "",
}
YES_WORDS = {"yes", "oui", "y", "o"}


# ------------------------------------------------------------------------------------------------ foreign registers


class Register:
    """Reads a controller's register (the CNIL's or the ICO's template, or the like): an activity per row."""

    def __init__(self, builder: Builder, sheet: Sheet, found: Layout, register: URIRef) -> None:
        self.b, self.sheet, self.layout, self.register = builder, sheet, found, register
        self.lang = found.language

    def read(self) -> tuple[int, list[URIRef]]:
        count, controllers = 0, []
        for row in self.sheet.rows:
            if row.number <= self.layout.header.number:
                continue
            count += 1
            controller = self.activity(row)
            if controller is not None:
                controllers.append(controller)
        return count, controllers

    def cell(self, row: Row, name: str) -> tuple[str, str] | None:
        """(column header, text) of a field in a row, or None when the sheet has no such column."""
        index = next((i for i, f in self.layout.columns.items() if f == name), None)
        if index is None:
            return None
        return column_label(self.layout, index), row.cells[index] if index < len(row.cells) else ""

    def text(self, row: Row, name: str) -> str:
        found = self.cell(row, name)
        return found[1] if found else ""

    def activity(self, row: Row) -> URIRef | None:
        b, sheet = self.b, self.sheet
        b.lang = self.lang
        node = b.mint(f"act-{sheet.number}-{row.number}")
        name, purpose = self.text(row, "name"), self.text(row, "purpose")
        b.add(node, RDF.type, GG.ProcessingActivity)
        b.add(node, GG.about, self.register)
        b.add(node, SKOS.prefLabel, b.literal(name or purpose or f"row {row.number}", self.lang))
        if purpose:
            b.add(node, GG.description, b.literal(purpose, self.lang))
        for value in (name, purpose):
            if value:
                b.purposes(node, value)
        if self.text(row, "reference"):
            b.add(node, SKOS.notation, Literal(self.text(row, "reference")))
        if self.text(row, "function"):
            b.add(node, GG.scopeNote, b.literal(self.text(row, "function"), self.lang))
        b.cite(node, sheet, row)
        controller = self.party(node, row, "controller", DPV.hasDataController)
        self.party(node, row, "processor", DPV.hasDataProcessor)
        self.bases(node, row)
        for field_name, kind, prop in (
            ("subjects", "subject", DPV.hasDataSubject),
            ("categories", "data", DPV.hasPersonalData),
        ):
            for item in split_list(self.text(row, field_name)):
                if plain(item) not in NONE_WORDS:
                    b.add(node, prop, b.category(item, kind))
        for number, item in enumerate(split_list(self.text(row, "recipients")), start=1):
            if plain(item) in NONE_WORDS:
                continue
            statement = b.mint(f"rec-{sheet.number}-{row.number}-{number}")
            b.add(statement, RDF.type, GG.RecipientStatement)
            b.add(statement, GG.about, self.register)
            b.add(statement, GG.forActivity, node)
            category, condition = recipient_parts(b, item)
            b.add(statement, GG.recipientCategory, category)
            if condition:
                b.add(statement, GG.condition, b.literal(condition, self.lang))
            b.cite(statement, sheet, row, item)
        self.transfers(node, row)
        self.retention(node, row)
        security = self.text(row, "security")
        if security and plain(security) not in NONE_WORDS:
            commitment = b.mint(f"sec-{sheet.number}-{row.number}")
            b.add(commitment, RDF.type, GG.Commitment)
            b.add(commitment, GG.about, self.register)
            b.add(commitment, GG.forActivity, node)
            b.add(commitment, GG.description, b.literal(security, self.lang))
            b.cite(commitment, sheet, row, security)
        dpo = self.text(row, "dpo")
        if dpo and controller is not None:
            b.officer(controller, dpo if ": " in dpo else dpo.replace(", ", ": ", 1), sheet, row)
        elif dpo:
            dpo_column = self.cell(row, "dpo")
            if dpo_column is not None:  # a dpo stated: the sheet has the column
                b.unplaced(node, sheet, row, dpo_column[0], dpo)
        for field_name in UNPLACED_FIELDS:
            found = self.cell(row, field_name)
            if found and found[1] and plain(found[1]) not in NONE_WORDS:
                b.unplaced(node, sheet, row, *found)
        b.unplaced_columns(node, sheet, row, self.layout)
        return controller

    def party(self, node: URIRef, row: Row, name: str, prop: URIRef) -> URIRef | None:
        """The controller (or processor) a cell names: 'Name[, contact details]'."""
        b, found = self.b, self.cell(row, name)
        if not found or not found[1] or plain(found[1]) in NONE_WORDS:
            return None
        written = found[1]
        head, contact = written, ""
        for separator in ("\n", " - ", ", ", "; "):
            if separator in written and normalise(written) not in b.ctx.orgs.by_name:
                head, _, contact = written.partition(separator)
                break
        org = b.organisation(head.strip())
        b.add(node, prop, org)
        if contact.strip():
            b.contact(self.register if name == "controller" else org, contact.strip(), self.sheet, row)
        return org

    def bases(self, node: URIRef, row: Row) -> None:
        b = self.b
        for name, schemes in (("basis", ["lawful-basis", "art9-condition"]), ("art9", ["art9-condition"])):
            found = self.cell(row, name)
            if not found or not found[1] or plain(found[1]) in NONE_WORDS:
                continue
            column, wording = found
            b.add(node, GG.legalBasisText, b.literal(wording, self.lang))
            terms = article_references(wording) or find_wordings(wording, schemes)
            for term in terms:
                b.add(node, basis_property(term), term)
            if len([term for term in terms if basis_property(term) == DPV.hasLegalBasis]) > 1:
                words = f" {plain(wording)} "
                if " ou " in words or " or " in words:
                    b.add(node, GG.basisCombination, GG.AlternativeBases)
                elif " et " in words or " and " in words:
                    b.add(node, GG.basisCombination, GG.CumulativeBases)
            if not terms:
                b.unplaced(node, self.sheet, row, column, wording)

    def transfers(self, node: URIRef, row: Row) -> None:
        b = self.b
        countries_cell, safeguards = self.cell(row, "transfers"), self.text(row, "safeguards")
        written = countries_cell[1] if countries_cell else ""
        if plain(written) in NONE_WORDS and plain(safeguards) in NONE_WORDS:
            return
        found, unknown = [], []
        bracketed = " ".join(re.findall(r"\(([^()]*)\)", written))
        for piece in re.split(r"[,;/\n+]|\s-\s|\s(?:and|et)\s", re.sub(r"\([^()]*\)", " ", written)):
            piece = piece.strip(" .:")
            if not piece or plain(piece) in NONE_WORDS or plain(piece) in YES_WORDS:
                continue
            country = country_by_name_or_code(piece)
            if country is None:
                unknown.append(piece)
            elif country not in found:
                found.append(country)
        wording = " ".join(part for part in (safeguards, bracketed) if part and plain(part) not in NONE_WORDS)
        bases = find_wordings(wording, ["transfer-basis"]) if wording else []
        statement = b.mint(f"tr-{self.sheet.number}-{row.number}")
        b.add(statement, RDF.type, GG.TransferPolicyStatement)
        b.add(statement, GG.about, self.register)
        b.add(statement, GG.forActivity, node)
        for country in found:
            b.add(statement, DPV.hasThirdCountry, country)
        for basis in bases:
            b.add(statement, GG.transferBasis, basis)
            if basis in instruments():
                b.add(statement, DPV.hasOrganisationalMeasure, instruments()[basis])
        b.add(statement, GG.description, b.literal(wording or written, self.lang))
        b.cite(statement, self.sheet, row, " | ".join(part for part in (written, safeguards) if part))
        if unknown and countries_cell:
            b.unplaced(node, self.sheet, row, countries_cell[0], "; ".join(unknown) + " (not a country)")

    def retention(self, node: URIRef, row: Row) -> None:
        b = self.b
        wording = self.text(row, "retention")
        for number, item in enumerate(split_list(wording, commas=False), start=1):
            if plain(item) in NONE_WORDS:
                continue
            parsed = parse_duration(item)
            rule = b.mint(f"ret-{self.sheet.number}-{row.number}-{number}")
            b.add(rule, RDF.type, GG.RetentionRule)
            b.add(rule, GG.about, self.register)
            b.add(rule, GG.forActivity, node)
            duration = b.mint(f"ret-{self.sheet.number}-{row.number}-{number}-duration")
            b.add(rule, DPV.hasDuration, duration)
            b.add(duration, RDF.type, DURATION_KINDS[parsed.kind])
            b.add(duration, GG.durationText, b.literal(parsed.phrase or item, self.lang))
            if parsed.period:
                b.add(duration, GG.period, Literal(parsed.period, datatype=XSD.duration))
            if parsed.stated:
                b.add(duration, GG.statedPeriod, b.literal(parsed.stated, self.lang))
            if parsed.until:
                b.add(duration, GG.untilEvent, b.event(parsed.until))
            if parsed.start:
                b.add(rule, GG.startsAt, b.event(parsed.start))
            if parsed.maximum:
                b.add(rule, GG.isMaximum, Literal(True))
            b.cite(rule, self.sheet, row, item)
