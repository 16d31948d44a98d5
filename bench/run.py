"""Benchmark the gdprgraph steps on generated estates and print a table (seconds, peak memory).

Each step runs in its own process, so that a step can be cut at a time limit (reported as
"> limit") and its peak memory measured alone. Today every step runs on the plain stack (rdflib
in-memory + owlrl + pyshacl), which is the baseline later engines are compared with.

    .venv/bin/python bench/run.py --services 100 1000 --limit 120
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STEPS = ("load", "closure", "validate", "queries", "paths", "map")


def estate_files(estate: Path) -> list[Path]:
    """The files a benchmark step loads: the estate, the template and the reference data."""
    return [estate, ROOT / "data" / "templates" / "orange-art28-template.ttl",
            ROOT / "data" / "reference" / "countries-and-adequacy.ttl"]


def run_step(step: str, estate: Path) -> dict[str, object]:
    """Run one step in this process and return its measures."""
    sys.path.insert(0, str(ROOT))
    from gdprgraph import Workspace, reason
    from gdprgraph import paths as transfer_paths
    from gdprgraph import validate as validation
    from gdprgraph.queries import catalog
    from gdprgraph.viz import MapSelection, render_map

    started = time.perf_counter()
    ws = Workspace(estate_files(estate))
    loaded = time.perf_counter()
    result: dict[str, object] = {"triples": len(ws.asserted), "load": loaded - started}
    if step == "closure":
        result["seconds"] = _timed(lambda: reason.infer(ws.asserted))
    elif step == "validate":
        result["seconds"] = _timed(lambda: validation.validate(ws.asserted))
    elif step == "queries":
        params = _params(ws)
        timings = {}
        for name, query in catalog().items():
            if query.inference != "none":
                continue  # needs the closure: measured with the closure step's engine later
            given = {p.name: params[p.kind] for p in query.parameters if not p.optional and p.kind in params}
            timings[name] = _timed(lambda n=name, g=given: ws.run(n, g))
        result["queries"] = timings
        result["seconds"] = sum(timings.values())
    elif step == "paths":
        result["seconds"] = _timed(lambda: transfer_paths.transfer_paths(transfer_paths.build(ws.asserted)))
    elif step == "map":
        result["seconds"] = _timed(lambda: render_map(ws, MapSelection(third_countries_only=True)))
    else:
        result["seconds"] = result["load"]
    result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def _timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _params(ws) -> dict[str, str]:
    """One value per parameter kind, taken from the estate."""
    first = "SELECT ?s WHERE { ?s a <https://w3id.org/dpv#Service> } ORDER BY ?s LIMIT 1"
    org = ("SELECT ?o WHERE { ?e <https://w3id.org/gdprgraph/ontology#subProcessor> ?o } "
           "ORDER BY ?o LIMIT 1")
    return {"service": str(next(iter(ws.asserted.query(first)))[0]),
            "organisation": str(next(iter(ws.asserted.query(org)))[0]),
            "data-category": "https://w3id.org/dpv#PersonalData"}


def measure(step: str, estate: Path, limit: float) -> dict[str, object]:
    """Run a step in a child process, cut at ``limit`` seconds."""
    command = [sys.executable, str(Path(__file__)), "--step", step, "--estate", str(estate)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=limit, check=True)
    except subprocess.TimeoutExpired:
        return {"seconds": None}
    except subprocess.CalledProcessError as err:
        return {"seconds": None, "error": err.stderr.strip().splitlines()[-1:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def cell(value: object, limit: float) -> str:
    if value is None:
        return f"> {limit:.0f} s"
    return f"{value:.2f} s" if isinstance(value, float) else str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--limit", type=float, default=120.0, help="seconds before a step is cut")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--estate", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        print(json.dumps(run_step(args.step, args.estate)))
        return 0

    sys.path.insert(0, str(HERE))
    from generate import generate, serialize

    print(f"# gdprgraph benchmark: plain stack (rdflib in-memory + owlrl + pyshacl), limit {args.limit:.0f} s")
    print(f"# {platform.platform()}, Python {platform.python_version()}")
    header = ["services", "triples", *STEPS, "peak memory"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.services:
            estate = Path(tmp) / f"estate-{n}.nt"
            print(f"... generating {n} services", file=sys.stderr, flush=True)
            serialize(generate(n, args.seed), estate)
            row: list[str] = [str(n)]
            measures = {}
            for step in STEPS:
                print(f"... {n} services: {step}", file=sys.stderr, flush=True)
                measures[step] = measure(step, estate, args.limit)
            row.append(str(measures["load"].get("triples", "?")))
            row += [cell(measures[step].get("seconds"), args.limit) for step in STEPS]
            peak = max((m.get("rss_mb", 0) for m in measures.values()), default=0)
            row.append(f"{peak:.0f} MB")
            print("| " + " | ".join(row) + " |", flush=True)
            queries = measures["queries"].get("queries")
            if queries:
                detail = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in sorted(queries.items()))
                print(f"|   queries at {n}: {detail} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
