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

    def at_least(self, n: int) -> None:
        """Never below `n` (what a known pace needs in flight)."""
        self._limit = max(self._limit, float(min(n, self.ceiling)))

    def on_congestion(self, now: float, rtt_s: float) -> None:
        """Halve, at most once per round trip (a burst of 429s is one congestion event)."""
        self._slow_start = False
        if now < self._cut_until:
            return
        self._limit = max(float(self.floor), self._limit / 2)
        self._cut_until = now + max(rtt_s, 0.05)


class AdaptiveRate:
    """A request pace learnt from which requests a server admitted and which it rejected.

    Unpaced until the first 429 (concurrency alone limits it). Then paced: first at half of
    what got through just before (a 429 means we were sending faster than the limit, and the
    limit's burst allowance had been hiding it); from then on, at every adjustment, at the
    rate of *admitted sends* since the first 429 of the window, just under it — while a
    server is rejecting, what it still admits arrives at exactly its limit — or a little
    faster when the window saw no 429 (probing for more). Events are timed by when the
    request was *sent*, and only sends old enough to have their answer count, so requests in
    flight never skew the estimate. Rejections return at once, so pacing — not concurrency —
    is what keeps them few.
    """

    def __init__(
        self,
        *,
        window_s: float = 2.0,
        adjust_every_s: float = 0.5,
        headroom: float = 0.97,
        probe_gain: float = 0.04,
        first_cut: float = 0.5,
        pause_hint_s: float = 1.0,
        min_rate: float = 0.01,
    ) -> None:
        self.window_s = window_s
        self.adjust_every_s = adjust_every_s
        self.headroom = headroom
        self.probe_gain = probe_gain
        self.first_cut = first_cut
        self.pause_hint_s = pause_hint_s
        self.min_rate = min_rate
        self.pacer: Pacer | None = None
        self.version = 0
        """Bumped whenever the pace is created or slowed: slots booked before are stale."""
        self.latency_s = 0.0
        """EWMA of how long admitted requests take to answer."""
        self._ok: deque[float] = deque()  # send times of admitted requests
        self._limited: deque[float] = deque()  # send times of rejected ones
        self._last_adjust = float("-inf")
        self._answered: deque[float] = deque()  # answer times, only until the first 429
        self._clean_adjusts = 0

    @property
    def rate(self) -> float | None:
        return None if self.pacer is None else self.pacer.rate

    def _trim(self, now: float) -> None:
        edge = now - self.window_s - self.latency_s
        for q in (self._ok, self._limited):
            while q and q[0] < edge:
                q.popleft()

    def reserve(self, now: float) -> float:
        return 0.0 if self.pacer is None else self.pacer.reserve(now)

    def delay(self, now: float) -> float:
        return 0.0 if self.pacer is None else self.pacer.delay(now)

    def on_success(self, sent_at: float, now: float) -> None:
        if self.pacer is None:
            self._answered.append(now)
            while self._answered and self._answered[0] < now - self.window_s:
                self._answered.popleft()
        self.latency_s = (
            0.8 * self.latency_s + 0.2 * (now - sent_at) if self._ok else (now - sent_at)
        )
        _insort(self._ok, sent_at)
        self._adjust(now)

    def on_rate_limited(self, sent_at: float, now: float, retry_after_s: float | None) -> None:
        _insort(self._limited, sent_at)
        if self.pacer is None:
            answered = self._answered
            span = (
                min(self.window_s, max(now - answered[0], self.adjust_every_s))
                if (answered)
                else self.window_s
            )
            got_through = max(1.0, len(answered)) / span
            self.pacer = Pacer(max(self.min_rate, got_through * self.first_cut), now=now)
            answered.clear()
            self._last_adjust = now
            self.version += 1
        elif retry_after_s is not None and retry_after_s >= self.pause_hint_s:
            # A long hint is a pause order (a provider pool, a window): honour it for all.
            self.pacer.push_back(now + retry_after_s)
            self.version += 1
        self._adjust(now)

    def _adjust(self, now: float) -> None:
        if self.pacer is None or now - self._last_adjust < self.adjust_every_s:
            return
        self._trim(now)
        horizon = now - self.latency_s  # sends before this have been answered
        if self._limited and self._limited[0] <= horizon:
            since = self._limited[0]
            if horizon - since < self.adjust_every_s:
                return  # too little answered since the first 429 to measure anything yet
            self._last_adjust = now
            self._clean_adjusts = 0
            admitted = sum(1 for t in self._ok if since <= t <= horizon) / (horizon - since)
            target = min(max(self.min_rate, admitted * self.headroom), self.pacer.rate * 1.25)
            if target < self.pacer.rate:
                self.version += 1
            self.pacer.set_rate(target, now)
        elif not self._limited:
            # No 429 in the window: probe for more, faster the longer all stays well (a pace
            # learnt too low recovers in seconds, not minutes).
            self._last_adjust = now
            self._clean_adjusts += 1
            gain = min(0.25, self.probe_gain * 2 ** (self._clean_adjusts // 4))
            self.pacer.set_rate(self.pacer.rate * (1.0 + gain), now)


def _insort(q: deque[float], t: float) -> None:
    """Append keeping order (answers arrive almost in send order; fix the few that don't)."""
    if not q or q[-1] <= t:
        q.append(t)
        return
    i = len(q) - 1
    while i > 0 and q[i - 1] > t:
        i -= 1
    q.insert(i, t)
