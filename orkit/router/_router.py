"""The router: one short async loop per request over limits, the completer, the policy and
the fallback chain, recording every HTTP attempt.

It never decides anything itself: limits say when a request may go, the policy says what a
failure means, and the chain says where to go next. Two things end a task that is still
willing to wait: its wall-clock cap (`RetryPolicy.task_timeout_s`, counted from its first
send) and a breaker that says its model is down (`CircuitBreaker.down`); either way the
row carries the last error the task (or its model) met, in a message saying why it ended.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, replace

from orkit._clock import SystemClock
from orkit.errors import APIError, APIStatusError, CircuitOpenError, RunStoppedError
from orkit.router._limits import Limits, ModelScope, ProviderScope
from orkit.router._options import RouterOptions
from orkit.router._policy import TASK_TIMEOUT, Action, RetryPolicy, Step, classify, decide
from orkit.router._quota import DailyQuota
from orkit.router._record import Attempt, AttemptHooks, Outcome, TaskTally
from orkit.types import ChatRequest, ChatResponse, Clock, Completer

# (Attempt, AttemptHooks and Outcome: the records, re-exported)
__all__ = ["Attempt", "AttemptHooks", "Outcome", "Router", "spills_to_paid"]


class Router:
    """Sends requests through limits, retries and fallbacks. Implements `Completer` too."""

    def __init__(
        self,
        completer: Completer,
        options: RouterOptions | None = None,
        *,
        clock: Clock | None = None,
        quota: DailyQuota | None = None,
    ) -> None:
        self.options = options or RouterOptions()
        self.clock = clock or SystemClock()
        self._completer = completer
        self._rng = random.Random(self.options.seed)
        quota = quota or DailyQuota(
            limit=self.options.free_per_day or 50, path=self.options.quota_path
        )
        self.limits = Limits(self.options, self.clock, quota)
        self._pausing = 0  # tasks in a backoff or waiting on an open breaker
        self._last_failure: dict[str, APIError] = {}
        """Each model's latest failure that spoke of its health (for a down breaker's rows)."""

    @property
    def policy(self) -> RetryPolicy:
        return self.options.retry

    def status(self) -> dict[str, object]:
        """What the router is doing now, for progress displays."""
        limits = self.limits
        now = self.clock.now()
        gate = limits.global_gate
        return {
            "in_flight": gate.in_flight if gate is not None else 0,
            # started, and not in flight: held by a limiter, a backoff or an open breaker
            "waiting": limits.waiting + self._pausing,
            "concurrency": {
                m: s.concurrency.limit for m, s in limits.models.items() if s.concurrency
            },
            "paced_rps": {
                m: round(s.learnt_rate.rate, 3)
                for m, s in limits.models.items()
                if s.learnt_rate is not None and s.learnt_rate.rate is not None
            },
            "open_breakers": [m for m, s in limits.models.items() if s.breaker.retry_in(now) > 0],
        }

    def seed_from_key(self, key_info: dict[str, object]) -> None:
        """Adopt `GET /key`'s free-model daily counters (when the server reports them)."""
        daily = key_info.get("free_model_daily_requests")
        if isinstance(daily, dict) and self.options.free_per_day is None:
            limit, used = daily.get("limit"), daily.get("used")
            self.limits.quota.seed(
                self.clock.wall(),
                limit=limit if isinstance(limit, int) else None,
                used=used if isinstance(used, int) else None,
            )

    async def complete(self, request: ChatRequest) -> ChatResponse:
        """`Completer` protocol: the response, or the task's final error raised."""
        outcome = await self.route(request)
        if outcome.response is None:
            raise outcome.error or CircuitOpenError("deferred", model=request.model)
        return outcome.response

    async def route(self, request: ChatRequest, hooks: AttemptHooks | None = None) -> Outcome:
        """Send `request`, retrying and falling back as the policy says; `hooks` hear of
        each attempt as it starts and ends."""
        chain = [request.model, *self.options.fallbacks.get(request.model, ())]
        state = TaskTally(hooks=hooks)
        for index, model in enumerate(chain):
            req = request if index == 0 else replace(request, model=model)
            outcome = await self._on_model(req, state, can_fall_back=index + 1 < len(chain))
            if outcome is not None:
                outcome.is_fallback = index > 0
                return outcome
        error = state.last_error or CircuitOpenError(
            f"{request.model}: unavailable (circuit open) and no fallback left",
            model=request.model,
        )
        return state.outcome(model=chain[-1], error=error)

    async def _on_model(
        self, request: ChatRequest, state: TaskTally, *, can_fall_back: bool
    ) -> Outcome | None:
        """Attempts on one model; None means: fall back to the next one."""
        limits = self.limits
        here = _OnModel(
            request, limits.scope(request.model), limits.provider(request), can_fall_back
        )
        while True:
            go, result = await self._gatekeep(here, state)
            if not go:
                return result
            if state.hooks is not None:
                await state.hooks.before_attempt(request)
            waited = await limits.acquire(here.scope, here.provider, request)
            state.queue_s += waited
            state.pending_wait += waited
            step, response = await self._attempt(here, state)
            if response is not None:
                model = response.model or request.model
                return state.outcome(model=model, response=response)
            assert step is not None
            here.tries += step.action is Action.RETRY
            here.waits += step.action is Action.WAIT
            if step.action in (Action.RETRY, Action.WAIT):
                state.pending_wait = step.wait_s
                await self._pause(step.wait_s)
                state.backoff_s += step.wait_s
                continue
            return self._settle(step, here, state)

    async def _gatekeep(self, here: _OnModel, state: TaskTally) -> tuple[bool, Outcome | None]:
        """Before an attempt: an open breaker or a spent daily quota may send the task on
        (False, None: fall back), leave it pending (False, an Outcome), or make it wait;
        (True, None) lets the attempt go."""
        clock, limits = self.clock, self.limits
        breaker = here.scope.breaker
        while not breaker.allow(clock.now()):
            if here.can_fall_back:
                return False, None
            if breaker.down:
                return False, state.outcome(
                    model=here.request.model, error=self._down_error(here.request.model)
                )
            left = self._time_left(state)
            if left is not None and left <= 0:
                return False, self._timed_out(state, here.request.model)
            pause = max(0.05, breaker.retry_in(clock.now()))
            if left is not None:
                pause = min(pause, left)  # and then end the task, if still closed
            await self._pause(pause)
            state.backoff_s += pause
        if here.scope.is_free and not limits.quota.take(clock.wall()):
            if spills_to_paid(here.request):
                # OpenRouter answers it with the next model of its `models` list (any error
                # falls back, the daily quota's 429 too) and bills that model: the request
                # the user gave a paid fallback goes, and the estimate prices this spill.
                return True, None
            if here.can_fall_back:
                return False, None
            until = limits.quota.resets_at(clock.wall())
            return False, state.outcome(model=here.request.model, deferred_until=until)
        return True, None

    async def _pause(self, seconds: float) -> None:
        self._pausing += 1
        try:
            await self.clock.sleep(seconds)
        finally:
            self._pausing -= 1

    def _time_left(self, state: TaskTally) -> float | None:
        """Seconds left of the task's wall-clock cap (None: no cap, or nothing sent yet)."""
        cap = self.policy.task_timeout_s
        if cap is None or state.first_sent_at is None:
            return None
        return state.first_sent_at + cap - self.clock.now()

    def _timed_out(self, state: TaskTally, model: str) -> Outcome:
        """The task's wall-clock cap passed: an error row with its last error, saying so."""
        last = state.last_error
        message = f"gave up after task_timeout_s = {self.policy.task_timeout_s:g} s of retries"
        if last is None:
            error: APIError = CircuitOpenError(message, model=model)
        else:
            error = copy.copy(last)  # keeps its type, status and ids for the row
            error.message = f"{message}; last error: {last.message}"
        return state.outcome(model=model, error=error)

    def _down_error(self, model: str) -> CircuitOpenError:
        """The row of a task left waiting on a breaker that has given up on its model."""
        breaker = self.limits.scope(model).breaker
        last = self._last_failure.get(model)
        said = f"; last error: {last.message}" if last is not None else ""
        return CircuitOpenError(
            f"{model} is down: not sent after {breaker.failed_probes} failed probes in a row "
            f"(circuit breaker){said}",
            model=model,
        )

    def _settle(self, step: Step, here: _OnModel, state: TaskTally) -> Outcome | None:
        """After a failure the policy will not retry: stop, defer, fall back, or fail."""
        clock, limits = self.clock, self.limits
        if step.action is Action.STOP:
            assert state.last_error is not None
            raise RunStoppedError(_stop_message(state.last_error, step.reason))
        if step.action is Action.DEFER:
            wall = clock.wall()
            if here.scope.is_free:
                limits.quota.mark_exhausted(wall, wall + step.wait_s)
            if here.can_fall_back:
                return None
            until = wall + step.wait_s if step.wait_s else limits.quota.resets_at(wall)
            return state.outcome(model=here.request.model, deferred_until=until)
        if step.action is Action.FALLBACK and here.can_fall_back:
            return None
        if step.reason == TASK_TIMEOUT:
            return self._timed_out(state, here.request.model)
        return state.outcome(model=here.request.model, error=state.last_error)

    async def _attempt(
        self, here: _OnModel, state: TaskTally
    ) -> tuple[Step | None, ChatResponse | None]:
        """One HTTP attempt: send, then feed the limiters and ask the policy what next."""
        clock, limits = self.clock, self.limits
        t0 = clock.now()
        state.sending(clock.wall(), t0)
        try:
            response = await self._completer.complete(here.request)
        except APIError as error:
            ended = clock.now()
            limits.release(here.scope, here.provider)
            step = self._judge(error, here, state, t0)
            state.failed(here.request.model, error, ended, step.action)
            return step, None
        except BaseException:
            limits.release(here.scope, here.provider)
            raise
        ended = clock.now()
        limits.release(here.scope, here.provider)
        limits.on_success(here.scope, here.provider, t0)
        state.answered(here.request.model, response, ended)
        return None, response

    def _judge(self, error: APIError, here: _OnModel, state: TaskTally, sent_at: float) -> Step:
        """Classify the failure, let the limiters learn from it, and decide the next step."""
        limits = self.limits
        state.last_error = error
        verdict = classify(error, now_wall=self.clock.wall())
        if verdict.congestion:
            is_429 = isinstance(error, APIStatusError) and error.status_code == 429
            if verdict.reason == "free_per_minute" and isinstance(error, APIStatusError):
                limits.free_window_full(error.rate_limit_reset_s, sent_at=sent_at)
                # Rejected by the per-minute window, so not counted against the day.
                limits.quota.give_back(self.clock.wall())
            limits.on_congestion(
                here.scope,
                here.provider,
                sent_at=sent_at,
                hint_s=verdict.hint_s,
                rate_limited=is_429,
                learn_rate=verdict.reason not in ("free_per_minute", "free_daily_quota"),
            )
        else:
            health = verdict.action is Action.RETRY or verdict.action is Action.FALLBACK
            limits.on_failure(here.scope, sent_at=sent_at, model_health=health)
            if health:
                self._last_failure[here.request.model] = error
        step = decide(
            verdict,
            policy=self.policy,
            attempts=here.tries + 1,
            rate_limit_waits=here.waits,
            total_wait_s=state.backoff_s,
            can_fall_back=here.can_fall_back,
            rng=self._rng,
            elapsed_s=self.clock.now() - (state.first_sent_at or sent_at),
        )
        return step


@dataclass(slots=True)
class _OnModel:
    """Where a task stands on one model of its chain."""

    request: ChatRequest
    scope: ModelScope
    provider: ProviderScope | None
    can_fall_back: bool
    tries: int = 0
    waits: int = 0


def spills_to_paid(request: ChatRequest) -> bool:
    """Whether OpenRouter would answer `request` (to a `:free` model) past the day's free
    quota: its `models` list names a model that is not free, which the quota's 429 falls
    back to."""
    chain = request.params.get("models")
    if not isinstance(chain, list):
        return False
    return any(isinstance(m, str) and m != request.model and not _is_free_id(m) for m in chain)


def _is_free_id(model: str) -> bool:
    """A free model id: a `:free` variant, or the router that picks one."""
    return model.endswith(":free") or model == "openrouter/free"


def _stop_message(error: APIError, reason: str) -> str:
    if reason == "authentication":
        return (
            f"the API key was rejected ({error.message}); check OPENROUTER_API_KEY. "
            "The run stopped; nothing more was sent."
        )
    if reason == "insufficient_credits":
        return (
            f"out of credits ({error.message}). The run stopped; add credits at "
            "https://openrouter.ai/settings/credits and resume it."
        )
    if reason == "key_limit":
        return (
            f"the API key's spending limit is reached ({error.message}). The run stopped; "
            "its results so far are kept: raise the limit (orkit resume --provision-key "
            "LIMIT for a run that provisions its key) and resume it."
        )
    return f"the run stopped: {error.message}"
