"""Memory a finished query freed, handed back to the system.

Oxigraph allocates a query's intermediate results (hash joins, groups, MINUS tables) with the C
library's malloc. glibc keeps what they free for later allocations, and gives back only the free
memory at the very top of its heap: after a constraint of a large estate, tens of megabytes stay
resident, free but held between the store's pages, and the next query's allocations add to them. At
2 500 generated services, validation's peak went from 472 to 450 MB when that memory is given back
after each constraint (bench/RESULTS.md, run L). ``give_back`` asks glibc for it (``malloc_trim``,
which releases the free pages anywhere in its heaps); elsewhere (another C library, another system)
it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None where the C library has none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def give_back() -> bool:
    """Hand the C library's free memory back to the system; whether the library could (glibc)."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
