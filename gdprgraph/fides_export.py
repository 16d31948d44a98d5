"""Write the services of the graph as a fides manifest (YAML), the inverse of ``gdprgraph import fides``.

One ``system`` per ``dpv:Service``: ``fides_key`` (the service's own, when it was imported from fides,
else the local name of its IRI), name, description, the organisation that runs it (its processor,
else its controller) with its ``responsibility``, privacy declarations, data flows (``egress``) to
the organisations it engages, and its transfers outside the EU/EEA (``third_country_transfers``,
ISO 3166-1 alpha-3, with ``does_international_transfers`` and ``legal_basis_for_transfers``).

Privacy declarations are the service's processing activities (imported fides declarations), else one
per purpose of the service, with every category of personal data and of data subjects its lines
declare Yes. DPV terms become fideslang keys through the table of ``import fides``
(``data/reference/fideslang-dpv.ttl``) read the other way: a key that means the same, else the
nearest broader term's; a key that came from a manifest is written back as it was. A category of
data subjects or a purpose with no fideslang key at all is written as a custom ``data_subject`` or
``data_use`` of the manifest, named as in the graph. Each organisation engaged is a ``Third Party``
system (``legal_name``: its name) with the countries outside the EU/EEA where it processes the data,
so that every ``egress`` names a system of the manifest. The manifest validates against fideslang's
models (``fideslang.models.Taxonomy``); ``third_country_transfers`` is the field of fideslang 1.x,
which later versions ignore and ``import fides`` reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import yaml
from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS
from rdflib.term import Identifier, Node

from .ingest.countries import _reference as country_reference
from .ingest.fides import NON_PERSONAL, mapping_table
from .labels import display_name, local_name
from .vocabulary import DPV, DPV_SPACES, EU_GDPR, GG, GGT, LOC

if TYPE_CHECKING:
    from .ingest.fides import Table
    from .store import KnowledgeGraph
    from .workspace import Workspace

__all__ = ["export_fides", "manifest"]

HEADER = (
    "# Written by `gdprgraph export fides`: the services of the graph as fides systems. Keys are\n"
    "# mapped from DPV with data/reference/fideslang-dpv.ttl; third_country_transfers is the field of\n"
    "# fideslang 1.x (ISO 3166-1 alpha-3), which fideslang 2 and 3 ignore.\n"
)
KINDS = {
    "category": (GG.DataCategoriesSection, GG.aboutDataCategory, DPV.hasPersonalData),
    "subject": (GG.DataSubjectsSection, GG.aboutDataSubject, DPV.hasDataSubject),
}
FALLBACK_USE = "collect"
_FIDES_KEY = re.compile(r"^[a-zA-Z0-9_.<>-]+$")
#: a mapping of the manifest as YAML writes it (keys and values as fideslang names them)
Entry = dict[str, Any]


def _graph(source: Workspace | KnowledgeGraph | Graph) -> Graph:
    asserted = getattr(source, "asserted", source)
    graph = getattr(asserted, "graph", asserted)
    assert isinstance(graph, Graph)
    return graph


def _snake(name: str, camel: bool = True) -> str:
    """A fides key from a local name ('CustomerEndUsers' -> 'customer_end_users') or, ``camel`` False, a
    name ('PayCo' -> 'payco')."""
    if camel:
        name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_") or "key"


def _sorted(nodes: Iterable[Node]) -> list[Identifier]:
    """Terms of a graph in rdflib's order (every term of a graph is an Identifier)."""
    return sorted(node for node in nodes if isinstance(node, Identifier))


def _notation(graph: Graph, node: Node) -> str | None:
    for value in sorted(str(v) for v in graph.objects(node, SKOS.notation)):
        if _FIDES_KEY.match(value):
            return value
    return None


class Exporter:
    """Reads the graph once and writes the manifest."""

    def __init__(self, graph: Graph) -> None:
        self.g = graph
        self.table: Table = mapping_table()
        reference = country_reference()
        self.eea = set(reference.subjects(GG.memberOf, LOC.EEA))
        self.alpha3 = {t.target: t.key for t in self.table.terms["country"].values() if t.target is not None}
        self.adequate = {
            c
            for d in reference.subjects(RDF.type, GG.AdequacyDecision)
            if (d, GG.inForce, Literal(True)) in reference
            and (d, GG.requiresCertification, Literal(False)) in reference
            for c in reference.objects(d, GG.coversCountry)
        }
        self.custom: dict[str, dict[str, Entry]] = {"subject": {}, "use": {}, "category": {}}
        self.keys: dict[URIRef, str] = {}
        self.org_keys: dict[URIRef, str] = {}

    # ---- keys

    def key_of(self, node: URIRef, taken: set[str], fallback: str) -> str:
        if node in self.keys:
            return self.keys[node]
        base = _notation(self.g, node) or _snake(local_name(node).replace("-", "_")) or fallback
        key, number = base, 1
        while key in taken:
            number += 1
            key = f"{base}_{number}"
        taken.add(key)
        self.keys[node] = key
        return key

    def reverse(self, kind: str, term: URIRef) -> list[str]:
        """The fideslang keys of a DPV term (or of a category of the graph): its own notation when it is a
        key of a manifest, else the key of the term, else those of its nearest broader terms."""
        found: set[str] = set()
        seen: set[URIRef] = set()
        frontier = [term]
        while frontier:
            following: list[URIRef] = []
            for node in frontier:
                if node in seen:
                    continue
                seen.add(node)
                own = _notation(self.g, node) if str(node).startswith(str(GGT)) else None
                key = own if own is not None else self.table.key_for(kind, node)
                if key is not None:
                    found.add(key)
                    continue
                following += sorted(URIRef(str(o)) for o in self.g.objects(node, RDFS.subClassOf))
            frontier = following
        keys = {k for k in found if not any(o != k and o.startswith(k + ".") for o in found)}
        if kind == "category" and keys <= {"user"} and not str(term).startswith(DPV_SPACES):
            # a category of our own that only `user` would cover: a custom key under it, named as ours
            key = f"user.{_snake(local_name(term))}"
            self.custom["category"].setdefault(
                key, {"fides_key": key, "name": display_name(self.g, term), "parent_key": "user"}
            )
            return [key]
        if keys or kind == "category":
            return sorted(keys) or ["user"]
        key = _snake(local_name(term))
        self.custom[kind].setdefault(key, {"fides_key": key, "name": display_name(self.g, term)})
        return [key]

    def item_keys(self, kind: str, item: URIRef) -> list[str]:
        """The keys of a template item: its notation when it is a fides key, else its category's keys."""
        _, about, _ = KINDS[kind]
        own = _notation(self.g, item)
        if own is not None and (item, RDF.type, GG.TemplateItem) in self.g:
            target = self.g.value(item, about)
            if (
                target is not None
                and not self.table.is_fideslang(kind, own)
                and target not in (DPV.PersonalData, DPV.DataSubject)
            ):
                self.define(kind, own, URIRef(str(target)))
            return [self.table.current(kind, own)]
        keys: list[str] = []
        for target in _sorted(self.g.objects(item, about)):
            if target != NON_PERSONAL:
                keys += self.reverse(kind, URIRef(str(target)))
        return keys

    def define(self, kind: str, key: str, target: URIRef) -> None:
        """A custom key kept from a manifest: defined in the export with its name and parent."""
        if kind == "category":
            entry = {"fides_key": key, "name": display_name(self.g, target)}
            if "." in key:
                entry["parent_key"] = key.rsplit(".", 1)[0]
            self.custom["category"].setdefault(key, entry)
        else:
            self.custom[kind].setdefault(key, {"fides_key": key, "name": display_name(self.g, target)})

    # ---- what a service declares

    def lines(self, service: URIRef, kind: str) -> list[str]:
        section, _, _ = KINDS[kind]
        keys: set[str] = set()
        for line in self.g.subjects(GG.about, service):
            if (line, RDF.type, GG.TemplateLine) not in self.g or (line, GG.status, GG.DeclaredYes) not in self.g:
                continue
            item = self.g.value(line, GG.answers)
            if item is not None and (item, GG.templateSection, section) in self.g:
                keys.update(self.item_keys(kind, URIRef(str(item))))
        return sorted(keys)

    def use_keys(self, purposes: Iterable[Node]) -> list[str]:
        keys: set[str] = set()
        for purpose in purposes:
            own = _notation(self.g, purpose) if str(purpose).startswith(str(GGT)) else None
            if own is not None:
                self.custom["use"].setdefault(own, {"fides_key": own, "name": display_name(self.g, purpose)})
                keys.add(own)
            else:
                keys.update(self.reverse("use", URIRef(str(purpose))))
        return sorted(keys)

    def basis(self, kind: str, terms: Iterable[Node]) -> str | None:
        for term in _sorted(terms):
            for found in self.table.terms[kind].values():
                if found.target == term and found.how == "exact" and found.key not in self.table.replaced[kind]:
                    return found.key
        return None

    def declarations(self, service: URIRef) -> list[Entry]:
        out: list[Entry] = []
        activities = _sorted(
            a for a in self.g.subjects(GG.about, service) if (a, RDF.type, GG.ProcessingActivity) in self.g
        )
        for activity in activities:
            # the keys the declaration was imported from (dcterms:subject: their concepts), else the DPV
            # terms of the activity mapped back
            declared: dict[str, set[str]] = {"category": set(), "subject": set()}
            use = None
            for concept in self.g.objects(activity, DCTERMS.subject):
                key = _notation(self.g, concept)
                if key is None:
                    continue
                for kind in KINDS:
                    if str(concept).startswith(f"{GGT}fides-{kind}-"):
                        declared[kind].add(key)
                        target = self.g.value(concept, KINDS[kind][1])
                        if target is not None and not self.table.is_fideslang(kind, key):
                            self.define(kind, key, URIRef(str(target)))
                if str(concept).startswith(f"{GGT}fides-use-"):
                    use = key
            for kind, (_, _, prop) in KINDS.items():
                if not declared[kind]:
                    for term in self.g.objects(activity, prop):
                        if term != NON_PERSONAL:
                            declared[kind].update(self.reverse(kind, URIRef(str(term))))
            purposes = _sorted(self.g.objects(activity, DPV.hasPurpose))
            if use is None:
                keys = self.use_keys(purposes)
                use = keys[0] if keys else FALLBACK_USE
            elif not self.table.is_fideslang("use", use):
                self.use_keys(purposes)
            entry: Entry = {
                "name": display_name(self.g, activity),
                "data_categories": sorted({self.table.current("category", k) for k in declared["category"]}),
                "data_use": self.table.current("use", use),
                "data_subjects": sorted({self.table.current("subject", k) for k in declared["subject"]}),
            }
            legal = self.basis("basis", self.g.objects(activity, DPV.hasLegalBasis))
            if legal:
                entry["legal_basis_for_processing"] = legal
            art9 = self.basis("art9", self.g.objects(activity, GG.article9Condition))
            if art9:
                entry["processes_special_category_data"] = True
                entry["special_category_legal_basis"] = art9
            out.append(entry)
        if out:
            return out
        categories, data_subjects = self.lines(service, "category"), self.lines(service, "subject")
        statements = _sorted(
            s for s in self.g.subjects(GG.about, service) if (s, RDF.type, GG.PurposeStatement) in self.g
        )
        # (purpose, its words as stated)
        stated: list[tuple[Node | None, Node | None]] = [
            (self.g.value(s, GG.purpose), self.g.value(s, GG.sourceText)) for s in statements
        ]
        stated += [
            (p, None) for p in _sorted(self.g.objects(service, DPV.hasPurpose)) if p not in {q for q, _ in stated}
        ]
        if not stated and not categories and not data_subjects:
            return []
        for purpose, words in stated or [(None, None)]:
            uses = self.use_keys([purpose]) if purpose is not None else [FALLBACK_USE]
            for use in uses:
                name = (
                    str(words)
                    if words is not None
                    else (display_name(self.g, purpose) if purpose is not None else display_name(self.g, service))
                )
                out.append(
                    {"name": name, "data_categories": categories, "data_use": use, "data_subjects": data_subjects}
                )
        return out

    # ---- flows and transfers

    def engagements(self, service: URIRef) -> list[URIRef]:
        return sorted(
            URIRef(str(e))
            for e in self.g.subjects(GG.about, service)
            if (e, RDF.type, GG.SubProcessingEngagement) in self.g
        )

    def countries_of(self, engagement: URIRef) -> list[URIRef]:
        stated = sorted(URIRef(str(c)) for c in self.g.objects(engagement, GG.processingCountry))
        if stated:
            return stated
        org = self.g.value(engagement, GG.subProcessor)
        home = self.g.value(org, DPV.hasCountry) if org is not None else None
        return [URIRef(str(home))] if home is not None else []

    def in_place(self, holders: Iterable[Node]) -> set[str]:
        bases: set[str] = set()
        for holder in holders:
            for safeguard in self.g.objects(holder, GG.hasSafeguard):
                if (safeguard, GG.safeguardStatus, GG.SafeguardInPlace) not in self.g:
                    continue
                key = self.basis("transfer", self.g.objects(safeguard, GG.transferBasis))
                if key:
                    bases.add(key)
        return bases

    def transfers(self, service: URIRef) -> tuple[list[str], list[str], bool]:
        """The service's countries outside the EU/EEA (alpha-3), its transfer bases, and whether it
        transfers (a row of sub-processors outside the EU/EEA communicated separately counts)."""
        countries: set[URIRef] = set()
        holders: list[Node] = []
        for engagement in self.engagements(service):
            countries.update(c for c in self.countries_of(engagement) if c not in self.eea)
            holders += [engagement, *self.g.objects(engagement, GG.inCategory)]
        hidden = False
        for statement in self.g.subjects(GG.about, service):
            if (statement, RDF.type, GG.TransferPolicyStatement) in self.g:
                countries.update(URIRef(str(c)) for c in self.g.objects(statement, DPV.hasThirdCountry))
                key = self.basis("transfer", self.g.objects(statement, GG.transferBasis))
                if key:
                    holders.append(statement)
            if (statement, RDF.type, GG.SubProcessorCategory) in self.g and (
                statement,
                GG.disclosure,
                GG.CommunicatedSeparately,
            ) in self.g:
                item = self.g.value(statement, GG.answers)
                if item is not None and (item, GG.locationZone, GG.OutsideEEA) in self.g:
                    hidden = True
                    holders.append(statement)
        bases = self.in_place(holders)
        for statement in holders:
            if (statement, RDF.type, GG.TransferPolicyStatement) in self.g:
                key = self.basis("transfer", self.g.objects(statement, GG.transferBasis))
                if key:
                    bases.add(key)
        if countries & self.adequate:
            bases.add(self.basis("transfer", [EU_GDPR["A45-3"]]) or "")
        codes = sorted(self.alpha3[c] for c in countries if c in self.alpha3)
        return codes, sorted(b for b in bases if b), bool(countries) or hidden

    # ---- the manifest

    def manifest(self) -> Entry:
        services = sorted(URIRef(str(s)) for s in self.g.subjects(RDF.type, DPV.Service))
        taken: set[str] = set()
        for service in services:
            self.key_of(service, taken, "system")
        operators: dict[URIRef, str] = {}
        systems: list[Entry] = []
        vendors: dict[URIRef, Entry] = {}
        run_by: dict[URIRef, list[URIRef]] = {}  # organisation -> the services it runs (processor, else controller)
        for service in services:
            runner = self.g.value(service, DPV.hasDataProcessor) or self.g.value(service, DPV.hasDataController)
            if runner is not None:
                run_by.setdefault(URIRef(str(runner)), []).append(service)
        for service in services:
            processor = self.g.value(service, DPV.hasDataProcessor)
            controller = self.g.value(service, DPV.hasDataController)
            system: Entry = {"fides_key": self.keys[service], "name": display_name(self.g, service)}
            description = self.g.value(service, GG.description)
            if description is not None:
                system["description"] = str(description)
            operator = processor if processor is not None else controller
            if operator is not None:
                system["organization_fides_key"] = self.org_key(URIRef(str(operator)), taken, operators)
            system["system_type"] = "Service"
            if operator is not None:
                system["responsibility"] = ["Processor" if processor is not None else "Controller"]
            egress: list[Entry] = []
            for engagement in self.engagements(service):
                org = self.g.value(engagement, GG.subProcessor)
                if org is None:
                    continue
                target = self.g.value(engagement, DCTERMS.relation)
                runs = run_by.get(URIRef(str(org)), [])
                if target is not None and URIRef(str(target)) in self.keys:
                    key = self.keys[URIRef(str(target))]
                elif len(runs) == 1 and runs[0] != service:  # the one system the organisation runs
                    key = self.keys[runs[0]]
                else:
                    key = self.vendor(URIRef(str(org)), taken, vendors, run_by)
                    vendor = vendors[URIRef(str(org))]
                    vendor["_countries"].update(c for c in self.countries_of(engagement) if c not in self.eea)
                    vendor["_bases"].update(self.in_place([engagement, *self.g.objects(engagement, GG.inCategory)]))
                if all(flow["fides_key"] != key for flow in egress):
                    egress.append({"fides_key": key, "type": "system"})
            for flow in _sorted(self.g.subjects(GG.about, service)):
                target = self.g.value(flow, DCTERMS.relation)
                if (
                    (flow, RDF.type, GG.SourcedStatement) in self.g
                    and target is not None
                    and URIRef(str(target)) in self.keys
                    and (flow, RDF.type, GG.SubProcessingEngagement) not in self.g
                ):
                    key = self.keys[URIRef(str(target))]
                    if all(e["fides_key"] != key for e in egress):
                        egress.append({"fides_key": key, "type": "system"})
            if egress:
                system["egress"] = egress
            system["privacy_declarations"] = self.declarations(service)
            codes, bases, transfers = self.transfers(service)
            if transfers:
                system["does_international_transfers"] = True
            if bases:
                system["legal_basis_for_transfers"] = bases
            if codes:
                system["third_country_transfers"] = codes
            systems.append(system)
        for org, vendor in sorted(vendors.items(), key=lambda item: item[1]["fides_key"]):
            countries = vendor.pop("_countries")
            bases = vendor.pop("_bases")
            if countries:
                vendor["does_international_transfers"] = True
                vendor["third_country_transfers"] = sorted(self.alpha3[c] for c in countries if c in self.alpha3)
            if bases:
                vendor["legal_basis_for_transfers"] = sorted(bases)
            del org
            systems.append(vendor)
        document: Entry = {}
        if operators:
            document["organization"] = [
                {"fides_key": key, "name": display_name(self.g, org)}
                for org, key in sorted(operators.items(), key=lambda item: item[1])
            ]
        document["system"] = systems
        for kind, name in (("category", "data_category"), ("subject", "data_subject"), ("use", "data_use")):
            if self.custom[kind]:
                document[name] = [entry for _, entry in sorted(self.custom[kind].items())]
        return document

    def org_key(self, org: URIRef, taken: set[str], operators: dict[URIRef, str]) -> str:
        if org not in operators:
            base = _notation(self.g, org) or _snake(display_name(self.g, org), camel=False)
            key, number = base, 1
            while key in taken or key in operators.values():
                number += 1
                key = f"{base}_{number}"
            operators[org] = key
        return operators[org]

    def vendor(
        self, org: URIRef, taken: set[str], vendors: dict[URIRef, Entry], run_by: dict[URIRef, list[URIRef]]
    ) -> str:
        """The Third Party system standing for an organisation engaged."""
        if org not in vendors:
            base = _notation(self.g, org) or _snake(display_name(self.g, org), camel=False)
            key, number = base, 1
            while key in taken:
                number += 1
                key = f"{base}_{number}"
            taken.add(key)
            names = sorted(
                {display_name(self.g, org), *(str(v) for v in self.g.objects(org, SKOS.altLabel))},
                key=lambda name: (-len(name), name),
            )
            vendors[org] = {
                "fides_key": key,
                "name": display_name(self.g, org),
                "system_type": "Third Party",
                "legal_name": names[0],
                "responsibility": ["Sub-Processor"],
                "privacy_declarations": [],
                "_countries": set(),
                "_bases": set(),
            }
            if org in run_by:
                vendors[org]["description"] = "An organisation that also runs services of this manifest."
        fides_key: str = vendors[org]["fides_key"]
        return fides_key


def manifest(source: Workspace | KnowledgeGraph | Graph) -> Entry:
    """The services of a graph as a fides manifest (a dict: organization, system, custom taxonomy)."""
    return Exporter(_graph(source)).manifest()


def export_fides(source: Workspace | KnowledgeGraph | Graph) -> str:
    """The fides manifest as YAML text."""
    document = manifest(source)
    text: str = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, default_flow_style=False, width=110)
    return HEADER + text
