"""The catalog's answers on generated estates are those written from a trusted commit
(tests/golden/catalog-answers-N.json, by tests/catalog_answers.py): query shapes, parameter binding
and engine changes keep every answer. 100 services always, 1 000 in the slow run."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"


def _helper():
    """tests/catalog_answers.py, the script that writes the golden files, as a module."""
    spec = importlib.util.spec_from_file_location("catalog_answers", HERE / "catalog_answers.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


catalog_answers = _helper()


@pytest.mark.parametrize("services", [100, pytest.param(1000, marks=pytest.mark.slow)])
def test_every_catalog_answer_is_the_golden_one(tmp_path, services):
    expected = json.loads((GOLDEN / f"catalog-answers-{services}.json").read_text(encoding="utf-8"))
    found = catalog_answers.answers(catalog_answers.estate_workspace(services, tmp_path))
    assert found.keys() == expected.keys()
    assert {k: v for k, v in found.items() if v != expected[k]} == {}
    assert sum(1 for v in found.values() if v.get("rows")) > 30  # most calls have rows to compare


def test_the_category_parameters_give_the_same_rows_on_the_memory_store(seed, seed_memory):
    """retention's category filter and services-processing's denials: Oxigraph (bound in a VALUES
    block, rewritten into the MINUS group) and rdflib (initBindings) agree, bound and unbound."""
    for name, params in [
        ("retention", {}),
        ("retention", {"category": "personal data"}),
        ("retention", {"category": "relation commerciale"}),
        ("retention", {"category": "Location"}),
        ("services-processing", {"category": "personal data"}),
    ]:
        fast = sorted(map(str, seed.run(name, params).rows))
        plain = sorted(map(str, seed_memory.run(name, params).rows))
        assert fast == plain, (name, params)
        assert fast or params.get("category") == "Location", (name, params)
