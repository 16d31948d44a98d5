"""Read a register of processing activities (Article 30 GDPR), CSV or XLSX, into the gdprgraph model.

Each sheet is recognised by its header row, on its own:

- the columns of our own ``gdprgraph export ropa``: the controller record (Art. 30(1): policy,
  controller, purpose, lawful bases, data subjects, data categories, recipients, transfers, erasure
  time limits...) and the processor record (Art. 30(2): service, processor, operations, data,
  sub-processors, transfers, retention...). They are read back into the shapes the export queries
  read (``queries/internal/ropa-*.rq``), so that exporting a graph built from the import gives the
  same cells, provenance included: an imported fact cites the register's file and row, and is
  ``prov:wasDerivedFrom`` the ``gg:Citation`` of the document (and line) the row cites
  (``document``/``line``, ``sources``), which the export prints;
- a controller's register in the CNIL's or the ICO's template, or any sheet whose headers say the same
  in other words (matched loosely: case, accents, punctuation, extra words): one
  ``gg:ProcessingActivity`` per row, about one ``gg:PrivacyPolicy`` node standing for the register,
  with its purposes, lawful bases (``eu-gdpr:A6-1-x``, ``A9-2-x``), categories of data and data
  subjects, recipients, transfers and their safeguards, retention and security measures.

Wordings are matched against ``data/reference/register-wordings.ttl`` and the labels of
``ontology/dpv-alignment.ttl``; organisations, services and categories already in the context graph are
reused, and a processor record's facts the context graph already holds keep their node, citing the
register too (``identity.Estate``: one estate from many sources). Every statement cites the register (a
``gg:SourceDocument``, a section per sheet, the row as ``gg:sourceLine``). A cell that has no place in
the model is kept as an ``rdfs:comment`` and listed (``FILE:SHEET:ROW:COLUMN: not placed: text``).
Formulas are never evaluated: a cached value is read as text, a formula without one is reported. A file
that cannot be read as a register raises :class:`~gdprgraph.errors.InputError` before anything is built.

The package, one job per module: ``sheets`` (reading the file), ``columns`` (which header, which column),
``wordings`` and ``durations`` (what a cell's words mean), ``context`` (what names resolve to),
``builder`` (minting and citing), ``controller`` and ``processor`` (the records of our own export),
``foreign`` (other registers), ``importer`` (the entry point) and ``results``.
"""

from .context import context_graph
from .durations import parse_duration
from .importer import import_register
from .results import ImportResult, NotPlaced, SheetReport
from .sheets import read_sheets

__all__ = [
    "ImportResult",
    "NotPlaced",
    "SheetReport",
    "context_graph",
    "import_register",
    "parse_duration",
    "read_sheets",
]
