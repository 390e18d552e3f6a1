"""What an estimate needs from outside the sweep: the catalog (live, cached, or the bundled
snapshot when offline, and a line saying which), each model's providers and their prices,
and the free-model quota left today. Nothing here fails for lack of network."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from orkit.catalog import Catalog, ProviderEndpoint, load_endpoints
from orkit.client import AsyncOpenRouter
from orkit.config import Timeouts
from orkit.cost import FreeQuota
from orkit.errors import OrkitError
from orkit.plan import (
    Endpoint,
    check_served,
    fallback_models,
    key_info,
    models_not_found,
    open_client,
    route_models,
    server_catalog,
    wrong_base_url_line,
)
from orkit.router import DailyQuota, RouterOptions

if TYPE_CHECKING:
    from orkit.plan import SweepDefinition

__all__ = ["PriceContext", "estimate_client", "price_context"]


@dataclass(slots=True)
class PriceContext:
    catalog: Catalog | None
    """None: a server that lists no prices (costs are then unknown, with a note)."""
    prices: str
    """Where prices came from, as the estimate's footer says it."""
    endpoints: dict[str, Sequence[ProviderEndpoint] | None] = field(default_factory=dict)
    quota: FreeQuota = field(default_factory=FreeQuota)
    notes: list[str] = field(default_factory=list)


@asynccontextmanager
async def estimate_client(
    endpoint: Endpoint | None, offline: bool
) -> AsyncIterator[AsyncOpenRouter | None]:
    """A client for the endpoint's catalog and `/endpoints` (no preflight: an unreachable
    server is a note, not an error); None offline or without a key."""
    if endpoint is None or (offline and endpoint.kind != "sim"):
        yield None
        return
    async with open_client(endpoint, timeouts=Timeouts(read=20.0), preflight=False) as client:
        yield client


def _snapshot_words(catalog: Catalog) -> str:
    if catalog.source == "snapshot":
        return f"the bundled /models snapshot of {catalog.snapshot_date}"
    how = "fetched" if catalog.source == "live" else "cached"
    return f"OpenRouter /models {how} on {catalog.snapshot_date}"


async def price_context(
    sweep: SweepDefinition,
    endpoint: Endpoint | None,
    client: AsyncOpenRouter | None,
    *,
    offline: bool,
    options: RouterOptions,
) -> PriceContext:
    """Catalog, providers and quota for an estimate of `sweep` on `endpoint`."""
    if endpoint is not None and endpoint.kind == "url":
        if client is not None:
            # before any line is priced: an estimate of a model the server does not serve
            # would print a whole table above the one line that matters
            await check_served(client, endpoint, sweep.all_models)
        ctx = await _url_context(endpoint, client)
        if ctx.catalog is not None:
            # an OpenRouter-compatible server (a proxy, `orkit sim` on a port) counts the
            # free requests its key already sent today, as OpenRouter does: ask it
            ctx.quota = await _quota(client, options)
        return ctx
    if endpoint is not None and endpoint.kind == "sim":
        catalog = Catalog.bundled()
        ctx = PriceContext(catalog, f"the emulator's prices ({_snapshot_words(catalog)})")
    else:
        catalog = await Catalog.load(client=client, offline=offline or client is None)
        ctx = PriceContext(catalog, _snapshot_words(catalog))
        if catalog.note:
            ctx.prices += f" ({catalog.note.split(';')[0]})"
    reachable = client is not None and not (catalog.source == "snapshot" and catalog.note)
    if reachable and client is not None:
        # The emulator's provider lists depend on its settings: never reuse a cached one.
        ttl = 0.0 if endpoint is not None and endpoint.kind == "sim" else 3600.0
        # A free model's endpoints do not change its price, only whether a provider filter
        # leaves it any: fetched only then.
        routes = set(route_models(sweep))
        for model in dict.fromkeys([*sweep.all_models, *fallback_models(sweep), *routes]):
            info = catalog.get(model)
            if info is not None and (not info.is_free or model in routes):
                ctx.endpoints[model] = await load_endpoints(client, model, ttl_s=ttl)
    ctx.quota = await _quota(client if reachable else None, options)
    return ctx


async def _url_context(endpoint: Endpoint, client: AsyncOpenRouter | None) -> PriceContext:
    catalog = await server_catalog(client) if client is not None else None
    if catalog is not None:
        return PriceContext(catalog, f"{endpoint.base_url}/models")
    notes = ["costs are unknown: the server lists no prices (a self-hosted model?)"]
    if client is not None and models_not_found(client):
        notes.insert(0, await wrong_base_url_line(endpoint.base_url, endpoint.api_key))
    return PriceContext(None, f"none: {endpoint.base_url} lists no prices", notes=notes)


async def _quota(client: AsyncOpenRouter | None, options: RouterOptions) -> FreeQuota:
    """Today's free-model quota: the server's own count when it answers `/key`, else the
    counter orkit keeps in the user cache dir, else OpenRouter's default of 50 a day."""
    local = DailyQuota(limit=options.free_per_day or 50, path=options.quota_path)
    remaining = local.remaining(time.time())
    per_day = local.limit
    if client is not None:
        try:
            counters = (await key_info(client)).get("free_model_daily_requests") or {}
        except (OrkitError, OSError):
            # a server without `/key` (most local ones): orkit's own counter, quietly
            counters = {}
        if isinstance(counters.get("limit"), int) and counters["limit"] > 0:
            per_day = options.free_per_day or counters["limit"]
            used = counters.get("used")
            left = counters.get("remaining")
            if not isinstance(left, int):
                left = per_day - used if isinstance(used, int) else per_day
            remaining = left
    return FreeQuota(
        per_minute=options.free_per_minute,
        window_s=options.free_window_s,
        per_day=per_day,
        remaining_today=max(0, remaining),
    )
