"""A processor record of our own ``gdprgraph export ropa`` (Art. 30(2)) read back: services, their
processor, data, retention, sub-processors and transfers."""

from __future__ import annotations

import re

from rdflib import RDF, RDFS, SKOS, XSD, Literal, URIRef
from rdflib.namespace import DCTERMS

from ...errors import InputError
from ...spelling import normalise
from ...vocabulary import DPV, GG, GGD, GGS, GGT
from ..art28 import classify_duration
from ..emit import DURATION_CLASS, slug
from ..identity import Duration
from .builder import Builder, split_set, trailing_parenthesis
from .columns import Layout
from .sheets import Row, Sheet
from .wordings import find_wordings, instruments

# -------------------------------------------------------------------------------------- our export: processor

TRANSFER = re.compile(
    r"^(?P<importer>.*) -> (?P<country>.*) \(adequacy: (?P<adequacy>[^,]*), "
    r"safeguards: (?P<safeguards>.*)\)$"
)
SEPARATELY = " (communicated separately)"
NOT_DISCLOSED = "outside the EU/EEA (not disclosed)"


class ProcessorRecord:
    """Reads our processor record back into services, template lines, engagements and safeguards."""

    def __init__(self, builder: Builder, sheet: Sheet, found: Layout) -> None:
        self.b, self.sheet, self.layout = builder, sheet, found
        self.sections = {
            name: builder.ctx.items(section)
            for name, section in (
                ("processingOperations", GG.OperationsSection),
                ("dataCategories", GG.DataCategoriesSection),
                ("dataSubjects", GG.DataSubjectsSection),
                ("retention", GG.SubjectMatterSection),
                ("rows", GG.SubProcessorsSection),
            )
        }
        self.answered: dict[URIRef, tuple[str, set[URIRef]]] = {}  # service -> (local name, items said Yes)

    def read(self) -> int:
        count = 0
        for row in self.sheet.rows:
            if row.number <= self.layout.header.number:
                continue
            cells = {name: row.cells[i] if i < len(row.cells) else "" for i, name in self.layout.columns.items()}
            self.service(row, cells)
            count += 1
        self.not_stated()
        return count

    def not_stated(self) -> None:
        """The record lists the template lines declared Yes: every other line is one it does not state."""
        b = self.b
        for service, (local, answered) in self.answered.items():
            held = b.estate.answers(service)  # the graph already answers them: the register's silence adds nothing
            for section in ("processingOperations", "dataCategories", "dataSubjects", "retention"):
                for item in sorted(set(self.sections[section].values()) - answered - held):
                    node = GGD[f"{b.key}-{local}-{str(item).rsplit('/', 1)[-1]}"]
                    b.used.add(node)
                    b.add(node, RDF.type, GG.TemplateLine)
                    b.add(node, GG.about, service)
                    b.add(node, GG.answers, item)
                    b.add(node, GG.status, GG.NotStated)
                    b.add(node, DCTERMS.source, b.section(self.sheet))
                    b.add(
                        node,
                        RDFS.comment,
                        Literal("The register lists the lines declared Yes; it does not state this one.", lang="en"),
                    )

    def service(self, row: Row, cells: dict[str, str]) -> None:
        b, sheet = self.b, self.sheet
        name = cells.get("service", "")
        if not name:
            raise InputError("a processor-record row without a service", f"{b.path}:{sheet.name}", row.number)
        service = b.estate.service(name) or b.ctx.known("service").get(normalise(name))
        if service is not None:
            b.copy_labels(service)
        else:
            service = GGS[slug(name)[:60].strip("-") or "service"]
            b.add(service, SKOS.prefLabel, b.literal(name))
        b.add(service, RDF.type, DPV.Service)
        local = str(service).rsplit("/", 1)[-1]
        b.derive(sheet, row, [(item, "") for item in split_set(cells.get("sources", ""))])
        processor = b.organisation(cells["processor"]) if cells.get("processor") else None
        if processor is not None:
            b.add(service, DPV.hasDataProcessor, processor)
        if cells.get("controller"):
            b.add(service, DPV.hasDataController, b.organisation(cells["controller"]))
        for item in split_set(cells.get("processorContact", "")):
            if processor is not None:
                b.contact(processor, item, sheet, row)
        for item in split_set(cells.get("dataProtectionOfficer", "")):
            b.officer(processor, item, sheet, row)
        for column in ("processingOperations", "dataCategories", "dataSubjects"):
            for item in split_set(cells.get(column, "")):
                found = self.sections[column].get(item)
                if found is None:
                    b.unplaced(service, sheet, row, column, f"{item} (no template line has this name)")
                    continue
                self.line(service, local, found, row)
        for item in split_set(cells.get("retention", "")):
            self.retention(service, local, item, row)
        engagements = self.subprocessors(service, local, processor, cells.get("subProcessors", ""), row)
        for item in split_set(cells.get("thirdCountryTransfers", "")):
            self.transfer(service, local, processor, item, engagements, row)
        for item in split_set(cells.get("securityMeasures", "")):
            technical = find_wordings(item, ["technical-measure"])
            measure = b.mint("measure", item)
            b.add(measure, SKOS.prefLabel, b.literal(item))
            if not technical:
                b.add(measure, RDF.type, DPV.OrganisationalMeasure)
            b.add(service, DPV.hasTechnicalMeasure if technical else DPV.hasOrganisationalMeasure, measure)
        b.unplaced_columns(service, sheet, row, self.layout)

    def line(
        self, service: URIRef, local: str, item: URIRef, row: Row, duration: Duration | None = None, words: str = ""
    ) -> tuple[URIRef, bool]:
        """The line declared Yes for the item, and whether the graph already held it (same duration)."""
        b = self.b
        self.answered.setdefault(service, (local, set()))[1].add(item)
        held = b.estate.held_line(service, item, GG.DeclaredYes, duration)
        if held is not None:
            return b.restated(held, self.sheet, row, words or b.ctx.printed(item)), True
        node = GGD[f"{b.key}-{local}-{str(item).rsplit('/', 1)[-1]}"]
        if (node, RDF.type, GG.TemplateLine) not in b.g:
            b.used.add(node)
            b.add(node, RDF.type, GG.TemplateLine)
            b.add(node, GG.about, service)
            b.add(node, GG.answers, item)
            b.add(node, GG.status, GG.DeclaredYes)
            b.cite(node, self.sheet, row, words or b.ctx.printed(item))
        return node, False

    def retention(self, service: URIRef, local: str, item: str, row: Row) -> None:
        b = self.b
        matters = self.sections["retention"]
        label = max((label for label in matters if item.startswith(f"{label}: ")), key=len, default=None)
        if label is None:
            b.unplaced(service, self.sheet, row, "retention", f"{item} (no subject-matter line has this name)")
            return
        wording = item[len(label) + 2 :]
        stated = classify_duration(wording) if wording != "not stated" else None
        parsed = stated is not None and (stated.period or stated.event)
        compared = (
            None
            if stated is None
            else Duration(
                stated.period or None,
                GGT[stated.event] if stated.event else None,
                None if parsed else normalise(wording),
            )
        )
        line, held = self.line(service, local, matters[label], row, compared, item)
        if held:
            return
        duration = b.mint(f"{local}-{str(matters[label]).rsplit('/', 1)[-1]}-duration")
        b.add(line, DPV.hasDuration, duration)
        if wording == "not stated":
            b.add(duration, RDF.type, DPV.Duration)
            return
        assert stated is not None
        b.add(duration, RDF.type, DURATION_CLASS[stated.kind])
        b.add(duration, GG.durationText, b.literal(wording))
        if stated.event:
            b.add(duration, GG.untilEvent, GGT[stated.event])
        if stated.period:
            b.add(duration, GG.period, Literal(stated.period, datatype=XSD.duration))

    def subprocessors(
        self, service: URIRef, local: str, processor: URIRef | None, cell: str, row: Row
    ) -> dict[tuple[str, str], URIRef]:
        """One engagement per 'Organisation (Country)' value, by (organisation, country) as printed."""
        b, found = self.b, {}
        for item in split_set(cell):
            name, country_label, country = item, "", None
            bracket = trailing_parenthesis(item)
            if bracket is not None and b.ctx.countries.get(bracket[1]) is not None:
                name, country_label = bracket
                country = b.ctx.countries[country_label]
            org = b.organisation(name)
            if (org, RDF.type, DPV.Organisation) in b.g and org not in b.ctx.orgs.preferred:
                b.add(org, RDF.type, GG.Supplier)
            home = b.ctx.graph.value(org, DPV.hasCountry) or b.g.value(org, DPV.hasCountry)
            if country is not None and home is None and org not in b.ctx.orgs.preferred:
                b.add(org, DPV.hasCountry, country)
                home = country
            where = {country} if country is not None else {URIRef(str(home))} if home is not None else set()
            held = b.estate.held_engagement(service, org, where)
            printed = (
                b.ctx.printed(org) if org in b.ctx.orgs.preferred else str(b.g.value(org, SKOS.prefLabel)),
                country_label,
            )
            if held is not None:
                found[printed] = b.restated(held, self.sheet, row, item)
                continue
            node = b.mint(f"{local}-eng", name)
            b.add(node, RDF.type, GG.SubProcessingEngagement)
            b.add(node, GG.about, service)
            if processor is not None:
                b.add(node, GG.engagedBy, processor)
            b.add(node, GG.subProcessor, org)
            if country is not None:
                if home == country:
                    b.add(org, DPV.hasCountry, country)
                else:
                    b.add(node, GG.processingCountry, country)
            b.cite(node, self.sheet, row, item)
            found[printed] = node
        return found

    def transfer(
        self,
        service: URIRef,
        local: str,
        processor: URIRef | None,
        item: str,
        engagements: dict[tuple[str, str], URIRef],
        row: Row,
    ) -> None:
        b = self.b
        match = TRANSFER.match(item)
        if match is None:
            b.unplaced(service, self.sheet, row, "thirdCountryTransfers", item)
            return
        importer, country_label = match["importer"], match["country"]
        safeguards = [] if match["safeguards"] == "no safeguard stated" else match["safeguards"].split(" and ")
        if country_label == NOT_DISCLOSED and importer.endswith(SEPARATELY):
            item_node = self.sections["rows"].get(importer[: -len(SEPARATELY)])
            if item_node is None:
                b.unplaced(service, self.sheet, row, "thirdCountryTransfers", item)
                return
            held = b.estate.held_row(service, item_node, GG.CommunicatedSeparately)
            holder = held if held is not None else GGD[f"{b.key}-{local}-{str(item_node).rsplit('/', 1)[-1]}"]
            b.used.add(holder)
            b.add(holder, RDF.type, GG.SubProcessorCategory)
            b.add(holder, GG.about, service)
            b.add(holder, GG.answers, item_node)
            b.add(holder, GG.disclosure, GG.CommunicatedSeparately)
            if held is not None:
                b.restated(held, self.sheet, row, item)
            else:
                b.cite(holder, self.sheet, row, item)
        else:
            engaged = engagements.get((importer, country_label))
            holder = (
                engaged
                if engaged is not None
                else next(
                    iter(self.subprocessors(service, local, processor, f"{importer} ({country_label})", row).values())
                )
            )
            country = b.ctx.countries.get(country_label)
            if match["adequacy"] == "yes" and country is not None:
                decision = b.ctx.certification_decision(country)
                org = b.g.value(holder, GG.subProcessor)
                if decision is not None and isinstance(org, URIRef):
                    b.add(org, GG.certifiedUnder, decision)
        for number, safeguard in enumerate(safeguards, start=1):
            bracket = trailing_parenthesis(safeguard)
            instrument = b.ctx.instrument_labels.get(bracket[0]) if bracket else None
            status = b.ctx.statuses.get(bracket[1]) if bracket else None
            if instrument is None or status is None:
                b.unplaced(service, self.sheet, row, "thirdCountryTransfers", safeguard)
                continue
            held = b.estate.held_safeguard(holder, instrument, status)
            if held is not None:
                b.restated(held, self.sheet, row, safeguard)
                continue
            node = b.mint(f"{local}-sg-{row.number}-{number}")
            b.add(holder, GG.hasSafeguard, node)
            b.add(node, RDF.type, GG.TransferSafeguard)
            b.add(node, GG.about, service)
            b.add(node, GG.instrument, instrument)
            basis = next((basis for basis, tool in instruments().items() if tool == instrument), None)
            if basis is not None:
                b.add(node, GG.transferBasis, basis)
            b.add(node, GG.safeguardStatus, status)
            b.cite(node, self.sheet, row, safeguard)
