"""The kinds of names a query parameter takes (``# param: org organisation``): for each, the internal
query that lists its names, its root class and the words for messages."""

from __future__ import annotations

from .vocabulary import DPV, GG

#: parameter kind -> (internal query, root class, words for messages)
KINDS: dict[str, tuple[str, str, str]] = {
    "organisation": ("instance-names", str(DPV.Organisation), "organisation"),
    "service": ("instance-names", str(DPV.Service), "service"),
    "activity": ("instance-names", str(GG.ProcessingActivity), "processing activity"),
    "data-category": ("class-names", str(DPV.PersonalData), "category of personal data"),
    "data-subject": ("class-names", str(DPV.DataSubject), "category of data subjects"),
    "purpose": ("class-names", str(DPV.Purpose), "purpose"),
    "country": ("instance-names", str(DPV.Country), "country"),
    "right": ("class-names", str(DPV.DataSubjectRight), "data-subject right"),
}
