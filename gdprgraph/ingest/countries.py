"""Country names (English or French) resolved against data/reference/countries-and-adequacy.ttl."""

from __future__ import annotations

from functools import cache

from rdflib import RDF, RDFS, SKOS, Graph, URIRef

from .. import resources
from ..names import normalise

DPV_COUNTRY = URIRef("https://w3id.org/dpv#Country")


@cache
def country_names() -> dict[str, URIRef]:
    """Normalised label -> country IRI."""
    graph = Graph().parse(resources.data_dir() / "reference" / "countries-and-adequacy.ttl")
    names: dict[str, URIRef] = {}
    for country in graph.subjects(RDF.type, DPV_COUNTRY):
        for prop in (RDFS.label, SKOS.prefLabel, SKOS.altLabel):
            for label in graph.objects(country, prop):
                names.setdefault(normalise(str(label)), country)
    return names


def country_iri(name: str) -> URIRef | None:
    """The country a name designates, or None."""
    return country_names().get(normalise(name))
