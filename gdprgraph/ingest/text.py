"""Read an input document as numbered lines: plain text or PDF (text extracted with pypdf).

Text is decoded by its byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE), else as UTF-8, else as a
legacy single-byte encoding (Windows-1252, then Latin-1): the last is a guess, which ``Decoded.note``
words for the user. Bytes that are no text (NUL bytes outside UTF-16/32, control characters) are
refused as binary.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError

#: byte-order marks, longest first (the UTF-32 LE mark begins with the UTF-16 LE one)
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32 LE"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32 BE"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE"),
)
#: legacy encodings tried, in order, when the bytes are not UTF-8 (Latin-1 decodes any byte)
LEGACY = (("cp1252", "Windows-1252 (cp1252)"), ("latin-1", "Latin-1 (ISO-8859-1)"))
#: control characters that text does not hold (tab, line breaks and form feed excepted)
CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


@dataclass
class Decoded:
    """A text file's text and how it was decoded."""

    path: Path
    text: str
    encoding: str = "utf-8"
    label: str = "UTF-8"
    guessed: bool = False
    lines: list[str] = field(default_factory=list)

    @property
    def note(self) -> str:
        """One line for the user when the encoding is a guess, else ''."""
        if not self.guessed:
            return ""
        return (
            f"{self.path}: not UTF-8 and no byte-order mark: decoded as {self.label}, a guess; "
            "check the accented letters or save the file as UTF-8"
        )


def decode(data: bytes, path: Path | str, expected: str = "a text document") -> Decoded:
    """The text of ``data``: by its byte-order mark, else UTF-8, else cp1252 then Latin-1 (``guessed``).

    >>> decode("Société".encode("utf-16"), "f.txt").text
    'Société'
    >>> found = decode("Société".encode("cp1252"), "f.csv")
    >>> found.text, found.encoding, found.guessed
    ('Société', 'cp1252', True)
    """
    where = str(path)
    for bom, encoding, label in BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as err:
                raise InputError(
                    f"not {label} text despite its byte-order mark (byte {err.start + len(bom)})", where
                ) from err
            return _checked(Decoded(Path(path), text, encoding, label), expected)
    if b"\x00" in data:
        raise InputError(f"binary file (NUL bytes, no UTF-16/32 byte-order mark): expected {expected}", where)
    try:
        return _checked(Decoded(Path(path), data.decode("utf-8"), "utf-8", "UTF-8"), expected)
    except UnicodeDecodeError:
        pass
    for encoding, label in LEGACY:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return _checked(Decoded(Path(path), text, encoding, label, guessed=True), expected)
    raise AssertionError("Latin-1 decodes any byte")  # pragma: no cover


def _checked(decoded: Decoded, expected: str) -> Decoded:
    """Refuse text made mostly of control characters (a binary file that happens to decode)."""
    sample = decoded.text[:65536]
    controls = len(CONTROL.findall(sample))
    if controls and controls * 100 > len(sample):
        raise InputError(f"binary file (control characters): expected {expected}", str(decoded.path))
    return decoded


def read_bytes(path: Path, empty: str) -> bytes:
    """The bytes of an input file; InputError if it cannot be read or holds only blanks (``empty``
    says what was expected: "empty file: <empty>")."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", str(path)) from err
    if not data.strip():
        raise InputError(f"empty file: {empty}", str(path))
    return data


def read_text(
    path: Path | str, expected: str = "a text or PDF document", pdf: bool = True, empty: str = "nothing to ingest"
) -> Decoded:
    """The decoded text of ``path`` and its lines; reject missing, empty and binary files. A PDF file
    (by suffix or content) gives the text pypdf extracts, or with ``pdf`` False is refused."""
    path = Path(path)
    data = read_bytes(path, empty)
    if path.suffix.lower() == ".pdf" or data.startswith(b"%PDF"):
        if not pdf:
            raise InputError(f"PDF is not supported: expected {expected}", str(path))
        decoded = Decoded(path, pdf_text(path), "pdf", "PDF text")
    else:
        decoded = decode(data, path, expected)
    if not decoded.text.strip():
        raise InputError("empty file: no text found", str(path))
    decoded.lines = decoded.text.splitlines()
    return decoded


def read_lines(path: Path | str) -> list[str]:
    """The lines of ``path`` (index 0 is line 1); reject missing, empty and binary files."""
    return read_text(path).lines


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
