"""The dearest price each model can be billed at, across its providers: what a budget's
worst cases are priced at."""

from __future__ import annotations

from collections.abc import Iterable

from orkit.catalog import Catalog, ModelInfo, load_endpoints
from orkit.client import AsyncOpenRouter
from orkit.cost._prices import price_overrides
from orkit.cost._worst_case import Prices
from orkit.errors import ConfigError

__all__ = ["model_prices"]

_FRESH_ENDPOINTS_S = 60.0


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
