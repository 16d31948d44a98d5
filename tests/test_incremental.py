"""Incremental re-validation gives the same findings as a full run, after edits of several kinds.

Each case applies one edit (what a changed data file would remove and add) to a fresh copy of the
seed in Oxigraph, re-validates incrementally from the seed's report, and compares with a full run
of the edited graph.
"""

from __future__ import annotations

from dataclasses import astuple
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import SH

from gdprgraph import Workspace, incremental
from gdprgraph import validate as validation
from gdprgraph.errors import InputError
from gdprgraph.incremental import Change

GG = "https://w3id.org/gdprgraph/ontology#"
DPV = "https://w3id.org/dpv#"
LOC = "https://w3id.org/dpv/loc#"
ORG = "https://w3id.org/gdprgraph/org/"
FWP = URIRef("https://w3id.org/gdprgraph/service/flexible-web-platform")


def _first(ws: Workspace, pattern):
    return next(iter(ws.asserted.triples(pattern)))


def _flip_a_line_to_not_stated(ws):
    line, status, _ = _first(ws, (None, URIRef(GG + "status"), URIRef(GG + "DeclaredYes")))
    return Change({(line, status, URIRef(GG + "DeclaredYes"))}, {(line, status, URIRef(GG + "NotStated"))})


def _drop_a_duration(ws):
    return Change({_first(ws, (None, URIRef(DPV + "hasDuration"), None))}, set())


def _move_platform_sh_to_the_us(ws):
    triple = _first(ws, (URIRef(ORG + "platform-sh"), URIRef(DPV + "hasCountry"), None))
    return Change({triple}, {(triple[0], triple[1], URIRef(LOC + "US"))})


def _drop_the_safeguards(ws):
    return Change(set(ws.asserted.triples((None, URIRef(GG + "hasSafeguard"), None))), set())


def _new_us_subprocessor_without_safeguard(ws):
    engagement = URIRef("https://w3id.org/gdprgraph/data/test-new-engagement")
    new_org = URIRef(ORG + "test-newco")
    return Change(
        set(),
        {
            (
                engagement,
                URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                URIRef(GG + "SubProcessingEngagement"),
            ),
            (engagement, URIRef(GG + "about"), FWP),
            (engagement, URIRef(GG + "subProcessor"), new_org),
            (new_org, URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"), Literal("NewCo")),
            (new_org, URIRef(DPV + "hasCountry"), URIRef(LOC + "US")),
            (engagement, URIRef(GG + "engagedBy"), URIRef(ORG + "orange-business-services")),
        },
    )


def _contradict_a_yes_line_from_another_document(ws):
    """A No line, read from a section of another document, for an item a service answers Yes: the
    owner is now described by two documents (ContradictorySourcesAnswerShape's narrowed target)."""
    rows = ws.asserted.query(
        "PREFIX gg: <https://w3id.org/gdprgraph/ontology#> PREFIX dcterms: <http://purl.org/dc/terms/> "
        "SELECT ?owner ?item ?other WHERE { ?yes gg:status gg:DeclaredYes ; gg:about ?owner ; gg:answers ?item ; "
        "dcterms:source/dcterms:isPartOf ?document . ?other dcterms:isPartOf ?otherDocument . "
        "?otherDocument gg:sourceFile ?file . FILTER(?document != ?otherDocument) } "
        "ORDER BY ?owner ?item ?other LIMIT 1"
    )
    owner, item, section = next(iter(rows))
    line = URIRef("https://w3id.org/gdprgraph/data/test-contradicting-line")
    return Change(
        set(),
        {
            (line, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), URIRef(GG + "TemplateLine")),
            (line, URIRef(GG + "about"), owner),
            (line, URIRef(GG + "answers"), item),
            (line, URIRef(GG + "status"), URIRef(GG + "DeclaredNo")),
            (line, URIRef("http://purl.org/dc/terms/source"), section),
        },
    )


EDITS = [
    _contradict_a_yes_line_from_another_document,
    _flip_a_line_to_not_stated,
    _drop_a_duration,
    _move_platform_sh_to_the_us,
    _drop_the_safeguards,
    _new_us_subprocessor_without_safeguard,
]


def _findings(report):
    return sorted(map(repr, (astuple(f) for f in report.findings)))


def _report_rows(report):
    """The results of a report graph, each as its sorted properties (blank results left out)."""
    graph = report.graph
    rows = [sorted((str(p), str(o)) for p, o in graph.predicate_objects(r)) for r in graph.objects(None, SH.result)]
    return sorted(map(repr, rows))


@pytest.fixture(scope="module")
def seed_report(seed):
    return validation.validate(seed)


@pytest.mark.parametrize("edit", EDITS, ids=[e.__name__.strip("_") for e in EDITS])
def test_incremental_equals_a_full_run(seed_report, edit, monkeypatch):
    monkeypatch.setattr(incremental, "TRIPLES_PER_FOCUS_NODE", 0)  # a focused run, however large the focus
    ws = Workspace()  # a fresh store: the edit must not touch the session's seed
    change = edit(ws)
    focus_before = incremental.affected_focus(ws.asserted, change)
    subjects = {s for s, _, _ in ws.asserted.triples((None, None, None))}
    assert focus_before is not None and len(focus_before) < len(subjects)  # a neighbourhood, not everything
    incremental_report = incremental.revalidate(ws.asserted, seed_report, change)
    full = validation.validate(ws)
    assert _findings(incremental_report) == _findings(full)
    assert _findings(full) != _findings(seed_report), "the edit must change the findings"
    # the report graph (built on demand from the previous and the fresh ones) has the same results
    assert _report_rows(incremental_report) == _report_rows(full)


def test_a_contradiction_between_two_documents_is_found_on_a_focused_run(seed_report, monkeypatch):
    """The narrowed target counts the documents of the focus nodes' owners only (sideways_slots)."""
    monkeypatch.setattr(incremental, "TRIPLES_PER_FOCUS_NODE", 0)
    ws = Workspace()
    change = _contradict_a_yes_line_from_another_document(ws)
    report = incremental.revalidate(ws.asserted, seed_report, change)
    shape = "A line answered Yes by one source and No by another"  # ContradictorySourcesAnswerShape
    new = [f for f in report.findings if f.shape == shape]
    assert new, "the incremental run must report the pair"
    assert not [f for f in seed_report.findings if f.shape == shape]


def test_a_change_to_a_hub_revalidates_everything(seed, seed_report):
    ws = Workspace()
    change = Change({_first(ws, (None, URIRef(GG + "status"), URIRef(GG + "DeclaredYes")))}, set())
    hub = URIRef(GG + "TemplateLine")  # every template line is one
    change.added.add((hub, URIRef("http://www.w3.org/2000/01/rdf-schema#comment"), Literal("edited")))
    assert incremental.affected_focus(ws.asserted, change) is None
    assert _findings(incremental.revalidate(ws.asserted, seed_report, change)) == _findings(validation.validate(ws))


def test_a_focus_as_costly_as_a_full_run_is_validated_in_full(seed_report, monkeypatch):
    asked = []
    validate = validation.validate
    monkeypatch.setattr(
        validation, "validate", lambda *args, **kw: asked.append(kw.get("focus")) or validate(*args, **kw)
    )
    monkeypatch.setattr(incremental, "SMALL_FOCUS", 0)
    monkeypatch.setattr(incremental, "TRIPLES_PER_FOCUS_NODE", 1)  # as if the graph were huge
    ws = Workspace()
    incremental.revalidate(ws.asserted, seed_report, _flip_a_line_to_not_stated(ws))
    assert asked[-1] is not None  # a focused run
    monkeypatch.setattr(incremental, "TRIPLES_PER_FOCUS_NODE", 10**9)  # as if the focus were most of the graph
    ws = Workspace()
    report = incremental.revalidate(ws.asserted, seed_report, _flip_a_line_to_not_stated(ws))
    assert asked[-1] is None
    assert _findings(report) == _findings(validate(ws))


def test_change_between_two_versions_of_a_file(tmp_path: Path):
    old, new = tmp_path / "old.ttl", tmp_path / "new.ttl"
    old.write_text('<urn:a> <urn:p> "1" .\n<urn:a> <urn:q> <urn:b> .\n', encoding="utf-8")
    new.write_text('<urn:a> <urn:p> "2" .\n<urn:a> <urn:q> <urn:b> .\n', encoding="utf-8")
    change = Change.between(old, new)
    assert change.removed == {(URIRef("urn:a"), URIRef("urn:p"), Literal("1"))}
    assert change.added == {(URIRef("urn:a"), URIRef("urn:p"), Literal("2"))}
    new.write_text("<urn:a> <urn:p> [ <urn:q> 1 ] .\n", encoding="utf-8")
    with pytest.raises(InputError, match="blank nodes"):
        Change.between(old, new)


def test_an_on_disk_store_is_built_then_reopened_in_one_process(tmp_path):
    from gdprgraph.load import publish

    spec = f"oxigraph:{tmp_path / 'store'}"
    assert publish(None, spec).rebuilt
    reopened = Workspace(store=spec)
    assert not reopened.graphs.rebuilt
    assert len(reopened.run("services-using", {"org": "Platform.sh"}).rows) == 2


def test_an_edit_on_an_on_disk_store_goes_to_a_private_checkpoint_removed_with_it(tmp_path, monkeypatch):
    """An incremental re-validation on a shared store: the edit and the findings it changes are the
    session's; the generation on disk, which other readers read, keeps what build wrote, and the
    private copy (a checkpoint in a temporary folder) is gone once the workspace is."""
    import gc
    import tempfile

    from gdprgraph.load import publish

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    spec = f"oxigraph:{tmp_path / 'store'}"
    publish(None, spec)
    ws = Workspace(store=spec)
    before = validation.validate(ws)
    yes_line = f"PREFIX gg: <{GG}> SELECT ?l WHERE {{ ?l gg:about ?s ; gg:status gg:DeclaredYes }} ORDER BY ?l LIMIT 1"
    line = next(iter(ws.asserted.query(yes_line)))[0]
    change = Change(
        removed={(line, URIRef(GG + "status"), URIRef(GG + "DeclaredYes"))},
        added={(line, URIRef(GG + "status"), URIRef(GG + "NotStated"))},
    )
    after = incremental.revalidate(ws.asserted, before, change)
    assert after.findings != before.findings  # a line not stated is a finding
    assert list((tmp_path / "tmp").glob("gdprgraph-private-*"))
    other = Workspace(store=spec)  # another reader: the generation as built
    assert (line, URIRef(GG + "status"), URIRef(GG + "DeclaredYes")) in other.asserted
    assert validation.validate(other).findings == before.findings
    del ws, after
    gc.collect()
    assert not list((tmp_path / "tmp").glob("gdprgraph-private-*"))


@pytest.mark.parametrize("predicate", sorted(incremental.GLOBAL_PREDICATES))
def test_a_change_to_a_setting_or_criterion_revalidates_everything(seed, predicate):
    """Shapes read these from any focus node (the as-of date, the DPIA criteria): no walk can bound them."""
    node = URIRef("urn:test:setting")
    change = Change(added={(node, predicate, Literal("2026-12-04"))})
    assert incremental.affected_focus(seed.asserted, change) is None
    # the same change on another predicate is walked from its node
    other = Change(added={(node, URIRef("urn:test:p"), Literal("2026-12-04"))})
    assert incremental.affected_focus(seed.asserted, other) == {node}
