"""Every limiter a request passes, per scope: the account's free-model limits, per-model
known rates, learnt rates and concurrency, per-provider concurrency, and the global cap.

`acquire` waits (through the clock) until every scope lets the request go and returns how
long that took; `release` and the `on_*` feedback methods keep the adaptive parts learning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import anyio

from orkit.router._adaptive import AdaptiveRate
from orkit.router._aimd import AdaptiveConcurrency
from orkit.router._breaker import CircuitBreaker
from orkit.router._gate import Gate
from orkit.router._gradient import GradientConcurrency
from orkit.router._options import RouterOptions
from orkit.router._pacing import Pacer, WindowPacer
from orkit.router._quota import DailyQuota
from orkit.types import ChatRequest, Clock

__all__ = ["Limits", "ModelScope", "ProviderScope"]

# Count free-model windows 1% longer than the server's: the next window's first request must
# not arrive before the server's window has ended. Windows are timed from actual sends, so
# only the spread of two requests' trips to the server counts here, not event-loop delays;
# and a refused request's slot is given back, so a rare early one costs one 429, not a window.
_FREE_HEADROOM = 0.99
_DEFAULT_OUTPUT_TOKENS = 256


@dataclass(slots=True)
class _Counters:
    sent: int = 0
    ok: int = 0
    rate_limited: int = 0
    failed: int = 0


class ProviderScope:
    """Concurrency for requests pinned to one provider (`provider.only`/`order` without
    fallbacks): cut when that provider's 429/503s prove overload (no pace is learnt per
    provider, so its 429s are judged here too)."""

    def __init__(self, name: str, options: RouterOptions) -> None:
        self.name = name
        self.concurrency = AdaptiveConcurrency(
            initial=options.initial_concurrency, ceiling=options.max_concurrency
        )
        self.gate = Gate(lambda: self.concurrency.limit)
        self.counters = _Counters()


class ModelScope:
    def __init__(self, model: str, options: RouterOptions, now: float) -> None:
        self.model = model
        self.is_free = model.endswith(":free")
        known = options.limits.get(model)
        self.rpm = Pacer(known.rpm / 60.0, now=now) if known and known.rpm else None
        self.tpm = (
            Pacer(known.tpm / 60.0, burst=max(1.0, known.tpm / 60.0), now=now)
            if known and known.tpm
            else None
        )
        fixed = known.max_concurrency if known else None
        caps = (fixed, options.max_concurrency_per_model, options.max_concurrency)
        ceiling = min(c for c in caps if c is not None)
        self.learnt_rate = AdaptiveRate() if options.adaptive else None
        # A local server's capacity is learnt from service time (it queues, never 429s).
        by_latency = options.adaptive and options.capacity_from_latency
        self.by_latency = GradientConcurrency(ceiling=ceiling) if by_latency else None
        self.concurrency = (
            AdaptiveConcurrency(initial=min(options.initial_concurrency, ceiling), ceiling=ceiling)
            if options.adaptive and not by_latency
            else None
        )
        self.gate = Gate(self._capacity)
        self.turnstile = anyio.Lock()  # FIFO: one waiter at a time books the learnt pace
        self._fixed = ceiling
        self.breaker = CircuitBreaker(
            threshold=options.breaker_threshold,
            cooldown_s=options.breaker_cooldown_s,
            max_failed_probes=options.breaker_max_probes,
        )
        self.counters = _Counters()
        self.rtt_s = 1.0  # EWMA of service time: the "round trip" that paces AIMD cuts

    def _capacity(self) -> int:
        if self.by_latency is not None:
            return self.by_latency.limit
        return self.concurrency.limit if self.concurrency is not None else self._fixed

    def book(self, now: float, tokens: float) -> float:
        """Book the known-rate slots; the wait until all of them allow it. (The learnt pace
        is not booked here: its rate moves, so it is taken through the turnstile.)"""
        wait = 0.0
        if self.rpm is not None:
            wait = max(wait, self.rpm.reserve(now))
        if self.tpm is not None:
            wait = max(wait, self.tpm.reserve(now, tokens))
        return wait


def _pinned_provider(request: ChatRequest) -> str | None:
    """The one provider a request is pinned to, if any."""
    prefs: Any = request.params.get("provider")
    if not isinstance(prefs, dict):
        return None
    only = prefs.get("only")
    if isinstance(only, list) and len(only) == 1:
        return str(only[0])
    order = prefs.get("order")
    if isinstance(order, list) and order and prefs.get("allow_fallbacks") is False:
        return str(order[0]) if len(order) == 1 else None
    return None


def _estimated_tokens(request: ChatRequest) -> float:
    chars = sum(len(str(m.get("content", ""))) for m in request.messages)
    out = request.output_cap
    return chars / 4 + (out if out is not None else _DEFAULT_OUTPUT_TOKENS)


@dataclass(slots=True)
class Limits:
    options: RouterOptions
    clock: Clock
    quota: DailyQuota
    models: dict[str, ModelScope] = field(default_factory=dict)
    providers: dict[str, ProviderScope] = field(default_factory=dict)
    free: WindowPacer | None = None
    free_turnstile: anyio.Lock = field(default_factory=anyio.Lock)  # FIFO, like ModelScope's
    global_gate: Gate | None = None
    waiting: int = 0
    """Requests currently waiting in a limiter (for the progress display)."""

    def __post_init__(self) -> None:
        o = self.options
        self.free = WindowPacer(o.free_per_minute, o.free_window_s / _FREE_HEADROOM)
        self.global_gate = Gate(lambda: o.max_concurrency)

    def scope(self, model: str) -> ModelScope:
        s = self.models.get(model)
        if s is None:
            s = self.models[model] = ModelScope(model, self.options, self.clock.now())
        return s

    def provider(self, request: ChatRequest) -> ProviderScope | None:
        name = _pinned_provider(request)
        if name is None:
            return None
        p = self.providers.get(name)
        if p is None:
            p = self.providers[name] = ProviderScope(name, self.options)
        return p

    async def acquire(
        self, scope: ModelScope, provider: ProviderScope | None, request: ChatRequest
    ) -> float:
        """Wait until the request may go; returns the seconds spent waiting.

        Fixed paces (known limits) are booked first and slept out; then the free-model
        window, through a turnstile; then the concurrency gates; then the learnt pace,
        through a turnstile: one waiter at a time books and sleeps, so a pace cut applies at
        once to everyone queued behind it (nothing booked at the old pace is sent once a 429
        said it was too fast).
        """
        clock = self.clock
        start = clock.now()
        wait = scope.book(start, _estimated_tokens(request) if scope.tpm else 0.0)
        self.waiting += 1
        try:
            if wait > 0:
                await clock.sleep(wait)
            if scope.is_free:
                await self._free_turn()
            await self._enter_gates(scope, provider)
            try:
                if scope.learnt_rate is not None and scope.learnt_rate.pacer is not None:
                    await self._learnt_turn(scope)
            except BaseException:
                self._leave_gates(scope, provider)
                raise
        finally:
            self.waiting -= 1
        scope.counters.sent += 1
        if scope.learnt_rate is not None:
            scope.learnt_rate.on_send(clock.now())
        return clock.now() - start

    async def _free_turn(self) -> None:
        """Wait for room in the free-model window, one waiter at a time, and log the send
        when it goes rather than booking slots ahead: the server's window opens when the
        first of a window's worth arrives, so a late batch (a busy event loop) must push the
        next one back with it, or that one arrives before the server's window has ended."""
        free = self.free
        assert free is not None
        async with self.free_turnstile:
            while (wait := free.delay(self.clock.now())) > 0:
                await self.clock.sleep(wait)
            free.reserve(self.clock.now())

    async def _learnt_turn(self, scope: ModelScope) -> None:
        learnt = scope.learnt_rate
        assert learnt is not None
        async with scope.turnstile:
            while True:
                version = learnt.version
                wait = learnt.reserve(self.clock.now())
                if wait <= 0:
                    return
                await self.clock.sleep(wait)
                if learnt.version == version:
                    return
                # cut while we slept: our slot was booked at the old pace; book again

    async def _enter_gates(self, scope: ModelScope, provider: ProviderScope | None) -> None:
        assert self.global_gate is not None
        await scope.gate.acquire()
        try:
            if provider is not None:
                await provider.gate.acquire()
            try:
                await self.global_gate.acquire()
            except BaseException:
                if provider is not None:
                    provider.gate.release()
                raise
        except BaseException:
            scope.gate.release()
            raise

    def _leave_gates(self, scope: ModelScope, provider: ProviderScope | None) -> None:
        assert self.global_gate is not None
        self.global_gate.release()
        if provider is not None:
            provider.gate.release()
        scope.gate.release()

    def release(self, scope: ModelScope, provider: ProviderScope | None) -> None:
        self._leave_gates(scope, provider)

    def on_success(self, scope: ModelScope, provider: ProviderScope | None, sent_at: float) -> None:
        now = self.clock.now()
        service_s = now - sent_at
        scope.counters.ok += 1
        scope.rtt_s = 0.8 * scope.rtt_s + 0.2 * service_s
        scope.breaker.on_success()
        if scope.concurrency is not None:
            scope.concurrency.on_success()
        if scope.by_latency is not None:
            # released already: the others still out, plus this one
            scope.by_latency.on_sample(sent_at, now, scope.gate.in_flight + 1)
            scope.gate.grown()  # a window measured at the new limit must start at once
        if scope.learnt_rate is not None:
            scope.learnt_rate.on_success(sent_at, now)
        if provider is not None:
            provider.counters.ok += 1
            provider.concurrency.on_success()

    def on_congestion(
        self,
        scope: ModelScope,
        provider: ProviderScope | None,
        *,
        sent_at: float,
        hint_s: float | None,
        rate_limited: bool,
        learn_rate: bool = True,
    ) -> None:
        """A 429/503/529 (or a 402 about the in-flight budget): let the limiters judge it.

        A 429 is about rate: the learnt pace (or the free-model pacer) owns it, and it is
        not fed to this model's concurrency. Two controllers cutting on the same signal
        fought each other, and a few random upstream 429s (which come with Retry-After:
        a provider's pool, not our load) halved the limit again and again. The other
        signals (503, 529, the in-flight budget) reach the concurrency limiter, which
        cuts only when they are frequent enough to prove overload (`AdaptiveConcurrency`).
        """
        now = self.clock.now()
        if rate_limited:
            scope.counters.rate_limited += 1
        scope.breaker.on_neutral()
        learnt = scope.learnt_rate
        if learnt is not None:
            if rate_limited and learn_rate:
                learnt.on_rate_limited(sent_at, now, hint_s)
            else:
                learnt.on_failure(sent_at, now)
        if scope.by_latency is not None:
            scope.by_latency.on_overload(sent_at, now)
        if scope.concurrency is not None:
            if rate_limited:
                scope.concurrency.on_neutral()
            else:
                scope.concurrency.on_congestion(now, scope.rtt_s)
            if learnt is not None and learnt.rate is not None:
                # Halving must not starve the learnt pace: keep what it needs in flight.
                scope.concurrency.at_least(math.ceil(2 * learnt.rate * scope.rtt_s) + 1)
        if provider is not None:
            provider.counters.rate_limited += 1
            provider.concurrency.on_congestion(now, scope.rtt_s)

    def on_failure(self, scope: ModelScope, *, sent_at: float, model_health: bool) -> None:
        """Any other failure; `model_health` says whether it speaks about the model being
        down (5xx, timeouts) rather than about the request (400s)."""
        scope.counters.failed += 1
        if scope.learnt_rate is not None:
            scope.learnt_rate.on_failure(sent_at, self.clock.now())
        if scope.concurrency is not None:
            scope.concurrency.on_neutral()
        if model_health:
            scope.breaker.on_failure(self.clock.now())
        else:
            scope.breaker.on_neutral()

    def free_window_full(self, until_wall: float | None, *, sent_at: float) -> None:
        """The server's per-minute free window is full: hold every free request until then
        (when it says), and give back the slot of the request it refused (sent at
        `sent_at`, clock time): the server did not count it."""
        assert self.free is not None
        self.free.refund(sent_at)
        if until_wall is not None:
            self.free.push_back(self.clock.now() + max(0.0, until_wall - self.clock.wall()))
