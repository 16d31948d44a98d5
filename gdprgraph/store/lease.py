"""One writer at a time on a shared SPARQL store: a lease in the control graph.

A build (or anything else that changes which generation a server answers from) first takes the
lease: a resource ``<urn:gdprgraph:lease:ID>`` of the control graph ``urn:gdprgraph:control``
naming its holder (host, process id, a machine key, a random id), what it is for, when it started
and when it expires::

    <urn:gdprgraph:lease:3f2a...> a store:Lease ; store:token "3f2a..." ;
        store:host "ci-7" ; store:pid 4242 ; store:machine "9c1e..." ; store:purpose "build" ;
        store:startedAt 1764831600 ; store:expiresAt 1764831720 ;        # seconds since the epoch
        store:started "2025-12-04T07:00:00Z"^^xsd:dateTime ; store:expires "...07:02:00Z"^^xsd:dateTime ;
        store:building <urn:gdprgraph:graph:8be1...> .                   # once it fills a generation

Taking it is one conditional SPARQL Update (``store-lease-take.ru``: insert only if no unexpired
lease exists), then a read back: the lease is ours only if it is the only unexpired one. Two
processes that insert at the same moment both see two leases, both withdraw, and try again after a
random pause; one that sees another's lease waits (``wait`` seconds) or raises StoreBusyError naming
the holder and its expiry. The expiry is compared as an integer (portable across servers), on the
clocks of the clients: hosts sharing a server keep their clocks in sync (NTP), within the lease's
length.

While held, a thread renews it every third of its length; the generation switch
(``store-switch-leased.ru``) happens only while it is held and no other lease is alive, and is read
back. It is released at the end, on failure too. A holder killed outright leaves its lease until it
expires; one on this machine (same host, boot and process namespace) whose process is gone is
removed at once by the next taker.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import random
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from .. import resources
from ..errors import StoreBusyError, StoreError
from ..processes import process_alive
from .binding import inline_values
from .dataset import Dataset

log = logging.getLogger(__name__)

#: how long a lease lasts without renewal (seconds); $GDPRGRAPH_LEASE_SECONDS overrides it
LEASE_SECONDS = 120
LEASE_PREFIX = "urn:gdprgraph:lease:"
#: how many times two takers that collided withdraw and try again before giving up
_COLLISIONS = 25


def lease_seconds() -> int:
    value = os.environ.get("GDPRGRAPH_LEASE_SECONDS", "")
    return max(2, int(value)) if value.isdigit() else LEASE_SECONDS


def machine_key() -> str:
    """This machine and process namespace: equal keys mean a process id can be checked here."""
    parts = [socket.gethostname()]
    with contextlib.suppress(OSError):
        parts.append(Path("/proc/sys/kernel/random/boot_id").read_text().strip())
    with contextlib.suppress(OSError):
        parts.append(os.readlink("/proc/self/ns/pid"))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def when(seconds: float) -> str:
    """A moment as UTC ISO 8601, to the second."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class LeaseInfo:
    """A lease as read from the control graph."""

    iri: str
    token: str
    host: str
    pid: int
    machine: str
    purpose: str
    started: int
    expires: int
    building: str | None = None

    def describe(self) -> str:
        """``build by pid 4242 on ci-7 (lease 3f2a1b0c) since ..., expires ...``"""
        doing = f"{self.purpose} by pid {self.pid} on {self.host} (lease {self.token[:8]})"
        return f"{doing} since {when(self.started)}, expires {when(self.expires)}"

    def abandoned(self) -> bool:
        """Held by a process of this machine that no longer runs."""
        return self.machine == machine_key() and not process_alive(self.pid)


def leases(dataset: Dataset) -> list[LeaseInfo]:
    """Every lease in the control graph, expired or not."""
    found = []
    for row in dataset.query(resources.internal_query("store-leases"), None, []):
        try:
            found.append(
                LeaseInfo(
                    str(row["lease"]),
                    str(row["token"]),
                    str(row["host"] or "?"),
                    int(row["pid"] or 0),
                    str(row["machine"] or ""),
                    str(row["purpose"] or "build"),
                    int(row["startedAt"] or 0),
                    int(row.term("expiresAt")),
                    str(row["building"]) if row["building"] else None,
                )
            )
        except (TypeError, ValueError):
            continue  # not one of ours
    return found


def live_leases(dataset: Dataset, now: float | None = None) -> list[LeaseInfo]:
    """The unexpired leases, abandoned ones (dead process on this machine) excepted."""
    moment = int(now if now is not None else time.time())
    return [lease for lease in leases(dataset) if lease.expires > moment and not lease.abandoned()]


def remove_lease(dataset: Dataset, iri: str) -> None:
    """Remove a lease from the control graph (store gc: expired or abandoned ones)."""
    dataset.update(inline_values(resources.internal_query("store-lease-release"), {"lease": URIRef(iri)}))


class Lease:
    """The right to change which generation a shared dataset answers from; a context manager."""

    def __init__(self, dataset: Dataset, purpose: str = "build", seconds: int | None = None) -> None:
        self.dataset = dataset
        self.purpose = purpose
        self.seconds = seconds or lease_seconds()
        self.token = uuid.uuid4().hex
        self.iri = LEASE_PREFIX + self.token
        self.held = False
        #: set when a renewal found the lease gone (expired and taken, or removed)
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- taking -------------------------------------------------------------------------------
    def acquire(self, wait: float = 0.0) -> Lease:
        """Take the lease, waiting up to ``wait`` seconds for another holder; StoreBusyError after."""
        deadline = time.monotonic() + max(0.0, wait)
        collisions = 0
        while True:
            self._clear_dead()
            now = time.time()
            started = int(now)
            self._update(
                "store-lease-take",
                {
                    "lease": URIRef(self.iri),
                    "token": Literal(self.token),
                    "host": Literal(socket.gethostname()),
                    "pid": Literal(os.getpid()),
                    "machine": Literal(machine_key()),
                    "purpose": Literal(self.purpose),
                    "startedAt": Literal(started),
                    "expiresAt": Literal(started + self.seconds),
                    "started": Literal(when(started), datatype=XSD.dateTime),
                    "expires": Literal(when(started + self.seconds), datatype=XSD.dateTime),
                    "now": Literal(int(now)),
                },
            )
            alive = live_leases(self.dataset)
            others = [lease for lease in alive if lease.token != self.token]
            mine = any(lease.token == self.token for lease in alive)
            if mine and not others:
                self.held = True
                self._start_renewing()
                log.info("%s: took the lease %s", self.dataset.location, self.token[:8])
                return self
            if mine:  # collided with another taker: both withdraw, one gets in after a random pause
                self._remove()
                collisions += 1
                if collisions <= _COLLISIONS:
                    time.sleep(random.uniform(0.02, 0.25))
                    continue
            if time.monotonic() >= deadline:
                holder = min(others, key=lambda lease: lease.started) if others else None
                waited = f" (waited {wait:g} s)" if wait else ""
                raise StoreBusyError(
                    f"the store sparql:{self.dataset.location} is busy: "
                    + (holder.describe() if holder else "another process holds its lease")
                    + f"{waited}; try again later or pass --wait SECONDS"
                )
            time.sleep(min(0.5, max(0.05, deadline - time.monotonic())))

    def _clear_dead(self) -> None:
        """Remove expired leases, and leases of processes of this machine that no longer run."""
        now = int(time.time())
        self._update("store-lease-expired", {"now": Literal(now)})
        for lease in leases(self.dataset):
            if lease.expires > now and lease.abandoned():
                log.warning(
                    "%s: removing the lease %s of pid %d, which no longer runs",
                    self.dataset.location,
                    lease.token[:8],
                    lease.pid,
                )
                self._update("store-lease-release", {"lease": URIRef(lease.iri)})

    # -- holding ------------------------------------------------------------------------------
    def building(self, base: str) -> None:
        """Record the generation being filled (the common start of its graphs' names)."""
        self._update("store-lease-building", {"lease": URIRef(self.iri), "building": URIRef(base)})

    def renew(self) -> bool:
        """Move the expiry forward; False if the lease is no longer ours."""
        now = int(time.time())
        self._update(
            "store-lease-renew",
            {
                "lease": URIRef(self.iri),
                "now": Literal(now),
                "expiresAt": Literal(now + self.seconds),
                "expires": Literal(when(now + self.seconds), datatype=XSD.dateTime),
            },
        )
        # read back what the update wrote, not whether it is still unexpired by the time the answer
        # arrives: on a loaded machine that can take longer than a short lease lasts
        ours = [
            lease for lease in leases(self.dataset) if lease.token == self.token and lease.expires == now + self.seconds
        ]
        if not ours:
            self.lost.set()
        return bool(ours)

    def check(self) -> None:
        """StoreError if the lease was lost (the build must not publish)."""
        if self.lost.is_set() or not self.renew():
            raise StoreError(
                f"the store {self.dataset.location}: this build lost its lease (it expired and "
                f"another process took it); nothing was published"
            )

    def switch_bindings(self) -> dict[str, URIRef | Literal]:
        """The bindings that make a generation switch conditional on holding this lease."""
        return {"lease": URIRef(self.iri), "now": Literal(int(time.time()))}

    def _start_renewing(self) -> None:
        def renew_until_stopped() -> None:
            while not self._stop.wait(max(1.0, self.seconds / 3)):
                try:
                    if not self.renew():
                        log.warning("%s: the lease %s was lost", self.dataset.location, self.token[:8])
                        return
                except StoreError as err:  # the server may be back before the lease expires
                    log.warning("%s: could not renew the lease: %s", self.dataset.location, err)

        self._stop.clear()
        self._thread = threading.Thread(target=renew_until_stopped, name="gdprgraph-lease", daemon=True)
        self._thread.start()

    # -- releasing ----------------------------------------------------------------------------
    def release(self) -> None:
        """Stop renewing and remove the lease (a failure to remove it is logged: it expires)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        if self.held:
            self.held = False
            try:
                self._remove()
            except StoreError as err:
                log.warning("%s: could not release the lease (it expires by itself): %s", self.dataset.location, err)

    def _remove(self) -> None:
        self._update("store-lease-release", {"lease": URIRef(self.iri)})

    def _update(self, name: str, bindings: dict[str, URIRef | Literal]) -> None:
        self.dataset.update(inline_values(resources.internal_query(name), bindings))

    def __enter__(self) -> Lease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
