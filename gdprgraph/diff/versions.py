"""Loading a version to compare (a folder like data/, one file, or a git revision of data/) with the
ontology and the reference data it holds, on the asserted graph only."""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from pathlib import Path

from .. import resources
from ..errors import InputError
from ..store import KnowledgeGraph, MemoryGraph

# --- loading a version ---------------------------------------------------------------------------


def _data_files(folder: Path) -> list[Path]:
    """The Turtle files of a data folder, with embedded reference data / templates where it has none."""
    if (folder / "data").is_dir() and not list(folder.glob("*.ttl")):
        folder = folder / "data"
    embedded = resources.data_dir()
    files = []
    for sub in ("reference", "templates"):
        own = sorted((folder / sub).glob("*.ttl"))
        files += own or sorted((embedded / sub).glob("*.ttl"))
    return files + sorted(folder.glob("*.ttl"))


def _git(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError as err:
        raise InputError("git is not installed") from err


def _extract_revision(spec: str, into: Path) -> Path:
    """Write ``REV`` or ``REV:path`` (default path: data) of the current repository into a folder."""
    rev, _, path = spec.partition(":")
    path = path.strip("/") or "data"
    top = _git(["rev-parse", "--show-toplevel"])
    if top.returncode != 0:
        raise InputError(f"no such folder or file, and not in a git repository: {spec}")
    root = Path(top.stdout.decode().strip())
    if _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=root).returncode != 0:
        raise InputError(f"no such folder, file or git revision: {spec}")
    archive = _git(["archive", "--format=tar", rev, "--", path], cwd=root)
    if archive.returncode != 0:
        raise InputError(f"git revision {rev} has no {path}/", spec)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into / path


def load_version(spec: str) -> KnowledgeGraph:
    """Load one version: a folder, a Turtle file, or a git revision (``HEAD~1``, ``REV:data``)."""
    given = Path(spec)
    if given.is_dir():
        files = _data_files(given)
        context = {path.parent for path in files if path.parent.name in ("reference", "templates")}
        if all(path.parent in context for path in files):
            raise InputError("no data file (*.ttl) in the folder: not a version of the data", spec)
        return _load(files)
    if given.is_file():
        return _load([*_embedded_context(), given])
    with tempfile.TemporaryDirectory(prefix="gdprgraph-diff-") as tmp:
        folder = _extract_revision(spec, Path(tmp))
        files = [*_embedded_context(), folder] if folder.is_file() else _data_files(folder)
        try:
            return _load(files)
        except InputError as err:  # name the file as it is in the revision, not the temporary copy
            if not err.path or not err.path.startswith(tmp):
                raise
            shown = f"{spec.partition(':')[0]}:{Path(err.path).relative_to(tmp)}"
            message = str(err).removeprefix(f"{err.path}:{err.line}: " if err.line else f"{err.path}: ")
            raise InputError(message, shown, err.line) from err


def _embedded_context() -> list[Path]:
    base = resources.data_dir()
    return sorted((base / "reference").glob("*.ttl")) + sorted((base / "templates").glob("*.ttl"))


def _load(files: list[Path]) -> KnowledgeGraph:
    graph = MemoryGraph()
    graph.load_files(resources.ontology_files() + files)
    return graph
