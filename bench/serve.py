"""Time the web application's pages on a generated estate, on a warm store; prints a table.

Usage: python bench/serve.py [--services 1000] [--repeat 5] [--store oxigraph]

The estate is generated (bench/generate.py, seed 1) and loaded with the template and the reference
data; the workspace is warmed as ``gdprgraph serve`` warms it (overview.warm), each page is requested once (first:
what it derives on first use is kept), then --repeat times (median, max). Requests go through the
whole ASGI application (routing, security headers, templates), in process, without a socket.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import generate  # noqa: E402

from gdprgraph import Workspace, overview, resources  # noqa: E402
from gdprgraph.web import create_app  # noqa: E402


def request(app, path: str) -> tuple[int, int]:
    """GET path through the ASGI app: (status, body size)."""
    target, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": target,
        "raw_path": target.encode(),
        "query_string": query.encode(),
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 8765),
        "root_path": "",
    }
    answer = {"status": 0, "size": 0}

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["size"] += len(message.get("body", b""))

    asyncio.run(app(scope, receive, send))
    return answer["status"], answer["size"]


def pages(ws: Workspace) -> list[str]:
    """The pages timed: every kind, on the estate's own names."""
    hops = overview.transfers(ws)
    deps = sorted(overview.dependencies(ws).values(), key=lambda d: -len(d.services))
    service = hops[0].service if hops else ""
    org = deps[0].organisation if deps else ""
    country = next((t.country for t in hops if t.country.startswith("http")), "")
    select = quote_plus("SELECT ?s WHERE { ?s a <https://w3id.org/dpv#Service> } LIMIT 100")
    return [
        "/",
        "/search?q=platfrom",
        f"/service?name={quote_plus(service)}",
        f"/organisation?name={quote_plus(org)}",
        "/category?name=Location",
        f"/country?name={quote_plus(country)}",
        "/transfers",
        "/transfers?basis=NO+BASIS",
        "/findings",
        "/findings?severity=violation&article=Art.+28(3)",
        f"/query/services-using?run=1&org={quote_plus(org)}",
        f"/sparql?query={select}",
        "/map",
        "/map/transfer-map.html",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--store", default="oxigraph")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        estate = Path(tmp) / f"estate-{args.services}.nt"
        generate.serialize(generate.generate(args.services, 1), estate)
        data = resources.data_dir()
        started = time.perf_counter()
        ws = Workspace(
            [
                estate,
                data / "templates" / "orange-art28-template.ttl",
                data / "reference" / "countries-and-adequacy.ttl",
            ],
            store=args.store,
        )
        loaded = time.perf_counter()
        overview.warm(ws)
        warmed = time.perf_counter()
        app = create_app(ws)
        print(
            f"{args.services} services, {len(ws.asserted)} triples, store {args.store}: "
            f"load {loaded - started:.1f} s, warm {warmed - loaded:.1f} s"
        )
        print(f"{'page':<60} {'status':>6} {'KiB':>7} {'first ms':>9} {'median ms':>10} {'max ms':>7}")
        for path in pages(ws):
            t0 = time.perf_counter()
            status, size = request(app, path)
            first = (time.perf_counter() - t0) * 1000
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                request(app, path)
                times.append((time.perf_counter() - t0) * 1000)
            shown = path if len(path) <= 60 else path[:57] + "..."
            print(
                f"{shown:<60} {status:>6} {size / 1024:>7.0f} {first:>9.0f} {statistics.median(times):>10.0f} "
                f"{max(times):>7.0f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
