"""Read an input document as numbered lines: plain text (UTF-8) or PDF (text extracted with pypdf)."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError


def read_lines(path: Path | str) -> list[str]:
    """The lines of ``path`` (index 0 is line 1); reject missing, empty and binary files."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", str(path)) from err
    if not data.strip():
        raise InputError("empty file: nothing to ingest", str(path))
    if path.suffix.lower() == ".pdf" or data.startswith(b"%PDF"):
        text = pdf_text(path)
    else:
        if b"\x00" in data:
            raise InputError("binary file: expected a text or PDF document", str(path))
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise InputError(f"binary file: not UTF-8 text (byte {err.start})", str(path)) from err
    if not text.strip():
        raise InputError("empty file: no text found", str(path))
    return text.splitlines()


def pdf_text(path: Path) -> str:
    """The text of every page of a PDF, pages separated by a line break."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, OSError) as err:
        raise InputError(f"unreadable PDF: {err}", str(path)) from err
    return "\n".join(page.rstrip("\n") for page in pages)
