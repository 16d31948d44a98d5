"""Seeded generator of a synthetic GDPR estate in the gdprgraph model (for benchmarks).

Usage: python bench/generate.py --services N --seed 1 --out estate-N.ttl

Per service: a dpv:Service with its processor, one gg:TemplateLine for every item of the Orange
Article 28 template (data/templates/orange-art28-template.ttl), durations on subject-matter lines
declared Yes, a purpose statement, the four sub-processor rows and 2-6 engagements drawn from a
shared pool of sub-processors (about 30 % outside the EU/EEA), safeguards, onward sub-processing
chains, and provenance on every statement (a synthetic gg:SourceDocument per service). Per about
20 services, one controller-side gg:PrivacyPolicy with activities, data categories and retention
rules. The output is sorted: the same seed gives the same bytes.
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "data" / "templates" / "orange-art28-template.ttl"

GG = Namespace("https://w3id.org/gdprgraph/ontology#")
GGT = Namespace("https://w3id.org/gdprgraph/template/")
GGR = Namespace("https://w3id.org/gdprgraph/ref/")
GGO = Namespace("https://w3id.org/gdprgraph/org/")
DPV = Namespace("https://w3id.org/dpv#")
PD = Namespace("https://w3id.org/dpv/pd#")
EU_GDPR = Namespace("https://w3id.org/dpv/legal/eu/gdpr#")
LOC = Namespace("https://w3id.org/dpv/loc#")
BENCH = "https://w3id.org/gdprgraph/bench/"
ORG = Namespace(BENCH + "org/")
SVC = Namespace(BENCH + "service/")
DOC = Namespace(BENCH + "doc/")
DAT = Namespace(BENCH + "data/")

EEA_COUNTRIES = ["FR", "DE", "NL", "IE", "BE", "ES", "IT", "SE", "PL", "AT", "FI", "NO"]
ADEQUATE = ["CH", "GB", "JP", "CA", "KR", "IL", "NZ"]
# Share of the non-EEA pool per situation (adequate, US with DPF, US without, no adequacy).
NON_EEA_MIX = [("adequate", 0.3), ("us-dpf", 0.2), ("us", 0.25), ("none", 0.25)]
NO_ADEQUACY = ["IN", "BR", "CN"]
NON_EEA_SHARE = 0.3
SAFEGUARD_SHARE = 0.75
ONWARD_SHARE = 0.3

PROCESSORS = [
    ("northwind-cloud", "Northwind Cloud SAS", "FR"),
    ("rheinland-hosting", "Rheinland Hosting GmbH", "DE"),
    ("polder-networks", "Polder Networks BV", "NL"),
    ("liffey-digital", "Liffey Digital Ltd", "IE"),
    ("iberia-telecom", "Iberia Telecom SA", "ES"),
]
NAME_PARTS = (
    [
        "Acme",
        "Blue",
        "Nordic",
        "Atlas",
        "Orbit",
        "Vertex",
        "Cobalt",
        "Summit",
        "Harbor",
        "Quartz",
        "Pioneer",
        "Lumen",
        "Cedar",
        "Falcon",
        "Meridian",
        "Nimbus",
        "Granite",
        "Aurora",
    ],
    [
        "Data",
        "Cloud",
        "Support",
        "Mail",
        "Analytics",
        "Payments",
        "Storage",
        "Networks",
        "Ops",
        "Security",
        "Backup",
        "Voice",
    ],
)
SUFFIX = {
    "FR": "SAS",
    "DE": "GmbH",
    "NL": "BV",
    "IE": "Ltd",
    "BE": "SA",
    "ES": "SL",
    "IT": "Srl",
    "SE": "AB",
    "PL": "Sp. z o.o.",
    "AT": "GmbH",
    "FI": "Oy",
    "NO": "AS",
    "CH": "AG",
    "GB": "Ltd",
    "JP": "KK",
    "CA": "Inc",
    "KR": "Co Ltd",
    "IL": "Ltd",
    "NZ": "Ltd",
    "US": "Inc",
    "IN": "Pvt Ltd",
    "BR": "Ltda",
    "CN": "Co Ltd",
}
SERVICE_WORDS = (
    ["Managed", "Flexible", "Secure", "Business", "Smart", "Unified", "Cloud", "Hosted"],
    [
        "Web Platform",
        "Contact Center",
        "Mail",
        "Backup",
        "Video Conferencing",
        "SD-WAN",
        "File Sharing",
        "Messaging",
        "Voice",
        "Analytics",
        "Desktop",
        "Storage",
    ],
)
SECTIONS = [
    "Processing Activities",
    "Categories of personal data processed",
    "Subject-matter and duration",
    "Purposes of processing",
    "Categories of Data Subject",
    "Sub-processors",
]
SECTION_OF = {
    GG.OperationsSection: 0,
    GG.DataCategoriesSection: 1,
    GG.SubjectMatterSection: 2,
    GG.DataSubjectsSection: 4,
    GG.SubProcessorsSection: 5,
}
PURPOSES = [
    (DPV.ServiceProvision, "Provision of the service to Customer"),
    (DPV.CustomerCare, "Support of Customer's users"),
    (DPV.ServiceOptimisation, "Operation and improvement of the service"),
    (DPV.MaintainFraudDatabase, "Fraud prevention on the service"),
]
ACTIVITIES = [
    ("billing", "Billing and payment collection", DPV.PaymentManagement, "b"),
    ("support", "After-sales support", DPV.CustomerCare, "b"),
    ("marketing", "Commercial prospecting", DPV.DirectMarketing, "f"),
    ("newsletter", "Newsletters", DPV.Advertising, "a"),
    ("legal", "Compliance with legal obligations", DPV.LegalCompliance, "c"),
    ("security", "Network and information security", DPV.EnforceSecurity, "f"),
]
BASIS_TEXT = {"a": "Consent", "b": "Performance of the contract", "c": "Legal obligation", "f": "Legitimate interest"}
DATA_CATEGORIES = [
    ("identification", "Identification data", PD.Identifying),
    ("contact", "Contact data", PD.Contact),
    ("billing", "Billing data", PD.Financial),
    ("usage", "Usage data", PD.UsageHistory),
    ("location", "Location data", PD.Location),
]
PERIODS = [
    ("P1Y", "one year"),
    ("P3Y", "three years"),
    ("P5Y", "five years"),
    ("P6M", "six months"),
    ("P10Y", "ten years"),
    ("P1Y1M", "thirteen months"),
]


@dataclass
class SubProcessor:
    iri: URIRef
    name: str
    country: str
    intra_group: bool
    safeguarded: bool
    onward: SubProcessor | None = None

    @property
    def eea(self) -> bool:
        return self.country in EEA_COUNTRIES


@dataclass(frozen=True)
class Item:
    iri: URIRef
    key: str
    section: URIRef
    order: int
    label: str


def template_items(path: Path = TEMPLATE) -> list[Item]:
    """The items of the Article 28 template, in section and item order."""
    graph = Graph().parse(path, format="turtle")
    items = []
    for item in graph.subjects(RDF.type, GG.TemplateItem):
        label = next(
            (str(x) for x in graph.objects(item, SKOS.prefLabel) if getattr(x, "language", None) == "en"),
            str(item).rsplit("/", 1)[-1],
        )
        section = graph.value(item, GG.templateSection)
        items.append(Item(item, str(item).rsplit("/", 1)[-1], section, int(graph.value(item, GG.itemOrder)), label))
    items.sort(key=lambda i: (SECTION_OF[i.section], i.order))
    return items


class Estate:
    def __init__(self, services: int, seed: int) -> None:
        self.n = services
        self.rng = random.Random(seed)
        self.g = Graph()
        for prefix, ns in (
            ("gg", GG),
            ("ggt", GGT),
            ("ggr", GGR),
            ("dpv", DPV),
            ("pd", PD),
            ("eu-gdpr", EU_GDPR),
            ("loc", LOC),
            ("b-org", ORG),
            ("b-svc", SVC),
            ("b-doc", DOC),
            ("b-data", DAT),
            ("dcterms", DCTERMS),
            ("skos", SKOS),
        ):
            self.g.bind(prefix, ns)
        self.items = template_items()
        self.add = self.g.add

    # ------------------------------------------------------------------ documents
    def document(self, key: str, title: str, file: str, publisher: URIRef, sections: list[str]) -> list[URIRef]:
        """A source document with its numbered sections; returns the section IRIs."""
        doc = DOC[key]
        self.add((doc, RDF.type, GG.SourceDocument))
        self.add((doc, DCTERMS.title, Literal(title, lang="en")))
        self.add((doc, GG.sourceFile, Literal(file)))
        self.add((doc, DCTERMS.publisher, publisher))
        out = []
        for number, section_title in enumerate(sections, 1):
            section = DOC[f"{key}-s{number}"]
            self.add((section, RDF.type, GG.DocumentSection))
            self.add((section, DCTERMS.isPartOf, doc))
            self.add((section, GG.sectionNumber, Literal(str(number))))
            self.add((section, DCTERMS.title, Literal(section_title, lang="en")))
            out.append(section)
        return out

    # ------------------------------------------------------------------ organisations
    def processors(self) -> list[URIRef]:
        out = []
        for key, name, country in PROCESSORS:
            org = ORG[key]
            self.add((org, RDF.type, DPV.Organisation))
            self.add((org, SKOS.prefLabel, Literal(name)))
            self.add((org, DPV.hasCountry, LOC[country]))
            [section] = self.document(
                f"{key}-contact", f"{name}: data protection contact", f"{key}.contact.en.txt", org, ["Contact"]
            )
            email = f"privacy@{key}.example"
            contact = self.sourced(DAT[f"{key}-contact"], GG.ContactPoint, org, section, 3, f"Write to {email}")
            self.add((contact, GG.email, Literal(email)))
            out.append(org)
        return out

    def pool(self) -> list[SubProcessor]:
        rng = self.rng
        size = max(50, self.n // 20)
        non_eea = round(size * NON_EEA_SHARE)
        kinds = []
        for kind, share in NON_EEA_MIX:
            kinds += [kind] * round(non_eea * share)
        kinds = (kinds + ["none"] * non_eea)[:non_eea]
        countries = [rng.choice(EEA_COUNTRIES) for _ in range(size - non_eea)]
        dpf = []
        for kind in kinds:
            if kind == "adequate":
                countries.append(rng.choice(ADEQUATE))
            elif kind in ("us", "us-dpf"):
                countries.append("US")
            else:
                countries.append(rng.choice(NO_ADEQUACY))
            dpf.append(kind == "us-dpf")
        dpf = [False] * (size - non_eea) + dpf
        pool, used = [], set()
        for i, country in enumerate(countries):
            while True:
                base = f"{rng.choice(NAME_PARTS[0])} {rng.choice(NAME_PARTS[1])}"
                if base not in used:
                    used.add(base)
                    break
                base = f"{base} {i}"
                if base not in used:
                    used.add(base)
                    break
            sp = SubProcessor(
                ORG[f"sp-{i:04d}"],
                f"{base} {SUFFIX[country]}",
                country,
                intra_group=rng.random() < 0.2,
                safeguarded=rng.random() < SAFEGUARD_SHARE,
            )
            self.add((sp.iri, RDF.type, GG.IntraGroupEntity if sp.intra_group else GG.Supplier))
            self.add((sp.iri, SKOS.prefLabel, Literal(sp.name)))
            self.add((sp.iri, DPV.hasCountry, LOC[country]))
            if dpf[i]:
                self.add((sp.iri, GG.certifiedUnder, GGR["adequacy-US-DPF"]))
            pool.append(sp)
        outside = [sp for sp in pool if not sp.eea]
        for sp in outside:
            if rng.random() < ONWARD_SHARE or sp is outside[0]:
                sp.onward = rng.choice([o for o in outside if o is not sp])
        return pool

    # ------------------------------------------------------------------ statements
    def sourced(
        self, node: URIRef, cls: URIRef, about: URIRef, section: URIRef, line: int | None, text: str | None
    ) -> URIRef:
        self.add((node, RDF.type, cls))
        self.add((node, GG.about, about))
        self.add((node, DCTERMS.source, section))
        if line is not None:
            self.add((node, GG.sourceLine, Literal(line)))
            self.add((node, GG.sourceText, Literal(text, lang="en")))
        return node

    def duration(self, node: URIRef, key: str) -> None:
        rng = self.rng
        if key == "sm-invoice-contract-order":
            self.add((node, RDF.type, GG.LegallyRequiredDuration))
            text = "For the period required by applicable law"
        elif key == "sm-customer-reporting":
            self.add((node, RDF.type, GG.ControllerDeterminedDuration))
            text = "For the duration requested by Customer"
        elif key in ("sm-service-activation", "sm-carry-traffic", "sm-hosting"):
            event = {
                "sm-service-activation": "EndOfService",
                "sm-carry-traffic": "EndOfTransmission",
                "sm-hosting": "EndOfHostingService",
            }[key]
            self.add((node, RDF.type, DPV.UntilEventDuration))
            self.add((node, GG.untilEvent, GGT[event]))
            text = f"Until the {event[5:].lower()} event"
            if rng.random() < 0.3:
                self.add((node, GG.period, Literal("P30D", datatype=XSD.duration)))
                text = f"Until 30 days after the end of the {event[5:].lower()}"
        else:
            period, words = rng.choice(PERIODS)
            self.add((node, RDF.type, DPV.TemporalDuration))
            self.add((node, GG.period, Literal(period, datatype=XSD.duration)))
            text = f"For {words}"
        self.add((node, GG.durationText, Literal(text, lang="en")))

    def service(self, i: int, processor: URIRef, pool: list[SubProcessor]) -> None:
        rng = self.rng
        key = f"s{i:05d}"
        name = f"{rng.choice(SERVICE_WORDS[0])} {rng.choice(SERVICE_WORDS[1])} {i}"
        svc, doc = SVC[key], DOC[key]
        sections = self.document(
            key, f"Article 28 description: {name}", f"{key}.art28.en.txt", processor, list(SECTIONS)
        )
        self.add((svc, RDF.type, DPV.Service))
        self.add((svc, SKOS.prefLabel, Literal(name, lang="en")))
        self.add((svc, GG.describedIn, doc))
        self.add((svc, DPV.hasDataProcessor, processor))
        self.add((svc, DPV.hasDataController, GGO.customer))

        line = 5
        subject_lines = [it for it in self.items if it.section == GG.DataSubjectsSection]
        forced_yes = rng.choice(subject_lines)
        for item in self.items:
            if item.section == GG.SubProcessorsSection:
                continue
            line += 1
            node = DAT[f"{key}-{item.key}"]
            section = sections[SECTION_OF[item.section]]
            draw = rng.random()
            if item is forced_yes or draw < 0.6:
                status, answer = GG.DeclaredYes, "Yes"
            elif draw < 0.95:
                status, answer = GG.DeclaredNo, "No"
            else:
                status, answer = GG.NotStated, None
            if answer is None:
                self.sourced(node, GG.TemplateLine, svc, section, None, None)
                self.add(
                    (
                        node,
                        RDFS.comment,
                        Literal("The template has this line; this document does not state it.", lang="en"),
                    )
                )
            else:
                self.sourced(node, GG.TemplateLine, svc, section, line, f"{item.label} {answer}")
            self.add((node, GG.answers, item.iri))
            self.add((node, GG.status, status))
            if item.section == GG.SubjectMatterSection and status == GG.DeclaredYes:
                dur = DAT[f"{key}-{item.key}-duration"]
                self.duration(dur, item.key)
                self.add((node, DPV.hasDuration, dur))
            if item.key == "sm-other" and line:
                line += 1
                purpose, text = rng.choice(PURPOSES)
                node = self.sourced(DAT[f"{key}-purpose"], GG.PurposeStatement, svc, sections[3], line, text)
                self.add((node, GG.purpose, purpose))

        # sub-processors: 2-6 engagements, by row (intra-group / supplier x inside / outside the EU/EEA)
        chosen = rng.sample(pool, rng.randint(2, 6))
        if i == 0 and not any(sp.onward for sp in chosen):
            chosen[0] = next(sp for sp in pool if sp.onward)
        rows = {
            ("group", True): "sp-group-eea",
            ("group", False): "sp-group-non-eea",
            ("supplier", True): "sp-supplier-eea",
            ("supplier", False): "sp-supplier-non-eea",
        }
        labels = {item.key: item.label for item in self.items}
        for (kind, eea), row_key in rows.items():
            line += 1
            members = sorted(
                (sp for sp in chosen if sp.eea == eea and sp.intra_group == (kind == "group")),
                key=lambda sp: str(sp.iri),
            )
            row = DAT[f"{key}-{row_key}"]
            listing = ", ".join(f"{sp.name} ({sp.country})" for sp in members) or "NA"
            row_safe = not eea and members and all(sp.safeguarded for sp in members)
            instrument = "Binding Corporate Rules" if kind == "group" else "Standard Model Clauses"
            safeguard_text = f"{instrument} in place" if row_safe else "NA"
            self.sourced(
                row, GG.SubProcessorCategory, svc, sections[5], line, f"{labels[row_key]} {listing} {safeguard_text}"
            )
            self.add((row, GG.answers, GGT[row_key]))
            self.add((row, GG.disclosure, GG.EntitiesListed if members else GG.NoEntitiesDeclared))
            self.add((row, GG.safeguardText, Literal(safeguard_text, lang="en")))
            if row_safe:
                self.add(
                    (
                        row,
                        GG.hasSafeguard,
                        self.safeguard(DAT[f"{key}-{row_key}-sg"], svc, sections[5], line, kind == "group"),
                    )
                )
            for sp in members:
                eng = DAT[f"{key}-eng-{sp.iri.rsplit('/', 1)[-1]}"]
                self.sourced(eng, GG.SubProcessingEngagement, svc, sections[5], line, f"{sp.name} ({sp.country})")
                self.add((eng, GG.engagedBy, processor))
                self.add((eng, GG.subProcessor, sp.iri))
                self.add((eng, GG.inCategory, row))
                if not eea and sp.safeguarded and not row_safe:
                    self.add(
                        (
                            eng,
                            GG.hasSafeguard,
                            self.safeguard(
                                DAT[f"{key}-eng-{sp.iri.rsplit('/', 1)[-1]}-sg"],
                                svc,
                                sections[5],
                                line,
                                kind == "group",
                            ),
                        )
                    )
        # onward sub-processing: engaged by the sub-processor, no row of the processor's table
        for sp in sorted(chosen, key=lambda sp: str(sp.iri)):
            if sp.onward is None:
                continue
            line += 1
            onward = sp.onward
            eng = DAT[f"{key}-eng-{sp.iri.rsplit('/', 1)[-1]}-{onward.iri.rsplit('/', 1)[-1]}"]
            self.sourced(
                eng,
                GG.SubProcessingEngagement,
                svc,
                sections[5],
                line,
                f"{sp.name} engages {onward.name} ({onward.country})",
            )
            self.add((eng, GG.engagedBy, sp.iri))
            self.add((eng, GG.subProcessor, onward.iri))
            if onward.safeguarded:
                self.add((eng, GG.hasSafeguard, self.safeguard(eng + "-sg", svc, sections[5], line, False)))

    def safeguard(self, node: URIRef, svc: URIRef, section: URIRef, line: int, bcr: bool) -> URIRef:
        if bcr:
            text, instrument, basis = "Binding Corporate Rules", EU_GDPR.BindingCorporateRules, EU_GDPR["A46-2-b"]
        else:
            text, instrument, basis = "Standard Model Clauses", EU_GDPR.StandardContractualClauses, EU_GDPR["A46-2-c"]
        self.sourced(node, GG.TransferSafeguard, svc, section, line, text)
        self.add((node, GG.instrument, instrument))
        self.add((node, GG.transferBasis, basis))
        self.add((node, GG.safeguardStatus, GG.SafeguardInPlace))
        return node

    # ------------------------------------------------------------------ controller side
    def policy(self, j: int, controller: URIRef) -> None:
        rng = self.rng
        key = f"p{j:04d}"
        doc, policy = DOC[key], DAT[f"{key}-policy"]
        sections = self.document(
            key, f"Privacy policy {j}", f"{key}.policy.en.txt", controller, ["Purposes and legal bases", "Retention"]
        )
        self.add((policy, RDF.type, GG.PrivacyPolicy))
        self.add((policy, SKOS.prefLabel, Literal(f"Privacy policy {j}", lang="en")))
        self.add((policy, GG.describedIn, doc))
        self.add((policy, DPV.hasDataController, controller))
        categories = []
        for cat_key, label, parent in rng.sample(DATA_CATEGORIES, 3):
            cat = DAT[f"{key}-cat-{cat_key}"]
            self.add((cat, RDF.type, GG.PersonalDataCategory))
            self.add((cat, RDF.type, OWL.Class))
            self.add((cat, RDFS.subClassOf, parent))
            self.add((cat, SKOS.prefLabel, Literal(label, lang="en")))
            categories.append(cat)
        line = 10
        for act_key, label, purpose, basis in rng.sample(ACTIVITIES, 3):
            line += 1
            act = self.sourced(
                DAT[f"{key}-act-{act_key}"],
                GG.ProcessingActivity,
                policy,
                sections[0],
                line,
                f"{label}: {BASIS_TEXT[basis]}",
            )
            self.add((act, SKOS.prefLabel, Literal(label, lang="en")))
            self.add((act, DPV.hasPurpose, purpose))
            self.add((act, DPV.hasLegalBasis, EU_GDPR[f"A6-1-{basis}"]))
            self.add((act, GG.legalBasisText, Literal(BASIS_TEXT[basis], lang="en")))
            self.add((act, DPV.hasDataController, controller))
            line += 1
            period, words = rng.choice(PERIODS)
            cat = rng.choice(categories)
            rule = self.sourced(
                DAT[f"{key}-ret-{act_key}"],
                GG.RetentionRule,
                policy,
                sections[1],
                line + 20,
                f"Data used for {label.lower()} are kept for {words}.",
            )
            dur = DAT[f"{key}-dur-{act_key}"]
            self.add((dur, RDF.type, DPV.TemporalDuration))
            self.add((dur, GG.period, Literal(period, datatype=XSD.duration)))
            self.add((dur, GG.durationText, Literal(words, lang="en")))
            self.add((rule, GG.appliesToData, cat))
            self.add((rule, GG.forActivity, act))
            self.add((rule, DPV.hasDuration, dur))

    def build(self) -> Graph:
        processors = self.processors()
        pool = self.pool()
        for i in range(self.n):
            self.service(i, self.rng.choice(processors), pool)
        for j in range(max(1, round(self.n / 20))):
            self.policy(j, processors[j % len(processors)])
        return self.g


def generate(services: int, seed: int) -> Graph:
    """The synthetic estate of ``services`` services for a seed."""
    return Estate(services, seed).build()


def serialize(graph: Graph, path: Path) -> None:
    """N-Triples (.nt, sorted lines) or Turtle (any other suffix; rdflib sorts subjects and predicates)."""
    if path.suffix == ".nt":
        lines = sorted(line for line in graph.serialize(format="nt").splitlines() if line.strip())
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        path.write_text(graph.serialize(format="turtle"), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, required=True, help="number of services")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="output file (.nt: N-Triples, else Turtle)")
    args = parser.parse_args(argv)
    if args.services < 1:
        parser.error("--services must be at least 1")
    graph = generate(args.services, args.seed)
    serialize(graph, args.out)
    print(len(graph))
    return 0


if __name__ == "__main__":
    sys.exit(main())
