"""Read a vendor's generic "Description of the processing" (Annex I of the SCCs and its variants).

The forms read: a two-column Element | Detail table (Markdown pipes, HTML ``<table>``, or text
extracted from a PDF where each row starts with its element), and headed paragraphs (a heading line
"Subject matter", "Duration", "Nature and purpose", "Categories of personal data"... and the lines
under it, bullets included). Each element keeps its heading as written and the lines of its detail;
every non-blank line is accounted for (an element, its detail, a title, markup) or unrecognised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from ..errors import InputError

#: element kind -> its headings (a regular expression, English and French), most specific first
ELEMENTS: tuple[tuple[str, str], ...] = (
    (
        "sub-processors",
        r"(?:authori[sz]ed |approved )?sub-?processors?(?: engaged| used)?"
        r"|transfers to (?:sub-?)?processors|sous-traitants ult[ée]rieurs",
    ),
    ("service", r"(?:name of the )?services?(?: concerned| provided)?|service name|nom du service"),
    (
        "processor",
        r"data importer|(?:the )?processor|vendor|supplier|importateur de donn[ée]es"
        r"|(?:le )?sous-traitant|prestataire",
    ),
    ("subject-matter", r"subject[- ]matter(?: of (?:the )?processing)?|objet du traitement|objet"),
    (
        "retention",
        r"(?:data )?retention(?: period)?|storage (?:period|limitation)"
        r"|(?:the )?period for which the personal data will be retained"
        r"|dur[ée]e de conservation(?: des donn[ée]es)?|conservation",
    ),
    ("duration", r"duration(?: of (?:the )?processing)?|dur[ée]e(?: du traitement)?"),
    (
        "nature-purpose",
        r"nature and purposes?(?: of (?:the )?processing)?"
        r"|nature et finalit[ée]s?(?: du traitement)?",
    ),
    (
        "nature",
        r"nature(?: of (?:the )?processing)?(?: operations)?|processing operations"
        r"|nature du traitement|op[ée]rations de traitement",
    ),
    (
        "purpose",
        r"purposes?(?: of (?:the )?(?:processing|data transfer|transfer)(?: and further processing)?)?"
        r"|finalit[ée]s?(?: du traitement)?",
    ),
    (
        "sensitive",
        r"sensitive data(?: transferred| processed)?|special categor(?:y|ies) of (?:personal )?data"
        r"|donn[ée]es sensibles",
    ),
    (
        "data-categories",
        r"(?:categories|types) of personal data(?: transferred| processed)?"
        r"|personal data (?:categories|types)"
        r"|cat[ée]gories de donn[ée]es(?: personnelles| [àa] caract[èe]re personnel)?"
        r"|types de donn[ée]es(?: personnelles)?",
    ),
    (
        "data-subjects",
        r"categories of data subjects(?: whose personal data (?:is|are) (?:transferred|processed))?"
        r"|data subjects|cat[ée]gories de personnes concern[ée]es|personnes concern[ée]es",
    ),
    (
        "frequency",
        r"frequency(?: of (?:the )?(?:transfer|processing))?"
        r"|fr[ée]quence(?: du transfert| du traitement)?",
    ),
    ("transfers", r"(?:international )?(?:data )?transfers(?: outside the (?:EU|EEA|EU/EEA))?|transferts"),
)
_ELEMENT_RE = [(kind, re.compile(rf"(?:{pattern})", re.I)) for kind, pattern in ELEMENTS]
#: a heading's decoration: Markdown marks, numbering ("1.", "B.", "(a)", "ExA.3"), a trailing colon
_DECORATION = re.compile(
    r"^[\s#>*_]*(?:(?:\d+(?:\.\d+)*|[A-Za-z])[.)]\s+|\([a-z0-9]+\)\s+)?[\s*_]*"
    r"|[\s*_]*:?[\s*_]*$"
)
#: a line that opens an element and gives its detail: "Subject matter: ...", "Duration | ..."
_SEPARATOR = r"\s*[:|\t\u2013\u2014]\s*|\s{2,}| - "
#: titles around the description (accounted for, not read)
TITLES = re.compile(
    r"^(?:annex(?:e)?\s+[iv1-9]+\b.*|appendix\b.*|schedule\b.*|exhibit\b.*"
    r"|description (?:of (?:the )?)?(?:processing|transfers?)\b.*|description des traitements\b.*"
    r"|list of parties\b.*|(?:element|[ée]l[ée]ment|rubrique)s?(?:\s*[|\t]\s*|\s+)"
    r"(?:details?|d[ée]tails?|description)"
    r"|.*\b(?:data processing (?:addendum|agreement)|dpa|accord de traitement des donn[ée]es)\b.*)$",
    re.I,
)
BULLET = re.compile(r"^\s*(?:[-*•·▪‣◦]|\d+[.)]|[a-z][.)])\s+")
#: a detail that states nothing ("None", "N/A", "Not applicable")
NOTHING = re.compile(r"^\s*(?:none|n/?a|not applicable|nil|néant|aucune?s?|sans objet|-)\s*\.?\s*$", re.I)
#: HTML elements that start a block of text
HTML_BLOCKS = {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "dt",
    "dd",
    "div",
    "title",
    "caption",
    "section",
    "br",
    "blockquote",
    "article",
    "header",
    "footer",
}


@dataclass
class Part:
    """One line (or cell) of an element's detail."""

    text: str
    line: int
    bullet: bool = False


@dataclass
class Element:
    """One element of the description: its kind, its heading as written, its detail."""

    kind: str
    heading: str
    first: int
    parts: list[Part] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    end: int = 0

    @property
    def last(self) -> int:
        return max([self.first, self.end, *(p.line for p in self.parts)])

    @property
    def text(self) -> str:
        return " ".join(" ".join(p.text for p in self.parts).split())

    @property
    def states_nothing(self) -> bool:
        return not self.text or bool(NOTHING.match(self.text))


@dataclass
class Block:
    """A unit of input: the cells of a table row, or one line (or HTML block) of text."""

    cells: list[str]
    first: int
    last: int
    table: bool
    raw: str = ""


@dataclass
class AnnexDescription:
    """What was read from a description of the processing, and the accounting of its lines."""

    form: str  # "table" or "headings"
    elements: list[Element]
    accounted: set[int]
    unrecognised: set[int]
    nonblank: set[int]
    language: str = "en"

    def first(self, kind: str) -> Element | None:
        return next((e for e in self.elements if e.kind == kind), None)


def element_kind(text: str) -> str | None:
    """The kind of element a heading names ('Categories of personal data' -> 'data-categories')."""
    label = _DECORATION.sub("", text)
    for kind, pattern in _ELEMENT_RE:
        if pattern.fullmatch(label):
            return kind
    return None


def _opening(text: str) -> tuple[str, str, str] | None:
    """(kind, heading, detail) of a line that starts with a heading and a separator, else None."""
    stripped = re.sub(r"^[\s#>*_]*(?:(?:\d+(?:\.\d+)*|[A-Za-z])[.)]\s+)?", "", text)
    for kind, pattern in _ELEMENT_RE:
        found = re.match(rf"(?P<h>{pattern.pattern})[*_]*(?:{_SEPARATOR})(?P<rest>\S.*)$", stripped, re.I)
        if found is None:
            # a PDF table row often keeps one space between the cells: a heading of several words
            # followed by a capitalised detail ("Subject matter Provision of ...")
            found = re.match(rf"(?P<h>(?i:{pattern.pattern})) (?P<rest>[A-Z\u00c0-\u00de].*)$", stripped)
            if found is not None and len(found.group("h").split()) < 2:
                found = None
        if found:
            return kind, found.group("h"), found.group("rest").strip(" *_")
    return None


def looks_like(lines: list[str]) -> bool:
    """Whether the text holds a description of the processing (at least three element headings)."""
    kinds = set()
    text = "\n".join(lines)
    for block in html_blocks(text) if is_html(text) else text_blocks(lines):
        kind = element_kind(block.cells[0]) or (_opening(block.cells[0]) or (None,))[0]
        if kind in (
            "subject-matter",
            "duration",
            "nature",
            "purpose",
            "nature-purpose",
            "data-categories",
            "data-subjects",
            "retention",
            "frequency",
        ):
            kinds.add(kind)
    return len(kinds) >= 3


def text_blocks(lines: list[str]) -> list[Block]:
    """The blocks of a text or Markdown document: a pipe-table row is a row, any other line a line."""
    blocks = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        stripped = line.strip()
        if stripped.startswith("|") and stripped.count("|") >= 2:
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            blocks.append(Block(cells, number, number, table=True, raw=line))
        else:
            blocks.append(Block([line], number, number, table=False, raw=line))
    return blocks


class _HtmlBlocks(HTMLParser):
    """The table rows and blocks of text of an HTML page, with the line each starts on."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.row: list[str] | None = None
        self.row_line = 0
        self.cell: list[str] | None = None
        self.text: list[str] = []
        self.text_line = 0
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "tr":
            self.flush_text()
            self.row, self.row_line = [], self.getpos()[0]
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
        elif tag in HTML_BLOCKS and self.cell is None:
            self.flush_text()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in ("td", "th") and self.row is not None and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if any(self.row):
                self.blocks.append(Block(self.row, self.row_line, self.getpos()[0], table=True))
            self.row = None
        elif tag in HTML_BLOCKS and self.cell is None:
            self.flush_text()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.cell is not None:
            self.cell.append(data)
        elif self.row is None and data.strip():
            if not self.text:  # the line of the first word, not of the line break before it
                self.text_line = self.getpos()[0] + data[: len(data) - len(data.lstrip())].count("\n")
            self.text.append(data)

    def flush_text(self) -> None:
        words = " ".join("".join(self.text).split())
        if words:
            self.blocks.append(Block([words], self.text_line, self.getpos()[0], table=False))
        self.text = []


def html_blocks(text: str) -> list[Block]:
    """The blocks of an HTML page (rows of every table, then paragraphs, headings, list items)."""
    parser = _HtmlBlocks()
    parser.feed(text)
    parser.close()
    parser.flush_text()
    return parser.blocks


def is_html(text: str) -> bool:
    """Whether a text is an HTML page or fragment."""
    return bool(re.search(r"<(?:html|body|table|tr|td|p|h[1-6])\b", text[:65536], re.I))


def parse(lines: list[str], path: str) -> AnnexDescription:
    """The elements of a description of the processing; InputError if the text holds none."""
    text = "\n".join(lines)
    html = is_html(text)
    blocks = html_blocks(text) if html else text_blocks(lines)
    elements: list[Element] = []
    accounted: set[int] = set()
    unrecognised: set[int] = set()
    current: Element | None = None
    previous_last = 0
    tables = 0
    for block in blocks:
        span = set(range(block.first, block.last + 1))
        gap = block.first > previous_last + 1 and not html  # a blank line before this block
        previous_last = block.last
        if block.table:
            head = block.cells[0] if block.cells else ""
            kind = element_kind(head)
            if kind is not None and len(block.cells) >= 2:
                tables += 1
                current = Element(
                    kind,
                    _DECORATION.sub("", head),
                    block.first,
                    [Part(c, block.first) for c in block.cells[1:] if c.strip()],
                    [block.raw or " | ".join(block.cells)],
                    block.last,
                )
                elements.append(current)
                current = None  # a row holds its whole detail
                accounted |= span
            elif TITLES.match(" | ".join(c for c in block.cells if c)) or all(
                re.fullmatch(r":?-{2,}:?|", c.strip()) for c in block.cells
            ):
                accounted |= span
            else:
                unrecognised |= span
            continue
        line = block.cells[0]
        kind = element_kind(line)
        opening = None if kind else _opening(line)
        if kind is not None:
            current = Element(kind, _DECORATION.sub("", line), block.first, [], [])
            elements.append(current)
            accounted |= span
        elif opening is not None:
            current = Element(opening[0], opening[1], block.first, [Part(opening[2], block.first)], [line])
            elements.append(current)
            accounted |= span
        elif len(line.split()) <= 12 and TITLES.match(_DECORATION.sub("", line)):
            accounted |= span
        elif current is not None and not (gap and current.parts):
            bullet = bool(BULLET.match(line))
            current.parts.append(Part(BULLET.sub("", line).strip(), block.first, bullet))
            current.source.append(line)
            accounted |= span
        else:
            current = None
            unrecognised |= span
    if len([e for e in elements if e.kind not in ("service", "processor")]) < 2:
        raise InputError(
            "not a description of the processing: fewer than two of its elements (subject "
            "matter, duration, nature and purpose, categories of personal data and of data "
            "subjects, frequency, retention, sub-processors)",
            path,
        )
    if html:
        nonblank = _visible_lines(lines)
        accounted |= nonblank - unrecognised
    else:
        nonblank = {n for n, line in enumerate(lines, start=1) if line.strip()}
    french = re.search(r"\b(?:traitement|donn[ée]es|personnes concern[ée]es|finalit[ée])\b", text, re.I)
    english = re.search(r"\b(?:processing|personal data|data subjects)\b", text, re.I)
    language = "fr" if french and not english else "en"
    return AnnexDescription(
        "table" if tables >= 2 else "headings",
        elements,
        accounted & nonblank,
        unrecognised & nonblank,
        nonblank,
        language,
    )


def _visible_lines(lines: list[str]) -> set[int]:
    """The lines of an HTML text that hold visible words (markup-only lines are not counted)."""
    visible = set()
    inside_tag = False
    for number, line in enumerate(lines, start=1):
        out = []
        for ch in line:
            if ch == "<":
                inside_tag = True
            elif ch == ">":
                inside_tag = False
            elif not inside_tag:
                out.append(ch)
        if "".join(out).strip():
            visible.add(number)
    return visible


def list_items(element: Element) -> list[Part]:
    """The items an element lists: bullets or lines, each split on ';' and on commas outside
    brackets (for lists of categories); 'None' and 'N/A' state nothing."""
    items: list[Part] = []
    for part in element.parts:
        for piece in _split(part.text):
            piece = re.sub(r"^(?:and|et|or|ou)\s+", "", piece.strip(" .;,"), flags=re.I).strip()
            if piece and not NOTHING.match(piece):
                items.append(Part(piece, part.line, part.bullet))
    return items


def _split(text: str) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        depth += (ch in "([" and 1) or ((ch in ")]" and -1) or 0)
        if ch in ";," and depth <= 0:
            pieces.append("".join(current))
            current = []
        else:
            current.append(ch)
    pieces.append("".join(current))
    return pieces
