"""The hostile walk: every way a command could destroy a file, give a false verdict or crash.

Each case runs through the command line (``gdprgraph.cli.main``) and asserts the exit code, a
one-line message (no traceback), and that no file changed but the one ``--out`` names: the
project's data/, ontology/ and queries/ and the test's own folder are hashed before and after.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gdprgraph import resources
from gdprgraph.cli import main
from gdprgraph.output import remove_stale_temporaries

ROOT = resources.root()
SEED = ROOT / "data" / "sources" / "flexible-web-platform.art28.en.txt"
TEMPLATE = ROOT / "data" / "templates" / "orange-art28-template.ttl"
REFERENCE = ROOT / "data" / "reference" / "countries-and-adequacy.ttl"


def tree_digest(*folders: Path) -> dict[str, str]:
    """The SHA-256 of every file under the folders."""
    digests = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digests[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


class Watch:
    """The digests of the project's own folders and the test's folder, taken once the test has laid
    out its files; at the end nothing may have changed but the ``allowed`` paths."""

    def __init__(self, tmp_path: Path) -> None:
        self.folders = [ROOT / "data", ROOT / "ontology", ROOT / "queries", tmp_path]
        self.allowed: set[str] = set()
        self.before: dict[str, str] | None = None

    def start(self) -> None:
        self.before = tree_digest(*self.folders)

    def add(self, path: Path | str) -> None:
        self.allowed.add(str(path))

    def check(self) -> None:
        assert self.before is not None, "the test ran no command through run(..., watch=...)"
        before = self.before
        after = tree_digest(*self.folders)
        changed = {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}
        assert changed <= self.allowed, f"files changed: {sorted(changed - self.allowed)}"


@pytest.fixture
def unchanged(tmp_path):
    """Asserts after the test that no file changed but those it allows (see Watch); the digests are
    taken at the test's first command unless it calls start() itself."""
    watch = Watch(tmp_path)
    yield watch
    watch.check()


def run(capsys, *argv: str | Path, watch: Watch | None = None) -> tuple[int, str, str]:
    if watch is not None and watch.before is None:
        watch.start()
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got: {err!r}"
    assert "Traceback" not in err
    return lines[0]


# --- outputs never clobber ------------------------------------------------------------------------


def test_ingest_refuses_to_write_over_its_own_input(capsys, tmp_path, unchanged):
    source = tmp_path / "doc.txt"
    shutil.copy(SEED, source)
    code, out, err = run(capsys, "ingest", source, "--out", source, "--force", watch=unchanged)
    assert (code, out) == (2, "")
    assert (
        one_line(err) == f"gdprgraph: error: {source}: is an input of this command; refusing to overwrite it "
        "(write to out/)"
    )


def test_an_input_is_refused_by_any_name(capsys, tmp_path, unchanged):
    data = tmp_path / "mine.ttl"
    shutil.copy(ROOT / "data" / "flexible-web-platform.ttl", data)
    link = tmp_path / "alias.ttl"
    link.symlink_to(data)
    code, _, err = run(capsys, "build", "--data", data, "--out", link, "--force", watch=unchanged)
    assert code == 2 and "is an input of this command" in one_line(err)


@pytest.mark.parametrize("target", [REFERENCE, TEMPLATE])
def test_build_refuses_to_replace_the_reference_data_or_the_template(capsys, target, unchanged):
    code, out, err = run(capsys, "build", "--out", target, "--force", watch=unchanged)
    assert (code, out) == (2, "")
    assert "refusing to overwrite it" in one_line(err)


@pytest.mark.parametrize("target", ["queries/retention.rq", "ontology/shapes/integrity.ttl", "data/sources/README.md"])
def test_a_tracked_project_file_is_never_an_output(capsys, target, unchanged):
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    code, _, err = run(capsys, "export", "graph", "--out", ROOT / target, "--force", watch=unchanged)
    assert code == 2
    message = one_line(err)  # the shapes and queries are also inputs of every command
    assert (
        "gdprgraph's own data, ontology or query files (tracked by git)" in message
        or "is an input of this command" in message
    )


def test_an_existing_file_needs_force(capsys, tmp_path, unchanged):
    target = tmp_path / "notes.ttl"
    target.write_text("my own notes\n", encoding="utf-8")
    code, _, err = run(capsys, "export", "graph", "--out", target, watch=unchanged)
    assert code == 2 and one_line(err) == f"gdprgraph: error: {target}: exists; add --force to replace it"
    assert target.read_text(encoding="utf-8") == "my own notes\n"
    unchanged.add(target)
    code, _, err = run(capsys, "export", "graph", "--out", target, "--force", watch=unchanged)
    assert code == 0 and target.read_text(encoding="utf-8").startswith("@prefix")


def test_the_default_output_is_rewritten_without_force(capsys, tmp_path, monkeypatch, unchanged):
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        code, out, _ = run(capsys, "build", watch=unchanged)
        assert code == 0 and out.rstrip().endswith("wrote out/graph.ttl")
    unchanged.add(tmp_path / "out" / "graph.ttl")


@pytest.mark.parametrize("kind", ["folder", "under a file", "unwritable"])
def test_an_impossible_output_is_one_line(capsys, tmp_path, kind, unchanged):
    (tmp_path / "plain.txt").write_text("x", encoding="utf-8")
    target = {
        "folder": tmp_path,
        "under a file": tmp_path / "plain.txt" / "graph.ttl",
        "unwritable": Path("/proc/gdprgraph-test/graph.ttl"),
    }[kind]
    code, out, err = run(capsys, "export", "graph", "--out", target, watch=unchanged)
    assert (code, out) == (2, "")
    assert one_line(err).startswith(f"gdprgraph: error: {target}: ")


def test_a_full_disk_leaves_the_previous_file_and_no_temporary(capsys, tmp_path, unchanged):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    target = tmp_path / "graph.ttl"
    target.write_text("previous", encoding="utf-8")
    # the temporary file is the one that fills the disk: write it through /dev/full
    real_mkstemp = __import__("tempfile").mkstemp

    def full_mkstemp(*args, **kwargs):
        fd, name = real_mkstemp(*args, **kwargs)
        os.dup2(os.open("/dev/full", os.O_WRONLY), fd)
        return fd, name

    import tempfile

    tempfile.mkstemp = full_mkstemp
    try:
        code, _, err = run(capsys, "export", "graph", "--out", target, "--force", watch=unchanged)
    finally:
        tempfile.mkstemp = real_mkstemp
    assert code == 2 and "cannot write: No space left on device" in one_line(err)
    assert target.read_text(encoding="utf-8") == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.ttl"]


def test_a_temporary_file_left_by_a_killed_write_is_removed_by_the_next(capsys, tmp_path):
    target = tmp_path / "graph.ttl"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".graph.ttl.{dead.stdout.strip()}.abcd1234.tmp"
    stale.write_text("half a graph", encoding="utf-8")
    live = tmp_path / f".graph.ttl.{os.getppid()}.efgh5678.tmp"  # a write still running elsewhere
    live.write_text("being written", encoding="utf-8")
    other = tmp_path / f".other.ttl.{dead.stdout.strip()}.abcd1234.tmp"
    other.write_text("not ours", encoding="utf-8")
    code, _, _ = run(capsys, "export", "graph", "--out", target)
    assert code == 0
    assert not stale.exists() and live.exists() and other.exists()
    assert remove_stale_temporaries(target) == []


def test_sigkill_during_a_write_leaves_the_old_file_then_the_next_write_cleans_up(tmp_path):
    target = tmp_path / "graph.ttl"
    target.write_text("previous", encoding="utf-8")
    script = (
        "import os, signal, tempfile\n"
        "from gdprgraph import output\n"
        "real = os.replace\n"
        "def die(*a, **k): os.kill(os.getpid(), signal.SIGKILL)\n"
        "os.replace = die\n"
        f"output.write_atomic({str(target)!r}, 'new content')\n"
    )
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert killed.returncode == -9
    assert target.read_text(encoding="utf-8") == "previous"
    assert len(list(tmp_path.glob(".graph.ttl.*.tmp"))) == 1
    assert main(["export", "graph", "--out", str(target), "--force"]) == 0
    assert list(tmp_path.glob(".graph.ttl.*.tmp")) == []


# --- no false verdict -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("empty.ttl", ""),
        ("truncated.ttl", "@prefix gg: <https://w3id.org/gdprgraph/ontology#> .\n# the rest was lost\n"),
    ],
)
def test_a_data_file_without_triples_is_an_error_not_conforms(capsys, tmp_path, name, text, unchanged):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    for command in (["validate", path], ["query", "services-using", "--param", "org=x", "--data", path]):
        code, out, err = run(capsys, *command, watch=unchanged)
        assert (code, out) == (2, "")
        assert one_line(err) == f"gdprgraph: error: {path}: holds no triple (empty or truncated?): nothing to load"


def test_data_with_no_record_to_check_is_an_error_not_conforms(capsys, tmp_path, unchanged):
    path = tmp_path / "countries.ttl"
    path.write_text(
        "@prefix dpv: <https://w3id.org/dpv#> .\n<https://example.org/x> a dpv:Country .\n", encoding="utf-8"
    )
    code, out, err = run(capsys, "validate", path, watch=unchanged)
    assert (code, out) == (2, "")
    assert one_line(err).startswith(f"gdprgraph: error: {path}: no record to validate")


def test_one_document_validated_alone_is_read_with_the_reference_data(capsys, unchanged):
    """No false Chapter V finding: France is in the EU/EEA whether or not the reference is passed."""
    code, out, _ = run(
        capsys,
        "validate",
        ROOT / "data" / "hebergement-mutualise-flexible-web-publisher.ttl",
        "--format",
        "json",
        watch=unchanged,
    )
    assert code == 1
    assert "outside the EU/EEA" not in out and "no known country" not in out
    assert "<https://" not in out  # services are named by their labels, not raw IRIs


# --- every failure is one line and the right code -------------------------------------------------


def test_diff_against_an_empty_folder_is_bad_input_not_a_change(capsys, tmp_path, unchanged):
    empty = tmp_path / "empty"
    empty.mkdir()
    for old, new in ((ROOT / "data", empty), (empty, ROOT / "data")):
        code, out, err = run(capsys, "diff", old, new, watch=unchanged)
        assert (code, out) == (2, "")
        assert (
            one_line(err) == f"gdprgraph: error: {empty}: no data file (*.ttl) in the folder: not a version of the data"
        )


@pytest.mark.parametrize("command", [["paths"], ["concentration"], ["impact", "Platform.sh"]])
def test_commands_on_data_without_services_answer_without_a_traceback(capsys, tmp_path, command, unchanged):
    path = tmp_path / "orgs.ttl"
    path.write_text(
        "@prefix dpv: <https://w3id.org/dpv#> .\n@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        '<https://example.org/acme> a dpv:Organisation ; skos:prefLabel "Acme" .\n',
        encoding="utf-8",
    )
    code, _, err = run(capsys, *command, "--data", path, watch=unchanged)
    assert code in (0, 1) and "Traceback" not in err


def test_viz_of_data_without_services_writes_an_empty_map(capsys, tmp_path, unchanged):
    path = tmp_path / "orgs.ttl"
    path.write_text(
        "@prefix dpv: <https://w3id.org/dpv#> .\n<https://example.org/acme> a dpv:Organisation .\n", encoding="utf-8"
    )
    out = tmp_path / "map.html"
    unchanged.add(out)
    code, _, _ = run(capsys, "viz", "--data", path, "--out", out, watch=unchanged)
    assert code == 0 and out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    "argv",
    [
        ["impact", "https://example.org/no-such-organisation"],
        ["query", "services-using", "--param", "org=https://example.org/no-such-organisation"],
        ["query", "services-processing", "--param", "category=https://w3id.org/dpv/pd#NoSuchCategory"],
        ["viz", "--focus", "https://example.org/no-such-organisation"],
    ],
)
def test_an_iri_not_in_the_graph_is_no_match_not_an_empty_report(capsys, argv, unchanged):
    code, out, err = run(capsys, *argv, watch=unchanged)
    assert (code, out) == (1, "")
    assert one_line(err).startswith("gdprgraph: no ") and "in the graph" in err


def test_an_iri_in_the_graph_still_works(capsys):
    code, out, _ = run(capsys, "impact", "https://w3id.org/gdprgraph/org/platform-sh", "--format", "json")
    assert code == 0 and '"Flexible Web Platform"' in out
