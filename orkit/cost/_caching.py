"""Prompt caching in an estimate (layer 2, pure): which models cache and how, which requests
of a sweep write a cached prefix and which read it, and what that does to their cost.

The rules are OpenRouter's (the reference's §10, which the emulator follows too):
- a model caches when its pricing lists `input_cache_read`; reads are billed at that price
  instead of the prompt price;
- Anthropic and Qwen (Alibaba) models cache only the prefix marked by a `cache_control`
  breakpoint ("explicit"); every other cache-capable model caches each message-boundary
  prefix of a request by itself ("implicit");
- a prefix shorter than `CACHE_MIN_TOKENS` is never cached;
- an entry lives `CACHE_TTL_S` ("5m" or "1h") since it was last written or read;
- tokens written are billed at `input_cache_write` (`input_cache_write_1h` for the hour),
  when the model lists one; a model that lists none writes at the plain prompt price.

A request reads a prefix once an earlier request's prompt has been processed (its first
token), so the requests that start together at the beginning of a run all write: the first
wave (`first_wave`). Later requests read it while the entry lives: when the gap between two
requests that share a prefix exceeds its TTL, every request writes again.
"""

from __future__ import annotations

from dataclasses import dataclass

from orkit.catalog import ModelInfo

__all__ = [
    "CACHE_MIN_TOKENS",
    "CACHE_TTL_S",
    "CacheRates",
    "CacheSplit",
    "cache_rates",
    "cache_split",
    "first_wave",
    "is_explicit_cache_model",
]

CACHE_MIN_TOKENS = 1024
"""The shortest prefix (prompt tokens) a provider caches."""

CACHE_TTL_S = {"5m": 300.0, "1h": 3600.0}
"""How long a cache entry lives since it was last written or read, per breakpoint `ttl`
(implicit caching: the 5 minutes)."""

EXPLICIT_CACHE_AUTHORS = frozenset({"anthropic", "qwen"})
"""Model authors whose providers cache only what a `cache_control` breakpoint marks."""


def is_explicit_cache_model(model_id: str) -> bool:
    """Whether `model_id` needs `cache_control` breakpoints to cache (Anthropic, Qwen; the
    `~anthropic/...` aliases too)."""
    author = model_id.lstrip("~").split("/", 1)[0].casefold()
    return author in EXPLICIT_CACHE_AUTHORS


@dataclass(frozen=True, slots=True)
class CacheRates:
    """A cache-capable model's cache prices as multiples of its prompt price: the provider's
    own price level (and calibration's correction of it) applies to them as to the prompt."""

    read_factor: float
    write_factor: float
    """1.0 when the model lists no write price (written tokens cost what they would)."""
    bills_writes: bool
    """The model lists a write price: its writes are reported (`cache_write_tokens`)."""


def cache_rates(info: ModelInfo, ttl: str = "5m") -> CacheRates | None:
    """The model's cache prices relative to its prompt price; None when it cannot cache
    (no `input_cache_read`) or has no prompt price to be relative to."""
    prompt, read = info.prompt_price, info.cache_read_price
    if read is None or not prompt:
        return None
    write = info.cache_write_price
    if ttl == "1h":
        write = _price(info.pricing.get("input_cache_write_1h"), write)
    if write is None:
        return CacheRates(read / prompt, 1.0, bills_writes=False)
    return CacheRates(read / prompt, write / prompt, bills_writes=True)


def _price(value: object, fallback: float | None) -> float | None:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return fallback
    return out if out >= 0 else fallback


def first_wave(concurrency: float, ttft_s: float, rpm: float | None = None) -> float:
    """Requests of one model that start before the first one's prompt has been processed
    (`ttft_s` after it was sent), so that none of them can read what it writes: the run
    sends `concurrency` at once; a known requests-per-minute limit spaces them out. A prompt
    processed at once (`ttft_s` 0: an emulator without latency) is read by the next one."""
    if ttft_s <= 0:
        return 1.0
    wave = max(1.0, concurrency)
    if rpm:
        wave = min(wave, 1.0 + ttft_s * rpm / 60.0)
    return wave


@dataclass(frozen=True, slots=True)
class CacheSplit:
    """The prompt tokens of some requests that are written to the cache and read from it."""

    written: float = 0.0
    read: float = 0.0
    writes: float = 0.0
    """Requests that wrote (missed the cache)."""

    def __add__(self, other: CacheSplit) -> CacheSplit:
        return CacheSplit(
            self.written + other.written, self.read + other.read, self.writes + other.writes
        )

    def cost_change(self, prompt_rate: float, rates: CacheRates) -> float:
        """What caching adds to these requests' cost at `prompt_rate` per plain prompt token
        (negative: it saves)."""
        read = self.read * prompt_rate * (rates.read_factor - 1.0)
        return read + self.written * prompt_rate * (rates.write_factor - 1.0)

    def write_cost(self, prompt_rate: float, rates: CacheRates) -> float:
        """What the written tokens cost, as a row's `cache_write_usd` says (0: writes not
        billed apart)."""
        return self.written * prompt_rate * rates.write_factor if rates.bills_writes else 0.0


def cache_split(
    prefix_tokens: float, requests: float, writes: float, gap_s: float, ttl_s: float
) -> CacheSplit:
    """`requests` that share a prefix of `prefix_tokens`, of which `writes` (at least one)
    miss it at the start, the rest reading it, when requests come `gap_s` apart: a gap
    longer than the entry's `ttl_s` lets it expire, and every request writes."""
    if requests <= 0 or prefix_tokens < CACHE_MIN_TOKENS:
        return CacheSplit()
    missed = requests if gap_s > ttl_s else min(requests, max(1.0, writes))
    return CacheSplit(
        written=missed * prefix_tokens,
        read=(requests - missed) * prefix_tokens,
        writes=missed,
    )
