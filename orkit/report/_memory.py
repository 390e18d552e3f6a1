"""Hand the memory a finished step freed back to the system, so the next step's Python
objects do not come on top of it.

The pairwise statistics build matrices of tens of MB (units × pairs, bootstrap weights) and
free them; glibc keeps freed blocks of that size in its heap (its mmap threshold rises after
the first large free), where Python's own allocator, which takes fresh 1 MiB arenas, never
reuses them. On a 200,000-task run that left some 40 MB resident under the drill-down's
objects for the rest of the report. `malloc_trim` returns it; elsewhere (macOS, musl,
Windows) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import sys
from collections.abc import Callable

__all__ = ["release_freed_memory"]


@functools.cache
def _trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
    return trim


def release_freed_memory() -> None:
    """Collect garbage, then return the C heap's free pages to the system (glibc only)."""
    gc.collect()
    trim = _trim()
    if trim is not None:
        trim(0)
