"""Every namespace the code refers to, defined once, and the few IRIs it names.

The W3C namespaces rdflib defines (RDF, RDFS, SKOS, XSD, SH, DCTERMS) are re-exported from rdflib
so that a module finds all of its vocabulary here. Each gdprgraph namespace is an rdflib
``Namespace``: ``GG.DeclaredYes`` and ``GG["DeclaredYes"]`` are IRIs, ``GG + "DeclaredYes"`` a string.
"""

from __future__ import annotations

from functools import cache

from rdflib import URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SH, SKOS, XSD
from rdflib.namespace import Namespace as _RdflibNamespace

__all__ = [
    "DCT",
    "DCTERMS",
    "DCT_TERMS",
    "DECLARED_NO",
    "DECLARED_YES",
    "DPV",
    "DPV_SPACES",
    "EU_GDPR",
    "GG",
    "GGD",
    "GGDOC",
    "GGO",
    "GGR",
    "GGS",
    "GGT",
    "GG_TIA",
    "LEGAL",
    "LOC",
    "NOT_STATED",
    "PD",
    "RDF",
    "RDFS",
    "RDF_TERMS",
    "SAFEGUARD_IN_PLACE",
    "SH",
    "SH_TERMS",
    "SKOS",
    "UNSTATED_SUBJECTS",
    "XSD",
    "KnownTerms",
]


class Namespace(_RdflibNamespace):
    """rdflib's Namespace, each term named as an attribute (``GG.about``) made once: rdflib makes (and
    checks) a new IRI on every access, and findings, rows and the transfer graph read a few terms
    hundreds of thousands of times. ``GG["x"]`` (an IRI minted from data) is not kept."""

    def __getattr__(self, name: str) -> URIRef:
        if name.startswith("__"):  # Python's own names, as rdflib does
            raise AttributeError(name)
        term = _attribute_term(str(self), name)
        self.__dict__[name] = term  # the next ``GG.about`` is a plain attribute, not this call
        return term


@cache
def _attribute_term(namespace: str, name: str) -> URIRef:
    return URIRef(namespace + name)


class KnownTerms:
    """One of rdflib's closed namespaces (RDF, SH, DCTERMS) whose terms, once looked up, are plain
    attributes: rdflib checks the name and makes a new IRI on each ``SH.focusNode`` (160 000 times
    for the findings of 2 500 generated services). An unknown name still fails as rdflib's does."""

    def __init__(self, namespace: object) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> URIRef:
        if name.startswith("__"):
            raise AttributeError(name)
        term: URIRef = getattr(self._namespace, name)
        self.__dict__[name] = term
        return term


#: RDF, SH and DCTERMS for code that reads their terms per result, finding or row
RDF_TERMS, SH_TERMS, DCT_TERMS = KnownTerms(RDF), KnownTerms(SH), KnownTerms(DCTERMS)


#: the gdprgraph ontology (classes and properties of the model)
GG = Namespace("https://w3id.org/gdprgraph/ontology#")
#: W3C Data Privacy Vocabulary: core, personal data, locations, legal
DPV = Namespace("https://w3id.org/dpv#")
PD = Namespace("https://w3id.org/dpv/pd#")
LOC = Namespace("https://w3id.org/dpv/loc#")
LEGAL = Namespace("https://w3id.org/dpv/legal/")
EU_GDPR = Namespace("https://w3id.org/dpv/legal/eu/gdpr#")
#: the IRI prefixes of DPV's own terms (core, personal data, legal)
DPV_SPACES = (str(DPV), str(PD), str(LEGAL))

#: gdprgraph instances: template lines, organisations, services, documents, data, reference data
GGT = Namespace("https://w3id.org/gdprgraph/template/")
GGO = Namespace("https://w3id.org/gdprgraph/org/")
GGS = Namespace("https://w3id.org/gdprgraph/service/")
GGDOC = Namespace("https://w3id.org/gdprgraph/doc/")
GGD = Namespace("https://w3id.org/gdprgraph/data/")
GGR = Namespace("https://w3id.org/gdprgraph/ref/")
#: transfer impact assessments imported from files
GG_TIA = Namespace(GGD + "tia/")

#: Dublin Core terms under its short name
DCT = DCTERMS

#: the answers a template line can have
DECLARED_YES, DECLARED_NO, NOT_STATED = GG.DeclaredYes, GG.DeclaredNo, GG.NotStated
#: the status of a safeguard that is a basis (not only requested)
SAFEGUARD_IN_PLACE = GG.SafeguardInPlace
#: the source of the paths of a service whose data subjects no document states
UNSTATED_SUBJECTS: URIRef = GGR.UnstatedDataSubjects
