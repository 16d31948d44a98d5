"""Benchmark name resolution (``names.resolve``) over many organisations: one table.

For each size it builds seeded organisation names (two words, a number, a legal form), then resolves
one exact name (the first call, which normalises every label, then the mean of warm calls, which
read the cached forms), a name without its legal form, and a one-word brand shared by many names
(ambiguous: the candidates are listed).

    .venv/bin/python bench/resolve.py --sizes 1000 10000
"""

from __future__ import annotations

import argparse
import contextlib
import random
import time

from rdflib import URIRef

from gdprgraph import Workspace, names
from gdprgraph.errors import AmbiguousNameError

WORDS = ["Nimbus", "Acme", "Blue", "Orbit", "Data", "Cloud", "Net", "Sys", "Core", "Hub", "Vault", "Grid"]
FORMS = ["SAS", "Ltd", "Inc.", "GmbH", "B.V."]


def entities(size: int) -> dict[URIRef, list[tuple[str, bool]]]:
    rng = random.Random(size)
    return {
        URIRef(f"https://example.org/org/{i}"): [
            (f"{rng.choice(WORDS)} {rng.choice(WORDS)} {i} {rng.choice(FORMS)}", True)
        ]
        for i in range(size)
    }


def timed(graph, typed: str, known: dict, repeat: int = 1) -> float:
    """Milliseconds per resolution of a typed name (an ambiguous one counts: it lists candidates)."""
    start = time.perf_counter()
    for _ in range(repeat):
        with contextlib.suppress(AmbiguousNameError):
            names.resolve(graph, typed, "organisation", known)
    return (time.perf_counter() - start) / repeat * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    args = parser.parse_args()
    graph = Workspace().asserted
    print(
        f"{'organisations':>13}  {'first (ms)':>10}  {'warm (ms)':>9}  {'no legal form (ms)':>18}  {'brand (ms)':>10}"
    )
    for size in args.sizes:
        names.clear_caches()
        known = entities(size)
        label = list(known.values())[size // 2][0][0]
        first = timed(graph, label, known)
        warm = timed(graph, label, known, repeat=5)
        bare = timed(graph, label.rsplit(" ", 1)[0], known, repeat=5)
        brand = timed(graph, "Nimbus", known, repeat=5)
        print(f"{size:>13}  {first:>10.1f}  {warm:>9.1f}  {bare:>18.1f}  {brand:>10.1f}")


if __name__ == "__main__":
    main()
