"""The columns of a vendor's sub-processor list: which header names which fact, in English or French.

>>> columns(["Sub-processor", "Hosting location", "Safeguards", "Data categories"])[0]
{'name': 0, 'location': 1, 'safeguard': 2, 'categories': 3}
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable

__all__ = ["ALIASES", "ROLE_ORDER", "columns", "header_like", "plain", "role_of"]

_EN = """
corporate: corporate location; headquarters; head office; registered office; entity country; entity location;
  company location; company country; country of incorporation; corporate country; hq; hq location;
  incorporated in; country of registration
safeguard: transfer mechanism; transfer mechanisms; safeguard; safeguards; legal basis for transfer;
  transfer safeguards; transfer basis; transfer tool; transfer; transfers; international transfer;
  international transfers; mechanism; clauses; dpa; data processing agreement; adequacy; legal mechanism
legalbasis: legal basis; lawful basis; legal ground; basis for processing
categories: data categories; categories of personal data; category of personal data; personal data;
  types of personal data; type of personal data; types of data; type of data; data types; data processed;
  categories of data; personal data processed
location: location of processing; processing location; processing locations; data location; data locations;
  location of data; country of processing; processing country; location; locations; countries; country;
  hosting location; hosting; server location; server locations; servers; region; regions; data center;
  data centre; data center location; data centre location; where data is processed; where processed;
  storage location; data residency
purpose: description; purpose; purposes; service; services; activity; nature of processing; purpose of processing;
  processing activity; processing activities; service provided; services provided; function; nature;
  type of service; description of processing; subject matter; details
name: name; sub processor; subprocessor; sub processors; subprocessors; entity; entity name; legal entity;
  vendor; vendor name; supplier; company; company name; provider; service provider; third party;
  third party name; processor; partner; organisation; organization; sub processor name; subprocessor name
"""
_FR = """
corporate: siege; pays du siege; siege social; pays d immatriculation
safeguard: mecanisme de transfert; garanties; garantie; encadrement; encadrement des transferts;
  outil de transfert; base du transfert; clauses contractuelles; transfert; transferts
legalbasis: base legale; base juridique; fondement juridique; fondement
categories: categories de donnees; donnees personnelles; donnees traitees; types de donnees;
  categories de donnees personnelles; donnees concernees
location: lieu de traitement; localisation; pays de traitement; pays; lieu d hebergement; hebergement;
  localisation des donnees; pays d hebergement; localisation des serveurs; lieux de traitement
purpose: finalite; finalites; activite; prestation; objet; nature du traitement; service fourni; role;
  activite de traitement; description du traitement
name: nom; sous traitant; sous traitants; sous traitant ulterieur; sous traitants ulterieurs; fournisseur;
  prestataire; raison sociale; societe; entite; denomination; nom du sous traitant; partenaire
"""


def _parse(text: str, lang: str) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    for block in re.split(r"\n(?=\w)", text.strip()):
        role, _, names = block.partition(":")
        found[role.strip()] = [(name.strip(), lang) for name in names.replace("\n", " ").split(";") if name.strip()]
    return found


#: column role -> header names (language of the word); a role's aliases are tried in this order
ALIASES: dict[str, list[tuple[str, str]]] = {
    role: english + _parse(_FR, "fr").get(role, []) for role, english in _parse(_EN, "en").items()
}
#: roles tried in this order when a header only contains a known name: the more specific first
ROLE_ORDER = ("corporate", "safeguard", "legalbasis", "categories", "location", "purpose", "name")


def plain(value: str) -> str:
    """Lower-case ASCII words separated by single spaces: 'Pays du siège' -> 'pays du siege'."""
    value = unicodedata.normalize("NFKD", value)
    value = "".join(ch for ch in value if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", value).split())


def _squash(value: str) -> str:
    return plain(value).replace(" ", "")


_EXACT = {alias.replace(" ", ""): (role, lang) for role in reversed(ROLE_ORDER) for alias, lang in ALIASES[role]}


def role_of(cell: str) -> tuple[int, str, str] | None:
    """(rank, role, language) of one header cell: rank 0 for a known name, 1+ for one containing it."""
    key = _squash(cell)
    if not key or len(key) > 60:
        return None
    if key in _EXACT:
        return (0, *_EXACT[key])
    for position, role in enumerate(ROLE_ORDER):
        hits = [(alias, lang) for alias, lang in ALIASES[role] if len(alias) >= 3 and alias.replace(" ", "") in key]
        if hits:
            return (1 + position, role, max(hits, key=lambda hit: len(hit[0]))[1])
    return None


def header_like(cell: str) -> str | None:
    """The role of a line that reads as a column name on its own (a known name, or one making up
    most of it: 'Entity Name', not 'Amazon Web Services, Inc.'), else None."""
    key = _squash(cell)
    if key in _EXACT:
        return _EXACT[key][0]
    for role in ROLE_ORDER:
        for alias, _ in ALIASES[role]:
            squashed = alias.replace(" ", "")
            if len(squashed) >= 4 and squashed in key and len(squashed) * 5 >= len(key) * 3:
                return role
    return None


def columns(header: list[str]) -> tuple[dict[str, int], str]:
    """Which column holds which role (name, purpose, location, corporate, safeguard, categories,
    legalbasis), and the headers' language.

    A header equal to a known name wins over one that only contains it; among headers that only
    contain a known name, the more specific role wins (corporate location before location).
    """
    return assign_columns(header, role_of)


def assign_columns(
    header: list[str], role_of: Callable[[str], tuple[int, str, str] | None]
) -> tuple[dict[str, int], str]:
    """The column of each role named by ``role_of`` (rank, role, language of a cell; lower rank wins,
    the first column on a tie) and the language most headers are in (French only with more votes)."""
    found: dict[str, tuple[int, int]] = {}  # role -> (rank, column)
    votes: Counter[str] = Counter()
    for index, cell in enumerate(header):
        match = role_of(cell)
        if match is None:
            continue
        rank, role, lang = match
        votes[lang] += 1
        if role not in found or rank < found[role][0]:
            found[role] = (rank, index)
    language = "fr" if votes["fr"] > votes["en"] else "en"
    return {role: index for role, (_, index) in found.items()}, language
