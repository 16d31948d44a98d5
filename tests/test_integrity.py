"""The ontology and the data agree: every term used is declared, every local term documented,
every statement traceable to the line of its source document."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rdflib
from rdflib import OWL, RDF, RDFS, SKOS, Literal

from gdprgraph import resources

GG = "https://w3id.org/gdprgraph/ontology#"
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
STANDARD = (
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/2002/07/owl#",
    "http://www.w3.org/2004/02/skos/core#",
    "http://purl.org/dc/terms/",
    "http://www.w3.org/ns/prov#",
)


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in resources.ontology_files():
        graph.parse(path)
    return graph


@pytest.fixture(scope="module")
def data() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in resources.default_data_files():
        graph.parse(path)
    return graph


def declared(ontology: rdflib.Graph, data: rdflib.Graph, term) -> bool:
    if str(term).startswith(STANDARD):
        return True
    return (term, RDF.type, None) in ontology or (term, RDF.type, OWL.Class) in data


def test_every_class_and_property_used_in_data_is_declared(ontology, data):
    undeclared = set()
    for _s, p, o in data:
        if not declared(ontology, data, p):
            undeclared.add(("property", str(p)))
        if p == RDF.type and not declared(ontology, data, o):
            undeclared.add(("class", str(o)))
    assert sorted(undeclared) == []


def test_every_local_term_has_an_english_label_and_a_definition(ontology):
    local = {s for s in ontology.subjects(RDF.type, None) if str(s).startswith(GG)}
    assert len(local) > 50
    missing = []
    for term in sorted(local):
        labels = [o for o in ontology.objects(term, RDFS.label) if o.language == "en"]
        definitions = [o for o in ontology.objects(term, SKOS.definition) if o.language == "en"]
        if not labels or not definitions:
            missing.append(str(term))
    assert missing == []


def test_every_gg_term_mentioned_anywhere_exists(ontology):
    texts = [
        p.read_text(encoding="utf-8")
        for p in resources.default_data_files() + resources.rule_files() + sorted(resources.query_dir().rglob("*.rq"))
    ]
    used = {m for text in texts for m in re.findall(r"\bgg:([A-Za-z][\w-]*)", text)}
    unknown = sorted(t for t in used if (rdflib.URIRef(GG + t), None, None) not in ontology)
    assert unknown == []


def test_organisations_have_one_preferred_name_and_a_country(data):
    orgs = {
        s
        for s in data.subjects(RDF.type, None)
        if str(s).startswith("https://w3id.org/gdprgraph/org/") and s.endswith("customer") is False
    }
    for org in orgs:
        assert len(set(data.objects(org, SKOS.prefLabel))) == 1, org
        if (org, RDF.type, rdflib.URIRef("https://w3id.org/dpv#DataProtectionOfficer")) not in data:
            assert len(set(data.objects(org, rdflib.URIRef("https://w3id.org/dpv#hasCountry")))) == 1, org


def normalised_lines(path: Path, first: int, last: int) -> str:
    lines = path.read_text(encoding="utf-8").split("\n")[first - 1 : last]
    return "".join(re.sub(r"<i>|</i>|\*\*|<u>|</u>", "", " ".join(lines)).split())


def comparable(text: str) -> str:
    """Text without markup or any whitespace (line breaks may fall inside hyphenated words)."""
    return "".join(re.sub(r"<i>|</i>|\*\*|<u>|</u>", "", text).split())[:60]


def test_every_statement_cites_a_section_and_its_lines_hold_its_text(data, sources_dir):
    statements = {s for s in data.subjects(rdflib.URIRef(GG + "sourceLine"), None)}
    assert len(statements) > 100
    wrong = []
    for st in statements:
        section = data.value(st, DCT.source)
        document = data.value(section, DCT.isPartOf) if section else None
        source_file = data.value(document, rdflib.URIRef(GG + "sourceFile")) if document else None
        if source_file is None:
            wrong.append((str(st), "no section/document/file"))
            continue
        first = int(data.value(st, rdflib.URIRef(GG + "sourceLine")))
        last = int(data.value(st, rdflib.URIRef(GG + "sourceLineEnd")) or first)
        text = data.value(st, rdflib.URIRef(GG + "sourceText"))
        if not isinstance(text, Literal) or comparable(text) not in normalised_lines(
            sources_dir / str(source_file), first, last
        ):
            wrong.append((str(st), f"{source_file}:{first}-{last}"))
    assert wrong == []
