"""Run the web application with uvicorn: loopback by default, a warning for any other address."""

from __future__ import annotations

import ipaddress
import sys

from .. import overview
from ..workspace import Workspace
from .app import LOOPBACK_HOSTS, create_app


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def warning(host: str) -> str | None:
    """What serve prints when it listens beyond this machine."""
    if is_loopback(host):
        return None
    return (
        f"gdprgraph: warning: listening on {host}: anyone who can reach this address can read the whole "
        "estate (no authentication); bind to 127.0.0.1 unless this is what you want"
    )


def serve(ws: Workspace, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Warm the workspace (overview.warm), then answer on host:port until interrupted."""
    import uvicorn

    note = warning(host)
    if note:
        print(note, file=sys.stderr)
    overview.warm(ws)
    app = create_app(ws, allowed_hosts=LOOPBACK_HOSTS if is_loopback(host) else None)
    shown = f"[{host}]" if ":" in host else host
    print(f"gdprgraph: serving the estate at http://{shown}:{port}/ (Ctrl-C to stop)", file=sys.stderr, flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, server_header=False)
