"""Untrusted text stays text: what vendors' documents and lists say never becomes markup, a
spreadsheet formula or a network request.

- ``escape_markdown``: a data value inside Markdown we write (the customer notice of ``diff``);
- ``spreadsheet_cell``: a cell of a CSV or XLSX file (OWASP's CSV-injection rule);
- ``check_jsonld_offline``: a JSON-LD file whose ``@context`` would be fetched from the network.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from .errors import InputError

#: characters that are Markdown syntax wherever they stand
_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]|~#])")
#: what makes a line a heading, quote, list item, rule or setext underline when it opens a value
_MARKDOWN_LEADING = re.compile(r"^(\d+)([.)])|^([-+=>])")
#: in HTML text only these two open markup (``>`` alone is text: no tag opens without ``<``)
_HTML = {"&": "&amp;", "<": "&lt;"}


def escape_markdown(value: object) -> str:
    r"""A data value as Markdown text that shows as written: HTML escaped (``<`` and ``&``, which are
    all that open markup or an entity), Markdown punctuation backslash-escaped (``\ ` * _ [ ] | ~ #``,
    and what would open a heading, quote or list item), line breaks turned into spaces (a value
    never opens a line of its own). Our own words around it (``**``, ``->``) are left as they are.

    >>> escape_markdown("<img src=x onerror=alert(1)>")
    '&lt;img src=x onerror=alert(1)>'
    >>> print(escape_markdown("[click](javascript:alert(1)) | *bold* `code` # 1"))
    \[click\](javascript:alert(1)) \| \*bold\* \`code\` \# 1
    >>> print(escape_markdown("- item\n# heading"))
    \- item \# heading
    >>> escape_markdown("Platform.sh (France) -> Acme & Co")
    'Platform.sh (France) -> Acme &amp; Co'
    """
    text = " ".join(str(value).split())
    text = _MARKDOWN_INLINE.sub(r"\\\1", text)
    text = _MARKDOWN_LEADING.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", text, count=1)
    return re.sub(r"[&<]", lambda m: _HTML[m[0]], text)


def markdown_code(value: object) -> str:
    """A data value as a Markdown code span: a fence longer than any run of backticks it holds.

    >>> markdown_code("HEAD~1")
    '`HEAD~1`'
    >>> markdown_code("a`b")
    '``a`b``'
    """
    text = " ".join(str(value).split())
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


#: what a spreadsheet reads as the start of a formula (OWASP, CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def spreadsheet_cell(value: str) -> str:
    """A cell as a spreadsheet must show it: text starting with ``=`` ``+`` ``-`` ``@``, a tab or a
    carriage return gets an apostrophe in front, so no spreadsheet runs it as a formula. A number
    (``-3``, ``+1.5``) is left as it is: it is a value, never a formula.

    >>> spreadsheet_cell("=HYPERLINK(\\"http://x\\",\\"y\\")")
    '\\'=HYPERLINK("http://x","y")'
    >>> spreadsheet_cell("-3"), spreadsheet_cell("-1+2"), spreadsheet_cell("Acme")
    ('-3', "'-1+2", 'Acme')
    """
    if value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


#: the URL schemes a JSON-LD processor reads without the network
_LOCAL_SCHEMES = ("", "file")
_OFFLINE = (
    "JSON-LD @context <{}> would be fetched from the network; gdprgraph works offline: "
    "inline the context (ontology/context.jsonld has ours)"
)


def references(node: object, keys: tuple[str, ...] = ("@context", "@import")) -> Iterator[str]:
    """The strings a JSON-LD document gives as ``@context`` or ``@import`` (a context to load, not an
    inline one), at any depth, lists included, in document order."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in keys:
                yield from (item for item in (value if isinstance(value, list) else [value]) if isinstance(item, str))
            yield from references(value, keys)
    elif isinstance(node, list):
        for item in node:
            yield from references(item, keys)


def is_remote(reference: str) -> bool:
    """Whether a JSON-LD processor would fetch this reference from the network (http, https, any
    scheme but ``file``, ``//host/...``); a relative reference or a drive letter is a local file."""
    parts = urlsplit(reference.strip())
    if parts.scheme == "":
        return bool(parts.netloc)
    return parts.scheme.lower() not in _LOCAL_SCHEMES and len(parts.scheme) > 1


def check_jsonld_offline(path: Path | str, _seen: set[Path] | None = None) -> None:
    """InputError (one line naming the file) if loading this JSON-LD file would fetch a context from
    the network: a remote ``@context`` or ``@import`` at any depth, a relative one under a remote
    ``@base``, or one in a local context file it names. A file that is not JSON is left to the parser."""
    path = Path(path)
    seen = _seen if _seen is not None else set()
    if path.resolve() in seen:
        return
    seen.add(path.resolve())
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return
    bases = [base for base in references(document, ("@base",)) if is_remote(base)]
    for reference in references(document):
        url = reference.strip()
        if is_remote(url):
            raise InputError(_OFFLINE.format(url), str(path))
        parts = urlsplit(url)
        if bases and not parts.scheme:
            raise InputError(_OFFLINE.format(urljoin(bases[0], url)), str(path))
        local = Path(unquote(parts.path)) if parts.scheme.lower() == "file" else path.parent / unquote(url)
        if local.is_file():
            check_jsonld_offline(local, seen)
