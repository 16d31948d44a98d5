"""How written names compare: normalised forms (case, accents, punctuation and legal suffixes
optional) and how close two names are (for suggestions). names resolves with it; the query catalog
suggests query names with it."""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata

LEGAL_SUFFIXES = {
    "sa",
    "sas",
    "sasu",
    "sarl",
    "eurl",
    "sca",
    "snc",
    "ltd",
    "limited",
    "inc",
    "llc",
    "plc",
    "gmbh",
    "ag",
    "bv",
    "nv",
    "spa",
    "srl",
    "corp",
    "corporation",
    "co",
    "company",
    "se",
    "pty",
    "pte",
    "llp",
    "incorporated",
}


def normalise(name: str) -> str:
    """Lower-case, accents removed, punctuation (but dots inside words) turned into spaces."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"[^\w.]+", " ", text)
    text = re.sub(r"\.(?=\s|$)", " ", text)
    return " ".join(text.split())


def strip_legal_suffix(normalised: str) -> str:
    """Drop trailing legal-form words: 'platform.sh sas' -> 'platform.sh'."""
    words = normalised.split()
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


@functools.lru_cache(maxsize=1 << 16)
def core_name(name: str) -> str:
    """A name normalised, without bracketed parts nor legal suffixes:
    'Amazon Web Services, Inc. (AWS)' -> 'amazon web services'."""
    return strip_legal_suffix(normalise(re.sub(r"\([^)]*\)", " ", name)))


def closeness(wanted: str, name: str) -> float:
    """How close a typed name is to a name, from 0 to 1 (difflib's ratio of the normalised names)."""
    return difflib.SequenceMatcher(None, normalise(wanted), normalise(name)).ratio()


def ranked(wanted: str, scored: list[tuple[float, str]], limit: int = 3) -> list[str]:
    """The names of (score, name) pairs, closest first (ties alphabetical), above a floor."""
    best: dict[str, float] = {}
    for score, display in scored:
        best[display] = max(score, best.get(display, 0.0))
    order = sorted(best.items(), key=lambda item: (-item[1], item[0]))
    return [display for display, score in order[:limit] if score > 0.2]
