"""Prompt caching in the estimate, pure parts with exact numbers: which models cache and how,
the first wave that writes, the reads after it while the TTL holds, the shared prefixes of a
sweep, a line priced with them, and calibration that compares cached rows like with like."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from orkit.catalog import Catalog, ModelInfo
from orkit.cost import (
    CACHE_MIN_TOKENS,
    CacheSplit,
    LaneLoad,
    Lessons,
    LineEstimate,
    OutputBand,
    PriceBand,
    Rates,
    WorkGroup,
    cache_rates,
    cache_split,
    first_wave,
    is_explicit_cache_model,
)
from orkit.cost._learn import _Acc
from orkit.estimate._prefixes import (
    breakpoint_index,
    common_length,
    explicit_prefixes,
    implicit_prefixes,
)
from orkit.estimate._prompt_cache import CacheInputs, CacheSettings, prompt_cache_line
from orkit.estimate._workload import PromptSizes

HAIKU = "anthropic/claude-haiku-4.5"
MINI = "openai/gpt-4o-mini"


def info(model: str, **pricing: str) -> ModelInfo:
    raw = {"id": model, "pricing": {"prompt": "0.000001", "completion": "0.000005", **pricing}}
    found = Catalog.from_raw([raw], source="live", snapshot_date="").get(model)
    assert found is not None
    return found


ANTHROPIC = info(
    HAIKU,
    input_cache_read="0.0000001",
    input_cache_write="0.00000125",
    input_cache_write_1h="0.000002",
)
IMPLICIT = info(MINI, input_cache_read="0.0000005")


def test_which_models_need_a_breakpoint() -> None:
    assert is_explicit_cache_model(HAIKU)
    assert is_explicit_cache_model("~anthropic/claude-sonnet-latest")
    assert is_explicit_cache_model("qwen/qwen3.8-max")
    assert not is_explicit_cache_model(MINI)
    assert not is_explicit_cache_model("deepseek/deepseek-v3.2")


def test_cache_rates_relative_to_the_prompt_price() -> None:
    five = cache_rates(ANTHROPIC)
    hour = cache_rates(ANTHROPIC, "1h")
    assert five is not None and hour is not None
    assert (five.read_factor, five.write_factor, five.bills_writes) == pytest.approx(
        (0.1, 1.25, True)
    )
    assert hour.write_factor == pytest.approx(2.0)
    free_writes = cache_rates(IMPLICIT)
    assert free_writes is not None
    assert (free_writes.read_factor, free_writes.write_factor) == (0.5, 1.0)
    assert not free_writes.bills_writes
    assert cache_rates(info("mistralai/x")) is None  # no input_cache_read: cannot cache
    # a 1h breakpoint on a model without an hour price writes at the 5-minute one
    no_hour = cache_rates(info("qwen/q", input_cache_read="0.0000001", input_cache_write="2e-6"))
    assert no_hour is not None and cache_rates(info("qwen/q"), "1h") is None
    assert no_hour.write_factor == pytest.approx(2.0)


def test_the_first_wave_is_what_starts_together() -> None:
    assert first_wave(16, 0.8) == 16
    assert first_wave(0, 0.8) == 1
    assert first_wave(16, 0.6, rpm=600) == pytest.approx(7.0)  # 1 + 0.6 s × 10 a second
    assert first_wave(4, 0.6, rpm=6000) == 4
    assert first_wave(16, 0.0) == 1  # processed at once: the next request reads it


def test_cache_split_first_wave_writes_the_rest_reads() -> None:
    split = cache_split(2000, 300, 32, gap_s=0.5, ttl_s=300)
    assert split == CacheSplit(written=32 * 2000, read=268 * 2000, writes=32)
    assert cache_split(2000, 10, 32, 0.5, 300) == CacheSplit(20000, 0, 10)
    assert cache_split(2000, 10, 0, 0.5, 300).writes == 1  # someone always writes first
    # an entry that expires between two requests is written by each of them
    assert cache_split(2000, 10, 2, gap_s=301, ttl_s=300) == CacheSplit(20000, 0, 10)
    assert cache_split(CACHE_MIN_TOKENS - 1, 300, 32, 0.5, 300) == CacheSplit()
    assert cache_split(CACHE_MIN_TOKENS, 300, 32, 0.5, 300).read == 268 * CACHE_MIN_TOKENS


def test_cost_change_and_write_cost() -> None:
    rates = cache_rates(ANTHROPIC)
    assert rates is not None
    split = CacheSplit(written=64_000, read=536_000, writes=32)
    # reads save 90% of 1e-6 a token, writes cost 25% more
    change = 536_000 * 1e-6 * -0.9 + 64_000 * 1e-6 * 0.25
    assert split.cost_change(1e-6, rates) == pytest.approx(change)
    assert split.write_cost(1e-6, rates) == pytest.approx(64_000 * 1.25e-6)
    free = cache_rates(IMPLICIT)
    assert free is not None and split.write_cost(1e-6, free) == 0.0


SYSTEM = {"role": "system", "content": "You answer briefly. " * 500}


def chat(i: int, *, system: dict[str, str] | None = SYSTEM) -> list[dict[str, str]]:
    head = [system] if system else []
    return [*head, {"role": "user", "content": f"What is {i} + {i}?"}]


def test_breakpoints_per_mode() -> None:
    messages = chat(1)
    assert breakpoint_index(messages, "system", None) == 0
    assert breakpoint_index(chat(1, system=None), "system", None) is None
    assert breakpoint_index(messages, "message:1", None) == 1
    assert breakpoint_index(messages, "message:2", None) is None
    assert breakpoint_index(messages, "auto", 1) == 0
    assert breakpoint_index(messages, "auto", 0) is None
    assert breakpoint_index(messages, "none", None) is None
    assert common_length([chat(1), chat(2)]) == 1
    assert common_length([chat(1), chat(1)]) == 2


def test_shared_prefixes_explicit_and_implicit() -> None:
    sample = [chat(i) for i in range(10)]
    (shared,) = explicit_prefixes(sample, "system", rows=10)
    assert shared.share == 1.0 and not shared.own and shared.prefixes == ((SYSTEM,),)
    (implicit,) = implicit_prefixes(sample, rows=10)
    assert implicit.prefixes == ((SYSTEM,),)
    # each row's own user message marked: no row shares it; in a sample of part of the
    # dataset they are each their own, counted apart
    (own,) = explicit_prefixes(sample, "message:1", rows=100)
    assert own.own and own.share == 1.0
    # two system prompts, 3 and 7 rows; the whole dataset is in the sample
    other = {"role": "system", "content": "Be terse. " * 600}
    mixed = [chat(i, system=other if i < 3 else SYSTEM) for i in range(10)]
    shares = sorted(p.share for p in explicit_prefixes(mixed, "system", rows=10))
    assert shares == pytest.approx([0.3, 0.7])
    assert implicit_prefixes([chat(1, system=None), chat(2, system=None)], rows=2) == []


def _group(requests: int, tokens: float = 2010.0) -> WorkGroup:
    band = PriceBand(Rates(1e-6, 5e-6), Rates(1e-6, 5e-6), Rates(1e-6, 5e-6))
    return WorkGroup(
        prompt_tokens=np.full(requests, tokens),
        multiplicity=1.0,
        requests=requests,
        cache_hits=0.0,
        output=OutputBand(10, 10, 10, "max_tokens"),
        prices=band,
    )


def _inputs(model: ModelInfo, requests: int, seconds: float = 10.0) -> CacheInputs:
    sample = [chat(i) for i in range(requests)]
    size = PromptSizes(
        prompt_id="p",
        fingerprint="f",
        ascii_chars=np.zeros(requests, dtype=np.int64),
        other_chars=np.zeros(requests, dtype=np.int64),
        messages=np.full(requests, 2, dtype=np.int64),
        sample=sample,
    )
    group = _group(requests)
    lane = LaneLoad(model.id, requests, latency_s=1.0, max_concurrency=16)
    return CacheInputs(
        info=model,
        cal=None,
        groups=[(group.prompt_tokens, group)],
        sizes=[size],
        lane=lane,
        seconds=seconds,
        counted=True,
    )


def _plain_line(model: str, requests: int) -> LineEstimate:
    prompt = 2010 * requests
    cost = prompt * 1e-6 + requests * 10 * 5e-6
    return LineEstimate(model, "model", requests, 0, prompt, 10 * requests, cost, cost, cost)


def test_a_line_with_a_cached_system_prompt() -> None:
    from orkit.cost import count_prompt_tokens

    prefix = count_prompt_tokens([SYSTEM])
    plain = _plain_line(HAIKU, 100)
    line = prompt_cache_line(plain, _inputs(ANTHROPIC, 100), CacheSettings("system"))
    # 16 start together and write, 84 read
    assert line.cached_tokens == 84 * prefix
    assert line.cache_write_tokens == 16 * prefix
    saved = 84 * prefix * 1e-6 * 0.9 - 16 * prefix * 1e-6 * 0.25
    assert line.cache_savings_usd == pytest.approx(saved)
    assert line.cache_write_usd == pytest.approx(16 * prefix * 1.25e-6)
    assert line.cost_expected_usd == pytest.approx(plain.cost_expected_usd - saved)
    assert line.cache_hit_rate == pytest.approx(84 * prefix / (2010 * 100))
    # the band: one write at the low end, twice the wave at the high end
    low = plain.cost_low_usd - (99 * prefix * 0.9 - prefix * 0.25) * 1e-6
    high = plain.cost_high_usd - (68 * prefix * 0.9 - 32 * prefix * 0.25) * 1e-6
    assert (line.cost_low_usd, line.cost_high_usd) == pytest.approx((low, high))
    # without a breakpoint an Anthropic model caches nothing, and says so
    none = prompt_cache_line(plain, _inputs(ANTHROPIC, 100), CacheSettings())
    assert none.cost_expected_usd == plain.cost_expected_usd
    assert (none.cached_tokens, none.cache_hit_rate, none.cache_savings_usd) == (0, 0.0, 0.0)


def test_implicit_caching_needs_no_breakpoint_and_expires() -> None:
    from orkit.cost import count_prompt_tokens

    prefix = count_prompt_tokens([SYSTEM])
    plain = _plain_line(MINI, 100)
    line = prompt_cache_line(plain, _inputs(IMPLICIT, 100), CacheSettings())
    assert line.cached_tokens == 84 * prefix
    assert line.cache_write_tokens == 0 and line.cache_write_usd == 0.0  # writes not billed
    assert line.cache_savings_usd == pytest.approx(84 * prefix * 0.5e-6)
    # 100 requests over 10 hours: 6 minutes apart, past the 5-minute TTL
    slow = prompt_cache_line(plain, _inputs(IMPLICIT, 100, seconds=36_000), CacheSettings())
    assert slow.cached_tokens == 0 and slow.cost_expected_usd == plain.cost_expected_usd
    # on an emulator whose wall clock runs 100 times faster (window_scale 0.01) the
    # 5 minutes are 3 real seconds: 100 requests over 400 s are 4 s apart, past them
    fast = dataclasses.replace(_inputs(IMPLICIT, 100, seconds=400), ttl_scale=0.01)
    assert prompt_cache_line(plain, fast, CacheSettings()).cached_tokens == 0
    lively = dataclasses.replace(_inputs(IMPLICIT, 100, seconds=200), ttl_scale=0.01)
    assert prompt_cache_line(plain, lively, CacheSettings()).cached_tokens == 84 * prefix
    # a model that cannot cache keeps its line, figures unknown
    mistral = info("mistralai/mistral-small")
    kept = prompt_cache_line(_plain_line(mistral.id, 100), _inputs(mistral, 100), CacheSettings())
    assert kept == _plain_line(mistral.id, 100) and kept.cache_hit_rate is None


def test_calibration_compares_cached_rows_like_with_like() -> None:
    """A row that read 1,000 of its 1,200 prompt tokens at a tenth of the price is billed as
    listed once the split is priced: the ratio learnt is 1, not the discount."""
    acc = _Acc(billed_cost=200e-6 + 1000 * 0.1e-6 + 10 * 5e-6, billed_prompt=1200.0)
    acc.billed_completion, acc.billed_rows, acc.billed_cached = 10.0, 1, 1000.0
    actual, listed = acc.billed_and_listed(ANTHROPIC)
    assert actual == pytest.approx(listed)
    # writes at the write price of the run's TTL
    hour = _Acc(billed_cost=1000 * 2e-6 + 200e-6, billed_prompt=1200.0, billed_written=1000.0)
    hour.billed_rows, hour.cache_ttl = 1, "1h"
    actual, listed = hour.billed_and_listed(ANTHROPIC)
    assert actual == pytest.approx(listed)
    lessons = Lessons()
    lessons.add(
        {
            "status": "ok",
            "model": HAIKU,
            "completion_tokens": 10,
            "prompt_tokens": 1200,
            "cached_tokens": 1000,
            "cost_usd": 1.0,
            "cost_source": "reported",
        }
    )
    learnt = lessons._accs[HAIKU]
    assert (learnt.billed_cached, learnt.billed_written) == (1000.0, 0.0)
