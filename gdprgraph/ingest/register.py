"""Read a register of processing activities (Article 30 GDPR), CSV or XLSX, into the gdprgraph model.

Each sheet is recognised by its header row, on its own:

- the columns of our own ``gdprgraph export ropa``: the controller record (Art. 30(1): policy,
  controller, purpose, lawful bases, data subjects, data categories, recipients, transfers, erasure
  time limits...) and the processor record (Art. 30(2): service, processor, operations, data,
  sub-processors, transfers, retention...). They are read back into the shapes the export queries
  read (``queries/internal/ropa-*.rq``), so that exporting a graph built from the import gives the
  same cells, provenance included: an imported fact cites the register's file and row, and is
  ``prov:wasDerivedFrom`` the ``gg:Citation`` of the document (and line) the row cites
  (``document``/``line``, ``sources``), which the export prints;
- a controller's register in the CNIL's or the ICO's template, or any sheet whose headers say the same
  in other words (matched loosely: case, accents, punctuation, extra words): one
  ``gg:ProcessingActivity`` per row, about one ``gg:PrivacyPolicy`` node standing for the register,
  with its purposes, lawful bases (``eu-gdpr:A6-1-x``, ``A9-2-x``), categories of data and data
  subjects, recipients, transfers and their safeguards, retention and security measures.

Wordings are matched against ``data/reference/register-wordings.ttl`` and the labels of
``ontology/dpv-alignment.ttl``; organisations, services and categories already in the context graph are
reused, and a processor record's facts the context graph already holds keep their node, citing the
register too (``identity.Estate``: one estate from many sources). Every statement cites the register (a
``gg:SourceDocument``, a section per sheet, the row as ``gg:sourceLine``). A cell that has no place in
the model is kept as an ``rdfs:comment`` and listed (``FILE:SHEET:ROW:COLUMN: not placed: text``).
Formulas are never evaluated: a cached value is read as text, a formula without one is reported. A file
that cannot be read as a register raises :class:`~gdprgraph.errors.InputError` before anything is built.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cache
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from gdprgraph.vocabulary import DPV, EU_GDPR, GG, GGD, GGDOC, GGO, GGR, GGS, GGT, PD  # absolute: it moves

from .. import queries, resources, ropa
from ..errors import InputError
from ..listheaders import assign_columns
from ..load import input_files
from ..names import normalise
from ..subprocessors import NOTHING, plain, sniff_delimiter
from . import text as text_files
from .art28 import classify_duration
from .countries import country_by_name_or_code
from .emit import (
    DURATION_CLASS,
    PREFIXES,
    Organisations,
    slug,
    without_legal_suffix,
)
from .identity import Duration, Estate, restate

__all__ = ["ImportResult", "NotPlaced", "SheetReport", "context_graph", "import_register", "parse_duration",
           "read_sheets"]

ROLES = ("controller", "processor")
SEP = queries.SET_SEPARATOR
DPV_SPACES = (str(DPV), str(PD), str(EU_GDPR))  # legal: the GDPR's terms only
WORDINGS = "register-wordings.ttl"
SCHEMES = {name: GGR[f"wordings-{name}"] for name in (
    "lawful-basis", "art9-condition", "transfer-basis", "purpose", "data-category", "data-subject",
    "technical-measure")}

#: our own export's columns, by record
OWN_COLUMNS = {"controller": list(ropa.CONTROLLER_COLUMNS), "processor": list(ropa.PROCESSOR_COLUMNS)}
#: the columns that tell one record from the other (all must be present)
OWN_KEYS = {"controller": ("policy", "purpose", "lawfulbases", "erasuretimelimits"),
            "processor": ("service", "processingoperations", "subprocessors", "retention")}

#: field of a controller's register -> header names (language); tried in this order when a header
#: only contains a known name (the more specific first)
ALIASES: dict[str, list[tuple[str, str]]] = {
    "joint": [("joint controller", "en"), ("joint controllers", "en"), ("responsable conjoint", "fr"),
              ("responsables conjoints", "fr"), ("co responsable", "fr"), ("co responsables", "fr")],
    "contract": [("link to contract with processor", "en"), ("contract with processor", "en"),
                 ("processor contract", "en"), ("lien vers le contrat", "fr"), ("contrat de sous traitance", "fr")],
    "safeguards": [("safeguards for exceptional transfers", "en"), ("transfer safeguards", "en"), ("safeguards", "en"),
                   ("safeguard", "en"), ("garanties", "fr"), ("type de garanties", "fr"),
                   ("garanties appropriees", "fr"),
                   ("encadrement des transferts", "fr")],
    "transfers": [("names of third countries or international organisations", "en"), ("third countries", "en"),
                  ("third country", "en"), ("international organisations", "en"), ("transfers", "en"),
                  ("transferts hors ue", "fr"), ("transferts hors de l ue", "fr"), ("transferts", "fr"),
                  ("transfert", "fr"), ("pays tiers", "fr")],
    "art9": [("article 9 basis", "en"), ("article 9 condition", "en"), ("article 9", "en"), ("art 9", "en"),
             ("special category condition", "en"), ("condition article 9", "fr"), ("base article 9", "fr")],
    "basis": [("article 6 lawful basis", "en"), ("lawful basis", "en"), ("legal basis", "en"), ("article 6", "en"),
              ("base legale", "fr"), ("base juridique", "fr"), ("fondement juridique", "fr"), ("licéité", "fr")],
    "retention": [("retention schedule", "en"), ("retention period", "en"), ("retention", "en"),
                  ("time limits for erasure", "en"), ("erasure", "en"), ("delais d effacement", "fr"),
                  ("delai d effacement", "fr"), ("duree de conservation", "fr"), ("durees de conservation", "fr"),
                  ("conservation", "fr")],
    "security": [("general description of technical and organisational security measures", "en"),
                 ("security measures", "en"), ("security", "en"), ("mesures de securite", "fr"), ("securite", "fr")],
    "subjects": [("categories of individuals", "en"), ("categories of data subjects", "en"), ("individuals", "en"),
                 ("data subjects", "en"), ("categories de personnes concernees", "fr"), ("personnes concernees", "fr")],
    "categories": [("categories of personal data", "en"), ("personal data", "en"), ("data categories", "en"),
                   ("categories of data", "en"), ("categories de donnees", "fr"), ("donnees collectees", "fr"),
                   ("donnees", "fr")],
    "recipients": [("categories of recipients", "en"), ("recipients", "en"), ("categories de destinataires", "fr"),
                   ("destinataires", "fr")],
    "dpo": [("data protection officer", "en"), ("dpo", "en"), ("delegue a la protection des donnees", "fr"),
            ("dpd", "fr")],
    "controller": [("name and contact details of controller", "en"), ("controller", "en"),
                   ("responsable du traitement", "fr"), ("responsable de traitement", "fr"), ("organisme", "fr")],
    "processor": [("processor", "en"), ("processors", "en"), ("sous traitant", "fr"), ("sous traitants", "fr")],
    "purpose": [("purposes of processing", "en"), ("purposes", "en"), ("purpose", "en"),
                ("finalites du traitement", "fr"), ("finalite", "fr"), ("finalites", "fr"),
                ("objectif poursuivi", "fr"), ("objectifs poursuivis", "fr")],
    "function": [("business function", "en"), ("department", "en"), ("service concerne", "fr"),
                 ("direction concernee", "fr")],
    "name": [("nom sigle", "fr"), ("nom du traitement", "fr"), ("activite de traitement", "fr"),
             ("intitule", "fr"), ("traitement", "fr"), ("name of processing activity", "en"),
             ("processing activity", "en"), ("activity", "en")],
    "reference": [("n ref", "fr"), ("reference", "en"), ("ref", "en")],
}
ROLE_ORDER = tuple(ALIASES)
#: the fields that have no place in the model: their cells are kept as comments and reported
UNPLACED_FIELDS = ("joint", "contract")
#: words of a cell that says there is nothing (no transfer, no Article 9 condition)
NONE_WORDS = NOTHING | {"no", "non", "none", "aucun transfert", "pas de transfert", "no transfer", "no transfers",
                        "not applicable", "na", "n a", "sans objet", "neant", "-", ""}
YES_WORDS = {"yes", "oui", "y", "o"}
HEADER_ROWS = 20  # the header is looked for in the first rows of a sheet
TITLE = {"en": "Register of processing activities", "fr": "Registre des activités de traitement"}
ROLE_TITLE = {"controller": {"en": "controller (Art. 30(1))", "fr": "responsable du traitement (art. 30.1)"},
              "processor": {"en": "processor (Art. 30(2))", "fr": "sous-traitant (art. 30.2)"}}
EMAIL = re.compile(r"[^@\s:;,]+@[^@\s:;,]+\.[^@\s:;,]+")
#: HTML that breaks lines: list items are split there (other markup stays, as text)
HTML_BREAK = re.compile(r"<br\s*/?>|</?p>|</?li>|</?div>|</?ul>|</?ol>", re.IGNORECASE)
FRENCH_HINTS = re.compile(r"[éèêàçùôîœâ]|\b(de|des|du|la|le|les|et|ou|pour|aux?|d'|l'|ans?|mois|jours?|semaines?|"
                          r"heures?|années?)\b", re.IGNORECASE)
ENGLISH_HINTS = re.compile(r"\b(the|of|and|or|for|to|with|data|years?|months?|days?)\b", re.IGNORECASE)


# ------------------------------------------------------------------------------------------------ reading

@dataclass
class Row:
    """One non-empty row of a sheet: its number (CSV line, or XLSX row) and its cells as text."""

    number: int
    cells: list[str]
    #: column -> formula without a cached value (the cell's text is then empty)
    formulas: dict[int, str] = field(default_factory=dict)


@dataclass
class Sheet:
    """A sheet (a CSV file is one sheet): its position, its name and its non-empty rows."""

    number: int
    name: str
    rows: list[Row]
    #: how the text was decoded, when it is a guess (a CSV file neither UTF-8 nor marked)
    note: str = ""


def _cell_text(value: object) -> str:
    """A spreadsheet value as text (numbers without a needless '.0', dates in ISO 8601)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def read_sheets(path: Path | str) -> list[Sheet]:
    """The sheets of a CSV or XLSX file (InputError for a file that is neither, or holds nothing)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", str(path)) from err
    if not data.strip():
        raise InputError("empty file: no register of processing activities to import", str(path))
    suffix = path.suffix.lower()
    if data.startswith(b"PK\x03\x04") or suffix in (".xlsx", ".xlsm"):
        return _xlsx_sheets(path, data)
    if data.startswith(b"\xd0\xcf\x11\xe0") or suffix == ".xls":
        raise InputError("XLS (Excel 97-2003) workbooks are not supported: save the register as XLSX or CSV", str(path))
    if suffix == ".pdf" or data.startswith(b"%PDF"):
        raise InputError("PDF is not supported: expected a register as CSV or XLSX", str(path))
    if suffix == ".ods":
        raise InputError("ODS workbooks are not supported: save the register as XLSX or CSV", str(path))
    return [_csv_sheet(path, data)]


def _csv_sheet(path: Path, data: bytes) -> Sheet:
    decoded = text_files.decode(data, path, "a register of processing activities (CSV or XLSX)")
    lines = decoded.text.splitlines()
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=sniff_delimiter(lines))
    rows: list[Row] = []
    previous = 0
    try:
        for cells in reader:
            row = Row(previous + 1, [cell.strip() for cell in cells])
            previous = reader.line_num
            for index, cell in enumerate(row.cells):
                if _is_formula(cell):  # a formula written out in a CSV file: it has no value
                    row.formulas[index], row.cells[index] = cell, ""
                else:
                    row.cells[index] = unescaped(cell)
            if any(row.cells) or row.formulas:
                rows.append(row)
    except csv.Error as err:
        raise InputError(f"unreadable CSV: {err}", str(path), previous + 1) from err
    if not rows:
        raise InputError("empty file: no register of processing activities to import", str(path))
    return Sheet(1, path.name.split(".")[0] or path.name, rows, decoded.note)


def _is_formula(cell: str) -> bool:
    return bool(re.match(r"=\s*[A-Za-z_][\w.]*\s*\(|=\s*[A-Z]{1,3}\d+\b|=\s*[-+]?\d", cell))


#: a cell written as text on purpose: an apostrophe before what a spreadsheet would take for a formula
#: (how `export ropa` writes such cells, and how spreadsheet users type them)
ESCAPED = re.compile(r"^'(?=[=+\-@\t\r])")


def unescaped(cell: str) -> str:
    """A cell's text without the apostrophe that keeps it from being a formula.

    >>> unescaped("'=SUM(A1)"), unescaped("'-3 mois"), unescaped("l'accès")
    ('=SUM(A1)', '-3 mois', "l'accès")
    """
    return ESCAPED.sub("", cell)


def _xlsx_sheets(path: Path, data: bytes) -> list[Sheet]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        values = load_workbook(io.BytesIO(data), data_only=True)
        formulas = load_workbook(io.BytesIO(data), data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as err:
        raise InputError(f"not a readable XLSX workbook ({type(err).__name__}: {err})", str(path)) from None
    sheets: list[Sheet] = []
    for number, (cached, written) in enumerate(zip(values.worksheets, formulas.worksheets, strict=True), start=1):
        rows: list[Row] = []
        for cached_row, written_row in zip(cached.iter_rows(), written.iter_rows(), strict=True):
            row = Row(written_row[0].row, [unescaped(_cell_text(cell.value)) for cell in cached_row])
            for index, cell in enumerate(written_row):
                formula = cell.value
                if cell.data_type != "f":  # a string cell is text, whatever it starts with
                    continue
                text = getattr(formula, "text", formula)  # ArrayFormula keeps its text apart
                if cached_row[index].value is None:
                    row.formulas[index], row.cells[index] = str(text), ""
            if any(row.cells) or row.formulas:
                rows.append(row)
        sheets.append(Sheet(number, written.title, rows))
    if not any(sheet.rows for sheet in sheets):
        raise InputError("empty workbook: no register of processing activities to import", str(path))
    return sheets


# ------------------------------------------------------------------------------------------------ headers

def _squash(value: str) -> str:
    return plain(value).replace(" ", "")


@dataclass
class Layout:
    """What a sheet's header row says: the record (own export) or a foreign register, and its columns."""

    kind: str  # "controller" or "processor" (our export), "register" (a controller's register)
    header: Row
    columns: dict[int, str]  # column index -> field (our column name, or a register field)
    language: str = "en"


def own_layout(header: list[str]) -> tuple[str, dict[int, str]] | None:
    """The record of our export a header belongs to, with its columns, or None."""
    for role, names in OWN_COLUMNS.items():
        by_key = {_squash(name): name for name in names}
        found = {index: by_key[_squash(cell)] for index, cell in enumerate(header) if _squash(cell) in by_key}
        if all(key in {_squash(name) for name in found.values()} for key in OWN_KEYS[role]):
            return role, found
    return None


def register_columns(header: list[str]) -> tuple[dict[int, str], str]:
    """Which column holds which field of a register, and the headers' language.

    >>> columns, language = register_columns(["Nom / sigle", "Finalité(s) du traitement", "Base légale",
    ...                                       "Catégories de personnes concernées", "Catégories de données"])
    >>> [columns[i] for i in sorted(columns)], language
    (['name', 'purpose', 'basis', 'subjects', 'categories'], 'fr')
    >>> register_columns(["Names of third countries or international organisations that personal data are "
    ...                   "transferred to", "Article 9 basis", "Link to contract with processor"])[0]
    {0: 'transfers', 1: 'art9', 2: 'contract'}
    """
    by_role, language = assign_columns(header, _register_role)
    return {index: role for role, index in by_role.items()}, language


def _register_role(cell: str) -> tuple[int, str, str] | None:
    """(rank, field, language) of one header cell: rank 0 for a known name, 1+ for one containing it."""
    key = _squash(cell)
    if not key:
        return None
    for role in ROLE_ORDER:
        hit = next((lang for alias, lang in ALIASES[role] if key == _squash(alias)), None)
        if hit:
            return 0, role, hit
    for position, role in enumerate(ROLE_ORDER):
        hits = [(alias, lang) for alias, lang in ALIASES[role] if _squash(alias) in key]
        if hits:
            return 1 + position, role, max(hits, key=lambda hit: len(hit[0]))[1]
    return None


def layout(sheet: Sheet) -> Layout | None:
    """The header row of a sheet (among its first rows) and what its columns hold, or None."""
    best: Layout | None = None
    for row in sheet.rows[:HEADER_ROWS]:
        own = own_layout(row.cells)
        if own is not None:
            return Layout(own[0], row, own[1])
        columns, language = register_columns(row.cells)
        if len(columns) >= 2 and {"name", "purpose"} & set(columns.values()) and (
                best is None or len(columns) > len(best.columns)):
            best = Layout("register", row, columns, language)
    return best


# ------------------------------------------------------------------------------------------------ wordings

@cache
def _wordings_graph() -> Graph:
    return Graph().parse(resources.data_dir() / "reference" / WORDINGS)


@cache
def wordings(scheme: str) -> list[tuple[str, URIRef]]:
    """(normalised wording, term) of a scheme of register-wordings.ttl, longest wording first."""
    graph = _wordings_graph()
    found = []
    for concept in graph.subjects(SKOS.inScheme, SCHEMES[scheme]):
        term = graph.value(concept, SKOS.exactMatch) or graph.value(concept, SKOS.relatedMatch)
        for label in graph.objects(concept, SKOS.altLabel):
            found.append((normalise(str(label)), URIRef(str(term))))
    return sorted(set(found), key=lambda pair: (-len(pair[0]), pair[0], str(pair[1])))


@cache
def instruments() -> dict[URIRef, URIRef]:
    """Transfer basis -> the instrument it rests on (skos:relatedMatch of the transfer-basis wordings)."""
    graph = _wordings_graph()
    return {URIRef(str(graph.value(c, SKOS.exactMatch))): URIRef(str(graph.value(c, SKOS.relatedMatch)))
            for c in graph.subjects(SKOS.inScheme, SCHEMES["transfer-basis"])
            if graph.value(c, SKOS.relatedMatch) is not None}


def find_wordings(text: str, schemes: Sequence[str]) -> list[URIRef]:
    """The terms whose wordings a cell holds as whole words, longest first, overlaps excluded, in order.

    >>> [str(t).rsplit("#")[1] for t in find_wordings("Exécution du contrat et intérêt légitime", ["lawful-basis"])]
    ['A6-1-b', 'A6-1-f']
    >>> [str(t).rsplit("#")[1] for t in find_wordings("Consentement explicite", ["lawful-basis", "art9-condition"])]
    ['A9-2-a']
    """
    words = f" {normalise(text)} "
    taken = [False] * len(words)
    found: list[tuple[int, URIRef]] = []
    candidates = [(wording, term, rank) for rank, scheme in enumerate(schemes) for wording, term in wordings(scheme)]
    candidates.sort(key=lambda item: (-len(item[0]), item[2]))
    for wording, term, _ in candidates:
        start = words.find(f" {wording} ")
        while start >= 0:
            span = range(start + 1, start + 1 + len(wording))
            if not any(taken[i] for i in span):
                for i in span:
                    taken[i] = True
                found.append((start, term))
                break
            start = words.find(f" {wording} ", start + 1)
    result: list[URIRef] = []
    for _, term in sorted(found, key=lambda pair: pair[0]):
        if term not in result:
            result.append(term)
    return result


def basis_property(term: URIRef) -> URIRef:
    """How an activity is linked to a basis: gg:article9Condition for Art. 9(2), else dpv:hasLegalBasis."""
    return GG.article9Condition if str(term).startswith(str(EU_GDPR["A9-2-"])) else DPV.hasLegalBasis


def whole_wording(text: str, scheme: str) -> URIRef | None:
    """The term a whole cell (or item) names in a scheme, or None."""
    key = normalise(text)
    return next((term for wording, term in wordings(scheme) if wording == key), None)


ARTICLE = re.compile(r"\b(?:art(?:icle)?\s+)?(6)\s+1\s+([a-f])\b|\b(?:art(?:icle)?\s+)?(9)\s+2\s+([a-j])\b")


def article_references(text: str) -> list[URIRef]:
    """Lawful bases cited by article: '6(1)(b)', 'art. 9.2.a'.

    >>> [str(t).rsplit("#")[1] for t in article_references("Art. 6(1)(b) and article 9.2.h")]
    ['A6-1-b', 'A9-2-h']
    """
    found = []
    for match in ARTICLE.finditer(normalise(text.replace(".", " "))):
        if match[1]:
            found.append(EU_GDPR[f"A6-1-{match[2]}"])
        else:
            found.append(EU_GDPR[f"A9-2-{match[4]}"])
    return found


# ------------------------------------------------------------------------------------------------ durations

NUMBER_WORDS = {
    "un": 1, "une": 1, "one": 1, "deux": 2, "two": 2, "trois": 3, "three": 3, "quatre": 4, "four": 4,
    "cinq": 5, "five": 5, "six": 6, "sept": 7, "seven": 7, "huit": 8, "eight": 8, "neuf": 9, "nine": 9, "dix": 10,
    "ten": 10, "onze": 11, "eleven": 11, "douze": 12, "twelve": 12, "treize": 13, "thirteen": 13, "quinze": 15,
    "fifteen": 15, "dix huit": 18, "eighteen": 18, "vingt": 20, "twenty": 20, "trente": 30, "thirty": 30,
    "quarante": 40, "forty": 40, "cinquante": 50, "fifty": 50, "soixante": 60, "sixty": 60, "cent": 100,
}
UNITS = {"year": "Y", "years": "Y", "yr": "Y", "yrs": "Y", "an": "Y", "ans": "Y", "annee": "Y", "annees": "Y",
         "month": "M", "months": "M", "mois": "M", "week": "W", "weeks": "W", "semaine": "W", "semaines": "W",
         "day": "D", "days": "D", "jour": "D", "jours": "D", "hour": "H", "hours": "H", "heure": "H",
         "heures": "H", "h": "H"}
_UNIT = "|".join(sorted(UNITS, key=len, reverse=True))
_NUMBER = "|".join(sorted((w.replace(" ", r"\s+") for w in NUMBER_WORDS), key=len, reverse=True))
#: a number (digits, or a word with its digits in brackets) and a unit, on folded text
QUANTITY = re.compile(rf"\b(?:(\d+)|({_NUMBER})(?:\s+(\d+))?)\s*({_UNIT})\b")
START_WORDS = re.compile(r"^\s*(?:apres|a\s+compter\s+d[eu]?|a\s+partir\s+d[eu]?|suivant|after|from|following|"
                         r"since|des)\s+")
UNTIL_WORDS = re.compile(r"^\s*(?:jusqu\s+a|jusqu\s+au|jusqu\s+aux|until|till|up\s+until)\s+")
MAXIMUM_WORDS = re.compile(r"\b(?:jusqu\s+a|up\s+to|maximum|au\s+plus|at\s+most|no\s+more\s+than)\b")
LEGAL_WORDS = re.compile(r"\b(?:required\s+by\s+law|defined\s+by\s+law|statutory|prescription|duree\s+legale|"
                         r"requise\s+par\s+la\s+loi|prevue\s+par\s+la\s+loi|delai\s+legal|obligations?\s+legales?)\b")
NO_RETENTION_WORDS = re.compile(r"\b(?:ne\s+sont\s+pas\s+conservees|non\s+conservees?|pas\s+de\s+conservation|"
                                r"aucune\s+conservation|supprimees?\s+directement|not\s+(?:retained|kept|stored)|"
                                r"deleted\s+immediately|immediately\s+deleted)\b")
#: the class of a duration by the kind parse_duration reads
DURATION_KINDS = {"temporal": DPV.TemporalDuration, "until-event": DPV.UntilEventDuration,
                  "legal": GG.LegallyRequiredDuration, "none": GG.NoRetention, "stated": DPV.Duration}
ARTICLES = re.compile(r"^(?:(?:la|le|les|the|de\s+la|du|des)\s+|[ld]['\u2019]\s*)", re.IGNORECASE)


def fold(text: str) -> str:
    """Lower-case ASCII letters and digits, every other character a space: one character per character,
    so that an offset in the folded text is an offset in the original.

    >>> fold("Jusqu'à 5 ANS")
    'jusqu a 5 ans'
    """
    out = []
    for char in text:
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)).lower()
        out.append(base if len(base) == 1 and base.isascii() and base.isalnum() else " ")
    return "".join(out)


@dataclass
class ParsedDuration:
    """A retention wording read: an ISO 8601 period where a number and a unit are given, the event it
    counts from (``start``) or lasts until (``until``), whether it is a maximum, its kind."""

    wording: str
    period: str | None = None
    start: str | None = None
    until: str | None = None
    maximum: bool = False
    stated: str | None = None  # a number without its unit
    kind: str = "stated"  # stated (dpv:Duration), temporal, until-event, legal, none (not retained)
    #: the words of the period itself when an event follows it ("5 ans" of "5 ans après la fin du contrat")
    phrase: str | None = None


def _iso(number: int, unit: str) -> str:
    """An ISO 8601 duration in the canonical form Oxigraph keeps (months over 12 as years, hours as days).

    >>> _iso(13, "M"), _iso(48, "H"), _iso(2, "W"), _iso(36, "H"), _iso(24, "M")
    ('P1Y1M', 'P2D', 'P14D', 'PT36H', 'P2Y')
    """
    if unit == "M":
        years, months = divmod(number, 12)
        return "P" + (f"{years}Y" if years else "") + (f"{months}M" if months or not years else "")
    if unit == "W":
        return f"P{number * 7}D"
    if unit == "H":
        return f"P{number // 24}D" if number % 24 == 0 else f"PT{number}H"
    return f"P{number}{unit}"


def _event_label(words: str) -> str:
    label = words.strip(" .;,:")
    for _ in range(2):  # "de la fin" -> "fin"
        label = ARTICLES.sub("", label, count=1).strip(" .;,:")
    return label


def parse_duration(wording: str) -> ParsedDuration:
    """Read a retention wording: 'N unit' gives an ISO 8601 period; the event it counts from, or the one it
    lasts until, is kept as worded.

    >>> d = parse_duration("5 ans après la fin du contrat"); d.period, d.start, d.kind, d.phrase
    ('P5Y', 'fin du contrat', 'temporal', '5 ans')
    >>> d = parse_duration("6 years"); d.period, d.kind
    ('P6Y', 'temporal')
    >>> d = parse_duration("until account closure"); d.period, d.until, d.kind
    (None, 'account closure', 'until-event')
    >>> d = parse_duration("jusqu'à quinze (15) mois"); d.period, d.maximum
    ('P1Y3M', True)
    >>> parse_duration("trois (3)").stated
    'trois (3)'
    >>> parse_duration("ne sont pas conservées").kind, parse_duration("the period defined by law").kind
    ('none', 'legal')
    """
    parsed = ParsedDuration(wording)
    folded = fold(wording)
    if NO_RETENTION_WORDS.search(folded):
        parsed.kind = "none"
        return parsed
    quantities = list(QUANTITY.finditer(folded))
    if len(quantities) == 1:
        match = quantities[0]
        digits = match[1] or match[3]
        number = int(digits) if digits else NUMBER_WORDS[" ".join(match[2].split())]
        parsed.period, parsed.kind = _iso(number, UNITS[match[4]]), "temporal"
        parsed.maximum = bool(MAXIMUM_WORDS.search(folded[:match.start()]))
        start = START_WORDS.match(folded[match.end():])
        if start:
            parsed.start = _event_label(wording[match.end() + start.end():]) or None
            parsed.phrase = wording[:match.end()].strip() if parsed.start else None
        return parsed
    if quantities:
        return parsed
    if re.fullmatch(r"\s*[\w-]+\s*\(\s*\d+\s*\)\s*", wording):
        parsed.stated = wording.strip()
        return parsed
    until = UNTIL_WORDS.match(folded)
    if until:
        parsed.until, parsed.kind = _event_label(wording[until.end():]) or None, "until-event"
        return parsed
    if LEGAL_WORDS.search(folded):
        parsed.kind = "legal"
    return parsed


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
        self.statuses = {self.en_labels[s]: URIRef(str(s)) for s in graph.subjects(RDF.type, GG.SafeguardStatus)
                         if s in self.en_labels}
        self.instrument_labels = {label: term for term, label in self.en_labels.items()
                                  if str(term).startswith(str(EU_GDPR))
                                  and not re.match(r"A\d", str(term)[len(str(EU_GDPR)):])}
        self.countries = {label: term for term, label in self.en_labels.items()
                          if (term, RDF.type, DPV.Country) in graph}
        self.documents = {str(file): URIRef(str(doc)) for doc, file in graph.subject_objects(GG.sourceFile)}

    def _eu_gdpr(self, prefixes: tuple[str, ...]) -> dict[str, URIRef]:
        base = str(EU_GDPR)
        return {label: term for term, label in self.en_labels.items()
                if str(term).startswith(base) and str(term)[len(base):].startswith(prefixes)}

    def printed(self, node: URIRef) -> str:
        """The label the export prints for a node: English, else any preferred label, else the IRI."""
        for prop in (SKOS.prefLabel, RDFS.label):
            for label in self.graph.objects(node, prop):
                if isinstance(label, Literal) and label.language == "en":
                    return str(label)
        label = self.graph.value(node, SKOS.prefLabel)
        return str(label) if label is not None else str(node)

    def known(self, kind: str) -> dict[str, URIRef]:
        """Nodes of the data (not DPV terms) of a kind, by the normalised label the export prints."""
        if kind not in self._kinds:
            graph, nodes = self.graph, set()
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
            root = {"data": DPV.PersonalData, "subject": DPV.DataSubject, "recipient": DPV.Recipient,
                    "purpose": DPV.Purpose}[kind]
            terms = sorted(t for t in self.graph.transitive_subjects(RDFS.subClassOf, root)
                           if isinstance(t, URIRef) and _dpv(t))
            if kind == "recipient":  # authorities receive data too (the policies name them as recipients)
                terms += sorted(t for t in self.graph.transitive_subjects(RDFS.subClassOf, DPV.Authority)
                                if isinstance(t, URIRef) and _dpv(t))
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


# ------------------------------------------------------------------------------------------------ results

@dataclass
class NotPlaced:
    """A cell with no place in the model: kept as an rdfs:comment on its activity and reported."""

    sheet: str
    row: int
    column: str
    text: str

    def message(self, shown: str) -> str:
        return f"{shown}:{self.sheet}:{self.row}:{self.column}: not placed: {' '.join(self.text.split())}"


@dataclass
class SheetReport:
    """What one sheet gave."""

    name: str
    kind: str  # controller, processor, register, skipped, empty
    rows: int = 0
    records: int = 0
    not_placed: list[NotPlaced] = field(default_factory=list)
    note: str = ""

    def message(self, shown: str) -> str:
        if self.kind in ("skipped", "empty"):
            return f"{shown}:{self.name}: {self.note}"
        noun = "service record(s)" if self.kind == "processor" else "activities"
        what = {"controller": "controller record (Art. 30(1))", "processor": "processor record (Art. 30(2))",
                "register": "register of processing activities"}[self.kind]
        return (f"{shown}:{self.name}: {what}: {self.rows} row(s) read, {self.records} {noun}, "
                f"{len(self.not_placed)} cell(s) not placed")


@dataclass
class ImportResult:
    """The graph read from a register and the report of each sheet."""

    path: Path
    key: str
    graph: Graph
    sheets: list[SheetReport]
    encoding_note: str = ""

    @property
    def not_placed(self) -> list[NotPlaced]:
        return [cell for sheet in self.sheets for cell in sheet.not_placed]

    def messages(self, shown: str | None = None) -> list[str]:
        """Per sheet: ``FILE:SHEET:ROW:COLUMN: not placed: text`` lines, then one summary line."""
        name = shown or str(self.path)
        lines = []
        for sheet in self.sheets:
            lines += [cell.message(name) for cell in sheet.not_placed]
            lines.append(sheet.message(name))
        return lines

    def turtle(self) -> str:
        """The graph as Turtle, with a header naming the source."""
        header = (f"# {self.path.name}: imported by `gdprgraph import ropa` (line numbers are the register's "
                  "rows: the CSV line, or the XLSX row).\n\n")
        return header + self.graph.serialize(format="turtle")


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
    items, depth, current = [], 0, []
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
                return value[:position - 1], value[position + 1:-1]
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
        self.contacts: set[tuple] = set()
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
        restate(self.g, node, citation, self.section(sheet), row.number, self.literal(" ".join(words.split())),
                self.derived.get((sheet.number, row.number), ()))
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
            self.copy_labels(iri, [t for t in self.ctx.graph.objects(iri, RDF.type) if isinstance(t, URIRef)]
                             or [DPV.Organisation])
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
            types = [t for t in self.ctx.graph.objects(known, RDF.type)
                     if t in (GG.PersonalDataCategory, GG.DataSubjectCategory, OWL.Class)]
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
            "data": DPV.PersonalData, "subject": DPV.DataSubject, "recipient": DPV.Recipient}[kind]
        stem = {"data": "cat", "subject": "ds", "recipient": "recip"}[kind]
        node = self.mint(stem, text)
        self.add(node, RDF.type, {"data": GG.PersonalDataCategory, "subject": GG.DataSubjectCategory,
                                  "recipient": OWL.Class}[kind])
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

    def contact(self, about: URIRef | None, value: str, sheet: Sheet, row: Row, role: URIRef | None = None,
                scope: str | None = None) -> None:
        """A contact point: an email address ('email: ' optional) or a postal address, with its scope."""
        email = value[len("email: "):] if value.startswith("email: ") else value
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


# -------------------------------------------------------------------------------------- our export: controller

@dataclass
class RuleSpec:
    """An erasure time limit as the export prints it: 'what[, of whom]: how long[ from event][ (condition)]
    [, may be extended: words]'."""

    text: str
    what: str | None
    subject: str | None
    how_long: str | None
    start: str | None
    condition: str | None
    extension: str | None


def parse_rule(item: str) -> RuleSpec | None:
    """An item of the erasureTimeLimits cell, or None when it is not one.

    >>> r = parse_rule("Données de contact, of Prospects: jusqu'à trois (3) ans from résiliation (si X)")
    >>> r.what, r.subject, r.how_long, r.start, r.condition
    ('Données de contact', 'Prospects', "jusqu'à trois (3) ans", 'résiliation', 'si X')
    >>> parse_rule("Vie: le temps de délivrer le service (acheminement)").how_long
    'le temps de délivrer le service (acheminement)'
    """
    head, sep, rest = item.partition(": ")
    if not sep:
        return None
    what, subject = head, None
    if ", of " in head:
        what, _, subject = head.rpartition(", of ")
    extension = None
    if ", may be extended: " in rest:
        rest, _, extension = rest.partition(", may be extended: ")
    condition = None
    bracket = trailing_parenthesis(rest)
    if bracket and (" from " in bracket[0] or QUANTITY.search(fold(bracket[0]))):
        rest, condition = bracket
    start = None
    if " from " in rest:
        rest, _, start = rest.rpartition(" from ")
    return RuleSpec(item, None if what == "personal data" else what, subject,
                    None if rest == "period not stated" else rest, start, condition, extension)


@dataclass
class ControllerRow:
    """A row of our controller record, its cells split into values."""

    sheet: Sheet
    row: Row
    cells: dict[str, str]
    node: URIRef = field(default=GGD.unset)
    parent: ControllerRow | None = None
    rules: list[RuleSpec] = field(default_factory=list)
    conditional: list[tuple[URIRef, str]] = field(default_factory=list)  # (basis, subject)
    direct_rules: bool = False
    direct_subjects: bool = False
    direct_categories: bool = False

    def values(self, column: str) -> list[str]:
        return split_set(self.cells.get(column, ""))

    def ancestors(self) -> list[ControllerRow]:
        found, node = [], self.parent
        while node is not None and node not in found:
            found.append(node)
            node = node.parent
        return found


def _most_common(values: list[str]) -> str:
    counts = Counter(value for value in values if value)
    if not counts:
        return ""
    best = max(counts.values())
    return next(value for value in values if value and counts[value] == best)


class ControllerRecord:
    """Reads our controller record back into policies, activities and the statements the export reads."""

    def __init__(self, builder: Builder, sheet: Sheet, found: Layout) -> None:
        self.b, self.sheet, self.layout = builder, sheet, found

    def read(self) -> int:
        sheet = self.sheet
        rows: list[ControllerRow] = []
        for row in sheet.rows:
            if row.number <= self.layout.header.number:
                continue
            cells = {name: row.cells[i] if i < len(row.cells) else "" for i, name in self.layout.columns.items()}
            rows.append(ControllerRow(sheet, row, cells))
        by_policy: dict[str, list[ControllerRow]] = defaultdict(list)
        for record in rows:
            by_policy[record.cells.get("policy", "")].append(record)
        for policy_label, records in by_policy.items():
            self.policy(policy_label, records)
        return len(rows)

    # one policy: its node, its activities, then what the rows share
    def policy(self, label: str, records: list[ControllerRow]) -> None:
        b = self.b
        policy = b.policies.get(label) or b.mint("policy", label or "register")
        b.policies[label] = policy
        b.add(policy, RDF.type, GG.PrivacyPolicy)
        b.add(policy, SKOS.prefLabel, b.literal(label or f"{TITLE['en']}: {b.path.name}"))
        b.add(policy, GG.describedIn, GGDOC[b.key])
        controller_name = next((r.cells.get("controller", "") for r in records if r.cells.get("controller")), "")
        controller = b.organisation(controller_name) if controller_name else None
        if controller is not None:
            b.add(policy, DPV.hasDataController, controller)
        for record in records:
            self.activity(record, policy)
        for record in records:
            record.parent = self.parent_of(record, records)
            if record.parent is not None:
                b.add(record.node, GG.subActivityOf, record.parent.node)
            elif record.cells.get("subPurposeOf"):
                parent = b.mint("act", record.cells["subPurposeOf"])
                b.add(parent, SKOS.prefLabel, b.literal(record.cells["subPurposeOf"]))
                b.add(parent, RDFS.comment, Literal("A purpose the register names only as the one a row's "
                                                    "purpose belongs to (subPurposeOf).", lang="en"))
                b.add(record.node, GG.subActivityOf, parent)
        ordered = sorted(records, key=lambda r: len(r.ancestors()))
        self.bases(records, policy)
        self.erasure(ordered, policy)
        self.people_and_data(ordered, policy)
        self.recipients(ordered, policy)
        self.shared(records, policy, controller)

    def activity(self, record: ControllerRow, policy: URIRef) -> None:
        b, cells = self.b, record.cells
        node = record.node = b.mint(f"act-{record.sheet.number}-{record.row.number}")
        if cells.get("document"):
            b.derive(record.sheet, record.row, [(cells["document"], cells.get("line", ""))])
        b.add(node, RDF.type, GG.ProcessingActivity)
        b.add(node, GG.about, policy)
        purpose = cells.get("purpose", "")
        b.add(node, SKOS.prefLabel, b.literal(purpose or f"row {record.row.number}"))
        if purpose:
            b.purposes(node, purpose)
        if cells.get("controller"):
            b.add(node, DPV.hasDataController, b.organisation(cells["controller"]))
        b.cite(node, record.sheet, record.row)
        for index, cell in enumerate(record.row.cells):
            if index not in self.layout.columns and cell:
                b.unplaced(node, record.sheet, record.row, _column(self.layout, index), cell)
        for index, formula in record.row.formulas.items():
            b.unplaced(node, record.sheet, record.row, _column(self.layout, index),
                       f"formula without a cached value (not evaluated): {formula}")

    @staticmethod
    def parent_of(record: ControllerRow, records: list[ControllerRow]) -> ControllerRow | None:
        wanted = record.cells.get("subPurposeOf", "")
        if not wanted:
            return None
        same = [r for r in records if r is not record and r.cells.get("purpose") == wanted]
        before = [r for r in same if r.row.number < record.row.number]
        for candidate in reversed(before or same):
            if record not in candidate.ancestors():
                return candidate
        return None

    def bases(self, records: list[ControllerRow], policy: URIRef) -> None:
        b = self.b
        for record in records:
            for number, item in enumerate(record.values("lawfulBases"), start=1):
                basis = b.ctx.bases.get(item)
                if basis is not None:
                    b.add(record.node, DPV.hasLegalBasis, basis)
                    continue
                conditional = next(((label, item[len(label) + len(" for "):]) for label in b.ctx.bases
                                    if item.startswith(f"{label} for ")), None)
                if conditional is not None:
                    label, whom = conditional
                    record.conditional.append((b.ctx.bases[label], whom))
                    node = b.mint(f"cb-{record.sheet.number}-{record.row.number}-{number}")
                    b.add(node, RDF.type, GG.ConditionalLegalBasis)
                    b.add(node, GG.basis, b.ctx.bases[label])
                    b.add(node, GG.aboutDataSubject, b.category(whom, "subject"))
                    b.add(node, GG.about, policy)
                    b.add(record.node, GG.hasConditionalBasis, node)
                    b.cite(node, record.sheet, record.row, item)
                    continue
                found = article_references(item) or find_wordings(item, ["lawful-basis", "art9-condition"])
                for term in found:
                    b.add(record.node, basis_property(term), term)
                if not found:
                    b.unplaced(record.node, record.sheet, record.row, "lawfulBases", item)
            if record.cells.get("lawfulBases"):
                b.add(record.node, GG.legalBasisText, b.literal(record.cells["lawfulBases"]))

    # erasure time limits: tied to the purpose, or the policy's by data category (the fallback)
    def erasure(self, ordered: list[ControllerRow], policy: URIRef) -> None:
        b = self.b
        for record in ordered:
            for item in record.values("erasureTimeLimits"):
                rule = parse_rule(item)
                if rule is None:
                    b.unplaced(record.node, record.sheet, record.row, "erasureTimeLimits", item)
                else:
                    record.rules.append(rule)
        leaking = [r for r in ordered if self.leaks(r)]
        shared = _most_common([r.cells.get("erasureTimeLimits", "") for r in (leaking or ordered)])
        for record in ordered:
            inherited = any(a.direct_rules for a in record.ancestors())
            cell = record.cells.get("erasureTimeLimits", "")
            if cell == shared and not inherited:
                continue
            record.direct_rules = bool(record.rules)
            for number, rule in enumerate(record.rules, start=1):
                self.rule(rule, policy, record, f"ret-{record.sheet.number}-{record.row.number}-{number}")
        holder = next((r for r in ordered if r.cells.get("erasureTimeLimits", "") == shared), None)
        if shared and holder is not None:
            for number, rule in enumerate(holder.rules, start=1):
                self.rule(rule, policy, holder, f"{str(policy).rsplit('/', 1)[-1][len(b.key) + 1:]}-ret-{number}",
                          for_activity=False)

    @staticmethod
    def leaks(record: ControllerRow) -> bool:
        """Whether the row's rules name data or data subjects its own cells do not: they are the policy's."""
        categories, subjects = set(record.values("dataCategories")), set(record.values("dataSubjects"))
        return any((rule.what is not None and rule.what not in categories)
                   or (rule.subject is not None and rule.subject not in subjects) for rule in record.rules)

    def rule(self, spec: RuleSpec, policy: URIRef, record: ControllerRow, stem: str, for_activity: bool = True) -> None:
        b = self.b
        node = b.mint(stem)
        b.add(node, RDF.type, GG.RetentionRule)
        b.add(node, GG.about, policy)
        if for_activity:
            b.add(node, GG.forActivity, record.node)
        if spec.what is not None:
            b.add(node, GG.appliesToData, b.category(spec.what, "data"))
        if spec.subject is not None:
            b.add(node, GG.aboutDataSubject, b.category(spec.subject, "subject"))
        b.cite(node, record.sheet, record.row, spec.text)
        duration = b.mint(f"{stem}-duration")
        b.add(node, DPV.hasDuration, duration)
        parsed = parse_duration(spec.how_long or "")
        if parsed.start:  # "... 20 jours après résiliation": a period counted from an event the cell words itself
            parsed.period, parsed.kind = None, "stated"
        b.add(duration, RDF.type, DURATION_KINDS[parsed.kind])
        if spec.how_long is not None:
            b.add(duration, GG.durationText, b.literal(spec.how_long))
        if parsed.period:
            b.add(duration, GG.period, Literal(parsed.period, datatype=XSD.duration))
        if parsed.stated:
            b.add(duration, GG.statedPeriod, b.literal(parsed.stated))
        if parsed.until:
            b.add(duration, GG.untilEvent, b.event(parsed.until))
        if parsed.maximum and spec.extension is None:
            b.add(node, GG.isMaximum, Literal(True))
        if spec.start:
            b.add(node, GG.startsAt, b.event(spec.start))
        if spec.condition:
            b.add(node, GG.condition, b.literal(spec.condition))
        if spec.extension:
            extension = b.mint(f"{stem}-extension")
            b.add(extension, RDF.type, GG.PeriodExtension)
            b.add(extension, GG.description, b.literal(spec.extension))
            b.add(extension, GG.about, policy)
            b.cite(extension, record.sheet, record.row, spec.extension)
            b.add(node, GG.mayBeExtended, extension)

    # data subjects and categories: tied to the purpose, else the policy's (the fallback)
    def people_and_data(self, ordered: list[ControllerRow], policy: URIRef) -> None:
        b = self.b
        for column, attribute, prop, kind, statement_prop in (
                ("dataSubjects", "direct_subjects", DPV.hasDataSubject, "subject", GG.aboutDataSubject),
                ("dataCategories", "direct_categories", DPV.hasPersonalData, "data", GG.appliesToData)):
            shared = _most_common([r.cells.get(column, "") for r in ordered])
            holder = None
            for record in ordered:
                scopes = [record, *record.ancestors()]
                forced = any(getattr(a, attribute) for a in record.ancestors()) or any(
                    s.direct_rules and any((rule.subject if kind == "subject" else rule.what) for rule in s.rules)
                    for s in scopes) or (kind == "subject" and any(s.conditional for s in scopes))
                cell = record.cells.get(column, "")
                if cell == shared and not forced:
                    holder = holder or record
                    continue
                setattr(record, attribute, bool(cell))
                for value in record.values(column):
                    b.add(record.node, prop, b.category(value, kind))
            if shared and holder is not None:
                for number, value in enumerate(split_set(shared), start=1):
                    node = b.mint(f"{'ds' if kind == 'subject' else 'cat'}-st-{holder.sheet.number}-"
                                  f"{holder.row.number}-{number}")
                    b.add(node, RDF.type, GG.SourcedStatement)
                    b.add(node, GG.about, policy)
                    b.add(node, statement_prop, b.category(value, kind))
                    b.cite(node, holder.sheet, holder.row, value)

    # recipients: the policy's for every purpose, plus those tied to a purpose (and its sub-purposes)
    def recipients(self, ordered: list[ControllerRow], policy: URIRef) -> None:
        sets = [set(r.values("recipients")) for r in ordered]
        common = set.intersection(*sets) if sets else set()
        given: dict[int, set[str]] = {}
        for record, values in zip(ordered, sets, strict=True):
            inherited = set().union(*(given.get(id(a), set()) for a in record.ancestors()))
            own = values - common - inherited
            given[id(record)] = own | inherited
            for number, value in enumerate(sorted(own), start=1):
                self.recipient(value, policy, record, f"rec-{record.sheet.number}-{record.row.number}-{number}",
                               for_activity=True)
        if common and ordered:
            holder = next(r for r in ordered if r.values("recipients"))
            for number, value in enumerate(sorted(common), start=1):
                self.recipient(value, policy, holder, f"rec-{holder.sheet.number}-{holder.row.number}-p{number}",
                               for_activity=False)

    def recipient(self, value: str, policy: URIRef, record: ControllerRow, stem: str, for_activity: bool) -> None:
        b = self.b
        node = b.mint(stem)
        b.add(node, RDF.type, GG.RecipientStatement)
        b.add(node, GG.about, policy)
        if for_activity:
            b.add(node, GG.forActivity, record.node)
        category, condition = recipient_parts(b, value)
        b.add(node, GG.recipientCategory, category)
        if condition:
            b.add(node, GG.condition, b.literal(condition))
        b.cite(node, record.sheet, record.row, value)

    # what every row of a policy repeats: transfers, contacts, data protection officers
    def shared(self, records: list[ControllerRow], policy: URIRef, controller: URIRef | None) -> None:
        b = self.b
        seen: set[str] = set()
        for record in records:
            for item in record.values("transfers"):
                if item in seen:
                    continue
                seen.add(item)
                node = b.mint(f"tr-{record.sheet.number}-{record.row.number}-{len(seen)}")
                b.add(node, RDF.type, GG.TransferPolicyStatement)
                b.add(node, GG.about, policy)
                rest = item
                basis = next((t for label, t in b.ctx.transfer_bases.items() if rest.startswith(f"{label}: ")), None)
                if basis is not None:
                    b.add(node, GG.transferBasis, basis)
                    rest = rest[len(b.ctx.en_labels[basis]) + 2:]
                    instrument = instruments().get(basis)
                    if instrument is not None:
                        b.add(node, DPV.hasOrganisationalMeasure, instrument)
                country = next((t for label, t in b.ctx.countries.items() if rest.startswith(f"{label}: ")), None)
                if country is not None:
                    b.add(node, DPV.hasThirdCountry, country)
                    rest = rest[len(b.ctx.en_labels[country]) + 2:]
                if rest:
                    b.add(node, GG.description, b.literal(rest))
                b.cite(node, record.sheet, record.row, item)
            for item in record.values("controllerContact"):
                scope, value = _scoped(item)
                b.contact(policy, value, record.sheet, record.row, scope=scope)
            for item in record.values("dataProtectionOfficer"):
                b.officer(controller, item, record.sheet, record.row)
            if record.cells.get("dataProtectionOfficer") and controller is None:
                b.unplaced(record.node, record.sheet, record.row, "dataProtectionOfficer",
                           record.cells["dataProtectionOfficer"] + " (no controller named)")


def _scoped(item: str) -> tuple[str | None, str]:
    """A contact as the export prints it: '[scope: ]address' or '[scope: ]email: address'.

    >>> _scoped("Offres: 1 rue X"), _scoped("email: a@b.fr"), _scoped("Pros: email: a@b.fr"), _scoped("1 rue X")
    (('Offres', '1 rue X'), (None, 'email: a@b.fr'), ('Pros', 'email: a@b.fr'), (None, '1 rue X'))
    """
    if item.startswith("email: "):
        return None, item
    scope, sep, value = item.partition(": ")
    if sep and value:
        return scope, value
    return None, item


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


def _column(found: Layout, index: int) -> str:
    header = found.header.cells[index] if index < len(found.header.cells) else ""
    return header or f"column {index + 1}"


# -------------------------------------------------------------------------------------- our export: processor

TRANSFER = re.compile(r"^(?P<importer>.*) -> (?P<country>.*) \(adequacy: (?P<adequacy>[^,]*), "
                      r"safeguards: (?P<safeguards>.*)\)$")
SEPARATELY = " (communicated separately)"
NOT_DISCLOSED = "outside the EU/EEA (not disclosed)"


class ProcessorRecord:
    """Reads our processor record back into services, template lines, engagements and safeguards."""

    def __init__(self, builder: Builder, sheet: Sheet, found: Layout) -> None:
        self.b, self.sheet, self.layout = builder, sheet, found
        self.sections = {name: builder.ctx.items(section) for name, section in (
            ("processingOperations", GG.OperationsSection), ("dataCategories", GG.DataCategoriesSection),
            ("dataSubjects", GG.DataSubjectsSection), ("retention", GG.SubjectMatterSection),
            ("rows", GG.SubProcessorsSection))}
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
                    b.add(node, RDFS.comment, Literal("The register lists the lines declared Yes; it does not state "
                                                      "this one.", lang="en"))

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
        for index, cell in enumerate(row.cells):
            if index not in self.layout.columns and cell:
                b.unplaced(service, sheet, row, _column(self.layout, index), cell)
        for index, formula in row.formulas.items():
            b.unplaced(service, sheet, row, _column(self.layout, index),
                       f"formula without a cached value (not evaluated): {formula}")

    def line(self, service: URIRef, local: str, item: URIRef, row: Row, duration: Duration | None = None,
             words: str = "") -> tuple[URIRef, bool]:
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
        wording = item[len(label) + 2:]
        stated = classify_duration(wording) if wording != "not stated" else None
        parsed = stated is not None and (stated.period or stated.event)
        compared = None if stated is None else Duration(
            stated.period or None, GGT[stated.event] if stated.event else None, None if parsed else normalise(wording))
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

    def subprocessors(self, service: URIRef, local: str, processor: URIRef | None, cell: str,
                      row: Row) -> dict[tuple[str, str], URIRef]:
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
            printed = (b.ctx.printed(org) if org in b.ctx.orgs.preferred else str(b.g.value(org, SKOS.prefLabel)),
                       country_label)
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

    def transfer(self, service: URIRef, local: str, processor: URIRef | None, item: str,
                 engagements: dict[tuple[str, str], URIRef], row: Row) -> None:
        b = self.b
        match = TRANSFER.match(item)
        if match is None:
            b.unplaced(service, self.sheet, row, "thirdCountryTransfers", item)
            return
        importer, country_label = match["importer"], match["country"]
        safeguards = [] if match["safeguards"] == "no safeguard stated" else match["safeguards"].split(" and ")
        if country_label == NOT_DISCLOSED and importer.endswith(SEPARATELY):
            item_node = self.sections["rows"].get(importer[:-len(SEPARATELY)])
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
            holder = engagements.get((importer, country_label))
            if holder is None:
                holder = next(iter(self.subprocessors(service, local, processor, f"{importer} ({country_label})",
                                                      row).values()))
            country = b.ctx.countries.get(country_label)
            if match["adequacy"] == "yes" and country is not None:
                decision = b.ctx.certification_decision(country)
                org = b.g.value(holder, GG.subProcessor)
                if decision is not None and org is not None:
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
        return _column(self.layout, index), row.cells[index] if index < len(row.cells) else ""

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
        for field_name, kind, prop in (("subjects", "subject", DPV.hasDataSubject),
                                       ("categories", "data", DPV.hasPersonalData)):
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
            b.unplaced(node, sheet, row, self.cell(row, "dpo")[0], dpo)  # type: ignore[index]
        for field_name in UNPLACED_FIELDS:
            found = self.cell(row, field_name)
            if found and found[1] and plain(found[1]) not in NONE_WORDS:
                b.unplaced(node, sheet, row, *found)
        for index, value in enumerate(row.cells):
            if index not in self.layout.columns and value:
                b.unplaced(node, sheet, row, _column(self.layout, index), value)
        for index, formula in row.formulas.items():
            b.unplaced(node, sheet, row, _column(self.layout, index),
                       f"formula without a cached value (not evaluated): {formula}")
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


# ------------------------------------------------------------------------------------------------ the import

def default_key(path: Path) -> str:
    """A slug of the file name before its first dot."""
    return slug(path.name.split(".")[0]) or "register"


def import_register(path: Path | str, role: str | None = None,
                    context: Graph | Sequence[Path | str] | None = None, key: str | None = None) -> ImportResult:
    """Read a register of processing activities (CSV or XLSX) into a graph, sheet by sheet.

    ``role`` ("controller" or "processor") keeps only the sheets of that record of our own export and
    says whose register a foreign one is (default: the controller's). ``context`` is the graph names
    are resolved against (an rdflib Graph, or data files; default: the embedded data/). ``key``
    prefixes the IRIs of what is minted (default: the file name before its first dot).

    Raises InputError (one line naming the file, and the sheet) for an unreadable, empty, binary or
    non-spreadsheet file, a sheet with no recognisable header, or a file that holds no row to import:
    nothing is half-imported.
    """
    path = Path(path)
    if role is not None and role not in ROLES:
        raise InputError(f"unknown role '{role}' (expected controller or processor)")
    sheets = read_sheets(path)
    found: list[tuple[Sheet, Layout | None]] = []
    for sheet in sheets:
        if not sheet.rows:
            found.append((sheet, None))
            continue
        sheet_layout = layout(sheet)
        if sheet_layout is None:
            first = sheet.rows[0]
            shown = ", ".join(repr(" ".join(cell.split())) for cell in first.cells if cell)[:200] or "none"
            raise InputError(
                "no recognisable header (expected the columns of `gdprgraph export ropa`, or of a register "
                f"such as Purpose, Lawful basis, Categories of personal data; Finalité, Base légale...); "
                f"first row: {shown}", f"{path}:{sheet.name}", first.number)
        found.append((sheet, sheet_layout))
    graph = context if isinstance(context, Graph) else context_graph(context)
    key = key or default_key(path)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", key):
        key = slug(key) or default_key(path)
    builder = Builder(path, key, Context(graph), role)
    languages = Counter(f.language for _, f in found if f is not None and f.kind == "register")
    language = "fr" if languages["fr"] > languages["en"] else "en"
    builder.document(found, language)
    reports: list[SheetReport] = []
    register: URIRef | None = None
    register_controllers: list[URIRef] = []
    for sheet, sheet_layout in found:
        if sheet_layout is None:
            reports.append(SheetReport(sheet.name, "empty", note="empty sheet, skipped"))
            continue
        if role is not None and sheet_layout.kind in ROLES and sheet_layout.kind != role:
            reports.append(SheetReport(sheet.name, "skipped",
                                       note=f"{sheet_layout.kind} record, skipped (--role {role})"))
            continue
        report = builder.report = SheetReport(sheet.name, sheet_layout.kind)
        builder.lang = sheet_layout.language
        if sheet_layout.kind == "controller":
            report.rows = ControllerRecord(builder, sheet, sheet_layout).read()
            report.records = report.rows
        elif sheet_layout.kind == "processor":
            report.rows = ProcessorRecord(builder, sheet, sheet_layout).read()
            report.records = report.rows
        else:
            if register is None:
                register = _register_node(builder, role or "controller", language)
            report.rows, controllers = Register(builder, sheet, sheet_layout, register).read()
            register_controllers += controllers
            report.records = report.rows
        reports.append(report)
    if register is not None and register_controllers:
        builder.add(register, DPV.hasDataController, Counter(register_controllers).most_common(1)[0][0])
    if not any(report.records for report in reports):
        skipped = [report.note for report in reports if report.kind == "skipped"]
        if skipped:
            raise InputError(f"holds no {role} record (--role {role}): " + "; ".join(
                f"{report.name}: {report.note}" for report in reports if report.kind == "skipped"), str(path))
        raise InputError("no row to import under the header(s): nothing written", str(path))
    return ImportResult(path, key, builder.g, reports, next((s.note for s in sheets if s.note), ""))


def _register_node(b: Builder, role: str, language: str) -> URIRef:
    node = GGD[f"{b.key}-register"]
    b.used.add(node)
    b.add(node, RDF.type, GG.PrivacyPolicy)
    colon = " : " if language == "fr" else ": "
    b.add(node, SKOS.prefLabel, Literal(f"{TITLE[language]}{colon}{b.path.name}", lang=language))
    b.add(node, GG.describedIn, GGDOC[b.key])
    b.add(node, RDFS.comment, Literal(f"The register of processing activities of the {ROLE_TITLE[role]['en']} "
                                      "read from this file; each row is one of its activities.", lang="en"))
    return node
