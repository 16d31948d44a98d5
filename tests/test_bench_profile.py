"""bench/validation_memory.py, the profile of validate's memory, on a small generated estate."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from gdprgraph import validate

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux's /proc")
def test_profiles_every_constraint_and_the_whole_validation():
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "validation_memory.py"), "--services", "5"],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    out = done.stdout
    rows = [line for line in out.splitlines() if line.startswith("| ") and not line.startswith("| constraint")]
    compiled = [c.describe() for c in validate.compiled_shapes(validate.shapes_graph())]
    assert sorted(row.split(" | ")[0][2:] for row in rows) == sorted(compiled)
    for row in rows:
        assert re.fullmatch(r"\| .+ \| \d+ \| \d+\.\d\d \| -?\d+ MB \|", row), row
    # the generated estate breaks some rules: the constraints alone and together find results
    assert sum(int(row.split(" | ")[1]) for row in rows) > 0
    together = r"validate \(constraints together\): [\d.]+ s, (\d+) findings; from (\d+) MB to a peak of (\d+) MB"
    found = re.search(together, out)
    assert found, out
    assert int(found[1]) > 0 and int(found[3]) >= int(found[2])
    assert re.search(r"loaded in [\d.]+ s: peak \d+ MB, then \d+ MB \(\d+ triples\)", out)
