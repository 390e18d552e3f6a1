"""What a model's requests will be billed at: the cheapest, the expected and the dearest rates
among the providers a request may be routed to (layer 2).

OpenRouter's default routing picks a provider with weight 1 / price² among the healthy
ones, so the expected rate is that weighted mean; `provider.sort = "price"` or `:floor`
pins the cheapest, `provider.order` the first listed, and the provider filters (`only`, `ignore`,
`quantizations`, `data_collection`, `zdr`, `require_parameters`, `max_price`:
`orkit.catalog.filter_endpoints`) narrow the list.
Without `/endpoints` (offline) the catalog's listed price is all there is, and the band on
price is zero.

`pricing.overrides` are read here and nowhere else (`price_overrides`): each entry replaces
the listed rates while its conditions hold (a prompt of at least `min_prompt_tokens`; a UTC
time of day in `[utc_start, utc_end)`, HHMM, which may wrap midnight), later entries
winning, on top of the serving provider's own price multiplier. The estimate applies the
long-context ones per request by prompt size and lets the time-of-day ones widen its band;
the budget reserves at `dearest_factors`, the highest rates any entry can bring to a request.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from orkit.catalog import ModelInfo, ProviderEndpoint, filter_endpoints, routed_parameters

__all__ = [
    "PriceBand",
    "PriceOverride",
    "Rates",
    "dearest_factors",
    "price_band",
    "price_overrides",
]


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


_DAY_MIN = 1440


@dataclass(frozen=True, slots=True)
class PriceOverride:
    """One entry of `pricing.overrides`, as multipliers of the listed rates (so the serving
    provider's own multiplier applies on top, as OpenRouter bills it)."""

    prompt_factor: float
    completion_factor: float
    min_prompt_tokens: int | None = None
    utc_start: int | None = None
    """HHMM, UTC; with `utc_end`, the entry holds in `[utc_start, utc_end)` (may wrap)."""
    utc_end: int | None = None

    @property
    def is_time_of_day(self) -> bool:
        return self.utc_start is not None and self.utc_end is not None

    def can_apply(self, prompt_tokens: float | None, during: tuple[float, float] | None) -> bool:
        """Whether this entry can hold for a request of at most `prompt_tokens` (None: any
        size) served at some moment of `during` (Unix seconds; None: any time of day)."""
        too_short = prompt_tokens is not None and prompt_tokens < (self.min_prompt_tokens or 0)
        if too_short:
            return False
        if not self.is_time_of_day or during is None:
            return True
        assert self.utc_start is not None and self.utc_end is not None
        return _meets(_minute_spans(self.utc_start, self.utc_end), _spans_during(*during))


def _minute(hhmm: int) -> int:
    return (hhmm // 100) * 60 + hhmm % 100


def _minute_spans(start_hhmm: int, end_hhmm: int) -> list[tuple[int, int]]:
    """`[start, end)` in minutes of the UTC day, split in two where it wraps midnight (start
    == end holds never, as the emulator reads it)."""
    start, end = _minute(start_hhmm), _minute(end_hhmm)
    if start <= end:
        return [(start, end)]
    return [(start, _DAY_MIN), (0, end)]


def _spans_during(first_s: float, last_s: float) -> list[tuple[int, int]]:
    """The minutes of the UTC day that `[first_s, last_s]` (Unix seconds) touches."""
    length = math.floor(last_s / 60) - math.floor(first_s / 60) + 1
    if length >= _DAY_MIN:
        return [(0, _DAY_MIN)]
    start = math.floor(first_s / 60) % _DAY_MIN
    end = start + length
    if end <= _DAY_MIN:
        return [(start, end)]
    return [(start, _DAY_MIN), (0, end - _DAY_MIN)]


def _meets(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> bool:
    return any(s1 < e2 and s2 < e1 for s1, e1 in a for s2, e2 in b)


def price_overrides(info: ModelInfo) -> tuple[PriceOverride, ...]:
    """The model's `pricing.overrides`, in wire order; an entry that leaves a rate out keeps
    the listed one (factor 1), and entries without a condition orkit reads are ignored."""
    base_p, base_c = info.prompt_price or 0.0, info.completion_price or 0.0
    out = []
    for o in info.pricing.get("overrides") or ():
        if not isinstance(o, Mapping):
            continue
        min_tokens = o.get("min_prompt_tokens")
        min_tokens = min_tokens if isinstance(min_tokens, int) else None
        start, end = o.get("utc_start"), o.get("utc_end")
        timed = isinstance(start, int) and isinstance(end, int)
        if min_tokens is None and not timed:
            continue
        p, c = _f(o.get("prompt")), _f(o.get("completion"))
        out.append(
            PriceOverride(
                prompt_factor=p / base_p if p is not None and base_p else 1.0,
                completion_factor=c / base_c if c is not None and base_c else 1.0,
                min_prompt_tokens=min_tokens,
                utc_start=start if timed else None,
                utc_end=end if timed else None,
            )
        )
    return tuple(out)


def dearest_factors(
    overrides: Sequence[PriceOverride],
    *,
    prompt_tokens: float | None = None,
    during: tuple[float, float] | None = None,
) -> tuple[float, float]:
    """The highest (prompt, completion) multipliers of the listed rates that can apply to a
    request of at most `prompt_tokens` served during `during` (None: unknown, so any): the
    listed rates themselves (1.0), or any override that can hold. Whichever entry wins on
    the wire, its rate is one of these, so this bounds it."""
    fp = fc = 1.0
    for o in overrides:
        if o.can_apply(prompt_tokens, during):
            fp, fc = max(fp, o.prompt_factor), max(fc, o.completion_factor)
    return fp, fc


def _overrides(info: ModelInfo) -> tuple[list[tuple[int, float, float]], list[PriceOverride]]:
    """Long-context multipliers (entries conditioned on prompt size only), and the entries
    that depend on the time of day."""
    long_ctx: list[tuple[int, float, float]] = []
    timed: list[PriceOverride] = []
    for o in price_overrides(info):
        if o.is_time_of_day:
            timed.append(o)
        elif o.min_prompt_tokens is not None:
            long_ctx.append((o.min_prompt_tokens, o.prompt_factor, o.completion_factor))
    return long_ctx, timed


def _eligible(
    endpoints: Sequence[ProviderEndpoint], params: Mapping[str, Any], prefs: Mapping[str, Any]
) -> list[ProviderEndpoint]:
    """The healthy endpoints the request's provider filters leave (all of them when none
    would be left: a sweep whose filters leave a model no endpoint is refused before it
    runs, so this prices only what the check could not judge)."""
    healthy = [e for e in endpoints if e.status is None or e.status >= 0] or list(endpoints)
    return filter_endpoints(healthy, prefs, routed_parameters(params)).kept or healthy


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
    long_ctx, timed = _overrides(info)
    if info.is_free or not endpoints:
        low = high = expected = listed
        source = "catalog"
    else:
        prefs = (params or {}).get("provider")
        prefs = prefs if isinstance(prefs, Mapping) else {}
        chosen = _eligible(endpoints, params or {}, prefs)
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
    if timed:  # off-peak discounts and peak surcharges: possible, not expected
        low_p = min(1.0, *(o.prompt_factor for o in timed))
        low_c = min(1.0, *(o.completion_factor for o in timed))
        high_p, high_c = dearest_factors(timed)
        low = Rates(low.prompt * low_p, low.completion * low_c, low.request)
        high = Rates(high.prompt * high_p, high.completion * high_c, high.request)
    return PriceBand(low, expected, high, tuple(long_ctx), source)
