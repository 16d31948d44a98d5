"""The transfer map: a self-contained pyvis (vis-network) page, offline, deterministic and escaped.

Nodes are services, processors, sub-processors, undisclosed rows and countries (data subjects and
data categories on demand); an edge's colour and label say the Chapter V basis of that hop. The
vis-network script and style sheet are inlined from the pyvis package, so the page makes no
network request; every label reaches the page through JSON (``tojson``) or autoescaped HTML, and
vis-network shows string tooltips as text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import pyvis
from pyvis.network import Network
from rdflib import URIRef

from . import paths, resources
from .workspace import Workspace

DPV = "https://w3id.org/dpv#"
GG = "https://w3id.org/gdprgraph/ontology#"

#: (match in the basis text, short label, colour, dashed, width) - first match wins
BASIS_STYLES: tuple[tuple[str, str, str, bool, int], ...] = (
    ("NO BASIS", "NO BASIS", "#d62728", True, 4),
    ("not disclosed", "not disclosed", "#ff7f0e", True, 2),
    ("adequacy", "adequacy", "#2ca02c", False, 2),
    ("Binding corporate rules", "BCRs", "#9467bd", False, 2),
    ("Standard contractual clauses", "SCCs", "#1f77b4", False, 2),
    ("Art. 49", "derogation", "#8c564b", False, 2),
    ("within the EU/EEA", "", "#9e9e9e", False, 1),
)
NODE_STYLES = {
    "service": ("box", "#4e79a7", "#ffffff"),
    "processor": ("dot", "#f28e2b", "#000000"),
    "intra-group": ("dot", "#edc948", "#000000"),
    "supplier": ("dot", "#76b7b2", "#000000"),
    "organisation": ("dot", "#bab0ac", "#000000"),
    "undisclosed": ("box", "#ff9da7", "#000000"),
    "EU/EEA": ("diamond", "#59a14f", "#000000"),
    "adequate": ("diamond", "#e9c46a", "#000000"),
    "third country": ("diamond", "#e15759", "#000000"),
    "data-subjects": ("dot", "#b07aa1", "#000000"),
    "data-category": ("dot", "#9c755f", "#000000"),
}


@dataclass
class MapSelection:
    """What to draw: the paths kept, and whether to add data subjects and data categories."""

    focus: str | None = None
    service: str | None = None
    third_countries_only: bool = False
    show_data: bool = False
    title: str = "Transfer map"
    notes: list[str] = field(default_factory=list)


def edge_style(relation: str, basis: str) -> dict[str, object]:
    """Colour, dashes, width and short label of an edge from its relation and basis."""
    if relation == "processor":
        return {"color": "#555555", "width": 2, "label": "processor", "dashes": False}
    if relation == "located in":
        return {"color": "#cccccc", "width": 1, "label": "", "dashes": False}
    if relation == "data of":
        return {"color": "#b07aa1", "width": 1, "label": "", "dashes": True}
    text = basis or ("not disclosed" if "not disclosed" in relation else "")
    if "not disclosed" in relation and "NO BASIS" not in text:
        short = "not disclosed: " + text.replace(" (in place)", "")
        return {"color": "#ff7f0e", "width": 2, "label": _shorten(short), "dashes": True}
    for needle, short, colour, dashed, width in BASIS_STYLES:
        if needle in text:
            return {"color": colour, "width": width, "label": short, "dashes": dashed}
    return {"color": "#1f77b4", "width": 2, "label": _shorten(text), "dashes": False}


def _shorten(text: str) -> str:
    return (text.replace("Standard contractual clauses", "SCCs").replace("Binding corporate rules", "BCRs")
            .replace(" (in place)", ""))


def select_paths(tg: paths.TransferGraph, selection: MapSelection) -> list[paths.TransferPath]:
    """The paths to draw: all (or third-country ones), optionally of one service or through one node."""
    return paths.transfer_paths(tg, service=selection.service,
                                to="third-countries" if selection.third_countries_only else None,
                                through=selection.focus)


def node_kind(ws: Workspace, tg: paths.TransferGraph, node: str, processors: set[str]) -> str:
    """The style key of a node."""
    kind = tg.graph.nodes[node]["kind"]
    if kind == "country":
        return "third country" if node == paths.UNDISCLOSED_COUNTRY else tg.countries[node].zone
    if kind != "organisation":
        return kind
    if node in processors:
        return "processor"
    types = set(ws.asserted.objects(URIRef(node), URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")))
    if URIRef(GG + "IntraGroupEntity") in types:
        return "intra-group"
    if URIRef(GG + "Supplier") in types:
        return "supplier"
    return "organisation"


@dataclass
class TransferMap:
    """The pyvis network and the list of its transfer hops (for the table under the map)."""

    network: Network
    hops: list[dict[str, str]]
    paths: list[list[str]]


def build_network(ws: Workspace, selection: MapSelection) -> TransferMap:
    """A pyvis Network of the selected paths, styled and sized, in a stable order."""
    tg = paths.build(ws.asserted)
    chosen = select_paths(tg, selection)
    processors = {b for _, b, d in tg.graph.edges(data=True) if d["relation"] == "processor"}
    nodes: set[str] = set()
    edges: dict[tuple[str, str, str], dict[str, object]] = {}
    services_of: dict[str, set[str]] = {}
    sources: dict[str, set[str]] = {}
    drawn: list[list[str]] = []
    for path in chosen:
        kept = path.nodes if selection.show_data else path.nodes[1:]
        if kept not in drawn:
            drawn.append(kept)
        nodes.update(kept)
        for node in kept:
            services_of.setdefault(node, set()).add(path.service)
        for hop, (a, b) in zip(path.hops, zip(path.nodes, path.nodes[1:], strict=False), strict=False):
            if a not in kept:
                continue
            key = (a, b, hop.relation)
            edges.setdefault(key, {"basis": hop.basis, "services": set()})["services"].add(path.service)
            if hop.document:
                sources.setdefault(b, set()).add(f"{hop.document}" + (f", line {hop.line}" if hop.line else ""))
    if selection.show_data:
        for service in sorted({n for n in nodes if tg.graph.nodes[n]["kind"] == "service"}):
            for row in ws.run("data-exposed-to", {"org": str(_processor_of(tg, service))}).rows:
                if str(row["service"]) != service or str(row["kind"]) != "personal data":
                    continue
                category = str(row["category"])
                tg.labels.setdefault(category, str(row["categoryName"]))
                if category not in tg.graph:
                    tg.graph.add_node(category, kind="data-category")
                nodes.add(category)
                services_of.setdefault(category, set()).add(service)
                edges.setdefault((category, service, "data of"), {"basis": "", "services": {service}})

    net = Network(height="100%", width="100%", directed=True, cdn_resources="in_line", bgcolor="#ffffff")
    for node in sorted(nodes, key=lambda n: (tg.label(n), n)):
        kind = node_kind(ws, tg, node, processors)
        shape, colour, font_colour = NODE_STYLES[kind]
        dependants = sorted(tg.label(s) for s in services_of.get(node, set()))
        title = [tg.label(node), f"kind: {kind}"]
        if tg.graph.nodes[node]["kind"] == "organisation":
            home = [tg.label(b) for _, b, d in tg.graph.out_edges(node, data=True) if d["relation"] == "located in"]
            title.append(f"country: {home[0] if home else 'unknown'}")
        if kind != "service":
            title.append(f"services depending on it ({len(dependants)}): " + "; ".join(dependants))
        title += [f"source: {s}" for s in sorted(sources.get(node, set()))]
        size = 10 + 8 * len(dependants) if kind != "service" else 24
        label = tg.label(node)
        if tg.graph.nodes[node]["kind"] == "organisation" and len(dependants) > 1:
            label += f"\n(shared by {len(dependants)} services)"
        net.add_node(node, label=label, title="\n".join(title), shape=shape, size=size,
                     color={"background": colour, "border": "#444444",
                            "highlight": {"background": colour, "border": "#000000"}},
                     font={"color": font_colour if shape == "box" else "#222222", "size": 18},
                     borderWidth=2 if kind == "undisclosed" else 1,
                     shapeProperties={"borderDashes": [6, 4]} if kind == "undisclosed" else {})
    for (a, b, relation), data in sorted(edges.items()):
        style = edge_style(relation, str(data["basis"]))
        services = "; ".join(sorted(tg.label(s) for s in data["services"]))  # type: ignore[union-attr]
        title = f"{tg.label(a)} -> {tg.label(b)}\n{relation}" + (
            f"\nbasis: {data['basis']}" if data["basis"] else "") + f"\nservices: {services}"
        net.add_edge(a, b, title=title, arrows="to", font={"size": 14, "align": "middle"}, **style)
    net.set_options(_OPTIONS)
    hops = [{"source": tg.label(a), "target": tg.label(b), "relation": relation, "basis": str(data["basis"])}
            for (a, b, relation), data in sorted(edges.items())
            if relation.startswith("engages")]
    hops.sort(key=lambda h: (h["source"], h["target"]))
    return TransferMap(net, hops, drawn)


def _processor_of(tg: paths.TransferGraph, service: str) -> str:
    for _, b, d in tg.graph.out_edges(service, data=True):
        if d["relation"] == "processor":
            return b
    return service


_OPTIONS = """{
  "layout": {"randomSeed": 7, "improvedLayout": true},
  "physics": {"solver": "forceAtlas2Based",
              "forceAtlas2Based": {"gravitationalConstant": -90, "springLength": 140, "avoidOverlap": 0.6},
              "stabilization": {"enabled": true, "iterations": 400, "fit": true}},
  "interaction": {"hover": true, "tooltipDelay": 120, "navigationButtons": false, "keyboard": true},
  "edges": {"smooth": {"type": "dynamic"}, "font": {"strokeWidth": 3}},
  "nodes": {"borderWidth": 1, "font": {"face": "sans-serif"}}
}"""


def environment() -> jinja2.Environment:
    """Templates from viz/templates, with pyvis's bundled libraries reachable for inlining."""
    pyvis_templates = Path(pyvis.__file__).parent / "templates"
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(resources.template_dir()), str(pyvis_templates)]),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        keep_trailing_newline=True,
    )


def legend() -> list[dict[str, str]]:
    """Legend entries for the page."""
    entries = [{"kind": "node", "label": key, "colour": colour, "shape": shape}
               for key, (shape, colour, _) in NODE_STYLES.items()]
    entries += [{"kind": "edge", "label": short or "within the EU/EEA (no transfer)", "colour": colour,
                 "shape": "dashed" if dashed else "solid"}
                for _, short, colour, dashed, _ in BASIS_STYLES]
    return entries


def render_map(ws: Workspace, selection: MapSelection) -> str:
    """The HTML page of the transfer map."""
    built = build_network(ws, selection)
    nodes, edges, _, _, _, options = built.network.get_network_data()
    template = environment().get_template("transfer-map.html.j2")
    return template.render(title=selection.title, notes=selection.notes, nodes=nodes, edges=edges,
                           options=options, legend=legend(), hops=built.hops, paths=built.paths)
