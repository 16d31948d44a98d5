"""Every catalog query's answers on a generated estate, as a digest per call: the contract that a
change of query shape, binding or engine keeps the answers (tests/test_catalog_answers.py).

Write the golden file from a commit you trust (each call: row count and SHA-256 of the sorted rows):

    python tests/catalog_answers.py --services 100 --out tests/golden/catalog-answers-100.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

from rdflib import URIRef

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gdprgraph import Workspace, queries  # noqa: E402

#: categories asked of the category parameters: the broadest, leaves, one with French names
CATEGORIES = ("personal data", "Location", "Contact data", "Financial data", "Identifier", "Données de localisation")


def estate_workspace(services: int, folder: Path, store: str = "oxigraph") -> Workspace:
    """bench/generate.py's estate of that size (seed 1) with the template and reference data, as the
    benchmark loads it."""
    sys.path.insert(0, str(ROOT / "bench"))
    import generate
    from run import estate_files

    estate = folder / f"estate-{services}.nt"
    generate.serialize(generate.generate(services, 1), estate)
    return Workspace(estate_files(estate), store=store)


def _first(ws: Workspace, query: str, column: str, count: int = 3) -> list[str]:
    values = sorted({str(r[column]) for r in ws.run_unbound(query).rows if isinstance(r[column], URIRef)})
    return values[:count]


def calls(ws: Workspace) -> list[tuple[str, dict[str, str]]]:
    """Each catalog query unbound (where it may be) and with a few values of each parameter."""
    values = {
        "service": _first(ws, "third-country-transfers", "service"),
        "organisation": _first(ws, "subprocessors-of", "organisation"),
        "data-category": list(CATEGORIES),
    }
    found: list[tuple[str, dict[str, str]]] = []
    for name, query in sorted(queries.catalog().items()):
        if all(p.optional for p in query.parameters):
            found.append((name, {}))
        for parameter in query.parameters:
            for value in values.get(parameter.kind, []):
                found.append((name, {parameter.name: value}))
    return found


def answers(ws: Workspace) -> dict[str, dict[str, object]]:
    """Per call (``query param=value``): its row count and the SHA-256 of its sorted rows."""
    digests: dict[str, dict[str, object]] = {}
    for name, params in calls(ws):
        label = " ".join([name, *(f"{k}={v}" for k, v in params.items())])
        try:
            result = ws.run(name, params)
        except LookupError as err:  # a name the estate does not have: that is the answer
            digests[label] = {"error": type(err).__name__}
            continue
        rows = sorted(json.dumps([None if v is None else v.n3() for v in row.values()]) for row in result.rows)
        digests[label] = {"rows": len(rows), "sha256": hashlib.sha256("\n".join(rows).encode()).hexdigest()}
    return digests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=100)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws = estate_workspace(args.services, Path(tmp))
        args.out.write_text(json.dumps(answers(ws), indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
