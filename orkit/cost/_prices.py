"""What a model's requests will be billed at: the cheapest, the expected and the dearest rates
among the providers a request may be routed to (layer 2).

OpenRouter's default routing picks a provider with weight 1 / price² among the healthy
ones, so the expected rate is that weighted mean; `provider.sort = "price"` or `:floor`
pins the cheapest, `provider.order` the first listed, `only`/`ignore` narrow the list.
Without `/endpoints` (offline) the catalog's listed price is all there is, and the band on
price is zero. Long-context `overrides` (`min_prompt_tokens`) are kept as multipliers of
the base rates, applied per request by prompt size; time-of-day overrides widen the band.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from orkit.catalog import ModelInfo, ProviderEndpoint

__all__ = ["PriceBand", "Rates", "price_band"]


@dataclass(frozen=True, slots=True)
class Rates:
    """USD per prompt token, per completion token, per request."""

    prompt: float
    completion: float
    request: float = 0.0


@dataclass(frozen=True, slots=True)
class PriceBand:
    low: Rates
    expected: Rates
    high: Rates
    long_context: tuple[tuple[int, float, float], ...] = ()
    """`(min_prompt_tokens, prompt multiplier, completion multiplier)`, later entries win."""
    source: str = "catalog"
    """`catalog` (listed price) or `N providers` (from `/endpoints`)."""

    @property
    def is_free(self) -> bool:
        return self.high.prompt == 0 and self.high.completion == 0 and self.high.request == 0


def _f(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if out >= 0 else None


def _overrides(info: ModelInfo) -> tuple[list[tuple[int, float, float]], list[Rates]]:
    """Long-context multipliers, and the rates of time-of-day windows."""
    base_p, base_c = info.prompt_price or 0.0, info.completion_price or 0.0
    long_ctx: list[tuple[int, float, float]] = []
    windows: list[Rates] = []
    for o in info.pricing.get("overrides") or ():
        if not isinstance(o, Mapping):
            continue
        p, c = _f(o.get("prompt")), _f(o.get("completion"))
        p = base_p if p is None else p
        c = base_c if c is None else c
        if isinstance(o.get("min_prompt_tokens"), int):
            long_ctx.append(
                (
                    o["min_prompt_tokens"],
                    p / base_p if base_p else 1.0,
                    c / base_c if base_c else 1.0,
                )
            )
        elif "utc_start" in o or "utc_end" in o:
            windows.append(Rates(p, c))
    return long_ctx, windows


def _eligible(
    endpoints: Sequence[ProviderEndpoint], prefs: Mapping[str, Any]
) -> list[ProviderEndpoint]:
    def names(e: ProviderEndpoint) -> set[str]:
        return {e.tag.lower(), e.tag.split("/")[0].lower(), e.provider.lower()}

    only = {str(x).lower() for x in prefs.get("only") or ()}
    ignore = {str(x).lower() for x in prefs.get("ignore") or ()}
    out = [e for e in endpoints if e.status is None or e.status >= 0]
    if only:
        out = [e for e in out if names(e) & only]
    if ignore:
        out = [e for e in out if not names(e) & ignore]
    return out or list(endpoints)


def _weighted(endpoints: Sequence[ProviderEndpoint]) -> Rates:
    """OpenRouter's default load balancing: weight 1 / price² (free endpoints as the cheapest
    priced one)."""
    keys = [e.price_key for e in endpoints]
    floor = min((k for k in keys if k > 0), default=1.0)
    weights = [1.0 / (max(k, floor) / floor) ** 2 for k in keys]
    total = sum(weights)
    return Rates(
        sum(w * e.prompt for w, e in zip(weights, endpoints, strict=True)) / total,
        sum(w * e.completion for w, e in zip(weights, endpoints, strict=True)) / total,
        sum(w * e.request for w, e in zip(weights, endpoints, strict=True)) / total,
    )


def _expected(
    endpoints: list[ProviderEndpoint], prefs: Mapping[str, Any], variant: str | None
) -> Rates:
    order = [str(x).lower() for x in prefs.get("order") or ()]
    for wanted in order:
        for e in endpoints:
            if wanted in (e.tag.lower(), e.tag.split("/")[0].lower(), e.provider.lower()):
                return Rates(e.prompt, e.completion, e.request)
    if prefs.get("sort") == "price" or variant == ":floor":
        cheapest = min(endpoints, key=lambda e: e.price_key)
        return Rates(cheapest.prompt, cheapest.completion, cheapest.request)
    return _weighted(endpoints)


def price_band(
    info: ModelInfo,
    endpoints: Sequence[ProviderEndpoint] | None = None,
    params: Mapping[str, Any] | None = None,
) -> PriceBand:
    """The band of rates for requests to `info` with these request `params`."""
    extra = info.request_price or 0.0  # includes the `:online` search fee (catalog variant)
    listed = Rates(info.prompt_price or 0.0, info.completion_price or 0.0, extra)
    long_ctx, windows = _overrides(info)
    if info.is_free or not endpoints:
        low = high = expected = listed
        source = "catalog"
    else:
        prefs = (params or {}).get("provider")
        prefs = prefs if isinstance(prefs, Mapping) else {}
        chosen = _eligible(endpoints, prefs)
        # `:online` adds a per-request search fee on top of whichever provider serves.
        search = (info.web_search_price or 0.0) if info.variant == ":online" else 0.0
        exp = _expected(chosen, prefs, info.variant)
        expected = Rates(exp.prompt, exp.completion, exp.request + search)
        low = Rates(
            min(e.prompt for e in chosen),
            min(e.completion for e in chosen),
            min(e.request for e in chosen) + search,
        )
        high = Rates(
            max(e.prompt for e in chosen),
            max(e.completion for e in chosen),
            max(e.request for e in chosen) + search,
        )
        source = f"{len(chosen)} provider{'s' if len(chosen) != 1 else ''}"
    for w in windows:  # off-peak discounts and the like: possible, not expected
        low = Rates(min(low.prompt, w.prompt), min(low.completion, w.completion), low.request)
        high = Rates(max(high.prompt, w.prompt), max(high.completion, w.completion), high.request)
    return PriceBand(low, expected, high, tuple(long_ctx), source)
