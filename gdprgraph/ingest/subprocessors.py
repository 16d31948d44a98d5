"""Import a vendor's sub-processor list, in the form the vendor publishes it, into the gdprgraph model.

Forms read: CSV/TSV, Markdown pipe tables, XLSX workbooks, HTML pages (every ``<table>``, else a list
of entities), PDF (text laid out in columns) and text copied from a browser with a cell per line
(readers in ``gdprgraph.ingest.listforms``). Each row becomes a ``gg:SubProcessingEngagement`` of the
service, citing the file and the row's line: the organisation (matched against the context under any
spelling, else a new ``gg:Supplier``), the countries of processing (names, codes, cities, cloud
regions: ``gdprgraph.ingest.places``) or the zone named instead, the purpose, the data categories, the
legal basis and the transfer mechanism (``gdprgraph.ingest.mechanisms``). A cell the importer does not
understand is kept as a comment on the row and reported (``FILE:LINE: unrecognised ...``); only a
file that is no list at all is refused.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

from .. import names, resources
from ..errors import InputError
from ..spelling import normalise
from ..store import KnowledgeGraph, MemoryGraph
from ..vocabulary import DPV, EU_GDPR, GG, GGD, GGDOC, GGO, GGR, LOC, PD
from . import default_context, listforms, places, text
from .emit import PREFIXES, Organisations, slug, without_legal_suffix
from .listforms import Row, Table
from .listheaders import ALIASES, ROLE_ORDER, columns, plain
from .mechanisms import Mechanism, read_mechanism
from .places import Places

if TYPE_CHECKING:
    from ..workspace import Workspace
    from .vendor import Vendor

__all__ = [
    "ALIASES",
    "ROLE_ORDER",
    "Report",
    "Row",
    "SubprocessorList",
    "Table",
    "TurtleWriter",
    "columns",
    "import_subprocessors",
    "plain",
    "read_rows",
    "read_source",
    "turtle",
]

DELIMITERS = (",", ";", "\t", "|")
#: cells that state nothing
NOTHING = {
    "",
    "none",
    "n a",
    "nil",
    "not applicable",
    "aucun",
    "aucune",
    "neant",
    "sans objet",
    "non applicable",
    "nd",
    "tbd",
    "unknown",
    "inconnu",
}
MD_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
CATEGORY_SPLIT = re.compile(r"[,;/\n]|\s+(?:and|et)\s+", re.IGNORECASE)
INSTRUMENTS = {
    "scc": (EU_GDPR.StandardContractualClauses, EU_GDPR["A46-2-c"]),
    "bcr": (EU_GDPR.BindingCorporateRules, EU_GDPR["A46-2-b"]),
}
TITLE = {"en": "Sub-processor list", "fr": "Liste des sous-traitants ultérieurs"}
SECTION_TITLE = {"en": "Sub-processors", "fr": "Sous-traitants ultérieurs"}
COLUMN_NAMES = {
    "location": "location of processing",
    "corporate": "corporate location",
    "safeguard": "transfer mechanism",
    "categories": "data categories",
}
#: at most this many characters of a cell are kept or quoted (a 'cell' holding a whole page is cut)
CELL_LIMIT = 2000


@dataclass(frozen=True)
class Report:
    """Something of a row the importer did not understand (or found wrong), with its line."""

    line: int
    message: str

    def text(self, where: str) -> str:
        return f"{where}:{self.line}: {self.message}"


def _quoted(cell: str) -> str:
    cell = " ".join(cell.split())
    return repr(cell if len(cell) <= 80 else cell[:77] + "...")


# -- reading the file --------------------------------------------------------------------------------

HTML_START = re.compile(r"^\s*(<!doctype html|<html|<table|<\?xml[^>]*>\s*<html|<head|<body|<meta)", re.IGNORECASE)


def read_source(path: Path | str) -> tuple[text.Decoded, list[Table]]:
    """The decoded file (``.lines``, ``.note`` when its encoding was guessed) and its tables, by
    form: XLSX, PDF, HTML, Markdown pipe tables, CSV (a delimited header naming two columns or
    more), text with a cell per line, text aligned in columns (two spaces or more between cells),
    else CSV. Raises InputError for a file that is no list."""
    path = Path(path)
    try:
        head = path.open("rb").read(8)
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", str(path)) from err
    if not head.strip():
        text.read_text(path, empty="no sub-processor list to import")  # empty or blank: one error line
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm") or head.startswith(b"PK\x03\x04"):
        source = text.Decoded(path, "", "xlsx", "XLSX")
        return source, listforms.xlsx_tables(path)
    if suffix == ".pdf" or head.startswith(b"%PDF"):
        found = listforms.pdf_text(path)
        source = text.Decoded(path, "\n".join(found.lines), "pdf", "PDF text")
        source.lines = found.lines
        if not source.text.strip():
            raise InputError("empty file: no text found in the PDF", str(path))
        return source, listforms.pdf_tables(found) or listforms.cell_per_line_tables(source.lines)
    source = text.read_text(
        path,
        "a sub-processor list (CSV, Markdown, HTML, text, XLSX or PDF)",
        pdf=False,
        empty="no sub-processor list to import",
    )
    if suffix in (".html", ".htm", ".xhtml") or HTML_START.match(source.text[:2048]):
        page = listforms.parse_html(source.text)
        tables = listforms.html_tables(source.text)
        return source, tables or listforms.entity_list_tables(page.blocks)
    tables = markdown_tables(source.lines)
    if tables:
        return source, tables
    if suffix in (".md", ".markdown"):
        raise InputError("no Markdown table (a header row, a separator row, data rows)", str(path))
    if suffix in (".csv", ".tsv"):
        return source, [csv_table(source.lines, str(path))]
    try:
        table = csv_table(source.lines, str(path))
    except InputError:
        table = None
    if table is not None and len(columns(table.header)[0]) >= 2:
        return source, [table]
    tables = listforms.cell_per_line_tables(source.lines) or listforms.layout_tables(source.lines)
    if tables:
        return source, tables
    return source, [csv_table(source.lines, str(path))]


def read_rows(path: Path | str) -> tuple[list[str], list[Table]]:
    """The file's lines and its tables (rows read into lists)."""
    source, tables = read_source(path)
    for table in tables:
        table.rows = list(table.rows)
    return source.lines, tables


def _md_cells(line: str) -> list[str]:
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    cells = re.split(r"(?<!\\)\|", body)
    return [_md_text(cell.replace("\\|", "|")) for cell in cells]


def _md_text(cell: str) -> str:
    cell = MD_LINK.sub(r"\1", cell)
    cell = re.sub(r"<br\s*/?>", " ", cell, flags=re.IGNORECASE)
    cell = cell.replace("**", "").replace("__", "").replace("`", "")
    return " ".join(cell.split())


def markdown_tables(lines: list[str]) -> list[Table]:
    """Every pipe table: a header row, a separator row, then the rows up to the first line without a pipe."""
    tables: list[Table] = []
    heading = ""
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.lstrip().startswith("#"):
            heading = line.strip().lstrip("#").strip()
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if "|" in line and "|" in following and MD_SEPARATOR.match(following):
            found: list[Row] = []
            table = Table(_md_cells(line), index + 1, found, title=heading)
            index += 2
            while index < len(lines) and lines[index].strip() and "|" in lines[index]:
                found.append(Row(_md_cells(lines[index]), index + 1, index + 1))
                index += 1
            tables.append(table)
            continue
        index += 1
    return tables


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter among , ; tab | that splits most rows into the same number (>1) of fields."""
    sample = [line for line in lines if line.strip()][:50]
    best, best_score = DELIMITERS[0], (0, 0)
    for delimiter in DELIMITERS:
        widths = [len(cells) for cells in csv.reader(sample, delimiter=delimiter)]
        width, count = Counter(widths).most_common(1)[0] if widths else (1, 0)
        score = (count, width) if width > 1 else (0, 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def csv_table(lines: list[str], where: str) -> Table:
    """The rows of a CSV file under the first row that has a name column (``rows``: read as iterated)."""
    delimiter = sniff_delimiter(lines)
    rows = _csv_rows(lines, delimiter, where)
    head = list(itertools.islice(rows, 10))
    best = listforms.header_position(head)
    if best >= 0:
        return Table(head[best].cells, head[best].first, itertools.chain(head[best + 1 :], rows))
    first = head[0] if head else Row([], 1, 1)
    raise InputError(_no_name_message(first.cells), where, first.first)


def _csv_rows(lines: list[str], delimiter: str, where: str) -> Iterator[Row]:
    """The non-empty rows of a CSV text, one at a time, with the lines each spans."""
    reader = csv.reader((line + "\n" for line in lines), delimiter=delimiter)
    previous = 0
    try:
        for cells in reader:
            row = Row([" ".join(cell.split()) for cell in cells], previous + 1, reader.line_num)
            previous = reader.line_num
            if any(row.cells):
                yield row
    except csv.Error as err:
        raise InputError(f"unreadable CSV: {err}", where, previous + 1) from err


def _no_name_message(header: list[str]) -> str:
    shown = ", ".join(repr(cell[:40]) for cell in header[:8] if cell) or "none"
    return (
        "not a sub-processor list: no name column (expected a header such as Name, Sub-processor, "
        f"Entity, Vendor, Nom, Sous-traitant); headers found: {shown}"
    )


# -- understanding the cells -------------------------------------------------------------------------


def parse_countries(cell: str) -> places.Places:
    """The places a location cell names (countries, zones) and the pieces it could not place."""
    if plain(cell) in NOTHING or plain(cell).startswith(("n a ", "not applicable")):
        return places.Places()
    return places.parse_places(cell)


@cache
def _category_words() -> dict[str, URIRef]:
    path = resources.data_dir() / "reference" / "data-category-words.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        return {plain(row["label"]): PD[row["pd"]] for row in rows}


def data_categories(cell: str) -> tuple[list[URIRef], list[str]]:
    """The DPV personal-data categories a cell names (by label) and the pieces kept as text."""
    matched: list[URIRef] = []
    rest: list[str] = []
    for piece in CATEGORY_SPLIT.split(cell):
        piece = piece.strip(" .")
        if not piece:
            continue
        found = _category_words().get(plain(piece))
        if found is not None:
            if found not in matched:
                matched.append(found)
        else:
            rest.append(piece)
    return matched, rest


def _context_graph(context: Workspace | KnowledgeGraph | Graph | None) -> Graph:
    if context is None:
        return default_context()
    asserted: object = getattr(context, "asserted", context)  # a Workspace's asserted graph
    if isinstance(asserted, KnowledgeGraph):
        return asserted.graph
    if isinstance(asserted, Graph):
        return asserted
    raise TypeError(f"not a graph: {type(asserted).__name__}")


def _iri(value: str | URIRef, graph: Graph, kind: str) -> URIRef:
    if isinstance(value, URIRef) or str(value).startswith(("http://", "https://")):
        return URIRef(str(value))
    return URIRef(names.resolve(MemoryGraph(graph), str(value), kind))


Triple = tuple[URIRef, URIRef, URIRef | Literal]


class _Terms:
    """A namespace whose terms are made once: rdflib's namespaces make a new URIRef on every access,
    which counts when a long list is imported."""

    def __init__(self, namespace: Namespace | type) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> URIRef:
        term = URIRef(getattr(self._namespace, name))
        setattr(self, name, term)
        return term


_GG, _DPV, _DCTERMS, _SKOS, _RDFS = _Terms(GG), _Terms(DPV), _Terms(DCTERMS), _Terms(SKOS), _Terms(RDFS)
_RDF_TYPE = RDF.type
US = LOC.US


class _Builder:
    """Builds the triples of one sub-processor list, a row at a time (``take`` hands them over)."""

    def __init__(self, path: Path, key: str, service: URIRef, processor: URIRef, context: Graph, language: str) -> None:
        self.path, self.key, self.service, self.processor = path, key, service, processor
        self.context, self.lang = context, language
        self.orgs = Organisations.from_graph(context)
        self.known = set(self.orgs.by_name.values())
        self.new: set[URIRef] = set()
        self.numbers: dict[URIRef, int] = {}  # last number given to a new organisation's IRI, by base IRI
        self.engagements: Counter[str] = Counter()
        self.used: set[str] = set()  # engagement local names given
        self.said: set[Triple] = set()  # statements on organisations, which several rows may repeat
        self.out: list[Triple] = []
        self.remembered: dict[tuple[str, str], Literal | Places | Mechanism] = {}
        self.reports: list[Report] = []
        self.row_reports = 0  # reports of the current row
        self.described: set[URIRef] = set()  # countries whose description is written (or not needed)

    def add(self, triple: Triple) -> None:
        self.out.append(triple)

    def add_once(self, triple: Triple) -> None:
        if triple not in self.said:
            self.said.add(triple)
            self.out.append(triple)

    def take(self) -> list[Triple]:
        """The triples built since the last call."""
        out, self.out = self.out, []
        return out

    def literal(self, value: str) -> Literal:
        found = self.remembered.get(("literal", value))
        if not isinstance(found, Literal):
            found = Literal(value, lang=self.lang)
            self.remember(("literal", value), found)
        return found

    def report(self, node: URIRef | None, line: int, message: str) -> None:
        """A cell not understood: reported with its line, kept as a comment on the row."""
        self.reports.append(Report(line, message))
        self.row_reports += 1
        if node is not None:
            self.add((node, _RDFS.comment, Literal(f"gdprgraph: {message}", lang="en")))

    def document(self, extra: list[Triple]) -> None:
        doc = GGDOC[self.key]
        self.add((doc, _RDF_TYPE, _GG.SourceDocument))
        colon = " : " if self.lang == "fr" else ": "
        self.add((doc, _DCTERMS.title, self.literal(f"{TITLE[self.lang]}{colon}{self.path.name}")))
        self.add((doc, _DCTERMS.language, Literal(self.lang)))
        self.add((doc, _GG.sourceFile, Literal(self.path.name)))
        self.add((doc, _DCTERMS.publisher, self.processor))
        for triple in extra:
            self.add_once(triple)

    def section(self, number: int, title: str) -> URIRef:
        node = GGDOC[f"{self.key}-s{number}"]
        self.add((node, _RDF_TYPE, _GG.DocumentSection))
        self.add((node, _DCTERMS.isPartOf, GGDOC[self.key]))
        self.add((node, _GG.sectionNumber, Literal(str(number))))
        self.add((node, _DCTERMS.title, self.literal(title or SECTION_TITLE[self.lang])))
        return node

    def provenance(self, node: URIRef, section: URIRef, row: Row, lines: list[str]) -> None:
        self.add((node, _DCTERMS.source, section))
        self.add((node, _GG.sourceLine, Literal(row.first)))
        if row.last != row.first:
            self.add((node, _GG.sourceLineEnd, Literal(row.last)))
        if lines:
            words = " ".join(" ".join(lines[row.first - 1 : row.last]).split())
        else:  # a workbook: the row's cells
            words = " | ".join(cell for cell in row.cells if cell)
        self.add((node, _GG.sourceText, self.literal(words[:CELL_LIMIT])))

    def organisation(self, written: str, country: URIRef | None) -> URIRef:
        """The organisation a name designates: known under any spelling, else a new supplier."""
        wanted = normalise(written)
        iri = (
            self.orgs.by_name.get(wanted)
            or self.orgs.by_stripped.get(names.strip_legal_suffix(wanted))
            or self.orgs.by_core(written)
        )  # "Amazon Web Services Inc" is "Amazon Web Services, Inc. (AWS)"
        if iri is not None:
            if iri in self.known:
                if iri in self.orgs.preferred:
                    self.add_once((iri, _SKOS.prefLabel, Literal(self.orgs.preferred[iri])))
                if country is not None and self.context.value(iri, _DPV.hasCountry) is None:
                    self.add_once((iri, _DPV.hasCountry, country))
            return iri
        bare = without_legal_suffix(written).rstrip(" ,;") or written
        bare_key = normalise(bare)
        base = GGO[re.sub(r"[^a-z0-9]+", "-", bare_key).strip("-")[:80].strip("-") or "organisation"]
        number = self.numbers.get(base, 1)  # the numbers below are taken already
        iri = base if number == 1 else URIRef(f"{base}-{number}")
        while (iri, None, None) in self.context or iri in self.new:
            number += 1
            iri = URIRef(f"{base}-{number}")
        self.numbers[base] = number
        self.new.add(iri)
        for label in (wanted, bare_key):
            self.orgs.by_name.setdefault(label, iri)
            self.orgs.by_stripped.setdefault(names.strip_legal_suffix(label), iri)
        self.add((iri, _RDF_TYPE, _GG.Supplier))
        self.add((iri, _SKOS.prefLabel, Literal(bare)))
        if written != bare:
            self.add((iri, _SKOS.altLabel, Literal(written)))
        if country is not None:
            self.add((iri, _DPV.hasCountry, country))
        return iri

    def places(self, cell: str) -> Places:
        """``parse_countries``, remembered by cell text (a list repeats the same few cells)."""
        found = self.remembered.get(("places", cell))
        if not isinstance(found, Places):
            found = parse_countries(cell)
            self.remember(("places", cell), found)
        for country in found.countries:
            if country not in self.described:  # a country the reference data lacks: described once
                self.described.add(country)
                for triple in places.country_triples(country):
                    self.add(triple)
        return found

    def remember(self, key: tuple[str, str], value: Literal | Places | Mechanism) -> None:
        if len(self.remembered) >= 4096:  # bounded: a list of distinct cells does not grow it
            self.remembered.clear()
        self.remembered[key] = value

    def local_name(self, base: str) -> str:
        """``base``, then ``base-2``, ``base-3``...: a name no engagement of this list has yet."""
        count = self.engagements[base] + 1
        local = base if count == 1 else f"{base}-{count}"
        while local in self.used:
            count += 1
            local = f"{base}-{count}"
        self.engagements[base] = count
        self.used.add(local)
        return local

    def row(self, roles: dict[str, int], row: Row, section: URIRef, lines: list[str]) -> bool:
        """The statements of one row; False (and a report) for a row without a name."""
        self.row_reports = 0

        def cell(role: str) -> str:
            index = roles.get(role)
            value = row.cells[index].strip() if index is not None and index < len(row.cells) else ""
            return value[:CELL_LIMIT]

        name = cell("name")
        if not name or plain(name) in NOTHING:
            shown = " | ".join(c for c in row.cells if c)
            self.report(None, row.first, f"unrecognised row (no sub-processor name): {_quoted(shown)}")
            return False
        if len(name) > 200:
            self.report(None, row.first, f"unrecognised row (a name of {len(name)} characters): {_quoted(name)}")
            return False
        processing = self.places(cell("location"))
        corporate = self.places(cell("corporate"))
        located = corporate.countries or processing.countries
        home = located[0] if located else None
        org = self.organisation(name, home)
        local = self.local_name(str(org)[len(str(GGO)) :] if str(org).startswith(str(GGO)) else slug(name))
        eng = GGD[f"{self.key}-eng-{local}"]
        self.add((eng, _RDF_TYPE, _GG.SubProcessingEngagement))
        self.add((eng, _GG.about, self.service))
        self.add((eng, _GG.engagedBy, self.processor))
        self.add((eng, _GG.subProcessor, org))
        for country in processing.countries:
            self.add((eng, _GG.processingCountry, country))
        for zone in processing.zones:
            self.add((eng, _GG.processingZone, zone))
        for role, found in (("location", processing), ("corporate", corporate)):
            for piece in found.unknown:
                self.report(
                    eng,
                    row.first,
                    f"unrecognised place {_quoted(piece)} in the {COLUMN_NAMES[role]} column (row of {name})",
                )
        if cell("purpose"):
            self.add((eng, _GG.description, self.literal(cell("purpose"))))
        if cell("categories"):
            self.categories(eng, cell("categories"))
        if cell("legalbasis"):
            label = "Base légale" if self.lang == "fr" else "Legal basis"
            self.add((eng, _RDFS.comment, self.literal(f"{label}: {cell('legalbasis')}")))
        self.provenance(eng, section, row, lines)
        stated = cell("safeguard")
        if stated:
            self.safeguards(eng, local, org, stated, home, processing.countries, section, row, lines)
        return True

    def categories(self, eng: URIRef, stated: str) -> None:
        matched, rest = data_categories(stated)
        for category in matched:
            self.add((eng, _DPV.hasPersonalData, category))
        label = "Catégories de données" if self.lang == "fr" else "Data categories"
        self.add((eng, _RDFS.comment, self.literal(f"{label}: {stated}")))
        del rest  # kept as text in the comment above

    def safeguards(
        self,
        eng: URIRef,
        local: str,
        org: URIRef,
        stated: str,
        home: URIRef | None,
        countries: list[URIRef],
        section: URIRef,
        row: Row,
        lines: list[str],
    ) -> None:
        self.add((eng, _RDFS.comment, self.literal(stated)))
        found = self.remembered.get(("mechanisms", stated))
        if not isinstance(found, Mechanism):
            found = read_mechanism(stated)
            self.remember(("mechanisms", stated), found)
        if not found.understood:
            self.report(
                eng, row.first, f"unrecognised transfer mechanism {_quoted(stated)} (row of {found_name(self, org)})"
            )
            return
        if "dpf" in found.instruments:
            if home == US or US in countries or (home is None and not countries):
                self.add_once((org, _GG.certifiedUnder, GGR["adequacy-US-DPF"]))
            else:
                self.report(
                    eng,
                    row.first,
                    f"the Data Privacy Framework covers importers in the United States "
                    f"only: {found_name(self, org)} is not located there",
                )
        for name_ in ("scc", "bcr"):
            if name_ not in found.instruments:
                continue
            instrument, basis = INSTRUMENTS[name_]
            sg = GGD[f"{self.key}-sg-{local}-{name_}"]
            self.add((eng, _GG.hasSafeguard, sg))
            self.add((sg, _RDF_TYPE, _GG.TransferSafeguard))
            self.add((sg, _GG.about, self.service))
            self.add((sg, _GG.instrument, instrument))
            self.add((sg, _GG.transferBasis, basis))
            status = _GG.ApprovalRequested if name_ == "bcr" and found.requested else _GG.SafeguardInPlace
            self.add((sg, _GG.safeguardStatus, status))
            if found.conditional:
                self.add((sg, _GG.conditional, Literal(True)))
            self.provenance(sg, section, row, lines)


def found_name(builder: _Builder, org: URIRef) -> str:
    """An organisation's display name for a message."""
    return builder.orgs.preferred.get(org) or next(
        (str(o) for s, p, o in builder.out if s == org and p == _SKOS.prefLabel), str(org).rsplit("/", 1)[-1]
    )


def default_key(path: Path) -> str:
    """A slug of the file name before its first dot."""
    return slug(path.name.split(".")[0]) or "subprocessors"


class SubprocessorList:
    """A vendor's sub-processor list, opened for import: the file read and decoded, its tables and
    their columns found, the service and processor resolved (any InputError about them is raised
    here). ``triples()``, ``graph()`` or ``turtle()`` then read the rows one at a time, once: the
    statements of a row are built, handed over and forgotten, so a long list takes memory for its
    lines and the organisations it names, not for its graph.

    ``engagements`` and ``triples`` count what has been handed over; ``reports`` lists what was not
    understood (``Report``: line, message), ``understood_rows`` the rows with every cell understood;
    ``encoding_note`` is one line for the user when the file's encoding was guessed, else ''.
    ``vendor`` (from ``gdprgraph.ingest.vendor.ensure_vendor``) gives the service and processor,
    and the statements creating them are written first.
    """

    def __init__(
        self,
        path: Path | str,
        service: str | URIRef | None = None,
        processor: str | URIRef | None = None,
        context: Workspace | KnowledgeGraph | Graph | None = None,
        key: str | None = None,
        vendor: Vendor | None = None,
    ) -> None:
        self.path = path = Path(path)
        graph = _context_graph(context)
        self.source, tables = read_source(path)
        usable = [(table, *columns(table.header)) for table in tables]
        self.tables = [(table, roles, lang) for table, roles, lang in usable if "name" in roles]
        if not self.tables:
            first = tables[0] if tables else Table([], 1)
            raise InputError(_no_name_message(first.header), str(path), first.line if tables else None)
        self.vendor = vendor
        if vendor is not None:
            service_iri = vendor.service
        elif service is None:
            raise InputError("no service: name one with --service, or a vendor with --vendor")
        else:
            service_iri = _iri(service, graph, "service")
        if processor is not None:
            processor_iri = _iri(processor, graph, "organisation")
        elif vendor is not None:
            processor_iri = vendor.processor
        else:
            found = graph.value(service_iri, DPV.hasDataProcessor)
            if found is None:
                raise InputError(
                    f"the service <{service_iri}> has no processor (dpv:hasDataProcessor); name one with --processor"
                )
            processor_iri = URIRef(str(found))
        key = key or default_key(path)
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", key):
            key = slug(key) or default_key(path)
        self.key = key
        languages = Counter(lang for _, _, lang in self.tables)
        language = "fr" if languages["fr"] > languages["en"] else "en"
        self._builder: _Builder | None = _Builder(path, key, service_iri, processor_iri, graph, language)
        self.rows = self.engagements = self.triples = self.understood_rows = 0
        self.reports: list[Report] = []

    @property
    def encoding_note(self) -> str:
        return self.source.note

    def messages(self) -> list[str]:
        """``FILE:LINE: message`` for each report, in line order."""
        return [report.text(str(self.path)) for report in self.reports]

    def batches(self, progress: Callable[[int], None] | None = None) -> Iterator[list[Triple]]:
        """The triples, the document's first, then one batch per row; ``progress(rows)`` after each row.
        What a row holds that is not understood is reported (``reports``), not raised."""
        builder, self._builder = self._builder, None
        if builder is None:
            raise RuntimeError("a sub-processor list is read once")
        self.reports = builder.reports
        lines = self.source.lines
        builder.document(self.vendor.triples if self.vendor is not None else [])
        for number, (table, roles, _) in enumerate(self.tables, start=1):
            section = builder.section(number, table.title)
            for row in table.rows:
                if any(cell.strip() for cell in row.cells):
                    if builder.row(roles, row, section, lines):
                        self.engagements += 1
                    if not builder.row_reports:
                        self.understood_rows += 1
                batch = builder.take()
                if batch:
                    self.triples += len(batch)
                    yield batch
                self.rows += 1
                if progress is not None:
                    progress(self.rows)
        batch = builder.take()
        self.triples += len(batch)
        yield batch

    def graph(self, progress: Callable[[int], None] | None = None) -> Graph:
        """Every triple in an rdflib Graph (prefixes bound)."""
        graph = Graph()
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace)
        for batch in self.batches(progress):
            for triple in batch:
                graph.add(triple)
        return graph

    def turtle(self, progress: Callable[[int], None] | None = None) -> Iterator[str]:
        """The list as Turtle text, in pieces: a header naming the source, the prefixes, then the
        statements of each row as they are read."""
        writer = TurtleWriter(PREFIXES)
        yield (
            f"# {self.path.name}: imported by `gdprgraph import-subprocessors` (line numbers refer to this file).\n\n"
        )
        yield writer.prefixes()
        for batch in self.batches(progress):
            yield writer.statements(batch)


def import_subprocessors(
    path: Path | str,
    service: str | URIRef | None,
    processor: str | URIRef | None = None,
    context: Workspace | KnowledgeGraph | Graph | None = None,
    key: str | None = None,
    vendor: Vendor | None = None,
) -> Graph:
    """Read a vendor's sub-processor list (any form ``read_source`` reads) into a graph of engagements.

    ``service`` and ``processor`` are IRIs (a name is resolved against the context); the processor
    defaults to the service's ``dpv:hasDataProcessor`` in ``context`` (a Workspace, KnowledgeGraph
    or rdflib Graph holding the existing services and organisations; default: the embedded data/).
    ``key`` prefixes the statement IRIs (default: the file name before its first dot, slugged).
    The file is decoded by its byte-order mark, else as UTF-8, else as cp1252 or Latin-1.
    Raises InputError, naming the file and line, on an empty or binary file or a file without a
    recognisable name column; cells not understood are reported (``SubprocessorList.reports``).
    A long list is better written with ``SubprocessorList(...).turtle()``, which never holds the
    whole graph. ``vendor`` (``ingest.vendor.ensure_vendor``) replaces ``service``.
    """
    return SubprocessorList(path, service, processor, context, key, vendor).graph()


def turtle(graph: Graph, path: Path | str) -> str:
    """The imported graph as Turtle, with a header naming the source."""
    header = f"# {Path(path).name}: imported by `gdprgraph import-subprocessors` (line numbers refer to this file).\n\n"
    return header + graph.serialize(format="turtle")


#: a local name that can follow a prefix in Turtle as it is (no escapes needed)
_PN_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_NEEDS_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f]')


class TurtleWriter:
    """Turtle text for batches of triples, written without an rdflib Graph: one block per subject,
    IRIs under a known namespace as prefixed names, literals escaped."""

    def __init__(self, prefixes: dict[str, object]) -> None:
        self.namespaces = {str(namespace): prefix for prefix, namespace in prefixes.items()}
        self.written: dict[URIRef | Literal, str] = {}  # recent terms (bounded), most of them repeat

    def prefixes(self) -> str:
        return (
            "".join(
                f"@prefix {prefix}: <{namespace}> .\n"
                for namespace, prefix in sorted(self.namespaces.items(), key=lambda item: item[1])
            )
            + "\n"
        )

    def term(self, node: URIRef | Literal) -> str:
        text = self.written.get(node)
        if text is None:
            if len(self.written) >= 4096:
                self.written.clear()
            text = self.written[node] = self._term(node)
        return text

    def _term(self, node: URIRef | Literal) -> str:
        if isinstance(node, Literal):
            return self.literal(node)
        iri = str(node)
        cut = max(iri.rfind("#"), iri.rfind("/")) + 1
        prefix = self.namespaces.get(iri[:cut])
        if prefix is not None and _PN_LOCAL.fullmatch(iri[cut:]):
            return f"{prefix}:{iri[cut:]}"
        return node.n3()

    def literal(self, literal: Literal) -> str:
        lexical = str(literal)
        if literal.datatype == XSD.integer and re.fullmatch(r"[+-]?\d+", lexical):
            return lexical
        if _NEEDS_ESCAPE.search(lexical):
            lexical = _NEEDS_ESCAPE.sub(lambda m: _ESCAPES.get(m.group(), f"\\u{ord(m.group()):04X}"), lexical)
        if literal.language:
            return f'"{lexical}"@{literal.language}'
        if literal.datatype is not None and literal.datatype != XSD.string:
            return f'"{lexical}"^^{self.term(literal.datatype)}'
        return f'"{lexical}"'

    def statements(self, triples: list[Triple]) -> str:
        """The triples, one block per subject in the order subjects first appear."""
        by_subject: dict[URIRef, list[str]] = {}
        for subject, predicate, obj in triples:
            verb = "a" if predicate == RDF.type else self.term(predicate)
            by_subject.setdefault(subject, []).append(f"{verb} {self.term(obj)}")
        return "".join(
            f"{self.term(subject)} " + " ;\n    ".join(pairs) + " .\n\n" for subject, pairs in by_subject.items()
        )
