"""Country names (English or French) and ISO codes resolved against data/reference/countries-and-adequacy.ttl."""

from __future__ import annotations

from functools import cache

from rdflib import RDF, RDFS, SKOS, Graph, URIRef

from .. import resources
from ..spelling import normalise
from ..vocabulary import DPV, GG

DPV_COUNTRY = DPV.Country


@cache
def _reference() -> Graph:
    return Graph().parse(resources.data_dir() / "reference" / "countries-and-adequacy.ttl")


@cache
def country_names() -> dict[str, URIRef]:
    """Normalised label -> country IRI."""
    graph = _reference()
    names: dict[str, URIRef] = {}
    for country in graph.subjects(RDF.type, DPV_COUNTRY):
        if not isinstance(country, URIRef):
            continue
        for prop in (RDFS.label, SKOS.prefLabel, SKOS.altLabel):
            for label in graph.objects(country, prop):
                names.setdefault(normalise(str(label)), country)
    return names


@cache
def country_codes() -> dict[str, URIRef]:
    """Upper-case ISO 3166-1 alpha-2 code -> country IRI."""
    graph = _reference()
    return {
        str(code).upper(): country
        for country in graph.subjects(RDF.type, DPV_COUNTRY)
        if isinstance(country, URIRef)
        for code in graph.objects(country, GG.isoCode)
    }


def country_iri(name: str) -> URIRef | None:
    """The country a name designates, or None."""
    return country_names().get(normalise(name))


def country_by_name_or_code(text: str) -> URIRef | None:
    """The country a name (English or French, alternative names included) or ISO alpha-2 code designates."""
    found = country_iri(text)
    if found is None and len(text.strip()) == 2:
        found = country_codes().get(text.strip().upper())
    return found
