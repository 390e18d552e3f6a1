"""Adaptive concurrency for servers whose limits nobody told us: AIMD on requests in flight.

`AdaptiveConcurrency` works like TCP's congestion window: it starts small, grows by one per
window of successes (doubling per round trip until the first cut), and halves, at most once
per round trip, when overload signals are proven frequent. Its sibling on the send rate is
`AdaptiveRate` (`_adaptive.py`). Pure: `now` is passed in.
"""

from __future__ import annotations

import itertools
import math
from collections import deque

__all__ = ["AdaptiveConcurrency"]

_MIN_WINDOW = 20  # answers: fewer cannot tell a share of 10% from one of 30%


class AdaptiveConcurrency:
    """A concurrency limit between `floor` and `ceiling`, adjusted by AIMD.

    It starts small and grows by one per success (doubling per round trip) until the first
    cut, then by one per window of successes. It halves, at most once per round trip, only
    on evidence of overload: overload signals making up significantly more than
    `overload_share` of the last round trip's answers (at least `min_signals` of them, and
    above the share by two standard errors, so a small window does not fire by chance).

    A provider that rejects a few requests at random is not overloaded by us, and halving on
    every stray 503 starved runs (TCP's old trouble with lossy links): a 30% fault mix took
    84.8 s against 30.1 s without adaptation. Random faults keep a steady share whatever the
    concurrency; overload caused by our own load makes the share climb with it, and falls
    back after each cut, so the cuts stop where it is small again.
    """

    __slots__ = (
        "_cut_until",
        "_limit",
        "_recent",
        "_slow_start",
        "ceiling",
        "floor",
        "min_signals",
        "overload_share",
    )

    def __init__(
        self,
        *,
        initial: float = 8,
        floor: int = 1,
        ceiling: int = 256,
        overload_share: float = 0.1,
        min_signals: int = 5,
    ) -> None:
        self.floor = floor
        self.ceiling = ceiling
        self.overload_share = overload_share
        self.min_signals = min_signals
        self._limit = float(min(max(initial, floor), ceiling))
        self._slow_start = True
        self._cut_until = float("-inf")
        # True = an overload signal; one round trip of answers at the ceiling
        self._recent: deque[bool] = deque(maxlen=max(_MIN_WINDOW, ceiling))

    @property
    def limit(self) -> int:
        return int(self._limit)

    def on_success(self) -> None:
        self._recent.append(False)
        # Slow start: +1 per success doubles the window per round trip; then +1/limit per
        # success, i.e. +1 per round trip.
        step = 1.0 if self._slow_start else 1.0 / self._limit
        self._limit = min(float(self.ceiling), self._limit + step)

    def on_neutral(self) -> None:
        """An answer that says nothing about overload (a 429, which the pace owns; a 500):
        part of the round trip the share is taken over, but no growth."""
        self._recent.append(False)

    def at_least(self, n: int) -> None:
        """Never below `n` (what a known pace needs in flight)."""
        self._limit = max(self._limit, float(min(n, self.ceiling)))

    def on_congestion(self, now: float, rtt_s: float) -> None:
        """An overload signal; halve if the last round trip's answers prove overload, at
        most once per round trip."""
        self._recent.append(True)
        if now < self._cut_until or not self._overloaded():
            return
        self._slow_start = False  # a proven limit ends the exponential start
        self._limit = max(float(self.floor), self._limit / 2)
        self._cut_until = now + max(rtt_s, 0.05)

    def _overloaded(self) -> bool:
        # The last round trip of answers: about one per request the limit lets in flight.
        n = min(len(self._recent), max(_MIN_WINDOW, int(self._limit)))
        signals = sum(itertools.islice(reversed(self._recent), n))
        if signals < self.min_signals:
            return False
        p = self.overload_share
        return signals / n > p + 2 * math.sqrt(p * (1 - p) / n)
