"""The most a task, or one attempt of it, could cost: what the budget reserves before a
request is sent."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from orkit.batch._budget import Prices, dearest_of_chain
from orkit.batch._tasks import Task
from orkit.types import ChatRequest, Clock

__all__ = ["WorstCase"]

_PRICE_HORIZON_S = 3600.0
"""How long after its reservation a request may still be billed, for time-of-day prices: it
may wait at the router's limits and stream for minutes, so an hour, with room to spare."""


@dataclass(frozen=True, slots=True)


def _server_side(request: ChatRequest) -> list[str]:
    extra = request.params.get("models")
    return [m for m in extra if isinstance(m, str)] if isinstance(extra, list) else []
