"""`benchmarks/_ratebound.py` is a true lower bound on the emulator's limiters: the real
`orkit.sim.limits` objects, driven on a fake clock, admit requests no sooner than it says
under any schedule (random ones, a steady pace), and exactly when it says under the greedy
earliest-admission schedule, so the bound is also tight."""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from orkit.sim.clock import SimClock
from orkit.sim.errors import SimError
from orkit.sim.limits import FreeTier, FreeUsage, UpstreamBuckets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from _ratebound import (
    bucket_admission_times,
    free_admission_times,
    makespan_bound_s,
)

START = 1_760_000_000.0  # the emulated start: mid-day, no midnight near
ORIGIN = 1000.0  # the fake real clock's start: small, so float steps of 1e-9 s still count
MODEL = "m/upstream"
Changes = tuple[tuple[float, float], ...]
TOLERANCE = 1e-6


class FakeTime:
    def __init__(self) -> None:
        self.now = ORIGIN

    def __call__(self) -> float:
        return self.now


def _clock(window_scale: float) -> tuple[SimClock, FakeTime]:
    fake = FakeTime()
    clock = SimClock(time_scale=1.0, window_scale=window_scale, start_time=START, time_fn=fake)
    return clock, fake


def _buckets(rpm: float, ws: float, changes: Changes = ()) -> tuple[UpstreamBuckets, FakeTime]:
    clock, fake = _clock(ws)
    return UpstreamBuckets(clock, {MODEL: rpm}, {MODEL: changes} if changes else None), fake


def _greedy_bucket(n: int, rpm: float, ws: float, changes: Changes = ()) -> list[float]:
    """Send the moment a token is there: when the bucket's own hint says, or at a rate
    change if that comes first (the hint assumes today's rate)."""
    buckets, fake = _buckets(rpm, ws, changes)
    change_times = [ORIGIN + at * ws for at, _ in changes]
    admitted: list[float] = []
    for _ in range(20 * n):  # a float hair short of a token costs an extra, tiny wait
        wait = buckets.take(MODEL)
        if wait is None:
            admitted.append(fake.now - ORIGIN)
            if len(admitted) == n:
                return admitted
        else:
            step = min([wait, *(at - fake.now for at in change_times if at > fake.now)])
            fake.now += max(step, 1e-9)
    raise AssertionError("greedy schedule did not finish")


def _bucket_under(
    schedule: list[float], rpm: float, ws: float, changes: Changes = ()
) -> list[float]:
    """Admission times of the attempts at `schedule` (seconds from the first)."""
    buckets, fake = _buckets(rpm, ws, changes)
    admitted = []
    for at in schedule:
        fake.now = ORIGIN + at
        if buckets.take(MODEL) is None:
            admitted.append(at)
    return admitted


def _random_schedule(rng: random.Random, mean_gap: float, count: int) -> list[float]:
    times, now = [], 0.0
    for _ in range(count):
        times.append(now)
        # bursts of simultaneous attempts and pauses, as a client with retries makes
        now += 0.0 if rng.random() < 0.3 else rng.expovariate(1.0 / mean_gap)
    return times


def _never_before(admitted: list[float], bound: list[float]) -> None:
    for k, at in enumerate(admitted[: len(bound)]):
        assert at >= bound[k] - TOLERANCE, f"admission {k + 1} at {at} beat the bound {bound[k]}"


LIMITS = [
    pytest.param(25.0, 0.02, (), id="25rpm-burst4"),
    pytest.param(300.0, 0.25, (), id="300rpm-burst50"),
    pytest.param(3.0, 1.0, (), id="3rpm-burst1"),
    pytest.param(600.0, 0.05, ((20.0, 300.0),), id="600rpm-halving"),
    pytest.param(120.0, 0.1, ((5.0, 30.0), (40.0, 240.0)), id="down-then-up"),
]


@pytest.mark.parametrize(("rpm", "ws", "changes"), LIMITS)
def test_greedy_on_the_real_bucket_meets_the_bound_exactly(
    rpm: float, ws: float, changes: Changes
) -> None:
    n = 300
    bound = bucket_admission_times(n, rpm, ws, changes)
    assert _greedy_bucket(n, rpm, ws, changes) == pytest.approx(bound, abs=TOLERANCE)


@pytest.mark.parametrize(("rpm", "ws", "changes"), LIMITS)
@pytest.mark.parametrize("seed", range(8))
def test_no_schedule_beats_the_bucket_bound(
    rpm: float, ws: float, changes: Changes, seed: int
) -> None:
    rng = random.Random(seed)
    n = 200
    bound = bucket_admission_times(n, rpm, ws, changes)
    steady = rpm / (60 * ws)
    for mean_gap in (0.2 / steady, 1.0 / steady, 3.0 / steady):
        _never_before(
            _bucket_under(_random_schedule(rng, mean_gap, 4 * n), rpm, ws, changes), bound
        )
    paced = [k / steady for k in range(n)]  # a pacer at exactly the rate, no burst
    _never_before(_bucket_under(paced, rpm, ws, changes), bound)


def test_the_old_ideal_was_not_a_lower_bound() -> None:
    """`tasks / rate` ignores the first burst: the bucket admits 1,000 sooner than that."""
    rpm, ws, n = 25.0, 0.02, 1000
    old_ideal = n / (rpm / (60 * ws))
    assert _greedy_bucket(n, rpm, ws)[-1] < old_ideal - 0.1
    assert bucket_admission_times(n, rpm, ws)[-1] == pytest.approx(
        old_ideal - 25 / 6 / 20.8333, abs=1e-3
    )


def test_a_halving_rate_slows_the_tail_by_the_schedule() -> None:
    # 600 rpm at ws 0.05 is 200/s (burst 100); from emulated 20 s (real 1 s) 100/s (burst 50).
    times = bucket_admission_times(500, 600.0, 0.05, ((20.0, 300.0),))
    assert times[99] == 0.0 and times[100] == pytest.approx(1 / 200)
    assert times[299] == pytest.approx(1.0)  # 100 + 200 admitted by the change
    assert times[-1] == pytest.approx(1.0 + 200 / 100)


def _greedy_free(n: int, per_minute: int, ws: float) -> list[float]:
    clock, fake = _clock(ws)
    tier = FreeTier(clock, per_minute, per_day=1000, user_id="u")
    usage = FreeUsage()
    admitted: list[float] = []
    for _ in range(10 * n):
        try:
            tier.admit(usage)
        except SimError:
            fake.now = usage.minute_start + clock.window(60.0)  # the window's end
            continue
        admitted.append(fake.now - ORIGIN)
        if len(admitted) == n:
            return admitted
    raise AssertionError("greedy schedule did not finish")


def _free_under(schedule: list[float], per_minute: int, ws: float) -> list[float]:
    clock, fake = _clock(ws)
    tier = FreeTier(clock, per_minute, per_day=1000, user_id="u")
    usage = FreeUsage()
    admitted = []
    for at in schedule:
        fake.now = ORIGIN + at
        try:
            tier.admit(usage)
        except SimError:
            continue
        admitted.append(at)
    return admitted


@pytest.mark.parametrize(("per_minute", "ws"), [(20, 0.02), (20, 1.0), (1, 0.5), (7, 0.1)])
def test_greedy_on_the_real_free_tier_meets_the_bound(per_minute: int, ws: float) -> None:
    n = 300
    bound = free_admission_times(n, per_minute, 1000, ws)
    assert _greedy_free(n, per_minute, ws) == pytest.approx(bound, abs=TOLERANCE)


@pytest.mark.parametrize("seed", range(12))
def test_no_schedule_beats_the_free_bound(seed: int) -> None:
    rng = random.Random(seed)
    per_minute, ws, n = 20, 0.02, 200
    bound = free_admission_times(n, per_minute, 1000, ws)
    window = 60 * ws
    for mean_gap in (window / 100, window / per_minute, window / 5):
        _never_before(_free_under(_random_schedule(rng, mean_gap, 6 * n), per_minute, ws), bound)
    spaced = [k * window / per_minute for k in range(n)]  # orkit's old even spacing
    _never_before(_free_under(spaced, per_minute, ws), bound)


def test_free_bound_refuses_runs_the_day_limit_could_shape() -> None:
    with pytest.raises(ValueError, match="exceed the day's 50"):
        free_admission_times(51, 20, 50, 0.02)
    assert len(free_admission_times(50, 20, 50, 0.02)) == 50


def test_makespan_is_the_latest_scope_plus_one_latency() -> None:
    assert makespan_bound_s([3.0, 7.5, 1.0], 0.2) == pytest.approx(7.7)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: bucket_admission_times(0, 60, 1.0), "n: need at least one"),
        (lambda: bucket_admission_times(5, 60, 0.0), "window_scale"),
        (lambda: free_admission_times(5, 0, 1000, 1.0), "per_minute"),
    ],
)
def test_bad_arguments_are_refused(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
