"""``gdprgraph store status|gc``: the generations a store holds, who writes it, and removing leftovers.

A generation is *current* (the one that answers), *in progress* (being built: under the writers'
lock on disk, under a live lease on a server) or an *orphan* (left by a build that failed or was
killed: nothing lists or reads it). ``gc`` removes orphans, never the current generation nor one in
progress; on disk it also removes the files of a store made before generations, and reports the
folder's size before and after (each generation is optimised when built); on a server it reports the
triples in gdprgraph's graphs before and after, and removes expired leases.

Order matters on a server, where nothing is locked: the graphs are listed *before* the control
graph (current generation, leases) is read. A build that starts after the listing made no graph
the listing holds; one that started before it recorded its generation in its lease first, so
``gc`` sees it in progress. (``store status`` reads the same way.)
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .. import resources
from .dataset import GENERATION_PREFIX, Dataset
from .disk import DiskGc, DiskStatus, size_text
from .lease import LeaseInfo, leases, live_leases, remove_lease

_GENERATION_GRAPH = re.compile(r"^urn:gdprgraph:graph:([0-9A-Za-z]+)(?::|$)")
STAGING_PREFIX = "urn:gdprgraph:staging:"


@dataclass
class RemoteGeneration:
    """One generation's graphs on a server."""

    id: str
    state: str
    asserted: int = 0
    inferred: int = 0
    #: triples of its other graphs (staging graphs of an upload cut short)
    other: int = 0
    graphs: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def triples(self) -> int:
        return self.asserted + self.inferred + self.other


@dataclass
class RemoteStatus:
    location: str
    generations: list[RemoteGeneration]
    leases: list[LeaseInfo]
    expired: int = 0

    @property
    def triples(self) -> int:
        return sum(g.triples for g in self.generations)


@dataclass
class RemoteGc:
    location: str
    before: int
    after: int
    removed: list[RemoteGeneration]
    leases_removed: int = 0


# -- on a server --------------------------------------------------------------------------------------
def remote_status(dataset: Dataset) -> RemoteStatus:
    """The generations on a server (graphs listed first, then the control graph read)."""
    counts = {
        str(row.term("graph")): int(row.term("triples"))
        for row in dataset.query(resources.internal_query("store-graphs"), None, [])
    }
    current = dataset.current()
    every = leases(dataset)
    alive = live_leases(dataset)
    building = {lease.building: lease for lease in alive if lease.building}
    generations: dict[str, RemoteGeneration] = {}
    for graph, triples in sorted(counts.items()):
        match = _GENERATION_GRAPH.match(graph)
        key = match.group(1) if match else "staging"
        entry = generations.setdefault(key, RemoteGeneration(key, "orphan"))
        entry.graphs.append(graph)
        if match and graph.endswith(":asserted"):
            entry.asserted += triples
        elif match and graph.endswith(":inferred"):
            entry.inferred += triples
        else:
            entry.other += triples
    for key, entry in generations.items():
        base = GENERATION_PREFIX + key
        if current is not None and current.asserted.startswith(base + ":"):
            entry.state = "current"
        elif base in building:
            entry.state, entry.note = "in progress", building[base].describe()
        elif key == "staging":
            entry.state = "in progress" if alive else "orphan"
            entry.note = "staging graphs of an upload" + (" (a build holds the lease)" if alive else "")
    for base, lease in building.items():  # a build that has not sent a graph yet
        key = base.removeprefix(GENERATION_PREFIX)
        if key not in generations:
            generations[key] = RemoteGeneration(key, "in progress", note=lease.describe())
    if current is not None and current.id not in generations:  # an empty build
        generations[current.id] = RemoteGeneration(current.id, "current")
    order = {"current": 0, "in progress": 1, "orphan": 2}
    listed = sorted(generations.values(), key=lambda g: (order[g.state], g.id))
    return RemoteStatus(dataset.location, listed, alive, len(every) - len(alive))


def remote_gc(dataset: Dataset) -> RemoteGc:
    """Drop the orphan generations of a server; remove expired and abandoned leases."""
    before = remote_status(dataset)
    removed = []
    for generation in before.generations:
        if generation.state != "orphan":
            continue
        for graph in generation.graphs:
            dataset.drop(graph)
        removed.append(generation)
    stale = [lease for lease in leases(dataset) if lease.expires <= time.time() or lease.abandoned()]
    for lease in stale:
        remove_lease(dataset, lease.iri)
    after = remote_status(dataset)
    return RemoteGc(dataset.location, before.triples, after.triples, removed, len(stale))


# -- text ------------------------------------------------------------------------------------------------
def _table(columns: list[str], values: Iterable[Sequence[object]]) -> list[str]:
    rows = [["" if v is None else str(v) for v in row] for row in values]
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return lines


def status_text(result: DiskStatus | RemoteStatus) -> str:
    if isinstance(result, DiskStatus):
        lines = [
            f"store oxigraph:{result.location} ({size_text(result.size)} on disk)",
            f"writer: {result.holder.describe() if result.holder else 'none'}",
        ]
        lines += _table(
            ["generation", "state", "asserted", "inferred", "size", "note"],
            [[g.name, g.state, g.asserted, g.inferred, size_text(g.size), g.note] for g in result.generations],
        )
        if result.legacy:
            lines.append(
                f"files of a store made before generations: {size_text(result.legacy)} (store gc removes them)"
            )
        orphans = sum(1 for g in result.generations if g.state == "orphan")
        lines.append(f"({len(result.generations)} generation(s), {orphans} orphan(s))")
        return "\n".join(lines)
    lines = [f"store sparql:{result.location}"]
    if result.leases:
        lines += [f"lease: {lease.describe()}" for lease in result.leases]
    else:
        lines.append("lease: none")
    lines += _table(
        ["generation", "state", "asserted", "inferred", "other", "note"],
        [[g.id, g.state, g.asserted, g.inferred, g.other or "", g.note] for g in result.generations],
    )
    orphans = sum(1 for g in result.generations if g.state == "orphan")
    lines.append(
        f"({len(result.generations)} generation(s), {orphans} orphan(s); {result.triples} triples in "
        f"gdprgraph's graphs" + (f"; {result.expired} expired or abandoned lease(s)" if result.expired else "") + ")"
    )
    return "\n".join(lines)


def gc_text(result: DiskGc | RemoteGc) -> str:
    if isinstance(result, DiskGc):
        lines = [f"removed {g.name} (orphan, {size_text(g.size)})" for g in result.removed]
        lines += [f"kept {g.name} ({g.note.removeprefix('kept: ')}, {size_text(g.size)})" for g in result.kept]
        if result.legacy:
            lines.append(f"removed the files of a store made before generations ({size_text(result.legacy)})")
        if not (result.removed or result.legacy):
            lines.append("nothing to remove")
        lines.append(
            f"oxigraph:{result.location}: {size_text(result.before)} on disk before, {size_text(result.after)} after"
        )
        return "\n".join(lines)
    lines = [
        f"removed generation {g.id} (orphan: {g.triples} triples in {len(g.graphs)} graph(s))" for g in result.removed
    ]
    if result.leases_removed:
        lines.append(f"removed {result.leases_removed} expired or abandoned lease(s)")
    if not (result.removed or result.leases_removed):
        lines.append("nothing to remove")
    lines.append(
        f"sparql:{result.location}: {result.before} triples in gdprgraph's graphs before, {result.after} after"
    )
    return "\n".join(lines)
