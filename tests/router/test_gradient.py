"""`GradientConcurrency` against servers that queue: a discrete-event model of a server
with N slots (FIFO, as llama.cpp's) driven on an emulated clock, no real time at all."""

from __future__ import annotations

import heapq
import random
import statistics
from dataclasses import dataclass, field

import pytest

from orkit.router import GradientConcurrency


@dataclass
class _Served:
    sent_at: float
    done_at: float
    limit: int

    @property
    def service_s(self) -> float:
        return self.done_at - self.sent_at


@dataclass
class _SlotServer:
    """`slots` requests served at once, the rest queued in arrival order; each takes
    `base_s` times a factor in [0.5, 1.5] (answers of different lengths)."""

    slots: int
    base_s: float = 0.66
    seed: int = 0
    free_at: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.free_at = [0.0] * self.slots
        self.rng = random.Random(self.seed)

    def send(self, now: float) -> float:
        start = max(now, heapq.heappop(self.free_at))
        done = start + self.base_s * self.rng.uniform(0.5, 1.5)
        heapq.heappush(self.free_at, done)
        return done


def _drive(
    limiter: GradientConcurrency,
    server: _SlotServer,
    tasks: int,
    *,
    app_limit: int | None = None,
    slow_down_after: int | None = None,
) -> list[_Served]:
    """Keep `limiter.limit` requests out (at most `app_limit`) until `tasks` are answered."""
    now, sent = 0.0, 0
    out: list[tuple[float, float, int]] = []  # (done_at, sent_at, limit at sending)
    served: list[_Served] = []

    def fill() -> None:
        nonlocal sent
        cap = limiter.limit if app_limit is None else min(limiter.limit, app_limit)
        while len(out) < cap and sent < tasks:
            heapq.heappush(out, (server.send(now), now, limiter.limit))
            sent += 1

    fill()
    while out:
        done, sent_at, limit = heapq.heappop(out)
        now = done
        served.append(_Served(sent_at, done, limit))
        if slow_down_after is not None and len(served) == slow_down_after:
            server.free_at = [max(server.free_at)]  # the server drops to one slot
        limiter.on_sample(sent_at, now, len(out) + 1)
        fill()
    return served


def test_one_slot_server_is_sent_one_request_at_a_time_most_of_the_run() -> None:
    limiter = GradientConcurrency(ceiling=16)
    served = _drive(limiter, _SlotServer(slots=1), tasks=300)
    at_one = sum(s.limit == 1 for s in served) / len(served)
    assert at_one >= 0.75
    # service time measures the model (0.66 s mean), not a queue inside the server
    assert statistics.median(s.service_s for s in served) < 0.66 * 1.3
    assert limiter.limit <= 2
    assert limiter.baseline_s == pytest.approx(0.66, rel=0.3)


def test_a_server_with_more_slots_is_filled_to_about_its_capacity() -> None:
    limiter = GradientConcurrency(ceiling=64)
    served = _drive(limiter, _SlotServer(slots=8), tasks=2000)
    late = served[1000:]
    assert 6 <= statistics.median(s.limit for s in late) <= 12
    assert statistics.median(s.service_s for s in late) < 0.66 * 1.6


def test_a_server_that_never_queues_is_filled_to_the_ceiling() -> None:
    limiter = GradientConcurrency(ceiling=32)
    _drive(limiter, _SlotServer(slots=1000), tasks=500)
    assert limiter.limit == 32


def test_the_limit_comes_down_when_the_server_gets_slower() -> None:
    limiter = GradientConcurrency(ceiling=32)
    served = _drive(limiter, _SlotServer(slots=64), tasks=1500, slow_down_after=500)
    assert max(s.limit for s in served[:500]) == 32
    assert limiter.limit <= 2


def test_an_unused_limit_does_not_grow() -> None:
    limiter = GradientConcurrency(ceiling=64)
    _drive(limiter, _SlotServer(slots=1000), tasks=500, app_limit=3)
    assert limiter.limit <= 6  # a step past the 3 in use, then no more


def test_answers_sent_under_an_earlier_limit_are_not_samples() -> None:
    limiter = GradientConcurrency(min_window=8, ceiling=8)  # slow start: 2 a window
    for t in (1.0, 2.0):
        limiter.on_sample(t - 1.0, t, 1)
    assert limiter.limit == 2  # a flat first window: doubled at t=2
    limiter.on_sample(0.0, 10.0, 2)  # sent before the change, queued behind it: ignored
    limiter.on_sample(1.5, 12.0, 2)
    assert limiter.limit == 2
    for t in (3.0, 4.0):
        limiter.on_sample(t - 1.0, t, 2)
    assert limiter.limit == 4


def test_overload_halves_once_per_change_and_never_below_the_floor() -> None:
    limiter = GradientConcurrency(initial=8, floor=2, ceiling=8)
    limiter.on_overload(sent_at=0.0, now=1.0)
    assert limiter.limit == 4
    limiter.on_overload(sent_at=0.5, now=1.1)  # sent before the cut: already answered for
    assert limiter.limit == 4
    limiter.on_overload(sent_at=1.2, now=2.0)
    limiter.on_overload(sent_at=2.1, now=3.0)
    assert limiter.limit == 2


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="floor"):
        GradientConcurrency(floor=4, ceiling=2)
    with pytest.raises(ValueError, match="tolerance"):
        GradientConcurrency(tolerance=1.0)
