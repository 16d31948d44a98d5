"""Benchmark gdprgraph on generated estates: the fast default against the plain stack, one table.

For each estate size the script generates a seeded estate (bench/generate.py), then measures:

- **fast**: the default engine (Oxigraph in memory; in-store OWL 2 RL rules; shapes compiled to
  SPARQL), every step in one process. The *main job*: the load, then validation beside every
  catalog query (``Workspace.run_together``: as many at once as there are cores) followed by the
  transfer paths (``parallel.together``, as the audit report asks its findings beside its tables
  and map); no step of it asks for the closure (measured after, as ``--inferred`` pays it); its
  peak memory is the process's then. After it, in the same process: validation, the queries and
  the paths each timed alone (the table's columns), the map, the OWL RL closure, each query alone
  (the details), the exports (RoPA, DPV profile, the snapshot ``diff`` takes of each side).
- **floor**: pyoxigraph alone parsing and indexing the same files, then one scan of the store
  (bench/peers.py): the ratio of the main job to it says how far we are from the limit. Beside
  it, the peak memory of ``validate`` alone (load and validate, in its own process).
- **warm**: a persistent store (``oxigraph:PATH``) built once, then reopened: the median of 21
  ``query`` calls; a first ``impact`` (what a one-off command pays), the session's warm-up
  (``impact.warm``), then one ``impact`` for each of the 21 most shared organisations, by name (median
  and slowest); and an incremental re-validation after one service changes.
- **plain**: the same steps on the plain stack (rdflib in memory, owlrl, pyshacl), each in its own
  process cut at ``--limit`` seconds (reported as "> limit"); for the sizes in ``--baseline``.
- **peers** (``--peers``): pyrudof and Apache Jena validating with our shapes, ``reasonable``
  computing the OWL RL closure, each in its own process cut at ``--limit``; a second table gives
  their times against ours (bench/peers.py says what each is and what it needs).

Peak memory is the largest resident size of a step's process. Long runs print progress to stderr.
``--repeat N`` runs the main job and the floor N times per size, each in a fresh process, and
reports the medians (the growth exponent between sizes is then not one run's noise).

    .venv/bin/python bench/run.py --services 100 250 1000 2500 10000 --baseline 100 1000 10000 --limit 120 --peers
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gdprgraph import Workspace

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PLAIN_STEPS = ("load", "inference", "validate", "queries", "paths", "map")
#: the main job: on the plain stack its steps one after the other; on the default engine the load,
#: then the checks (validation, queries and paths asked together)
MAIN_JOB = ("load", "validate", "queries", "paths")
FAST_MAIN_JOB = ("load", "checks")
PEERS = ("pyrudof", "jena", "reasonable")


def estate_files(estate: Path) -> list[Path]:
    """The files a benchmark step loads: the estate, the template and the reference data."""
    return [
        estate,
        ROOT / "data" / "templates" / "orange-art28-template.ttl",
        ROOT / "data" / "reference" / "countries-and-adequacy.ttl",
    ]


def _timed(action) -> tuple[float, object]:
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


def _rss_mb() -> float:
    """This process's peak resident size. Linux's VmHWM belongs to the process's own memory map;
    ru_maxrss does not: it keeps the high-water mark of the process that spawned it (here the
    parent, which generated the estate), so it would report the generator's memory, not ours."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _params(ws) -> dict[str, str]:
    """One value per parameter kind, taken from the estate."""
    first = "SELECT ?s WHERE { ?s a <https://w3id.org/dpv#Service> } ORDER BY ?s LIMIT 1"
    org = "SELECT ?o WHERE { ?e <https://w3id.org/gdprgraph/ontology#subProcessor> ?o } ORDER BY ?o LIMIT 1"
    return {
        "service": str(next(iter(ws.asserted.query(first)))[0]),
        "organisation": str(next(iter(ws.asserted.query(org)))[0]),
        "data-category": "personal data",
    }


def _calls(ws) -> list[tuple[str, dict[str, str]]]:
    """Every catalog query, with a value for each parameter it needs."""
    from gdprgraph.queries import catalog

    params = _params(ws)
    return [
        (name, {p.name: params[p.kind] for p in query.parameters if not p.optional and p.kind in params})
        for name, query in catalog().items()
    ]


def _run_queries(ws) -> dict[str, float]:
    """Every catalog query, one after the other, each timed alone."""
    return {name: _timed(lambda n=name, g=given: ws.run(n, g))[0] for name, given in _calls(ws)}


def _main_job(estate: Path) -> tuple[dict[str, object], Workspace]:
    """The main job on the default engine, in this process: the load, then validation beside every
    query followed by the transfer paths (``parallel.together``, as the audit report asks its
    findings beside its tables and map)."""
    from gdprgraph import Workspace, parallel
    from gdprgraph import paths as transfer_paths
    from gdprgraph import validate as validation

    out: dict[str, object] = {}
    out["load"], ws = _timed(lambda: Workspace(estate_files(estate), store="oxigraph"))
    out["triples"] = len(ws.asserted)
    calls = _calls(ws)

    def queries_then_paths() -> object:
        ws.run_together(calls)  # the answers, let go as a page lets them go once shown
        return transfer_paths.transfer_paths(transfer_paths.build(ws.asserted))

    out["checks"], (report, _) = _timed(
        lambda: parallel.together(ws.backend.concurrent_reads, lambda: validation.validate(ws), queries_then_paths)
    )
    out["findings"] = len(report.findings)
    out["rss_mb"] = _rss_mb()  # the main job's peak (the map is not part of it)
    return out, ws


def _steps_alone(ws: Workspace) -> dict[str, float]:
    """The main job's steps after the load, each timed alone (the table's columns)."""
    from gdprgraph import paths as transfer_paths
    from gdprgraph import validate as validation

    calls = _calls(ws)
    return {
        "validate": _timed(lambda: validation.validate(ws))[0],
        "queries": _timed(lambda: ws.run_together(calls))[0],  # as the web application answers them
        "paths": _timed(lambda: transfer_paths.transfer_paths(transfer_paths.build(ws.asserted)))[0],
    }


def step_main(estate: Path) -> dict[str, object]:
    """The main job alone (``--repeat`` runs it again in fresh processes)."""
    return _main_job(estate)[0]


def step_fast(estate: Path) -> dict[str, object]:
    """Every step of the main job on the default engine, then the map, the closure and the exports."""
    from gdprgraph import dpv_profile, ropa
    from gdprgraph.diff.compare import snapshot
    from gdprgraph.viz import MapSelection, render_map

    out, ws = _main_job(estate)
    out.update(_steps_alone(ws))
    out["map"], _ = _timed(lambda: render_map(ws, MapSelection(third_countries_only=True)))
    out["rss_with_map_mb"] = _rss_mb()
    out["closure_asked"] = ws.graphs.inferred is not None  # by none of the steps above
    out["inference"], _ = _timed(lambda: ws.inferred)
    out["inferred_triples"] = len(ws.inferred)
    out["rss_with_closure_mb"] = _rss_mb()
    out["per_query"] = _run_queries(ws)  # each alone, for the details
    # the exports a DPO or an auditor runs on the same estate (after the main job and the closure)
    out["exports"] = {
        "RoPA": _timed(lambda: ropa.records(ws))[0],
        "DPV profile": _timed(lambda: dpv_profile.dpv_view(ws.asserted))[0],
        "diff snapshot": _timed(lambda: snapshot(ws.asserted))[0],
    }
    return out


def step_validate_only(estate: Path) -> dict[str, object]:
    """Load and validate, nothing else: the peak memory of ``gdprgraph validate``."""
    from gdprgraph import Workspace
    from gdprgraph import validate as validation

    seconds, _ = _timed(lambda: validation.validate(Workspace(estate_files(estate), store="oxigraph")))
    return {"seconds": seconds, "rss_mb": _rss_mb()}


def step_peer(step: str, estate: Path, limit: float) -> dict[str, object]:
    """The floor, or one peer engine (bench/peers.py), in this process."""
    import peers

    files = estate_files(estate)
    if step == "floor":
        out = peers.floor(files)
    elif step == "pyrudof":
        out = peers.pyrudof_validate(files)
    elif step == "jena":
        out = peers.jena_validate(files, limit)
    else:
        out = peers.reasonable_closure(files)
    out["rss_mb"] = _rss_mb()
    return out


def step_warm(estate: Path, store_dir: Path) -> dict[str, object]:
    """A persistent store built once and reopened; warm query, impact and incremental re-validation."""
    from rdflib import URIRef

    from gdprgraph import Workspace, incremental
    from gdprgraph import impact as impacts
    from gdprgraph import validate as validation
    from gdprgraph.labels import display_name
    from gdprgraph.load import publish

    spec = f"oxigraph:{store_dir}"
    out: dict[str, object] = {}
    out["build"], _ = _timed(lambda: publish(estate_files(estate), spec))
    out["reopen"], ws = _timed(lambda: Workspace(estate_files(estate), store=spec))
    params = _params(ws)
    query_times = [_timed(lambda: ws.run("services-using", {"org": params["organisation"]}))[0] for _ in range(21)]
    out["query_median"] = statistics.median(query_times)
    out["impact_first"], _ = _timed(lambda: impacts.impact(ws, params["organisation"]))
    out["warm_up"], _ = _timed(lambda: impacts.warm(ws))
    shared = ws.asserted.query(
        "SELECT ?org (COUNT(DISTINCT ?service) AS ?n) WHERE { ?e ?sub ?org ; ?about ?service } "
        "GROUP BY ?org ORDER BY DESC(?n) ?org LIMIT 21",
        {"sub": URIRef(GG + "subProcessor"), "about": URIRef(GG + "about")},
    )
    names = [display_name(ws.asserted, org, str(org)) for org, _ in shared]  # as a DPO types them
    impact_times = [_timed(lambda o=name: impacts.impact(ws, o))[0] for name in names]
    out["impact_median"] = statistics.median(impact_times)
    out["impact_slowest"] = max(impact_times)
    report = validation.validate(ws)
    service = URIRef(params["service"])
    change = incremental.Change()
    lines = ws.asserted.query(
        "SELECT ?line WHERE { ?line a ?class ; ?about ?service ; ?status [] } ORDER BY ?line LIMIT 2",
        {
            "class": URIRef(GG + "TemplateLine"),
            "about": URIRef(GG + "about"),
            "service": service,
            "status": URIRef(GG + "status"),
        },
    )
    for (line,) in lines:
        for triple in ws.asserted.triples((line, URIRef(GG + "status"), None)):
            change.removed.add(triple)
            change.added.add((line, triple[1], URIRef(GG + "NotStated")))
    out["change_triples"] = len(change.removed) + len(change.added)
    out["incremental"], _ = _timed(lambda: incremental.revalidate(ws.asserted, report, change))
    out["rss_mb"] = _rss_mb()
    return out


GG = "https://w3id.org/gdprgraph/ontology#"


def step_plain(step: str, estate: Path) -> dict[str, object]:
    """One step on the plain stack (rdflib in memory, owlrl, pyshacl), in this process."""
    from gdprgraph import Workspace, reason
    from gdprgraph import paths as transfer_paths
    from gdprgraph import validate as validation
    from gdprgraph.viz import MapSelection, render_map

    load_time, ws = _timed(lambda: Workspace(estate_files(estate), store="memory"))
    out: dict[str, object] = {"triples": len(ws.asserted)}
    actions = {
        "load": lambda: None,
        "inference": lambda: reason.infer(ws.asserted),
        "validate": lambda: validation.validate(ws.asserted, engine="pyshacl"),
        "queries": lambda: _run_queries(ws),
        "paths": lambda: transfer_paths.transfer_paths(transfer_paths.build(ws.asserted)),
        "map": lambda: render_map(ws, MapSelection(third_countries_only=True)),
    }
    seconds, _ = _timed(actions[step])
    out["seconds"] = load_time if step == "load" else seconds
    out["rss_mb"] = _rss_mb()
    return out


#: the address space a peer engine's process may take (reasonable can take all the memory there is)
PEER_MEMORY = 8 * 1024**3


def child(args: list[str], limit: float, memory: int | None = None) -> dict[str, object] | None:
    """Run this script as a child process for one step, cut at ``limit`` seconds (and at ``memory``
    bytes of address space, if given)."""
    command = [sys.executable, str(Path(__file__)), *args]

    def cap() -> None:
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=limit, check=True, preexec_fn=cap)
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as err:
        lines = err.stderr.strip().splitlines() or ["?"]
        # a Rust engine that stops prints a backtrace after the line that says why
        telling = [line for line in lines if "panicked" in line or "memory" in line or "Error" in line]
        tail = (telling or lines)[-1].strip()
        if err.returncode < 0 or "memory" in tail:
            tail += f" (exit {err.returncode}; under the {memory // 1024**3} GB cap)" if memory else ""
        print(f"    step failed: {tail}", file=sys.stderr)
        return {"error": tail}
    return json.loads(done.stdout.strip().splitlines()[-1])


def seconds(value: object, limit: float | None = None) -> str:
    if value is None:
        return f"> {limit:.0f} s" if limit else "-"
    if isinstance(value, float):
        return f"{value * 1000:.0f} ms" if value < 0.1 else f"{value:.2f} s"
    return str(value)


def versions() -> str:
    names = ("rdflib", "pyoxigraph", "owlrl", "pyshacl", "networkx", "pyvis")
    return ", ".join(f"{n} {metadata.version(n)}" for n in names)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument(
        "--baseline", type=int, nargs="*", default=[100, 1000, 10000], help="sizes also measured on the plain stack"
    )
    parser.add_argument("--limit", type=float, default=60.0, help="seconds before a plain-stack step is cut")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--peers", action="store_true", help="also run pyrudof, Jena SHACL and reasonable")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs of the main job and of the floor per size, each in a fresh process: the table gives "
        "the medians (peak memory: the largest), the details each run's main job",
    )
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--estate", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--store-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    if args.step:
        if args.step == "fast":
            result = step_fast(args.estate)
        elif args.step == "main":
            result = step_main(args.estate)
        elif args.step == "validate-only":
            result = step_validate_only(args.estate)
        elif args.step in ("floor", *PEERS):
            sys.path.insert(0, str(HERE))
            result = step_peer(args.step, args.estate, args.limit)
        elif args.step == "warm":
            result = step_warm(args.estate, args.store_dir)
        else:
            result = step_plain(args.step, args.estate)
        print(json.dumps(result))
        return 0

    sys.path.insert(0, str(HERE))
    from generate import generate, serialize

    print(f"# gdprgraph benchmark, seed {args.seed}; plain-stack steps cut at {args.limit:.0f} s")
    print(f"# {platform.platform()}, Python {platform.python_version()}; {versions()}")
    print()
    header = [
        "services",
        "triples",
        "engine",
        *PLAIN_STEPS,
        "main job",
        "peak memory",
        "floor",
        "main job / floor",
        "validate peak",
    ]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header), flush=True)
    details: list[str] = []
    scaling: list[tuple[int, float]] = []
    peer_rows: list[tuple[int, dict, dict]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.services:
            estate = Path(tmp) / f"estate-{n}.nt"
            print(f"... {n} services: generating", file=sys.stderr, flush=True)
            serialize(generate(n, args.seed), estate)
            print(f"... {n} services: fast engine", file=sys.stderr, flush=True)
            fast = child(["--step", "fast", "--estate", str(estate)], 3600) or {}
            if "error" in fast or not fast:
                print(f"| {n} | ? | fast | failed: {fast.get('error', 'timeout')} |", flush=True)
                continue
            runs = [fast]
            for run in range(2, args.repeat + 1):
                print(f"... {n} services: main job, run {run}", file=sys.stderr, flush=True)
                again = child(["--step", "main", "--estate", str(estate)], 3600) or {}
                if "error" not in again and again:
                    runs.append(again)
            totals = [sum(r[s] for s in FAST_MAIN_JOB) for r in runs]
            main_job = statistics.median(totals)
            if len(runs) > 1:  # the load's column: the median of the runs; peak: the largest
                fast = {**fast, **{s: statistics.median(r[s] for r in runs) for s in FAST_MAIN_JOB}}
                fast["rss_mb"] = max(r["rss_mb"] for r in runs)
                details.append(
                    f"- {n} services, main job in {len(runs)} runs: "
                    + ", ".join(seconds(t) for t in totals)
                    + f" (median {seconds(main_job)})"
                )
            scaling.append((int(fast["triples"]), main_job))
            print(f"... {n} services: floor, validate alone", file=sys.stderr, flush=True)
            floors = [child(["--step", "floor", "--estate", str(estate)], 3600) or {} for _ in range(args.repeat)]
            floors = [f for f in floors if isinstance(f.get("seconds"), float)] or [{}]
            floor = {  # each time the median of the runs
                key: statistics.median(f[key] for f in floors) if isinstance(value, float) else value
                for key, value in floors[0].items()
            }
            alone = child(["--step", "validate-only", "--estate", str(estate)], 3600) or {}
            floor_seconds = floor.get("seconds")
            print(
                "| "
                + " | ".join(
                    [
                        str(n),
                        str(fast["triples"]),
                        "fast",
                        *(seconds(fast[s]) for s in PLAIN_STEPS),
                        seconds(main_job),
                        f"{fast['rss_mb']:.0f} MB",
                        seconds(floor_seconds),
                        f"{main_job / floor_seconds:.1f}x" if isinstance(floor_seconds, float) else "-",
                        f"{alone['rss_mb']:.0f} MB" if "rss_mb" in alone else "-",
                    ]
                )
                + " |",
                flush=True,
            )
            if isinstance(floor_seconds, float):
                details.append(
                    f"- {n} services, floor: pyoxigraph parses and indexes {floor['quads']} triples in "
                    f"{seconds(floor['load'])} and scans them in {seconds(floor['scan'])}; main job / raw load "
                    f"{main_job / floor['load']:.1f}x"
                )
            details.append(
                f"- {n} services, the map (drawn after the main job): peak memory then {fast['rss_with_map_mb']:.0f} MB"
            )
            details.append(
                f"- {n} services, closure (asked after the main job, which never asked for it: "
                f"{not fast['closure_asked']}): {seconds(fast['inference'])}, peak memory then "
                f"{fast['rss_with_closure_mb']:.0f} MB"
            )
            if args.peers:
                found = {}
                for peer in PEERS:
                    print(f"... {n} services: peer {peer}", file=sys.stderr, flush=True)
                    command = ["--step", peer, "--estate", str(estate), "--limit", str(args.limit)]
                    found[peer] = child(command, args.limit, PEER_MEMORY)
                peer_rows.append((n, fast, found))
            details.append(
                f"- {n} services, fast: {fast['inferred_triples']} triples with inference, "
                f"{fast['findings']} findings; queries: "
                + ", ".join(f"{q} {seconds(t)}" for q, t in sorted(fast["per_query"].items()))
                + "; exports: "
                + ", ".join(f"{e} {seconds(t)}" for e, t in fast["exports"].items())
            )
            print(f"... {n} services: warm store", file=sys.stderr, flush=True)
            warm = (
                child(["--step", "warm", "--estate", str(estate), "--store-dir", str(Path(tmp) / f"store-{n}")], 3600)
                or {}
            )
            if "error" not in warm and warm:
                details.append(
                    f"- {n} services, warm `oxigraph:PATH` store: built in {seconds(warm['build'])}, reopened in "
                    f"{seconds(warm['reopen'])}; median of 21 queries {seconds(warm['query_median'])}; first "
                    f"impact {seconds(warm['impact_first'])}, warm-up {seconds(warm['warm_up'])}, then impact of "
                    f"the 21 most shared organisations: median {seconds(warm['impact_median'])}, slowest "
                    f"{seconds(warm['impact_slowest'])}; incremental re-validation after one service changes "
                    f"({warm['change_triples']} triples): {seconds(warm['incremental'])}; "
                    f"peak memory {warm['rss_mb']:.0f} MB"
                )
            if n not in args.baseline:
                continue
            plain: dict[str, dict | None] = {}
            for step in PLAIN_STEPS:
                print(f"... {n} services: plain stack, {step}", file=sys.stderr, flush=True)
                plain[step] = child(["--step", step, "--estate", str(estate)], args.limit)
            cells = [seconds((plain[s] or {}).get("seconds"), args.limit) for s in PLAIN_STEPS]
            measured = [(plain[s] or {}).get("seconds") for s in MAIN_JOB]
            total = sum(m if m is not None else args.limit for m in measured)
            cut = any(m is None for m in measured)
            peak = max(((p or {}).get("rss_mb", 0) for p in plain.values()), default=0)
            print(
                "| "
                + " | ".join(
                    [
                        str(n),
                        str(fast["triples"]),
                        "plain",
                        *cells,
                        ("> " if cut else "") + seconds(total),
                        f"{peak:.0f} MB",
                        "",
                        "",
                        "",
                    ]
                )
                + " |"
            )
            ratio = total / main_job
            print(
                f"| {n} | | ratio | "
                + " | ".join(_ratio(plain[s], fast[s], args.limit) for s in PLAIN_STEPS)
                + f" | {'> ' if cut else ''}{ratio:.0f}x | | | | |",
                flush=True,
            )
    print()
    for line in details:
        print(line)
    if peer_rows:
        print()
        print_peers(peer_rows, args.limit)
    if len(scaling) >= 2:
        print()
        for (t1, s1), (t2, s2) in itertools.pairwise(scaling):
            exponent = math.log(s2 / s1) / math.log(t2 / t1)
            print(f"- main job scaling from {t1} to {t2} triples: time ~ triples^{exponent:.2f}")
    return 0


def print_peers(rows: list[tuple[int, dict, dict]], limit: float) -> None:
    """The peers table: each peer's time against ours for the same work, and how many times ours."""
    print("| services | our validate | pyrudof validate | Jena SHACL validate | our closure | reasonable closure |")
    print("|---|---|---|---|---|---|")
    unavailable: set[str] = set()

    def cell(found: dict | None, ours: float) -> str:
        if found is None:
            return f"> {limit:.0f} s ({limit / ours:.0f}x ours)"
        if "unavailable" in found or "error" in found:
            unavailable.add(str(found.get("unavailable") or found.get("error")))
            return "unavailable"
        if found.get("seconds") is None:
            return f"> {limit:.0f} s ({limit / ours:.0f}x ours)"
        return f"{seconds(found['seconds'])} ({found['seconds'] / ours:.1f}x ours)"

    for n, fast, found in rows:
        print(
            f"| {n} | {seconds(fast['validate'])} | {cell(found['pyrudof'], fast['validate'])} | "
            f"{cell(found['jena'], fast['validate'])} | {seconds(fast['inference'])} | "
            f"{cell(found['reasonable'], fast['inference'])} |"
        )
    for reason in sorted(unavailable):
        print(f"- unavailable: {reason}")


def _ratio(plain: dict | None, fast: float, limit: float) -> str:
    value = (plain or {}).get("seconds")
    if value is None:
        return f"> {limit / fast:.0f}x" if fast else "-"
    return f"{value / fast:.0f}x" if fast else "-"


if __name__ == "__main__":
    sys.exit(main())
