"""Where ``validate`` spends its memory on a generated estate: the profile behind the figure
"validate alone" of bench/run.py.

It loads the estate as ``gdprgraph validate`` does (Oxigraph in memory) and prints:

- the resident size of the interpreter with our imports, then of the loaded store;
- each compiled constraint run alone, on one thread, in the shapes' order: its results, its time,
  and the working memory its evaluation needed above the resident size before it (the kernel's
  high-water mark is reset before each, ``/proc/self/clear_refs``; freed memory is given back
  first, so the figure is the query's, not what an earlier one left);
- a whole validation as ``validate`` runs it (constraints together, one per core): its peak, and
  what the process still holds once it has ended and its free memory is given back (the results,
  the findings and the reads they share).

Linux only (``/proc``). The estate is generated (``--services N``, seed 1) or given (``--estate FILE``)::

    .venv/bin/python bench/validation_memory.py --services 2500
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


def resident_mb() -> float:
    """This process's resident size now."""
    from gdprgraph import memory

    return memory.resident_bytes() / (1024 * 1024)


def reset_peak() -> None:
    """Start the high-water mark again from the resident size now."""
    Path("/proc/self/clear_refs").write_text("5")


def profile(estate: Path) -> None:
    from run import _rss_mb as peak_mb  # bench/run.py: the high-water mark (since the last reset_peak)
    from run import estate_files  # the estate with the template and the reference data

    from gdprgraph import Workspace, memory, shacl_sparql
    from gdprgraph import validate as validation

    print(f"interpreter and imports: {resident_mb():.0f} MB")
    reset_peak()
    started = time.perf_counter()
    ws = Workspace(estate_files(estate), store="oxigraph")
    graph = ws.asserted
    print(
        f"loaded in {time.perf_counter() - started:.2f} s: peak {peak_mb():.0f} MB, then {resident_mb():.0f} MB "
        f"({len(graph)} triples)"
    )
    print()
    print("| constraint | results | seconds | working memory |")
    print("|---|---|---|---|")
    rows = []
    for constraint in validation.compiled_shapes(validation.shapes_graph()):
        memory.give_back()
        before = resident_mb()
        reset_peak()
        started = time.perf_counter()
        run = shacl_sparql.run_results(graph, [constraint], threads=1)
        rows.append((constraint.describe(), len(run.results), time.perf_counter() - started, peak_mb() - before))
        del run
    for name, results, seconds, working in sorted(rows, key=lambda row: -row[3]):
        print(f"| {name} | {results} | {seconds:.2f} | {working:.0f} MB |")
    print(f"\n{len(rows)} constraints, one at a time: {sum(r[2] for r in rows):.2f} s")
    memory.give_back()
    before = resident_mb()
    reset_peak()
    started = time.perf_counter()
    report = validation.validate(ws)
    seconds, peak = time.perf_counter() - started, peak_mb()
    memory.give_back()
    print(
        f"validate (constraints together): {seconds:.2f} s, {len(report.findings)} findings; from {before:.0f} MB "
        f"to a peak of {peak:.0f} MB; held after it, free memory given back: {resident_mb():.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--services", type=int, help="generate an estate of this many services (seed 1)")
    source.add_argument("--estate", type=Path, help="an estate file bench/generate.py wrote")
    args = parser.parse_args()
    if args.estate:
        profile(args.estate)
        return
    from generate import generate, serialize

    with tempfile.TemporaryDirectory() as tmp:
        estate = Path(tmp) / f"estate-{args.services}.nt"
        serialize(generate(args.services, 1), estate)
        profile(estate)


if __name__ == "__main__":
    main()
