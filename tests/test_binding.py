"""Query parameters as VALUES blocks (``store.binding``): the WHERE group gets them, and so do the
MINUS groups and UNION branches of that group naming one in their own patterns. The answers are those of the query with
the VALUES block opening its WHERE group only, on small graphs built to catch a wrong rewrite, and
on the seed graph's catalog query that relies on it (against rdflib's binding there)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from gdprgraph import Workspace
from gdprgraph.store.binding import AnyOf, inline_values

EX = "http://example.org/"
GRAPH = f"""
@prefix : <{EX}> .
:a :p :c1 .  :b :p :c1 .  :d :p :c2 .
:a :q :z .   :d :q :z .   :b :q :w .
:z :r :c2 .
"""


def oxigraph_rows(text: str, bindings) -> set[tuple[str, ...]]:
    store = ox.Store()
    store.load(GRAPH, format=ox.RdfFormat.TURTLE)
    answer = store.query(inline_values(text, bindings))
    return {tuple(str(t.value) if t is not None else "" for t in row) for row in answer}


def top_only_rows(text: str, value: str) -> set[tuple[str, ...]]:
    """The reference: the VALUES block written by hand where the WHERE group opens, nowhere else."""
    opened = text.index("WHERE {") + len("WHERE {")
    return oxigraph_rows(f"{text[:opened]} VALUES ?c {{ <{EX}{value}> }} {text[opened:]}", None)


CASES = {
    # the parameter in the MINUS group's own pattern: bound there too, same rows
    "own pattern": f"SELECT ?s WHERE {{ ?s <{EX}p> ?c MINUS {{ ?s <{EX}q> <{EX}z> . ?z0 <{EX}r> ?c }} }}",
    "shared pattern": f"SELECT ?s WHERE {{ ?s <{EX}p> ?c MINUS {{ ?s <{EX}q> ?o . ?o <{EX}r> ?c }} }}",
    # only in an OPTIONAL of the MINUS group: binding it there would make every row of the MINUS
    # group share ?c with the left rows and remove them all
    "optional only": f"SELECT ?s WHERE {{ ?s <{EX}p> ?c MINUS {{ ?y <{EX}q> ?o OPTIONAL {{ ?o <{EX}r> ?c }} }} }}",
    # only in a FILTER of the MINUS group
    "filter only": f"SELECT ?s WHERE {{ ?s <{EX}p> ?c MINUS {{ ?y <{EX}q> ?o FILTER(?o != ?c) }} }}",
    # a MINUS in a nested group: its left side does not carry the parameter
    "nested": f"SELECT ?s ?c WHERE {{ {{ ?s <{EX}q> ?o MINUS {{ ?s <{EX}p> ?c }} }} }}",
    # UNION branches: one naming it in a pattern, one binding it to something else of its own
    "union": f"SELECT ?s ?o WHERE {{ {{ ?s <{EX}p> ?c }} UNION {{ ?s <{EX}q> ?o VALUES ?c {{ <{EX}c2> }} }} }}",
    # a branch naming it only in a filter (unbound there: the filter fails) or also in one
    "union filter": f"SELECT ?s WHERE {{ {{ ?s <{EX}q> ?o FILTER(?o != ?c) }} UNION {{ ?s <{EX}p> ?c }} }}",
    "union pattern and filter": (
        f"SELECT ?s WHERE {{ {{ ?s <{EX}p> ?c FILTER(?c != <{EX}c2>) }} UNION {{ ?s <{EX}q> ?o }} }}"
    ),
    # a branch naming it in a plain group nested in it, one naming it only in an OPTIONAL
    "union nested": (
        f"SELECT ?s ?o WHERE {{ {{ {{ ?s <{EX}p> ?c }} ?s <{EX}q> ?o }} "
        f"UNION {{ ?s <{EX}q> ?o OPTIONAL {{ ?o <{EX}r> ?c }} }} }}"
    ),
    # three branches
    "union of three": f"SELECT ?s WHERE {{ {{ ?s <{EX}p> ?c }} UNION {{ ?s <{EX}q> ?c }} UNION {{ ?c <{EX}r> ?s }} }}",
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("value", ["c1", "c2"])
def test_minus_answers_are_those_of_the_values_block_alone(name, value):
    assert oxigraph_rows(CASES[name], {"c": URIRef(EX + value)}) == top_only_rows(CASES[name], value)


def test_the_cases_tell_a_wrong_rewrite_from_a_right_one():
    """Writing the values into the MINUS group where the parameter is only optional changes the
    rows: the cases above can fail."""
    text = CASES["optional only"]
    wrong = text.replace("MINUS {", f"MINUS {{ VALUES ?c {{ <{EX}c1> }}")
    assert oxigraph_rows(wrong, {"c": URIRef(EX + "c1")}) != top_only_rows(text, "c1")


def test_the_values_go_into_a_minus_group_only_where_its_own_patterns_name_the_parameter():
    bound = {"c": URIRef(EX + "c1")}
    block = f"VALUES (?c) {{ (<{EX}c1>) }}"
    assert inline_values(CASES["own pattern"], bound).count(block) == 2
    assert inline_values(CASES["shared pattern"], bound).count(block) == 2
    for name in ("optional only", "filter only", "nested", "union pattern and filter"):
        assert inline_values(CASES[name], bound).count(block) == 1, name
    assert inline_values(CASES["union"], bound).count(block) == 3
    assert inline_values(CASES["union filter"], bound).count(block) == 2  # the second branch only
    assert inline_values(CASES["union of three"], bound).count(block) == 4
    assert inline_values(CASES["union nested"], bound).count(block) == 2
    # a MINUS group with VALUES of its own is left as written
    own_values = f"SELECT ?s WHERE {{ ?s <{EX}p> ?c MINUS {{ VALUES ?c {{ <{EX}c2> }} ?s <{EX}q> ?c }} }}"
    assert inline_values(own_values, bound).count(block) == 1
    # MINUS in a comment or a string is no group
    commented = f'SELECT ?s WHERE {{ ?s <{EX}p> ?c # MINUS {{ ?c }}\n FILTER(?s != "MINUS {{ ?c }}") }}'
    assert inline_values(commented, bound).count(block) == 1


def test_several_values_in_a_minus_group_answer_for_each():
    text = CASES["shared pattern"]
    both = oxigraph_rows(text, {"c": AnyOf((URIRef(EX + "c1"), URIRef(EX + "c2")))})
    assert both == top_only_rows(text, "c1") | top_only_rows(text, "c2")
    assert inline_values(text, {"c": AnyOf(())}).count("MINUS { VALUES") == 0


@pytest.mark.parametrize("category", ["personal data", "Location", "Contact data", "Financial data"])
def test_services_processing_binds_the_category_in_its_denials_with_the_same_rows(
    seed: Workspace, seed_memory, category
):
    """The catalog query whose MINUS group gets the category: Oxigraph (rewritten) and rdflib
    (initBindings, not rewritten) list the same services."""
    fast = seed.run("services-processing", {"category": category})
    plain = seed_memory.run("services-processing", {"category": category})
    assert fast.rows, category
    assert [tuple(r) for r in fast.rows] == [tuple(r) for r in plain.rows]
