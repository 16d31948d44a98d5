"""The facts of two versions read side by side and compared: sub-processors added, removed, replaced or
moved, safeguards changed, template lines flipped, retention changed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypedDict

from rdflib import URIRef
from rdflib.term import Identifier

from .. import paths
from ..basis import Basis
from ..labels import display_name
from ..store import KnowledgeGraph
from ..vocabulary import DECLARED_YES, DPV, GG, SAFEGUARD_IN_PLACE
from .model import Change, DiffResult
from .versions import load_version

#: the basis of an engagement to a country the transfer graph does not hold
UNKNOWN_COUNTRY = Basis.of("country unknown", True)
KIND_ORDER = (
    "subprocessor-added",
    "subprocessor-replaced",
    "subprocessor-moved",
    "subprocessor-removed",
    "safeguard-removed",
    "safeguard-weakened",
    "safeguard-added",
    "safeguard-strengthened",
    "line-flipped",
    "retention-added",
    "retention-changed",
    "retention-removed",
)
STATUS_WORDS = {GG + "DeclaredYes": "Yes", GG + "DeclaredNo": "No", GG + "NotStated": "not stated"}
SECTION_WORDS = {
    GG + "OperationsSection": "processing operation",
    GG + "DataCategoriesSection": "data category",
    GG + "SubjectMatterSection": "subject-matter",
    GG + "PurposesSection": "purpose",
    GG + "DataSubjectsSection": "data subjects",
}


# --- reading the facts to compare ---------------------------------------------------------------


def _int(value: Identifier | None) -> int | None:
    return int(value) if value is not None else None


@dataclass
class _Engagement:
    service: str
    exporter: str
    importer: str
    iris: set[str] = field(default_factory=set)
    home: set[str] = field(default_factory=set)
    processing: set[str] = field(default_factory=set)
    document: str = ""
    line: int | None = None

    @property
    def countries(self) -> set[str]:
        return self.processing or self.home


@dataclass
class _Duration:
    """A retention as one version states it: for a template line (subject, item) or a statement."""

    subject: str
    what: str
    period: str
    text: str
    events: set[str]
    document: str
    line: int | None

    def same(self, other: _Duration) -> bool:
        return (self.period, self.text, self.events) == (other.period, other.text, other.events)


class _ServiceFields(TypedDict):
    """Whom a change concerns: the ``services`` and ``customers`` fields of a ``Change``."""

    services: tuple[str, ...]
    customers: tuple[str, ...]


@dataclass
class _Snapshot:
    kg: KnowledgeGraph
    transfers: paths.TransferGraph
    engagements: dict[tuple[str, str, str], _Engagement]
    safeguards: dict[tuple[str, ...], dict[str, tuple[str, str, int | None]]]
    lines: dict[tuple[str, str], tuple[str, str, str, int | None]]
    durations: dict[tuple[str, ...], _Duration]

    def name(self, iri: str) -> str:
        return display_name(self.kg, URIRef(iri))

    def country(self, iri: str) -> paths.Country | None:
        return self.transfers.countries.get(iri)

    def customers(self, service: str) -> tuple[str, ...]:
        controllers = self.kg.objects(URIRef(service), URIRef(DPV + "hasDataController"))
        return tuple(sorted(f"{display_name(self.kg, c)} of {self.name(service)}" for c in controllers))

    def hops(self, key: tuple[str, str, str]) -> dict[str, Basis]:
        """Basis of the engagement's transfer to each country (gdprgraph.paths)."""
        service, exporter, importer = key
        found = {}
        for data in (self.transfers.graph.get_edge_data(exporter, importer) or {}).values():
            if data["service"] == service and data["relation"] == "engages":
                found[data.get("country", "")] = data["basis"]
        return found


def snapshot(kg: KnowledgeGraph) -> _Snapshot:
    """The facts of one version that a diff compares, keyed so that the two versions line up."""
    engagements: dict[tuple[str, str, str], _Engagement] = {}
    for row in kg.internal("diff-engagements"):
        key = (str(row.service), str(row.exporter), str(row.importer))
        eng = engagements.setdefault(key, _Engagement(*key))
        eng.iris.add(str(row.engagement))
        if row.homeCountry is not None:
            eng.home.add(str(row.homeCountry))
        if row.processingCountry is not None:
            eng.processing.add(str(row.processingCountry))
        if row.document is not None and (eng.line is None or (_int(row.line) or 0) < eng.line):
            eng.document, eng.line = str(row.document), _int(row.line)
    safeguards: dict[tuple[str, ...], dict[str, tuple[str, str, int | None]]] = defaultdict(dict)
    for row in kg.internal("diff-safeguards"):
        holder: tuple[str, ...] = (
            (str(row.service), "row", str(row.rowItem))
            if row.rowItem is not None
            else (str(row.service), "engagement", str(row.exporter), str(row.importer))
        )
        safeguards[holder][str(row.instrument)] = (str(row.status or ""), str(row.document or ""), _int(row.line))
    lines = {
        (str(r.service), str(r.item)): (str(r.section), str(r.status), str(r.document or ""), _int(r.line))
        for r in kg.internal("diff-template-lines")
    }
    durations: dict[tuple[str, ...], _Duration] = {}
    for row in kg.internal("diff-durations"):
        stated: tuple[str, ...] = (
            (str(row.subject), str(row.item)) if str(row.kind) == "line" else (str(row.statement),)
        )
        entry = durations.setdefault(
            stated,
            _Duration(
                str(row.subject),
                str(row.item or row.data or ""),
                str(row.period or ""),
                str(row.text or ""),
                set(),
                str(row.document or ""),
                _int(row.line),
            ),
        )
        if row.event is not None:
            entry.events.add(str(row.event))
    return _Snapshot(kg, paths.build(kg), engagements, dict(safeguards), lines, durations)


# --- comparing ----------------------------------------------------------------------------------


def compare(old_kg: KnowledgeGraph, new_kg: KnowledgeGraph, old: str = "OLD", new: str = "NEW") -> DiffResult:
    """Every change from the old graph to the new one, sorted by kind, service and subject."""
    a, b = snapshot(old_kg), snapshot(new_kg)
    changes = _subprocessor_changes(a, b) + _safeguard_changes(a, b) + _line_changes(a, b) + _duration_changes(a, b)
    changes.sort(key=lambda c: (KIND_ORDER.index(c.kind), c.services, c.subject, c.description))
    return DiffResult(old, new, changes)


def diff(old: str, new: str) -> DiffResult:
    """Load two versions (folders, files or git revisions) and compare them."""
    return compare(load_version(old), load_version(new), old, new)


def _where(snap: _Snapshot, countries: Iterable[str]) -> str:
    return ", ".join(sorted(snap.name(c) for c in countries)) or "country not stated"


def _is_third(snap: _Snapshot, country: str) -> bool:
    known = snap.country(country)
    return known is not None and not known.eea


def _service_fields(snap: _Snapshot, service: str) -> _ServiceFields:
    return {"services": (snap.name(service),), "customers": snap.customers(service)}


def _subprocessor_changes(a: _Snapshot, b: _Snapshot) -> list[Change]:
    changes = []
    removed = {k: e for k, e in a.engagements.items() if k not in b.engagements}
    for key, eng in sorted(b.engagements.items()):
        before = a.engagements.get(key)
        old_countries = before.countries if before else set()
        if before is None:
            replaced = next((r for r in removed.values() if r.service == eng.service and r.iris & eng.iris), None)
        else:
            replaced = None
        if before is not None and before.home == eng.home and before.processing == eng.processing:
            continue
        if replaced is not None:
            old_countries = replaced.countries
            del removed[(replaced.service, replaced.exporter, replaced.importer)]
        new_third = sorted(c for c in eng.countries if _is_third(b, c) and c not in old_countries)
        hops = b.hops(key)
        bases = [hops.get(c, UNKNOWN_COUNTRY) for c in (new_third or sorted(eng.countries))]
        basis = "; ".join(sorted({b.text for b in bases})) if bases else ""
        org, where = b.name(eng.importer), _where(b, eng.countries)
        if replaced is not None:  # (only an engagement the old version lacks replaces one)
            old_org = a.name(replaced.importer)
            kind = "subprocessor-replaced"
            text = f"{old_org} ({_where(a, replaced.countries)}) replaced by {org} ({where})"
            was = f"{old_org} ({_where(a, replaced.countries)})"
        elif before is None:
            kind, text, was = "subprocessor-added", f"new sub-processor {org} ({where})", ""
        else:
            kind = "subprocessor-moved"
            detail = []
            if before.home != eng.home:
                detail.append(f"country {_where(a, before.home)} -> {_where(b, eng.home)}")
            if before.processing != eng.processing:
                detail.append(f"country of processing {_where(a, before.processing)} -> {_where(b, eng.processing)}")
            text, was = f"{org} moved: {'; '.join(detail)}", _where(a, before.countries)
        changes.append(
            Change(
                kind,
                org,
                text,
                was,
                where,
                **_service_fields(b, eng.service),
                document=eng.document,
                line=eng.line,
                new_third_country_transfer=bool(new_third),
                countries=tuple(sorted(b.name(c) for c in eng.countries)),
                basis=basis,
                has_basis=(not any(b.missing for b in bases)) if new_third else None,
                needs_action=True,
            )
        )
    for eng in removed.values():
        org = a.name(eng.importer)
        changes.append(
            Change(
                "subprocessor-removed",
                org,
                f"sub-processor {org} ({_where(a, eng.countries)}) removed",
                _where(a, eng.countries),
                "",
                **_service_fields(a, eng.service),
                document=eng.document,
                line=eng.line,
                source_version="old",
                countries=tuple(sorted(a.name(c) for c in eng.countries)),
            )
        )
    return changes


def _holder_name(snap: _Snapshot, holder: tuple[str, ...]) -> str:
    if holder[1] == "row":
        return f"row '{snap.name(holder[2])}'"
    return f"engagement of {snap.name(holder[3])} by {snap.name(holder[2])}"


def _safeguard_changes(a: _Snapshot, b: _Snapshot) -> list[Change]:
    changes = []
    in_place = str(SAFEGUARD_IN_PLACE)
    for holder in sorted(set(a.safeguards) | set(b.safeguards)):
        before, after = a.safeguards.get(holder, {}), b.safeguards.get(holder, {})
        for instrument in sorted(set(before) | set(after)):
            old, new = before.get(instrument), after.get(instrument)
            if old is not None and new is not None and old[0] == new[0]:
                continue
            snap = b if new is not None else a
            status_before = a.name(old[0]) if old else ""
            status_after = b.name(new[0]) if new else ""
            what = f"{snap.name(instrument)} on the {_holder_name(snap, holder)}"
            if old is None:
                kind, text = "safeguard-added", f"{what} added ({status_after})"
            elif new is None:
                kind, text = "safeguard-removed", f"{what} removed (was {status_before})"
            elif new[0] == in_place:
                kind, text = "safeguard-strengthened", f"{what}: {status_before} -> {status_after}"
            else:
                kind, text = "safeguard-weakened", f"{what}: {status_before} -> {status_after}"
            stated = new or old
            if stated is None:  # the instrument is in one version at least
                continue
            document, line = stated[1:]
            changes.append(
                Change(
                    kind,
                    snap.name(instrument),
                    text,
                    status_before,
                    status_after,
                    **_service_fields(snap, holder[0]),
                    document=document,
                    line=line,
                    source_version="new" if new else "old",
                    needs_action=kind in ("safeguard-removed", "safeguard-weakened"),
                )
            )
    return changes


def _line_changes(a: _Snapshot, b: _Snapshot) -> list[Change]:
    changes = []
    for key in sorted(set(a.lines) | set(b.lines)):
        old, new = a.lines.get(key), b.lines.get(key)
        old_status = old[1] if old else ""
        new_status = new[1] if new else ""
        if old_status == new_status:
            continue
        snap = b if new else a
        stated = new or old
        if stated is None:  # the line is in one version at least
            continue
        section, _, document, line = stated
        item = snap.name(key[1])
        words_before = STATUS_WORDS.get(old_status, "absent")
        words_after = STATUS_WORDS.get(new_status, "absent")
        text = f"{SECTION_WORDS.get(section, 'line')} '{item}': {words_before} -> {words_after}"
        changes.append(
            Change(
                "line-flipped",
                item,
                text,
                words_before,
                words_after,
                **_service_fields(snap, key[0]),
                document=document,
                line=line,
                source_version="new" if new else "old",
                needs_action=new_status == str(DECLARED_YES),
            )
        )
    return changes


def _duration_words(snap: _Snapshot, entry: _Duration) -> str:
    parts = [p for p in (entry.period, entry.text) if p]
    events = sorted(snap.name(e) for e in entry.events)
    text = " / ".join(dict.fromkeys(parts)) or "no period stated"
    return text + (f" (from or until: {'; '.join(events)})" if events else "")


def _duration_changes(a: _Snapshot, b: _Snapshot) -> list[Change]:
    changes = []
    for key in sorted(set(a.durations) | set(b.durations), key=str):
        old, new = a.durations.get(key), b.durations.get(key)
        if old is not None and new is not None and old.same(new):
            continue
        snap, entry = (b, new) if new is not None else (a, old)
        if entry is None:  # the retention is in one version at least
            continue
        what = snap.name(entry.what) if entry.what else "personal data"
        subject = snap.name(entry.subject)
        label = f"retention of '{what}' ({subject})"
        before = _duration_words(a, old) if old else ""
        after = _duration_words(b, new) if new else ""
        if old is None:
            kind, text = "retention-added", f"{label} added: {after}"
        elif new is None:
            kind, text = "retention-removed", f"{label} removed (was {before})"
        else:
            kind, text = "retention-changed", f"{label}: {before} -> {after}"
        is_service = (URIRef(entry.subject), None, URIRef(DPV + "Service")) in snap.kg
        fields = _service_fields(snap, entry.subject) if is_service else _ServiceFields(services=(), customers=())
        changes.append(
            Change(
                kind,
                what,
                text,
                before,
                after,
                **fields,
                document=entry.document,
                line=entry.line,
                source_version="new" if new else "old",
            )
        )
    return changes
