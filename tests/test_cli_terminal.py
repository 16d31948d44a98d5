"""The command line in a terminal: --version, tables that fit the width, English labels, progress lines
only on a terminal, shell completion (issue 19)."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from gdprgraph import __version__
from gdprgraph.cli import main
from gdprgraph.progress import Steps
from gdprgraph.queries import QueryResult
from gdprgraph.render import fit_widths, render

REPO = Path(__file__).resolve().parent.parent


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"gdprgraph {__version__}"


@pytest.mark.parametrize(
    "argv",
    [
        ["concentration"],
        ["query", "services-using", "--param", "org=platform.sh"],
        ["paths"],
    ],
)
def test_tables_fit_80_columns_and_csv_is_unchanged(argv, capsys, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    assert main(argv) == 0
    wide = capsys.readouterr().out
    assert max(len(line) for line in wide.splitlines()) > 80  # not a terminal: not wrapped
    assert main([*argv, "--format", "csv"]) == 0
    csv_wide = capsys.readouterr().out
    monkeypatch.setenv("COLUMNS", "80")
    assert main(argv) == 0
    narrow = capsys.readouterr().out
    assert max(len(line) for line in narrow.splitlines()) <= 80
    assert narrow.splitlines()[-1] == wide.splitlines()[-1]  # the same "(N rows)"
    assert main([*argv, "--format", "csv"]) == 0
    assert capsys.readouterr().out == csv_wide


def test_fit_widths_narrows_the_widest_first():
    assert fit_widths([10, 5], 80) == [10, 5]
    widths = fit_widths([55, 17, 7, 120], 80)
    assert sum(widths) + 2 * 3 <= 80 and widths[2] == 7


def test_a_wrapped_row_keeps_every_character_of_its_cells():
    cells = {
        "service": "Hébergement Mutualisé, version Flexible Web Publisher",
        "line": "212",
        "text": "Orange Business Services suppliers which are performing one or more processing activities",
    }
    text = render(QueryResult(list(cells), [cells]), width=40)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 40 and lines[-1] == "(1 row)"
    rule = next(line for line in lines if set(line) <= {"-", " "})
    spans, start = [], 0
    for dashes in rule.split("  "):
        spans.append((start, start + len(dashes)))
        start += len(dashes) + 2
    body = lines[lines.index(rule) + 1 : -1]
    for (a, b), value in zip(spans, cells.values(), strict=True):
        assert "".join(line[a:b].strip() for line in body).replace(" ", "") == value.replace(" ", "")


def test_english_output_shows_english_class_labels(capsys):
    assert main(["show", "Altran"]) == 0
    out = capsys.readouterr().out
    assert "rdf:type: supplier" in out and "fournisseur" not in out


def test_steps_are_shown_on_a_terminal_only():
    quiet = io.StringIO()
    with Steps(quiet).step("loading"):
        pass
    assert quiet.getvalue() == ""  # a StringIO is not a terminal
    shown = io.StringIO()
    with Steps(shown, shown=True).step("loading"):
        pass
    first, second = shown.getvalue().splitlines()
    assert first == "... loading" and second.startswith("done: loading (") and " s in all)" in second


def _build(tmp_path: Path, stderr_tty: bool) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "gdprgraph.cli", "build", "--out", str(tmp_path / "graph.ttl"), "--force"]
    if not stderr_tty:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=True)
        return done.stderr
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=follower, env=env, timeout=300, check=True)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    assert done.returncode == 0
    return b"".join(chunks).decode("utf-8", errors="replace")


def test_build_shows_progress_on_a_terminal_and_nothing_in_a_pipe(tmp_path):
    on_tty = _build(tmp_path, stderr_tty=True)
    assert "... loading the data" in on_tty and "done: loading the data (" in on_tty
    assert "done: writing" in on_tty
    assert _build(tmp_path, stderr_tty=False) == ""


def test_shell_completion_script(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--print-completion", "bash"])
    assert exit_.value.code == 0
    script = capsys.readouterr().out
    assert "_shtab_gdprgraph" in script and "paths" in script and "concentration" in script
