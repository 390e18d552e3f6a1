"""Adaptive pacing for servers whose rate limits nobody told us: learn them from 429s.

`AdaptiveRate` paces requests once congestion has been seen. When a server rejects requests
with 429, the requests it still accepts arrive at exactly the rate it allows, so the rate of
successes measured while 429s occur *is* the limit: the pace is set just under it. Without
429s the pace creeps up, probing for more. Its sibling on requests in flight is
`AdaptiveConcurrency` (`_aimd.py`). Pure: `now` is passed in.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import deque

from orkit.router._pacing import Pacer

__all__ = ["AdaptiveRate"]

SEARCH_GAIN = 1.25
"""The upward search's growth per `adjust_every_s` once nothing was rejected for `memory_s`
(from a pace of 1/s to 40/s in about 8 s)."""
_MAX_SEARCH_STEPS = 4  # one adjustment after a long silence does not leap by more (×2.4)


class AdaptiveRate:
    """A request pace learnt from how fast a server *admits* requests (BBR-style).

    A 429 alone does not say a limit was passed — providers also reject at random — but the
    admission rate does: while we send faster than a limit, what gets through arrives at
    exactly the limit; while we send slower, it arrives at our own pace. So the pace is the
    highest admission rate measured over the last `memory_s`, times a gain that cycles — one
    step at 1.25 (probe: does more get through?), one at 0.8 (drain what the probe queued),
    then steady at 0.95 (the highest of noisy samples overstates the limit by a few percent).
    Against a limit, probing gets no more through and the pace settles on the limit with a
    few 429s per cycle; against random rejections, admissions grow with each probe and so
    does the pace.

    Pacing starts only when rejections are many and their share of all sends rises
    `proof_share` above its background level: an unpaced start past a limit is rejected in
    bulk, random 429s never are. Sends still in flight count as not rejected: 429s come back
    at once and admissions a round trip later, so judging answers alone made the first
    instants of any run with a few random 429s look all-rejected. The first pace is a guess
    (half of what got through, some of it thanks to the limit's burst allowance) used until
    a paced sample measures it. The same test of rejections against their
    background, applied to each paced sample, catches a pace gone past the limit (a burst
    allowance can inflate what gets through for a while): that sample then replaces the
    remembered maximum. After `memory_s` without a single rejection the pace searches
    upwards fast (`SEARCH_GAIN` per step), since the limit may have gone.

    The pace never falls below the admission rate of the last sample window that had
    admissions (`floor`): what got through, the server demonstrably accepts. A window is a
    measurement only if requests could be sent in it: time the pace was paused by a
    Retry-After is left out of it, and a window with no admission measures nothing (a
    window paused throughout once read as a rate of 0, and the upward search multiplied 0).
    Only a Retry-After that comes with proof of a limit pauses everyone; a scattered 429's
    hint is the business of the request that got it.

    Admissions are timed by when the request was *sent*, and only sends old enough to have
    their answer count, so requests in flight never skew a sample. Rejections return at once,
    so pacing — not concurrency — is what keeps them few.
    """

    GAINS = (1.25, 0.8, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95)

    def __init__(
        self,
        *,
        sample_s: float = 1.0,
        adjust_every_s: float = 0.5,
        memory_s: float = 10.0,
        pause_hint_s: float = 1.0,
        proof_share: float = 0.1,
        min_rejections: int = 5,
        min_rate: float = 0.01,
    ) -> None:
        self.sample_s = sample_s
        self.adjust_every_s = adjust_every_s
        self.memory_s = memory_s
        self.pause_hint_s = pause_hint_s
        self.proof_share = proof_share
        self.min_rejections = min_rejections
        self.min_rate = min_rate
        self.pacer: Pacer | None = None
        self.version = 0
        """Bumped whenever the pace is created or slowed: slots booked before are stale."""
        self.latency_s = 0.0
        """EWMA of how long admitted requests take to answer."""
        self.bandwidth = 0.0
        """The highest admission rate (requests/s) measured within `memory_s`."""
        self.floor = 0.0
        """The admission rate of the last sample window with admissions: the pace's floor."""
        self.window: tuple[float, float] | None = None
        """The send times [start, end] that `floor` was measured over."""
        # send times, by outcome: admitted, rejected (429), failed otherwise
        self._sent: dict[str, deque[float]] = {k: deque() for k in ("ok", "429", "other")}
        self._sends: deque[float] = deque()  # every send (`on_send`), answered or not
        self._pauses: deque[tuple[float, float]] = deque()  # Retry-After pauses of the pace
        # (time, admission rate, measured?) — unmeasured ones are the upward search's guesses
        self._samples: deque[tuple[float, float, bool]] = deque()
        self._last_adjust = float("-inf")
        self._last_rejection = float("-inf")
        self._phase = 0
        self._paced_since = float("inf")  # sends before the pace existed are not samples
        self._guess_window = (0.0, 0.0)  # the sends the first pace was guessed from

    @property
    def rate(self) -> float | None:
        return None if self.pacer is None else self.pacer.rate

    def reserve(self, now: float) -> float:
        return 0.0 if self.pacer is None else self.pacer.reserve(now)

    # ------------------------------------------------------------------ events

    def on_send(self, now: float) -> None:
        """A request left (answers say how it went, later)."""
        self._sends.append(now)

    def on_success(self, sent_at: float, now: float) -> None:
        elapsed = now - sent_at
        self.latency_s = elapsed if not self._sent["ok"] else (0.8 * self.latency_s + 0.2 * elapsed)
        self._record("ok", sent_at, now)

    def on_failure(self, sent_at: float, now: float) -> None:
        """Any other failed answer: not a rejection, but part of the shares."""
        self._record("other", sent_at, now)

    def on_rate_limited(self, sent_at: float, now: float, retry_after_s: float | None) -> None:
        self._last_rejection = now
        if any(not measured for _, _, measured in self._samples):
            # The upward search has found the limit: its guesses are not evidence.
            kept = [s for s in self._samples if s[2]]
            self._samples = deque(kept)
            self.bandwidth = max((r for _, r, _ in kept), default=self.bandwidth / 1.1)
        self._record("429", sent_at, now)
        if self.pacer is None or not self._limit_evident(now):
            return  # a scattered 429: its request waits out its own hint
        if retry_after_s is not None and retry_after_s >= self.pause_hint_s:
            # A long hint with a proven limit is a pause order (a provider pool, a window):
            # honour it for all.
            self.pacer.push_back(now + retry_after_s)
            self._note_pause(now, now + retry_after_s)
            self.version += 1

    def _record(self, outcome: str, sent_at: float, now: float) -> None:
        _insort(self._sent[outcome], sent_at)
        if self.pacer is None:
            self._maybe_start(now)
        elif outcome != "429" and sent_at < self._paced_since:
            self._revise_first_guess(now)
        else:
            self._adjust(now)

    def _note_pause(self, start: float, end: float) -> None:
        if self._pauses and start <= self._pauses[-1][1]:
            first, last = self._pauses.pop()
            start, end = first, max(last, end)
        self._pauses.append((start, end))

    # ------------------------------------------------------------------ decisions

    def _count(self, outcome: str, start: float, end: float) -> int:
        # The send times are sorted (`_insort`): two binary searches, not a scan — this runs
        # on every answer, over up to `memory_s` of sends.
        times = self._sent[outcome]
        return bisect_right(times, end) - bisect_left(times, start)

    def _trim(self, edge: float) -> None:
        for q in (*self._sent.values(), self._sends):
            while q and q[0] < edge:
                q.popleft()
        while self._pauses and self._pauses[0][1] < edge:
            self._pauses.popleft()

    def _paused(self, start: float, end: float) -> float:
        """Seconds of [start, end] during which the pace was paused by a Retry-After."""
        return sum(max(0.0, min(end, b) - max(start, a)) for a, b in self._pauses)

    def _share(self, start: float, end: float) -> tuple[int, float, int]:
        """Rejections, their share of all sends, and the number of sends (answered or not:
        a send still in flight is not counted as rejected — 429s come back at once)."""
        ok, rej, other = (self._count(k, start, end) for k in ("ok", "429", "other"))
        sent = bisect_right(self._sends, end) - bisect_left(self._sends, start)
        n = max(ok + rej + other, sent)
        return rej, rej / max(1, n), n

    def _past_limit(self, start: float, end: float) -> bool:
        """Rejections in [start, end] far enough above their background level (the seconds
        before) to be a limit, not random 429s: by `proof_share`, plus two standard errors
        of the share so small samples do not fire by chance."""
        rej, share, n = self._share(start, end)
        _, background, _ = self._share(start - self.memory_s, start)
        p = max(background, 0.05)
        noise = 2 * math.sqrt(p * (1 - p) / max(1, n))
        return rej >= self.min_rejections and share > background + self.proof_share + noise

    def _limit_evident(self, now: float) -> bool:
        """The last second's rejections prove a limit: their share is above its background
        plus `proof_share` by three standard errors *of that raised share*. Stricter than
        `_past_limit` because it is asked on every answer of an unpaced run, where a false
        positive starts a pace (or pauses everyone) for nothing: with the looser test, 6 of
        26 sends rejected by 6% random 429s started one now and then. A real limit passed
        at the start rejects most sends."""
        start = now - self.sample_s - self.latency_s
        rej, share, n = self._share(start, now)
        _, background, _ = self._share(start - self.memory_s, start)
        p = min(0.99, max(background, 0.05) + self.proof_share)
        noise = 3 * math.sqrt(p * (1 - p) / max(1, n))
        return rej >= self.min_rejections and share > p + noise

    def _maybe_start(self, now: float) -> None:
        """Unpaced: start pacing once the last second's sends prove a limit — many
        rejections, and a share well above the background rate of the seconds before (the
        noise of a provider that rejects at random)."""
        self._trim(now - self.memory_s - 2 * self.sample_s)
        if len(self._sent["429"]) < self.min_rejections:
            return  # too few rejections remembered to prove anything (the common case)
        if not self._limit_evident(now):
            return
        start = now - self.sample_s - self.latency_s
        self._guess_window = (start - self.sample_s, now)
        self.bandwidth = self._first_pace()
        self.pacer = Pacer(max(self.min_rate, self.bandwidth), now=now)
        self._paced_since = now
        self._last_adjust = now
        self._phase = 1  # start by draining what the unpaced start queued
        self.version += 1

    def _first_pace(self) -> float:
        """Half the rate at which the sends of the guess window were admitted (so far): the
        first pace, a guess on the safe side (some got through on a burst allowance). Sends
        still in flight count as admitted, as in `_share`: a guess of 1/s made before the
        admissions were back had the next waiter book a slot a second away, and that slot
        held every later send back however fast the guess then rose."""
        start, end = self._guess_window
        admitted = sorted(t for k in ("ok", "other") for t in self._sent[k] if start <= t <= end)
        sends = [t for t in self._sends if start <= t <= end]
        in_flight = len(sends) - len(admitted) - self._count("429", start, end)
        times = sends if in_flight > 0 else admitted
        span = times[-1] - times[0] if len(times) > 1 else 0.0
        span = min(2 * self.sample_s, max(span, self.adjust_every_s))
        return max(1.0, len(admitted) + max(0, in_flight)) / span / 2

    def _revise_first_guess(self, now: float) -> None:
        """An admission of a send from before the pace: the first guess counted it as still
        in flight. Rejections come back at once and admissions a round trip later, so a
        burst judged at its first 429s looks nearly all rejected (a start of 64 in flight
        against 20 requests/s was guessed at 1/s, and crept up from there for 25 s). As its
        admissions arrive, the guess rises to what they show (never falls: later samples of
        the paced sends take over from here)."""
        revised = self._first_pace()
        if self.pacer is not None and revised > self.bandwidth:
            self.bandwidth = revised
            target = max(self.min_rate, self.floor, revised * self.GAINS[self._phase])
            self.pacer.set_rate(target, now)

    def _adjust(self, now: float) -> None:
        pacer = self.pacer
        if pacer is None or now - self._last_adjust < self.adjust_every_s:
            return
        horizon = now - self.latency_s  # sends before this have been answered
        # A sample spans at least ~20 sends, so slow limits are not measured from 3 events.
        span = max(self.sample_s, min(self.memory_s / 2, 20 / pacer.rate))
        edge = max(horizon - span, self._paced_since)
        # Time paused by a Retry-After is not time the server was offered requests.
        sending_s = horizon - edge - self._paused(edge, horizon)
        if sending_s < self.adjust_every_s:
            return  # too little paced history yet, or paused most of it
        # Admitted = not rejected by the limit: a 5xx got past it, so it counts.
        passed = self._count("ok", edge, horizon) + self._count("other", edge, horizon)
        if passed == 0:
            return  # nothing got through, so nothing is measured (Retry-Afters do the waiting)
        steps = min(_MAX_SEARCH_STEPS, (now - self._last_adjust) / self.adjust_every_s)
        self._last_adjust = now
        self._trim(edge - self.memory_s)
        admitted = passed / sending_s
        self.floor, self.window = admitted, (edge, horizon)
        past_limit = self._past_limit(edge, horizon)
        if past_limit:
            # Rejections well above their background: this pace is past the limit, and what
            # got through *is* the limit. Earlier samples (a burst allowance may have
            # inflated them) give way to it.
            self._samples.clear()
        offered = self._share(edge, horizon)[2] / sending_s
        # Sent well under the pace (a slot booked at an older, slower pace; no demand): the
        # window did not offer the pace, so it may raise the estimate but not lower it.
        if past_limit or offered >= 0.5 * pacer.rate or admitted >= self.bandwidth:
            self._samples.append((now, admitted, True))
        while self._samples and self._samples[0][0] < now - self.memory_s:
            self._samples.popleft()
        previous = self.bandwidth
        self.bandwidth = max((r for _, r, _ in self._samples), default=previous)
        if now - self._last_rejection > self.memory_s:
            # Nothing rejected for a while, probes included: the limit moved up or is gone.
            # Search up by time, not by answers: a pace cut to a trickle by a storm of 429s
            # gets answers seldom, and +10% per answer took minutes to climb back.
            self.bandwidth = max(self.bandwidth, previous * SEARCH_GAIN**steps)
            self._samples.append((now, self.bandwidth, False))
        self._phase = (self._phase + 1) % len(self.GAINS)
        target = max(self.min_rate, self.floor, self.bandwidth * self.GAINS[self._phase])
        if target < pacer.rate:
            self.version += 1
        pacer.set_rate(target, now)


def _insort(q: deque[float], t: float) -> None:
    """Append keeping order (answers arrive almost in send order; fix the few that don't)."""
    if not q or q[-1] <= t:
        q.append(t)
        return
    i = len(q) - 1
    while i > 0 and q[i - 1] > t:
        i -= 1
    q.insert(i, t)
