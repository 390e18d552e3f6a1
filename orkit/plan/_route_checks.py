"""Contestants whose provider filters leave them no endpoint, caught before sending.

`provider = {data_collection = "deny"}` on a model served only by providers that train on
prompts is a 404 ("No endpoints found matching your data policy") for every task, after
an estimate that priced them all. The same goes for `only`, `ignore`, `quantizations`,
`zdr`, `max_price`, `require_parameters`. The model's endpoints (`/endpoints`, cached)
are filtered as OpenRouter filters them (`orkit.catalog.filter_endpoints`); a model
without endpoint data is not judged. Nothing is fetched when no params set has a filter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from orkit.catalog import (
    ProviderEndpoint,
    filter_endpoints,
    has_provider_filters,
    load_endpoints,
    routed_parameters,
)
from orkit.client import AsyncOpenRouter
from orkit.errors import SpecError
from orkit.plan._endpoint import Endpoint

if TYPE_CHECKING:
    from orkit.plan._sweep import SweepDefinition

__all__ = [
    "chain_of",
    "check_routes",
    "fallback_models",
    "filtered",
    "load_route_endpoints",
    "route_models",
]

Endpoints = Mapping[str, Sequence[ProviderEndpoint] | None]


def chain_of(params: Mapping[str, Any]) -> list[str]:
    """The `models` fallback list of a params set (OpenRouter tries them after the model)."""
    chain = params.get("models")
    return [m for m in chain if isinstance(m, str)] if isinstance(chain, list) else []


def fallback_models(sweep: SweepDefinition) -> list[str]:
    """Every model of the params sets' `models` fallback lists, each once."""
    seen: dict[str, None] = {}
    for params in sweep.param_sets():
        seen.update(dict.fromkeys(chain_of(params)))
    return list(seen)


def filtered(sweep: SweepDefinition) -> bool:
    """Whether any params set of the sweep filters providers."""
    return any(has_provider_filters(p.get("provider")) for p in sweep.param_sets())


def route_models(sweep: SweepDefinition) -> list[str]:
    """The models whose endpoints the check needs: each model and its fallback list, when
    some params set filters providers (else none)."""
    if not filtered(sweep):
        return []
    seen = dict.fromkeys(sweep.endpoint_model_ids)
    for params in sweep.param_sets():
        seen.update(dict.fromkeys(chain_of(params)))
    return list(seen)


async def load_route_endpoints(
    sweep: SweepDefinition, endpoint: Endpoint, client: AsyncOpenRouter
) -> dict[str, Sequence[ProviderEndpoint] | None]:
    """The endpoints of `route_models`, from the cache or the server."""
    # The emulator's provider lists depend on its settings: never reuse a cached one.
    ttl = 0.0 if endpoint.kind == "sim" else 3600.0
    return {m: await load_endpoints(client, m, ttl_s=ttl) for m in route_models(sweep)}


def _passes(model: str, endpoints: Endpoints, prefs: Mapping[str, Any], params: Any) -> bool:
    found = endpoints.get(model)
    if not found:
        return True  # no endpoint data: not judged
    return bool(filter_endpoints(found, prefs, routed_parameters(params)).kept)


def check_routes(sweep: SweepDefinition, endpoints: Endpoints) -> None:
    """Raise SpecError naming the first model that no endpoint of its own, nor of its
    `models` fallbacks, serves under its params set's provider filters."""
    at = "params.provider" if "provider" in sweep.params else "grid.provider"
    for params in sweep.param_sets():
        prefs = params.get("provider")
        if not has_provider_filters(prefs):
            continue
        assert isinstance(prefs, Mapping)
        for model in sweep.endpoint_model_ids:
            found = endpoints.get(model)
            if not found:
                continue
            result = filter_endpoints(found, prefs, routed_parameters(params))
            if result.kept:
                continue
            if any(_passes(m, endpoints, prefs, params) for m in chain_of(params)):
                continue  # a fallback model serves it (priced as such by the estimate)
            providers = ", ".join(e.provider for e in found)
            raise SpecError(
                f"model {model!r}: {result.removed_by} removed the last of its providers "
                f"({providers}); every request would fail with 404 No endpoints found",
                path=sweep.spec_path,
                field=at,
            )
