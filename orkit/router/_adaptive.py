"""Adaptive limits for servers whose limits nobody told us: learn them from 429s.

`AdaptiveConcurrency` is AIMD on requests in flight (TCP's congestion window): it starts
small, grows by one per window of successes (doubling per round trip until the first sign of
congestion), and halves on congestion at most once per round trip.

`AdaptiveRate` paces requests once congestion has been seen. When a server rejects requests
with 429, the requests it still accepts arrive at exactly the rate it allows, so the rate of
successes measured while 429s occur *is* the limit: the pace is set just under it. Without
429s the pace creeps up, probing for more. Both are pure: `now` is passed in.
"""

from __future__ import annotations

from collections import deque

from orkit.router._pacing import Pacer

__all__ = ["AdaptiveConcurrency", "AdaptiveRate"]


class AdaptiveConcurrency:
    """A concurrency limit between `floor` and `ceiling`, adjusted by AIMD."""

    __slots__ = ("_cut_until", "_limit", "_slow_start", "ceiling", "floor", "in_flight")

    def __init__(self, *, initial: float = 8, floor: int = 1, ceiling: int = 256) -> None:
        self.floor = floor
        self.ceiling = ceiling
        self._limit = float(min(max(initial, floor), ceiling))
        self._slow_start = True
        self._cut_until = float("-inf")
        self.in_flight = 0

    @property
    def limit(self) -> int:
        return int(self._limit)

    def has_room(self) -> bool:
        return self.in_flight < int(self._limit)

    def on_success(self) -> None:
        # Slow start: +1 per success doubles the window per round trip; then +1/limit per
        # success, i.e. +1 per round trip.
        step = 1.0 if self._slow_start else 1.0 / self._limit
        self._limit = min(float(self.ceiling), self._limit + step)

    def on_congestion(self, now: float, rtt_s: float) -> None:
        """Halve, at most once per round trip (a burst of 429s is one congestion event)."""
        self._slow_start = False
        if now < self._cut_until:
            return
        self._limit = max(float(self.floor), self._limit / 2)
        self._cut_until = now + max(rtt_s, 0.05)


class AdaptiveRate:
    """A request pace learnt from the rate of successes around 429s.

    Unpaced until the first 429 (concurrency alone limits it); afterwards a `Pacer` whose rate
    follows the measured admission rate and probes upwards while no 429s are seen.
    """

    def __init__(
        self,
        *,
        window_s: float = 2.0,
        headroom: float = 0.97,
        probe_gain: float = 0.05,
        min_rate: float = 0.01,
    ) -> None:
        self.window_s = window_s
        self.headroom = headroom
        self.probe_gain = probe_gain
        self.min_rate = min_rate
        self.pacer: Pacer | None = None
        self._ok: deque[float] = deque()
        self._limited: deque[float] = deque()
        self._last_adjust = float("-inf")

    @property
    def rate(self) -> float | None:
        return None if self.pacer is None else self.pacer.rate

    def _trim(self, now: float) -> None:
        edge = now - self.window_s
        for q in (self._ok, self._limited):
            while q and q[0] < edge:
                q.popleft()

    def reserve(self, now: float) -> float:
        return 0.0 if self.pacer is None else self.pacer.reserve(now)

    def on_success(self, now: float) -> None:
        self._ok.append(now)
        self._adjust(now)

    def on_rate_limited(self, now: float, retry_after_s: float | None) -> None:
        self._limited.append(now)
        if self.pacer is None:
            # First 429: start pacing at what got through in the last window (at least one).
            self._trim(now)
            observed = max(1.0, len(self._ok)) / self.window_s
            self.pacer = Pacer(max(self.min_rate, observed * self.headroom), now=now)
            self._last_adjust = now
        if retry_after_s is not None and retry_after_s > 0:
            self.pacer.push_back(now + retry_after_s)
        self._adjust(now)

    def _adjust(self, now: float) -> None:
        """At most every half window: follow the admission rate, or probe up."""
        if self.pacer is None or now - self._last_adjust < self.window_s / 2:
            return
        self._trim(now)
        self._last_adjust = now
        if self._limited:
            admitted = len(self._ok) / self.window_s
            target = max(self.min_rate, admitted * self.headroom)
            # Never jump above the current pace on a 429-laden window.
            self.pacer.set_rate(min(target, self.pacer.rate), now)
        else:
            self.pacer.set_rate(self.pacer.rate * (1.0 + self.probe_gain), now)
