"""Client-side routing (layer 2): retries, waits, fallbacks and rate limits.

Pure parts (policy, pacers, adaptive limits, breaker, quota) take time as an argument; the
`Router` is the one async loop that sleeps, through an injected clock.

Public: the names in `__all__`, imported from `orkit.router`; its `_` modules are internal.
"""

from __future__ import annotations

from orkit import _exports
from orkit.errors import CircuitOpenError
from orkit.router._adaptive import AdaptiveRate
from orkit.router._aimd import AdaptiveConcurrency
from orkit.router._breaker import BreakerState, CircuitBreaker
from orkit.router._gradient import GradientConcurrency
from orkit.router._option_checks import option_problem, ruled_fields
from orkit.router._options import ModelLimits, RouterOptions
from orkit.router._pacing import Pacer, WindowPacer
from orkit.router._policy import (
    DEFAULT_TASK_TIMEOUT_S,
    Action,
    RetryPolicy,
    Step,
    Verdict,
    backoff_s,
    classify,
    decide,
)
from orkit.router._quota import DailyQuota, account_id, next_utc_midnight
from orkit.router._record import Attempt, Outcome
from orkit.router._router import Router, spills_to_paid
from orkit.router._set import RouterSet, Routes

__all__ = [
    "DEFAULT_TASK_TIMEOUT_S",
    "Action",
    "AdaptiveConcurrency",
    "AdaptiveRate",
    "Attempt",
    "BreakerState",
    "CircuitBreaker",
    "CircuitOpenError",
    "DailyQuota",
    "GradientConcurrency",
    "ModelLimits",
    "Outcome",
    "Pacer",
    "RetryPolicy",
    "Router",
    "RouterOptions",
    "RouterSet",
    "Routes",
    "Step",
    "Verdict",
    "WindowPacer",
    "account_id",
    "backoff_s",
    "classify",
    "decide",
    "next_utc_midnight",
    "option_problem",
    "ruled_fields",
    "spills_to_paid",
]

_exports.publish(globals())
