"""The Starlette application: routes, security headers, error pages (never a stack trace)."""

from __future__ import annotations

import logging
from pathlib import Path

import jinja2
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import AmbiguousNameError, GdprGraphError, InputError, NoMatchError, StoreError
from ..workspace import Workspace
from . import downloads, pages, sparql

HERE = Path(__file__).resolve().parent
log = logging.getLogger(__name__)

#: our own pages: scripts and styles from /static only, nothing from another origin
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-src 'self'; frame-ancestors 'self'; base-uri 'none'"
)
#: the map and the audit report are self-contained pages with inline scripts and styles
INLINE_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
    "frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]


def environment() -> jinja2.Environment:
    """Templates of gdprgraph/web/templates, every value escaped (autoescape on for all)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["q"] = pages.quote
    return env


class SecurityHeaders:
    """Adds the Content-Security-Policy and friends to every response (the inline policy where a
    route asked for it with the ``x-gdprgraph-inline`` marker header, which is then removed)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"x-gdprgraph-inline"]
                inline = len(headers) != len(message.get("headers", []))
                headers += [
                    (b"content-security-policy", (INLINE_POLICY if inline else PAGE_POLICY).encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"SAMEORIGIN"),
                    (b"cross-origin-resource-policy", b"same-origin"),
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class Application(Starlette):
    """Starlette with the security headers outside everything, error pages (500) included."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack())


def create_app(ws: Workspace, allowed_hosts: list[str] | None = None) -> Starlette:
    """The application over a workspace. ``allowed_hosts``: the Host headers accepted (a server bound
    to loopback accepts only loopback names, so a page of another site cannot reach it by DNS
    rebinding); None accepts any."""
    env = environment()
    routes = [
        *pages.routes(),
        *sparql.routes(),
        *downloads.routes(),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = []
    if allowed_hosts:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts))

    async def not_found(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        if status != 404:
            return error_page(request, status, getattr(exc, "detail", "") or "error", [])
        return error_page(request, 404, f"no page at {request.url.path}", list(pages.SECTIONS))

    async def no_match(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, NoMatchError)
        suggestions = [s.rsplit(" <", 1)[0] for s in exc.suggestions]
        message = (
            f"'{exc.args[0].split(chr(39))[1]}' is ambiguous"
            if isinstance(exc, AmbiguousNameError)
            else str(exc).split("; did you mean")[0]
        )
        return error_page(request, 404, message, suggestions)

    async def bad_input(request: Request, exc: Exception) -> Response:
        return error_page(request, 400, str(exc), [])

    async def unavailable(request: Request, exc: Exception) -> Response:
        return error_page(request, 503, f"the store did not answer: {exc}", [])

    async def failure(request: Request, exc: Exception) -> Response:
        log.exception("error on %s", request.url.path, exc_info=exc)
        return error_page(request, 500, "the server could not answer this request (see its log)", [])

    def error_page(request: Request, status: int, message: str, suggestions: list[str]) -> Response:
        if request.url.path.startswith("/sparql"):
            return Response(message + "\n", status_code=status, media_type="text/plain; charset=utf-8")
        body = env.get_template("error.html.j2").render(
            status=status, message=message, suggestions=suggestions, query=""
        )
        return HTMLResponse(body, status_code=status)

    app = Application(
        routes=routes,
        middleware=middleware,
        exception_handlers={
            HTTPException: not_found,
            404: not_found,
            NoMatchError: no_match,
            InputError: bad_input,
            StoreError: unavailable,
            GdprGraphError: bad_input,
            Exception: failure,
        },
    )
    app.state.ws = ws
    app.state.env = env
    return app
