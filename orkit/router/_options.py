"""Router options: limits you know, fallbacks you want, and how patient to be."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from orkit.errors import ConfigError
from orkit.router._option_checks import Rule, check_fields, ruled_fields
from orkit.router._policy import RetryPolicy

__all__ = ["ModelLimits", "RouterOptions"]

_MODEL_CONCURRENCY = Rule("int", 1, optional=True)
"""A model's known concurrency (unset: learnt, or the sweep's)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelLimits:
    """Limits you know for one model (from your provider contract, or a BYOK account)."""

    rpm: float | None = None
    """Requests per minute."""
    tpm: float | None = None
    """Tokens per minute (prompt estimate + max_tokens are booked per request)."""
    max_concurrency: int | None = None
    """Requests in flight at once for this model."""

    def __post_init__(self) -> None:
        check_fields(self, "rpm", "tpm", where="limits: ")
        problem = _MODEL_CONCURRENCY.problem(self.max_concurrency)
        if problem is not None:
            raise ConfigError(f"limits: max_concurrency: {problem}")


@dataclass(frozen=True, slots=True, kw_only=True)
class RouterOptions:
    max_concurrency: int = 256
    """Requests in flight at once, across all models."""
    max_concurrency_per_model: int | None = None
    """Requests in flight at once to any one model (None: `max_concurrency`); a model's known
    `ModelLimits.max_concurrency` below it wins for that model."""
    limits: Mapping[str, ModelLimits] = field(default_factory=dict)
    """Known limits per model id."""
    fallbacks: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Client-side chains: `{"a/x": ["b/y", "c/z"]}` tries b/y when a/x is out of retries or
    unavailable, then c/z."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    adaptive: bool = True
    """Learn unknown limits: AIMD concurrency per model and provider, pace after 429s."""
    initial_concurrency: int = 64
    """Per-model concurrency before anything is learnt (grows fast while all goes well).
    Starting lower costs a round trip of half the slots (0.1 s of a 16 s run at 200 ms);
    starting higher sends a bigger first burst into a limit nobody told us of (measured by
    bench_ratelimit: 8.6% of requests rejected from 64, 6.1% from 32)."""
    capacity_from_latency: bool = False
    """Learn each model's concurrency from its service time (`GradientConcurrency`) instead
    of from 429s: for servers that queue what they cannot serve at once (llama.cpp, vLLM,
    Ollama behind a URL endpoint). Needs `adaptive`."""
    free_per_minute: int = 20
    """OpenRouter's account-wide limit on `:free` models, per window..."""
    free_window_s: float = 60.0
    """...of this many seconds (change it only for an emulator running on a time scale)."""
    free_per_day: int | None = None
    """Daily free-model requests; None: from `GET /key`, else 50."""
    quota_path: Path | None = None
    """Where the daily free-model counter lives (None: kept in memory only)."""
    breaker_threshold: int = 8
    """Consecutive failures that open a model's circuit breaker."""
    breaker_cooldown_s: float = 5.0
    """First pause after the breaker opens; doubled after each failed probe, up to 30 s
    (a probe costs one request, a model left for dead costs every row it would have served)."""
    breaker_max_probes: int = 3
    """Failed probes in a row after which a model is taken as down: tasks with no fallback
    stop waiting on it and fail as rows (with its last error) instead of each waiting out
    the cooldowns; one probe still goes per cooldown, and its success brings the model back."""
    seed: int | None = None
    """Seed of the backoff jitter (None: random)."""

    def __post_init__(self) -> None:
        check_fields(self, *ruled_fields(RouterOptions))
        if not isinstance(self.retry, RetryPolicy):
            raise ConfigError(f"retry: must be a RetryPolicy, got {self.retry!r}")
        for model, chain in self.fallbacks.items():
            if isinstance(chain, str) or not all(isinstance(m, str) and m for m in chain):
                raise ConfigError(f"fallbacks for {model!r} must be a list of model ids")
            if model in chain:
                raise ConfigError(f"fallbacks for {model!r} include the model itself")
