"""Which columns a sheet holds: the header row of our own export (controller or processor record) or
of a register (CNIL, ICO or alike, matched loosely), and the column each fact is read from."""

from __future__ import annotations

from dataclasses import dataclass

from ... import ropa
from ..listheaders import assign_columns
from ..subprocessors import plain
from .sheets import Row, Sheet

#: our own export's columns, by record
OWN_COLUMNS = {"controller": list(ropa.CONTROLLER_COLUMNS), "processor": list(ropa.PROCESSOR_COLUMNS)}
#: the columns that tell one record from the other (all must be present)
OWN_KEYS = {
    "controller": ("policy", "purpose", "lawfulbases", "erasuretimelimits"),
    "processor": ("service", "processingoperations", "subprocessors", "retention"),
}

#: field of a controller's register -> header names (language); tried in this order when a header
#: only contains a known name (the more specific first)
ALIASES: dict[str, list[tuple[str, str]]] = {
    "joint": [
        ("joint controller", "en"),
        ("joint controllers", "en"),
        ("responsable conjoint", "fr"),
        ("responsables conjoints", "fr"),
        ("co responsable", "fr"),
        ("co responsables", "fr"),
    ],
    "contract": [
        ("link to contract with processor", "en"),
        ("contract with processor", "en"),
        ("processor contract", "en"),
        ("lien vers le contrat", "fr"),
        ("contrat de sous traitance", "fr"),
    ],
    "safeguards": [
        ("safeguards for exceptional transfers", "en"),
        ("transfer safeguards", "en"),
        ("safeguards", "en"),
        ("safeguard", "en"),
        ("garanties", "fr"),
        ("type de garanties", "fr"),
        ("garanties appropriees", "fr"),
        ("encadrement des transferts", "fr"),
    ],
    "transfers": [
        ("names of third countries or international organisations", "en"),
        ("third countries", "en"),
        ("third country", "en"),
        ("international organisations", "en"),
        ("transfers", "en"),
        ("transferts hors ue", "fr"),
        ("transferts hors de l ue", "fr"),
        ("transferts", "fr"),
        ("transfert", "fr"),
        ("pays tiers", "fr"),
    ],
    "art9": [
        ("article 9 basis", "en"),
        ("article 9 condition", "en"),
        ("article 9", "en"),
        ("art 9", "en"),
        ("special category condition", "en"),
        ("condition article 9", "fr"),
        ("base article 9", "fr"),
    ],
    "basis": [
        ("article 6 lawful basis", "en"),
        ("lawful basis", "en"),
        ("legal basis", "en"),
        ("article 6", "en"),
        ("base legale", "fr"),
        ("base juridique", "fr"),
        ("fondement juridique", "fr"),
        ("licéité", "fr"),
    ],
    "retention": [
        ("retention schedule", "en"),
        ("retention period", "en"),
        ("retention", "en"),
        ("time limits for erasure", "en"),
        ("erasure", "en"),
        ("delais d effacement", "fr"),
        ("delai d effacement", "fr"),
        ("duree de conservation", "fr"),
        ("durees de conservation", "fr"),
        ("conservation", "fr"),
    ],
    "security": [
        ("general description of technical and organisational security measures", "en"),
        ("security measures", "en"),
        ("security", "en"),
        ("mesures de securite", "fr"),
        ("securite", "fr"),
    ],
    "subjects": [
        ("categories of individuals", "en"),
        ("categories of data subjects", "en"),
        ("individuals", "en"),
        ("data subjects", "en"),
        ("categories de personnes concernees", "fr"),
        ("personnes concernees", "fr"),
    ],
    "categories": [
        ("categories of personal data", "en"),
        ("personal data", "en"),
        ("data categories", "en"),
        ("categories of data", "en"),
        ("categories de donnees", "fr"),
        ("donnees collectees", "fr"),
        ("donnees", "fr"),
    ],
    "recipients": [
        ("categories of recipients", "en"),
        ("recipients", "en"),
        ("categories de destinataires", "fr"),
        ("destinataires", "fr"),
    ],
    "dpo": [
        ("data protection officer", "en"),
        ("dpo", "en"),
        ("delegue a la protection des donnees", "fr"),
        ("dpd", "fr"),
    ],
    "controller": [
        ("name and contact details of controller", "en"),
        ("controller", "en"),
        ("responsable du traitement", "fr"),
        ("responsable de traitement", "fr"),
        ("organisme", "fr"),
    ],
    "processor": [("processor", "en"), ("processors", "en"), ("sous traitant", "fr"), ("sous traitants", "fr")],
    "purpose": [
        ("purposes of processing", "en"),
        ("purposes", "en"),
        ("purpose", "en"),
        ("finalites du traitement", "fr"),
        ("finalite", "fr"),
        ("finalites", "fr"),
        ("objectif poursuivi", "fr"),
        ("objectifs poursuivis", "fr"),
    ],
    "function": [
        ("business function", "en"),
        ("department", "en"),
        ("service concerne", "fr"),
        ("direction concernee", "fr"),
    ],
    "name": [
        ("nom sigle", "fr"),
        ("nom du traitement", "fr"),
        ("activite de traitement", "fr"),
        ("intitule", "fr"),
        ("traitement", "fr"),
        ("name of processing activity", "en"),
        ("processing activity", "en"),
        ("activity", "en"),
    ],
    "reference": [("n ref", "fr"), ("reference", "en"), ("ref", "en")],
}
ROLE_ORDER = tuple(ALIASES)
HEADER_ROWS = 20  # the header is looked for in the first rows of a sheet


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
        if (
            len(columns) >= 2
            and {"name", "purpose"} & set(columns.values())
            and (best is None or len(columns) > len(best.columns))
        ):
            best = Layout("register", row, columns, language)
    return best


def column_label(found: Layout, index: int) -> str:
    header = found.header.cells[index] if index < len(found.header.cells) else ""
    return header or f"column {index + 1}"
