"""Concurrency for a server that queues instead of rejecting: learn its capacity from latency.

A local server (llama.cpp, vLLM, Ollama) sends no 429s: what it cannot serve at once it
queues, so too many requests in flight show only as longer answers — a model that takes
0.66 s looked like it took 6 s with 16 requests queued behind llama.cpp's single slot. The
AIMD limiter of `_adaptive` never sees a signal there. `GradientConcurrency` watches the
service time instead, in the spirit of TCP Vegas and Netflix's Gradient2: it compares the
mean service time of the latest window of answers with the lowest window mean seen (the
server unloaded), grows the limit while the two stay within `tolerance` and shrinks it in
proportion when service time climbs.

Answer lengths vary, so single samples say little: decisions are made once per window of
at least `min_window` answers, on the window's mean, and only from answers sent after the
last change of the limit (earlier ones were queued under another limit). A growth that
made answers slower is undone and not tried again for a while (twice as long after each
failed probe), so a one-slot server spends most of the run at one request in flight. Pure:
times are passed in.
"""

from __future__ import annotations

import math
from collections import deque
from statistics import fmean

__all__ = ["GradientConcurrency"]

_MAX_PROBE_HOLD = 32  # windows: how long a server that never gains from more is left alone
# A cut follows the service time down (×0.25 for answers four times slower): a ratio that
# large is queueing, never noise. (Gradient2 never cuts below half in one step.)
_DEEPEST_CUT = 0.25


class GradientConcurrency:
    """A concurrency limit between `floor` and `ceiling`, set by how service time responds.

    Starts at `initial` (1: the first window measures the server unloaded) and doubles per
    window while service time stays flat (slow start); after the first cut it grows by one
    per window, by one more each time a growth cost nothing (a server far above the
    limit is reached in a few windows, one just above it is probed gently). A
    window whose mean exceeds `tolerance` times the baseline cuts the limit by the ratio of
    the two (to a quarter at most).
    """

    __slots__ = (
        "_baselines",
        "_busiest",
        "_changed_at",
        "_hold_left",
        "_limit",
        "_probe_hold",
        "_probing",
        "_slow_start",
        "_step",
        "_window",
        "ceiling",
        "floor",
        "min_window",
        "tolerance",
    )

    def __init__(
        self,
        *,
        initial: int = 1,
        floor: int = 1,
        ceiling: int = 256,
        tolerance: float = 1.5,
        min_window: int = 12,
        memory: int = 16,
    ) -> None:
        if not 1 <= floor <= ceiling:
            raise ValueError(f"need 1 <= floor <= ceiling, got {floor}, {ceiling}")
        if tolerance <= 1.0 or min_window < 1 or memory < 1:
            raise ValueError("need tolerance > 1, min_window >= 1, memory >= 1")
        self.floor = floor
        self.ceiling = ceiling
        self.tolerance = tolerance
        self.min_window = min_window
        self._limit = min(max(initial, floor), ceiling)
        self._slow_start = True
        self._changed_at = -math.inf
        self._window: list[float] = []
        self._busiest = 0
        # Means of recent windows: their minimum is the service time of the server unloaded
        # (bounded memory, so a model that really got slower is relearnt, not held to the
        # speed of its first answers).
        self._baselines: deque[float] = deque(maxlen=memory)
        self._probing = False
        self._probe_hold = 0
        self._hold_left = 0
        self._step = 1

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def baseline_s(self) -> float | None:
        """The unloaded service time learnt so far (None before the first window)."""
        return min(self._baselines) if self._baselines else None

    def on_sample(self, sent_at: float, now: float, in_flight: int) -> None:
        """An answer to a request sent at `sent_at` arrived at `now`, with `in_flight`
        requests (this one included) out at the time."""
        if sent_at < self._changed_at:
            return  # sent under another limit: its wait says nothing about this one
        self._window.append(max(0.0, now - sent_at))
        self._busiest = max(self._busiest, in_flight)
        # Slow start decides on a quarter of a window: a doubling of the limit shows as a
        # doubling of service time in a few answers as well as in many.
        needed = self.min_window // 4 if self._slow_start else self.min_window
        if len(self._window) < max(needed, self._limit, 1):
            return
        mean = fmean(self._window)
        busiest = self._busiest
        self._window.clear()
        self._busiest = 0
        self._baselines.append(mean)
        baseline = min(self._baselines)
        gradient = self.tolerance * baseline / mean if mean > 0 else self.tolerance
        if gradient < 1.0:
            # Down to what the server served unqueued (Gradient's limit × noload / rtt), not
            # just under the tolerance: the next window is then measured unloaded again and
            # keeps the baseline fresh (sitting just under it, every remembered window would
            # be a queued one and the baseline would creep up with them).
            self._shrink(now, baseline / mean)
        else:
            self._steady(now, busiest)

    def on_overload(self, sent_at: float, now: float) -> None:
        """The server said it is overloaded (503, 429): halve, once per change."""
        if sent_at < self._changed_at:
            return
        self._shrink(now, 0.5)

    def _shrink(self, now: float, factor: float) -> None:
        if self._probing or self._slow_start:
            # the last growth made answers slower: leave it longer before the next try
            self._probe_hold = min(max(1, 2 * self._probe_hold), _MAX_PROBE_HOLD)
        self._hold_left = self._probe_hold
        self._step = 1
        self._slow_start = False
        self._probing = False
        self._set(now, math.floor(self._limit * max(_DEEPEST_CUT, factor)))

    def _steady(self, now: float, busiest: int) -> None:
        if self._probing:
            self._probing = False
            self._probe_hold = 0  # the growth cost nothing: the next may come at once
            self._step += 1  # and may be bigger: far below a large server, +1 is slow
        if busiest < self._limit:
            return  # the limit was not used: its service time says nothing of a higher one
        if self._hold_left > 0:
            self._hold_left -= 1
            return
        grown = self._limit * 2 if self._slow_start else self._limit + self._step
        if min(grown, self.ceiling) > self._limit:
            self._probing = True
            self._set(now, grown)

    def _set(self, now: float, limit: int) -> None:
        self._limit = min(max(limit, self.floor), self.ceiling)
        self._changed_at = now
        self._window.clear()
        self._busiest = 0
