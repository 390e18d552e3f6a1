"""What a run sends through: one router per endpoint, over its own client (each with its
own key, local-server detection, streaming choice and base-url guard), with requests
routed to their contestant's endpoint.

A run with one endpoint (every run before model entries had endpoints, and every
benchmark) gets one plain router, built as before: no `RouterSet`, no renaming layer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from orkit.client import AsyncOpenRouter
from orkit.cost import Prices, model_prices
from orkit.errors import ConfigError
from orkit.plan._assemble import (
    daily_quota,
    is_local_server,
    price_catalog,
    router_options_for,
    seed_quota,
    sweep_client,
)
from orkit.plan._base_url import BaseUrlGuard
from orkit.plan._contestant_sweeps import endpoint_groups, group_sweep, spec_endpoint
from orkit.plan._embedding_prices import embedding_prices
from orkit.plan._endpoint import Endpoint
from orkit.plan._server import models_not_found
from orkit.plan._streaming import StreamChoice
from orkit.router import Router, RouterSet
from orkit.types import ChatRequest, ChatResponse, Clock, Completer

if TYPE_CHECKING:
    from orkit.plan._plan import Plan
    from orkit.plan._sweep import SweepDefinition

__all__ = ["RunRouting", "SentAs", "budget_prices", "endpoint_router", "run_routing"]


class SentAs:
    """Sends a contestant's request as its model id (the request carries its name through
    the router, whose limits and breakers are the contestant's own)."""

    def __init__(self, completer: Completer, ids: Mapping[str, str]) -> None:
        self._completer = completer
        self._ids = dict(ids)

    async def complete(self, request: ChatRequest) -> ChatResponse:
        sent = self._ids.get(request.model)
        if sent is not None:
            request = replace(request, model=sent)
        return await self._completer.complete(request)


async def endpoint_router(
    sweep: SweepDefinition,
    endpoint: Endpoint,
    client: AsyncOpenRouter,
    *,
    clock: Clock,
    sent_as: Mapping[str, str] | None = None,
) -> Router:
    """The router of one endpoint: its options (a local server's concurrency learnt from
    latency), its completer (streamed or not, guarded against a wrong base URL, sending
    each contestant as its id), its free-model quota seeded from the server."""
    local = is_local_server(endpoint, client)
    options = router_options_for(sweep, endpoint, local_server=local)
    completer: Completer = StreamChoice(client, sweep.stream, endpoint)
    if BaseUrlGuard.needed(endpoint, models_404=models_not_found(client)):
        # only then: every other run sends without the extra layer on its hot path
        completer = BaseUrlGuard(completer, endpoint)
    if sent_as:
        completer = SentAs(completer, sent_as)
    router = Router(completer, options, clock=clock, quota=daily_quota(options, endpoint))
    await seed_quota(router, client)
    return router


@dataclass(slots=True)
class RunRouting:
    """What a run sends through: its router (a `RouterSet` when contestants have their own
    endpoints) and each endpoint's open client."""

    router: Router | RouterSet
    clients: list[tuple[Endpoint, AsyncOpenRouter, list[str]]]
    """(endpoint, its client, the contestants it serves), the run's own endpoint first
    (its contestants: those without one of their own)."""

    def save_quotas(self) -> None:
        if isinstance(self.router, RouterSet):
            self.router.save_quotas()
        else:
            self.router.limits.quota.save()


async def budget_prices(
    sweep: SweepDefinition, plan: Plan, routing: RunRouting
) -> dict[str, Prices]:
    """The dearest price of every model a budget may pay for, by the name the router sees
    (a contestant's name, a judge's or fallback's id), each from its own endpoint's
    catalog. A local server (no `/key`) that lists no prices, in a run with another
    endpoint, bills nobody orkit knows of: its contestants (and judges, if it is the run's
    own endpoint) reserve nothing, and their costs are unknown (null)."""
    prices: dict[str, Prices] = {}
    for index, (endpoint, client, names) in enumerate(routing.clients):
        ids = {name: plan.sent_as.get(name, name) for name in names}
        models = set(ids.values())
        if index == 0:  # the run's own endpoint also serves the judges and fallbacks
            models.update(sweep.all_models)
            for params in sweep.param_sets():
                extra = params.get("models")
                if isinstance(extra, list):
                    models.update(m for m in extra if isinstance(m, str))
        try:
            catalog = await price_catalog(endpoint, client)
        except ConfigError:
            # a run on a local server alone has nothing for a budget to cover: refused
            if len(routing.clients) == 1 or not is_local_server(endpoint, client):
                raise
            continue
        by_id = await model_prices(sorted(models), client, catalog)
        if index == 0:
            prices.update(by_id)
            scorers = sweep.scorer_objects
            prices.update(await embedding_prices(scorers, endpoint, client, catalog))
        prices.update((name, by_id[sent]) for name, sent in ids.items())
    return prices


@asynccontextmanager
async def run_routing(
    sweep: SweepDefinition,
    plan: Plan,
    endpoint: Endpoint,
    client: AsyncOpenRouter,
    *,
    clock: Clock,
) -> AsyncIterator[RunRouting]:
    """The run's router over `client` (the run's endpoint), and over a client of its own
    for each other endpoint a contestant names (opened, and checked, here)."""
    own = set(plan.endpoints)
    here = [n for n in plan.models if n not in own]
    sent_as = {n: plan.sent_as[n] for n in here if n in plan.sent_as}
    default = await endpoint_router(sweep, endpoint, client, clock=clock, sent_as=sent_as)
    if not own:
        yield RunRouting(router=default, clients=[(endpoint, client, here)])
        return
    clients = [(endpoint, client, here)]
    by_model: dict[str, Router] = {}
    async with AsyncExitStack() as stack:
        for group in endpoint_groups(plan):
            ids = {n: plan.sent_as[n] for n in group.names if n in plan.sent_as}
            sub = group_sweep(sweep, spec_endpoint(group.endpoint), group.names)
            other = await stack.enter_async_context(sweep_client(sub, group.endpoint))
            router = await endpoint_router(sweep, group.endpoint, other, clock=clock, sent_as=ids)
            by_model.update(dict.fromkeys(group.names, router))
            clients.append((group.endpoint, other, group.names))
        yield RunRouting(router=RouterSet(default, by_model), clients=clients)
