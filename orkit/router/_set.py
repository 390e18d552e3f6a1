"""Several routers, one per endpoint, chosen by the request's model: a run whose model
entries carry their own endpoints (OpenRouter and a local server in one run).

Each endpoint keeps its own limits: its global cap, its learnt concurrency and paces, its
breakers, its free-model quota. A local server that takes one request at a time then
holds back its own contestant only, never OpenRouter's lanes, as one shared global cap
would (its queued requests held the shared slots).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from orkit.router._record import AttemptHooks, Outcome
from orkit.router._router import Router
from orkit.types import ChatRequest

__all__ = ["RouterSet", "Routes"]


class Routes(Protocol):
    """What the engine and the judges send through: a `Router`, or a `RouterSet`."""

    async def route(self, request: ChatRequest, hooks: AttemptHooks | None = None) -> Outcome: ...

    def status(self) -> dict[str, object]: ...


class RouterSet:
    """Routes each request through its model's router (the default one for any model not
    named: judges, fallbacks)."""

    def __init__(self, default: Router, by_model: Mapping[str, Router]) -> None:
        self.default = default
        self._by_model = dict(by_model)

    @property
    def routers(self) -> list[Router]:
        """Every router, the default first, each once."""
        return list({id(r): r for r in (self.default, *self._by_model.values())}.values())

    def router_for(self, model: str) -> Router:
        return self._by_model.get(model, self.default)

    async def route(self, request: ChatRequest, hooks: AttemptHooks | None = None) -> Outcome:
        return await self.router_for(request.model).route(request, hooks)

    def status(self) -> dict[str, object]:
        """The routers' statuses merged: counts added, per-model entries side by side
        (a model is routed by one router only)."""
        merged: dict[str, object] = {"in_flight": 0, "waiting": 0}
        per_model: dict[str, dict[str, object]] = {"concurrency": {}, "paced_rps": {}}
        breakers: list[object] = []
        for router in self.routers:
            status = router.status()
            for key in ("in_flight", "waiting"):
                merged[key] = _int(merged[key]) + _int(status.get(key))
            for key, table in per_model.items():
                got = status.get(key)
                if isinstance(got, dict):
                    table.update(got)
            got_breakers = status.get("open_breakers")
            if isinstance(got_breakers, list):
                breakers.extend(got_breakers)
        return {**merged, **per_model, "open_breakers": breakers}

    def save_quotas(self) -> None:
        """Keep each router's free-model counter (OpenRouter's lives in the cache dir)."""
        for router in self.routers:
            router.limits.quota.save()


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0
