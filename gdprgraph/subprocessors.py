"""Import a vendor's sub-processor list (a CSV file or a Markdown pipe table) into the gdprgraph model.

Each row becomes a ``gg:SubProcessingEngagement`` of the service, citing the file and the row's line:
the organisation (matched against the context under any spelling, else a new ``gg:Supplier``), the
countries of processing, the purpose, and the transfer mechanism (standard contractual clauses and
binding corporate rules as ``gg:TransferSafeguard``; Data Privacy Framework certification as
``gg:certifiedUnder`` on the organisation).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from . import names
from .errors import InputError
from .ingest import default_context, text
from .ingest.countries import country_by_name_or_code
from .ingest.emit import DPV, EU_GDPR, GG, GGD, GGDOC, GGO, GGR, PREFIXES, Organisations, slug, without_legal_suffix
from .store import KnowledgeGraph, MemoryGraph

if TYPE_CHECKING:
    from .workspace import Workspace

__all__ = ["import_subprocessors", "read_rows", "turtle"]

#: column role -> header names (language of the word); a role's aliases are tried in this order
ALIASES: dict[str, list[tuple[str, str]]] = {
    "corporate": [("corporate location", "en"), ("headquarters", "en"), ("head office", "en"),
                  ("registered office", "en"), ("entity country", "en"), ("entity location", "en"),
                  ("company location", "en"), ("company country", "en"), ("country of incorporation", "en"),
                  ("corporate country", "en"), ("siege", "fr"), ("pays du siege", "fr"), ("siege social", "fr")],
    "safeguard": [("transfer mechanism", "en"), ("safeguard", "en"), ("safeguards", "en"),
                  ("legal basis for transfer", "en"), ("transfer safeguards", "en"), ("transfer basis", "en"),
                  ("mecanisme de transfert", "fr"), ("garanties", "fr"), ("garantie", "fr"), ("encadrement", "fr")],
    "location": [("location of processing", "en"), ("processing location", "en"), ("data location", "en"),
                 ("country of processing", "en"), ("processing country", "en"), ("location", "en"),
                 ("countries", "en"), ("country", "en"), ("lieu de traitement", "fr"), ("localisation", "fr"),
                 ("pays de traitement", "fr"), ("pays", "fr")],
    "purpose": [("description", "en"), ("purpose", "en"), ("service", "en"), ("services", "en"),
                ("activity", "en"), ("nature of processing", "en"), ("finalite", "fr"), ("activite", "fr"),
                ("prestation", "fr")],
    "name": [("name", "en"), ("sub processor", "en"), ("subprocessor", "en"), ("entity", "en"), ("vendor", "en"),
             ("supplier", "en"), ("company", "en"), ("provider", "en"), ("nom", "fr"), ("sous traitant", "fr"),
             ("fournisseur", "fr"), ("prestataire", "fr"), ("raison sociale", "fr")],
}
#: roles tried in this order when a header only contains a known name: the more specific first
ROLE_ORDER = ("corporate", "safeguard", "location", "purpose", "name")
DELIMITERS = (",", ";", "\t", "|")
#: cells that state nothing
NOTHING = {"", "none", "n a", "nil", "not applicable", "aucun", "aucune", "neant", "sans objet",
           "non applicable", "nd"}
COUNTRY_SPLIT = re.compile(r"[,;/&+\n]")
WORD_SPLIT = re.compile(r"\s+(?:and|et)\s+", re.IGNORECASE)
MD_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")

SCC_WORDS = ("scc", "sccs", "standard contractual clause", "model clause", "clauses contractuelles type",
             "cct", "ccts", "standard data protection clause", "clauses types")
BCR_WORDS = ("bcr", "bcrs", "binding corporate rule", "regles d entreprise contraignantes",
             "regles internes d entreprise")
DPF_WORDS = ("dpf", "data privacy framework", "privacy framework")
REQUESTED_WORDS = ("request", "pending", "demande", "en cours")
INSTRUMENTS = {
    "scc": (EU_GDPR.StandardContractualClauses, EU_GDPR["A46-2-c"]),
    "bcr": (EU_GDPR.BindingCorporateRules, EU_GDPR["A46-2-b"]),
}
TITLE = {"en": "Sub-processor list", "fr": "Liste des sous-traitants ultérieurs"}
SECTION_TITLE = {"en": "Sub-processors", "fr": "Sous-traitants ultérieurs"}


def plain(value: str) -> str:
    """Lower-case ASCII words separated by single spaces: 'Pays du siège' -> 'pays du siege'."""
    value = unicodedata.normalize("NFKD", value)
    value = "".join(ch for ch in value if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", value).split())


def _squash(value: str) -> str:
    return plain(value).replace(" ", "")


@dataclass
class Row:
    """One data row: its cells and the lines of the file it spans (1-based)."""

    cells: list[str]
    first: int
    last: int


@dataclass
class Table:
    """A header and the rows under it."""

    header: list[str]
    line: int
    rows: list[Row] = field(default_factory=list)
    title: str = ""


def columns(header: list[str]) -> tuple[dict[str, int], str]:
    """Which column holds which role (name, purpose, location, corporate, safeguard), and the headers' language.

    A header equal to a known name wins over one that only contains it; among headers that only
    contain a known name, the more specific role wins (corporate location before location).
    """
    found: dict[str, tuple[int, int]] = {}  # role -> (rank, column); lower rank wins
    votes: Counter[str] = Counter()
    for index, cell in enumerate(header):
        key = _squash(cell)
        if not key:
            continue
        match = None
        for role in ROLE_ORDER:
            for alias, lang in ALIASES[role]:
                if key == alias.replace(" ", ""):
                    match = (0, role, lang)
                    break
            if match:
                break
        if match is None:
            for position, role in enumerate(ROLE_ORDER):
                hits = [(alias, lang) for alias, lang in ALIASES[role] if alias.replace(" ", "") in key]
                if hits:
                    match = (1 + position, role, max(hits, key=lambda hit: len(hit[0]))[1])
                    break
        if match is None:
            continue
        rank, role, lang = match
        votes[lang] += 1
        if role not in found or rank < found[role][0]:
            found[role] = (rank, index)
    language = "fr" if votes["fr"] > votes["en"] else "en"
    return {role: index for role, (_, index) in found.items()}, language


def read_rows(path: Path | str) -> tuple[list[str], list[Table]]:
    """The file's lines and its tables (Markdown pipe tables, else one CSV table)."""
    path = Path(path)
    try:
        data: bytes | None = path.read_bytes()
    except OSError:
        data = None  # text.read_lines reports it
    if data is not None:
        if not data.strip():
            raise InputError("empty file: no sub-processor list to import", str(path))
        if path.suffix.lower() == ".pdf" or data.startswith(b"%PDF-"):
            raise InputError("PDF is not supported: expected a CSV file or a Markdown table", str(path))
        if b"\x00" in data:
            raise InputError("binary file: expected a CSV file or a Markdown table", str(path))
    lines = text.read_lines(path)
    tables = markdown_tables(lines)
    if not tables:
        if path.suffix.lower() in (".md", ".markdown"):
            raise InputError("no Markdown table (a header row, a separator row, data rows)", str(path))
        tables = [csv_table(lines, str(path))]
    return lines, tables


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
            table = Table(_md_cells(line), index + 1, title=heading)
            index += 2
            while index < len(lines) and lines[index].strip() and "|" in lines[index]:
                table.rows.append(Row(_md_cells(lines[index]), index + 1, index + 1))
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
    """The rows of a CSV file under the first row that has a name column."""
    delimiter = sniff_delimiter(lines)
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    rows: list[Row] = []
    previous = 0
    try:
        for cells in reader:
            rows.append(Row([" ".join(cell.split()) for cell in cells], previous + 1, reader.line_num))
            previous = reader.line_num
    except csv.Error as err:
        raise InputError(f"unreadable CSV: {err}", where, previous + 1) from err
    rows = [row for row in rows if any(row.cells)]
    best, best_roles = -1, 0
    for position, row in enumerate(rows[:10]):  # the header: the row that names the most columns
        roles = columns(row.cells)[0]
        if "name" in roles and len(roles) > best_roles:
            best, best_roles = position, len(roles)
    if best >= 0:
        return Table(rows[best].cells, rows[best].first, rows[best + 1:])
    first = rows[0] if rows else Row([], 1, 1)
    raise InputError(_no_name_message(first.cells), where, first.first)


def _no_name_message(header: list[str]) -> str:
    shown = ", ".join(repr(cell) for cell in header if cell) or "none"
    return ("no sub-processor name column (expected a header such as Name, Sub-processor, Entity, Vendor, "
            f"Nom, Sous-traitant); headers found: {shown}")


def parse_countries(cell: str, where: str, line: int, column: str, name: str = "") -> list[URIRef]:
    """The countries a cell names (names in English or French, ISO alpha-2 codes), in order."""
    if plain(cell) in NOTHING:
        return []
    whole = country_by_name_or_code(cell)
    if whole is not None:
        return [whole]
    found: list[URIRef] = []
    for part in COUNTRY_SPLIT.split(cell):
        for piece in _pieces(part):
            country = country_by_name_or_code(piece) or country_by_name_or_code(re.sub(r"\(.*?\)", "", piece))
            if country is None:
                row = f" (row of {name})" if name else ""
                raise InputError(f"unknown country '{piece}' in the {column} column{row}", where, line)
            if country not in found:
                found.append(country)
    return found


def _pieces(part: str) -> list[str]:
    part = part.strip().strip(".")
    if not part:
        return []
    if country_by_name_or_code(part) is not None:
        return [part]
    return [piece.strip() for piece in WORD_SPLIT.split(part) if piece.strip()]


def mechanisms(cell: str) -> tuple[set[str], bool]:
    """The instruments a transfer-mechanism cell names (scc, bcr, dpf, adequacy) and whether it is only requested."""
    words = f" {plain(cell)} "
    found = set()
    for name, keys in (("scc", SCC_WORDS), ("bcr", BCR_WORDS), ("dpf", DPF_WORDS)):
        if any(f" {key}" in words for key in keys):
            found.add(name)
    if "adequa" in words:
        found.add("adequacy")
    return found, any(word in words for word in REQUESTED_WORDS)


def _context_graph(context: Workspace | KnowledgeGraph | Graph | None) -> Graph:
    if context is None:
        return default_context()
    asserted = getattr(context, "asserted", context)
    return asserted.graph if isinstance(asserted, KnowledgeGraph) else asserted


def _iri(value: str | URIRef, graph: Graph, kind: str) -> URIRef:
    if isinstance(value, URIRef) or str(value).startswith(("http://", "https://")):
        return URIRef(str(value))
    return URIRef(names.resolve(MemoryGraph(graph), str(value), kind))


class _Builder:
    """Builds the graph of one sub-processor list."""

    def __init__(self, path: Path, key: str, service: URIRef, processor: URIRef, context: Graph,
                 language: str) -> None:
        self.path, self.key, self.service, self.processor = path, key, service, processor
        self.context, self.lang = context, language
        self.orgs = Organisations.from_graph(context)
        self.known = set(self.orgs.by_name.values())
        self.new: set[URIRef] = set()
        self.engagements: Counter[str] = Counter()
        self.g = Graph()
        for prefix, namespace in PREFIXES.items():
            self.g.bind(prefix, namespace)

    def literal(self, value: str) -> Literal:
        return Literal(value, lang=self.lang)

    def document(self) -> None:
        doc = GGDOC[self.key]
        self.g.add((doc, RDF.type, GG.SourceDocument))
        colon = " : " if self.lang == "fr" else ": "
        self.g.add((doc, DCTERMS.title, self.literal(f"{TITLE[self.lang]}{colon}{self.path.name}")))
        self.g.add((doc, DCTERMS.language, Literal(self.lang)))
        self.g.add((doc, GG.sourceFile, Literal(self.path.name)))
        self.g.add((doc, DCTERMS.publisher, self.processor))

    def section(self, number: int, title: str) -> URIRef:
        node = GGDOC[f"{self.key}-s{number}"]
        self.g.add((node, RDF.type, GG.DocumentSection))
        self.g.add((node, DCTERMS.isPartOf, GGDOC[self.key]))
        self.g.add((node, GG.sectionNumber, Literal(str(number))))
        self.g.add((node, DCTERMS.title, self.literal(title or SECTION_TITLE[self.lang])))
        return node

    def provenance(self, node: URIRef, section: URIRef, row: Row, lines: list[str]) -> None:
        self.g.add((node, DCTERMS.source, section))
        self.g.add((node, GG.sourceLine, Literal(row.first)))
        if row.last != row.first:
            self.g.add((node, GG.sourceLineEnd, Literal(row.last)))
        words = " ".join(" ".join(lines[row.first - 1:row.last]).split())
        self.g.add((node, GG.sourceText, self.literal(words)))

    def organisation(self, written: str, country: URIRef | None) -> URIRef:
        """The organisation a name designates: known under any spelling, else a new supplier."""
        wanted = names.normalise(written)
        iri = self.orgs.by_name.get(wanted) or self.orgs.by_stripped.get(names.strip_legal_suffix(wanted))
        if iri is not None:
            if iri in self.known:
                if iri in self.orgs.preferred:
                    self.g.add((iri, SKOS.prefLabel, Literal(self.orgs.preferred[iri])))
                if country is not None and self.context.value(iri, DPV.hasCountry) is None:
                    self.g.add((iri, DPV.hasCountry, country))
            return iri
        bare = without_legal_suffix(written)
        base = iri = GGO[slug(bare) or "organisation"]
        number = 1
        while (iri, None, None) in self.context or iri in self.new:
            number += 1
            iri = URIRef(f"{base}-{number}")
        self.new.add(iri)
        for label in (written, bare):
            self.orgs.by_name.setdefault(names.normalise(label), iri)
            self.orgs.by_stripped.setdefault(names.strip_legal_suffix(names.normalise(label)), iri)
        self.g.add((iri, RDF.type, GG.Supplier))
        self.g.add((iri, SKOS.prefLabel, Literal(bare)))
        if written != bare:
            self.g.add((iri, SKOS.altLabel, Literal(written)))
        if country is not None:
            self.g.add((iri, DPV.hasCountry, country))
        return iri

    def row(self, roles: dict[str, int], row: Row, section: URIRef, lines: list[str]) -> None:
        where = str(self.path)

        def cell(role: str) -> str:
            index = roles.get(role)
            return row.cells[index].strip() if index is not None and index < len(row.cells) else ""

        name = cell("name")
        if not name:
            raise InputError("row without a sub-processor name", where, row.first)
        processing = parse_countries(cell("location"), where, row.first, "location of processing", name)
        corporate = parse_countries(cell("corporate"), where, row.first, "corporate location", name)
        home = (corporate or processing or [None])[0]
        org = self.organisation(name, home)
        local = str(org)[len(str(GGO)):] if str(org).startswith(str(GGO)) else slug(name)
        self.engagements[local] += 1
        count = self.engagements[local]
        local += f"-{count}" if count > 1 else ""
        eng = GGD[f"{self.key}-eng-{local}"]
        self.g.add((eng, RDF.type, GG.SubProcessingEngagement))
        self.g.add((eng, GG.about, self.service))
        self.g.add((eng, GG.engagedBy, self.processor))
        self.g.add((eng, GG.subProcessor, org))
        for country in processing:
            self.g.add((eng, GG.processingCountry, country))
        if cell("purpose"):
            self.g.add((eng, GG.description, self.literal(cell("purpose"))))
        self.provenance(eng, section, row, lines)
        stated = cell("safeguard")
        if not stated:
            return
        self.g.add((eng, RDFS.comment, self.literal(stated)))
        found, requested = mechanisms(stated)
        if "dpf" in found:
            self.g.add((org, GG.certifiedUnder, GGR["adequacy-US-DPF"]))
        for name_ in ("scc", "bcr"):
            if name_ not in found:
                continue
            instrument, basis = INSTRUMENTS[name_]
            sg = GGD[f"{self.key}-sg-{local}-{name_}"]
            self.g.add((eng, GG.hasSafeguard, sg))
            self.g.add((sg, RDF.type, GG.TransferSafeguard))
            self.g.add((sg, GG.about, self.service))
            self.g.add((sg, GG.instrument, instrument))
            self.g.add((sg, GG.transferBasis, basis))
            status = GG.ApprovalRequested if name_ == "bcr" and requested else GG.SafeguardInPlace
            self.g.add((sg, GG.safeguardStatus, status))
            self.provenance(sg, section, row, lines)


def default_key(path: Path) -> str:
    """A slug of the file name before its first dot."""
    return slug(path.name.split(".")[0]) or "subprocessors"


def import_subprocessors(path: Path | str, service: str | URIRef, processor: str | URIRef | None = None,
                         context: Workspace | KnowledgeGraph | Graph | None = None,
                         key: str | None = None) -> Graph:
    """Read a vendor's sub-processor list (CSV or Markdown table) into a graph of engagements.

    ``service`` and ``processor`` are IRIs (a name is resolved against the context); the processor
    defaults to the service's ``dpv:hasDataProcessor`` in ``context`` (a Workspace, KnowledgeGraph
    or rdflib Graph holding the existing services and organisations; default: the embedded data/).
    ``key`` prefixes the statement IRIs (default: the file name before its first dot, slugged).
    Raises InputError, naming the file and line, on an empty or binary file, a file without a
    recognisable name column, or a row naming an unknown country.
    """
    path = Path(path)
    graph = _context_graph(context)
    lines, tables = read_rows(path)
    usable = [(table, *columns(table.header)) for table in tables]
    usable = [(table, roles, lang) for table, roles, lang in usable if "name" in roles]
    if not usable:
        raise InputError(_no_name_message(tables[0].header), str(path), tables[0].line)
    service_iri = _iri(service, graph, "service")
    if processor is None:
        found = graph.value(service_iri, DPV.hasDataProcessor)
        if found is None:
            raise InputError(f"the service <{service_iri}> has no processor (dpv:hasDataProcessor); "
                             "name one with --processor")
        processor_iri = URIRef(str(found))
    else:
        processor_iri = _iri(processor, graph, "organisation")
    key = key or default_key(path)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", key):
        key = slug(key) or default_key(path)
    languages = Counter(lang for _, _, lang in usable)
    language = "fr" if languages["fr"] > languages["en"] else "en"
    builder = _Builder(path, key, service_iri, processor_iri, graph, language)
    builder.document()
    for number, (table, roles, _) in enumerate(usable, start=1):
        section = builder.section(number, table.title)
        for row in table.rows:
            if any(cell.strip() for cell in row.cells):
                builder.row(roles, row, section, lines)
    return builder.g


def turtle(graph: Graph, path: Path | str) -> str:
    """The imported graph as Turtle, with a header naming the source."""
    header = (f"# {Path(path).name}: imported by `gdprgraph import-subprocessors` "
              "(line numbers refer to this file).\n\n")
    return header + graph.serialize(format="turtle")
