"""Places as vendors write them: every ISO 3166-1 country, cities, cloud regions and zone words.

Countries come from pycountry (alpha-2, alpha-3, English names, French names through its gettext
catalogue), from ``data/reference/countries-and-adequacy.ttl`` (the labels the graph already uses)
and from ``data/reference/country-names.csv`` (common alternatives: USA, UK, Deutschland...).
Cities and cloud regions map to a country through ``data/reference/places.csv``; zone words (EU,
EEA, Europe, worldwide) through ``data/reference/zones.csv``. A country's IRI is DPV's ``loc:`` +
its alpha-2 code, as in the reference data.

>>> [str(p.iri)[-6:] for p in parse_places("Europe (Paris / Milan regions)").places]
['Europe', 'loc#FR', 'loc#IT']
>>> parse_places("us-east-1, Serbie and Mars").unknown
['Mars']
"""

from __future__ import annotations

import csv
import gettext
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pycountry
from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef

from .. import resources
from ..vocabulary import DPV, GG, GGR, LOC

__all__ = ["Country", "Place", "Places", "countries", "country", "country_triples", "key", "parse_places", "place"]

DPV_COUNTRY = DPV.Country
#: zone local name (zones.csv) -> its IRI
ZONES = {"EU": LOC.EU, "EEA": LOC.EEA, "Europe": GGR.Europe, "Worldwide": GGR.Worldwide}
#: separators between places in one cell
SPLIT = re.compile(r"[,;/&+|\n\u2022]|\s+(?:and|et|or|ou|und)\s+|\s-\s", re.IGNORECASE)
BRACKETS = re.compile(r"[(\[]([^()\[\]]*)[)\]]")
#: words around a place that say nothing about where ("Paris region", "data centres in Frankfurt")
_NOISE_WORDS = """region regions area areas zone zones availability az data centre centres center centers
datacenter datacenters datacentre datacentres dc dcs server servers hosting hosted cloud based located in at
the of only primary secondary backup backups failover disaster recovery dr main site sites storage stored
processing processed aws amazon azure microsoft gcp google oracle oci cloudflare ovh ovhcloud scaleway
hetzner equinix digitalocean and or also from within inside city state states country countries
region de du des la le les en au aux dans et sur pays ville centre centres donnees hebergement heberge
serveurs serveur uniquement principalement principal secours"""
NOISE = frozenset(_NOISE_WORDS.split())


def key(text: str) -> str:
    """Lower-case ASCII words separated by single spaces: 'Corée du Sud' -> 'coree du sud'."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@dataclass(frozen=True)
class Country:
    """One ISO 3166-1 country: its IRI, codes, English and French names."""

    iri: URIRef
    alpha2: str
    alpha3: str
    name_en: str
    name_fr: str


@dataclass(frozen=True)
class Place:
    """What a place as written designates: a country, or a zone (``kind`` 'zone')."""

    iri: URIRef
    kind: str  # 'country' or 'zone'
    written: str
    via: str = ""  # how it was read: 'country', 'city', 'region code'... (places.csv source)


@dataclass
class Places:
    """The places a cell names, in order, and the pieces of it that name no known place."""

    places: list[Place] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def add(self, found: Place) -> None:
        if all(found.iri != known.iri for known in self.places):
            self.places.append(found)

    @property
    def countries(self) -> list[URIRef]:
        return [p.iri for p in self.places if p.kind == "country"]

    @property
    def zones(self) -> list[URIRef]:
        return [p.iri for p in self.places if p.kind == "zone"]


def _reference_dir() -> Path:
    return resources.data_dir() / "reference"


def _csv_rows(name: str) -> Iterator[dict[str, str]]:
    with (_reference_dir() / name).open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(line for line in handle if not line.startswith("#"))


def _inverted(name: str) -> str | None:
    """'Korea, Republic of' -> 'Republic of Korea'; 'Åland, Îles' -> 'Îles Åland'."""
    if name.count(",") != 1:
        return None
    head, tail = (part.strip() for part in name.split(","))
    return f"{tail} {head}" if not tail.endswith(("'", "\u2019")) else f"{tail}{head}"


@cache
def countries() -> dict[str, Country]:
    """Every ISO 3166-1 country by alpha-2 code (the reference data's labels win for the 58 it holds)."""
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    reference = _reference_graph()
    found: dict[str, Country] = {}
    for entry in pycountry.countries:
        iri = LOC[entry.alpha_2]
        labels = {lit.language: str(lit) for lit in reference.objects(iri, RDFS.label) if isinstance(lit, Literal)}
        name_en = labels.get("en") or getattr(entry, "common_name", None) or entry.name
        name_fr = labels.get("fr") or _inverted(french.gettext(entry.name)) or french.gettext(entry.name)
        found[entry.alpha_2] = Country(iri, entry.alpha_2, entry.alpha_3, name_en, name_fr)
    return found


@cache
def _reference_graph() -> Graph:
    return Graph().parse(_reference_dir() / "countries-and-adequacy.ttl")


@cache
def _table() -> tuple[dict[str, Place], dict[str, Place]]:
    """Names (by key) and codes (upper case) -> place. Earlier sources win: the reference data's
    labels, ISO names and codes, alternatives, zones, then cities and cloud regions."""
    by_name: dict[str, Place] = {}
    by_code: dict[str, Place] = {}
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    reference = _reference_graph()

    def name(text: str, found: Place) -> None:
        if text and key(text):
            by_name.setdefault(key(text), found)

    for country in countries().values():
        entry = pycountry.countries.get(alpha_2=country.alpha2)
        if entry is None:  # countries() lists pycountry's own
            raise LookupError(f"pycountry has no country {country.alpha2}")
        here = Place(country.iri, "country", country.name_en, "country")
        for prop in (RDFS.label, SKOS.altLabel):
            for label in reference.objects(country.iri, prop):
                name(str(label), here)
        by_code.setdefault(country.alpha2, here)
        by_code.setdefault(country.alpha3, here)
        for written in (entry.name, getattr(entry, "common_name", ""), getattr(entry, "official_name", "")):
            if not written:
                continue
            name(written, here)
            name(_inverted(written) or "", here)
            name(french.gettext(written), here)
            name(_inverted(french.gettext(written)) or "", here)
    for row in _csv_rows("country-names.csv"):
        country = countries()[row["code"]]
        name(row["name"], Place(country.iri, "country", row["name"], "country"))
    for row in _csv_rows("zones.csv"):
        name(row["name"], Place(ZONES[row["zone"]], "zone", row["name"], "zone"))
    for row in _csv_rows("places.csv"):
        country = countries()[row["country"]]
        found = Place(country.iri, "country", row["place"], row["source"])
        if re.fullmatch(r"[A-Z]{3}", row["place"]):
            by_code.setdefault(row["place"], found)
        else:
            name(row["place"], found)
    return by_name, by_code


def place(written: str) -> Place | None:
    """The country or zone a single place as written designates (name, code, city, region), or None."""
    text = written.strip().strip(".*").strip()
    if not text:
        return None
    by_name, by_code = _table()
    found = by_name.get(key(text))
    if found is None and re.fullmatch(r"[A-Za-z]{2,3}", text):
        found = by_code.get(text.upper())
    return found


def country(written: str) -> URIRef | None:
    """The country a name (English, French, alternative) or ISO alpha-2/alpha-3 code designates."""
    found = place(written)
    return found.iri if found is not None and found.kind == "country" else None


def _scan(piece: str) -> tuple[list[Place], list[str]]:
    """Places named inside a longer piece ('data centres in Frankfurt'), longest names first, and
    the words left that are not noise."""
    by_name, _ = _table()
    words = key(piece).split()
    found: list[Place] = []
    left: list[str] = []
    index = 0
    while index < len(words):
        for size in range(min(6, len(words) - index), 0, -1):
            candidate = " ".join(words[index : index + size])
            hit = by_name.get(candidate)
            if hit is not None and (size > 1 or len(candidate) > 2):
                found.append(hit)
                index += size
                break
        else:
            if words[index] not in NOISE and not words[index].isdigit():
                left.append(words[index])
            index += 1
    return found, left


def parse_places(cell: str) -> Places:
    """Every place a location cell names, in order: the whole cell, else what is outside and inside
    brackets, each split on commas, semicolons, slashes, '&', '+', 'and', 'et'."""
    result = Places()
    whole = place(cell)
    if whole is not None:
        result.add(whole)
        return result
    outer = BRACKETS.sub(" , ", cell)
    inner = [match.group(1) for match in BRACKETS.finditer(cell)]
    for part in [outer, *inner]:
        for piece in SPLIT.split(part):
            piece = piece.strip().strip(".:*-").strip()
            if not piece or not key(piece):
                continue
            hit = place(piece)
            if hit is not None:
                result.add(hit)
                continue
            found, left = _scan(piece)
            for hit in found:
                result.add(hit)
            if left or not found:
                if all(word in NOISE for word in key(piece).split()):
                    continue  # 'regions', 'data centres': nothing to place
                result.unknown.append(piece)
    return result


def country_triples(iri: URIRef) -> list[tuple[URIRef, URIRef, URIRef | Literal]]:
    """The description of a country the reference data does not hold (type, code, English and French
    names), for an import that names it; [] for a country of the reference data or an unknown IRI."""
    if (iri, RDF.type, DPV_COUNTRY) in _reference_graph():
        return []
    code = str(iri).rsplit("#", 1)[-1]
    found = countries().get(code)
    if found is None or found.iri != iri:
        return []
    return [
        (iri, RDF.type, DPV_COUNTRY),
        (iri, GG.isoCode, Literal(found.alpha2)),
        (iri, RDFS.label, Literal(found.name_en, lang="en")),
        (iri, RDFS.label, Literal(found.name_fr, lang="fr")),
    ]
