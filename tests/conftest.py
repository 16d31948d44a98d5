"""Shared fixtures: the seed graph is loaded once per test session, its closure computed once."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Closures computed by the tests go to a private cache, never the user's.
os.environ.setdefault("GDPRGRAPH_CACHE", tempfile.mkdtemp(prefix="gdprgraph-test-cache-"))

from gdprgraph import (
    Workspace,
    resources,
)

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def slow_tests_run() -> bool:
    """Whether the tests marked ``slow`` run: GDPRGRAPH_SLOW=1 (CI: .ci/run sets it)."""
    return os.environ.get("GDPRGRAPH_SLOW") == "1"


def pytest_collection_modifyitems(config, items) -> None:
    """Skip the tests marked ``slow`` unless GDPRGRAPH_SLOW=1."""
    if slow_tests_run():
        return
    skip = pytest.mark.skip(reason="slow: set GDPRGRAPH_SLOW=1 to run it (CI does)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def seed() -> Workspace:
    """The embedded default graph: ontology + data/."""
    return Workspace()


@pytest.fixture(scope="session")
def sources_dir() -> Path:
    return resources.data_dir() / "sources"


@pytest.fixture(scope="session")
def seed_memory() -> Workspace:
    """The embedded default graph on the plain stack (rdflib, owlrl, pyshacl): the reference."""
    return Workspace(store="memory")


def bench_generator():
    """bench/generate.py as a module (it is a script, not part of the package)."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def estate_files(estate: Path) -> list[Path]:
    """A generated estate with the template and reference data it needs."""
    return [
        estate,
        resources.data_dir() / "templates" / "orange-art28-template.ttl",
        resources.data_dir() / "reference" / "countries-and-adequacy.ttl",
    ]


@pytest.fixture(scope="session")
def generator():
    """bench/generate.py, loaded once."""
    return bench_generator()


@pytest.fixture(scope="session")
def estate_inputs():
    """The function that lists an estate's files with the template and reference data."""
    return estate_files


@pytest.fixture(scope="session")
def small_estate(generator, tmp_path_factory) -> list[Path]:
    """A generated estate of 4 services (seed 7), as the files a Workspace loads."""
    out = tmp_path_factory.mktemp("estate") / "estate-4.ttl"
    assert generator.main(["--services", "4", "--seed", "7", "--out", str(out)]) == 0
    return estate_files(out)


# -- SPARQL servers (tests/test_remote_store.py, tests/test_store_safety.py) ------------------------------
# One Oxigraph server and one Virtuoso server per session, each on a free loopback port with its own
# temporary data folder, stopped at the end. Without the binary a test using one is skipped, or fails
# when GDPRGRAPH_REQUIRE_SERVER=1 (CI).

VIRTUOSO_PASSWORD = "gdprtest" + os.urandom(6).hex()  # letters and digits: virtuoso-t reads "-" as an option


class SparqlServer:
    """A running server: its engine, query URL, credentials line (None if open) and process."""

    def __init__(self, engine: str, url: str, auth: str | None, process, folder: Path) -> None:
        self.engine, self.url, self.auth, self.process, self.folder = engine, url, auth, process, folder

    def dataset(self):
        from gdprgraph.store.auth import parse_credentials
        from gdprgraph.store.remote import SparqlDataset

        return SparqlDataset(self.url, credentials=parse_credentials(self.auth, "test") if self.auth else None)

    def wipe(self) -> None:
        """Remove everything gdprgraph wrote (its graphs and the control graph), nothing else."""
        dataset = self.dataset()
        graphs = [
            str(row["g"])
            for row in dataset.query(
                'SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), "urn:gdprgraph:")) }',
                None,
                [],
            )
        ]
        for graph in graphs:
            dataset.drop(graph)

    def log(self) -> str:
        path = self.folder / "server.log"
        return path.read_text(errors="replace")[-800:] if path.is_file() else ""


def _server_missing(message: str):
    if os.environ.get("GDPRGRAPH_REQUIRE_SERVER") == "1":
        pytest.fail(f"{message} (GDPRGRAPH_REQUIRE_SERVER=1)")
    pytest.skip(message)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(server: SparqlServer, seconds: float) -> None:
    import time

    from gdprgraph.errors import StoreError

    deadline = time.monotonic() + seconds
    dataset = server.dataset()
    while True:
        if server.process.poll() is not None:
            pytest.fail(f"{server.engine} exited with {server.process.returncode}: {server.log()}")
        try:
            dataset.query("ASK { }", None, [])
            return
        except StoreError:
            if time.monotonic() > deadline:
                pytest.fail(f"{server.engine} did not answer at {server.url} within {seconds:g} s: {server.log()}")
            time.sleep(0.1)


def _stop(process) -> None:
    import subprocess

    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_oxigraph(folder: Path) -> SparqlServer:
    """An Oxigraph server (the ``oxigraph`` CLI of the pip package) with its data in ``folder``."""
    import shutil
    import subprocess
    import sys

    beside = Path(sys.executable).parent / "oxigraph"
    binary = str(beside) if beside.is_file() else shutil.which("oxigraph")
    if binary is None:
        _server_missing("the oxigraph CLI is not installed (pip install oxigraph)")
    port = free_port()
    with (folder / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [binary, "serve", "--location", str(folder / "db"), "--bind", f"127.0.0.1:{port}"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = SparqlServer("oxigraph", f"http://127.0.0.1:{port}/query", None, process, folder)
    try:
        _wait_for(server, 20)
    except BaseException:
        _stop(process)
        raise
    return server


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 10
CheckpointInterval = 0
CaseMode = 2
DirsAllowed = {db}
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 4

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {db}/www
MaxClientConnections = 10
ServerThreads = 10
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 0
"""


def start_virtuoso(folder: Path) -> SparqlServer:
    """Virtuoso Open Source (Debian's ``virtuoso-t``) with its own virtuoso.ini and database in
    ``folder``; its SPARQL endpoint with updates, ``/sparql-auth``, asks for digest authentication
    (user dba, a password set when the database is created)."""
    import shutil
    import subprocess

    binary = shutil.which("virtuoso-t")
    if binary is None:
        _server_missing("virtuoso-t is not installed (apt-get install virtuoso-opensource)")
    db = folder / "db"
    (db / "www").mkdir(parents=True)
    http_port, sql_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(db=db, sql_port=sql_port, http_port=http_port), encoding="utf-8")
    with (folder / "server.log").open("wb") as log:
        # create the database with dba's password set, then exit; then serve
        created = subprocess.run(
            [
                binary,
                "+configfile",
                str(ini),
                "+foreground",
                "+checkpoint-only",
                "+pwdold",
                "dba",
                "+pwddba",
                VIRTUOSO_PASSWORD,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=db,
            timeout=120,
        )
        if created.returncode != 0:
            pytest.fail(f"virtuoso-t could not create its database: {(folder / 'server.log').read_text()[-800:]}")
        process = subprocess.Popen(
            [binary, "+configfile", str(ini), "+foreground"], stdout=log, stderr=subprocess.STDOUT, cwd=db
        )
    server = SparqlServer(
        "virtuoso", f"http://127.0.0.1:{http_port}/sparql-auth", f"dba:{VIRTUOSO_PASSWORD}", process, folder
    )
    try:
        _wait_for(server, 60)
    except BaseException:
        _stop(process)
        raise
    return server


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph-server"))
    yield server
    _stop(server.process)


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso-server"))
    yield server
    _stop(server.process)
