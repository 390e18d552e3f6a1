"""Prompt caching in the emulator: implicit and explicit models, the 1024-token minimum, TTLs
on the emulated clock, concurrent first requests, cache-aware routing, prices (1h writes,
BYOK), and how it shows in usage (JSON and stream), `/generation` and `/_sim/stats`."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from orkit.sim import ModelProfile, ProviderProfile, SimConfig, Simulator
from orkit.sim.caching import MIN_PREFIX_TOKENS, PromptCache, cache_points, is_explicit
from orkit.sim.pricing import CacheBill, Prices, charge, with_cache
from orkit.sim.tokenizer import prompt_tokens

from .sim_testkit import START, FakeTime, data_events

pytestmark = pytest.mark.anyio

HAIKU = "anthropic/claude-haiku-4.5"  # explicit; read 0.1x, write 1.25x, 1h write 2x
GPT = "openai/gpt-5"  # implicit; reads 0.1x, no write price (writes are free)
SYSTEM_WORDS = 1200  # one token per 4-letter word: a 1204-token system message
KEY = "sk-or-v1-caching-test-key"


def _provider(slug: str) -> ProviderProfile:
    return ProviderProfile(name=slug.title(), slug=slug)


def _config(**extra: Any) -> SimConfig:
    """Instant answers, a 1:1 emulated clock, one provider per model (two for GPT)."""
    models = {
        HAIKU: ModelProfile(providers=(_provider("anthropic"),)),
        GPT: ModelProfile(providers=(_provider("openai"), _provider("azure"))),
    }
    settings: dict[str, Any] = {"time_scale": 0, "window_scale": 1.0, "seed": 3, **extra}
    return SimConfig(models=models, **settings)


def _system(words: int = SYSTEM_WORDS, *, marker: dict[str, str] | None = None) -> Any:
    text = " ".join(["rule"] * words)
    if marker is None:
        return text
    return [{"type": "text", "text": text, "cache_control": marker}]


def _body(model: str, question: str, system: Any = None, **extra: Any) -> dict[str, Any]:
    messages = [
        {"role": "system", "content": _system() if system is None else system},
        {"role": "user", "content": question},
    ]
    return {"model": model, "messages": messages, "max_tokens": 20, **extra}


def _plan(sim: Simulator, body: dict[str, Any]) -> Any:
    plan = sim.plan_chat(KEY, json.dumps(body).encode())
    sim.settle(plan, "200")
    return plan


def _split(plan: Any) -> tuple[int, int]:
    return plan.charge.cached_tokens, plan.charge.cache_write_tokens


SYSTEM_TOKENS = 4 + SYSTEM_WORDS  # the system message's tokens (the cached prefix)


def test_the_prefix_tokens_are_the_system_message() -> None:
    messages = [{"role": "system", "content": _system()}, {"role": "user", "content": "Hi?"}]
    implicit = cache_points(messages, None, explicit=False)
    assert [p.tokens for p in implicit] == [SYSTEM_TOKENS, prompt_tokens(messages) - 3]
    assert cache_points(messages, None, explicit=True) == ()  # no breakpoint, nothing cached
    marked = [{"role": "system", "content": _system(marker={"type": "ephemeral"})}]
    (point,) = cache_points(marked, None, explicit=True)
    assert point.tokens == SYSTEM_TOKENS
    assert point.ttl_s == 300.0
    assert is_explicit("~anthropic/claude-sonnet-latest")
    assert is_explicit("qwen/qwen3-max")
    assert not is_explicit("openai/gpt-5")


def test_implicit_model_reads_the_shared_prefix_at_the_read_price() -> None:
    sim = Simulator(_config(), time_fn=FakeTime())
    first = _plan(sim, _body(GPT, "What is 2 + 2?"))
    second = _plan(sim, _body(GPT, "What is 3 + 3?"))
    assert _split(first) == (0, 0)  # a miss; OpenAI writes for free and reports none
    assert _split(second) == (SYSTEM_TOKENS, 0)
    prices = Prices.from_pricing(sim.catalog.by_id[GPT]["pricing"])
    assert prices.cache_read is not None
    cached = (
        SYSTEM_TOKENS * prices.cache_read + (second.prompt_tokens - SYSTEM_TOKENS) * prices.prompt
    )
    assert second.charge.prompt == cached
    assert second.charge.cache_discount == SYSTEM_TOKENS * (prices.prompt - prices.cache_read)
    assert second.endpoint.provider.slug == first.endpoint.provider.slug  # cache-aware routing


def test_explicit_model_caches_only_at_its_breakpoint() -> None:
    sim = Simulator(_config(), time_fn=FakeTime())
    plain = [_plan(sim, _body(HAIKU, f"Question {i}?")) for i in range(2)]
    assert [_split(p) for p in plain] == [(0, 0), (0, 0)]  # no cache_control: no caching
    marked = _system(marker={"type": "ephemeral"})
    first = _plan(sim, _body(HAIKU, "Question 1?", marked))
    second = _plan(sim, _body(HAIKU, "Question 2?", marked))
    assert _split(first) == (0, SYSTEM_TOKENS)
    assert _split(second) == (SYSTEM_TOKENS, 0)
    prices = Prices.from_pricing(sim.catalog.by_id[HAIKU]["pricing"])
    assert prices.cache_write is not None and prices.cache_read is not None
    rest = (first.prompt_tokens - SYSTEM_TOKENS) * prices.prompt
    assert first.charge.prompt == SYSTEM_TOKENS * prices.cache_write + rest
    assert first.charge.cache_discount == SYSTEM_TOKENS * (prices.prompt - prices.cache_write) < 0
    assert second.charge.prompt == SYSTEM_TOKENS * prices.cache_read + rest


def test_a_one_hour_breakpoint_is_written_at_the_one_hour_price_and_lives_an_hour() -> None:
    clock = FakeTime()
    sim = Simulator(_config(), time_fn=clock)
    marked = _system(marker={"type": "ephemeral", "ttl": "1h"})
    first = _plan(sim, _body(HAIKU, "Question 1?", marked))
    prices = Prices.from_pricing(sim.catalog.by_id[HAIKU]["pricing"])
    assert prices.cache_write_1h == Decimal("0.000002")
    rest = (first.prompt_tokens - SYSTEM_TOKENS) * prices.prompt
    assert first.charge.prompt == SYSTEM_TOKENS * prices.cache_write_1h + rest
    clock.advance(3000)  # past 5 minutes, within the hour
    assert _split(_plan(sim, _body(HAIKU, "Question 2?", marked))) == (SYSTEM_TOKENS, 0)


def test_prefixes_under_1024_tokens_are_never_cached_and_bill_as_before() -> None:
    sim = Simulator(_config(), time_fn=FakeTime())
    short = MIN_PREFIX_TOKENS - 14  # with "Question i?" the prompt's messages hold 1021 tokens
    plans = [_plan(sim, _body(GPT, f"Question {i}?", _system(short))) for i in range(3)]
    assert [_split(p) for p in plans] == [(0, 0)] * 3
    assert all(p.cache_bill is None for p in plans)
    prices = Prices.from_pricing(sim.catalog.by_id[GPT]["pricing"])
    for plan in plans:
        plain = charge(
            prices, plan.endpoint.multiplier, (plan.prompt_tokens, plan.completion_tokens), "stop"
        )
        assert plan.charge == plain
    marked = _system(short, marker={"type": "ephemeral"})
    explicit = [_plan(sim, _body(HAIKU, f"Question {i}?", marked)) for i in range(2)]
    assert [_split(p) for p in explicit] == [(0, 0)] * 2
    assert len(sim.prompt_cache) == 0


def test_an_entry_expires_after_its_ttl_and_a_read_refreshes_it() -> None:
    clock = FakeTime()
    sim = Simulator(_config(), time_fn=clock)
    assert _split(_plan(sim, _body(GPT, "Question 1?"))) == (0, 0)
    clock.advance(299)
    assert _split(_plan(sim, _body(GPT, "Question 2?")))[0] == SYSTEM_TOKENS
    clock.advance(299)  # 598 s after the write, 299 s after the read that refreshed it
    assert _split(_plan(sim, _body(GPT, "Question 3?")))[0] == SYSTEM_TOKENS
    clock.advance(301)
    missed = _plan(sim, _body(GPT, "Question 4?"))
    assert _split(missed)[0] == 0
    clock.advance(1)
    assert _split(_plan(sim, _body(GPT, "Question 5?")))[0] == SYSTEM_TOKENS  # written again


def test_ttl_runs_on_the_emulated_clock() -> None:
    clock = FakeTime()
    sim = Simulator(_config(window_scale=0.01), time_fn=clock)  # 100 emulated s per real s
    _plan(sim, _body(GPT, "Question 1?"))
    clock.advance(2.9)  # 290 emulated seconds
    assert _split(_plan(sim, _body(GPT, "Question 2?")))[0] == SYSTEM_TOKENS
    clock.advance(3.1)
    assert _split(_plan(sim, _body(GPT, "Question 3?")))[0] == 0


def test_requests_that_start_together_all_miss_and_all_write() -> None:
    clock = FakeTime()
    # real latencies: a write is readable only at its first token (about half a second)
    sim = Simulator(_config(time_scale=1.0), time_fn=clock)
    marked = _system(marker={"type": "ephemeral"})
    wave = [
        sim.plan_chat(KEY, json.dumps(_body(HAIKU, f"Q{i}?", marked)).encode()) for i in range(4)
    ]
    assert [_split(p) for p in wave] == [(0, SYSTEM_TOKENS)] * 4
    clock.advance(max(p.ttft_s for p in wave))
    later = sim.plan_chat(KEY, json.dumps(_body(HAIKU, "Q9?", marked)).encode())
    assert _split(later) == (SYSTEM_TOKENS, 0)


def test_cache_aware_routing_keeps_a_prefix_on_the_provider_that_holds_it() -> None:
    sim = Simulator(_config(), time_fn=FakeTime())
    served = [_plan(sim, _body(GPT, f"Question {i}?")).endpoint.provider.slug for i in range(12)]
    assert len(set(served)) == 1
    # without a cacheable prefix the same requests spread over both providers
    short = [_plan(sim, _body(GPT, f"Question {i}?", "Be brief.")) for i in range(12)]
    assert {p.endpoint.provider.slug for p in short} == {"openai", "azure"}
    # an explicit provider order wins over the cache
    other = "azure" if served[0] == "openai" else "openai"
    pinned = _plan(sim, _body(GPT, "Question 99?", provider={"order": [other]}))
    assert pinned.endpoint.provider.slug == other
    assert _split(pinned)[0] == 0  # another provider's cache is not this one's


def test_caches_belong_to_one_account() -> None:
    sim = Simulator(_config(), time_fn=FakeTime())
    _plan(sim, _body(GPT, "Question 1?"))
    other = sim.plan_chat(
        "sk-or-v1-another-account", json.dumps(_body(GPT, "Question 2?")).encode()
    )
    assert _split(other) == (0, 0)


def test_byok_bills_the_same_split_upstream_and_the_fee_on_it() -> None:
    sim = Simulator(_config(byok_providers=("anthropic",)), time_fn=FakeTime())
    marked = _system(marker={"type": "ephemeral"})
    first = _plan(sim, _body(HAIKU, "Question 1?", marked))
    second = _plan(sim, _body(HAIKU, "Question 2?", marked))
    assert _split(first) == (0, SYSTEM_TOKENS)
    assert _split(second) == (SYSTEM_TOKENS, 0)
    prices = Prices.from_pricing(sim.catalog.by_id[HAIKU]["pricing"])
    assert prices.cache_read is not None
    rest = (second.prompt_tokens - SYSTEM_TOKENS) * prices.prompt
    assert second.charge.byok
    assert second.charge.prompt == SYSTEM_TOKENS * prices.cache_read + rest
    assert second.charge.total == second.charge.upstream * Decimal("0.05")


def test_with_cache_keeps_the_counts_of_an_insured_charge() -> None:
    prices = Prices.from_pricing({"prompt": "0.000001", "completion": "0.000002"})
    insured = charge(prices, Decimal(1), (2000, 0), None)
    bill = CacheBill(1500, 0, Decimal("0.000001"), Decimal("0.0000001"), Decimal("0.000001"))
    cached = with_cache(insured, bill)
    assert cached.total == 0
    assert (cached.cached_tokens, cached.cache_write_tokens) == (1500, 0)


def test_cache_rates_follow_the_long_context_overrides() -> None:
    pricing = {
        "prompt": "0.000003",
        "input_cache_read": "0.0000003",
        "input_cache_write": "0.00000375",
        "input_cache_write_1h": "0.000006",
        "overrides": [
            {
                "min_prompt_tokens": 200000,
                "prompt": "0.000006",
                "input_cache_read": "0.0000006",
                "input_cache_write_1h": "0.000012",
            },
        ],
    }
    prices = Prices.from_pricing(pricing)
    assert prices.cache_rates(1000, 0, one_hour=False) == (Decimal("3E-7"), Decimal("0.00000375"))
    assert prices.cache_rates(300000, 0, one_hour=True) == (Decimal("6E-7"), Decimal("0.000012"))
    assert prices.cache_rates(300000, 0, one_hour=False) == (
        Decimal("6E-7"),
        Decimal("0.00000375"),  # no 5-minute write override: the listed price
    )
    assert Prices.from_pricing({"prompt": "1"}).cache_rates(5000, 0, one_hour=False) is None


def test_a_cache_entry_is_read_only_within_its_ttl() -> None:
    cache = PromptCache()
    messages = [{"role": "system", "content": _system()}]
    (point,) = cache_points(messages, None, explicit=False)
    scope = (1, "openai", GPT)
    reads = [cache.serve(scope, (point,), (at, at), explicit=False) for at in (0.0, 100.0, 500.0)]
    assert [use.read if use is not None else None for use in reads] == [0, point.tokens, 0]


async def test_usage_reports_the_split_in_json_and_stream_and_generation(make_sim) -> None:
    clock = FakeTime()
    sim = await make_sim(_config(), time_fn=clock)
    marked = _system(marker={"type": "ephemeral"})
    first = (await sim.chat(_body(HAIKU, "Question 1?", marked))).json()
    details = first["usage"]["prompt_tokens_details"]
    assert (details["cached_tokens"], details["cache_write_tokens"]) == (0, SYSTEM_TOKENS)
    streamed = await sim.chat(_body(HAIKU, "Question 2?", marked, stream=True))
    (usage,) = [
        e["usage"] for e in data_events(streamed.text) if isinstance(e, dict) and "usage" in e
    ]
    details = usage["prompt_tokens_details"]
    assert (details["cached_tokens"], details["cache_write_tokens"]) == (SYSTEM_TOKENS, 0)
    prices = Prices.from_pricing(sim.sim.catalog.by_id[HAIKU]["pricing"])
    assert prices.cache_write is not None and prices.cache_read is not None
    clock.advance(5)  # past the stats delay
    written = (await sim.http.get("/generation", params={"id": first["id"]})).json()["data"]
    assert written["native_tokens_cached"] == 0
    assert written["cache_discount"] == pytest.approx(
        float(SYSTEM_TOKENS * (prices.prompt - prices.cache_write))
    )
    assert written["cache_discount"] < 0
    stats = await sim.stats()
    assert (stats["cached_tokens"], stats["cache_write_tokens"]) == (SYSTEM_TOKENS, SYSTEM_TOKENS)
    (account,) = stats["keys"].values()
    assert (account["cached_tokens"], account["cache_write_tokens"]) == (
        SYSTEM_TOKENS,
        SYSTEM_TOKENS,
    )
    assert stats["billed_total_usd"] == pytest.approx(
        first["usage"]["cost"] + usage["cost"], abs=1e-12
    )


async def test_reset_clears_the_cache(make_sim) -> None:
    sim = await make_sim(_config(), time_fn=FakeTime(START))
    await sim.chat(_body(GPT, "Question 1?"))
    await sim.http.post("http://sim.local/_sim/reset")
    again = (await sim.chat(_body(GPT, "Question 2?"))).json()
    assert again["usage"]["prompt_tokens_details"]["cached_tokens"] == 0
