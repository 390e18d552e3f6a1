"""Per-model runtime data: the resolved profile, parsed prices and provider endpoints.

Built once per model id on first use and cached on the `ProfileBook` (owned by the
`Simulator`), so a request never scans the snapshot or re-parses a price string.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from orkit.sim._hashing import unit_range
from orkit.sim.catalog import Catalog
from orkit.sim.config import ModelProfile, ProviderProfile
from orkit.sim.pricing import Prices
from orkit.sim.providers import default_providers, finish_style, system_fingerprint

__all__ = ["Endpoint", "ModelRuntime", "ProfileBook", "default_profile"]


@dataclass(frozen=True)
class Endpoint:
    """One provider serving one model, with everything a request needs precomputed."""

    model_id: str
    provider: ProviderProfile
    multiplier: Decimal
    supported: frozenset[str]
    finish_style: str
    fingerprint: str | None
    ttft_s: float
    tokens_per_s: float
    max_completion_tokens: int | None
    prompt_per_m: Decimal
    completion_per_m: Decimal

    price_key: Decimal
    """Sort key of `provider.sort: price`: prompt + completion USD per million tokens."""


@dataclass(frozen=True)
class ModelRuntime:
    """A servable model: snapshot entry, resolved profile, prices and endpoints."""

    id: str
    entry: Mapping[str, Any]
    prices: Prices
    context_length: int
    max_completion_tokens: int | None
    supported: frozenset[str]
    profile: ModelProfile
    endpoints: tuple[Endpoint, ...]

    @property
    def is_free(self) -> bool:
        """A `:free` variant (counts against the free-model limits)."""
        return self.id.endswith(":free")


def default_profile(catalog: Catalog, entry: Mapping[str, Any]) -> ModelProfile:
    """The derived profile of a snapshot model (every field set, all from hashes of the id)."""
    model_id = entry["id"]
    base_id = model_id.split(":")[0]
    reasoning = bool((entry.get("reasoning") or {}).get("default_enabled"))
    ttft = unit_range(0.25, 1.2, model_id, "ttft") + (0.4 if reasoning else 0.0)
    tps = math.exp(unit_range(math.log(25), math.log(220), model_id, "tps"))
    index = catalog.intelligence(base_id)
    if index is not None:
        skill = 0.35 + (index - 5.0) / 60.0 * 0.62
    else:
        skill = unit_range(0.45, 0.8, base_id, "skill")
    return ModelProfile(
        ttft_s=round(ttft, 3),
        tokens_per_s=round(tps, 1),
        skill=round(min(0.97, max(0.35, skill)), 3),
        verbosity=int(unit_range(60, 400, model_id, "verbosity")),
        providers=default_providers(model_id, entry.get("supported_parameters") or ()),
    )


class ProfileBook:
    """Lazily resolves and caches `ModelRuntime`s, applying `SimConfig.models` overrides."""

    def __init__(self, catalog: Catalog, overrides: Mapping[str, ModelProfile]) -> None:
        self.catalog = catalog
        self.overrides = overrides
        self._cache: dict[str, ModelRuntime] = {}

    def get(self, model_id: str) -> ModelRuntime:
        """The runtime of a snapshot model id (KeyError if the snapshot lacks it)."""
        runtime = self._cache.get(model_id)
        if runtime is None:
            runtime = self._cache[model_id] = self._build(self.catalog.by_id[model_id])
        return runtime

    def _build(self, entry: Mapping[str, Any]) -> ModelRuntime:
        profile = default_profile(self.catalog, entry)
        override = self.overrides.get(entry["id"])
        if override is not None:
            changes = {k: v for k, v in vars(override).items() if v is not None}
            profile = replace(profile, **changes)
        top = entry.get("top_provider") or {}
        context = entry.get("context_length") or top.get("context_length") or 128_000
        prices = Prices.from_pricing(entry.get("pricing") or {})
        supported = frozenset(entry.get("supported_parameters") or ())
        endpoints = tuple(
            _endpoint(entry["id"], p, profile, prices, supported, top.get("max_completion_tokens"))
            for p in profile.providers or ()
        )
        return ModelRuntime(
            id=entry["id"],
            entry=entry,
            prices=prices,
            context_length=int(context),
            max_completion_tokens=top.get("max_completion_tokens"),
            supported=supported,
            profile=profile,
            endpoints=endpoints,
        )


def _endpoint(
    model_id: str,
    provider: ProviderProfile,
    profile: ModelProfile,
    prices: Prices,
    supported: frozenset[str],
    max_completion: int | None,
) -> Endpoint:
    multiplier = Decimal(str(provider.price_multiplier))
    prompt_m, completion_m = prices.per_million()
    params = supported if provider.supported_parameters is None else provider.supported_parameters
    author = model_id.split("/")[0]
    style = "anthropic" if author == "anthropic" else finish_style(provider.slug)
    return Endpoint(
        model_id=model_id,
        provider=provider,
        multiplier=multiplier,
        supported=frozenset(params),
        finish_style=style,
        fingerprint=system_fingerprint(model_id, provider.slug),
        ttft_s=(profile.ttft_s or 0.0) * provider.latency_factor,
        tokens_per_s=(profile.tokens_per_s or 50.0) * provider.speed_factor,
        max_completion_tokens=max_completion,
        prompt_per_m=prompt_m * multiplier,
        completion_per_m=completion_m * multiplier,
        price_key=(prompt_m + completion_m) * multiplier,
    )
