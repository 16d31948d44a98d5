"""Where a report's facts come from: the tool's version, the data's revision, the quoted source lines."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from . import resources


def tool_version() -> str:
    """The version of gdprgraph."""
    from . import __version__

    return __version__


def content_hash(files: Iterable[Path]) -> str:
    """A short SHA-256 of the files' names and bytes, in name order: the same data, the same hash."""
    digest = hashlib.sha256()
    for path in sorted(Path(f) for f in files):
        digest.update(path.name.encode("utf-8") + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()[:12]


def git_commit(files: Iterable[Path]) -> str | None:
    """The commit the files are at when they all sit unchanged in one git work tree, else None."""
    folders = {Path(f).resolve().parent for f in files}
    if not folders:
        return None
    folder = sorted(folders)[0]
    try:
        head = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        dirty = subprocess.run(
            ["git", "-C", str(folder), "status", "--porcelain", "--", *map(str, files)],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if head.returncode != 0 or dirty.returncode != 0 or dirty.stdout.strip():
        return None
    return head.stdout.strip()


def data_revision(files: Iterable[Path]) -> str:
    """``sha256:HASH``, with ``git COMMIT`` in front when the files are committed and unchanged."""
    files = list(files)
    commit = git_commit(files)
    return (f"git {commit}, " if commit else "") + f"content sha256:{content_hash(files)}"


@lru_cache(maxsize=64)
def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8", errors="replace").splitlines()


def quote(document: str, line: int | None, data_files: Iterable[Path] = (), limit: int = 400) -> str:
    """The text of ``line`` of the source document (looked for in ``sources/`` beside the data files,
    then in the embedded data/sources), or "" when the document is not at hand."""
    if not document or not line or "/" in document or "\\" in document:
        return ""
    folders = [Path(f).parent / "sources" for f in data_files] + [resources.data_dir() / "sources"]
    for folder in dict.fromkeys(folders):
        path = folder / document
        if path.is_file():
            lines = _lines(path)
            text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
            return text if len(text) <= limit else text[: limit - 1] + "\u2026"
    return ""
