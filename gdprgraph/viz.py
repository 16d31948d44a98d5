"""The transfer map: a self-contained vis-network page (pyvis's bundled copy), offline, deterministic, escaped.

The page holds a model (``map_model``): every node of the selected transfer paths with its layer
(data subjects -> services -> processors -> sub-processors -> countries) and the keys it can be
grouped by, every edge with its style, and one row per path (the rows of ``paths --format csv``).
The page's script lays the layers out, groups a layer that would not fit legibly (services by
processor, sub-processors by country then zone, countries by zone; a group opens on click), and
applies the search box and the filter chips. The hop that enters a country carries the Chapter V
basis of that transfer in colour and label; ``BASES`` and ``MARKS`` say how each kind is drawn, so
a new kind of mark is one entry there and one rule in ``transfer_style``. Labels reach the page as
JSON (``tojson``) and are drawn as text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from rdflib import RDF, URIRef

from . import impact, paths, tia
from .basis import NO_BASIS
from .templates import environment
from .vocabulary import GG
from .workspace import Workspace


@dataclass(frozen=True)
class EdgeStyle:
    """How one kind of edge is drawn, and its legend line."""

    legend: str
    label: str
    colour: str
    width: int = 2
    dashes: bool | list[int] = False


#: the basis of a transfer hop, in order of precedence when a hop rests on several
BASES: dict[str, EdgeStyle] = {
    "adequacy": EdgeStyle("adequacy decision", "adequacy", "#2ca02c", 3),
    "dpf": EdgeStyle("adequacy: Data Privacy Framework certification", "DPF", "#17becf", 3),
    "bcr": EdgeStyle("binding corporate rules (in place)", "BCRs", "#9467bd", 3),
    "scc": EdgeStyle("standard contractual clauses (in place)", "SCCs", "#1f77b4", 3),
    "safeguard": EdgeStyle("other Art. 46 safeguard (in place)", "safeguard", "#6a3d9a", 3),
    "derogation": EdgeStyle("Art. 49 derogation", "derogation", "#8c564b", 3),
    "none": EdgeStyle(NO_BASIS, NO_BASIS, "#d62728", 5, [10, 6]),
    "unassessed": EdgeStyle("outside the EU/EEA, basis not assessed", "not assessed", "#e377c2", 3),
    "eea": EdgeStyle("within the EU/EEA (no transfer)", "", "#9e9e9e", 1),
}
#: the other edges of a chain (no transfer of their own)
LINKS: dict[str, EdgeStyle] = {
    "subjects": EdgeStyle("data of these data subjects", "", "#c5b0d5", 1),
    "data": EdgeStyle("category of data processed", "", "#c49c94", 1, [4, 4]),
    "processor": EdgeStyle("processor of the service", "", "#555555", 2),
    "engages": EdgeStyle("engages a sub-processor", "", "#8a8a8a", 1),
}


@dataclass(frozen=True)
class Mark:
    """Something more said of a transfer hop: added to its label and its legend, maybe a dash pattern."""

    legend: str
    label: str
    dashes: list[int] | None = None


MARKS: dict[str, Mark] = {
    "requested-bcr": Mark("binding corporate rules only requested (not a basis yet)", "BCRs requested"),
    "requested": Mark("safeguard only requested (not a basis yet)", "requested"),
    "undisclosed": Mark("recipients not disclosed (communicated separately)", "not disclosed", [2, 6]),
    "tia-missing": Mark("transfer impact assessment missing (gdprgraph tia)", "no TIA"),
    "tia-overdue": Mark("transfer impact assessment past its review date", "TIA overdue"),
}
#: the TIA status of a hop (tia.hop_statuses) to the mark it gets; "ok" gets none
TIA_MARKS = {"missing": "tia-missing", "overdue": "tia-overdue"}
#: instrument names (English labels of the safeguards) to the basis kind they give when in place
INSTRUMENTS = {"Standard contractual clauses": "scc", "Binding corporate rules": "bcr"}


@dataclass(frozen=True)
class NodeStyle:
    legend: str
    colour: str
    font: str = "#111111"


NODE_STYLES: dict[str, NodeStyle] = {
    "data-subjects": NodeStyle("data subjects", "#d7c4e8"),
    "data-category": NodeStyle("category of personal data", "#e6d3c7"),
    "service": NodeStyle("service", "#4e79a7", "#ffffff"),
    "processor": NodeStyle("processor", "#f28e2b"),
    "intra-group": NodeStyle("intra-group sub-processor", "#edc948"),
    "supplier": NodeStyle("supplier (sub-processor)", "#76b7b2"),
    "organisation": NodeStyle("sub-processor", "#bab0ac"),
    "undisclosed": NodeStyle("sub-processors not disclosed", "#ff9da7"),
    "EU/EEA": NodeStyle("country in the EU/EEA", "#8cd17d"),
    "adequate": NodeStyle("country with an adequacy decision", "#f1ce63"),
    "third country": NodeStyle("third country", "#ff8a80"),
    "group": NodeStyle("group (click to open)", "#eeeeee"),
}
LAYERS = {
    "data-subjects": 0,
    "data-category": 0,
    "service": 1,
    "processor": 2,
    "intra-group": 3,
    "supplier": 3,
    "organisation": 3,
    "undisclosed": 3,
    "EU/EEA": 4,
    "adequate": 4,
    "third country": 4,
}


@dataclass
class MapSelection:
    """What to draw: the paths kept, and whether to add data categories."""

    focus: str | None = None
    service: str | None = None
    third_countries_only: bool = False
    show_data: bool = False
    title: str = "Transfer map"
    notes: list[str] = field(default_factory=list)


def transfer_style(
    zone: str, transfer: paths.TransferHop | None, tia_status: dict[str, str] | None = None
) -> tuple[str, list[str]]:
    """The basis kind (a key of BASES) and the marks (keys of MARKS) of the hop into a country of ``zone``,
    from the hop into its recipient (``TransferPath.transfer``) and its basis' grounds; ``tia_status`` (hop IRI
    to missing / overdue / ok, from tia.hop_statuses) marks a hop whose TIA is missing or overdue."""
    if zone == "EU/EEA":
        return "eea", []
    grounds = transfer.basis.grounds if transfer is not None else None
    if transfer is None or grounds is None:
        return "unassessed", []
    kinds = {INSTRUMENTS.get(name, "safeguard") for name in grounds.in_place}
    kinds |= {k for k, held in (("adequacy", grounds.adequacy), ("dpf", grounds.dpf)) if held}
    if grounds.derogation:
        kinds.add("derogation")
    kind = next((k for k in BASES if k in kinds), "none")
    marks = ["requested-bcr" if INSTRUMENTS.get(name) == "bcr" else "requested" for name in grounds.requested]
    if transfer.relation == "engages (not disclosed)":
        marks.append("undisclosed")
    tia_mark = TIA_MARKS.get((tia_status or {}).get(transfer.hop) or "")
    if tia_mark:
        marks.append(tia_mark)
    return kind, sorted(set(marks))


def edge_label(kind: str, marks: list[str]) -> str:
    """The short label of a transfer hop: its basis, then its marks."""
    words = [BASES[kind].label] + [MARKS[m].label for m in marks]
    return " + ".join(w for w in words if w)


def select_paths(tg: paths.TransferGraph, selection: MapSelection) -> list[paths.TransferPath]:
    """The paths to draw: all (or third-country ones), optionally of one service or through one node."""
    return paths.transfer_paths(
        tg,
        service=selection.service,
        to="third-countries" if selection.third_countries_only else None,
        through=selection.focus,
    )


def node_kind(ws: Workspace, tg: paths.TransferGraph, node: str, processors: set[str]) -> str:
    """The style key of a node."""
    kind: str = tg.graph.nodes[node]["kind"]
    if kind == "country":
        return "third country" if node == paths.UNDISCLOSED_COUNTRY else tg.countries[node].zone
    if kind != "organisation":
        return kind
    if node in processors:
        return "processor"
    types = set(ws.asserted.objects(URIRef(node), RDF.type))
    if GG.IntraGroupEntity in types:
        return "intra-group"
    if GG.Supplier in types:
        return "supplier"
    return "organisation"


@dataclass
class _Builder:
    """Nodes and edges numbered in the order they are first met."""

    nodes: list[dict[str, Any]] = field(default_factory=list)  # the page model's (JSON) nodes and edges
    index: dict[str, int] = field(default_factory=dict)
    edges: list[dict[str, Any]] = field(default_factory=list)
    edge_index: dict[tuple[int, int, str, tuple[str, ...]], int] = field(default_factory=dict)

    def edge(self, a: int, b: int, style: str, marks: list[str], label: str, title: str) -> int:
        key = (a, b, style, tuple(marks))
        if key not in self.edge_index:
            self.edge_index[key] = len(self.edges)
            self.edges.append({"from": a, "to": b, "style": style, "marks": marks, "label": label, "titles": set()})
        self.edges[self.edge_index[key]]["titles"].add(title)
        return self.edge_index[key]


def map_model(ws: Workspace, selection: MapSelection) -> dict[str, object]:
    """The page's model: nodes, edges, one row per path, styles; the same graph gives the same model."""
    tg = ws.transfer_graph()
    chosen = select_paths(tg, selection)
    processors = {b for _, b, d in tg.graph.edges(data=True) if d["relation"] == "processor"}
    ids = sorted({n for p in chosen for n in p.nodes}, key=lambda n: (tg.label(n), n))
    kinds = {n: node_kind(ws, tg, n, processors) for n in ids}
    services_of: dict[str, set[str]] = {}
    for p in chosen:
        for n in p.nodes:
            services_of.setdefault(n, set()).add(p.service)
    processor_of = {s: b for s, b, d in tg.graph.edges(data=True) if d["relation"] == "processor"}
    home = {a: b for a, b, d in tg.graph.edges(data=True) if d["relation"] == "located in"}
    categories = _categories(ws, {p.service for p in chosen})
    tia_status = {s.hop: s.status for s in tia.hop_statuses(ws)}

    built = _Builder()
    for n in ids:
        built.index[n] = len(built.nodes)
        built.nodes.append(_node(tg, n, kinds[n], services_of.get(n, set()), processor_of, home))
    if selection.show_data:
        _add_categories(built, categories, kinds)

    rows = []
    for p in chosen:
        hop_edges = []
        chain = [built.index[n] for n in p.nodes]
        for i, (hop, (a, b)) in enumerate(zip(p.hops, pairwise(chain), strict=True)):
            where = f"{hop.document}, line {hop.line}" if hop.document and hop.line else hop.document
            if i == len(p.hops) - 1:  # the hop into the country: the transfer
                style, marks = transfer_style(p.zone, p.transfer, tia_status)
                source, line = (p.transfer.document, p.transfer.line) if p.transfer else ("", None)
                title = (
                    f"{hop.source} -> {hop.target}\ntransfer: {_words(p.transfer) or BASES[style].legend}"
                    + (f"\n{'; '.join(MARKS[m].legend for m in marks)}" if marks else "")
                    + (f"\nsource: {source}" + (f", line {line}" if line else "") if source else "")
                )
                hop_edges.append(built.edge(a, b, style, marks, edge_label(style, marks), title))
                continue
            link = {"data of": "subjects", "processor": "processor"}.get(hop.relation, "engages")
            title = (
                f"{hop.source} -> {hop.target}\n{hop.relation}"
                + (f"\n{hop.basis}" if link == "engages" else "")
                + (f"\nsource: {where}" if where else "")
            )
            hop_edges.append(built.edge(a, b, link, [], "", title))
        style, marks = transfer_style(p.zone, p.transfer, tia_status)
        line = p.transfer.line if p.transfer else None
        rows.append(
            {  # service, data subjects, country and path: from the nodes, in the page
                "nodes": chain,
                "edges": hop_edges,
                "zone": p.zone,
                "kind": style,
                "marks": marks,
                "basis": _words(p.transfer) or BASES[style].legend if style != "eea" else "within the EU/EEA",
                "missing": p.missing_basis,
                "document": p.transfer.document if p.transfer else "",
                "line": "" if line is None else str(line),
            }
        )
    for edge in built.edges:
        edge["title"] = "\n".join(sorted(edge.pop("titles")))
    for node in built.nodes:
        if node["kind"] == "service":
            node["categories"] = "; ".join(categories.get(node["id"], []))
    return {"nodes": built.nodes, "edges": built.edges, "rows": rows, "styles": styles()}


def _words(transfer: paths.TransferHop | None) -> str:
    """The basis of a path's transfer in words ("" for a path without one)."""
    return transfer.basis.text if transfer is not None else ""


def _node(
    tg: paths.TransferGraph,
    node: str,
    kind: str,
    services: set[str],
    processor_of: dict[str, str],
    home: dict[str, str],
) -> dict[str, object]:
    label = tg.label(node)
    title = [label, f"kind: {NODE_STYLES[kind].legend}"]
    groups: list[list[str]] = []
    if kind == "service":
        proc = processor_of.get(node)
        groups.append([f"processor:{proc}", f"services of {tg.label(proc)}" if proc else "services without processor"])
    elif LAYERS[kind] == 3 or kind == "processor":
        country = home.get(node)
        name = tg.label(country) if country else "unknown country"
        zone = (
            "unknown"
            if country is None
            else ("third country" if country == paths.UNDISCLOSED_COUNTRY else tg.countries[country].zone)
        )
        title.append(f"country: {name}")
        groups.append([f"in:{country}", f"{'processors' if kind == 'processor' else 'sub-processors'} in {name}"])
        groups.append([f"zone:{zone}", f"{'processors' if kind == 'processor' else 'sub-processors'} in {_zone(zone)}"])
    elif LAYERS[kind] == 4:
        groups.append([f"countries:{kind}", "countries in the EU/EEA" if kind == "EU/EEA" else _zone(kind)])
    else:
        groups.append([f"layer0:{kind}", NODE_STYLES[kind].legend])
    if kind != "service":
        names = sorted(tg.label(s) for s in services)
        title.append(
            f"services depending on it ({len(names)}): "
            + "; ".join(names[:12])
            + (f"; ... {len(names) - 12} more" if len(names) > 12 else "")
        )
        if LAYERS[kind] in (2, 3) and len(names) > 1:
            label += f"\n(shared by {len(names)} services)"
    return {
        "id": node,
        "label": label,
        "kind": kind,
        "layer": LAYERS[kind],
        "title": "\n".join(title),
        "groups": groups,
    }


ZONE_NAMES = {"EU/EEA": "the EU/EEA", "adequate": "adequate countries", "third country": "third countries"}


def _zone(zone: str) -> str:
    return ZONE_NAMES.get(zone, zone)


def _categories(ws: Workspace, services: set[str]) -> dict[str, list[str]]:
    """The English names of the categories of personal data each service declares Yes."""
    if not services:
        return {}
    declared = impact.declarations(ws.asserted, services)
    return {s: sorted({d.name for d in rows if d.kind == "personal data"}) for s, rows in declared.items()}


def _add_categories(built: _Builder, categories: dict[str, list[str]], kinds: dict[str, str]) -> None:
    """Data-category nodes (layer 0) linked to the services that declare them."""
    for service in sorted(s for s, k in kinds.items() if k == "service"):
        for name in categories.get(service, []):
            key = f"category:{name}"
            if key not in built.index:
                built.index[key] = len(built.nodes)
                built.nodes.append(
                    {
                        "id": key,
                        "label": name,
                        "kind": "data-category",
                        "layer": 0,
                        "title": f"{name}\nkind: category of personal data",
                        "groups": [["layer0:data-category", "categories of personal data"]],
                    }
                )
            built.edge(built.index[key], built.index[service], "data", [], "", f"{name} -> service")


def styles() -> dict[str, object]:
    """Every style the page may draw, with its legend text (the page lists those in view)."""
    edge = {k: vars(s) | {"group": "basis"} for k, s in BASES.items()}
    edge |= {k: vars(s) | {"group": "link"} for k, s in LINKS.items()}
    return {
        "edges": edge,
        "marks": {k: vars(m) for k, m in MARKS.items()},
        "nodes": {k: vars(s) for k, s in NODE_STYLES.items()},
    }


def render_map(
    ws: Workspace, selection: MapSelection, embedded: bool = False, model: dict[str, object] | None = None
) -> str:
    """The HTML page of the transfer map (``embedded``: framed in the report, no page header); ``model``:
    the selection's ``map_model`` when already computed."""
    model = model if model is not None else map_model(ws, selection)
    template = environment().get_template("transfer-map.html.j2")
    return template.render(title=selection.title, notes=selection.notes, model=model, embedded=embedded)
