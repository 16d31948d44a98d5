"""Retention periods as registers write them (English or French): a duration, an event it runs from or
until, a maximum, a period set by law, or no retention."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ...vocabulary import DPV, GG

# ------------------------------------------------------------------------------------------------ durations

NUMBER_WORDS = {
    "un": 1,
    "une": 1,
    "one": 1,
    "deux": 2,
    "two": 2,
    "trois": 3,
    "three": 3,
    "quatre": 4,
    "four": 4,
    "cinq": 5,
    "five": 5,
    "six": 6,
    "sept": 7,
    "seven": 7,
    "huit": 8,
    "eight": 8,
    "neuf": 9,
    "nine": 9,
    "dix": 10,
    "ten": 10,
    "onze": 11,
    "eleven": 11,
    "douze": 12,
    "twelve": 12,
    "treize": 13,
    "thirteen": 13,
    "quinze": 15,
    "fifteen": 15,
    "dix huit": 18,
    "eighteen": 18,
    "vingt": 20,
    "twenty": 20,
    "trente": 30,
    "thirty": 30,
    "quarante": 40,
    "forty": 40,
    "cinquante": 50,
    "fifty": 50,
    "soixante": 60,
    "sixty": 60,
    "cent": 100,
}
UNITS = {
    "year": "Y",
    "years": "Y",
    "yr": "Y",
    "yrs": "Y",
    "an": "Y",
    "ans": "Y",
    "annee": "Y",
    "annees": "Y",
    "month": "M",
    "months": "M",
    "mois": "M",
    "week": "W",
    "weeks": "W",
    "semaine": "W",
    "semaines": "W",
    "day": "D",
    "days": "D",
    "jour": "D",
    "jours": "D",
    "hour": "H",
    "hours": "H",
    "heure": "H",
    "heures": "H",
    "h": "H",
}
_UNIT = "|".join(sorted(UNITS, key=len, reverse=True))
_NUMBER = "|".join(sorted((w.replace(" ", r"\s+") for w in NUMBER_WORDS), key=len, reverse=True))
#: a number (digits, or a word with its digits in brackets) and a unit, on folded text
QUANTITY = re.compile(rf"\b(?:(\d+)|({_NUMBER})(?:\s+(\d+))?)\s*({_UNIT})\b")
START_WORDS = re.compile(
    r"^\s*(?:apres|a\s+compter\s+d[eu]?|a\s+partir\s+d[eu]?|suivant|after|from|following|"
    r"since|des)\s+"
)
UNTIL_WORDS = re.compile(r"^\s*(?:jusqu\s+a|jusqu\s+au|jusqu\s+aux|until|till|up\s+until)\s+")
MAXIMUM_WORDS = re.compile(r"\b(?:jusqu\s+a|up\s+to|maximum|au\s+plus|at\s+most|no\s+more\s+than)\b")
LEGAL_WORDS = re.compile(
    r"\b(?:required\s+by\s+law|defined\s+by\s+law|statutory|prescription|duree\s+legale|"
    r"requise\s+par\s+la\s+loi|prevue\s+par\s+la\s+loi|delai\s+legal|obligations?\s+legales?)\b"
)
NO_RETENTION_WORDS = re.compile(
    r"\b(?:ne\s+sont\s+pas\s+conservees|non\s+conservees?|pas\s+de\s+conservation|"
    r"aucune\s+conservation|supprimees?\s+directement|not\s+(?:retained|kept|stored)|"
    r"deleted\s+immediately|immediately\s+deleted)\b"
)
#: the class of a duration by the kind parse_duration reads
DURATION_KINDS = {
    "temporal": DPV.TemporalDuration,
    "until-event": DPV.UntilEventDuration,
    "legal": GG.LegallyRequiredDuration,
    "none": GG.NoRetention,
    "stated": DPV.Duration,
}
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
        parsed.maximum = bool(MAXIMUM_WORDS.search(folded[: match.start()]))
        start = START_WORDS.match(folded[match.end() :])
        if start:
            parsed.start = _event_label(wording[match.end() + start.end() :]) or None
            parsed.phrase = wording[: match.end()].strip() if parsed.start else None
        return parsed
    if quantities:
        return parsed
    if re.fullmatch(r"\s*[\w-]+\s*\(\s*\d+\s*\)\s*", wording):
        parsed.stated = wording.strip()
        return parsed
    until = UNTIL_WORDS.match(folded)
    if until:
        parsed.until, parsed.kind = _event_label(wording[until.end() :]) or None, "until-event"
        return parsed
    if LEGAL_WORDS.search(folded):
        parsed.kind = "legal"
    return parsed
