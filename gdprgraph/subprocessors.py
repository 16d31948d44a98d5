"""Import a vendor's sub-processor list (a CSV file or a Markdown pipe table) into the gdprgraph model.

Each row becomes a ``gg:SubProcessingEngagement`` of the service, citing the file and the row's line:
the organisation (matched against the context under any spelling, else a new ``gg:Supplier``), the
countries of processing, the purpose, and the transfer mechanism (standard contractual clauses and
binding corporate rules as ``gg:TransferSafeguard``; Data Privacy Framework certification as
``gg:certifiedUnder`` on the organisation).
"""

from __future__ import annotations

import csv
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

from . import names
from .errors import InputError
from .ingest import default_context, text
from .ingest.countries import country_by_name_or_code
from .ingest.emit import DPV, EU_GDPR, GG, GGD, GGDOC, GGO, GGR, PREFIXES, Organisations, slug, without_legal_suffix
from .store import KnowledgeGraph, MemoryGraph

if TYPE_CHECKING:
    from .workspace import Workspace

__all__ = ["SubprocessorList", "TurtleWriter", "import_subprocessors", "read_rows", "read_source", "turtle"]

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
    """A header and the rows under it (a list, or for a CSV file an iterator read once)."""

    header: list[str]
    line: int
    rows: Iterable[Row] = field(default_factory=list)
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


def read_source(path: Path | str) -> tuple[text.Decoded, list[Table]]:
    """The decoded file (``.lines``, ``.note`` when its encoding was guessed) and its tables (Markdown
    pipe tables, else one CSV table whose rows are read as they are iterated)."""
    path = Path(path)
    source = text.read_text(path, "a CSV file or a Markdown table", pdf=False,
                            empty="no sub-processor list to import")
    tables = markdown_tables(source.lines)
    if not tables:
        if path.suffix.lower() in (".md", ".markdown"):
            raise InputError("no Markdown table (a header row, a separator row, data rows)", str(path))
        tables = [csv_table(source.lines, str(path))]
    return source, tables


def read_rows(path: Path | str) -> tuple[list[str], list[Table]]:
    """The file's lines and its tables (Markdown pipe tables, else one CSV table)."""
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
    best, best_roles = -1, 0
    for position, row in enumerate(head):  # the header: the row that names the most columns
        roles = columns(row.cells)[0]
        if "name" in roles and len(roles) > best_roles:
            best, best_roles = position, len(roles)
    if best >= 0:
        return Table(head[best].cells, head[best].first, itertools.chain(head[best + 1:], rows))
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


class _Builder:
    """Builds the triples of one sub-processor list, a row at a time (``take`` hands them over)."""

    def __init__(self, path: Path, key: str, service: URIRef, processor: URIRef, context: Graph,
                 language: str) -> None:
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
        self.remembered: dict[tuple[str, str], object] = {}

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
        if found is None:
            found = Literal(value, lang=self.lang)
            self.remember(("literal", value), found)
        return found

    def document(self) -> None:
        doc = GGDOC[self.key]
        self.add((doc, _RDF_TYPE, _GG.SourceDocument))
        colon = " : " if self.lang == "fr" else ": "
        self.add((doc, _DCTERMS.title, self.literal(f"{TITLE[self.lang]}{colon}{self.path.name}")))
        self.add((doc, _DCTERMS.language, Literal(self.lang)))
        self.add((doc, _GG.sourceFile, Literal(self.path.name)))
        self.add((doc, _DCTERMS.publisher, self.processor))

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
        words = " ".join(" ".join(lines[row.first - 1:row.last]).split())
        self.add((node, _GG.sourceText, self.literal(words)))

    def organisation(self, written: str, country: URIRef | None) -> URIRef:
        """The organisation a name designates: known under any spelling, else a new supplier."""
        wanted = names.normalise(written)
        iri = self.orgs.by_name.get(wanted) or self.orgs.by_stripped.get(names.strip_legal_suffix(wanted))
        if iri is not None:
            if iri in self.known:
                if iri in self.orgs.preferred:
                    self.add_once((iri, _SKOS.prefLabel, Literal(self.orgs.preferred[iri])))
                if country is not None and self.context.value(iri, _DPV.hasCountry) is None:
                    self.add_once((iri, _DPV.hasCountry, country))
            return iri
        bare = without_legal_suffix(written)
        bare_key = names.normalise(bare)
        base = GGO[re.sub(r"[^a-z0-9]+", "-", bare_key).strip("-") or "organisation"]  # slug(bare)
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

    def countries(self, cell: str, line: int, column: str, name: str) -> list[URIRef]:
        """``parse_countries``, remembered by cell text (a list repeats the same few cells)."""
        found = self.remembered.get((column, cell))
        if found is None:
            found = parse_countries(cell, str(self.path), line, column, name)
            self.remember((column, cell), found)
        return found

    def remember(self, key: tuple[str, str], value: object) -> None:
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

    def row(self, roles: dict[str, int], row: Row, section: URIRef, lines: list[str]) -> None:
        where = str(self.path)

        def cell(role: str) -> str:
            index = roles.get(role)
            return row.cells[index].strip() if index is not None and index < len(row.cells) else ""

        name = cell("name")
        if not name:
            raise InputError("row without a sub-processor name", where, row.first)
        processing = self.countries(cell("location"), row.first, "location of processing", name)
        corporate = self.countries(cell("corporate"), row.first, "corporate location", name)
        home = (corporate or processing or [None])[0]
        org = self.organisation(name, home)
        local = self.local_name(str(org)[len(str(GGO)):] if str(org).startswith(str(GGO)) else slug(name))
        eng = GGD[f"{self.key}-eng-{local}"]
        self.add((eng, _RDF_TYPE, _GG.SubProcessingEngagement))
        self.add((eng, _GG.about, self.service))
        self.add((eng, _GG.engagedBy, self.processor))
        self.add((eng, _GG.subProcessor, org))
        for country in processing:
            self.add((eng, _GG.processingCountry, country))
        if cell("purpose"):
            self.add((eng, _GG.description, self.literal(cell("purpose"))))
        self.provenance(eng, section, row, lines)
        stated = cell("safeguard")
        if not stated:
            return
        self.add((eng, _RDFS.comment, self.literal(stated)))
        said = self.remembered.get(("mechanisms", stated))
        if said is None:
            said = mechanisms(stated)
            self.remember(("mechanisms", stated), said)
        found, requested = said
        if "dpf" in found:
            self.add_once((org, _GG.certifiedUnder, GGR["adequacy-US-DPF"]))
        for name_ in ("scc", "bcr"):
            if name_ not in found:
                continue
            instrument, basis = INSTRUMENTS[name_]
            sg = GGD[f"{self.key}-sg-{local}-{name_}"]
            self.add((eng, _GG.hasSafeguard, sg))
            self.add((sg, _RDF_TYPE, _GG.TransferSafeguard))
            self.add((sg, _GG.about, self.service))
            self.add((sg, _GG.instrument, instrument))
            self.add((sg, _GG.transferBasis, basis))
            status = _GG.ApprovalRequested if name_ == "bcr" and requested else _GG.SafeguardInPlace
            self.add((sg, _GG.safeguardStatus, status))
            self.provenance(sg, section, row, lines)


def default_key(path: Path) -> str:
    """A slug of the file name before its first dot."""
    return slug(path.name.split(".")[0]) or "subprocessors"


class SubprocessorList:
    """A vendor's sub-processor list, opened for import: the file read and decoded, its tables and
    their columns found, the service and processor resolved (any InputError about them is raised
    here). ``triples()``, ``graph()`` or ``turtle()`` then read the rows one at a time, once: the
    statements of a row are built, handed over and forgotten, so a long list takes memory for its
    lines and the organisations it names, not for its graph.

    ``engagements`` and ``triples`` count what has been handed over; ``encoding_note`` is one line
    for the user when the file's encoding was guessed (no UTF-8, no byte-order mark), else ''.
    """

    def __init__(self, path: Path | str, service: str | URIRef, processor: str | URIRef | None = None,
                 context: Workspace | KnowledgeGraph | Graph | None = None, key: str | None = None) -> None:
        self.path = path = Path(path)
        graph = _context_graph(context)
        self.source, tables = read_source(path)
        usable = [(table, *columns(table.header)) for table in tables]
        self.tables = [(table, roles, lang) for table, roles, lang in usable if "name" in roles]
        if not self.tables:
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
        self.key = key
        languages = Counter(lang for _, _, lang in self.tables)
        language = "fr" if languages["fr"] > languages["en"] else "en"
        self._builder: _Builder | None = _Builder(path, key, service_iri, processor_iri, graph, language)
        self.rows = self.engagements = self.triples = 0

    @property
    def encoding_note(self) -> str:
        return self.source.note

    def batches(self, progress: Callable[[int], None] | None = None) -> Iterator[list[Triple]]:
        """The triples, the document's first, then one batch per row; ``progress(rows)`` after each row.
        Raises InputError (file and line) at the first bad row."""
        builder, self._builder = self._builder, None
        if builder is None:
            raise RuntimeError("a sub-processor list is read once")
        lines = self.source.lines
        builder.document()
        for number, (table, roles, _) in enumerate(self.tables, start=1):
            section = builder.section(number, table.title)
            for row in table.rows:
                if any(cell.strip() for cell in row.cells):
                    builder.row(roles, row, section, lines)
                    self.engagements += 1
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
        yield (f"# {self.path.name}: imported by `gdprgraph import-subprocessors` "
               "(line numbers refer to this file).\n\n")
        yield writer.prefixes()
        for batch in self.batches(progress):
            yield writer.statements(batch)


def import_subprocessors(path: Path | str, service: str | URIRef, processor: str | URIRef | None = None,
                         context: Workspace | KnowledgeGraph | Graph | None = None,
                         key: str | None = None) -> Graph:
    """Read a vendor's sub-processor list (CSV or Markdown table) into a graph of engagements.

    ``service`` and ``processor`` are IRIs (a name is resolved against the context); the processor
    defaults to the service's ``dpv:hasDataProcessor`` in ``context`` (a Workspace, KnowledgeGraph
    or rdflib Graph holding the existing services and organisations; default: the embedded data/).
    ``key`` prefixes the statement IRIs (default: the file name before its first dot, slugged).
    The file is decoded by its byte-order mark, else as UTF-8, else as cp1252 or Latin-1.
    Raises InputError, naming the file and line, on an empty or binary file, a file without a
    recognisable name column, or a row naming an unknown country. A long list is better written
    with ``SubprocessorList(...).turtle()``, which never holds the whole graph.
    """
    return SubprocessorList(path, service, processor, context, key).graph()


def turtle(graph: Graph, path: Path | str) -> str:
    """The imported graph as Turtle, with a header naming the source."""
    header = (f"# {Path(path).name}: imported by `gdprgraph import-subprocessors` "
              "(line numbers refer to this file).\n\n")
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
        return "".join(f"@prefix {prefix}: <{namespace}> .\n"
                       for namespace, prefix in sorted(self.namespaces.items(), key=lambda item: item[1])) + "\n"

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
        return "".join(f"{self.term(subject)} " + " ;\n    ".join(pairs) + " .\n\n"
                       for subject, pairs in by_subject.items())
