"""Compare two versions of the data: what changed, for whom, and what the customers must be told.

Each version (a folder like data/, one file, or a git revision of data/) is loaded with the ontology
and the reference data it holds (the embedded reference data and templates where it has none), on
the asserted graph only (no OWL RL closure). ``compare`` returns typed ``Change`` records: sub-processors
added, removed, replaced or moved, safeguards changed, template lines flipped, retention changed.
A change needs action when Article 28(2) requires telling the customers, who may object.

The package: ``model`` (the records), ``versions`` (loading a version), ``compare`` (reading and
comparing the facts), ``render`` (text, JSON, Markdown).
"""

from .compare import KIND_ORDER, compare, diff, snapshot
from .model import Change, DiffResult
from .render import FORMATS, as_json, as_markdown, as_text, render
from .versions import load_version

__all__ = [
    "FORMATS",
    "KIND_ORDER",
    "Change",
    "DiffResult",
    "as_json",
    "as_markdown",
    "as_text",
    "compare",
    "diff",
    "load_version",
    "render",
    "snapshot",
]
