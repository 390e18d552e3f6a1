"""An estimate's lines with prompt caching: per model that can cache, which of its requests
write a shared prefix and which read it, priced from the catalog (layer 5).

The rules are `orkit.cost._caching`'s; the shared prefixes `orkit.estimate._prefixes`'.
The first wave of a model's requests (what its lane sends at once) writes, the rest read
while the entry lives (the lane's duration over the requests that share it says how far
apart they come). The band's low end has a single request write each prefix, its high end
twice the expected wave; the expected cost, the hit rate (cached over prompt tokens), the
savings and the writes' cost go on the line. Judges' lines are left as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from orkit.catalog import ModelInfo
from orkit.cost import (
    CACHE_MIN_TOKENS,
    CACHE_TTL_S,
    DEFAULT_TTFT_S,
    CacheRates,
    CacheSplit,
    LaneLoad,
    LineEstimate,
    ModelCalibration,
    WorkGroup,
    cache_rates,
    cache_split,
    count_prompt_tokens,
    family_of,
    first_wave,
    is_explicit_cache_model,
    measure_messages,
)
from orkit.estimate._prefixes import SharedPrefix, explicit_prefixes, implicit_prefixes
from orkit.estimate._workload import PromptSizes

if TYPE_CHECKING:
    from orkit.plan import Endpoint, SweepDefinition

__all__ = [
    "CacheInputs",
    "CacheSettings",
    "cache_settings",
    "emulated_time_scale",
    "emulated_window_scale",
    "prompt_cache_line",
]


@dataclass(frozen=True, slots=True)
class CacheSettings:
    """The sweep's breakpoint: `mode` (`none`, `system`, `auto`, `message:N`) and `ttl`."""

    mode: str = "none"
    ttl: str = "5m"


@dataclass(frozen=True, slots=True)
class CacheInputs:
    """What one model's cache figures need besides its line."""

    info: ModelInfo
    cal: ModelCalibration | None
    groups: Sequence[tuple[np.ndarray, WorkGroup]]
    """The line's priced groups, prompt variant by prompt variant, params set by params set."""
    sizes: Sequence[PromptSizes]
    lane: LaneLoad
    seconds: float | None
    """The lane's duration (None: unknown, the entry is taken to live throughout)."""
    counted: bool = False
    latency_scale: float = 1.0
    ttl_scale: float = 1.0
    """Real seconds per second of a cache entry's life (the emulator's `window_scale`: its
    wall clock, which the TTL follows, runs that much faster)."""
    shared: dict[tuple[int, bool], list[SharedPrefix]] = field(default_factory=dict)
    """The prefixes found per (prompt variant, explicit), kept across the estimate's models:
    every implicit model shares the same ones, as does every explicit one."""


@dataclass(slots=True)
class _Band:
    low: CacheSplit
    expected: CacheSplit
    high: CacheSplit

    def add(self, low: CacheSplit, expected: CacheSplit, high: CacheSplit) -> None:
        self.low = self.low + low
        self.expected = self.expected + expected
        self.high = self.high + high


def _prefix_tokens(prefix: SharedPrefix, inputs: CacheInputs, counted: bool) -> float:
    """The prefix's prompt tokens for this model, counted or estimated as its prompts are."""
    sizes = []
    for messages in prefix.prefixes:
        if counted:
            sizes.append(float(count_prompt_tokens(messages)))
            continue
        fam = family_of(inputs.info.tokenizer)
        tokens = fam.prompt_tokens(measure_messages(messages))
        ratio = inputs.cal.prompt_ratio if inputs.cal and inputs.cal.prompt_ratio else 1.0
        sizes.append(tokens * ratio)
    return sum(sizes) / len(sizes) if sizes else 0.0


def _prefixes(inputs: CacheInputs, variant: int, settings: CacheSettings) -> list[SharedPrefix]:
    explicit = is_explicit_cache_model(inputs.info.id)
    found = inputs.shared.get((variant, explicit))
    if found is None:
        size = inputs.sizes[variant]
        if not explicit:
            found = implicit_prefixes(size.sample, size.rows)
        elif settings.mode in ("", "none"):
            found = []
        else:
            found = explicit_prefixes(size.sample, settings.mode, size.rows)
        inputs.shared[(variant, explicit)] = found
    return found


def _ttft(inputs: CacheInputs) -> float:
    cal = inputs.cal
    if cal is not None and cal.ttft_s is not None:
        return cal.ttft_s
    return DEFAULT_TTFT_S * inputs.latency_scale


def _group_band(
    prefixes: Sequence[SharedPrefix],
    tokens: Sequence[float],
    sent: float,
    wave: float,
    inputs: CacheInputs,
    ttl_s: float,
    error: float = 0.0,
    per_row: float = 1.0,
) -> _Band:
    """Writes and reads of one priced group's `sent` requests (`per_row` of them per row:
    its repeats); the band's ends take the prefix as much shorter or longer as the group's
    prompts (`error`)."""
    band = _Band(CacheSplit(), CacheSplit(), CacheSplit())
    for prefix, size in zip(prefixes, tokens, strict=True):
        requests = prefix.share * sent
        if requests <= 0:  # every request answered by the response cache: nothing sent
            continue
        if prefix.own:
            band.add(*_own_band(size, requests, per_row, wave, ttl_s, error))
            continue
        gap = (inputs.seconds or 0.0) / requests
        # the prefix's share of the lane's first wave (its requests are spread through it)
        writes = wave * requests / max(inputs.lane.requests, requests)
        band.add(
            cache_split(size * (1 - error), requests, 1.0, gap, ttl_s),
            cache_split(size, requests, writes, gap, ttl_s),
            cache_split(size * (1 + error), requests, 2 * writes, gap, ttl_s),
        )
    return band


def _own_band(
    size: float, requests: float, per_row: float, wave: float, ttl_s: float, error: float
) -> tuple[CacheSplit, CacheSplit, CacheSplit]:
    """A prefix each row sends alone (`message:N` on a message that differs per item): no
    other row reads its entry, and a row's repeats go out one after the other, so those
    in one wave all write it. Low: one write per row; high: every request writes."""
    share = min(1.0, wave / max(per_row, 1.0))  # of a row's requests, those that write
    once = min(1.0, 1.0 / max(per_row, 1.0))
    return (
        cache_split(size * (1 - error), requests, requests * once, 0.0, ttl_s),
        cache_split(size, requests, requests * share, 0.0, ttl_s),
        cache_split(size * (1 + error), requests, requests, 0.0, ttl_s),
    )


def _tail_writes(split: CacheSplit, tokens: np.ndarray, multiplicity: float) -> CacheSplit:
    """An implicit model that bills writes writes every long prompt, past what it read."""
    long_prompts = float(np.sum(tokens[tokens >= CACHE_MIN_TOKENS])) * multiplicity
    return replace(split, written=max(split.written, long_prompts - split.read))


def prompt_cache_line(
    line: LineEstimate, inputs: CacheInputs, settings: CacheSettings
) -> LineEstimate:
    """The line with its expected cache reads and writes priced in (unchanged when its model
    cannot cache: no `input_cache_read` price)."""
    info = inputs.info
    explicit = is_explicit_cache_model(info.id)
    rates = cache_rates(info, settings.ttl if explicit else "5m")
    if rates is None or line.role != "model" or not line.price_known or line.free:
        return line
    ttl_s = CACHE_TTL_S.get(settings.ttl, CACHE_TTL_S["5m"]) if explicit else CACHE_TTL_S["5m"]
    ttl_s *= inputs.ttl_scale  # in the lane's (real) seconds
    wave = first_wave(inputs.lane.max_concurrency, _ttft(inputs), inputs.lane.rpm)
    per_variant = [_prefixes(inputs, v, settings) for v in range(len(inputs.sizes))]
    sized = [[_prefix_tokens(p, inputs, inputs.counted) for p in ps] for ps in per_variant]
    variants = max(1, len(inputs.sizes))
    per_params = max(1, len(inputs.groups) // variants)
    low = expected = high = 0.0
    written = read = write_usd = 0.0
    for index, (tokens, group) in enumerate(inputs.groups):
        p = min(index // per_params, len(per_variant) - 1)
        sent = tokens.size * group.multiplicity
        band = _group_band(
            per_variant[p],
            sized[p],
            sent,
            wave,
            inputs,
            ttl_s,
            group.prompt_error,
            group.multiplicity,
        )
        if not explicit and rates.bills_writes:
            band.low = _tail_writes(band.low, tokens, group.multiplicity)
            band.expected = _tail_writes(band.expected, tokens, group.multiplicity)
            band.high = _tail_writes(band.high, tokens, group.multiplicity)
        prices = group.prices
        low += band.low.cost_change(prices.low.prompt, rates)
        expected += band.expected.cost_change(prices.expected.prompt, rates)
        high += band.high.cost_change(prices.high.prompt, rates)
        read += band.expected.read
        written += band.expected.written if rates.bills_writes else 0.0
        write_usd += band.expected.write_cost(prices.expected.prompt, rates)
    return _priced(line, low, expected, high, (read, written, write_usd), rates)


def _priced(
    line: LineEstimate,
    low: float,
    expected: float,
    high: float,
    totals: tuple[float, float, float],
    rates: CacheRates,
) -> LineEstimate:
    read, written, write_usd = totals
    cost = line.cost_expected_usd + expected
    return replace(
        line,
        cost_low_usd=max(0.0, min(line.cost_low_usd + low, cost)),
        cost_expected_usd=cost,
        cost_high_usd=max(line.cost_high_usd + high, cost),
        cached_tokens=round(read),
        cache_write_tokens=round(written) if rates.bills_writes else 0,
        cache_hit_rate=read / line.prompt_tokens if line.prompt_tokens else 0.0,
        cache_savings_usd=-expected or 0.0,  # not -0.0
        cache_write_usd=write_usd,
    )


def cache_settings(sweep: SweepDefinition) -> CacheSettings:
    """The sweep's breakpoint settings (`Sweep.prompt_cache` / `Sweep.cache_ttl`)."""
    return CacheSettings(mode=sweep.prompt_cache, ttl=sweep.cache_ttl)


def emulated_time_scale(endpoint: Endpoint | None) -> float:
    """Real seconds per emulated second (the emulator's `time_scale`; 1 elsewhere)."""
    if endpoint is None or endpoint.kind != "sim":
        return 1.0
    return float(endpoint.sim.get("time_scale", 1.0))


def emulated_window_scale(endpoint: Endpoint | None) -> float:
    """Real seconds per emulated wall-clock second (the emulator's `window_scale`, which
    defaults to its `time_scale`; 0, and every other server: real time)."""
    if endpoint is None or endpoint.kind != "sim":
        return 1.0
    scale = endpoint.sim.get("window_scale")
    return float(emulated_time_scale(endpoint) if scale is None else scale) or 1.0
