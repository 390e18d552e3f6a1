"""What to do about a failed attempt: pure functions, no I/O, no clock of their own.

`classify` turns an error into a `Verdict` (what kind of failure it is and any wait the
server asked for); `decide` turns a verdict plus the task's history so far into a `Step`
(retry after a backoff, wait then retry, fall back to the next model, fail the task, leave it
for later, or stop the run). Every row of the policy is in `tests/router/test_policy.py`.

| failure                                        | verdict   | then                               |
|------------------------------------------------|-----------|------------------------------------|
| 401                                            | stop      | the run stops with one message     |
| 402 with Retry-After (in-flight budget)        | wait      | wait the hint, retry               |
| 402 without                                    | stop      | the run stops (add credits)        |
| 400 context length                             | fallback  | next model in the chain, else fail |
| 403 Key limit exceeded                         | stop      | the run stops (the key's limit)    |
| 400, 403, 409, 413, 422, other 4xx             | fail      | a row with the error               |
| 5xx whose body says the request is invalid     | fail      | a row (the client maps it to 400's |
|   (llama.cpp / vLLM / Ollama validation errors)|           | class, keeping its 5xx status)     |
| 404 (no endpoints, model gone)                 | fallback  | next model, else fail              |
| 429 free-models-per-day                        | defer     | left pending until the reset       |
| 429 free-models-per-minute                     | wait      | until X-RateLimit-Reset            |
| 429 upstream / other                           | wait      | Retry-After if given, else backoff |
| 408, 500, 502, 504, 524, other 5xx             | retry     | exponential backoff, full jitter   |
| 503, 529 (overloaded)                          | retry     | hint if given, else backoff        |
| timeout, connection error, broken stream       | retry     | backoff                            |
| mid-stream error event                         | by code   | as its status above                |

Retries and waits are capped per model (`max_attempts`, `max_rate_limit_waits`) and per
task (`max_total_wait_s`); past a cap the task falls back if it can, else fails. On top of
those, `task_timeout_s` caps the wall-clock time of a task from its first send: a wait that
would end past it is not waited, and the task fails at once (no fallback: the cap is the
task's, whatever model it is on) with the reason `TASK_TIMEOUT`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum

from orkit.errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConfigError,
    ContextLengthError,
    InsufficientCreditsError,
    InvalidResponseError,
    NotFoundError,
    PermissionDeniedError,
    ProviderOverloadedError,
    RateLimitError,
    ServiceUnavailableError,
)
from orkit.router._option_checks import check_fields, ruled_fields

__all__ = [
    "DEFAULT_TASK_TIMEOUT_S",
    "TASK_TIMEOUT",
    "Action",
    "RetryPolicy",
    "Step",
    "Verdict",
    "backoff_s",
    "classify",
    "decide",
]

DEFAULT_TASK_TIMEOUT_S = 300.0
"""Five minutes: room for the full retry schedule of a flaky model (6 attempts, backoffs up
to 30 s), not for an hour of probing a dead one."""

TASK_TIMEOUT = "task_timeout"
"""The reason of a step that ends a task because its wall-clock cap would pass."""


class Action(StrEnum):
    RETRY = "retry"
    WAIT = "wait"
    FALLBACK = "fallback"
    FAIL = "fail"
    DEFER = "defer"
    STOP = "stop"


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """Caps and backoff shape. Defaults suit long batch runs: patient, never unbounded."""

    max_attempts: int = 6
    """Attempts per model for retryable failures (timeouts, 5xx, broken streams)."""
    max_rate_limit_waits: int = 30
    """Rate-limit waits per model: waiting out a 429 is normal, but not forever."""
    base_backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    max_hint_s: float = 600.0
    """A server-requested wait longer than this is not waited: fall back or fail instead."""
    max_total_wait_s: float = 1800.0
    """All waiting for one task (backoffs and hints) across models."""
    task_timeout_s: float | None = DEFAULT_TASK_TIMEOUT_S
    """Wall-clock cap on one task from its first send, attempts and waits included (None:
    no cap). A deterministic failure retried with backoff, or a model that keeps answering
    slowly, ends as an error row after this long instead of holding the run."""

    def __post_init__(self) -> None:
        check_fields(self, *ruled_fields(RetryPolicy))
        if self.base_backoff_s > self.max_backoff_s:
            raise ConfigError(
                f"max_backoff_s: must be >= base_backoff_s ({self.base_backoff_s!r}),"
                f" got {self.max_backoff_s!r}"
            )


@dataclass(frozen=True, slots=True)
class Verdict:
    action: Action
    reason: str
    """Short and stable, for the attempts table and the progress display."""
    hint_s: float | None = None
    """How long the server asked us to wait (Retry-After, metadata, X-RateLimit-Reset)."""
    congestion: bool = False
    """A sign of overload (429, 503, 529): limiters slow down on it."""


@dataclass(frozen=True, slots=True)
class Step:
    action: Action
    wait_s: float = 0.0
    reason: str = ""


def _hint(error: APIStatusError, now_wall: float) -> float | None:
    """Seconds to wait, from Retry-After (already parsed by the client) or a reset time."""
    if error.retry_after_s is not None:
        return max(0.0, error.retry_after_s)
    if error.rate_limit_reset_s is not None:
        return max(0.0, error.rate_limit_reset_s - now_wall)
    return None


def classify(error: APIError, *, now_wall: float) -> Verdict:
    """The kind of failure `error` is. `now_wall` (Unix seconds) turns reset times into waits."""
    if isinstance(error, APIConnectionError | InvalidResponseError):
        return Verdict(Action.RETRY, error.error_type)
    if not isinstance(error, APIStatusError):
        return Verdict(Action.RETRY, error.error_type)
    hint = _hint(error, now_wall)
    if isinstance(error, AuthenticationError):
        return Verdict(Action.STOP, "authentication")
    if isinstance(error, InsufficientCreditsError):
        if error.retry_after_s is not None:
            return Verdict(Action.WAIT, "in_flight_budget", hint, congestion=True)
        return Verdict(Action.STOP, "insufficient_credits")
    if isinstance(error, PermissionDeniedError) and _is_key_limit(error):
        return Verdict(Action.STOP, "key_limit")
    if isinstance(error, RateLimitError):
        return _classify_429(error, hint)
    if isinstance(error, ContextLengthError):
        return Verdict(Action.FALLBACK, "context_length")
    if isinstance(error, NotFoundError):
        return Verdict(Action.FALLBACK, "not_found")
    if isinstance(error, ServiceUnavailableError | ProviderOverloadedError):
        return Verdict(Action.RETRY, "overloaded", hint, congestion=True)
    if isinstance(error, BadRequestError):
        # Before the status: a validation error a local server sends with a 500 is a bad
        # request (the client says so by its class); sending it again gets the same answer.
        return Verdict(Action.FAIL, error.error_type)
    status = error.status_code
    if status == 408 or status >= 500:
        return Verdict(Action.RETRY, f"http_{status}", hint)
    return Verdict(Action.FAIL, error.error_type)


def _is_key_limit(error: APIStatusError) -> bool:
    """OpenRouter's 403 for a key whose credit limit is spent (`Key limit exceeded (total
    limit)`, or daily/weekly/monthly): every later request of the key gets it too, so
    retrying or falling back cannot help (on a resetting limit, not until the reset)."""
    return error.status_code == 403 and "Key limit exceeded" in error.message


def _classify_429(error: RateLimitError, hint: float | None) -> Verdict:
    scope = error.scope
    if scope == "free-per-day":
        return Verdict(Action.DEFER, "free_daily_quota", hint, congestion=True)
    if scope == "free-per-minute":
        return Verdict(
            Action.WAIT, "free_per_minute", hint if hint is not None else 60.0, congestion=True
        )
    return Verdict(
        Action.WAIT,
        "rate_limited_upstream" if scope == "upstream" else "rate_limited",
        hint,
        congestion=True,
    )


def backoff_s(policy: RetryPolicy, attempt: int, rng: random.Random) -> float:
    """Exponential backoff with full jitter: uniform(0, min(max, base · 2^(attempt-1)))."""
    ceiling = min(policy.max_backoff_s, policy.base_backoff_s * (2 ** max(0, attempt - 1)))
    return rng.uniform(0.0, ceiling)


def decide(
    verdict: Verdict,
    *,
    policy: RetryPolicy,
    attempts: int,
    rate_limit_waits: int,
    total_wait_s: float,
    can_fall_back: bool,
    rng: random.Random,
    elapsed_s: float = 0.0,
) -> Step:
    """The next step for a task whose attempt number `attempts` (on this model) just failed.

    `rate_limit_waits` counts waits already taken on this model, `total_wait_s` all waiting
    so far for the task, `elapsed_s` the wall-clock time since its first send.
    """
    give_up = Step(Action.FALLBACK if can_fall_back else Action.FAIL, 0.0, verdict.reason)
    action = verdict.action
    if action in (Action.STOP, Action.FAIL, Action.DEFER):
        return Step(action, verdict.hint_s or 0.0, verdict.reason)
    if action is Action.FALLBACK:
        return give_up
    if action is Action.WAIT:
        if rate_limit_waits >= policy.max_rate_limit_waits:
            return Step(give_up.action, 0.0, f"{verdict.reason}: too many rate-limit waits")
        wait = verdict.hint_s
        if wait is None:  # a 429 without a hint: back off like a retry, but on the wait budget
            wait = backoff_s(policy, rate_limit_waits + 1, rng)
    else:
        if attempts >= policy.max_attempts:
            return Step(give_up.action, 0.0, f"{verdict.reason}: retries exhausted")
        wait = verdict.hint_s if verdict.hint_s is not None else backoff_s(policy, attempts, rng)
    if wait > policy.max_hint_s or total_wait_s + wait > policy.max_total_wait_s:
        return Step(give_up.action, 0.0, f"{verdict.reason}: wait of {wait:.0f} s too long")
    if policy.task_timeout_s is not None and elapsed_s + wait > policy.task_timeout_s:
        return Step(Action.FAIL, 0.0, TASK_TIMEOUT)
    return Step(action, wait, verdict.reason)
