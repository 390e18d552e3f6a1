"""What a row's prompt caching cost and saved, in USD (pure): its cached tokens at
the cache-read price, its written tokens at the cache-write price, and what those tokens
would have cost at the plain prompt price less both (negative when writes cost more than
reads saved).

Prices are the model's listed ones (`ModelInfo.pricing`), after the long-context
`overrides` that apply at the row's prompt size (an entry's own `input_cache_*` prices when
it lists them); a one-hour breakpoint writes at `input_cache_write_1h` (else
`input_cache_write`). Unknown is null, never 0: a count the server did not report, or a
price the catalog does not list for tokens that used it, leaves all three unknown. A row
that read and wrote nothing at known prices (or was insured: nothing billed) is 0.0.
`usage.cost` stays the row's cost; these columns only split out its cache part.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orkit.catalog import Catalog, ModelInfo
from orkit.results import ResultRow

__all__ = [
    "NOTHING_CACHED",
    "UNKNOWN",
    "CacheCosts",
    "CachePricing",
    "CacheRates",
    "cache_costs",
    "cache_rates",
    "one_hour",
]


@dataclass(frozen=True, slots=True)
class CacheRates:
    """USD per prompt token: plain, read from the cache, written to it (None: not listed)."""

    prompt: float
    read: float | None
    write: float | None


@dataclass(frozen=True, slots=True)
class CacheCosts:
    """A row's cache columns (`cache_read_usd`, `cache_write_usd`, `cache_savings_usd`)."""

    read_usd: float | None
    write_usd: float | None
    savings_usd: float | None

    def fill(self, row: ResultRow) -> None:
        """Set the row's three cache columns."""
        row["cache_read_usd"] = self.read_usd
        row["cache_write_usd"] = self.write_usd
        row["cache_savings_usd"] = self.savings_usd


UNKNOWN = CacheCosts(None, None, None)
"""The columns of a row whose counts or prices are not known."""
NOTHING_CACHED = CacheCosts(0.0, 0.0, 0.0)
"""The columns of a row that read and wrote nothing at known prices."""


def cache_rates(info: ModelInfo, prompt_tokens: int | None, *, one_hour: bool) -> CacheRates | None:
    """The model's cache rates at this prompt size; None when its prompt price is unknown."""
    pricing: Mapping[str, Any] = info.pricing
    rates = {
        "prompt": info.prompt_price,
        "input_cache_read": info.cache_read_price,
        "input_cache_write": info.cache_write_price,
        "input_cache_write_1h": _price(pricing.get("input_cache_write_1h")),
    }
    for override in pricing.get("overrides") or ():
        floor = override.get("min_prompt_tokens") if isinstance(override, Mapping) else None
        if not isinstance(floor, int) or prompt_tokens is None or prompt_tokens < floor:
            continue  # time-of-day entries too: when the request was served is not known here
        for key in rates:
            price = _price(override.get(key))
            if price is not None:
                rates[key] = price
    prompt = rates["prompt"]
    if prompt is None:
        return None
    write = rates["input_cache_write"]
    if one_hour and rates["input_cache_write_1h"] is not None:
        write = rates["input_cache_write_1h"]
    return CacheRates(prompt=prompt, read=rates["input_cache_read"], write=write)


def cache_costs(
    rates: CacheRates | None, counts: tuple[int | None, int | None, int | None]
) -> CacheCosts:
    """The row's cache columns from its `counts` = (prompt, cached, written) tokens at
    `rates` (see the module docstring)."""
    prompt_tokens, cached_tokens, cache_write_tokens = counts
    if rates is None or cached_tokens is None or cache_write_tokens is None:
        return UNKNOWN
    if not cached_tokens and not cache_write_tokens:
        return NOTHING_CACHED
    read = _at(cached_tokens, rates.read)
    write = _at(cache_write_tokens, rates.write)
    if read is None or write is None:
        return UNKNOWN
    tokens = cached_tokens + cache_write_tokens
    if prompt_tokens is not None and tokens > prompt_tokens:
        # The same tokens both read and written: Google AI Studio bills its cache's write
        # price on the tokens it reads (a captured answer: 2168 prompt tokens, 2161 cached
        # and 2161 written, priced so). Those tokens replaced the plain price once.
        tokens = max(cached_tokens, cache_write_tokens)
    plain = tokens * rates.prompt
    return CacheCosts(read, write, plain - read - write)


def _at(tokens: int, price: float | None) -> float | None:
    if not tokens:
        return 0.0
    return None if price is None else tokens * price


def _price(value: Any) -> float | None:
    try:
        price = float(value)
    except (TypeError, ValueError):
        return None
    return price if price >= 0 else None


class CachePricing:
    """A run's cache prices: the catalog of the models it sends to (OpenRouter's listed
    prices; the emulator serves the same), each model's rates computed once per prompt
    size class (the overrides' thresholds)."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._floors: dict[str, tuple[int, ...] | None] = {}
        self._rates: dict[tuple[str, bool, int], CacheRates | None] = {}

    def costs(
        self,
        model: str,
        counts: tuple[int | None, int | None, int | None],
        *,
        one_hour: bool = False,
    ) -> CacheCosts:
        """The cache columns of a row served by `model`, `counts` = (prompt, cached,
        written) tokens."""
        if model not in self._floors:
            info = self._catalog.get(model)
            self._floors[model] = None if info is None else _override_floors(info)
        floors = self._floors[model]
        if floors is None:
            return cache_costs(None, counts)
        prompt = counts[0]
        # the overrides that apply are the ones whose floor the prompt reaches: the same
        # rates for every prompt size between two floors, computed once (this runs per row)
        size_class = 0 if prompt is None else sum(1 for floor in floors if prompt >= floor)
        key = (model, one_hour, size_class)
        if key not in self._rates:
            info = self._catalog.get(model)
            assert info is not None  # its floors were found above
            self._rates[key] = cache_rates(info, prompt, one_hour=one_hour)
        return cache_costs(self._rates[key], counts)


def _override_floors(info: ModelInfo) -> tuple[int, ...]:
    """The `min_prompt_tokens` of the model's pricing overrides (the size classes)."""
    overrides = info.pricing.get("overrides") or ()
    return tuple(
        o["min_prompt_tokens"]
        for o in overrides
        if isinstance(o, Mapping) and isinstance(o.get("min_prompt_tokens"), int)
    )


def one_hour(messages: Any) -> bool:
    """Whether a request's breakpoint asks for the one-hour cache (its writes' price)."""
    for message in messages if isinstance(messages, list) else ():
        content = message.get("content") if isinstance(message, Mapping) else None
        for part in content if isinstance(content, list) else ():
            marker = part.get("cache_control") if isinstance(part, Mapping) else None
            if isinstance(marker, Mapping) and marker.get("ttl") == "1h":
                return True
    return False
