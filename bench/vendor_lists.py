"""Benchmark the published forms of a sub-processor list (issue 15): two tables.

1. For each fixture of tests/fixtures/vendor-lists/: the rows read, the rows with every cell
   understood, the cells reported (``FILE:LINE: unrecognised ...``) and the engagements written.
2. For a generated list of N rows (default 1 000) in each form (CSV, Markdown, HTML table, XLSX,
   text with a cell per line): the seconds of the import alone (in this process, the file read,
   every row built and its Turtle written to memory) and of the whole command in a child process
   (``gdprgraph import-subprocessors FILE --service ... --out OUT``, from the interpreter's start).
   The cells mix countries, cities, cloud regions, zones and mechanisms as vendors write them.

    .venv/bin/python bench/vendor_lists.py --rows 1000
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIXTURES = ROOT / "tests" / "fixtures" / "vendor-lists"
SERVICE = "Flexible Web Platform"
HEADER = ["Sub-processor", "Purpose", "Hosting location", "Transfer safeguards"]
LOCATIONS = [
    "Paris",
    "us-east-1",
    "Amsterdam, Milan",
    "Europe (Paris / Milan regions)",
    "westeurope",
    "asia-southeast1",
    "Serbia",
    "Vietnam",
    "EU",
    "Worldwide",
    "Frankfurt and Dublin",
    "Deutschland",
    "United States (us-west-2)",
    "Chili",
    "eu-central-1",
]
MECHANISMS = [
    "SCCs",
    "N/A (EEA)",
    "EU-US DPF",
    "Standard Contractual Clauses (where applicable)",
    "BCR",
    "Adequacy decision",
    "SCCs + UK Addendum",
    "",
]
PURPOSES = ["Hosting", "Analytics", "E-mail delivery", "Customer support", "Monitoring", "Backups"]


def rows_of(count: int, seed: int = 1) -> list[list[str]]:
    rng = random.Random(seed)
    return [
        [
            f"Vendor {n:05d} {rng.choice(['Inc.', 'Ltd', 'SAS', 'GmbH'])}",
            rng.choice(PURPOSES),
            rng.choice(LOCATIONS),
            rng.choice(MECHANISMS),
        ]
        for n in range(count)
    ]


def write(form: str, path: Path, rows: list[list[str]]) -> None:
    """The rows as a vendor would publish them in ``form``."""
    import csv
    import html

    if form == "csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows([HEADER, *rows])
    elif form == "md":
        lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        lines += [
            "| **" + row[0] + "** | " + " | ".join(f"`{c}`" if "-" in c else c for c in row[1:]) + " |" for row in rows
        ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif form == "html":
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>\n" for row in rows)
        head = "".join(f"<th>{c}</th>" for c in HEADER)
        path.write_text(
            f"<!DOCTYPE html><html><body><table><tr>{head}</tr>\n{body}</table></body></html>", encoding="utf-8"
        )
    elif form == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        for row in [HEADER, *rows]:
            book.active.append(row)
        book.save(path)
    elif form == "txt":
        cells = [*HEADER] + [cell or "N/A" for row in rows for cell in row]
        path.write_text("\n".join(cells) + "\n", encoding="utf-8")
    else:
        raise ValueError(form)


def fixture_table() -> None:
    from gdprgraph import Workspace
    from gdprgraph.ingest.subprocessors import SubprocessorList

    ws = Workspace()
    print("| fixture | form | rows read | rows fully understood | cells reported | engagements |")
    print("|---|---|---:|---:|---:|---:|")
    for path in sorted(FIXTURES.iterdir()):
        if path.suffix == ".py":
            continue
        source = SubprocessorList(path, SERVICE, context=ws)
        for _ in source.turtle():
            pass
        form = {"txt": "cell per line", "html": "HTML", "md": "Markdown", "xlsx": "XLSX", "pdf": "PDF", "csv": "CSV"}[
            path.suffix[1:]
        ]
        print(
            f"| {path.name} | {form} | {source.rows} | {source.understood_rows} | {len(source.reports)} "
            f"| {source.engagements} |"
        )


def timing_table(count: int) -> None:
    from gdprgraph import Workspace
    from gdprgraph.ingest.subprocessors import SubprocessorList

    ws = Workspace()
    print("\n| form | rows | engagements | cells reported | import (s) | whole command (s) |")
    print("|---|---:|---:|---:|---:|---:|")
    rows = rows_of(count)
    with tempfile.TemporaryDirectory() as folder:
        for form in ("csv", "md", "html", "xlsx", "txt"):
            path = Path(folder) / f"list-{count}.{form}"
            write(form, path, rows)
            started = time.perf_counter()
            source = SubprocessorList(path, SERVICE, context=ws)
            for _ in source.turtle():
                pass
            alone = time.perf_counter() - started
            started = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "gdprgraph.cli",
                    "import-subprocessors",
                    str(path),
                    "--service",
                    SERVICE,
                    "--out",
                    str(Path(folder) / f"{form}.ttl"),
                ],
                check=False,
                capture_output=True,
                cwd=ROOT,
            )
            whole = time.perf_counter() - started
            print(
                f"| {form} | {count:,} | {source.engagements:,} | {len(source.reports):,} | {alone:.2f} | {whole:.2f} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    args = parser.parse_args()
    fixture_table()
    timing_table(args.rows)


if __name__ == "__main__":
    main()
