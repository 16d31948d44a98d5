"""An Oxigraph store on disk (``oxigraph:PATH``): a folder of generations; one writer, readers never blocked.

Layout of ``PATH``:

- ``gen-<id>/``: one generation, a complete Oxigraph store holding the asserted and the inferred
  named graphs of one build. A build writes it once, optimises it, closes it; after that it is
  only read (``pyoxigraph.Store.read_only``: opening a store read-only while another process writes
  it is undefined behaviour, so nobody ever does).
- ``current.json``: the generation that answers, the fingerprint and stamp of its inputs and its
  triple counts; replaced atomically (written beside it, then renamed) once a generation is
  complete: the switch.
- ``writer.lock``: the writers' lock (``fcntl.flock``, exclusive). A build or ``store gc`` holds
  it and writes into it its pid, host, purpose, start and the generation it builds. A second writer
  waits (``wait`` seconds) or gets StoreBusyError naming the holder. The kernel releases the lock
  of a killed process.
- ``gen-<id>.readers``: readers of a generation hold a shared flock on it while the generation
  is open; a generation is deleted only under an exclusive one, so never while it is read.

A reader reads ``current.json`` and opens that generation read-only: a build in progress does not
block it, and it answers from the previous generation until the switch. Leftovers of interrupted
builds (a generation folder that is not current and not being built) are removed by the next build
and by ``store gc``; so are the RocksDB files of a store made by gdprgraph before generations
(one store in ``PATH`` itself).
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import re
import shutil
import socket
import tempfile
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib.term import Node

try:
    import fcntl
except ImportError:  # not a POSIX system: on-disk stores are refused (see DiskStore._prepare)
    fcntl = None  # type: ignore[assignment]  # typeshed has the module, not its absence

from ..errors import InputError, StoreBusyError, StoreError
from .dataset import Dataset, Generation, fingerprint, stamp
from .oxigraph import OxigraphDataset, solutions

log = logging.getLogger(__name__)

CURRENT = "current.json"
WRITER_LOCK = "writer.lock"
GENERATION = re.compile(r"^gen-([0-9a-f]{32})$")
#: files of a store written by gdprgraph before generations (RocksDB in PATH itself)
LEGACY = re.compile(
    r"^(CURRENT|IDENTITY|LOCK|LOG(\.old\.\d+)?|MANIFEST-\d+|OPTIONS-\d+(\.dbtmp)?"
    r"|\d+\.(sst|log|blob)|bulk-\d+\.sst)$"
)


def folder_size(path: Path) -> int:
    """Bytes on disk under a path (allocated blocks, as ``du`` counts them)."""
    total = 0
    if path.is_file():
        return path.stat().st_blocks * 512
    for root, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
    return total


def size_text(size: float) -> str:
    """Bytes as a short text (``12.3 MB``)."""
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


@dataclass(frozen=True)
class Pointer:
    """What ``current.json`` says: the generation that answers."""

    generation: Generation
    asserted_triples: int | None = None
    inferred_triples: int | None = None
    built: str = ""

    @property
    def name(self) -> str:
        return f"gen-{self.generation.id}"


@dataclass(frozen=True)
class Holder:
    """The process holding the writers' lock, as it wrote itself into the lock file."""

    pid: int
    host: str
    purpose: str
    since: float
    building: str | None = None

    def describe(self) -> str:
        from .lease import when

        if not self.pid:
            return "another process holds its lock"
        building = f", building {self.building}" if self.building else ""
        return f"{self.purpose} by pid {self.pid} on {self.host} since {when(self.since)}{building}"


class WriterLock:
    """The writers' lock, held (an open file with an exclusive flock)."""

    def __init__(self, path: Path, fd: int, purpose: str) -> None:
        self.path, self.fd, self.purpose = path, fd, purpose
        self.since = time.time()
        self.note()

    def note(self, building: str | None = None) -> None:
        """Write who holds the lock (and what it builds) into the lock file."""
        text = (
            json.dumps(
                {
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                    "purpose": self.purpose,
                    "since": self.since,
                    "building": building,
                }
            )
            + "\n"
        )
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, text.encode(), 0)

    def release(self) -> None:
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, 0)
            os.close(self.fd)  # closing releases the flock
            self.fd = -1

    def __enter__(self) -> WriterLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class OpenGeneration:
    """A generation folder open read-only, and its readers' lock (a shared flock), released when the
    last reader using it is gone."""

    def __init__(self, store: DiskStore, name: str, lock_fd: int) -> None:
        try:
            self.store = ox.Store.read_only(str(store.path / name))
        except OSError as err:
            os.close(lock_fd)
            raise StoreError(
                f"cannot open the store oxigraph:{store.location} ({name}): {' '.join(str(err).split())}"
            ) from None
        weakref.finalize(self, os.close, lock_fd)


class GenerationReader(OxigraphDataset):
    """One generation of an on-disk store, read-only (the open folder shared by the readers of one
    process).

    Writes (a session's own edits, such as an incremental re-validation's) go to a private copy,
    made at the first write: the generation on disk stays what its build made, for every reader.
    The copy is a checkpoint of the generation in a private temporary folder (hard links to its
    files where the file system allows: 20 ms whatever the size, where copying the quads into
    memory took 4 s at 1 000 generated services and 50 s at 10 000), removed with the reader.
    """

    def __init__(self, store: DiskStore, name: str, opened: OpenGeneration) -> None:  # not super().__init__
        self.path = store.path / name
        self.location = store.location
        self.name = name
        self.store = opened.store
        self.read_only = True
        self._opened: OpenGeneration | None = opened

    def _detach(self) -> None:
        if self.read_only:
            private = Path(tempfile.mkdtemp(prefix="gdprgraph-private-"))
            weakref.finalize(self, shutil.rmtree, private, True)
            try:
                self.store.backup(str(private / "copy"))
                copy = ox.Store(str(private / "copy"))
            except (OSError, ValueError) as err:  # a store that cannot make checkpoints: copy the quads
                log.info("%s: no checkpoint (%s): copying into memory", self.location, err)
                copy = ox.Store()
                copy.bulk_extend(self.store.quads_for_pattern(None, None, None, None))
            self.store, self.read_only, self.path, self._opened = copy, False, None, None
            log.info("%s: writing to a private copy (the store on disk is only written by build)", self.location)

    def update(self, sparql: str) -> None:
        self._detach()
        super().update(sparql)

    def load_file(self, path: Path, graph: str) -> None:
        self._detach()
        super().load_file(path, graph)

    def insert(self, triples: Iterable[tuple[Node, Node, Node]], graph: str) -> None:
        self._detach()
        super().insert(triples, graph)

    def remove(self, triples: Iterable[tuple[Node, Node, Node]], graph: str) -> None:
        self._detach()
        super().remove(triples, graph)

    def drop(self, graph: str) -> None:
        self._detach()
        super().drop(graph)

    def copy_from(self, other: OxigraphDataset) -> None:
        self._detach()
        super().copy_from(other)

    def load_ntriples(self, data: bytes, graph: str) -> None:
        self._detach()
        super().load_ntriples(data, graph)


@dataclass
class GenerationInfo:
    """One generation folder, as ``store status`` and ``store gc`` see it."""

    name: str
    state: str  # current, in progress, orphan
    size: int
    asserted: int | None = None
    inferred: int | None = None
    note: str = ""


@dataclass
class DiskStatus:
    location: str
    size: int
    generations: list[GenerationInfo]
    holder: Holder | None
    legacy: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class DiskGc:
    location: str
    before: int
    after: int
    removed: list[GenerationInfo]
    kept: list[GenerationInfo]
    legacy: int = 0


class DiskStore:
    """``oxigraph:PATH``: see the module's description."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        self._opened: weakref.WeakValueDictionary[str, OpenGeneration] = weakref.WeakValueDictionary()

    # -- files ----------------------------------------------------------------------------------
    def _prepare(self) -> None:
        if fcntl is None:
            raise StoreError("an on-disk store needs file locks (fcntl), which this system lacks")
        if self.path.exists() and not self.path.is_dir():
            raise InputError("not a folder (an on-disk store is a folder)", self.location)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise InputError(f"cannot create the store folder ({err.strerror})", self.location) from None

    def current(self) -> Pointer | None:
        """The generation ``current.json`` names, if any (and if its folder exists)."""
        try:
            data = json.loads((self.path / CURRENT).read_text(encoding="utf-8"))
            generation = Generation(data["asserted"], data["inferred"], data["fingerprint"], data.get("stamp", ""))
            pointer = Pointer(
                generation, data.get("asserted_triples"), data.get("inferred_triples"), data.get("built", "")
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise StoreError(f"the store {self.location}: unreadable {CURRENT} ({err}); run gdprgraph build") from None
        return pointer if (self.path / pointer.name).is_dir() else None

    def _switch(self, pointer: Pointer) -> None:
        """Replace ``current.json`` atomically (and durably)."""
        from .lease import when

        data = {
            "generation": pointer.name,
            "asserted": pointer.generation.asserted,
            "inferred": pointer.generation.inferred,
            "fingerprint": pointer.generation.fingerprint,
            "stamp": pointer.generation.stamp,
            "asserted_triples": pointer.asserted_triples,
            "inferred_triples": pointer.inferred_triples,
            "built": pointer.built or when(time.time()),
        }
        temporary = self.path / f"{CURRENT}.{os.getpid()}.tmp"
        with temporary.open("w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path / CURRENT)
        with contextlib.suppress(OSError):
            folder = os.open(self.path, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)

    def generation_names(self) -> list[str]:
        if not self.path.is_dir():
            return []
        return sorted(p.name for p in self.path.iterdir() if p.is_dir() and GENERATION.match(p.name))

    def legacy_files(self) -> list[Path]:
        if not self.path.is_dir():
            return []
        return sorted(p for p in self.path.iterdir() if p.is_file() and LEGACY.match(p.name))

    # -- the writers' lock ----------------------------------------------------------------------
    def try_writer(self, purpose: str) -> WriterLock | None:
        """The writers' lock if free now, else None. (Tried a few times over 50 ms: ``holder``, in
        another process, takes a shared lock for an instant to see whether anyone writes.)"""
        self._prepare()
        fd = os.open(self.path / WRITER_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        for attempt in range(6):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return WriterLock(self.path / WRITER_LOCK, fd, purpose)
            except OSError as err:
                if err.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise StoreError(f"cannot lock the store oxigraph:{self.location}: {err.strerror}") from None
            if attempt < 5:
                time.sleep(0.01)
        os.close(fd)
        return None

    def writer(self, purpose: str, wait: float = 0.0) -> WriterLock:
        """The writers' lock, waiting up to ``wait`` seconds; StoreBusyError naming the holder after."""
        deadline = time.monotonic() + max(0.0, wait)
        while True:
            lock = self.try_writer(purpose)
            if lock is not None:
                return lock
            if time.monotonic() >= deadline:
                holder = self.holder()
                waited = f" (waited {wait:g} s)" if wait else ""
                raise StoreBusyError(
                    f"the store oxigraph:{self.location} is busy: "
                    + (holder.describe() if holder else "another process holds its lock")
                    + f"{waited}; try again later or pass --wait SECONDS"
                )
            time.sleep(min(0.2, max(0.01, deadline - time.monotonic())))

    def holder(self) -> Holder | None:
        """Who holds the writers' lock now (None if nobody does)."""
        lock_path = self.path / WRITER_LOCK
        if not lock_path.is_file():
            return None
        try:
            fd = os.open(lock_path, os.O_RDONLY)
        except OSError:
            return None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                return None  # nobody holds it exclusively
            except OSError:
                pass
            text = os.pread(fd, 4096, 0).decode("utf-8", errors="replace")
        finally:
            os.close(fd)
        try:
            data = json.loads(text)
            return Holder(
                int(data["pid"]),
                str(data["host"]),
                str(data.get("purpose", "build")),
                float(data["since"]),
                data.get("building"),
            )
        except (ValueError, KeyError, TypeError):  # it has just taken the lock, and not yet said who it is
            return Holder(0, "", "a writer", time.time())

    # -- readers --------------------------------------------------------------------------------
    def reader(self, pointer: Pointer) -> tuple[GenerationReader, Pointer]:
        """The generation a pointer names, open read-only (and the pointer actually opened: if that
        generation was removed meanwhile, the current one)."""
        for _ in range(20):
            opened = self._opened.get(pointer.name)
            if opened is not None:
                return GenerationReader(self, pointer.name, opened), pointer
            try:
                fd = os.open(self.path / f"{pointer.name}.readers", os.O_RDONLY)
            except FileNotFoundError:
                fd = -1
            if fd >= 0:
                fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while the generation is being deleted
                if (self.path / pointer.name).is_dir():
                    opened = OpenGeneration(self, pointer.name, fd)
                    self._opened[pointer.name] = opened
                    return GenerationReader(self, pointer.name, opened), pointer
                os.close(fd)
            newer = self.current()
            if newer is None:
                break
            pointer = newer
        raise StoreError(
            f"the store oxigraph:{self.location} holds no complete build; run: gdprgraph build --store "
            f"oxigraph:{self.location}"
        )

    # -- building -------------------------------------------------------------------------------
    def ensure(
        self,
        files: Sequence[Path],
        fill: Callable[[Dataset, Generation], None],
        *,
        build: bool = False,
        wait: float = 0.0,
    ) -> tuple[GenerationReader, Generation, bool]:
        """The generation built from these files, open read-only; built first if needed.

        ``build``: the caller is a build (it waits for another writer, or fails). Otherwise, when
        the inputs changed but another process is building, the previous generation answers.
        Returns the reader, the generation and whether it was built now.
        """
        self._prepare()
        quick = stamp(files)
        current = self.current()
        if current is not None and current.generation.stamp == quick:
            return self._open(current, False)
        key = fingerprint(files)
        if current is not None and current.generation.fingerprint == key:
            lock = self.try_writer("restamp")  # files touched, not changed: record it if nobody writes
            if lock is not None:
                with lock:
                    latest = self.current()
                    if latest is not None and latest.name == current.name:
                        current = Pointer(
                            Generation(current.generation.asserted, current.generation.inferred, key, quick),
                            current.asserted_triples,
                            current.inferred_triples,
                            current.built,
                        )
                        self._switch(current)
            return self._open(current, False)
        if build or current is None:
            lock = self.writer("build", wait)
        else:
            lock = self.try_writer("build")
            if lock is None:
                holder = self.holder()
                log.warning(
                    "%s: the input files changed, but a build is in progress (%s): answering from the previous build",
                    self.location,
                    holder.describe() if holder else "another process",
                )
                return self._open(current, False)
        with lock:
            latest = self.current()  # another writer may have built it while we waited
            if latest is not None and latest.generation.fingerprint == key:
                if latest.generation.stamp != quick:
                    latest = Pointer(
                        Generation(latest.generation.asserted, latest.generation.inferred, key, quick),
                        latest.asserted_triples,
                        latest.inferred_triples,
                        latest.built,
                    )
                    self._switch(latest)
                return self._open(latest, False)
            self._remove_leftovers(keep={latest.name} if latest else set())
            generation = Generation.new(key, quick)
            name = f"gen-{generation.id}"
            lock.note(building=name)
            counts = self._fill(name, generation, fill)
            (self.path / f"{name}.readers").touch()
            pointer = Pointer(generation, *counts)
            self._switch(pointer)
            if latest is not None and not self._delete(latest.name):
                log.info(
                    "%s: the previous build %s is still read; store gc or the next build removes it",
                    self.location,
                    latest.name,
                )
        return self._open(pointer, True)

    def _open(self, pointer: Pointer, built: bool) -> tuple[GenerationReader, Generation, bool]:
        reader, opened = self.reader(pointer)
        return reader, opened.generation, built

    def _fill(self, name: str, generation: Generation, fill: Callable[[Dataset, Generation], None]) -> tuple[int, int]:
        """Fill a new generation folder, optimise and close it; removed again on any error."""
        folder = self.path / name
        try:
            target = OxigraphDataset(folder)
            fill(target, generation)
            counts = (target.count([generation.asserted]), target.count([generation.inferred]))
            target.store.flush()
            target.store.optimize()
            del target  # closes the store: from now on the generation is only read
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return counts

    def _delete(self, name: str) -> bool:
        """Remove a generation folder unless it is being read; True if removed."""
        readers = self.path / f"{name}.readers"
        fd = os.open(readers, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return False
            shutil.rmtree(self.path / name, ignore_errors=True)
            readers.unlink(missing_ok=True)
            return not (self.path / name).exists()
        finally:
            os.close(fd)

    def _remove_leftovers(self, keep: set[str]) -> tuple[list[GenerationInfo], list[GenerationInfo], int]:
        """Under the writers' lock: remove every generation but ``keep`` (unless read), stray files of
        interrupted switches and the files of a store made before generations. Returns what was
        removed, what was kept because it is read, and the bytes of legacy files removed."""
        removed, kept = [], []
        for name in self.generation_names():
            if name in keep:
                continue
            info = GenerationInfo(name, "orphan", folder_size(self.path / name))
            if self._delete(name):
                removed.append(info)
            else:
                info.note = "kept: being read"
                kept.append(info)
        for stray in self.path.glob(f"{CURRENT}.*.tmp"):
            stray.unlink(missing_ok=True)
        for readers in self.path.glob("gen-*.readers"):
            if not (self.path / readers.name.removesuffix(".readers")).exists():
                self._delete(readers.name.removesuffix(".readers"))
        legacy = 0
        for path in self.legacy_files():
            legacy += folder_size(path)
            path.unlink(missing_ok=True)
        if removed or legacy:
            log.info("%s: removed %d leftover generation(s) of interrupted builds", self.location, len(removed))
        return removed, kept, legacy

    # -- status and gc --------------------------------------------------------------------------
    def status(self) -> DiskStatus:
        if not self.path.is_dir():
            raise InputError("no such store (not a folder)", self.location)
        holder = self.holder()
        current = self.current()
        generations = []
        for name in self.generation_names():
            size = folder_size(self.path / name)
            if current is not None and name == current.name:
                generations.append(
                    GenerationInfo(
                        name, "current", size, current.asserted_triples, current.inferred_triples, current.built
                    )
                )
            elif holder is not None and holder.building == name:
                generations.append(
                    GenerationInfo(name, "in progress", size, note=holder.describe().split(", building")[0])
                )
            else:
                info = GenerationInfo(name, "orphan", size)
                info.asserted, info.inferred = self._count_orphan(name)
                generations.append(info)
        legacy = sum(folder_size(p) for p in self.legacy_files())
        return DiskStatus(self.location, folder_size(self.path), generations, holder, legacy)

    def _count_orphan(self, name: str) -> tuple[int | None, int | None]:
        """Triples of an orphan generation (read-only; None if it cannot be opened)."""
        match = GENERATION.match(name)
        base = f"urn:gdprgraph:graph:{match.group(1)}" if match else ""
        try:
            store = ox.Store.read_only(str(self.path / name))
        except OSError:
            return None, None
        counts = []
        for graph in (f"{base}:asserted", f"{base}:inferred"):
            answer = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graph=[ox.NamedNode(graph)])
            counts.append(int(next(solutions(answer))["n"].value))
        return counts[0], counts[1]

    def gc(self, wait: float = 0.0) -> DiskGc:
        """Remove every generation but the current one (and leftovers): under the writers' lock, so
        never one being built; never one being read."""
        if not self.path.is_dir():
            raise InputError("no such store (not a folder)", self.location)
        before = folder_size(self.path)
        with self.writer("gc", wait):
            current = self.current()
            removed, kept, legacy = self._remove_leftovers(keep={current.name} if current else set())
        return DiskGc(self.location, before, folder_size(self.path), removed, kept, legacy)
