"""What a sweep's two concurrency settings set, derived in one place: the router's global
cap and per-model ceiling, the engine's workers per model, the client's connection pool and
the judges' workers."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["InFlight", "in_flight"]

_MIN_CONNECTIONS = 8
"""The fewest connections a run's client pools (see `in_flight`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class InFlight:
    """How many requests a run has out at once, and what is sized from that."""

    total: int
    """Across all models and judges: the router's global cap (the sweep's `concurrency`)."""
    per_model: int
    """To any one model: the router's ceiling for each model and the workers of each
    model's lane (the sweep's `per_model_concurrency`, else `concurrency`)."""
    connections: int
    """The client's connection pool."""
    judge_workers: int
    """Workers of the scoring stage (LLM judges and async scorers)."""


def in_flight(concurrency: int, per_model_concurrency: int | None = None) -> InFlight:
    """The sizes a sweep's `concurrency` and `per_model_concurrency` give."""
    per_model = min(per_model_concurrency or concurrency, concurrency)
    return InFlight(
        total=concurrency,
        per_model=per_model,
        # Each request in flight holds a connection. The floor leaves room, at a low
        # concurrency, for the GETs a run sends beside its requests (the `/generation` cost
        # look-ups of answers that came without one, `/key`, `/models`), so they do not
        # queue behind the only chat request in flight.
        connections=max(concurrency, _MIN_CONNECTIONS),
        # The judges run after the answers are in, over every judge model at once: the
        # global cap is what bounds them (the router holds each judge model to `per_model`).
        judge_workers=concurrency,
    )
