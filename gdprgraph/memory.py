"""Memory a finished query freed, handed back to the system.

Oxigraph allocates a query's intermediate results (hash joins, groups, MINUS tables) with the C
library's malloc. glibc keeps what they free for later allocations, and gives back only the free
memory at the very top of its heap: after a constraint of a large estate, tens of megabytes stay
resident, free but held between the store's pages, and the next query's allocations add to them. At
2 500 generated services, validation's peak went from 472 to 450 MB when that memory is given back
after each constraint (bench/RESULTS.md, run M). ``give_back`` asks glibc for it (``malloc_trim``,
which releases the free pages anywhere in its heaps); elsewhere (another C library, another system)
it does nothing.

Giving back walks every free block of the heap: about 14 ms in a session holding a 3.7 GB heap.
``after_growth`` makes it conditional on the resident size having grown that much since the last
time (a query that touched new memory), so that runs of small queries (an incremental
re-validation) pay nothing. An Oxigraph store offers it after every query (``AFTER_QUERY``): queries
answered together on several threads each leave their freed memory in their thread's heap (the
main job at 10 000 generated services held 480 MB of it after the catalog queries).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import sys
import threading
from collections.abc import Callable

#: the growth of the resident size after which a query's freed memory is given back
AFTER_QUERY = 32 * 1024 * 1024

_lock = threading.Lock()
_resident_after_last = 0


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


def resident_bytes() -> int:
    """This process's resident size (0 where /proc cannot tell)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def give_back(after_growth: int = 0) -> bool:
    """Hand the C library's free memory back to the system, if the resident size grew by at least
    ``after_growth`` bytes since the last time; whether it did (False where the library cannot)."""
    global _resident_after_last
    trim = _malloc_trim()
    if trim is None:
        return False
    with _lock:
        if after_growth and resident_bytes() - _resident_after_last < after_growth:
            return False
        trim(0)
        _resident_after_last = resident_bytes()
    return True
