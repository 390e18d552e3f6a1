"""Real and emulated time for one emulator.

Latencies are emulated seconds times `time_scale`; windows (limits, outages, stats delay)
are emulated seconds times the window scale. The emulated wall clock (which decides the
free-tier UTC day and time-of-day prices) runs `1 / window_scale` times faster than real
time from `SimConfig.start_time`; with a window scale of 0 it simply follows real time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["SimClock"]

_DAY = 86_400.0


class SimClock:
    """Reads real time from `time_fn` (injectable for tests) and maps it to emulated time."""

    def __init__(
        self,
        *,
        time_scale: float,
        window_scale: float,
        start_time: float | None,
        time_fn: Callable[[], float] | None = None,
    ) -> None:
        self.time_scale = time_scale
        self.window_scale = window_scale
        self._start_time = start_time
        self._time_fn = time_fn or time.time
        self.restart()

    def restart(self) -> None:
        """Make "now" the origin again (outage windows count from here)."""
        self.real_origin = self._time_fn()
        self.emulated_origin = self.real_origin if self._start_time is None else self._start_time

    def now(self) -> float:
        """Real epoch seconds."""
        return self._time_fn()

    def since_start(self) -> float:
        """Real seconds since the origin."""
        return self._time_fn() - self.real_origin

    def emulated_now(self) -> float:
        """Emulated epoch seconds (what the account's UTC day and price windows follow)."""
        return self.emulated_at(self._time_fn())

    def emulated_at(self, real_epoch: float) -> float:
        """Emulated epoch seconds at real epoch `real_epoch` (the inverse of `real_at`)."""
        elapsed = real_epoch - self.real_origin
        if self.window_scale > 0:
            elapsed /= self.window_scale
        return self.emulated_origin + elapsed

    def emulated_since_start(self) -> float:
        """Emulated seconds since the origin (the unit of outage windows)."""
        return self.emulated_now() - self.emulated_origin

    def latency(self, emulated_seconds: float) -> float:
        """Real seconds for an emulated latency."""
        return emulated_seconds * self.time_scale

    def window(self, emulated_seconds: float) -> float:
        """Real seconds for an emulated window length."""
        return emulated_seconds * self.window_scale

    def real_at(self, emulated_epoch: float) -> float:
        """Real epoch seconds at which the emulated clock shows `emulated_epoch`."""
        return self.real_origin + (emulated_epoch - self.emulated_origin) * self.window_scale

    def emulated_day(self) -> int:
        """Index of the current emulated UTC day."""
        return int(self.emulated_now() // _DAY)

    def next_midnight_real(self) -> float:
        """Real epoch seconds of the next emulated UTC midnight."""
        return self.real_at((self.emulated_day() + 1) * _DAY)

    def utc_hhmm(self) -> int:
        """Emulated UTC time of day as HHMM (e.g. 1345), for time-of-day price overrides."""
        seconds = int(self.emulated_now() % _DAY)
        return (seconds // 3600) * 100 + (seconds % 3600) // 60
