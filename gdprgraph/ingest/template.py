"""The Article 28 template's items and labels, read from data/templates/orange-art28-template.ttl."""

from __future__ import annotations

from functools import cache

from rdflib import RDF, SKOS, Graph, Literal, URIRef

from .. import resources
from ..vocabulary import GG, GGT


@cache
def template_graph() -> Graph:
    """The template graph."""
    return Graph().parse(resources.data_dir() / "templates" / "orange-art28-template.ttl")


def label(iri: URIRef, language: str) -> str:
    """The label of a template term in a language (English if missing)."""
    labels = {
        lit.language: str(lit) for lit in template_graph().objects(iri, SKOS.prefLabel) if isinstance(lit, Literal)
    }
    return labels.get(language) or labels.get("en") or str(iri)


@cache
def items() -> dict[str, tuple[URIRef, int]]:
    """Item local name -> (template section, order), in template order."""
    graph = template_graph()
    found: dict[str, tuple[URIRef, int]] = {}
    for item in graph.subjects(RDF.type, GG.TemplateItem):
        section, order = graph.value(item, GG.templateSection), graph.value(item, GG.itemOrder)
        if not isinstance(section, URIRef) or not isinstance(order, Literal):
            raise ValueError(f"template item {item} has no section or no order")
        found[str(item)[len(str(GGT)) :]] = (section, int(order))
    return dict(sorted(found.items(), key=lambda kv: (SECTION_ORDER.index(kv[1][0]), kv[1][1])))


SECTION_ORDER = [
    GG.OperationsSection,
    GG.DataCategoriesSection,
    GG.SubjectMatterSection,
    GG.DataSubjectsSection,
    GG.SubProcessorsSection,
]
#: template section -> number of the section in the description
SECTION_NUMBER = {
    GG.OperationsSection: 1,
    GG.DataCategoriesSection: 2,
    GG.SubjectMatterSection: 3,
    GG.DataSubjectsSection: 5,
    GG.SubProcessorsSection: 6,
}
