"""Free memory the C library holds is handed back to the system, after each constraint of a run."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from gdprgraph import memory, shacl_sparql, validate
from gdprgraph.store.oxigraph import OxigraphDataset

# 50 000 blocks of 4 KiB from glibc's heap, written to (resident), all freed but the last one: the
# free memory then lies below a block in use, where glibc's own trimming of its heap's top never
# reaches, as a finished query's intermediate results lie below the store's pages
_HOLD_THEN_FREE = textwrap.dedent(
    """
    import ctypes, json
    from pathlib import Path
    from gdprgraph import memory

    def resident_mb():
        line = next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmRSS"))
        return int(line.split()[1]) / 1024

    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = [libc.malloc(4096) for _ in range(50_000)]
    for block in blocks:
        ctypes.memset(block, 1, 4096)
    for block in blocks[:-1]:
        libc.free(block)
    before = resident_mb()
    given = memory.give_back()
    print(json.dumps({"given": given, "before": before, "after": resident_mb()}))
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="resident size read from /proc")
def test_memory_freed_below_blocks_in_use_goes_back_to_the_system():
    import json

    out = subprocess.run([sys.executable, "-c", _HOLD_THEN_FREE], capture_output=True, text=True, check=True)
    measured = json.loads(out.stdout)
    if not measured["given"]:
        pytest.skip("the C library is not glibc: nothing to give back with")
    assert measured["before"] - measured["after"] > 150  # of the ~195 MB freed


def test_every_query_on_an_oxigraph_store_offers_memory_back_when_the_process_grew(seed, monkeypatch):
    asked: list[int] = []
    monkeypatch.setattr(memory, "give_back", lambda after_growth=0: asked.append(after_growth) or True)
    seed.asserted.internal("countries")
    assert asked == [memory.AFTER_QUERY]
    asked.clear()
    evaluated: list[str] = []
    evaluate = OxigraphDataset._query
    monkeypatch.setattr(OxigraphDataset, "_query", lambda self, *a: evaluated.append(a[0]) or evaluate(self, *a))
    compiled = validate.compiled_shapes(validate.shapes_graph())
    shacl_sparql.run_results(seed.asserted, compiled, threads=2)  # the constraints run on two threads
    assert len(evaluated) > len(compiled) / 2 and asked == [memory.AFTER_QUERY] * len(evaluated)


def test_memory_is_given_back_only_after_the_process_grew_that_much():
    if not memory.give_back():  # the baseline: the resident size right after giving back
        pytest.skip("the C library is not glibc: nothing to give back with")
    assert memory.resident_bytes() > 0
    assert not memory.give_back(after_growth=1 << 40)  # it did not grow by a terabyte since
    grown = b"\x01" * (64 * 1024 * 1024)  # 64 MB written: the resident size grows by as much
    assert memory.give_back(after_growth=32 * 1024 * 1024)
    del grown


def test_the_command_line_imports_the_reference_engines_and_the_drawing_only_when_used():
    # networkx, pyshacl, owlrl and pyvis (which imports IPython) are about 25 MB and 0.2 s of every
    # command's start; validate, query or describe on the default store use none of them
    script = (
        "import sys, gdprgraph.cli\n"
        "print(sorted(m for m in ('networkx', 'pyshacl', 'owlrl', 'pyvis', 'IPython') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
