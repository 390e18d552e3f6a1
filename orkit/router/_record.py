"""What routing one task leaves behind: a row per HTTP attempt, the task's outcome, and
the tally the router keeps while the task is in its hands.

The router (`_router.py`) drives; this module only records, so the shape of an attempts
row and of an outcome can be read (and changed) without reading the loop that fills them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from orkit.errors import APIError, APIStatusError, http_status_of
from orkit.router._policy import Action
from orkit.types import ChatRequest, ChatResponse, Usage

__all__ = ["Attempt", "AttemptHooks", "Outcome", "TaskTally"]

_NO_USAGE = Usage()
"""What an answer that reported no usage said: no tokens, no cost (all None)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Attempt:
    """One HTTP attempt (a row of the attempts table)."""

    attempt: int
    model: str
    provider: str | None
    http_status: int | None
    error_type: str | None
    started_at: float
    """Unix seconds."""
    duration_s: float
    wait_s: float
    """Waiting before this attempt: limiters, plus backoff after the previous one."""
    retry_after_s: float | None
    action: str
    """What followed: ok, retry, wait, fallback, fail, defer, stop."""
    generation_id: str | None = None
    """Set when the server began a generation: billed, even if the attempt then failed."""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: float | None = None
    """What the response (or a mid-stream error event) said the attempt cost; None: not said."""


class AttemptHooks(Protocol):
    """What a caller of `Router.route` hears of each attempt of its request."""

    async def before_attempt(self, request: ChatRequest) -> None:
        """Called before each attempt waits at the limits; raising stops the request there
        (the exception propagates out of `route`)."""

    def after_attempt(self, attempt: Attempt) -> None:
        """Called as each attempt ends, before the router waits or tries again."""


@dataclass(slots=True, kw_only=True)
class Outcome:
    """How a task ended: a response, an error, or deferred until a quota resets."""

    response: ChatResponse | None = None
    error: APIError | None = None
    deferred_until: float | None = None
    """Unix seconds when the quota that stopped this task resets."""
    model: str
    """The model of the last attempt (the served one when it succeeded)."""
    is_fallback: bool = False
    attempts: list[Attempt] = field(default_factory=list)
    queue_s: float = 0.0
    backoff_s: float = 0.0


@dataclass(slots=True)
class TaskTally:
    """One task's running record while the router works it."""

    attempt: int = 0
    queue_s: float = 0.0
    backoff_s: float = 0.0
    pending_wait: float = 0.0
    attempts: list[Attempt] = field(default_factory=list)
    last_error: APIError | None = None
    first_sent_at: float | None = None
    """Clock time of the task's first send: its wall-clock cap counts from there (time in
    the queue before it is the run's pace, not this task's trouble)."""
    hooks: AttemptHooks | None = None
    sent: tuple[float, float, float] = (0.0, 0.0, 0.0)
    """The attempt in flight: wall time and clock time it was sent, and the wait before."""

    def sending(self, wall: float, now: float) -> None:
        """An attempt goes out at `wall` (Unix seconds) / `now` (the router's clock)."""
        self.attempt += 1
        if self.first_sent_at is None:
            self.first_sent_at = now
        self.sent = (wall, now, self.pending_wait)
        self.pending_wait = 0.0

    def answered(self, model: str, response: ChatResponse, ended: float) -> None:
        """Record the attempt in flight as answered with `response` at clock time `ended`."""
        self._add(
            model,
            ended,
            provider=response.provider,
            http_status=200,
            error_type=None,
            retry_after_s=None,
            action="ok",
            generation_id=response.generation_id,
            usage=response.usage,
        )

    def failed(self, model: str, error: APIError, ended: float, action: Action) -> None:
        """Record the attempt in flight as failed with `error` at clock time `ended`, and
        what the policy made of it."""
        self._add(
            model,
            ended,
            provider=error.provider,
            http_status=http_status_of(error),
            error_type=error.error_type,
            retry_after_s=error.retry_after_s if isinstance(error, APIStatusError) else None,
            action=str(action),
            generation_id=error.generation_id,
            # what a mid-stream error event reported: the broken answer was billed this much
            usage=error.usage,
        )

    def outcome(
        self,
        *,
        model: str,
        response: ChatResponse | None = None,
        error: APIError | None = None,
        deferred_until: float | None = None,
    ) -> Outcome:
        return Outcome(
            model=model,
            response=response,
            error=error,
            deferred_until=deferred_until,
            attempts=self.attempts,
            queue_s=self.queue_s,
            backoff_s=self.backoff_s,
        )

    def _add(
        self,
        model: str,
        ended: float,
        *,
        provider: str | None,
        http_status: int | None,
        error_type: str | None,
        retry_after_s: float | None,
        action: str,
        generation_id: str | None,
        usage: Usage | None,
    ) -> None:
        usage = usage or _NO_USAGE
        started_wall, started_at, wait_s = self.sent
        attempt = Attempt(
            attempt=self.attempt,
            model=model,
            provider=provider,
            http_status=http_status,
            error_type=error_type,
            started_at=started_wall,
            duration_s=ended - started_at,
            wait_s=wait_s,
            retry_after_s=retry_after_s,
            action=action,
            generation_id=generation_id,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            cost_usd=usage.cost_usd,
        )
        self.attempts.append(attempt)
        if self.hooks is not None:
            self.hooks.after_attempt(attempt)
