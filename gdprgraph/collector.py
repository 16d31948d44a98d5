"""Python's cyclic garbage collector, paused while a large result is built.

Building findings, query rows or the transfer graph of a large estate allocates hundreds of thousands
of small objects that all live as long as the result. The cyclic collector runs every few hundred
allocations and, as the heap grows, walks the whole of it again and again: at 10 000 generated
services it took about 5 s of the main job's 42, and 1.3 s of an incremental re-validation's 1.7 in
a session holding a warm store (bench/RESULTS.md, run K). These objects hold no reference cycles to
free, so the collector is paused while they are built and resumed after (reference counting still
frees them). Used as a context manager or a
decorator; nested and concurrent uses resume it when the last one ends, in the state it was in.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def paused() -> Iterator[None]:
    """The cyclic collector off for the duration (then back as it was)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
