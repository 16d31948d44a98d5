"""Impact of an organisation: who uses it, what data and whose it can reach, where, under which basis."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from rdflib import URIRef

from . import paths
from .workspace import Workspace


@dataclass
class Impact:
    """The blast radius of an organisation, were it breached or withdrawn."""

    organisation: str
    name: str
    country: str
    services: list[dict[str, object]] = field(default_factory=list)
    data_categories: list[str] = field(default_factory=list)
    data_subjects: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    paths: list[dict[str, object]] = field(default_factory=list)

    @property
    def service_names(self) -> list[str]:
        return sorted({str(s["name"]) for s in self.services})

    def summary(self) -> str:
        """One sentence an executive can read."""
        return (f"If {self.name} were breached, {len(self.data_categories)} categories of personal data "
                f"of {len(self.data_subjects)} categories of data subjects in "
                f"{len(self.service_names)} service(s) would be exposed; if it were withdrawn, "
                f"{', '.join(self.service_names) or 'no service'} would lose a sub-processor and their "
                f"customers would have to be informed (Art. 28(2)).")


def impact(ws: Workspace, name: str) -> Impact:
    """The impact of the organisation ``name`` designates."""
    org = ws.resolve(name, "organisation")
    using = ws.run("services-using", {"org": str(org)}).rows
    exposed = ws.run("data-exposed-to", {"org": str(org)}).rows
    # the transfer graph of the services concerned only: a lookup, not the whole estate
    tg = paths.build(ws.asserted, {str(row["service"]) for row in [*using, *exposed]})
    label = tg.label(str(org)) if str(org) in tg.labels else paths.display_name(ws.asserted, str(org), name)
    home = ws.asserted.value(org, URIRef("https://w3id.org/dpv#hasCountry"))
    country = ""
    if home is not None:
        known = tg.countries.get(str(home))
        country = known.name if known else paths.display_name(ws.asserted, str(home), str(home))
    result = Impact(str(org), label, country)

    seen = set()
    for row in using:
        key = str(row["service"])
        seen.add(key)
        result.services.append({"service": key, "name": str(row["serviceName"]), "how": "sub-processor",
                                "document": str(row["document"]), "line": _int(row["line"])})
    for row in exposed:
        key = str(row["service"])
        if key not in seen:
            seen.add(key)
            how = "processor" if _is_processor(ws, key, str(org)) else "onward sub-processor"
            result.services.append({"service": key, "name": str(row["serviceName"]), "how": how,
                                    "document": str(row["document"]), "line": None})
    def names(kind: str) -> list[str]:
        return sorted({str(r["categoryName"]) for r in exposed if str(r["kind"]) == kind})

    result.data_categories = names("personal data")
    result.data_subjects = names("data subjects")

    through = paths.transfer_paths(tg, to=None, through=str(org))
    countries = {p.country_name for p in through}
    if result.country:
        countries.add(result.country)
    result.countries = sorted(countries)
    result.paths = [path_record(p) for p in through]
    result.services.sort(key=lambda s: str(s["name"]))
    return result


def _int(value: object) -> int | None:
    return int(str(value)) if value is not None else None


def _is_processor(ws: Workspace, service: str, org: str) -> bool:
    query = "ASK { ?service <https://w3id.org/dpv#hasDataProcessor> ?org }"
    return bool(ws.asserted.query(query, {"service": URIRef(service), "org": URIRef(org)}).askAnswer)


def path_record(path: paths.TransferPath) -> dict[str, object]:
    """A path as plain data: its chain, country, zone, and each hop with its basis."""
    return {
        "chain": path.labels,
        "country": path.country_name,
        "zone": path.zone,
        "missing_basis": path.missing_basis,
        "hops": [asdict(h) for h in path.hops],
    }


def describe_path(path: dict[str, object]) -> str:
    """A path on one line, transfer hops annotated with their basis."""
    chain = list(path["chain"])  # type: ignore[arg-type]
    text = chain[0]
    for hop in path["hops"]:  # type: ignore[union-attr]
        basis = hop["basis"]
        text += f" -> {hop['target']}"
        if hop["relation"].startswith("engages") and basis:
            text += f" [{'!! ' if hop['missing_basis'] else ''}{basis}]"
    return text


def as_rows(result: Impact) -> tuple[list[str], list[list[object]]]:
    """The impact flattened into (aspect, value, detail) rows, for CSV and tables."""
    rows: list[list[object]] = [["organisation", result.name, result.country]]
    for s in result.services:
        line = f" line {s['line']}" if s["line"] else ""
        rows.append(["service", s["name"], f"{s['how']}; {s['document']}{line}"])
    rows += [["personal data", c, ""] for c in result.data_categories]
    rows += [["data subjects", c, ""] for c in result.data_subjects]
    rows += [["country", c, ""] for c in result.countries]
    rows += [["path", describe_path(p), p["zone"] + ("; MISSING BASIS" if p["missing_basis"] else "")]
             for p in result.paths]
    return ["aspect", "value", "detail"], rows


def as_text(result: Impact) -> str:
    """The impact report for a human."""
    lines = [f"Impact of {result.name} ({result.country or 'country unknown'})", "", result.summary(), ""]
    lines.append(f"Services ({len(result.service_names)}):")
    for s in result.services:
        where = f"  [{s['document']}" + (f", line {s['line']}]" if s["line"] else "]")
        lines.append(f"  - {s['name']} ({s['how']}){where}")
    lines.append(f"Categories of personal data ({len(result.data_categories)}): "
                 + ("; ".join(result.data_categories) or "none"))
    lines.append(f"Categories of data subjects ({len(result.data_subjects)}): "
                 + ("; ".join(result.data_subjects) or "none"))
    lines.append(f"Countries involved: {', '.join(result.countries) or 'none'}")
    lines.append(f"Transfer paths through {result.name} ({len(result.paths)}):")
    for p in result.paths:
        flag = "  MISSING BASIS" if p["missing_basis"] else ""
        lines.append(f"  - {describe_path(p)}  ({p['zone']}){flag}")
    return "\n".join(lines)
