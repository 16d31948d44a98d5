"""Step lines on stderr for the slow steps of a command, with their timings; silent when stderr is not
a terminal (a pipe, a log file, a test), so scripted output never changes."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class Steps:
    """``with steps.step("computing the OWL RL closure"): ...`` writes ``... computing the OWL RL closure``
    when the step starts and ``done: computing the OWL RL closure (12.3 s)`` when it ends, on a terminal."""

    def __init__(self, stream: TextIO | None = None, shown: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.shown = self.stream.isatty() if shown is None else shown
        self.started = time.monotonic()

    @contextmanager
    def step(self, what: str) -> Iterator[None]:
        if not self.shown:
            yield
            return
        self.stream.write(f"... {what}\n")
        self.stream.flush()
        start = time.monotonic()
        yield
        took = time.monotonic() - start
        self.stream.write(f"done: {what} ({took:.1f} s, {time.monotonic() - self.started:.1f} s in all)\n")
        self.stream.flush()
