"""Write output files safely: never over an input or the project's own files, never half-written.

``check_target`` decides whether a command may write where it was told to; ``write_atomic`` writes
through a temporary file in the same folder, renamed into place, so a reader never sees a
half-written file. A temporary file left by a killed run is removed by the next write beside it.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from . import resources
from .errors import InputError
from .processes import process_alive

#: folders of the project whose tracked files no command may replace
PROTECTED_FOLDERS = ("data", "ontology", "queries")
_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[^.]+\.tmp$")


def check_target(
    path: Path | str, inputs: Iterable[Path | str] = (), force: bool = False, default: bool = False
) -> Path:
    """The path a command may write to, or InputError (one line naming the path) when:

    - it is a folder, or its folder is a file;
    - it is one of the command's inputs (the same file, by any name);
    - it is a file of the project's own data/, ontology/ or queries/ that git tracks (in an installed
      package: any existing file there);
    - it exists, unless ``force`` (or ``default``: the command's own default output, which it
      rewrites on every run).
    """
    target = Path(path)
    if target.is_dir():
        raise InputError("is a folder; give a file path to write", str(target))
    for parent in target.resolve().parents:
        if parent.exists():
            if not parent.is_dir():
                raise InputError(f"cannot write there: {parent} is a file, not a folder", str(target))
            break
    if target.exists():
        for source in inputs:
            with contextlib.suppress(OSError):
                if os.path.samefile(source, target):
                    raise InputError(
                        "is an input of this command; refusing to overwrite it (write to out/)", str(target)
                    )
    if _is_protected(target):
        raise InputError(
            "is one of gdprgraph's own data, ontology or query files (tracked by git); "
            "refusing to overwrite it (write to out/)",
            str(target),
        )
    if target.exists() and not (force or default):
        raise InputError("exists; add --force to replace it", str(target))
    return target


def _is_protected(target: Path) -> bool:
    """Whether the path is a tracked file of the project's own data, ontology or queries."""
    if not target.exists():
        return False
    root = resources.root().resolve()
    resolved = target.resolve()
    folder = next((root / name for name in PROTECTED_FOLDERS if resolved.is_relative_to(root / name)), None)
    if folder is None:
        return False
    if not (root / ".git").exists():
        return True  # an installed package: its files are no one's output
    try:
        listed = subprocess.run(
            ["git", "-C", str(root), "ls-files", "--error-unmatch", "--", str(resolved.relative_to(root))],
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return True  # when in doubt, keep the file
    return listed.returncode == 0


def write_atomic(path: Path | str, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file in the same folder, then rename."""
    return write_atomic_bytes(path, text.encode("utf-8"))


def write_atomic_bytes(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename.

    Failures (no permission, full disk, a folder in the way) are one-line InputErrors naming the
    path; the temporary file is removed, the previous file (if any) left as it was.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise InputError(f"cannot write: {err.strerror or err}", str(path)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"cannot write: {err.strerror or err}", str(path)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Remove the temporary files of writes to ``path`` whose process is gone (killed mid-write)."""
    removed: list[Path] = []
    if not path.parent.is_dir():
        return removed
    for candidate in path.parent.glob(f".{glob_escape(path.name)}.*.tmp"):
        match = _TEMP.match(candidate.name)
        if match is None or match.group("name") != path.name or process_alive(int(match.group("pid"))):
            continue
        with contextlib.suppress(OSError):
            candidate.unlink()
            removed.append(candidate)
    return removed


def glob_escape(name: str) -> str:
    """A file name as a literal glob pattern."""
    return re.sub(r"([*?\[])", r"[\1]", name)
