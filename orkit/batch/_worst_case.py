"""The most a task, or one attempt of it, could cost: what the budget reserves before a
request is sent."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from orkit.batch._tasks import Task
from orkit.cost import Prices, dearest_of_chain
from orkit.types import ChatRequest, Clock

__all__ = ["WorstCase"]

_PRICE_HORIZON_S = 3600.0
"""How long after its reservation a request may still be billed, for time-of-day prices: it
may wait at the router's limits and stream for minutes, so an hour, with room to spare."""


@dataclass(frozen=True, slots=True)
class WorstCase:
    """The most a task, or one attempt of it, could cost: what the budget reserves."""

    prices: Mapping[str, Prices]
    fallbacks: Mapping[str, Iterable[str]]
    clock: Clock | None
    """The server's time of day, for time-of-day prices: None when orkit cannot know it
    (the emulator keeps its own clock), so that any window may apply."""

    def task(self, task: Task) -> float:
        """Across the task's whole chain: its model, client-side fallbacks, and the models
        OpenRouter may fall back to (`params.models`)."""
        chain = [task.model, *self.fallbacks.get(task.model, ()), *_server_side(task.request)]
        return self._dearest(task.request, chain)

    def attempt(self, request: ChatRequest) -> float:
        """One attempt of `request` (its model and OpenRouter's fallbacks only: a client-side
        fallback is an attempt of its own)."""
        return self._dearest(request, [request.model, *_server_side(request)])

    def _dearest(self, request: ChatRequest, chain: list[str]) -> float:
        during = None
        if self.clock is not None:
            now = self.clock.wall()
            during = (now, now + _PRICE_HORIZON_S)
        priced = [m for m in chain if m in self.prices]
        if not priced:
            # a contestant on a local server that lists no prices: it bills nobody orkit
            # knows of, so the budget reserves nothing for it (its cost stays unknown)
            return 0.0
        return dearest_of_chain(request, self.prices, priced, during)


def _server_side(request: ChatRequest) -> list[str]:
    extra = request.params.get("models")
    return [m for m in extra if isinstance(m, str)] if isinstance(extra, list) else []
