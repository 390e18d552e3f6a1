"""Rate control that cannot collapse: the learnt pace and the concurrency limiter, driven
through random event sequences and emulated servers on a hand-stepped clock.

The servers here are token buckets (a true limit, answering 429 beyond it) with random
faults on top. Everything is seeded; nothing sleeps.
"""

from __future__ import annotations

import heapq
import math
import random
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

import pytest

from orkit._clock import FakeClock
from orkit.router import AdaptiveConcurrency, AdaptiveRate, DailyQuota, RouterOptions
from orkit.router._limits import Limits, ModelScope


def test_the_issue_reproduction_no_longer_drops_the_pace_to_the_minimum() -> None:
    """Five 429s with Retry-After start a pace and pause it for 1 s; the burst's 59
    admissions raise the first guess; the first paced sample window then holds no send at
    all (the pause) and used to be read as an admission rate of 0: pace 0.01/s."""
    r = AdaptiveRate()
    for i in range(5):
        r.on_rate_limited(0.0, 0.01 + i * 0.001, 1.0)
    for _ in range(59):
        r.on_success(0.0, 0.2)
    paced = r.rate
    assert paced is not None and paced > 20
    r.on_success(1.02, 1.2)
    assert r.rate == paced  # an empty window measures nothing
    assert r.bandwidth > 20


def test_time_paused_by_retry_after_is_not_counted_as_time_offered() -> None:
    r = AdaptiveRate()
    for k in range(40):  # 40/s admitted for a second, then a limit's burst of 429s
        r.on_success(sent_at=k / 40, now=k / 40 + 0.1)
    for k in range(20):
        r.on_rate_limited(sent_at=1.0 + k / 100, now=1.0 + k / 100, retry_after_s=None)
    assert r.rate is not None
    # sent at 20/s for 12 s, all admitted; then a proven limit's Retry-After pauses 2 s
    t = 1.2
    while t < 13.2:
        r.on_send(t)
        r.on_success(sent_at=t, now=t + 0.1)
        t += 1 / 20
    before = r.rate
    for k in range(15):
        r.on_rate_limited(sent_at=t + k / 1000, now=t + k / 1000, retry_after_s=2.0)
    assert r.reserve(t + 0.01) >= 1.9  # a proven limit's hint pauses everyone
    t += 2.0
    while t < 16.0:  # after the pause, 20/s admitted again
        r.on_send(t)
        r.on_success(sent_at=t, now=t + 0.1)
        t += 1 / 20
    assert r.floor >= 0.9 * 20  # the 2 s of pause did not halve the measured rate
    assert (r.rate or 0) >= 0.9 * min(before or 0, 20)


def test_a_scattered_429_with_retry_after_does_not_pause_a_pace() -> None:
    r = AdaptiveRate()
    for k in range(6):  # a limit proved at the start: paced
        r.on_rate_limited(sent_at=k / 1000, now=k / 1000, retry_after_s=None)
    for k in range(20):
        r.on_success(sent_at=k / 40, now=k / 40 + 0.1)
    assert r.rate is not None
    t = 12.0  # long after: paced sends all admitted, one of them answered 429, Retry-After 1
    for _ in range(200):
        r.on_send(t)
        r.on_success(sent_at=t, now=t + 0.1)
        t += 0.05
    r.on_send(t)
    r.on_rate_limited(sent_at=t, now=t + 0.001, retry_after_s=1.0)
    assert r.reserve(t + 0.002) < 0.5  # not paused: the task waits its own hint


def test_a_start_with_a_few_429s_among_many_sends_in_flight_is_not_a_limit() -> None:
    """64 sent at once, 6% answered 429 at once, the rest admitted a round trip later: the
    first 429s used to look like 100% of the answers and start a pace."""
    r = AdaptiveRate()
    for k in range(64):
        r.on_send(k / 10_000)
    for k in range(0, 64, 16):  # 4 of 64
        r.on_rate_limited(sent_at=k / 10_000, now=k / 10_000 + 0.001, retry_after_s=1.0)
    for k in range(64, 128):  # the next sends, one more 429 among them
        r.on_send(0.01 + k / 10_000)
    r.on_rate_limited(sent_at=0.0164, now=0.0165, retry_after_s=1.0)
    assert r.rate is None


def test_a_real_limit_at_the_start_is_still_caught_with_sends_in_flight() -> None:
    r = AdaptiveRate()
    for k in range(64):
        r.on_send(k / 10_000)
    for k in range(20, 64):  # 44 of 64 rejected at once: a limit, not noise
        r.on_rate_limited(sent_at=k / 10_000, now=k / 10_000 + 0.001, retry_after_s=None)
    assert r.rate is not None


def test_scattered_overload_signals_do_not_cut_concurrency_but_overload_does() -> None:
    rng = random.Random(7)
    c = AdaptiveConcurrency(initial=64, ceiling=64)
    for i in range(20_000):  # 5% 503s at random, forever
        if rng.random() < 0.05:
            c.on_congestion(now=i / 1000, rtt_s=0.2)
        else:
            c.on_success()
    assert c.limit == 64
    for i in range(200):  # then half of all answers: that is overload
        if i % 2:
            c.on_congestion(now=20.0 + i / 100, rtt_s=0.2)
        else:
            c.on_success()
    assert c.limit <= 32


def _limits(**options: object) -> tuple[Limits, ModelScope, FakeClock]:
    clock = FakeClock(start=0.0)
    opts = RouterOptions(seed=1, **options)  # type: ignore[arg-type]
    limits = Limits(opts, clock, DailyQuota())
    return limits, limits.scope("m/x"), clock


def test_429s_feed_the_pace_not_the_concurrency_limit() -> None:
    """A 429 is about rate; half the answers 429 must not halve concurrency (the pace
    learns from them), while half the answers 503 (provider overloaded) do."""
    limits, scope, clock = _limits(initial_concurrency=64)
    assert scope.concurrency is not None
    for i in range(100):
        clock.advance(0.01)
        if i % 2:
            limits.on_congestion(scope, None, sent_at=clock.now(), hint_s=1.0, rate_limited=True)
        else:
            limits.on_success(scope, None, clock.now() - 0.2)
    assert scope.concurrency.limit >= 64
    for i in range(100):
        clock.advance(0.01)
        if i % 2:
            limits.on_congestion(scope, None, sent_at=clock.now(), hint_s=1.0, rate_limited=False)
        else:
            limits.on_success(scope, None, clock.now() - 0.2)
    assert scope.concurrency.limit < 64


# --------------------------------------------------------------- random event sequences


def _admissions(log: list[float], start: float, end: float) -> int:
    return bisect_right(log, end) - bisect_left(log, start)


def _random_sequence(rng: random.Random, steps: int) -> None:
    """Random sends and answers, random outcomes and hints, random gaps (long ones too),
    into a pace and a concurrency limiter. After every event: the pace is not below the
    admission rate of the last window it measured, counted from this test's own log of
    admitted sends; the concurrency limit stays within its bounds, and every cut was made
    on evidence (enough overload signals among the last answers), at most once per round
    trip."""
    r = AdaptiveRate()
    c = AdaptiveConcurrency(initial=64, ceiling=256)
    share_429 = rng.choice((0.0, 0.03, 0.3, 0.9))
    share_other = rng.choice((0.0, 0.05, 0.3))
    share_overload = rng.choice((0.0, 0.5))  # of the other failures: 503/529, not 500
    latency = rng.uniform(0.01, 1.0)
    admitted: list[float] = []  # send times of admitted requests, in order
    signals: list[bool] = []  # every answer the limiter saw: True = an overload signal
    pending: list[tuple[float, int, float, str, float | None]] = []
    window: tuple[float, float] | None = None
    floor, last_cut = 0.0, -math.inf
    t = 0.0
    for n in range(steps):
        t += rng.expovariate(rng.choice((5.0, 50.0, 500.0)))
        if rng.random() < 0.03:
            t += rng.uniform(0.5, 5.0)  # a silence: paused, or nothing to send
        wait = r.reserve(t)
        t += wait
        r.on_send(t)
        x = rng.random()
        if x < share_429:
            hint = rng.choice((None, 0.5, 1.0, 2.0))
            heapq.heappush(pending, (t + 0.001, n, t, "429", hint))
        elif x < share_429 + share_other:
            kind = "503" if rng.random() < share_overload else "500"
            heapq.heappush(pending, (t + rng.uniform(0, latency), n, t, kind, None))
        else:
            heapq.heappush(pending, (t + rng.uniform(0.5, 1.5) * latency, n, t, "ok", None))
        while pending and pending[0][0] <= t:
            when, _, sent, kind, hint = heapq.heappop(pending)
            before = c.limit
            signals.append(kind == "503")
            if kind == "429":
                r.on_rate_limited(sent, when, hint)
                c.on_neutral()
            else:
                # bisect.insort keeps the log in send order (answers come out of order)
                admitted.insert(bisect_right(admitted, sent), sent)
                if kind == "ok":
                    r.on_success(sent, when)
                    c.on_success()
                else:
                    r.on_failure(sent, when)
                    if kind == "503":
                        c.on_congestion(when, latency)
                    else:
                        c.on_neutral()
            assert c.floor <= c.limit <= c.ceiling
            if c.limit < before:
                recent = signals[-max(20, before) :]
                assert sum(recent) >= 5 and sum(recent) / len(recent) > 0.13, "cut on no evidence"
                assert when >= last_cut + min(latency, 0.05), "cut twice in one round trip"
                last_cut = when
            rate = r.rate
            if rate is None:
                continue
            assert math.isfinite(rate) and rate >= r.min_rate
            if r.window is not None and r.window is not window:
                # A new measurement: what this log says was admitted in its window, as
                # known now (answers still to come cannot be known to the rate either).
                window = r.window
                got = _admissions(admitted, *window)
                assert got > 0, "a window without admissions was taken as a measurement"
                floor = got / (window[1] - window[0])
            assert rate >= floor * (1 - 1e-9)


def test_property_pace_and_concurrency_hold_their_invariants_on_random_sequences() -> None:
    rng = random.Random(2026)
    for _ in range(1500):
        _random_sequence(random.Random(rng.getrandbits(32)), steps=120)


# --------------------------------------------------------------- emulated servers


@dataclass
class Server:
    """A token bucket (`limit` requests/s, `burst`) answering 429 beyond it, with a storm
    until `faults_until`: random 429s with Retry-After (a provider's pool), random 503s
    (provider overloaded), and the limit lowered to `storm_limit`."""

    limit: float
    burst: float
    faults_until: float = 0.0
    share_429: float = 0.0
    share_503: float = 0.0
    retry_after_s: float | None = 1.0
    storm_limit: float | None = None
    tokens: float = field(default=0.0)
    last: float = 0.0

    def answer(self, t: float, rng: random.Random) -> str:
        limit = self.limit
        if t < self.faults_until:
            limit = self.storm_limit or limit
            x = rng.random()
            if x < self.share_429:
                return "429-random"
            if x < self.share_429 + self.share_503:
                return "503"
        self.tokens = min(self.burst, self.tokens + (t - self.last) * limit)
        self.last = t
        if self.tokens >= 1:
            self.tokens -= 1
            return "ok"
        return "429"


@dataclass
class Run:
    admitted: list[float] = field(default_factory=list)
    rejected: int = 0
    min_concurrency: int = 1_000_000
    min_rate_after_start: float = math.inf


def drive(
    server: Server,
    seconds: float,
    rng: random.Random,
    *,
    client_rps: float | None = None,
    latency: float = 0.2,
) -> Run:
    """A sweep with endless demand through the real `Limits` feedback paths: sends as
    fast as the client can (`client_rps`, by default 3× the limit) within the model's
    concurrency and learnt pace; admissions answer after `latency`, rejections at once."""
    client_rps = client_rps or 3 * server.limit
    limits, scope, clock = _limits(initial_concurrency=64, max_concurrency=256)
    pace, conc = scope.learnt_rate, scope.concurrency
    assert pace is not None and conc is not None
    server.tokens = server.burst
    run = Run()
    answers: list[tuple[float, int, float, str]] = []
    in_flight, n, next_send = 0, 0, 0.0
    while clock.now() < seconds:
        send_at = max(clock.now(), next_send)
        if pace.pacer is not None:
            send_at += pace.pacer.delay(send_at)
        if answers and (answers[0][0] <= send_at or in_flight >= conc.limit):
            when, _, sent, kind = heapq.heappop(answers)
            clock.advance(max(0.0, when - clock.now()))
            in_flight -= 1
            if kind == "ok":
                limits.on_success(scope, None, sent)
                run.admitted.append(sent)
            elif kind == "503":
                limits.on_congestion(scope, None, sent_at=sent, hint_s=1.0, rate_limited=False)
            else:
                hint = server.retry_after_s if kind == "429-random" else None
                limits.on_congestion(scope, None, sent_at=sent, hint_s=hint, rate_limited=True)
                run.rejected += 1
            run.min_concurrency = min(run.min_concurrency, conc.limit)
            if pace.rate is not None:
                run.min_rate_after_start = min(run.min_rate_after_start, pace.rate)
            continue
        clock.advance(send_at - clock.now())
        if pace.pacer is not None:
            clock.advance(pace.reserve(clock.now()))
        t = clock.now()
        pace.on_send(t)
        n += 1
        in_flight += 1
        next_send = t + 1 / client_rps
        kind = server.answer(t, rng)
        heapq.heappush(answers, (t + (latency if kind in ("ok", "503") else 0.001), n, t, kind))
    return run


def _rate(times: list[float], start: float, end: float) -> float:
    return _admissions(times, start, end) / (end - start)


def test_property_recovery_to_the_true_limit_after_the_429s_stop() -> None:
    """A true limit with a storm on top for a while (random 429s with Retry-After, 503s, a
    far lower limit): within 30 s of the storm's end, what gets through is >= 90% of the
    true limit."""
    rng = random.Random(11)
    for _ in range(40):
        limit = rng.uniform(5.0, 40.0)
        storm = rng.uniform(3.0, 15.0)
        server = Server(
            limit=limit,
            burst=rng.uniform(1.0, 2.0) * limit,
            faults_until=storm,
            share_429=rng.uniform(0.0, 0.5),
            share_503=rng.uniform(0.0, 0.2),
            retry_after_s=rng.choice((None, 1.0, 2.0)),
            # the storm also lowers the limit itself: the pace learns it, then must unlearn it
            storm_limit=rng.uniform(0.05, 0.5) * limit,
        )
        end = storm + 30.0
        run = drive(server, end, random.Random(rng.getrandbits(32)))
        got = _rate(run.admitted, end - 5.0, end - 0.2)
        assert got >= 0.9 * limit, (limit, storm, got)


@pytest.mark.parametrize("share_503", [0.0, 0.03])
def test_property_scattered_429s_far_below_the_limit_cut_nothing(share_503: float) -> None:
    """A few % random 429s with Retry-After (and 503s), at a load far below the limit:
    no pace starts (or it stays near what is sent), concurrency is never cut, and what
    gets through is what was sent, less the faults."""
    rng = random.Random(5)
    for _ in range(20):
        client_rps = rng.uniform(20.0, 120.0)
        share_429 = rng.uniform(0.01, 0.06)
        server = Server(
            limit=1000.0,  # far away
            burst=1000.0,
            faults_until=math.inf,
            share_429=share_429,
            share_503=share_503,
            retry_after_s=1.0,
        )
        run = drive(server, 20.0, random.Random(rng.getrandbits(32)), client_rps=client_rps)
        assert run.min_concurrency >= 64
        assert run.min_rate_after_start >= 0.9 * client_rps
        got = _rate(run.admitted, 5.0, 19.5)
        assert got >= 0.95 * (1 - share_429 - share_503) * client_rps
