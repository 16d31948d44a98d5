"""Evidence: what a source document says at a line, from the graph and from the verbatim file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Literal

from . import resources
from .workspace import Workspace


@dataclass
class Evidence:
    """The statements the graph holds for one line of a document, and the lines around it."""

    document: str
    line: int
    title: str = ""
    quotes: list[dict[str, str]] = field(default_factory=list)
    #: (number, text) of the lines around ``line`` in the verbatim file under data/sources/, if held
    excerpt: list[tuple[int, str]] = field(default_factory=list)


def evidence(ws: Workspace, document: str, line: int, around: int = 3) -> Evidence:
    """What ``document`` (a file name, as facts cite it) says at ``line``: the quoted text of every
    statement whose lines cover it, with its section, and the verbatim lines around it."""
    found = Evidence(document, line)
    for row in ws.asserted.internal("source-quotes", {"file": Literal(document), "line": Literal(line)}):
        found.title = found.title or str(row.title or "")
        found.quotes.append(
            {"section": str(row.section or ""), "first": str(row.first), "last": str(row.last), "text": str(row.text)}
        )
    found.excerpt = excerpt(document, line, around)
    return found


def excerpt(document: str, line: int, around: int = 3) -> list[tuple[int, str]]:
    """Lines ``line - around`` to ``line + around`` of a source document kept under data/sources/
    (empty if the file is not there: a name with a folder in it is never looked up)."""
    if Path(document).name != document or document.startswith("."):
        return []
    path = resources.data_dir() / "sources" / document
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    first = max(1, line - around)
    return [(n, lines[n - 1]) for n in range(first, min(len(lines), line + around) + 1)]


def quotes_by_line(ws: Workspace) -> dict[tuple[str, int], str]:
    """The quoted text of the statements starting at each (document, line), several joined with " / "
    (kept by the workspace: one query for the whole estate)."""

    def read() -> dict[tuple[str, int], str]:
        found: dict[tuple[str, int], list[str]] = {}
        for row in ws.asserted.internal("source-lines"):
            texts = found.setdefault((str(row.file), int(row.term("line"))), [])
            if str(row.text) not in texts:
                texts.append(str(row.text))
        return {key: " / ".join(texts) for key, texts in found.items()}

    return ws.kept("sources: quotes by line", read)
