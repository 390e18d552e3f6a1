"""A rate limiter that never sleeps: it says how long to wait, given `now`.

`Pacer` spaces requests at a rate, with an optional burst (GCRA, the "theoretical arrival
time" form of a token bucket). It is a pure state machine on an injected clock value, so
tests step time by hand and the async driver does the sleeping.
"""

from __future__ import annotations

import math

from orkit.errors import ConfigError

__all__ = ["Pacer"]


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
