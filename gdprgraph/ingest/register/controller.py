"""A controller record of our own ``gdprgraph export ropa`` (Art. 30(1)) read back into the shapes the
export queries read: the policy, its activities, lawful bases, erasure rules, people, data, recipients."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from rdflib import RDF, RDFS, SKOS, XSD, Literal, URIRef

from ...vocabulary import DPV, GG, GGD, GGDOC
from .builder import TITLE, Builder, recipient_parts, split_set, trailing_parenthesis
from .columns import Layout
from .durations import DURATION_KINDS, QUANTITY, fold, parse_duration
from .sheets import Row, Sheet
from .wordings import article_references, basis_property, find_wordings, instruments

# -------------------------------------------------------------------------------------- our export: controller


@dataclass
class RuleSpec:
    """An erasure time limit as the export prints it: 'what[, of whom]: how long[ from event][ (condition)]
    [, may be extended: words]'."""

    text: str
    what: str | None
    subject: str | None
    how_long: str | None
    start: str | None
    condition: str | None
    extension: str | None


def parse_rule(item: str) -> RuleSpec | None:
    """An item of the erasureTimeLimits cell, or None when it is not one.

    >>> r = parse_rule("Données de contact, of Prospects: jusqu'à trois (3) ans from résiliation (si X)")
    >>> r.what, r.subject, r.how_long, r.start, r.condition
    ('Données de contact', 'Prospects', "jusqu'à trois (3) ans", 'résiliation', 'si X')
    >>> parse_rule("Vie: le temps de délivrer le service (acheminement)").how_long
    'le temps de délivrer le service (acheminement)'
    """
    head, sep, rest = item.partition(": ")
    if not sep:
        return None
    what, subject = head, None
    if ", of " in head:
        what, _, subject = head.rpartition(", of ")
    extension = None
    if ", may be extended: " in rest:
        rest, _, extension = rest.partition(", may be extended: ")
    condition = None
    bracket = trailing_parenthesis(rest)
    if bracket and (" from " in bracket[0] or QUANTITY.search(fold(bracket[0]))):
        rest, condition = bracket
    start = None
    if " from " in rest:
        rest, _, start = rest.rpartition(" from ")
    return RuleSpec(
        item,
        None if what == "personal data" else what,
        subject,
        None if rest == "period not stated" else rest,
        start,
        condition,
        extension,
    )


@dataclass
class ControllerRow:
    """A row of our controller record, its cells split into values."""

    sheet: Sheet
    row: Row
    cells: dict[str, str]
    node: URIRef = field(default=GGD.unset)
    parent: ControllerRow | None = None
    rules: list[RuleSpec] = field(default_factory=list)
    conditional: list[tuple[URIRef, str]] = field(default_factory=list)  # (basis, subject)
    direct_rules: bool = False
    direct_subjects: bool = False
    direct_categories: bool = False

    def values(self, column: str) -> list[str]:
        return split_set(self.cells.get(column, ""))

    def ancestors(self) -> list[ControllerRow]:
        found, node = [], self.parent
        while node is not None and node not in found:
            found.append(node)
            node = node.parent
        return found


def _most_common(values: list[str]) -> str:
    counts = Counter(value for value in values if value)
    if not counts:
        return ""
    best = max(counts.values())
    return next(value for value in values if value and counts[value] == best)


class ControllerRecord:
    """Reads our controller record back into policies, activities and the statements the export reads."""

    def __init__(self, builder: Builder, sheet: Sheet, found: Layout) -> None:
        self.b, self.sheet, self.layout = builder, sheet, found

    def read(self) -> int:
        sheet = self.sheet
        rows: list[ControllerRow] = []
        for row in sheet.rows:
            if row.number <= self.layout.header.number:
                continue
            cells = {name: row.cells[i] if i < len(row.cells) else "" for i, name in self.layout.columns.items()}
            rows.append(ControllerRow(sheet, row, cells))
        by_policy: dict[str, list[ControllerRow]] = defaultdict(list)
        for record in rows:
            by_policy[record.cells.get("policy", "")].append(record)
        for policy_label, records in by_policy.items():
            self.policy(policy_label, records)
        return len(rows)

    # one policy: its node, its activities, then what the rows share
    def policy(self, label: str, records: list[ControllerRow]) -> None:
        b = self.b
        policy = b.policies.get(label) or b.mint("policy", label or "register")
        b.policies[label] = policy
        b.add(policy, RDF.type, GG.PrivacyPolicy)
        b.add(policy, SKOS.prefLabel, b.literal(label or f"{TITLE['en']}: {b.path.name}"))
        b.add(policy, GG.describedIn, GGDOC[b.key])
        controller_name = next((r.cells.get("controller", "") for r in records if r.cells.get("controller")), "")
        controller = b.organisation(controller_name) if controller_name else None
        if controller is not None:
            b.add(policy, DPV.hasDataController, controller)
        for record in records:
            self.activity(record, policy)
        for record in records:
            record.parent = self.parent_of(record, records)
            if record.parent is not None:
                b.add(record.node, GG.subActivityOf, record.parent.node)
            elif record.cells.get("subPurposeOf"):
                parent = b.mint("act", record.cells["subPurposeOf"])
                b.add(parent, SKOS.prefLabel, b.literal(record.cells["subPurposeOf"]))
                b.add(
                    parent,
                    RDFS.comment,
                    Literal(
                        "A purpose the register names only as the one a row's purpose belongs to (subPurposeOf).",
                        lang="en",
                    ),
                )
                b.add(record.node, GG.subActivityOf, parent)
        ordered = sorted(records, key=lambda r: len(r.ancestors()))
        self.bases(records, policy)
        self.erasure(ordered, policy)
        self.people_and_data(ordered, policy)
        self.recipients(ordered, policy)
        self.shared(records, policy, controller)

    def activity(self, record: ControllerRow, policy: URIRef) -> None:
        b, cells = self.b, record.cells
        node = record.node = b.mint(f"act-{record.sheet.number}-{record.row.number}")
        if cells.get("document"):
            b.derive(record.sheet, record.row, [(cells["document"], cells.get("line", ""))])
        b.add(node, RDF.type, GG.ProcessingActivity)
        b.add(node, GG.about, policy)
        purpose = cells.get("purpose", "")
        b.add(node, SKOS.prefLabel, b.literal(purpose or f"row {record.row.number}"))
        if purpose:
            b.purposes(node, purpose)
        if cells.get("controller"):
            b.add(node, DPV.hasDataController, b.organisation(cells["controller"]))
        b.cite(node, record.sheet, record.row)
        b.unplaced_columns(node, record.sheet, record.row, self.layout)

    @staticmethod
    def parent_of(record: ControllerRow, records: list[ControllerRow]) -> ControllerRow | None:
        wanted = record.cells.get("subPurposeOf", "")
        if not wanted:
            return None
        same = [r for r in records if r is not record and r.cells.get("purpose") == wanted]
        before = [r for r in same if r.row.number < record.row.number]
        for candidate in reversed(before or same):
            if record not in candidate.ancestors():
                return candidate
        return None

    def bases(self, records: list[ControllerRow], policy: URIRef) -> None:
        b = self.b
        for record in records:
            for number, item in enumerate(record.values("lawfulBases"), start=1):
                basis = b.ctx.bases.get(item)
                if basis is not None:
                    b.add(record.node, DPV.hasLegalBasis, basis)
                    continue
                conditional = next(
                    (
                        (label, item[len(label) + len(" for ") :])
                        for label in b.ctx.bases
                        if item.startswith(f"{label} for ")
                    ),
                    None,
                )
                if conditional is not None:
                    label, whom = conditional
                    record.conditional.append((b.ctx.bases[label], whom))
                    node = b.mint(f"cb-{record.sheet.number}-{record.row.number}-{number}")
                    b.add(node, RDF.type, GG.ConditionalLegalBasis)
                    b.add(node, GG.basis, b.ctx.bases[label])
                    b.add(node, GG.aboutDataSubject, b.category(whom, "subject"))
                    b.add(node, GG.about, policy)
                    b.add(record.node, GG.hasConditionalBasis, node)
                    b.cite(node, record.sheet, record.row, item)
                    continue
                found = article_references(item) or find_wordings(item, ["lawful-basis", "art9-condition"])
                for term in found:
                    b.add(record.node, basis_property(term), term)
                if not found:
                    b.unplaced(record.node, record.sheet, record.row, "lawfulBases", item)
            if record.cells.get("lawfulBases"):
                b.add(record.node, GG.legalBasisText, b.literal(record.cells["lawfulBases"]))

    # erasure time limits: tied to the purpose, or the policy's by data category (the fallback)
    def erasure(self, ordered: list[ControllerRow], policy: URIRef) -> None:
        b = self.b
        for record in ordered:
            for item in record.values("erasureTimeLimits"):
                rule = parse_rule(item)
                if rule is None:
                    b.unplaced(record.node, record.sheet, record.row, "erasureTimeLimits", item)
                else:
                    record.rules.append(rule)
        leaking = [r for r in ordered if self.leaks(r)]
        shared = _most_common([r.cells.get("erasureTimeLimits", "") for r in (leaking or ordered)])
        for record in ordered:
            inherited = any(a.direct_rules for a in record.ancestors())
            cell = record.cells.get("erasureTimeLimits", "")
            if cell == shared and not inherited:
                continue
            record.direct_rules = bool(record.rules)
            for number, rule in enumerate(record.rules, start=1):
                self.rule(rule, policy, record, f"ret-{record.sheet.number}-{record.row.number}-{number}")
        holder = next((r for r in ordered if r.cells.get("erasureTimeLimits", "") == shared), None)
        if shared and holder is not None:
            for number, rule in enumerate(holder.rules, start=1):
                self.rule(
                    rule,
                    policy,
                    holder,
                    f"{str(policy).rsplit('/', 1)[-1][len(b.key) + 1 :]}-ret-{number}",
                    for_activity=False,
                )

    @staticmethod
    def leaks(record: ControllerRow) -> bool:
        """Whether the row's rules name data or data subjects its own cells do not: they are the policy's."""
        categories, subjects = set(record.values("dataCategories")), set(record.values("dataSubjects"))
        return any(
            (rule.what is not None and rule.what not in categories)
            or (rule.subject is not None and rule.subject not in subjects)
            for rule in record.rules
        )

    def rule(self, spec: RuleSpec, policy: URIRef, record: ControllerRow, stem: str, for_activity: bool = True) -> None:
        b = self.b
        node = b.mint(stem)
        b.add(node, RDF.type, GG.RetentionRule)
        b.add(node, GG.about, policy)
        if for_activity:
            b.add(node, GG.forActivity, record.node)
        if spec.what is not None:
            b.add(node, GG.appliesToData, b.category(spec.what, "data"))
        if spec.subject is not None:
            b.add(node, GG.aboutDataSubject, b.category(spec.subject, "subject"))
        b.cite(node, record.sheet, record.row, spec.text)
        duration = b.mint(f"{stem}-duration")
        b.add(node, DPV.hasDuration, duration)
        parsed = parse_duration(spec.how_long or "")
        if parsed.start:  # "... 20 jours après résiliation": a period counted from an event the cell words itself
            parsed.period, parsed.kind = None, "stated"
        b.add(duration, RDF.type, DURATION_KINDS[parsed.kind])
        if spec.how_long is not None:
            b.add(duration, GG.durationText, b.literal(spec.how_long))
        if parsed.period:
            b.add(duration, GG.period, Literal(parsed.period, datatype=XSD.duration))
        if parsed.stated:
            b.add(duration, GG.statedPeriod, b.literal(parsed.stated))
        if parsed.until:
            b.add(duration, GG.untilEvent, b.event(parsed.until))
        if parsed.maximum and spec.extension is None:
            b.add(node, GG.isMaximum, Literal(True))
        if spec.start:
            b.add(node, GG.startsAt, b.event(spec.start))
        if spec.condition:
            b.add(node, GG.condition, b.literal(spec.condition))
        if spec.extension:
            extension = b.mint(f"{stem}-extension")
            b.add(extension, RDF.type, GG.PeriodExtension)
            b.add(extension, GG.description, b.literal(spec.extension))
            b.add(extension, GG.about, policy)
            b.cite(extension, record.sheet, record.row, spec.extension)
            b.add(node, GG.mayBeExtended, extension)

    # data subjects and categories: tied to the purpose, else the policy's (the fallback)
    def people_and_data(self, ordered: list[ControllerRow], policy: URIRef) -> None:
        b = self.b
        for column, attribute, prop, kind, statement_prop in (
            ("dataSubjects", "direct_subjects", DPV.hasDataSubject, "subject", GG.aboutDataSubject),
            ("dataCategories", "direct_categories", DPV.hasPersonalData, "data", GG.appliesToData),
        ):
            shared = _most_common([r.cells.get(column, "") for r in ordered])
            holder = None
            for record in ordered:
                scopes = [record, *record.ancestors()]
                forced = (
                    any(getattr(a, attribute) for a in record.ancestors())
                    or any(
                        s.direct_rules and any((rule.subject if kind == "subject" else rule.what) for rule in s.rules)
                        for s in scopes
                    )
                    or (kind == "subject" and any(s.conditional for s in scopes))
                )
                cell = record.cells.get(column, "")
                if cell == shared and not forced:
                    holder = holder or record
                    continue
                setattr(record, attribute, bool(cell))
                for value in record.values(column):
                    b.add(record.node, prop, b.category(value, kind))
            if shared and holder is not None:
                for number, value in enumerate(split_set(shared), start=1):
                    node = b.mint(
                        f"{'ds' if kind == 'subject' else 'cat'}-st-{holder.sheet.number}-{holder.row.number}-{number}"
                    )
                    b.add(node, RDF.type, GG.SourcedStatement)
                    b.add(node, GG.about, policy)
                    b.add(node, statement_prop, b.category(value, kind))
                    b.cite(node, holder.sheet, holder.row, value)

    # recipients: the policy's for every purpose, plus those tied to a purpose (and its sub-purposes)
    def recipients(self, ordered: list[ControllerRow], policy: URIRef) -> None:
        sets = [set(r.values("recipients")) for r in ordered]
        common = set.intersection(*sets) if sets else set()
        given: dict[int, set[str]] = {}
        for record, values in zip(ordered, sets, strict=True):
            inherited = set().union(*(given.get(id(a), set()) for a in record.ancestors()))
            own = values - common - inherited
            given[id(record)] = own | inherited
            for number, value in enumerate(sorted(own), start=1):
                self.recipient(
                    value, policy, record, f"rec-{record.sheet.number}-{record.row.number}-{number}", for_activity=True
                )
        if common and ordered:
            holder = next(r for r in ordered if r.values("recipients"))
            for number, value in enumerate(sorted(common), start=1):
                self.recipient(
                    value,
                    policy,
                    holder,
                    f"rec-{holder.sheet.number}-{holder.row.number}-p{number}",
                    for_activity=False,
                )

    def recipient(self, value: str, policy: URIRef, record: ControllerRow, stem: str, for_activity: bool) -> None:
        b = self.b
        node = b.mint(stem)
        b.add(node, RDF.type, GG.RecipientStatement)
        b.add(node, GG.about, policy)
        if for_activity:
            b.add(node, GG.forActivity, record.node)
        category, condition = recipient_parts(b, value)
        b.add(node, GG.recipientCategory, category)
        if condition:
            b.add(node, GG.condition, b.literal(condition))
        b.cite(node, record.sheet, record.row, value)

    # what every row of a policy repeats: transfers, contacts, data protection officers
    def shared(self, records: list[ControllerRow], policy: URIRef, controller: URIRef | None) -> None:
        b = self.b
        seen: set[str] = set()
        for record in records:
            for item in record.values("transfers"):
                if item in seen:
                    continue
                seen.add(item)
                node = b.mint(f"tr-{record.sheet.number}-{record.row.number}-{len(seen)}")
                b.add(node, RDF.type, GG.TransferPolicyStatement)
                b.add(node, GG.about, policy)
                rest = item
                basis = next((t for label, t in b.ctx.transfer_bases.items() if rest.startswith(f"{label}: ")), None)
                if basis is not None:
                    b.add(node, GG.transferBasis, basis)
                    rest = rest[len(b.ctx.en_labels[basis]) + 2 :]
                    instrument = instruments().get(basis)
                    if instrument is not None:
                        b.add(node, DPV.hasOrganisationalMeasure, instrument)
                country = next((t for label, t in b.ctx.countries.items() if rest.startswith(f"{label}: ")), None)
                if country is not None:
                    b.add(node, DPV.hasThirdCountry, country)
                    rest = rest[len(b.ctx.en_labels[country]) + 2 :]
                if rest:
                    b.add(node, GG.description, b.literal(rest))
                b.cite(node, record.sheet, record.row, item)
            for item in record.values("controllerContact"):
                scope, value = _scoped(item)
                b.contact(policy, value, record.sheet, record.row, scope=scope)
            for item in record.values("dataProtectionOfficer"):
                b.officer(controller, item, record.sheet, record.row)
            if record.cells.get("dataProtectionOfficer") and controller is None:
                b.unplaced(
                    record.node,
                    record.sheet,
                    record.row,
                    "dataProtectionOfficer",
                    record.cells["dataProtectionOfficer"] + " (no controller named)",
                )


def _scoped(item: str) -> tuple[str | None, str]:
    """A contact as the export prints it: '[scope: ]address' or '[scope: ]email: address'.

    >>> _scoped("Offres: 1 rue X"), _scoped("email: a@b.fr"), _scoped("Pros: email: a@b.fr"), _scoped("1 rue X")
    (('Offres', '1 rue X'), (None, 'email: a@b.fr'), ('Pros', 'email: a@b.fr'), (None, '1 rue X'))
    """
    if item.startswith("email: "):
        return None, item
    scope, sep, value = item.partition(": ")
    if sep and value:
        return scope, value
    return None, item
