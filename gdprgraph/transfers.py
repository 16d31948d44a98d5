"""Every hop of personal data to a third country, one row each, with its Chapter V basis in kinds a
table can filter on (adequacy, DPF, SCC, BCR, derogation, NO BASIS) and its source."""

from __future__ import annotations

from dataclasses import dataclass

from . import paths
from .basis import Basis, Kind, kinds_of
from .workspace import Workspace

#: the kinds of basis, in the order a filter lists them
BASIS_KINDS = tuple(Kind)
NAMED, UNDISCLOSED = "named", "communicated separately"


@dataclass(frozen=True)
class Transfer:
    """One hop from an exporter to an importer in a third country (or one not disclosed)."""

    service: str
    service_name: str
    exporter: str
    exporter_name: str
    importer: str
    importer_name: str
    country: str
    country_name: str
    basis: Basis
    disclosure: str
    document: str
    line: int | None

    @property
    def kinds(self) -> tuple[Kind, ...]:
        return self.basis.kinds

    @property
    def missing_basis(self) -> bool:
        return self.basis.missing


#: the kinds of basis a hop's words name (the transfer graph computes them once: Transfer.kinds)
basis_kinds = kinds_of


def third_country_transfers(ws: Workspace) -> list[Transfer]:
    """Every hop to a third country in the estate's transfer graph (paths.build), sorted by service,
    exporter, importer; hops to organisations whose entities are communicated separately included."""
    tg = ws.transfer_graph()
    sources = ws.kept(
        "transfers: undisclosed rows",
        lambda: {
            str(row["row"]): (str(row["document"] or ""), int(row["line"]) if row["line"] is not None else None)
            for row in ws.run_unbound("undisclosed-subprocessors").rows
        },
    )
    found = []
    for exporter, importer, data in tg.graph.edges(data=True):
        if data["relation"] == "engages (not disclosed)":
            country, disclosure = paths.UNDISCLOSED_COUNTRY, UNDISCLOSED
            document, line = sources.get(importer, ("", None))
        elif data["relation"] == "engages":
            country, disclosure = data.get("country", ""), NAMED
            document, line = data.get("document", ""), data.get("line")
        else:
            continue
        known = tg.countries.get(country)
        if known is not None and known.eea:
            continue
        service = data["service"]
        found.append(
            Transfer(
                service,
                tg.label(service),
                exporter,
                tg.label(exporter),
                importer,
                tg.label(importer),
                country,
                tg.label(country) if country else "country unknown",
                data["basis"],
                disclosure,
                document,
                line,
            )
        )
    found.sort(key=lambda t: (t.service_name, t.exporter_name, t.importer_name, t.country_name))
    return found
