"""Credentials for a SPARQL server (``--auth-file``, ``$GDPRGRAPH_STORE_AUTH``, or the URL), and masking.

One line gives them (an ``--auth-file`` holds it, the environment variable is it):

- ``user:password``: HTTP basic or digest, as the server's challenge asks (Virtuoso's
  ``/sparql-auth`` asks for digest);
- ``basic user:password`` or ``digest user:password``: that scheme only (basic is sent at once);
- ``Bearer TOKEN``: an ``Authorization: Bearer`` header on every request.

A URL may carry ``user:password@``; it is accepted, used as ``user:password`` (unless a file or the
environment gives credentials), and shown masked everywhere (``mask_url``). Secrets never appear in
a message, an error, a log line or a ``repr``.

>>> mask_url("http://dba:s3cret@127.0.0.1:8890/sparql-auth")
'http://dba:***@127.0.0.1:8890/sparql-auth'
>>> mask_url("http://127.0.0.1:7878/query")
'http://127.0.0.1:7878/query'
>>> parse_credentials("digest dba:s3cret", "test")
Credentials(scheme='digest', user='dba', secret=***)
>>> parse_credentials("Bearer abc.def", "test").header()
'Bearer abc.def'
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError

ENV_VAR = "GDPRGRAPH_STORE_AUTH"
SCHEMES = ("basic", "digest", "bearer")
_SYNTAX = "expected one line: 'user:password', 'basic user:password', 'digest user:password' or 'Bearer TOKEN'"


def mask_url(url: str) -> str:
    """The URL with the password of its user information replaced by ``***``."""
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    user, colon, _ = userinfo.partition(":")
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}{':***' if colon else ''}@{host}"))


def mask_spec(spec: str) -> str:
    """A store spec with any URL password masked (``sparql:http://u:***@h/q``)."""
    kind, colon, where = spec.partition(":")
    if kind == "sparql" and colon:
        return f"sparql:{mask_url(where)}"
    return spec


def strip_userinfo(url: str) -> tuple[str, str | None]:
    """The URL without ``user:password@``, and that user information (decoded) if it had one."""
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, host = parts.netloc.rpartition("@")
    user, colon, password = userinfo.partition(":")
    plain = urllib.parse.urlunsplit(parts._replace(netloc=host))
    return plain, urllib.parse.unquote(user) + (colon + urllib.parse.unquote(password) if colon else "")


@dataclass(frozen=True)
class Credentials:
    """What to authenticate with; ``scheme`` ``any`` answers the server's challenge (basic or digest)."""

    scheme: str
    user: str = ""
    secret: str = field(default="", repr=False)

    def __repr__(self) -> str:  # never the secret
        return f"Credentials(scheme={self.scheme!r}, user={self.user!r}, secret=***)"

    def header(self) -> str | None:
        """The Authorization header sent before any challenge (basic, bearer), else None."""
        if self.scheme == "bearer":
            return f"Bearer {self.secret}"
        if self.scheme == "basic":
            return _basic(self.user, self.secret)
        return None

    def secrets(self) -> list[str]:
        """The texts that must never be shown."""
        return [s for s in (self.secret,) if s]


def parse_credentials(line: str, source: str) -> Credentials:
    """One line of credentials; InputError naming ``source`` (never the line) when malformed."""
    text = line.strip()
    scheme, space, rest = text.partition(" ")
    if space and scheme.lower() == "bearer":
        token = rest.strip()
        if not token or any(c.isspace() for c in token):
            raise InputError(f"{source}: a bearer token is one word; {_SYNTAX}")
        return Credentials("bearer", "", token)
    if space and scheme.lower() in ("basic", "digest"):
        kind, text = scheme.lower(), rest.strip()
    else:
        kind = "any"
    user, colon, password = text.partition(":")
    if not colon or not user or any(c.isspace() for c in user):
        raise InputError(f"{source}: {_SYNTAX}")
    return Credentials(kind, user, password)


def credentials_from(auth_file: str | Path | None = None, environ: dict[str, str] | None = None) -> Credentials | None:
    """Credentials from ``--auth-file`` if given, else from $GDPRGRAPH_STORE_AUTH, else None."""
    if auth_file:
        path = Path(auth_file)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            reason = err.strerror if isinstance(err, OSError) and err.strerror else type(err).__name__
            raise InputError(f"cannot read the credentials file ({reason})", str(path)) from None
        lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        if len(lines) != 1:
            raise InputError(f"{_SYNTAX} (found {len(lines)} lines)", str(path))
        return parse_credentials(lines[0], f"--auth-file {path}")
    value = (environ if environ is not None else os.environ).get(ENV_VAR, "")
    if value.strip():
        return parse_credentials(value, f"${ENV_VAR}")
    return None


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


# -- challenges -------------------------------------------------------------------------------------
_PARAM = re.compile(r'([\w!#$%&\'*+.^`|~-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)')
_TOKEN = re.compile(r"[\w!#$%&'*+.^`|~/=-]+")


def parse_challenges(values: list[str]) -> dict[str, dict[str, str]]:
    """WWW-Authenticate header values as {scheme (lower case): {parameter: value}}.

    >>> parse_challenges(['Digest realm="SPARQL", nonce="abc", qop="auth", algorithm="MD5"'])
    {'digest': {'realm': 'SPARQL', 'nonce': 'abc', 'qop': 'auth', 'algorithm': 'MD5'}}
    >>> sorted(parse_challenges(['Basic realm="x", Digest realm="y", nonce="n"']))
    ['basic', 'digest']
    """
    found: dict[str, dict[str, str]] = {}
    for value in values:
        current: dict[str, str] | None = None
        pos = 0
        while pos < len(value):
            if value[pos] in " \t,":
                pos += 1
                continue
            param = _PARAM.match(value, pos)
            if param and current is not None:
                raw = param.group(2)
                if raw.startswith('"'):
                    raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
                current.setdefault(param.group(1).lower(), raw)
                pos = param.end()
                continue
            token = _TOKEN.match(value, pos)
            if token is None:
                break
            # a scheme name; a token68 after one (ends with '=') is ignored
            if param is None and (current is None or not token.group().endswith("=")):
                current = found.setdefault(token.group().lower(), {})
            pos = token.end()
    return found


class Authenticator:
    """Authorization headers for one server: sent at once (basic, bearer) or after a challenge
    (digest, or ``user:password`` with whatever scheme the server asks for). Thread-safe."""

    def __init__(self, credentials: Credentials | None) -> None:
        self.credentials = credentials
        self._digest: dict[str, str] | None = None
        self._count = 0
        self._lock = threading.Lock()

    def first(self, method: str, url: str) -> str | None:
        """The header for a request before any challenge: basic or bearer, or digest with the last
        challenge the server sent (saves a round trip)."""
        creds = self.credentials
        if creds is None:
            return None
        with self._lock:
            if self._digest is not None:
                return self._digest_header(method, url)
        return creds.header()

    def answer(self, challenges: dict[str, dict[str, str]], method: str, url: str) -> str | None:
        """The header answering a 401's challenges, or None if these credentials cannot."""
        creds = self.credentials
        if creds is None or creds.scheme == "bearer":
            return None
        with self._lock:
            if "digest" in challenges and creds.scheme in ("any", "digest"):
                self._digest, self._count = challenges["digest"], 0
                return self._digest_header(method, url)
        if "basic" in challenges and creds.scheme in ("any", "basic"):
            return _basic(creds.user, creds.secret)
        return None

    def _digest_header(self, method: str, url: str) -> str:
        assert self.credentials is not None and self._digest is not None
        challenge, user, password = self._digest, self.credentials.user, self.credentials.secret
        algorithm = challenge.get("algorithm", "MD5")
        base = algorithm.upper().removesuffix("-SESS")
        digest = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}.get(base, hashlib.md5)

        def h(text: str) -> str:
            return digest(text.encode("utf-8")).hexdigest()

        parts = urllib.parse.urlsplit(url)
        uri = parts.path + (f"?{parts.query}" if parts.query else "")
        realm, nonce = challenge.get("realm", ""), challenge.get("nonce", "")
        self._count += 1
        count, cnonce = f"{self._count:08x}", os.urandom(8).hex()
        ha1 = h(f"{user}:{realm}:{password}")
        if algorithm.upper().endswith("-SESS"):
            ha1 = h(f"{ha1}:{nonce}:{cnonce}")
        ha2 = h(f"{method}:{uri}")
        qops = [q.strip() for q in challenge.get("qop", "").split(",") if q.strip()]
        fields = {"username": user, "realm": realm, "nonce": nonce, "uri": uri}
        if "auth" in qops:
            fields["response"] = h(f"{ha1}:{nonce}:{count}:{cnonce}:auth:{ha2}")
        else:
            fields["response"] = h(f"{ha1}:{nonce}:{ha2}")
        if "opaque" in challenge:
            fields["opaque"] = challenge["opaque"]
        text = ", ".join(f'{k}="{_quote(v)}"' for k, v in fields.items())
        text += f", algorithm={algorithm}"
        if "auth" in qops:
            text += f', qop=auth, nc={count}, cnonce="{cnonce}"'
        return "Digest " + text


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
