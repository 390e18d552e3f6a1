"""Clocks: the real one, and a fake one for tests that must not sleep (layer 0).

Router policies and limiters take `now` from a clock and return how long to wait; only the
async drivers call `sleep`, through the same clock, so a `FakeClock` makes them instant.
"""

from __future__ import annotations

import time

import anyio
from anyio.lowlevel import checkpoint

__all__ = ["FakeClock", "SystemClock"]


class SystemClock:
    """Monotonic time for intervals, wall time for timestamps, anyio for sleeping."""

    __slots__ = ()

    def now(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            await anyio.sleep(seconds)


class FakeClock:
    """A clock that only moves when told to, or when someone sleeps on it."""

    def __init__(self, start: float = 1_000.0, wall_start: float = 1_780_000_000.0) -> None:
        self._now = start
        self._wall_offset = wall_start - start
        self.slept: list[float] = []

    def now(self) -> float:
        return self._now

    def wall(self) -> float:
        return self._now + self._wall_offset

    def advance(self, seconds: float) -> None:
        self._now += seconds

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        if seconds > 0:
            self._now += seconds
        await checkpoint()
