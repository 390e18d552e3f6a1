"""Router options: limits you know, fallbacks you want, and how patient to be."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from orkit.errors import ConfigError
from orkit.router._policy import RetryPolicy

__all__ = ["ModelLimits", "RouterOptions"]


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
        for name in ("rpm", "tpm"):
            v = getattr(self, name)
            if v is not None and not v > 0:
                raise ConfigError(f"limits: {name} must be > 0, got {v!r}")
        if self.max_concurrency is not None and self.max_concurrency < 1:
            raise ConfigError(f"limits: max_concurrency must be >= 1, got {self.max_concurrency}")


@dataclass(frozen=True, slots=True, kw_only=True)
class RouterOptions:
    max_concurrency: int = 256
    """Requests in flight at once, across all models."""
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
        if self.max_concurrency < 1:
            raise ConfigError(f"max_concurrency must be >= 1, got {self.max_concurrency}")
        if self.initial_concurrency < 1:
            raise ConfigError("initial_concurrency must be >= 1")
        if self.breaker_max_probes < 1:
            raise ConfigError(f"breaker_max_probes must be >= 1, got {self.breaker_max_probes}")
        if self.free_per_minute < 1 or self.free_window_s <= 0:
            raise ConfigError("free_per_minute must be >= 1 and free_window_s > 0")
        for model, chain in self.fallbacks.items():
            if isinstance(chain, str) or not all(isinstance(m, str) and m for m in chain):
                raise ConfigError(f"fallbacks for {model!r} must be a list of model ids")
            if model in chain:
                raise ConfigError(f"fallbacks for {model!r} include the model itself")
