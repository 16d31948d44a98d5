"""Sharing a store safely (README, "Safety"): one writer at a time, readers never blocked, leftovers of
killed builds removed, credentials never shown.

Real processes and real servers: builds and queries run as ``python -m gdprgraph.cli`` subprocesses,
against an on-disk store, the session's Oxigraph server and its Virtuoso server (updates behind digest
authentication); see the server fixtures in conftest.py. Every process has a timeout and is killed at
the end of its test if still running.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gdprgraph import resources
from gdprgraph.cli import main
from gdprgraph.store import admin
from gdprgraph.store.auth import mask_url, parse_credentials
from gdprgraph.store.disk import DiskStore, folder_size
from gdprgraph.store.remote import SparqlDataset

CLI = [sys.executable, "-m", "gdprgraph.cli"]
TIMEOUT = 180
#: the reading command the tests run: which services use Platform.sh
WHO_USES_PLATFORM_SH = ("query", "services-using", "--param", "org=Platform.sh")


# -- helpers -------------------------------------------------------------------------------------------
def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GDPRGRAPH_STORE_AUTH", "GDPRGRAPH_STORE")}
    env.update(extra)
    return env


def run(*argv: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *map(str, argv)], capture_output=True, text=True, timeout=TIMEOUT, env=env or _env())


@contextlib.contextmanager
def started(*argv: object, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    """A gdprgraph process running in the background; killed at the end if still running."""
    process = subprocess.Popen(
        [*CLI, *map(str, argv)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env or _env()
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=TIMEOUT)


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=TIMEOUT)
    return process.returncode, out, err


def wait_until(condition, seconds: float = 60, step: float = 0.02) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds:g} s waiting for {condition.__name__}")
        time.sleep(step)


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


@pytest.fixture(scope="module")
def estate(generator, estate_inputs, tmp_path_factory) -> list[Path]:
    """A generated estate of 250 services (~100 k triples): a build of it takes a few seconds."""
    out = tmp_path_factory.mktemp("estate-250") / "estate-250.ttl"
    assert generator.main(["--services", "250", "--seed", "11", "--out", str(out)]) == 0
    return estate_inputs(out)


@pytest.fixture(scope="module")
def medium_estate(generator, estate_inputs, tmp_path_factory) -> list[Path]:
    """A generated estate of 80 services (~30 k triples): a build on a server takes a few seconds."""
    out = tmp_path_factory.mktemp("estate-80") / "estate-80.ttl"
    assert generator.main(["--services", "80", "--seed", "12", "--out", str(out)]) == 0
    return estate_inputs(out)


@pytest.fixture(scope="module")
def no_durations(tmp_path_factory) -> list[Path]:
    """The seed data with its xsd:duration literals as plain strings: what Virtuoso 7.2 can hold."""
    folder = tmp_path_factory.mktemp("seed-without-durations")
    files = []
    for path in resources.default_data_files():
        target = folder / path.name
        text = path.read_text(encoding="utf-8")
        target.write_text(re.sub(r'("[^"\n]*")\^\^xsd:duration', r"\1", text), encoding="utf-8")
        files.append(target)
    return files


def _changed(files: list[Path], tmp_path: Path, marker: str) -> list[Path]:
    """The same files with one more triple in a copy of the first: a different fingerprint."""
    copy = tmp_path / f"{marker}-{files[0].name}"
    copy.write_text(
        files[0].read_text(encoding="utf-8") + f"\n<urn:test:{marker}> <urn:test:p> 1 .\n", encoding="utf-8"
    )
    return [copy, *files[1:]]


# -- on disk: oxigraph:PATH ------------------------------------------------------------------------------
def test_a_reader_during_a_build_gets_the_previous_answers(tmp_path, estate):
    store = tmp_path / "store"
    spec = f"oxigraph:{store}"
    assert run("build", "--store", spec).returncode == 0  # the seed: Platform.sh serves 2 services
    disk = DiskStore(store)
    with started("build", "--store", spec, "--data", *estate) as build:
        wait_until(lambda: disk.holder() is not None and disk.holder().building is not None)
        # the same changed files: the store is stale, a build is running: the previous build answers
        during = run(
            *WHO_USES_PLATFORM_SH,
            "--format",
            "csv",
            "--columns",
            "serviceName,line",
            "--store",
            spec,
            "--data",
            *estate,
        )
        seed = run(*WHO_USES_PLATFORM_SH, "--format", "csv", "--columns", "serviceName,line", "--store", spec)
        assert build.poll() is None, "the build ended before the readers answered: use a larger estate"
        assert disk.holder() is not None
        code, out, err = finish(build)
    assert code == 0 and "built and loaded" in out, err
    assert during.returncode == 0 and seed.returncode == 0, during.stderr + seed.stderr
    assert during.stdout == seed.stdout and during.stdout.count("\n") == 3  # header + 2 services
    assert "answering from the previous build" in one_line(during.stderr)
    after = run(*WHO_USES_PLATFORM_SH, "--store", spec, "--data", *estate)
    assert after.returncode == 1  # the estate has no Platform.sh: the new build answers now


def test_a_second_writer_waits_or_fails_naming_the_holder(tmp_path, estate):
    store = tmp_path / "store"
    spec = f"oxigraph:{store}"
    disk = DiskStore(store)
    with started("build", "--store", spec, "--data", *estate) as first:
        wait_until(lambda: disk.holder() is not None)
        second = run("build", "--store", spec, "--data", *estate)
        with started("build", "--store", spec, "--data", *estate, "--wait", "120") as third:
            code, out, err = finish(first)
            third_code, third_out, third_err = finish(third)
    assert code == 0 and "built and loaded" in out, err
    assert second.returncode == 2 and second.stdout == ""
    line = one_line(second.stderr)
    assert f"oxigraph:{store} is busy: build by pid {first.pid}" in line and "--wait" in line
    assert third_code == 0 and "already up to date" in third_out, third_err
    assert [g.state for g in disk.status().generations] == ["current"]


@pytest.mark.slow
def test_killed_builds_leave_orphans_that_gc_removes(tmp_path, estate, capsys):
    store = tmp_path / "store"
    spec = f"oxigraph:{store}"
    disk = DiskStore(store)
    assert run("build", "--store", spec, "--data", *estate).returncode == 0
    one_generation = folder_size(store)
    for attempt in range(2):  # two builds killed part way (after they have written into their generation)
        changed = _changed(estate, tmp_path, f"kill{attempt}")
        with started("build", "--store", spec, "--data", *changed) as build:

            def writing() -> bool:  # copying its graphs into its generation folder
                holder = disk.holder()
                return build.poll() is not None or bool(
                    holder and holder.building and folder_size(store / holder.building) > 5_000_000
                )

            wait_until(writing, step=0.01)
            assert build.poll() is None, "the build ended before it could be killed"
            build.send_signal(signal.SIGKILL)
            build.wait(timeout=TIMEOUT)
    # the second build removed the first one's leftovers when it started; its own are left
    states = [g.state for g in disk.status().generations]
    assert sorted(states) == ["current", "orphan"]
    grown = folder_size(store)
    assert grown > one_generation + 5_000_000
    # a reader is not disturbed by the leftovers
    reader = run("concentration", "--top", "3", "--store", spec, "--data", *estate)
    assert reader.returncode == 0 and reader.stderr == ""
    assert main(["store", "gc", "--store", spec]) == 0
    out = capsys.readouterr().out
    assert out.count("removed gen-") == 1 and "on disk before" in out
    after = folder_size(store)
    assert abs(after - one_generation) <= 0.1 * one_generation, (one_generation, grown, after)
    assert [g.state for g in disk.status().generations] == ["current"]


@pytest.mark.slow
def test_the_next_build_removes_the_leftovers_of_a_killed_one(tmp_path):
    store = tmp_path / "store"
    spec = f"oxigraph:{store}"
    assert run("build", "--store", spec).returncode == 0
    leftover = store / ("gen-" + "0" * 32)  # as a killed build leaves it: a generation nothing names
    leftover.mkdir()
    (leftover / "000001.sst").write_bytes(b"\0" * 100_000)
    assert "orphan" in run("store", "status", "--store", spec).stdout
    changed = _changed(resources.default_data_files(), tmp_path, "next")
    assert run("build", "--store", spec, "--data", *changed).returncode == 0
    assert not leftover.exists()
    assert [g.state for g in DiskStore(store).status().generations] == ["current"]


def test_a_session_s_own_edits_never_reach_the_store_on_disk(tmp_path):
    """A reader opens the generation read-only; a write (an incremental re-validation's edit) goes
    to a copy in memory: other readers, now and later, see what the build made."""
    from rdflib import Literal, URIRef

    from gdprgraph import Workspace
    from gdprgraph.load import publish

    spec = f"oxigraph:{tmp_path / 'store'}"
    publish(None, spec)
    edited, other = Workspace(store=spec), Workspace(store=spec)
    triple = (URIRef("urn:test:s"), URIRef("urn:test:p"), Literal("edited"))
    assert edited.asserted.add([triple]) == 1
    assert triple in edited.asserted and triple not in other.asserted
    assert triple not in Workspace(store=spec).asserted
    assert not Workspace(store=spec).graphs.rebuilt


def test_store_commands_refuse_a_store_that_does_not_persist(capsys):
    assert main(["store", "status", "--store", "memory"]) == 2
    assert "oxigraph:PATH and sparql:URL" in one_line(capsys.readouterr().err)


# -- a shared server: sparql:URL (the session's Oxigraph server) --------------------------------------------
@pytest.fixture
def oxigraph(oxigraph_server):
    oxigraph_server.wipe()
    return oxigraph_server


@pytest.mark.slow
def test_two_builds_started_together_one_builds_one_is_served(oxigraph, medium_estate):
    spec = f"sparql:{oxigraph.url}"
    dataset = oxigraph.dataset()
    for wait in ("0", "120"):
        oxigraph.wipe()
        with (
            started("build", "--store", spec, "--data", *medium_estate, "--wait", wait) as one,
            started("build", "--store", spec, "--data", *medium_estate, "--wait", wait) as two,
        ):
            results = [finish(one), finish(two)]
        built = [r for r in results if r[0] == 0 and "built and loaded" in r[1]]
        others = [r for r in results if r not in built]
        assert len(built) == 1 and len(others) == 1, results
        code, out, err = others[0]
        if code == 0:
            assert "already up to date" in out
        else:  # it did not wait: one line naming the holder and its expiry
            assert code == 2 and wait == "0" and out == ""
            line = one_line(err)
            assert "is busy: build by pid" in line and "expires" in line
        status = admin.remote_status(dataset)
        assert [g.state for g in status.generations] == ["current"] and not status.leases
        served = status.generations[0]
        assert f"{served.asserted} asserted triples, {served.asserted + served.inferred} with inference" in built[0][1]


@pytest.mark.slow
def test_a_build_killed_on_a_server_then_gc(oxigraph, medium_estate, tmp_path):
    spec = f"sparql:{oxigraph.url}"
    dataset = oxigraph.dataset()
    assert run("build", "--store", spec).returncode == 0
    one_generation = admin.remote_status(dataset).triples
    with started("build", "--store", spec, "--data", *medium_estate) as build:

        def uploading() -> bool:
            return any(g.state == "in progress" and g.triples > 0 for g in admin.remote_status(dataset).generations)

        wait_until(uploading, step=0.05)
        build.send_signal(signal.SIGKILL)
        build.wait(timeout=TIMEOUT)
    status = admin.remote_status(dataset)
    assert sorted(g.state for g in status.generations) == ["current", "orphan"]
    assert status.triples > one_generation and not status.leases  # a dead process's lease is not live
    gc = run("store", "gc", "--store", spec)
    assert gc.returncode == 0 and "removed generation" in gc.stdout, gc.stderr
    after = admin.remote_status(dataset).triples
    assert abs(after - one_generation) <= 0.1 * one_generation and after == one_generation
    # the previous build answered all along, and a new build is not blocked by the dead one's lease
    assert run(*WHO_USES_PLATFORM_SH, "--store", spec).returncode == 0
    changed = _changed(resources.default_data_files(), tmp_path, "after-kill")
    assert "built and loaded" in run("build", "--store", spec, "--data", *changed).stdout


def test_a_failed_build_leaves_the_previous_generation_answering(oxigraph, tmp_path):
    spec = f"sparql:{oxigraph.url}"
    assert run("build", "--store", spec).returncode == 0
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n", encoding="utf-8")
    failed = run("build", "--store", spec, "--data", *resources.default_data_files(), bad)
    assert failed.returncode == 2 and f"{bad}:2" in one_line(failed.stderr)
    query = run(*WHO_USES_PLATFORM_SH, "--format", "csv", "--store", spec)
    assert query.returncode == 0 and query.stdout.count("\n") == 3
    status = admin.remote_status(oxigraph.dataset())
    assert [g.state for g in status.generations] == ["current"] and not status.leases


def test_an_incremental_revalidation_on_a_server_stays_in_the_session(oxigraph):
    """Re-validation applies the change to the graph: on a shared server, to a private copy; the
    generation others read is untouched, and the result equals a full validation of the edited graph."""
    from rdflib import URIRef

    from gdprgraph import Workspace, incremental
    from gdprgraph import validate as validation

    spec = f"sparql:{oxigraph.url}"
    assert run("build", "--store", spec).returncode == 0
    gg = "https://w3id.org/gdprgraph/ontology#"
    session = Workspace(store=spec)
    report = validation.validate(session)
    line = next(iter(session.asserted.triples((None, URIRef(gg + "status"), URIRef(gg + "DeclaredYes")))))
    edited = (line[0], line[1], URIRef(gg + "NotStated"))
    change = incremental.Change({line}, {edited})
    again = incremental.revalidate(session.asserted, report, change)
    assert edited in session.asserted and line not in session.asserted
    other = Workspace(store=spec)
    assert line in other.asserted and edited not in other.asserted
    assert admin.remote_status(oxigraph.dataset()).generations[0].asserted == len(other.asserted)
    full = validation.validate(session)
    assert sorted(f.message for f in again.findings) == sorted(f.message for f in full.findings)


@pytest.mark.slow
def test_a_build_longer_than_its_lease_renews_it(oxigraph, medium_estate):
    spec = f"sparql:{oxigraph.url}"
    dataset = oxigraph.dataset()
    seen: list[int] = []
    env = _env(GDPRGRAPH_LEASE_SECONDS="2")
    with started("build", "--store", spec, "--data", *medium_estate, env=env) as build:
        while build.poll() is None:
            seen += [lease.expires for lease in admin.remote_status(dataset).leases]
            time.sleep(0.2)
        code, out, err = finish(build)
    assert code == 0 and "built and loaded" in out, err
    assert len(set(seen)) >= 2  # the expiry moved forward while it built


def test_status_names_the_lease_and_the_generation_in_progress(oxigraph, medium_estate):
    spec = f"sparql:{oxigraph.url}"
    dataset = oxigraph.dataset()
    with started("build", "--store", spec, "--data", *medium_estate) as build:
        wait_until(lambda: any(g.state == "in progress" for g in admin.remote_status(dataset).generations))
        status = run("store", "status", "--store", spec)
        code, _, err = finish(build)
    assert code == 0, err
    assert status.returncode == 0
    assert f"lease: build by pid {build.pid}" in status.stdout and "in progress" in status.stdout


# -- authentication --------------------------------------------------------------------------------------------
@pytest.fixture
def virtuoso(virtuoso_server):
    virtuoso_server.wipe()
    return virtuoso_server


def test_virtuoso_wrong_password_is_one_line_exit_2_never_showing_it(virtuoso, tmp_path, no_durations):
    wrong = "Wr0ngPassw0rd"
    auth = tmp_path / "wrong.auth"
    auth.write_text(f"dba:{wrong}\n", encoding="utf-8")
    spec = f"sparql:{virtuoso.url}"
    attempts = [
        run("build", "--store", spec, "--data", *no_durations, "--auth-file", auth),
        run("build", "--store", spec, "--data", *no_durations, env=_env(GDPRGRAPH_STORE_AUTH=f"digest dba:{wrong}")),
        run(*WHO_USES_PLATFORM_SH, "--store", "sparql:" + virtuoso.url.replace("://", f"://dba:{wrong}@")),
    ]
    for attempt in attempts:
        assert attempt.returncode == 2 and attempt.stdout == ""
        line = one_line(attempt.stderr)
        assert "refused access: HTTP 401" in line and wrong not in line
    assert f"http://dba:***@127.0.0.1:{virtuoso.url.split(':')[2]}" in attempts[2].stderr
    none = run("store", "status", "--store", spec)
    assert none.returncode == 2 and "needs credentials" in one_line(none.stderr)


@pytest.mark.slow
def test_virtuoso_right_password_from_a_file_or_the_environment(virtuoso, tmp_path, no_durations):
    auth = tmp_path / "right.auth"
    auth.write_text(f"# the test server's\n{virtuoso.auth}\n", encoding="utf-8")
    spec = f"sparql:{virtuoso.url}"
    built = run("build", "--store", spec, "--data", *no_durations, "--auth-file", auth)
    assert built.returncode == 0 and "built and loaded" in built.stdout, built.stderr
    assert virtuoso.auth.split(":")[1] not in built.stdout + built.stderr
    changed = _changed(no_durations, tmp_path, "env")
    again = run("build", "--store", spec, "--data", *changed, env=_env(GDPRGRAPH_STORE_AUTH=virtuoso.auth))
    assert again.returncode == 0 and "built and loaded" in again.stdout, again.stderr
    query = run(*WHO_USES_PLATFORM_SH, "--format", "csv", "--store", spec, env=_env(GDPRGRAPH_STORE_AUTH=virtuoso.auth))
    assert query.returncode == 0 and "Flexible Web Platform" in query.stdout
    status = admin.remote_status(virtuoso.dataset())
    assert [g.state for g in status.generations] == ["current"] and not status.leases


def test_virtuoso_refuses_xsd_duration_and_the_previous_build_answers(virtuoso, no_durations):
    """Virtuoso 7.2 cannot store the seed's xsd:duration literals: the build fails in one line naming
    the datatype (nothing is stored wrong), and the previous generation keeps answering."""
    spec = f"sparql:{virtuoso.url}"
    env = _env(GDPRGRAPH_STORE_AUTH=virtuoso.auth)
    assert run("build", "--store", spec, "--data", *no_durations, env=env).returncode == 0
    seed = run("build", "--store", spec, env=env)
    assert seed.returncode == 2 and "xsd:duration" in one_line(seed.stderr)
    query = run(*WHO_USES_PLATFORM_SH, "--format", "csv", "--store", spec, env=env)
    assert query.returncode == 0 and query.stdout.count("\n") == 3
    status = admin.remote_status(virtuoso.dataset())
    assert [g.state for g in status.generations] == ["current"] and not status.leases


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_credentials_in_a_url_are_masked_in_every_message(capsys):
    url = f"http://alice:S3cretPw@127.0.0.1:{_free_port()}/query"  # nothing listens there
    assert mask_url(url).startswith("http://alice:***@127.0.0.1:")
    for argv in (
        ["build", "--store", f"sparql:{url}"],
        ["store", "status", "--store", f"sparql:{url}"],
        ["query", "services-using", "--param", "org=x", "--store", f"sparql:{url}"],
    ):
        assert main(argv) == 2
        out, err = capsys.readouterr()
        assert "S3cretPw" not in out + err and "alice:***@127.0.0.1" in one_line(err)
    assert main(["query", "services-using", "--store", "sparqll:http://alice:S3cretPw@host/q"]) == 2
    assert "S3cretPw" not in capsys.readouterr().err
    assert "S3cretPw" not in repr(SparqlDataset(url).auth.credentials)


class _Guarded(BaseHTTPRequestHandler):
    """A SPARQL endpoint that answers ASK only with the right Authorization header."""

    expected = ""
    challenge = ""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Authorization") != self.expected:
            self.send_response(401)
            self.send_header("WWW-Authenticate", self.challenge)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b'{"head": {}, "boolean": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def _guarded(expected: str, challenge: str) -> Iterator[str]:
    handler = type("Handler", (_Guarded,), {"expected": expected, "challenge": challenge})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/query"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_bearer_and_basic_credentials():
    from gdprgraph.errors import StoreError

    with _guarded("Bearer tok.123", 'Bearer realm="x"') as url:
        right = SparqlDataset(url, credentials=parse_credentials("Bearer tok.123", "t"))
        assert right.query("ASK {}", None, []).askAnswer
        with pytest.raises(StoreError) as info:
            SparqlDataset(url, credentials=parse_credentials("Bearer wrong.456", "t")).query("ASK {}", None, [])
        assert "HTTP 401" in str(info.value) and "wrong.456" not in str(info.value)
    basic = "Basic " + base64.b64encode(b"bob:pw:with:colons").decode()
    with _guarded(basic, 'Basic realm="x"') as url:
        for line in ("bob:pw:with:colons", "basic bob:pw:with:colons"):  # after the challenge, or at once
            assert SparqlDataset(url, credentials=parse_credentials(line, "t")).query("ASK {}", None, []).askAnswer
        url_with = url.replace("://", "://bob:pw%3Awith%3Acolons@")
        assert SparqlDataset(url_with).query("ASK {}", None, []).askAnswer
        with pytest.raises(StoreError, match="refused access: HTTP 401: the credentials were not accepted"):
            SparqlDataset(url, credentials=parse_credentials("digest bob:pw", "t")).query("ASK {}", None, [])


def test_credentials_syntax_errors_never_show_the_line(tmp_path, capsys):
    auth = tmp_path / "auth"
    auth.write_text("Bearer two words secret\n", encoding="utf-8")
    assert main(["store", "status", "--store", "sparql:http://127.0.0.1:9/query", "--auth-file", str(auth)]) == 2
    err = capsys.readouterr().err
    assert "secret" not in err and "--auth-file" in one_line(err)
    auth.write_text("nocolon\n", encoding="utf-8")
    assert main(["store", "status", "--store", "sparql:http://127.0.0.1:9/query", "--auth-file", str(auth)]) == 2
    assert "nocolon" not in capsys.readouterr().err
