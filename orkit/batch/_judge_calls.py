"""Send one judge request the way a candidate request goes: response cache first, then the
budget (worst case reserved before sending), then the router (the judge model's own limits,
retries and fallbacks). Identical requests in flight at once are sent once.

Each call returns its reply text and what it cost, so judge spend is kept on its own lines
(the scores table's `judge_*` columns), never mixed into the candidates' cost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import anyio

from orkit._format import usd
from orkit.batch._attempts import AttemptBudget, OverBudget
from orkit.batch._budget import Budget
from orkit.batch._observer import format_reset
from orkit.results import ResponseCache, is_deterministic
from orkit.router import Routes
from orkit.types import ChatRequest, ChatResponse

__all__ = ["JudgeCaller", "JudgeReply"]


@dataclass(frozen=True, slots=True)
class JudgeReply:
    text: str | None
    """The judge's reply; None when no reply came (`error` says why)."""
    sent: bool
    """A request went out (False: answered from the cache, or not sent at all)."""
    cached: bool = False
    cost_usd: float | None = 0.0
    """None: sent, but the cost is unknown (never counted as 0)."""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    error: str | None = None


def _reply(response: ChatResponse, *, cached: bool) -> JudgeReply:
    usage = response.usage
    cost = 0.0 if cached else (usage.cost_usd if usage is not None else None)
    return JudgeReply(
        text=response.content or "",
        sent=not cached,
        cached=cached,
        cost_usd=cost,
        prompt_tokens=usage.prompt_tokens if usage is not None else None,
        completion_tokens=usage.completion_tokens if usage is not None else None,
    )


@dataclass(slots=True)
class JudgeCaller:
    router: Routes
    cache: ResponseCache | None = None
    budget: Budget | None = None
    worst_case: Callable[[ChatRequest], float] | None = None
    """The most a judge request could cost (required with a budget)."""
    _in_flight: dict[str, anyio.Event] = field(default_factory=dict)

    async def call(self, request: ChatRequest) -> JudgeReply:
        key = None
        if self.cache is not None and is_deterministic(request):
            key = self.cache.key(request, 0)
            # The same request already on its way (two models gave the same answer to the
            # same question): wait for it and take its answer from the cache.
            while key in self._in_flight:
                await self._in_flight[key].wait()
            hit = self.cache.get(key)
            if hit is not None:
                return _reply(hit, cached=True)
            self._in_flight[key] = anyio.Event()
        try:
            return await self._send(request, key)
        finally:
            if key is not None:
                self._in_flight.pop(key).set()

    async def _send(self, request: ChatRequest, key: str | None) -> JudgeReply:
        reserved = None
        if self.budget is not None and self.worst_case is not None:
            reserved = self.worst_case(request)
            if not await self.budget.reserve(reserved):
                return JudgeReply(
                    None, sent=False, error=f"over budget (could cost {usd(reserved)})"
                )
        # Each attempt pays for itself: a retry after a billed broken stream is billed again.
        pay = None
        if reserved is not None and self.budget is not None and self.worst_case is not None:
            pay = AttemptBudget(self.budget, self.worst_case, reserved)
        try:
            outcome = await self.router.route(request, pay)
        except OverBudget as stop:
            assert pay is not None
            pay.close(cancelled=False)
            return JudgeReply(None, sent=True, cost_usd=None, error=f"over budget: {stop}")
        except BaseException:
            if pay is not None:
                pay.close(cancelled=True)  # cancelled mid-flight: assume the worst
            raise
        if pay is not None:
            pay.close(cancelled=False)
        response = outcome.response
        if response is not None:
            if key is not None and self.cache is not None:
                self.cache.put(key, response)
            return _reply(response, cached=False)
        if outcome.deferred_until is not None:
            until = format_reset(outcome.deferred_until)
            return JudgeReply(None, sent=False, error=f"waiting for quota (resets at {until})")
        error = outcome.error
        what = f"{error.error_type}: {error.message}" if error is not None else "no answer"
        # Sent and failed: what it cost is not known (usually nothing), and never counted as 0.
        return JudgeReply(None, sent=True, cost_usd=None, error=what[:300])
