"""A vendor and its service, created on the fly when the graph does not hold them yet.

``import-subprocessors FILE --vendor NAME`` (and ``ingest --vendor``) name a vendor a DPO has just
signed: the vendor becomes the processor (``dpv:hasDataProcessor``) of a service named after it
(or after ``--service``), each created only when no entity of the graph already has that name
(exact match after normalisation: a longer name that contains it is another entity).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import RDF, SKOS, Graph, Literal, URIRef

from .. import names
from ..errors import InputError
from ..spelling import normalise
from ..store import MemoryGraph
from ..vocabulary import DPV, GGO, GGS
from . import places
from .emit import Organisations, without_legal_suffix

__all__ = ["Vendor", "ensure_vendor"]


@dataclass
class Vendor:
    """The vendor (processor) and its service; ``triples`` describe what was created, ``created``
    says it in one line per entity."""

    processor: URIRef
    service: URIRef
    triples: list[tuple[URIRef, URIRef, URIRef | Literal]] = field(default_factory=list)
    created: list[str] = field(default_factory=list)


def _exact_service(context: Graph, name: str) -> URIRef | None:
    wanted = normalise(name)
    for iri, labels in names.candidates(MemoryGraph(context), "service").items():
        if any(normalise(label) == wanted for label, _ in labels):
            return iri
    return None


def _fresh(base: URIRef, context: Graph) -> URIRef:
    iri, number = base, 1
    while (iri, None, None) in context:
        number += 1
        iri = URIRef(f"{base}-{number}")
    return iri


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", normalise(text)).strip("-")


def ensure_vendor(context: Graph, vendor: str, country: str | None = None, service: str | None = None) -> Vendor:
    """The vendor ``vendor`` and its service (``service``, default: named after the vendor), found in
    ``context`` by exact normalised name or created (a ``dpv:Organisation`` with ``dpv:hasCountry``
    when ``country`` is given; a ``dpv:Service`` it processes for). Raises InputError on an empty
    name or an unknown country."""
    if not normalise(vendor):
        raise InputError("--vendor: empty vendor name")
    country_iri = None
    if country:
        country_iri = places.country(country)
        if country_iri is None:
            raise InputError(f"--vendor-country: unknown country '{country}' (a name or an ISO code)")
    found = Vendor(URIRef(""), URIRef(""))
    orgs = Organisations.from_graph(context)
    wanted = normalise(vendor)
    known = orgs.by_name.get(wanted) or orgs.by_stripped.get(names.strip_legal_suffix(wanted))
    bare = without_legal_suffix(vendor.strip()).rstrip(" ,;") or vendor.strip()
    if known is not None:
        found.processor = known
    else:
        found.processor = _fresh(GGO[_slug(bare) or "vendor"], context)
        found.triples += [
            (found.processor, RDF.type, DPV.Organisation),
            (found.processor, SKOS.prefLabel, Literal(bare)),
        ]
        if bare != vendor.strip():
            found.triples.append((found.processor, SKOS.altLabel, Literal(vendor.strip())))
        found.created.append(
            f"new vendor '{bare}' <{found.processor}>"
            + (
                f" in {places.countries()[str(country_iri).rsplit('#', 1)[1]].name_en}"
                if country_iri is not None
                else " (no country: give --vendor-country)"
            )
        )
    if country_iri is not None and context.value(found.processor, DPV.hasCountry) is None:
        found.triples.append((found.processor, DPV.hasCountry, country_iri))
        found.triples += places.country_triples(country_iri)
    service_name = (service or bare).strip()
    existing = _exact_service(context, service_name)
    if existing is not None:
        found.service = existing
    else:
        found.service = _fresh(GGS[_slug(service_name) or "service"], context)
        found.triples += [
            (found.service, RDF.type, DPV.Service),
            (found.service, SKOS.prefLabel, Literal(service_name)),
            (found.service, DPV.hasDataProcessor, found.processor),
        ]
        found.created.append(f"new service '{service_name}' <{found.service}> processed by '{bare}'")
    return found
