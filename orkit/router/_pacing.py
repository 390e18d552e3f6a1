"""Rate limiters that never sleep: they say how long to wait, given `now`.

`Pacer` spaces requests at a rate, with an optional burst (GCRA, the "theoretical arrival
time" form of a token bucket). `WindowPacer` holds a count per window ("20 a minute").
Both are pure state machines on an injected clock value, so tests step time by hand and
the async driver does the sleeping.
"""

from __future__ import annotations

import math
from collections import deque

from orkit.errors import ConfigError

__all__ = ["Pacer", "WindowPacer"]


def _check_rate(rate: float) -> float:
    if not (rate > 0 and math.isfinite(rate)):
        raise ConfigError(f"a rate must be a positive number, got {rate!r}")
    return rate


class Pacer:
    """At most `rate` requests per second on average and `burst` at once.

    `reserve(now)` books the next slot and returns how long to wait for it (0 when a token is
    there). Booking is immediate, so callers go in booking order with no thundering herd.
    """

    __slots__ = ("_burst", "_interval", "_tat")

    def __init__(self, rate: float, *, burst: float = 1.0, now: float = 0.0) -> None:
        if burst < 1:
            raise ConfigError(f"burst must be >= 1, got {burst!r}")
        self._interval = 1.0 / _check_rate(rate)
        self._burst = burst
        self._tat = now  # a request may go at any t >= _tat - (burst - 1) * interval

    @property
    def rate(self) -> float:
        return 1.0 / self._interval

    def _earliest(self) -> float:
        return self._tat - (self._burst - 1) * self._interval

    def reserve(self, now: float, units: float = 1.0) -> float:
        """Book `units` (one request, or a number of tokens for a token-rate limit); return
        seconds until they may be sent."""
        start = max(now, self._earliest())
        self._tat = max(self._tat, now) + self._interval * units
        return start - now

    def delay(self, now: float) -> float:
        """Seconds until a request could go, without booking it."""
        return max(0.0, self._earliest() - now)

    def set_rate(self, rate: float, now: float) -> None:
        """Change the rate; slots already booked keep their times, later ones use the new
        spacing."""
        self._interval = 1.0 / _check_rate(rate)
        self._tat = max(self._tat, now - (self._burst - 1) * self._interval)

    def push_back(self, until: float) -> None:
        """Nothing more may be sent before `until` (the server told us to wait)."""
        self._tat = max(self._tat, until + (self._burst - 1) * self._interval)


class WindowPacer:
    """At most `limit` requests in any `window` seconds: a request may go once the
    `limit`-th one before it is a window old (a sliding log of the last `limit` slots).

    Made for "N requests a minute" counted in windows, as OpenRouter counts free-model
    requests: the server's window opens at a first request and admits N until it ends.
    Spacing requests evenly at N per window (a `Pacer`) stays under such a limit but sends
    the last of a backlog almost a whole window late; the log sends N at once, then N
    more one window after the first of them, as fast as any schedule can, and it is never
    more than N in any window, so it is safe however the server aligns its windows.
    `reserve` books ahead; a caller that logs sends as they happen asks `delay` and
    reserves when it is 0 (see `Limits`).
    """

    __slots__ = ("_floor", "_limit", "_slots", "_window")

    def __init__(self, limit: int, window: float) -> None:
        if limit < 1:
            raise ConfigError(f"a window limit must allow at least 1 request, got {limit!r}")
        if not (window > 0 and math.isfinite(window)):
            raise ConfigError(f"a window must be a positive number of seconds, got {window!r}")
        self._limit = limit
        self._window = window
        self._slots: deque[float] = deque(maxlen=limit)  # the last `limit` booked send times
        self._floor = -math.inf  # nothing before this (the server said so)

    @property
    def rate(self) -> float:
        """The long-run rate, requests per second."""
        return self._limit / self._window

    def _earliest(self) -> float:
        earliest = self._floor
        if len(self._slots) == self._limit:
            earliest = max(earliest, self._slots[0] + self._window)
        return earliest

    def reserve(self, now: float) -> float:
        """Book the next slot; return seconds until it may be sent."""
        start = max(now, self._earliest())
        self._slots.append(start)  # slots are booked in time order: the oldest falls out
        return start - now

    def delay(self, now: float) -> float:
        """Seconds until a request could go, without booking it."""
        return max(0.0, self._earliest() - now)

    def push_back(self, until: float) -> None:
        """Nothing more may be sent before `until` (the server's window is full until then;
        a new one opens at `until`, so a whole window's worth may go then)."""
        self._floor = max(self._floor, until)

    def refund(self, sent_at: float) -> None:
        """A request sent at `sent_at` was refused by the limit itself, which does not count
        refusals: forget its slot (the latest logged at or before then), so that the
        window's worth is not one short and its retry does not cost a whole extra window."""
        taken = [i for i, at in enumerate(self._slots) if at <= sent_at]
        if taken:
            del self._slots[taken[-1]]
