"""Keep the cyclic garbage collector off the objects that existed before a run.

A run starts in a process full of long-lived objects (pandas, pyarrow, aiohttp and orkit
itself: over 100,000 tracked objects). A full collection scans every one of them, 50-60 ms,
and the allocations of the first dataset pass are enough to trigger one: in bench_throughput
it landed in the validation before the first request (60-85 ms instead of 25-30). Frozen
for the run (`gc.freeze`, which CPython documents for long-lived servers), they are skipped
by every collection during it. They are unfrozen when the run ends, so whatever of them
becomes garbage later is still collected.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["older_objects_frozen"]

_depth = 0  # runs in progress in this process (a notebook may run several at once)
_ours = False  # whether the freeze in force is this module's (it only undoes its own)


@contextmanager
def older_objects_frozen() -> Iterator[None]:
    """Freeze what exists now for the duration of the block (nested blocks share one
    freeze; the outermost unfreezes). A process that froze objects itself is left as it
    is: `gc.unfreeze` would undo its freeze too."""
    global _depth, _ours
    if _depth == 0:
        _ours = gc.get_freeze_count() == 0
        if _ours:
            gc.freeze()
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0 and _ours:
            gc.unfreeze()
            _ours = False
