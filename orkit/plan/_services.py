"""Build what a run's tasks may go through besides the router: the response cache and the
budget (with the dearest prices each model can be billed at)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from orkit._hashing import canonical_json
from orkit._settings import load_settings
from orkit.batch import Budget, Prices, WorstCase
from orkit.catalog import Catalog, ModelInfo, load_endpoints
from orkit.client import AsyncOpenRouter
from orkit.cost import price_overrides
from orkit.errors import ConfigError
from orkit.plan._endpoint import Endpoint
from orkit.results import ResponseCache
from orkit.types import Clock

if TYPE_CHECKING:
    from orkit.plan._sweep import SweepDefinition

__all__ = [
    "cache_for",
    "cache_ident",
    "cache_path",
    "model_prices",
    "new_budget",
    "worst_case_for",
]

_FRESH_ENDPOINTS_S = 60.0


def cache_for(sweep: SweepDefinition, endpoint: Endpoint) -> ResponseCache | None:
    """The shared response cache, keyed per endpoint (the emulator's answers never stand in
    for OpenRouter's, nor one emulator setting's for another's)."""
    if not sweep.cache:
        return None
    return ResponseCache(cache_path(), cache_ident(endpoint))


def cache_path() -> Path:
    """The response cache shared by every run on the machine."""
    return load_settings().cache_dir / "responses.sqlite"


def cache_ident(endpoint: Endpoint) -> str:
    """What keeps one endpoint's cached answers apart from another's."""
    if endpoint.kind == "sim":
        return "sim:" + canonical_json(dict(endpoint.sim))
    return endpoint.kind if endpoint.kind != "url" else endpoint.base_url


async def model_prices(
    models: Iterable[str], client: AsyncOpenRouter, catalog: Catalog
) -> dict[str, Prices]:
    """The dearest price each model can be billed at: the maximum over its providers
    (`/models/{id}/endpoints`), or its catalog price when the endpoints cannot be read."""
    out: dict[str, Prices] = {}
    for model in models:
        info = catalog.get(model)
        if info is None:
            raise ConfigError(f"a budget needs prices, and {model!r} is not in the catalog")
        out[model] = await _dearest_endpoint(model, info, client)
    return out


async def _dearest_endpoint(model: str, info: ModelInfo, client: AsyncOpenRouter) -> Prices:
    base = Prices(
        prompt=info.prompt_price or 0.0,
        completion=info.completion_price or 0.0,
        request=info.request_price or 0.0,
        web_search=info.web_search_price or 0.0,
        max_completion_tokens=info.max_completion_tokens,
        context_length=info.context_length,
        overrides=price_overrides(info),
    )
    if info.is_free:
        return base
    # The estimate made moments before in this run has fetched them: a minute-old answer
    # is as good as a fresh one, and older ones are asked again.
    endpoints = await load_endpoints(client, model, ttl_s=_FRESH_ENDPOINTS_S) or ()
    return Prices(
        prompt=max([base.prompt, *(e.prompt for e in endpoints)]),
        completion=max([base.completion, *(e.completion for e in endpoints)]),
        request=max([base.request, *(e.request for e in endpoints)]),
        web_search=base.web_search,
        max_completion_tokens=base.max_completion_tokens,
        context_length=base.context_length,
        overrides=base.overrides,
    )


def worst_case_for(
    sweep: SweepDefinition, prices: dict[str, Prices], endpoint: Endpoint, clock: Clock
) -> WorstCase:
    """The worst cases of the sweep's tasks at these prices. Time-of-day windows are read on
    `clock` for OpenRouter only, whose day is ours. Any other server's time of day is not
    known (the emulator, in-process or on a port, keeps its own clock; a proxy may too), so
    any window may apply there: a budget that reserves too much on such a server ends a run
    early, one that reserves too little overspends."""
    return WorstCase(prices, sweep.fallbacks, clock if endpoint.kind == "openrouter" else None)


def new_budget(sweep: SweepDefinition, spent_usd: float) -> Budget | None:
    return None if sweep.budget_usd is None else Budget(sweep.budget_usd, spent_usd)
