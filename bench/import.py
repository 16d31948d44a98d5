"""Benchmark ``gdprgraph import-subprocessors`` on generated sub-processor lists: one table.

For each size it writes a seeded CSV sub-processor list into a temporary folder (a vendor's list as
published: sub-processor, purpose, location of processing, corporate location, transfer mechanism;
most names new suppliers, some engaged for several purposes, some the seed's own organisations),
then runs the import in a child process (``gdprgraph import-subprocessors FILE --service ...
--out OUT``, through the command line's own ``main``) and prints the rows, the seconds (the child's
whole run, from the interpreter's start, and the import command alone), the child's peak resident
memory (VmHWM from /proc/self/status, read by the child before it exits), the rows per second (of the
whole run) and the size of the Turtle written.

    .venv/bin/python bench/import.py --rows 10000 100000
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SERVICE = "Flexible Web Platform"
HEADER = ["Sub-processor", "Purpose", "Location of processing", "Corporate location", "Transfer mechanism"]
PURPOSES = [
    "Hosting of the platform",
    "Audience analytics",
    "Transactional e-mail delivery",
    "Customer support",
    "Payment processing",
    "Log storage",
    "Content delivery network",
    "Backups",
]
LOCATIONS = [
    "France",
    "Germany",
    "United States",
    "US, IE",
    "India and Germany",
    "Allemagne + Pays-Bas",
    "Ireland",
    "IE",
    "Japan",
    "Brazil",
    "Switzerland",
    "United Kingdom",
]
CORPORATE = ["France", "United States", "United Kingdom", "Germany", "", "Netherlands"]
MECHANISMS = [
    "",
    "Standard Contractual Clauses",
    "EU-U.S. Data Privacy Framework",
    "Binding Corporate Rules",
    "SCC + DPF",
    "BCR (requested)",
    "Adequacy decision",
    "N/A",
]
KNOWN = ["PLATFORM.SH SAS", "Orange Business Services", "Amazon Web Services"]
SUFFIXES = ["Ltd", "Inc.", "SAS", "GmbH", "B.V.", "LLC", ""]


def write_list(path: Path, rows: int, seed: int = 1) -> None:
    """A CSV sub-processor list of ``rows`` data rows (same seed, same bytes)."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        for number in range(rows):
            draw = rng.random()
            if draw < 0.01:
                name = rng.choice(KNOWN)
            elif draw < 0.1 and number:
                name = f"Vendor {rng.randrange(number):06d} {SUFFIXES[number % len(SUFFIXES)]}".strip()
            else:
                name = f"Vendor {number:06d} {SUFFIXES[number % len(SUFFIXES)]}".strip()
            writer.writerow(
                [name, rng.choice(PURPOSES), rng.choice(LOCATIONS), rng.choice(CORPORATE), rng.choice(MECHANISMS)]
            )


def _peak_mb() -> float:
    """This process's peak resident size (VmHWM; ru_maxrss if /proc is not there)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step_import(source: Path, out: Path) -> dict[str, object]:
    """The command line's import, in this process: exit code, seconds, peak memory."""
    sys.path.insert(0, str(ROOT))
    from gdprgraph import cli

    started = time.perf_counter()
    code = cli.main(["import-subprocessors", str(source), "--service", SERVICE, "--out", str(out), "--force"])
    return {
        "exit": code,
        "seconds": time.perf_counter() - started,
        "rss_mb": _peak_mb(),
        "bytes": out.stat().st_size if out.exists() else 0,
    }


def child(source: Path, out: Path, limit: float) -> dict[str, object] | None:
    """Run this script as a child process for one import, cut at ``limit`` seconds."""
    command = [sys.executable, str(Path(__file__)), "--step", str(source), str(out)]
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=limit, check=True)
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as err:
        return {"error": (err.stderr.strip().splitlines() or ["?"])[-1]}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall"] = time.perf_counter() - started  # with the interpreter's start and gdprgraph's imports
    result["stderr"] = done.stderr.strip().splitlines()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--limit", type=float, default=900.0, help="seconds before an import is cut")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--step", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        print(json.dumps(step_import(*args.step)))
        return 0
    print(f"# gdprgraph import-subprocessors, seed {args.seed}; imports cut at {args.limit:.0f} s")
    print(f"# {platform.platform()}, Python {platform.python_version()}")
    print()
    print("| rows | seconds | of which import | peak memory | rows/s | output |")
    print("|---|---|---|---|---|---|", flush=True)
    with tempfile.TemporaryDirectory(prefix="gdprgraph-bench-import-") as tmp:
        for rows in args.rows:
            source, out = Path(tmp) / f"subprocessors-{rows}.csv", Path(tmp) / f"subprocessors-{rows}.ttl"
            print(f"... {rows} rows: generating", file=sys.stderr, flush=True)
            write_list(source, rows, args.seed)
            print(f"... {rows} rows: importing", file=sys.stderr, flush=True)
            result = child(source, out, args.limit)
            if result is None:
                print(f"| {rows} | > {args.limit:.0f} s | | ? | < {rows / args.limit:.0f} | |", flush=True)
                continue
            if "error" in result or result.get("exit") != 0:
                print(f"| {rows} | failed: {result.get('error') or result.get('stderr')} | | | | |", flush=True)
                continue
            wall = float(result["wall"])
            print(
                f"| {rows} | {wall:.1f} s | {float(result['seconds']):.1f} s | {float(result['rss_mb']):.0f} MB | "
                f"{rows / wall:,.0f} | {int(result['bytes']) / 1e6:.0f} MB |",
                flush=True,
            )
            out.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
