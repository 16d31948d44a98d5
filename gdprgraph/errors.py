"""The exceptions gdprgraph raises; the CLI maps them to exit codes (see cli.EXIT_CODES)."""

from __future__ import annotations


class GdprGraphError(Exception):
    """Base class of every error the library raises on purpose."""


class InputError(GdprGraphError):
    """Bad input: an unreadable or unparseable file, a bad parameter. Exit code 2."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        self.path, self.line = path, line
        where = path or ""
        if path and line:
            where = f"{path}:{line}"
        super().__init__(f"{where}: {message}" if where else message)


class NoMatchError(GdprGraphError):
    """A name or query found nothing. Exit code 1."""

    def __init__(self, message: str, suggestions: list[str] | None = None) -> None:
        self.suggestions = suggestions or []
        if self.suggestions:
            message += "; did you mean: " + ", ".join(self.suggestions) + "?"
        super().__init__(message)


class AmbiguousNameError(NoMatchError):
    """A name matches several entities: the caller must choose. Exit code 1."""

    def __init__(self, name: str, candidates: list[str]) -> None:
        self.candidates = candidates
        GdprGraphError.__init__(self, f"'{name}' is ambiguous; candidates: " + "; ".join(candidates))
        self.suggestions = candidates


class StoreError(GdprGraphError):
    """The store cannot be reached or refused a request (server down, HTTP error). Exit code 2."""


class StoreBusyError(StoreError):
    """Another process is writing the store (a build holds its lock or lease). Exit code 2."""
