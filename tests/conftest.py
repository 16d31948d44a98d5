"""Shared fixtures: the seed graph is loaded once per test session, its closure computed once."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Closures computed by the tests go to a private cache, never the user's.
os.environ.setdefault("GDPRGRAPH_CACHE", tempfile.mkdtemp(prefix="gdprgraph-test-cache-"))

from gdprgraph import (
    Workspace,
    resources,
)

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def seed() -> Workspace:
    """The embedded default graph: ontology + data/."""
    return Workspace()


@pytest.fixture(scope="session")
def sources_dir() -> Path:
    return resources.data_dir() / "sources"


@pytest.fixture(scope="session")
def seed_memory() -> Workspace:
    """The embedded default graph on the plain stack (rdflib, owlrl, pyshacl): the reference."""
    return Workspace(store="memory")


def bench_generator():
    """bench/generate.py as a module (it is a script, not part of the package)."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def estate_files(estate: Path) -> list[Path]:
    """A generated estate with the template and reference data it needs."""
    return [estate, resources.data_dir() / "templates" / "orange-art28-template.ttl",
            resources.data_dir() / "reference" / "countries-and-adequacy.ttl"]


@pytest.fixture(scope="session")
def generator():
    """bench/generate.py, loaded once."""
    return bench_generator()


@pytest.fixture(scope="session")
def estate_inputs():
    """The function that lists an estate's files with the template and reference data."""
    return estate_files


@pytest.fixture(scope="session")
def small_estate(generator, tmp_path_factory) -> list[Path]:
    """A generated estate of 4 services (seed 7), as the files a Workspace loads."""
    out = tmp_path_factory.mktemp("estate") / "estate-4.ttl"
    assert generator.main(["--services", "4", "--seed", "7", "--out", str(out)]) == 0
    return estate_files(out)
