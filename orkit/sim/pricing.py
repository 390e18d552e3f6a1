"""Price arithmetic from the snapshot's pricing strings, in Decimal (USD).

`usage.cost` = prompt_tokens x prompt + completion_tokens x completion + request, all times the
serving provider's price multiplier, plus the web search fee for `:online` / the `web`
plugin; input images add `pricing.image` each to the prompt's cost, and the file parser's
OCR fee (`orkit.sim.media`) is added like the search fee. Reasoning tokens are completion
tokens and cost the completion price. Pricing `overrides` apply when their condition
holds (later entries win):
`min_prompt_tokens` (long-context pricing) and `utc_start`/`utc_end` (UTC HHMM time-of-day
windows, which may wrap midnight; evaluated on the emulated clock).

Zero-completion insurance: no charge for model tokens when the completion has 0 tokens and a
null finish reason, or the finish reason is `error`; the web search fee is still charged.
Web search without a `pricing.web_search` entry costs the Exa default of $0.007 per request.

BYOK (the user's own provider key, `SimConfig.byok_providers`): the provider bills the
tokens to the user's account (`cost_details.upstream_inference_cost`) and OpenRouter
charges only its fee, `BYOK_FEE_RATE` of that upstream cost, as `usage.cost` (plus any
server tool / parser fee, which OpenRouter runs itself).

Prompt caching (`orkit.sim.caching` decides what is read and written): prompt tokens read
from the provider's cache cost `pricing.input_cache_read` instead of `prompt`, tokens
written cost `input_cache_write` (`input_cache_write_1h` for a one-hour breakpoint, else
`input_cache_write`); `with_cache` applies that split to a charge, BYOK or not (the
upstream cost carries it, and the fee is taken on that).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

__all__ = [
    "BYOK_FEE_RATE",
    "EXA_SEARCH_USD",
    "CacheBill",
    "Charge",
    "Prices",
    "charge",
    "format_price",
    "with_byok",
    "with_cache",
]

EXA_SEARCH_USD = Decimal("0.007")
"""Fee per web search for models without their own `pricing.web_search` entry."""
BYOK_FEE_RATE = Decimal("0.05")
"""OpenRouter's BYOK fee: 5% of what the same model and provider would cost on OpenRouter."""
_ZERO = Decimal(0)
_MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class _Override:
    min_prompt_tokens: int | None
    utc_start: int | None
    utc_end: int | None
    prompt: Decimal | None
    completion: Decimal | None
    cache_read: Decimal | None = None
    cache_write: Decimal | None = None
    cache_write_1h: Decimal | None = None

    def applies(self, prompt_tokens: int, utc_hhmm: int) -> bool:
        if self.min_prompt_tokens is not None and prompt_tokens < self.min_prompt_tokens:
            return False
        if self.utc_start is not None and self.utc_end is not None:
            if self.utc_start <= self.utc_end:
                return self.utc_start <= utc_hhmm < self.utc_end
            return utc_hhmm >= self.utc_start or utc_hhmm < self.utc_end
        return True


@dataclass(frozen=True)
class Prices:
    """A model's prices in USD per unit, parsed once from its snapshot `pricing` object."""

    prompt: Decimal
    completion: Decimal
    request: Decimal
    web_search: Decimal | None
    overrides: tuple[_Override, ...] = ()
    image: Decimal = _ZERO
    """USD per input image (`pricing.image`), on top of the image's prompt tokens."""
    cache_read: Decimal | None = None
    """USD per prompt token read from the provider's cache; None: the model cannot cache."""
    cache_write: Decimal | None = None
    """USD per prompt token written to the cache; None: writes are free (priced as reads
    never are: they are simply not reported)."""
    cache_write_1h: Decimal | None = None
    """USD per token written with a one-hour breakpoint; None: `cache_write` applies."""

    @classmethod
    def from_pricing(cls, pricing: Mapping[str, Any]) -> Prices:
        """Parse a snapshot `pricing` object; dynamic (`"-1"`) prices count as 0."""
        overrides = tuple(
            _Override(
                min_prompt_tokens=o.get("min_prompt_tokens"),
                utc_start=o.get("utc_start"),
                utc_end=o.get("utc_end"),
                prompt=_price(o["prompt"]) if "prompt" in o else None,
                completion=_price(o["completion"]) if "completion" in o else None,
                cache_read=_optional(o, "input_cache_read"),
                cache_write=_optional(o, "input_cache_write"),
                cache_write_1h=_optional(o, "input_cache_write_1h"),
            )
            for o in pricing.get("overrides") or ()
        )
        web = pricing.get("web_search")
        return cls(
            prompt=_price(pricing.get("prompt", "0")),
            completion=_price(pricing.get("completion", "0")),
            request=_price(pricing.get("request", "0")),
            web_search=_price(web) if web is not None else None,
            overrides=overrides,
            image=_price(pricing.get("image", "0")),
            cache_read=_optional(pricing, "input_cache_read"),
            cache_write=_optional(pricing, "input_cache_write"),
            cache_write_1h=_optional(pricing, "input_cache_write_1h"),
        )

    def rates(self, prompt_tokens: int, utc_hhmm: int) -> tuple[Decimal, Decimal]:
        """(prompt, completion) USD per token after applicable overrides."""
        prompt, completion = self.prompt, self.completion
        for override in self.overrides:
            if override.applies(prompt_tokens, utc_hhmm):
                prompt = override.prompt if override.prompt is not None else prompt
                completion = override.completion if override.completion is not None else completion
        return prompt, completion

    def cache_rates(
        self, prompt_tokens: int, utc_hhmm: int, *, one_hour: bool
    ) -> tuple[Decimal, Decimal | None] | None:
        """(read, write) USD per token after applicable overrides; write None when writes
        are free; None when the model cannot cache."""
        read, write, write_1h = self.cache_read, self.cache_write, self.cache_write_1h
        for override in self.overrides:
            if override.applies(prompt_tokens, utc_hhmm):
                read = override.cache_read if override.cache_read is not None else read
                write = override.cache_write if override.cache_write is not None else write
                if override.cache_write_1h is not None:
                    write_1h = override.cache_write_1h
        if read is None:
            return None
        return read, (write_1h if one_hour and write_1h is not None else write)

    @property
    def is_free(self) -> bool:
        """True when prompt, completion and request prices are all zero."""
        return not (self.prompt or self.completion or self.request)

    def per_million(self) -> tuple[Decimal, Decimal]:
        """(prompt, completion) USD per million tokens, the unit of `provider.max_price`."""
        return self.prompt * _MILLION, self.completion * _MILLION


@dataclass(frozen=True)
class Charge:
    """What one completion costs, split the way `usage.cost_details` reports it."""

    prompt: Decimal
    completion: Decimal
    request: Decimal
    web_search: Decimal
    insured: bool
    parsing: Decimal = _ZERO
    """The file parser's fee (OCR pages), billed like a server tool's."""
    byok: bool = False
    """Served with the user's own provider key: the provider bills `upstream`, OpenRouter
    only its fee."""
    cached_tokens: int = 0
    """Prompt tokens read from the provider's cache (`prompt` prices them at the read rate)."""
    cache_write_tokens: int = 0
    """Prompt tokens written to the cache at a write price (`prompt` prices them so)."""
    cache_discount: Decimal = _ZERO
    """What caching saved on `prompt` against the plain prompt price (negative when writes
    cost more than reads saved): `/generation.cache_discount`."""

    @property
    def upstream(self) -> Decimal:
        """Provider-side inference cost (`cost_details.upstream_inference_cost`)."""
        return self.prompt + self.completion + self.request

    @property
    def byok_fee(self) -> Decimal:
        """OpenRouter's BYOK fee on this completion (0 when not BYOK)."""
        return self.upstream * BYOK_FEE_RATE if self.byok else _ZERO

    @property
    def total(self) -> Decimal:
        """`usage.cost`, what OpenRouter bills: upstream inference (or, BYOK, only its fee on
        it) plus server-side tool and parser fees."""
        inference = self.byok_fee if self.byok else self.upstream
        return inference + self.web_search + self.parsing


def charge(
    prices: Prices,
    multiplier: Decimal,
    tokens: tuple[int, int],
    finish_reason: str | None,
    *,
    web_search: bool = False,
    utc_hhmm: int = 0,
    images: int = 0,
    parsing: Decimal = _ZERO,
) -> Charge:
    """Price one completion of `tokens` = (prompt, completion) on a provider; `images` input
    images add `pricing.image` each to the prompt's cost, `parsing` is the file parser's fee.
    Not BYOK: `with_byok` marks a charge of a provider served with the user's own key."""
    prompt_tokens, completion_tokens = tokens
    search = (prices.web_search or EXA_SEARCH_USD) if web_search else _ZERO
    insured = finish_reason == "error" or (completion_tokens == 0 and finish_reason is None)
    if insured:
        return Charge(_ZERO, _ZERO, _ZERO, search, insured=True, parsing=parsing)
    prompt_rate, completion_rate = prices.rates(prompt_tokens, utc_hhmm)
    prompt = prompt_tokens * prompt_rate
    if images:
        prompt += images * prices.image
    return Charge(
        prompt=prompt * multiplier,
        completion=completion_tokens * completion_rate * multiplier,
        request=prices.request * multiplier,
        web_search=search,
        insured=False,
        parsing=parsing,
    )


def with_byok(price: Charge, byok: bool) -> Charge:
    """`price` as billed when the provider is (`byok`) the user's own key: same upstream
    split, OpenRouter's charge only its fee on it."""
    return replace(price, byok=byok) if byok != price.byok else price


@dataclass(frozen=True, slots=True)
class CacheBill:
    """One completion's cache split and the per-token rates it is priced at (USD, the
    endpoint's multiplier applied)."""

    read_tokens: int
    write_tokens: int
    """Tokens written at a write price (0 when the model writes for free)."""
    prompt_rate: Decimal
    read_rate: Decimal
    write_rate: Decimal


def with_cache(price: Charge, bill: CacheBill | None) -> Charge:
    """`price` with its cache split: read tokens at the read rate and written tokens at the
    write rate instead of the prompt rate. An insured charge keeps its counts and costs 0."""
    if bill is None or not (bill.read_tokens or bill.write_tokens):
        return price
    counts = replace(price, cached_tokens=bill.read_tokens, cache_write_tokens=bill.write_tokens)
    if price.insured:
        return counts
    # Exact in Decimal: the plain price of these tokens is taken out, their cache price put in.
    saved = bill.read_tokens * (bill.prompt_rate - bill.read_rate) + bill.write_tokens * (
        bill.prompt_rate - bill.write_rate
    )
    return replace(counts, prompt=price.prompt - saved, cache_discount=saved)


def format_price(value: Decimal) -> str:
    """A price as the snapshot writes it: plain decimal notation, no exponent, no trailing 0s."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


def _optional(pricing: Mapping[str, Any], key: str) -> Decimal | None:
    return _price(pricing[key]) if pricing.get(key) is not None else None


def _price(text: object) -> Decimal:
    value = Decimal(str(text))
    return _ZERO if value < 0 else value
