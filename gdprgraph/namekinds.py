"""The kinds of names a query parameter takes (``# param: org organisation``): for each, the internal
query that lists its names, its root class and the words for messages."""

from __future__ import annotations

from .vocabulary import DPV, GG

#: parameter kind -> (internal query, root class, words for messages)
KINDS: dict[str, tuple[str, str, str]] = {
    "organisation": ("instance-names", DPV + "Organisation", "organisation"),
    "service": ("instance-names", DPV + "Service", "service"),
    "activity": ("instance-names", GG + "ProcessingActivity", "processing activity"),
    "data-category": ("class-names", DPV + "PersonalData", "category of personal data"),
    "data-subject": ("class-names", DPV + "DataSubject", "category of data subjects"),
    "purpose": ("class-names", DPV + "Purpose", "purpose"),
    "country": ("instance-names", DPV + "Country", "country"),
    "right": ("class-names", DPV + "DataSubjectRight", "data-subject right"),
}
