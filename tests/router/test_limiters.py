"""Pacers, adaptive limits, the breaker and the daily quota: pure state machines on a
hand-stepped clock."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orkit.errors import ConfigError
from orkit.router import (
    AdaptiveConcurrency,
    AdaptiveRate,
    BreakerState,
    CircuitBreaker,
    DailyQuota,
    Pacer,
    WindowPacer,
    account_id,
    next_utc_midnight,
)


def test_pacer_spaces_requests_and_bookings_queue_in_order() -> None:
    p = Pacer(2.0, now=0.0)  # one every 0.5 s
    assert [p.reserve(0.0) for _ in range(4)] == [0.0, 0.5, 1.0, 1.5]
    assert p.delay(0.0) == pytest.approx(2.0)
    assert p.reserve(10.0) == 0.0  # idle time does not bank tokens beyond the burst


def test_pacer_burst_then_rate() -> None:
    p = Pacer(1.0, burst=3, now=0.0)
    assert [p.reserve(0.0) for _ in range(5)] == [0.0, 0.0, 0.0, 1.0, 2.0]


def test_pacer_units_for_token_rates() -> None:
    p = Pacer(100.0, burst=100, now=0.0)  # 100 tokens/s
    assert p.reserve(0.0, 150) == 0.0
    assert p.reserve(0.0, 10) == pytest.approx(0.51)  # 150 - 100 = 50 owed, then 1 unit


def test_pacer_rate_change_and_push_back() -> None:
    p = Pacer(10.0, now=0.0)
    p.reserve(0.0)
    p.set_rate(1.0, 0.0)
    assert p.reserve(0.0) == pytest.approx(0.1)
    assert p.reserve(0.0) == pytest.approx(1.1)
    p.push_back(5.0)
    assert p.reserve(0.0) == pytest.approx(5.0)


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (float("inf"), 1), (1, 0.5)])
def test_pacer_rejects_nonsense(rate, burst) -> None:
    with pytest.raises(ConfigError):
        Pacer(rate, burst=burst)


# (limit, window, [(now, expected wait) for each booking in order], why)
WINDOW_BOOKINGS = [
    (3, 10.0, [(0, 0), (0, 0), (0, 0), (0, 10), (0, 10), (0, 10), (0, 20)], "whole windows"),
    (3, 10.0, [(0, 0), (4, 0), (8, 0), (8, 2), (9, 5), (30, 0)], "each one a window after"),
    (1, 2.0, [(0, 0), (0, 2), (0, 4), (1, 5)], "a limit of one spaces evenly"),
    (2, 10.0, [(0, 0), (25, 0), (26, 0), (27, 8)], "idle time does not bank slots"),
]


@pytest.mark.parametrize(
    ("limit", "window", "bookings"),
    [pytest.param(*case[:3], id=case[3]) for case in WINDOW_BOOKINGS],
)
def test_window_pacer_books_a_window_at_a_time(
    limit: int, window: float, bookings: list[tuple[float, float]]
) -> None:
    p = WindowPacer(limit, window)
    assert [p.reserve(now) for now, _ in bookings] == pytest.approx([w for _, w in bookings])


def test_window_pacer_never_lets_more_than_the_limit_into_any_window() -> None:
    p = WindowPacer(20, 60.0)
    sent = [now + p.reserve(now) for now in (i * 0.7 for i in range(300))]
    window = 60.0 - 1e-9  # `now + wait` may land a float ulp off the booked slot
    assert max(sum(1 for t in sent if w <= t < w + window) for w in sent) == 20
    assert sent[20] == pytest.approx(60.0) and sent[21] == pytest.approx(60.7)


def test_window_pacer_push_back_and_delay() -> None:
    p = WindowPacer(2, 10.0)
    assert p.reserve(0.0) == 0.0
    p.push_back(7.0)  # the server: its window is full until 7
    assert p.delay(0.0) == pytest.approx(7.0)
    assert p.reserve(0.0) == pytest.approx(7.0)
    assert p.reserve(0.0) == pytest.approx(10.0)  # the first is a window old at 10
    assert p.rate == pytest.approx(0.2)


def test_window_pacer_refund_gives_a_refused_request_its_slot_back() -> None:
    p = WindowPacer(2, 10.0)
    assert [p.reserve(0.0), p.reserve(1.0)] == [0.0, 0.0]
    p.refund(1.0)  # the server refused the one sent at 1: it did not count it
    assert p.reserve(1.5) == 0.0  # its retry goes in the same window
    assert p.reserve(1.5) == pytest.approx(8.5)  # then full until the first is 10 s old
    p.refund(-5.0)  # nothing logged that early: nothing to give back
    assert p.delay(1.5) == pytest.approx(10.0)  # until the retry is 10 s old


@pytest.mark.parametrize(("limit", "window"), [(0, 60.0), (20, 0.0), (20, float("inf"))])
def test_window_pacer_rejects_nonsense(limit: int, window: float) -> None:
    with pytest.raises(ConfigError):
        WindowPacer(limit, window)


def test_aimd_slow_start_then_additive_and_halving_once_per_rtt() -> None:
    c = AdaptiveConcurrency(initial=4, ceiling=100)
    for _ in range(4):
        c.on_success()
    assert c.limit == 8  # slow start: +1 per success, doubles per round trip
    c.on_congestion(now=10.0, rtt_s=1.0)
    assert c.limit == 8  # one 503 is no evidence of overload
    for _ in range(4):  # five of the last nine answers: overload
        c.on_congestion(now=10.0, rtt_s=1.0)
    assert c.limit == 4
    c.on_congestion(now=10.5, rtt_s=1.0)  # same round trip: one event
    assert c.limit == 4
    c.on_congestion(now=11.1, rtt_s=1.0)
    assert c.limit == 2
    for _ in range(3):
        c.on_success()
    assert c.limit == 3  # now additive: about +1 per window of successes
    c.at_least(10)
    assert c.limit == 10
    for _ in range(1000):
        c.on_success()
    assert c.limit <= 100


def test_learnt_rate_starts_at_half_of_what_got_through_once_a_limit_is_proven() -> None:
    r = AdaptiveRate()
    # 40 req/s answered in 0.2 s, all admitted, for a second (events in time order)
    for i in range(33):
        r.on_success(sent_at=i / 40, now=i / 40 + 0.2)
    r.on_rate_limited(sent_at=1.0, now=1.0, retry_after_s=None)
    assert r.rate is None  # one 429 proves nothing
    for k in range(1, 20):  # then every send is rejected for 0.2 s
        r.on_rate_limited(sent_at=1.0 + k / 100, now=1.0 + k / 100, retry_after_s=None)
    assert r.rate == pytest.approx(20.0, rel=0.15)  # half of ~40/s


def test_a_first_guess_made_before_the_admissions_are_in_is_revised_as_they_come() -> None:
    """64 sent at once against a limit: the 429s are back at once, the admissions a round
    trip later. The pace starts at the 429s, from no admission at all; it used to stay
    near 1/s and creep up from there for 25 s."""
    r = AdaptiveRate()
    # sent 1 ms apart: the first 50 admitted (a burst allowance), the last 14 rejected
    for k in range(50, 64):
        r.on_rate_limited(sent_at=k / 1000, now=k / 1000 + 0.001, retry_after_s=None)
    first = r.rate
    assert first is not None and first <= 1.0
    for k in range(50):
        r.on_success(sent_at=k / 1000, now=k / 1000 + 0.2)
    assert (r.rate or 0) >= 20  # about half of the 50 admitted in its first 0.5 s


@pytest.mark.parametrize("other_failures", [False, True])
def test_scattered_429s_never_start_a_pace(other_failures) -> None:
    import random

    rng = random.Random(4)
    r = AdaptiveRate()
    for i in range(6000):  # 100 req/s: 5% rejected at random (and 10% failing otherwise)
        t = i / 100
        x = rng.random()
        if x < 0.05:
            r.on_rate_limited(sent_at=t, now=t, retry_after_s=0.1)
        elif other_failures and x < 0.15:
            r.on_failure(sent_at=t, now=t + 0.1)
        else:
            r.on_success(sent_at=t, now=t + 0.2)
    assert r.rate is None


def simulate(limit_rps: float, burst: float, seconds: float) -> tuple[AdaptiveRate, int, int, int]:
    """Infinite demand against a token-bucket server: unpaced sends go at 3x the limit, paced
    ones as the learnt pace allows; successes answer in 0.2 s, rejections at once."""
    import heapq

    r = AdaptiveRate()
    tokens, last = burst, 0.0
    answers: list[tuple[float, int, float, bool]] = []
    t, n, ok, rejected, late_ok = 0.0, 0, 0, 0, 0
    while t < seconds:
        while answers and answers[0][0] <= t:
            when, _, sent, admitted = heapq.heappop(answers)
            if admitted:
                r.on_success(sent_at=sent, now=when)
            else:
                r.on_rate_limited(sent_at=sent, now=when, retry_after_s=None)
        wait = r.reserve(t) if r.rate is not None else 1 / (3 * limit_rps)
        t += wait if wait > 0 else 1e-4
        tokens = min(burst, tokens + (t - last) * limit_rps)
        last = t
        n += 1
        admitted = tokens >= 1
        if admitted:
            tokens -= 1
            ok += 1
            late_ok += t > seconds / 2
        else:
            rejected += 1
        heapq.heappush(answers, (t + (0.2 if admitted else 0.001), n, t, admitted))
    return r, ok, rejected, late_ok


@pytest.mark.parametrize("limit_rps", [5.0, 25.0, 100.0])
def test_learnt_rate_settles_on_an_unknown_limit_with_few_429s(limit_rps) -> None:
    seconds = 60.0
    r, ok, rejected, late_ok = simulate(limit_rps, burst=2 * limit_rps, seconds=seconds)
    assert r.bandwidth == pytest.approx(limit_rps, rel=0.15)
    assert late_ok / (seconds / 2) >= 0.9 * limit_rps  # uses the limit once settled
    assert rejected / (ok + rejected) < 0.1


def test_without_rejections_the_pace_searches_upwards() -> None:
    r = AdaptiveRate()
    for k in range(5):  # a burst of 429s proves a limit and starts a pace
        r.on_success(sent_at=k / 10, now=k / 10 + 0.1)
    for k in range(8):
        r.on_rate_limited(sent_at=0.5 + k / 100, now=0.5 + k / 100, retry_after_s=None)
    start = r.rate
    assert start is not None
    t = 1.0
    while t < 30:  # from now on everything sent is admitted
        rate = r.rate or 1.0
        r.on_success(sent_at=t, now=t + 0.1)
        t += 1 / rate
    assert (r.rate or 0) > 10 * start  # searching upwards once 10 s passed without a 429


def test_a_long_hint_pauses_the_pace() -> None:
    r = AdaptiveRate()
    r.on_success(sent_at=0.0, now=0.2)
    for k in range(6):
        r.on_rate_limited(sent_at=0.5 + k / 100, now=0.5 + k / 100, retry_after_s=None)
    assert r.rate is not None
    r.on_rate_limited(sent_at=0.6, now=0.6, retry_after_s=16.0)
    assert r.reserve(0.6) >= 15.9


def test_breaker_opens_probes_and_backs_off() -> None:
    b = CircuitBreaker(threshold=3, cooldown_s=10.0, max_cooldown_s=25.0)
    for _ in range(2):
        b.on_failure(0.0)
    assert b.allow(0.0)
    b.on_failure(0.0)
    assert b.state(1.0) is BreakerState.OPEN and not b.allow(1.0)
    assert b.retry_in(1.0) == pytest.approx(9.0)
    assert b.state(10.0) is BreakerState.HALF_OPEN
    assert b.allow(10.0) and not b.allow(10.0)  # one probe at a time
    b.on_failure(10.0)  # the probe failed: open for twice as long
    assert b.retry_in(10.0) == pytest.approx(20.0)
    assert b.allow(30.0)
    b.on_failure(30.0)
    assert b.retry_in(30.0) == pytest.approx(25.0)  # capped
    assert b.allow(55.0)
    b.on_success()
    assert b.state(55.0) is BreakerState.CLOSED and b.retry_in(55.0) == 0.0


def test_rate_limits_do_not_trip_the_breaker() -> None:
    b = CircuitBreaker(threshold=2)
    for _ in range(10):
        b.on_neutral()
    assert b.state(0.0) is BreakerState.CLOSED


DAY = 86_400.0


def test_daily_quota_counts_resets_at_utc_midnight_and_persists(tmp_path: Path) -> None:
    path = tmp_path / "q.json"
    wall = 100 * DAY + 3600  # 01:00 UTC
    q = DailyQuota(limit=3, path=path)
    assert [q.take(wall) for _ in range(4)] == [True, True, True, False]
    assert q.resets_at(wall) == next_utc_midnight(wall) == 101 * DAY
    q.save()
    again = DailyQuota(limit=3, path=path)  # another process, same day
    assert again.remaining(wall + 60) == 0
    assert again.take(101 * DAY + 1)  # a new UTC day
    assert json.loads(path.read_text())["day"] == 100


def test_daily_quota_seeded_by_the_server_and_marked_exhausted() -> None:
    wall = 5 * DAY
    q = DailyQuota(limit=50)
    q.seed(wall, limit=1000, used=990)
    assert q.remaining(wall) == 10
    q.mark_exhausted(wall, wall + 100)
    assert q.remaining(wall) == 0 and q.resets_at(wall) == wall + 100


def test_damaged_quota_file_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "q.json"
    path.write_text("{not json")
    assert DailyQuota(limit=2, path=path).take(DAY)


def test_account_id_never_contains_the_key() -> None:
    key = "sk-or-v1-" + "ab" * 32
    ident = account_id(key)
    assert key not in ident and "ab" * 8 not in ident and len(ident) == 16
