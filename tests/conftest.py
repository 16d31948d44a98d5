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
