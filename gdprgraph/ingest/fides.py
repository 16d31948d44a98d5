"""Import fides manifests (YAML: ``system:``, ``dataset:``, ``organization:`` and custom taxonomy
resources, fideslang 1.x to 3.x) into the gdprgraph model.

- Each system is a ``dpv:Service`` (its ``fides_key`` kept as ``skos:notation``), with the
  organisation that runs it as its processor or controller where the manifest says so
  (``responsibility`` / ``data_responsibility_title``). The organisation is the system's
  ``legal_name`` (a vendor's system), else its ``organization_fides_key``.
- Each privacy declaration is a ``gg:ProcessingActivity`` about the service: its purpose (data use),
  personal data, data subjects, Article 6(1) basis and Article 9(2) condition. The keys it declares
  are also template lines of the service (``gg:TemplateLine`` declared yes, answering the key's
  template item), so that the rules, ``paths`` and the queries read them as they read an Article 28
  description; each data use is a ``gg:PurposeStatement`` of the service.
- A data flow (``egress``, ``ingress``, ``system_dependencies`` / ``dependencies``) from a system to
  a system run by another organisation is a ``gg:SubProcessingEngagement`` (the sender's organisation
  engages the recipient's), in a sub-processor row by the zone of the recipient's countries; a flow
  within one organisation is a statement naming the recipient service; an ingress from a system the
  manifests do not define is a ``gg:IndirectSourceStatement``.
- ``third_country_transfers`` (ISO 3166-1 alpha-3) are the countries where a system's data goes: a
  ``gg:TransferPolicyStatement`` about it, and the countries of processing of the engagements whose
  recipient it is, with safeguards from ``legal_basis_for_transfers``.
- Datasets referenced by a system add the categories of their collections and fields to its lines.

Keys are mapped to DPV with ``data/reference/fideslang-dpv.ttl`` (one table, read in both
directions); a key with no mapped parent is kept as a category of its own and reported. Every
statement cites its file and line (``gg:sourceLine``, ``gg:sourceText``: the YAML line). Names
resolve against the context graph: a known organisation or service is reused. Bad input (not YAML,
empty, binary, no system, a structure that is no fides manifest) raises :class:`InputError` before
anything is built.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import yaml
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS
from rdflib.term import Node

from .. import resources
from ..errors import InputError
from ..spelling import normalise, strip_legal_suffix
from ..vocabulary import DPV, GG, GGD, GGDOC, GGO, GGR, GGS, GGT, LOC
from . import default_context, text
from .countries import _reference as country_reference
from .countries import country_by_name_or_code
from .emit import PREFIXES, Organisations, slug, without_legal_suffix
from .identity import Estate, restate

if TYPE_CHECKING:
    from ..store import KnowledgeGraph
    from ..workspace import Workspace

__all__ = ["FidesImport", "Table", "context_graph", "import_fides", "item_iri", "mapping_table", "read_manifest"]

TABLE_FILE = "fideslang-dpv.ttl"
LANG = "en"
#: the table's schemes, by the kind of value they map
SCHEMES = {
    "category": GGR["fideslang-data-categories"],
    "use": GGR["fideslang-data-uses"],
    "subject": GGR["fideslang-data-subjects"],
    "basis": GGR["fideslang-legal-bases"],
    "art9": GGR["fideslang-special-category-bases"],
    "transfer": GGR["fideslang-transfer-bases"],
    "country": GGR["fideslang-countries"],
}
#: taxonomy kinds: words for messages, the root class of an unmapped key, the template section
TAXONOMY = {
    "category": (
        "data category",
        DPV.PersonalData,
        GG.PersonalDataCategory,
        GG.DataCategoriesSection,
        GG.aboutDataCategory,
    ),
    "subject": ("data subject", DPV.DataSubject, GG.DataSubjectCategory, GG.DataSubjectsSection, GG.aboutDataSubject),
    "use": ("data use", DPV.Purpose, None, None, None),
}
NON_PERSONAL = DPV.NonPersonalData
#: top-level keys of a fides manifest: read, and known but not read
RESOURCES = ("system", "dataset", "organization", "data_category", "data_use", "data_subject")
NOT_READ = ("policy", "registry", "evaluation", "fides_meta")
ROLES = {"controller": "Controller", "processor": "Processor", "subprocessor": "Sub-Processor"}
#: the sub-processor rows of fides data flows, by the zone of the recipient's countries
ROW_ITEMS = {
    "eea": ("Recipient systems within the EU/EEA (fides data flows)", GG.InsideEEA),
    "non-eea": ("Recipient systems outside the EU/EEA (fides data flows)", GG.OutsideEEA),
    "unknown": ("Recipient systems, location not stated (fides data flows)", None),
}
#: YAML nodes read before a file is refused (aliases can make a small file expand without end)
NODE_BUDGET = 500_000
MAX_DEPTH = 64

SKOS_MATCHES = ((SKOS.exactMatch, "exact"), (SKOS.closeMatch, "close"), (SKOS.broadMatch, "broad"))


# ------------------------------------------------------------------------------------------- mapping table


def _fold(value: str) -> str:
    """A value of a fides enum, compared loosely: case, punctuation and plural 's' ignored."""
    words = re.sub(r"[^a-z0-9]+", " ", value.casefold()).split()
    return " ".join(word[:-1] if len(word) > 3 and word.endswith("s") else word for word in words)


def _squash(name: str) -> str:
    """A name or key as bare letters and digits: 'Platform.sh', 'platform_sh' -> 'platformsh'."""
    return re.sub(r"[^a-z0-9]+", "", normalise(name.replace("_", " ")))


def item_iri(kind: str, key: str) -> URIRef:
    """The IRI of a fides key in the table (and of its template item): ``ggt:fides-KIND-KEY``."""
    return GGT[f"fides-{kind}-{quote(key, safe='._-')}"]


@dataclass(frozen=True)
class Term:
    """What a fides key or value maps to: the DPV term, how close (exact, close, broad, or '' when the
    table gives none), and for a key read through its parent, that parent."""

    key: str
    concept: URIRef
    target: URIRef | None
    how: str
    related: URIRef | None = None
    parent: str | None = None


class Table:
    """The fideslang -> DPV table (``data/reference/fideslang-dpv.ttl``), read both ways."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.terms: dict[str, dict[str, Term]] = {kind: {} for kind in SCHEMES}
        self.replaced: dict[str, dict[str, str]] = {kind: {} for kind in SCHEMES}
        self.folded: dict[str, dict[str, str]] = {kind: {} for kind in SCHEMES}
        by_concept: dict[URIRef, str] = {}
        for kind, scheme in SCHEMES.items():
            for concept in sorted(c for c in graph.subjects(SKOS.inScheme, scheme) if isinstance(c, URIRef)):
                key = str(graph.value(concept, SKOS.notation))
                by_concept[concept] = key
                target, how = None, ""
                for prop, name in SKOS_MATCHES:
                    found = graph.value(concept, prop)
                    if found is not None:
                        target, how = URIRef(str(found)), name
                        break
                related = graph.value(concept, SKOS.relatedMatch)
                self.terms[kind][key] = Term(
                    key, concept, target, how, URIRef(str(related)) if related is not None else None
                )
                self.folded[kind].setdefault(_fold(key), key)
        for kind in SCHEMES:
            for key, term in list(self.terms[kind].items()):
                newer = graph.value(term.concept, DCTERMS.isReplacedBy)
                if isinstance(newer, URIRef) and newer in by_concept:
                    self.replaced[kind][key] = by_concept[newer]

    def current(self, kind: str, key: str) -> str:
        """The key an older key or spelling is replaced by (followed to the end), else the key."""
        seen = set()
        while key in self.replaced[kind] and key not in seen:
            seen.add(key)
            key = self.replaced[kind][key]
        return key

    def lookup(self, kind: str, key: str) -> Term | None:
        """A taxonomy key as written, else as replaced, else through its longest mapped parent."""
        wanted = self.current(kind, key)
        term = self.terms[kind].get(wanted)
        if term is not None and term.target is not None:
            return term
        parts = key.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            parent = self.current(kind, ".".join(parts[:cut]))
            found = self.terms[kind].get(parent)
            if found is not None and found.target is not None:
                return Term(key, item_iri(kind, key), found.target, "broad", parent=found.key)
        return None

    def value(self, kind: str, written: str) -> Term | None:
        """An enum value (a lawful basis, a transfer basis, a country code), compared loosely."""
        key = self.folded[kind].get(_fold(written))
        if key is None:
            return None
        return self.terms[kind].get(self.current(kind, key))

    def key_for(self, kind: str, target: URIRef) -> str | None:
        """The current key that exactMatches a DPV term, else the shortest that closeMatches it."""
        for how in ("exact", "close"):
            keys = sorted(
                (len(t.key), t.key)
                for t in self.terms[kind].values()
                if t.target == target and t.how == how and t.key not in self.replaced[kind]
            )
            if keys:
                return keys[0][1]
        return None

    def is_fideslang(self, kind: str, key: str) -> bool:
        """Whether the table holds this key (a key of the fideslang taxonomy, current or older)."""
        return key in self.terms[kind]


@cache
def mapping_table() -> Table:
    """The table, read once."""
    return Table(Graph().parse(resources.data_dir() / "reference" / TABLE_FILE))


# ------------------------------------------------------------------------------------------- YAML with lines


class Y:
    """A YAML node with its line (1-based) and, for a mapping value, the line of its key."""

    __slots__ = ("key_line", "node", "reader")

    def __init__(self, node: yaml.Node, reader: Reader, key_line: int | None = None) -> None:
        self.node, self.reader, self.key_line = node, reader, key_line

    @property
    def line(self) -> int:
        return self.node.start_mark.line + 1

    @property
    def cited_line(self) -> int:
        """The line a statement cites: the key's, for a value under a key."""
        return self.key_line or self.line

    @property
    def is_map(self) -> bool:
        return isinstance(self.node, yaml.MappingNode)

    @property
    def is_list(self) -> bool:
        return isinstance(self.node, yaml.SequenceNode)

    @property
    def is_null(self) -> bool:
        return isinstance(self.node, yaml.ScalarNode) and self.node.tag == "tag:yaml.org,2002:null"

    def pairs(self) -> Iterator[tuple[str, Y]]:
        if not self.is_map:
            return
        for key, value in self.node.value:
            if isinstance(key, yaml.ScalarNode):
                yield str(key.value), Y(value, self.reader, key.start_mark.line + 1)

    def get(self, name: str) -> Y | None:
        for key, value in self.pairs():
            if key == name:
                return value
        return None

    def items(self) -> list[Y]:
        """The items of a list; a single value stands for a list of one, null for none."""
        if self.is_list:
            self.reader.count(len(self.node.value))
            return [Y(node, self.reader) for node in self.node.value]
        if self.is_null:
            return []
        return [self]

    def text(self) -> str:
        """A scalar as text ('' for null, a mapping or a list)."""
        if isinstance(self.node, yaml.ScalarNode) and not self.is_null:
            return str(self.node.value).strip()
        return ""

    def true(self) -> bool:
        return self.text().casefold() in ("true", "yes", "on", "1")

    def field(self, name: str) -> str:
        value = self.get(name)
        return value.text() if value is not None else ""

    def texts(self, name: str) -> list[Y]:
        """The scalar items under a key (a list of keys, or one key)."""
        value = self.get(name)
        if value is None:
            return []
        return [item for item in value.items() if item.text()]


@dataclass
class Reader:
    """Counts the nodes read from one file: past the budget, the file is refused."""

    path: Path
    seen: int = 0

    def count(self, number: int = 1) -> None:
        self.seen += number
        if self.seen > NODE_BUDGET:
            raise InputError(
                f"more than {NODE_BUDGET:,} YAML nodes read (aliases repeating nodes?): not a fides manifest",
                str(self.path),
            )


@dataclass
class Manifest:
    """One file: its lines, and the top-level resources it holds."""

    path: Path
    lines: list[str]
    resources: dict[str, list[Y]] = field(default_factory=dict)
    ignored: list[tuple[str, int]] = field(default_factory=list)
    note: str = ""
    key: str = ""

    def line_text(self, line: int) -> str:
        return " ".join(self.lines[line - 1].split()) if 0 < line <= len(self.lines) else ""


def read_manifest(path: Path | str) -> Manifest:
    """A fides manifest, its YAML composed with positions; InputError (file and line) when it is
    empty, binary, not YAML, or not a fides manifest."""
    path = Path(path)
    decoded = text.read_text(path, "a fides manifest (YAML)", pdf=False, empty="no fides manifest to import")
    reader = Reader(path)
    try:
        documents = list(yaml.compose_all(decoded.text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = err.problem or err.context or "unreadable"
        raise InputError(f"not YAML: {problem}", str(path), mark.line + 1 if mark else None) from None
    except yaml.YAMLError as err:
        raise InputError(f"not YAML: {' '.join(str(err).split())}", str(path)) from None
    except RecursionError:
        raise InputError("not a fides manifest: YAML nested too deeply", str(path)) from None
    manifest = Manifest(path, decoded.lines, note=decoded.note)
    found = False
    for document in documents:
        if document is None:
            continue
        root = Y(document, reader)
        if not root.is_map:
            shape = "a list" if root.is_list else "text"
            raise InputError(
                f"not a fides manifest: the document is {shape}, expected keys such as system:, "
                "dataset:, organization:",
                str(path),
                root.line,
            )
        keys = list(root.pairs())
        if not any(name in RESOURCES for name, _ in keys):
            shown = ", ".join(name for name, _ in keys[:6]) or "none"
            raise InputError(
                f"not a fides manifest: unknown top-level structure (keys: {shown}); expected "
                "system:, dataset: or organization:",
                str(path),
                root.line,
            )
        for name, value in keys:
            if name in RESOURCES:
                found = True
                entries = value.items()
                for entry in entries:
                    if not entry.is_map:
                        raise InputError(
                            f"{name}: each entry must be a mapping (fides_key: ..., name: ...)", str(path), entry.line
                        )
                manifest.resources.setdefault(name, []).extend(entries)
            else:
                manifest.ignored.append((name, value.key_line or value.line))
    if not found:
        raise InputError("not a fides manifest: no YAML document with system:, dataset: or organization:", str(path))
    return manifest


# ------------------------------------------------------------------------------------------- the import


@dataclass
class FidesImport:
    """The graph read from fides manifests, with the messages for the user (``FILE:LINE: ...``)."""

    paths: list[Path]
    graph: Graph
    messages: list[str]
    notes: list[str]
    services: int = 0
    activities: int = 0
    engagements: int = 0

    def turtle(self) -> str:
        names = ", ".join(path.name for path in self.paths)
        header = f"# {names}: imported by `gdprgraph import fides` (line numbers refer to these files).\n\n"
        return header + self.graph.serialize(format="turtle")


@dataclass
class System:
    """A system of the manifests, as read."""

    key: str
    y: Y
    manifest: Manifest
    service: URIRef = field(default_factory=lambda: URIRef(""))
    local: str = ""
    name: str = ""
    operator: URIRef | None = None
    roles: set[str] = field(default_factory=set)
    countries: list[tuple[URIRef, Y]] = field(default_factory=list)
    datasets: list[tuple[str, Y]] = field(default_factory=list)


def _context_graph(context: Workspace | KnowledgeGraph | Graph | None) -> Graph:
    if context is None:
        return default_context()
    asserted = getattr(context, "asserted", context)
    graph = getattr(asserted, "graph", asserted)
    return graph if isinstance(graph, Graph) else Graph()


def _document_keys(paths: Sequence[Path]) -> list[str]:
    keys: list[str] = []
    for path in paths:
        base = slug(path.name.split(".")[0]) or "fides"
        key, number = base, 1
        while key in keys:
            number += 1
            key = f"{base}-{number}"
        keys.append(key)
    return keys


class Builder:
    """Builds the graph of a set of manifests."""

    def __init__(self, manifests: list[Manifest], context: Graph) -> None:
        self.manifests, self.context = manifests, context
        self.table = mapping_table()
        self.g = Graph()
        for prefix, namespace in PREFIXES.items():
            self.g.bind(prefix, namespace)
        self.g.bind("owl", OWL)
        self.messages: list[tuple[str, int, str]] = []
        self.used: set[str] = set()
        self.orgs = Organisations.from_graph(context)
        self.estate = Estate(context)  # the graph imported into: its services, by key or name
        self.known_orgs = set(self.orgs.by_name.values())
        self.new_orgs: dict[URIRef, str] = {}
        self.sections: set[URIRef] = set()
        self.items: set[URIRef] = set()
        self.lines_of: dict[tuple[URIRef, URIRef], URIRef] = {}
        self.rows: dict[tuple[URIRef, str], URIRef] = {}
        self.purposes: set[tuple[URIRef, URIRef]] = set()
        self.reported: set[tuple[str, str]] = set()
        self.systems: dict[str, System] = {}
        self.datasets: dict[str, tuple[Y, Manifest]] = {}
        self.organizations: dict[str, tuple[Y, Manifest]] = {}
        self.definitions: dict[tuple[str, str], tuple[Y, Manifest]] = {}
        self.referenced: set[str] = set()
        self.activities = self.engagements = 0
        eea = URIRef(str(LOC) + "EEA")
        reference = country_reference()
        self.eea = set(reference.subjects(GG.memberOf, eea))
        self.country_iris = set(reference.subjects(RDF.type, DPV.Country))

    # ---- small helpers

    def lit(self, value: str) -> Literal:
        return Literal(value, lang=LANG)

    def add(self, s: URIRef, p: URIRef, o: Node) -> None:
        """One triple; its object may be a term of the context, as the context has it."""
        self.g.add((s, p, o))

    def note(self, manifest: Manifest, line: int, message: str) -> None:
        self.messages.append((str(manifest.path), line, message))

    def mint(self, local: str) -> URIRef:
        local = re.sub(r"-+", "-", local).strip("-")[:120].strip("-") or "statement"
        candidate, number = local, 1
        while candidate in self.used:  # the same manifest gives the same IRIs: importing it again changes nothing
            number += 1
            candidate = f"{local}-{number}"
        self.used.add(candidate)
        return GGD[candidate]

    def section(self, manifest: Manifest, kind: str, key: str, title: str) -> URIRef:
        node = GGDOC[f"{manifest.key}-{kind}-{slug(key) or 'x'}"]
        if node not in self.sections:
            self.sections.add(node)
            self.add(node, RDF.type, GG.DocumentSection)
            self.add(node, DCTERMS.isPartOf, GGDOC[manifest.key])
            self.add(node, GG.sectionNumber, Literal(f"{kind}/{key}"))
            self.add(node, DCTERMS.title, self.lit(title))
        return node

    def cite(self, node: URIRef, section: URIRef, manifest: Manifest, line: int) -> None:
        self.add(node, DCTERMS.source, section)
        self.add(node, GG.sourceLine, Literal(line))
        self.add(node, GG.sourceText, self.lit(manifest.line_text(line)))

    # ---- reading the resources

    def collect(self) -> None:
        for manifest in self.manifests:
            for name, line in manifest.ignored:
                why = "not read by gdprgraph" if name in NOT_READ else "not a fides resource"
                self.note(manifest, line, f"top-level key '{name}': {why}")
            for entry in manifest.resources.get("organization", []):
                key = entry.field("fides_key")
                if key:
                    self.organizations.setdefault(key, (entry, manifest))
            for entry in manifest.resources.get("dataset", []):
                key = entry.field("fides_key")
                if not key:
                    raise InputError("a dataset without fides_key", str(manifest.path), entry.line)
                self.datasets.setdefault(key, (entry, manifest))
            for kind, name in (("category", "data_category"), ("use", "data_use"), ("subject", "data_subject")):
                for entry in manifest.resources.get(name, []):
                    key = entry.field("fides_key")
                    if key:
                        self.definitions.setdefault((kind, key), (entry, manifest))
            for entry in manifest.resources.get("system", []):
                key = entry.field("fides_key")
                if not key:
                    raise InputError("a system without fides_key", str(manifest.path), entry.line)
                if key in self.systems:
                    other = self.systems[key]
                    raise InputError(
                        f"system '{key}' is defined twice (also {other.manifest.path}:{other.y.line})",
                        str(manifest.path),
                        entry.line,
                    )
                self.systems[key] = System(key, entry, manifest)
        if not self.systems:
            names = ", ".join(str(m.path) for m in self.manifests)
            raise InputError(f"no fides system to import in {names} (expected a system: list)")

    def document(self, manifest: Manifest) -> None:
        doc = GGDOC[manifest.key]
        self.add(doc, RDF.type, GG.SourceDocument)
        self.add(doc, DCTERMS.title, self.lit(f"fides manifest: {manifest.path.name}"))
        self.add(doc, DCTERMS.language, Literal(LANG))
        self.add(doc, GG.sourceFile, Literal(manifest.path.name))

    # ---- organisations and services

    def organisation(
        self, written: str, country: URIRef | None = None, supplier: bool = False, notation: str = ""
    ) -> URIRef:
        """The organisation a name designates: known under any spelling, else a new one."""
        wanted = normalise(written)
        iri = self.orgs.by_name.get(wanted) or self.orgs.by_stripped.get(strip_legal_suffix(wanted))
        if iri is not None and iri in self.known_orgs:
            if iri in self.orgs.preferred:  # its name and country, so that the output reads on its own
                self.add(iri, SKOS.prefLabel, Literal(self.orgs.preferred[iri]))
            home = self.context.value(iri, DPV.hasCountry)
            if home is not None:
                self.add(iri, DPV.hasCountry, home)
            elif country is not None:
                self.add(iri, DPV.hasCountry, country)
        elif iri is None:
            bare = without_legal_suffix(written).rstrip(" ,;") or written
            base = slug(bare) or "organisation"
            local, number = base, 1
            while (GGO[local], None, None) in self.context or GGO[local] in self.new_orgs:
                number += 1
                local = f"{base}-{number}"
            iri = GGO[local]
            self.new_orgs[iri] = bare
            for label in (wanted, normalise(bare)):
                self.orgs.by_name.setdefault(label, iri)
                self.orgs.by_stripped.setdefault(strip_legal_suffix(label), iri)
            self.add(iri, RDF.type, DPV.Organisation)
            self.add(iri, SKOS.prefLabel, Literal(bare))
            if written != bare:
                self.add(iri, SKOS.altLabel, Literal(written))
        if iri in self.new_orgs:
            if country is not None and self.g.value(iri, DPV.hasCountry) is None:
                self.add(iri, DPV.hasCountry, country)
            if supplier:
                self.add(iri, RDF.type, GG.Supplier)
        if notation:
            self.add(iri, SKOS.notation, Literal(notation))
        return iri

    def country_in(self, address: str) -> URIRef | None:
        """The country an address ends with ('..., 75001 Paris, France'), if it names one."""
        for part in reversed([p.strip() for p in re.split(r"[,\n]", address) if p.strip()][-2:]):
            found = country_by_name_or_code(re.sub(r"^\d[\w-]*\s+", "", part))
            if found is not None:
                return found
        return None

    def manifest_organisation(self, key: str) -> URIRef | None:
        """An organization of the manifests (by fides_key), else one of the graph by its key's words."""
        if key in self.organizations:
            entry, _ = self.organizations[key]
            name = entry.field("name") or key
            country = None
            for part in ("controller", "representative", "data_protection_officer"):
                contact = entry.get(part)
                if contact is not None and contact.is_map:
                    country = country or self.country_in(contact.field("address"))
            return self.organisation(name, country, notation=key)
        if key in ("", "default_organization"):
            return None
        words = re.sub(r"[_-]+", " ", key)
        known = self.known_by_key(key)
        return self.organisation(words if known is None else self.orgs.preferred.get(known, words), notation=key)

    def known_by_key(self, key: str) -> URIRef | None:
        """An organisation of the graph (or of this import) whose name reads as a fides key: 'platform_sh' is
        Platform.sh, 'acme_hosting' is Acme Hosting SAS (case, punctuation and legal suffixes ignored)."""
        wanted = _squash(key)
        for names in (self.orgs.by_name, self.orgs.by_stripped):
            found = sorted({iri for name, iri in names.items() if _squash(name) == wanted})
            if len(found) == 1:
                return found[0]
        return None

    def existing_service(self, key: str, name: str) -> URIRef | None:
        """The service of the graph a system designates: by its key (skos:notation) or name, as every importer
        resolves it (identity.Estate), else by its name with punctuation and spaces ignored."""
        found = self.estate.service(name, notation=key)
        if found is not None:
            return found
        services = sorted(s for s in self.context.subjects(RDF.type, DPV.Service) if isinstance(s, URIRef))
        for service in services:
            if any(str(n) == key for n in self.context.objects(service, SKOS.notation)):
                return URIRef(str(service))
        wanted = _squash(name)
        for service in services:
            labels = [
                *self.context.objects(service, SKOS.prefLabel),
                *self.context.objects(service, SKOS.altLabel),
                *self.context.objects(service, RDFS.label),
            ]
            if wanted and any(_squash(str(label)) == wanted for label in labels):
                return URIRef(str(service))
        return None

    def system(self, system: System) -> None:
        y, manifest = system.y, system.manifest
        system.name = y.field("name") or system.key
        found = self.existing_service(system.key, system.name)
        if found is not None:
            service = found
            for label in self.context.objects(service, SKOS.prefLabel):
                self.add(service, SKOS.prefLabel, label)
        else:
            base = slug(system.key) or "service"
            local, number = base, 1
            taken = {s.service for s in self.systems.values()}
            while (GGS[local], None, None) in self.context or GGS[local] in taken:
                number += 1
                local = f"{base}-{number}"
            service = GGS[local]
            self.add(service, SKOS.prefLabel, self.lit(system.name))
            if y.field("description"):
                self.add(service, GG.description, self.lit(y.field("description")))
        system.service = service
        system.local = f"{manifest.key}-{slug(system.key) or 'system'}"
        self.add(service, RDF.type, DPV.Service)
        self.add(service, SKOS.notation, Literal(system.key))
        self.add(service, GG.describedIn, GGDOC[manifest.key])
        section = self.section(manifest, "system", system.key, f"System {system.key}: {system.name}")
        statement = self.mint(system.local)
        self.add(statement, RDF.type, GG.SourcedStatement)
        self.add(statement, GG.about, service)
        self.cite(statement, section, manifest, y.line)
        details = [f"fides system {system.key}"]
        if y.field("system_type"):
            details.append(f"type {y.field('system_type')}")
        # who runs it, and in which role
        for name in ("responsibility", "data_responsibility_title"):
            for value in y.texts(name):
                role = ROLES.get(re.sub(r"[^a-z]", "", value.text().casefold()))
                if role is None:
                    self.note(
                        manifest,
                        value.line,
                        f"unknown {name} '{value.text()}' (expected Controller, Processor or Sub-Processor)",
                    )
                else:
                    system.roles.add(role)
        legal = y.field("legal_name")
        country = self.country_in(y.field("legal_address")) if y.field("legal_address") else None
        if legal:
            system.operator = self.organisation(legal, country)
        else:
            system.operator = self.manifest_organisation(y.field("organization_fides_key") or "default_organization")
        if system.operator is None and system.roles:
            self.note(
                manifest,
                y.line,
                f"system '{system.key}': responsibility {', '.join(sorted(system.roles))} "
                "but no organisation (legal_name, organization_fides_key): no processor or controller stated",
            )
        if system.operator is not None:
            if system.roles & {"Processor", "Sub-Processor"}:
                self.add(service, DPV.hasDataProcessor, system.operator)
            if "Controller" in system.roles:
                self.add(service, DPV.hasDataController, system.operator)
        if system.roles:
            details.append("responsibility " + ", ".join(sorted(system.roles)))
        self.add(statement, RDFS.comment, self.lit("; ".join(details)))
        # where its data goes
        for value in y.texts("third_country_transfers"):
            system.countries.append((self.country(value, manifest), value))
        for value in y.texts("dataset_references"):
            system.datasets.append((value.text(), value))

    def country(self, value: Y, manifest: Manifest) -> URIRef:
        written = value.text()
        term = self.table.value("country", written) if len(written) == 3 else None
        found = term.target if term is not None else country_by_name_or_code(written)
        if found is None or URIRef(str(found)) not in self.country_iris:
            raise InputError(
                f"unknown country '{written}' in third_country_transfers (ISO 3166-1 alpha-3 codes of "
                "the countries in data/reference/countries-and-adequacy.ttl are known; add the country "
                "there)",
                str(manifest.path),
                value.line,
            )
        return URIRef(str(found))

    # ---- taxonomy keys

    def definition_name(self, kind: str, key: str) -> str:
        entry = self.definitions.get((kind, key))
        return entry[0].field("name") if entry is not None else ""

    def existing_class(self, kind: str, name: str) -> URIRef | None:
        """A category of the graph whose preferred name is the one a manifest gives a custom key."""
        if not name:
            return None
        wanted = normalise(name)
        root = TAXONOMY[kind][1]
        for node, label in sorted(self.context.subject_objects(SKOS.prefLabel)):
            if (
                normalise(str(label)) == wanted
                and isinstance(node, URIRef)
                and (
                    (node, RDFS.subClassOf, root) in self.context
                    or any(
                        (parent, RDFS.subClassOf, root) in self.context or parent == root
                        for parent in self.context.transitive_objects(node, RDFS.subClassOf)
                    )
                )
            ):
                return node
        return None

    def target(self, kind: str, value: Y, manifest: Manifest) -> tuple[URIRef, URIRef]:
        """The concept (the key's node) and the DPV term (or the key's own class) of a taxonomy key."""
        key = value.text()
        term = self.table.lookup(kind, key)
        if term is not None and term.target is not None and term.parent is None:
            return item_iri(kind, key), term.target
        words, root, category_class, _, _ = TAXONOMY[kind]
        # a custom key the manifests define, named as a category of the graph, is that category
        name = self.definition_name(kind, key)
        existing = self.existing_class(kind, name)
        if existing is not None:
            return item_iri(kind, key), existing
        if term is not None and term.target is not None:
            return item_iri(kind, key), term.target
        node = URIRef(f"{item_iri(kind, key)}-class")
        broader = root
        entry = self.definitions.get((kind, key))
        if entry is not None and entry[0].field("parent_key"):
            parent = self.table.lookup(kind, entry[0].field("parent_key"))
            if parent is not None and parent.target is not None and parent.target != NON_PERSONAL:
                broader = parent.target
        self.add(node, RDF.type, OWL.Class)
        if category_class is not None:
            self.add(node, RDF.type, category_class)
        self.add(node, RDFS.subClassOf, broader)
        self.add(node, SKOS.prefLabel, self.lit(name or key))
        self.add(node, SKOS.notation, Literal(key))
        if (kind, key) not in self.reported:
            self.reported.add((kind, key))
            defined = " (defined in the manifest)" if entry is not None else ""
            self.note(
                manifest,
                value.line,
                f"unmapped fideslang {words} '{key}'{defined}: no DPV term in "
                f"data/reference/{TABLE_FILE}; kept as <{node}>",
            )
        return item_iri(kind, key), node

    def item(self, kind: str, key: str, target: URIRef) -> URIRef:
        """The template item of a category or data-subject key (declared once in the output)."""
        iri = item_iri(kind, key)
        if iri not in self.items:
            self.items.add(iri)
            _, _, _, section, about = TAXONOMY[kind]
            if section is None or about is None:
                raise ValueError(f"a fides {kind} key has no template item")
            self.add(iri, RDF.type, GG.TemplateItem)
            self.add(iri, GG.templateSection, section)
            self.add(iri, SKOS.prefLabel, self.lit(key))
            self.add(iri, SKOS.notation, Literal(key))
            self.add(iri, about, target)
        return iri

    def declare(
        self, system: System, kind: str, value: Y, manifest: Manifest, section: URIRef, activity: URIRef | None = None
    ) -> None:
        """A category or data-subject key a system declares: its template line (once per key) and, for a
        privacy declaration, the activity's DPV triple."""
        key = value.text()
        concept, target = self.target(kind, value, manifest)
        if target == NON_PERSONAL:
            if activity is not None:
                self.add(activity, RDFS.comment, self.lit(f"{key}: data about the system, not personal data"))
            return
        item = self.item(kind, key, target)
        if activity is not None:
            self.add(activity, DPV.hasPersonalData if kind == "category" else DPV.hasDataSubject, target)
            self.add(activity, DCTERMS.subject, concept)
        pair = (system.service, item)
        if pair not in self.lines_of:
            line = self.mint(f"{system.local}-{slug(key) or kind}")
            self.lines_of[pair] = line
            self.add(line, RDF.type, GG.TemplateLine)
            self.add(line, GG.about, system.service)
            self.add(line, GG.answers, item)
            self.add(line, GG.status, GG.DeclaredYes)
            self.cite(line, section, manifest, value.line)

    # ---- privacy declarations

    def declarations(self, system: System) -> None:
        manifest = system.manifest
        section = self.section(manifest, "system", system.key, f"System {system.key}: {system.name}")
        for number, declaration in enumerate(self.listed(system.y, "privacy_declarations"), start=1):
            if not declaration.is_map:
                raise InputError(
                    "a privacy declaration must be a mapping (data_use: ..., data_categories: ...)",
                    str(manifest.path),
                    declaration.line,
                )
            use = declaration.get("data_use")
            if use is None or not use.text():
                raise InputError(
                    f"a privacy declaration of system '{system.key}' without data_use",
                    str(manifest.path),
                    declaration.line,
                )
            self.activities += 1
            activity = self.mint(f"{system.local}-decl-{number}")
            label = declaration.field("name") or f"{system.name}: {use.text()}"
            self.add(activity, RDF.type, GG.ProcessingActivity)
            self.add(activity, SKOS.prefLabel, self.lit(label))
            self.add(activity, GG.about, system.service)
            self.cite(activity, section, manifest, declaration.line)
            if "Controller" in system.roles and system.operator is not None:
                self.add(activity, DPV.hasDataController, system.operator)
            concept, purpose = self.target("use", use, manifest)
            self.add(activity, DPV.hasPurpose, purpose)
            self.add(activity, DCTERMS.subject, concept)
            if (system.service, purpose) not in self.purposes:
                self.purposes.add((system.service, purpose))
                statement = self.mint(f"{system.local}-purpose-{slug(use.text())}")
                self.add(statement, RDF.type, GG.PurposeStatement)
                self.add(statement, GG.about, system.service)
                self.add(statement, GG.purpose, purpose)
                self.cite(statement, section, manifest, use.cited_line)
            for value in declaration.texts("data_categories"):
                self.declare(system, "category", value, manifest, section, activity)
            for value in declaration.texts("data_subjects"):
                self.declare(system, "subject", value, manifest, section, activity)
            self.bases(system, declaration, use, activity, manifest)
            for name, words in (
                ("data_qualifier", "data qualifier (fideslang 1.x)"),
                ("retention_period", "retention period"),
                ("third_parties", "third parties"),
            ):
                if declaration.field(name):
                    self.add(activity, RDFS.comment, self.lit(f"{words}: {declaration.field(name)}"))
            for value in declaration.texts("dataset_references"):
                system.datasets.append((value.text(), value))

    def bases(self, system: System, declaration: Y, use: Y, activity: URIRef, manifest: Manifest) -> None:
        """The Article 6(1) basis and Article 9(2) condition: the declaration's, else those of the data
        use's definition in the manifests (fideslang 1.x data uses carried them)."""
        definition = self.definitions.get(("use", use.text()))
        for kind, fields, prop in (
            ("basis", ("legal_basis_for_processing", "legal_basis"), DPV.hasLegalBasis),
            ("art9", ("special_category_legal_basis", "special_category"), GG.article9Condition),
        ):
            sources = [(declaration, manifest)] + ([definition] if definition is not None else [])
            for holder, where in sources:
                value = next((v for f in fields if (v := holder.get(f)) is not None and v.text()), None)
                if value is None:
                    continue
                term = self.table.value(kind, value.text())
                if kind == "basis":
                    self.add(activity, GG.legalBasisText, self.lit(value.text()))
                if term is None or term.target is None:
                    self.note(where, value.line, f"unknown {fields[0]} '{value.text()}': kept as text only")
                    if kind == "art9":
                        self.add(activity, RDFS.comment, self.lit(f"{fields[0]}: {value.text()}"))
                    break
                self.add(activity, prop, term.target)
                if kind == "art9":
                    self.add(system.service, GG.article9Condition, term.target)
                break

    @staticmethod
    def listed(y: Y, name: str) -> list[Y]:
        value = y.get(name)
        return value.items() if value is not None else []

    # ---- data flows

    def flows(self) -> list[tuple[System | None, str, Y, System, str]]:
        """Every flow (sender, recipient key, node, the system whose entry states it, how), once per pair:
        egress first, then ingress, then dependencies."""
        found: dict[tuple[str, str], tuple[System | None, str, Y, System, str]] = {}
        passes: list[tuple[str, bool]] = [
            ("egress", True),
            ("ingress", False),
            ("system_dependencies", True),
            ("dependencies", True),
        ]
        for name, outgoing in passes:
            for system in self.systems.values():
                for entry in self.listed(system.y, name):
                    key = entry.field("fides_key") if entry.is_map else entry.text()
                    kind = (entry.field("type") if entry.is_map else "") or "system"
                    if not key:
                        continue
                    if kind == "dataset" or (
                        name in ("egress", "ingress") and key in self.datasets and key not in self.systems
                    ):
                        system.datasets.append((key, entry))
                        continue
                    if kind == "user" or key == "user":
                        continue
                    if outgoing:
                        pair = (system.key, key)
                        found.setdefault(pair, (system, key, entry, system, name))
                    else:
                        pair = (key, system.key)
                        sender = self.systems.get(key)
                        found.setdefault(pair, (sender, system.key, entry, system, f"ingress:{key}"))
        return list(found.values())

    def recipient(self, key: str, y: Y, manifest: Manifest) -> tuple[URIRef | None, URIRef | None, System | None]:
        """The service and organisation a flow goes to: a system of the manifests, else a service or an
        organisation of the graph, else a new organisation named after the key."""
        system = self.systems.get(key)
        if system is not None:
            return system.service, system.operator, system
        words = re.sub(r"[_-]+", " ", key)
        service = self.existing_service(key, words)
        if service is not None:
            operator = self.context.value(service, DPV.hasDataProcessor) or self.context.value(
                service, DPV.hasDataController
            )
            return service, URIRef(str(operator)) if operator is not None else None, None
        known = self.known_by_key(key)
        if known is None:
            self.note(
                manifest,
                y.line,
                f"data flow to '{key}': no system of the manifests, service or organisation "
                "of the graph has this key or name; kept as a new organisation",
            )
            return None, self.organisation(words, supplier=True, notation=key), None
        return None, self.organisation(self.orgs.preferred.get(known, words), supplier=True), None

    def zone(self, countries: Iterable[URIRef]) -> str:
        found = list(countries)
        if not found:
            return "unknown"
        return "eea" if all(c in self.eea for c in found) else "non-eea"

    def row(self, system: System, zone: str, y: Y) -> URIRef:
        label, located = ROW_ITEMS[zone]
        item = GGT[f"fides-recipients-{zone}"]
        if item not in self.items:
            self.items.add(item)
            self.add(item, RDF.type, GG.TemplateItem)
            self.add(item, GG.templateSection, GG.SubProcessorsSection)
            self.add(item, SKOS.prefLabel, self.lit(label))
            self.add(item, GG.entityRelation, GG.SupplierRelation)
            if located is not None:
                self.add(item, GG.locationZone, located)
        node = self.rows.get((system.service, zone))
        if node is None:
            node = self.mint(f"{system.local}-recipients-{zone}")
            self.rows[(system.service, zone)] = node
            self.add(node, RDF.type, GG.SubProcessorCategory)
            self.add(node, GG.about, system.service)
            self.add(node, GG.answers, item)
            self.add(node, GG.disclosure, GG.EntitiesListed)
            section = self.section(system.manifest, "system", system.key, f"System {system.key}: {system.name}")
            self.cite(node, section, system.manifest, y.line)
        return node

    def flow(self, sender: System | None, key: str, y: Y, owner: System, how: str) -> None:
        manifest = owner.manifest
        section = self.section(manifest, "system", owner.key, f"System {owner.key}: {owner.name}")
        if sender is None:  # an ingress from a system the manifests do not define
            receiver = self.systems[key]
            source = how.split(":", 1)[1]
            node = self.mint(f"{receiver.local}-source-{slug(source)}")
            self.add(node, RDF.type, GG.IndirectSourceStatement)
            self.add(node, GG.about, receiver.service)
            self.add(node, RDFS.label, self.lit(f"fides system {source}"))
            self.add(node, GG.description, self.lit(f"Data received from the system '{source}' (fides ingress)."))
            self.cite(node, section, manifest, y.line)
            return
        service, importer, target = self.recipient(key, y, manifest)
        stated = how.replace("system_dependencies", "dependency").split(":")[0]
        exporter = sender.operator
        if importer is None or exporter is None or importer == exporter:
            node = self.mint(f"{sender.local}-flow-{slug(key)}")
            self.add(node, RDF.type, GG.SourcedStatement)
            self.add(node, GG.about, sender.service)
            if service is not None:
                self.add(node, DCTERMS.relation, service)
            within = (
                "within the organisation"
                if importer is not None and importer == exporter
                else "the organisations not stated"
            )
            if exporter is None and importer is not None:
                self.note(
                    manifest,
                    y.line,
                    f"data flow from '{sender.key}' to '{key}': no organisation runs "
                    f"'{sender.key}' (legal_name, organization_fides_key): kept as a flow, not an engagement",
                )
            self.add(node, RDFS.comment, self.lit(f"data flow ({stated}) to the system {key}, {within}"))
            self.cite(node, section, manifest, y.line)
            return
        self.engagements += 1
        countries = [country for country, _ in target.countries] if target is not None else []
        home = self.context.value(importer, DPV.hasCountry) or self.g.value(importer, DPV.hasCountry)
        located = countries or ([URIRef(str(home))] if home is not None else [])
        held = self.estate.held_engagement(sender.service, importer, set(located))
        if held is not None:  # the graph holds this engagement already: one node, citing the manifest too
            self.estate.copy(held, self.g)
            restate(
                self.g,
                held,
                self.mint(f"{sender.local}-states-{slug(key)}"),
                section,
                y.line,
                self.lit(manifest.line_text(y.line)),
            )
            if target is not None:
                self.safeguards(held, sender, target)
            return
        node = self.mint(f"{sender.local}-eng-{slug(key)}")
        self.add(node, RDF.type, GG.SubProcessingEngagement)
        self.add(node, GG.about, sender.service)
        self.add(node, GG.engagedBy, exporter)
        self.add(node, GG.subProcessor, importer)
        if service is not None:
            self.add(node, DCTERMS.relation, service)
        if importer in self.new_orgs:
            self.add(importer, RDF.type, GG.Supplier)
        for country in countries:
            self.add(node, GG.processingCountry, country)
        self.add(node, GG.inCategory, self.row(sender, self.zone(located), y))
        self.add(node, RDFS.comment, self.lit(f"data flow ({stated}) to the system {key}"))
        self.cite(node, section, manifest, y.line)
        if target is not None:
            self.safeguards(node, sender, target)

    def safeguards(self, engagement: URIRef, sender: System, target: System) -> None:
        """The transfer safeguards the recipient system states (legal_basis_for_transfers)."""
        for value in target.y.texts("legal_basis_for_transfers"):
            term = self.table.value("transfer", value.text())
            if term is None:
                self.note(
                    target.manifest,
                    value.line,
                    f"unknown legal_basis_for_transfers '{value.text()}': kept as text only",
                )
                self.add(engagement, RDFS.comment, self.lit(f"legal basis for transfers: {value.text()}"))
                continue
            if term.related is None or term.target is None:  # adequacy applies by itself; others are no basis
                self.add(engagement, RDFS.comment, self.lit(f"legal basis for transfers: {value.text()}"))
                continue
            if self.estate.held_safeguard(engagement, term.related, GG.SafeguardInPlace) is not None:
                continue  # held already (and copied with its engagement)
            node = self.mint(f"{str(engagement).rsplit('/', 1)[-1]}-sg-{slug(term.key)}")
            self.add(engagement, GG.hasSafeguard, node)
            self.add(node, RDF.type, GG.TransferSafeguard)
            self.add(node, GG.about, sender.service)
            self.add(node, GG.instrument, term.related)
            self.add(node, GG.transferBasis, term.target)
            self.add(node, GG.safeguardStatus, GG.SafeguardInPlace)
            section = self.section(target.manifest, "system", target.key, f"System {target.key}: {target.name}")
            self.cite(node, section, target.manifest, value.line)

    def transfers(self, system: System) -> None:
        """A system's third_country_transfers: one statement with its countries and bases."""
        if not system.countries:
            return
        value = system.y.get("third_country_transfers")
        assert value is not None
        node = self.mint(f"{system.local}-transfers")
        self.add(node, RDF.type, GG.TransferPolicyStatement)
        self.add(node, GG.about, system.service)
        for country, _ in system.countries:
            self.add(node, DPV.hasCountry if country in self.eea else DPV.hasThirdCountry, country)
        codes = ", ".join(v.text() for _, v in system.countries)
        self.add(node, GG.description, self.lit(f"third_country_transfers: {codes}"))
        for basis in system.y.texts("legal_basis_for_transfers"):
            term = self.table.value("transfer", basis.text())
            if term is not None and term.target is not None:
                self.add(node, GG.transferBasis, term.target)
            if term is not None and term.related is not None:
                self.add(node, DPV.hasOrganisationalMeasure, term.related)
        section = self.section(system.manifest, "system", system.key, f"System {system.key}: {system.name}")
        self.cite(node, section, system.manifest, value.cited_line)

    # ---- datasets

    def dataset(self, system: System, key: str, y: Y, manifest: Manifest) -> None:
        found = self.datasets.get(key)
        if found is None:
            self.note(manifest, y.line, f"dataset '{key}' is not defined in the manifests: its categories are unknown")
            return
        self.referenced.add(key)
        entry, where = found
        section = self.section(where, "dataset", key, f"Dataset {key}: {entry.field('name') or key}")

        def walk(node: Y, depth: int) -> None:
            if depth > MAX_DEPTH:
                raise InputError(f"dataset '{key}' nests fields more than {MAX_DEPTH} deep", str(where.path), node.line)
            for value in node.texts("data_categories"):
                self.declare(system, "category", value, where, section)
            for value in node.texts("data_subjects"):
                self.declare(system, "subject", value, where, section)
            for name in ("collections", "fields"):
                for child in self.listed(node, name):
                    if child.is_map:
                        walk(child, depth + 1)

        walk(entry, 0)

    # ---- all of it

    def build(self) -> Graph:
        self.collect()
        for manifest in self.manifests:
            self.document(manifest)
        for system in self.systems.values():
            self.system(system)
        for system in self.systems.values():
            self.declarations(system)
        for flow in self.flows():
            self.flow(*flow)
        for system in self.systems.values():
            self.transfers(system)
            seen = set()
            for key, y in system.datasets:
                if key not in seen:
                    seen.add(key)
                    self.dataset(system, key, y, system.manifest)
        for key, (entry, manifest) in self.datasets.items():
            if key not in self.referenced:
                self.note(
                    manifest,
                    entry.line,
                    f"dataset '{key}' is referenced by no system: its categories are not attributed to a service",
                )
        return self.g


def context_graph(data_files: Sequence[Path | str] | None = None) -> Graph:
    """The graph names resolve against: the given data files with the reference data and templates, or
    the embedded data/."""
    given = [Path(p) for p in data_files] if data_files else []
    files = [*resources.reference_files(), *given] if given else resources.default_data_files()
    graph = Graph()
    seen: set[Path] = set()
    for path in files:
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
        try:
            graph.parse(path)
        except Exception as err:  # rdflib raises many kinds; one line naming the file
            raise InputError(f"unreadable data file: {' '.join(str(err).split())[:200]}", str(path)) from None
    return graph


def import_fides(paths: Sequence[Path | str], context: Workspace | KnowledgeGraph | Graph | None = None) -> FidesImport:
    """Read fides manifests into a graph (see the module's description).

    ``context`` (a Workspace, KnowledgeGraph or rdflib Graph; default: the embedded data/) holds the
    services and organisations that names resolve to. Every file is read before anything is built:
    an InputError (file and line) on any of them means no graph.
    """
    files = [Path(p) for p in paths]
    if not files:
        raise InputError("no fides manifest given")
    manifests = [read_manifest(path) for path in files]
    for manifest, key in zip(manifests, _document_keys(files), strict=True):
        manifest.key = key
    builder = Builder(manifests, _context_graph(context))
    graph = builder.build()
    messages = [
        f"{path}:{line}: {message}"
        for path, line, message in sorted(
            builder.messages, key=lambda m: (files.index(Path(m[0])) if Path(m[0]) in files else 0, m[1], m[2])
        )
    ]
    notes = [m.note for m in manifests if m.note]
    return FidesImport(files, graph, messages, notes, len(builder.systems), builder.activities, builder.engagements)
