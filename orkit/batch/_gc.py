"""Keep the cyclic garbage collector off the objects that existed before a run's lanes
(the engine's `EngineOptions.freeze_gc`).

A run's process is full of long-lived objects (pandas, pyarrow, aiohttp and orkit itself:
about 80,000 tracked objects). Every full collection scans all of them, and the run's own
allocations trigger about one per 500 tasks: in a 5,000-task run they took 2.4 s with those
objects in the scan and 0.5 s with them frozen (`gc.freeze`, which CPython documents for
long-lived servers: frozen objects are skipped by every collection). They are unfrozen when
the lanes end, so whatever of them becomes garbage later is still collected.
"""

from __future__ import annotations

import gc
from types import TracebackType

__all__ = ["GcFreeze"]


class GcFreeze:
    """`with GcFreeze():` freezes every object tracked now and unfreezes them on exit.

    Each instance holds its own state and only undoes a freeze it made. When something is
    frozen already (the process froze objects itself, or another run in it froze first) it
    does nothing: `gc.unfreeze` cannot undo one freeze without the other. So after the block
    the process's collector is as it was before: enabled or not, the same thresholds, the
    same frozen count. `enabled=False` makes the block do nothing."""

    __slots__ = ("_enabled", "_froze")

    def __init__(self, enabled: bool = True) -> None:
        self._enabled = enabled
        self._froze = False

    def __enter__(self) -> None:
        if self._enabled and not self._froze and gc.get_freeze_count() == 0:
            gc.freeze()
            self._froze = True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._froze:
            gc.unfreeze()
            self._froze = False
