"""Token counts and cost arithmetic against the snapshot's prices."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orkit.sim import FaultProfile, ModelProfile, ProviderProfile, SimConfig
from orkit.sim.pricing import Prices, charge
from orkit.sim.tokenizer import count_tokens, pieces, prompt_tokens

from .sim_testkit import chat_body


@pytest.mark.parametrize(
    ("text", "tokens"),
    [("", 0), ("hi", 1), ("hello", 2), ("What is 17 + 25?", 6), ("strawberry", 3), ("a, b.", 4)],
)
def test_tokenizer_counts(text: str, tokens: int) -> None:
    assert count_tokens(text) == tokens
    assert len(pieces(text)) == tokens
    assert "".join(pieces(text)) == text


def test_prompt_tokens_add_per_message_overhead() -> None:
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]
    assert prompt_tokens(messages) == 3 + (4 + 4) + (4 + 1)  # "brief" is 5 chars: 2 tokens


def _price(catalog, model_id: str, key: str) -> Decimal:
    return Decimal(catalog.by_id[model_id]["pricing"][key])


async def test_cost_is_tokens_times_snapshot_prices(make_sim, catalog) -> None:
    model = "anthropic/claude-haiku-4.5"
    one = (ProviderProfile("Anthropic", "anthropic"),)
    sim = await make_sim(SimConfig(time_scale=0, models={model: ModelProfile(providers=one)}))
    usage = (await sim.chat(chat_body("Tell me about pricing.", model))).json()["usage"]
    prompt_cost = usage["prompt_tokens"] * _price(catalog, model, "prompt")
    completion_cost = usage["completion_tokens"] * _price(catalog, model, "completion")
    assert usage["cost"] == float(prompt_cost + completion_cost)
    assert usage["cost_details"]["upstream_inference_prompt_cost"] == float(prompt_cost)
    assert usage["cost_details"]["upstream_inference_completions_cost"] == float(completion_cost)


async def test_provider_price_multiplier_applies(make_sim, catalog) -> None:
    model = "meta-llama/llama-3.3-70b-instruct"
    providers = (
        ProviderProfile("DeepInfra", "deepinfra"),
        ProviderProfile("Groq", "groq", price_multiplier=1.5),
    )
    sim = await make_sim(SimConfig(time_scale=0, models={model: ModelProfile(providers=providers)}))
    body = (await sim.chat(chat_body("Hello there", model, provider={"order": ["groq"]}))).json()
    assert body["provider"] == "Groq"
    usage = body["usage"]
    base = usage["prompt_tokens"] * _price(catalog, model, "prompt") + usage[
        "completion_tokens"
    ] * _price(catalog, model, "completion")
    assert usage["cost"] == float(base * Decimal("1.5"))


@pytest.mark.parametrize(
    ("model", "fee"),
    [("openai/gpt-5.4-mini", Decimal("0.01")), ("openai/gpt-4o-mini", Decimal("0.007"))],
    ids=["snapshot-web-search-price", "exa-default"],
)
async def test_online_variant_adds_the_web_search_fee(make_sim, model: str, fee: Decimal) -> None:
    one = (ProviderProfile("OpenAI", "openai"),)
    sim = await make_sim(SimConfig(time_scale=0, models={model: ModelProfile(providers=one)}))
    plain = (await sim.chat(chat_body("Hello there", model, temperature=0))).json()
    online = (await sim.chat(chat_body("Hello there", f"{model}:online", temperature=0))).json()
    assert online["model"] == model
    extra = Decimal(str(online["usage"]["cost"])) - Decimal(str(plain["usage"]["cost"]))
    assert extra == pytest.approx(fee)
    assert online["usage"]["server_tool_use_details"] == {"web_search_requests": 1}


async def test_free_models_cost_nothing(make_sim) -> None:
    sim = await make_sim()
    body = (await sim.chat(chat_body("Hello", "openai/gpt-oss-20b:free"))).json()
    assert body["model"] == "openai/gpt-oss-20b:free"
    assert body["usage"]["cost"] == 0


def test_long_context_and_time_of_day_overrides() -> None:
    prices = Prices.from_pricing(
        {
            "prompt": "0.000001",
            "completion": "0.000002",
            "overrides": [
                {"min_prompt_tokens": 1000, "prompt": "0.000003", "completion": "0.000004"},
                {"utc_start": 2300, "utc_end": 100, "prompt": "0.0000005"},
            ],
        }
    )
    assert prices.rates(10, 1200) == (Decimal("0.000001"), Decimal("0.000002"))
    assert prices.rates(1000, 1200) == (Decimal("0.000003"), Decimal("0.000004"))
    assert prices.rates(10, 2330) == (Decimal("0.0000005"), Decimal("0.000002"))  # wraps midnight
    assert prices.rates(10, 30) == (Decimal("0.0000005"), Decimal("0.000002"))
    assert prices.rates(10, 100) == (Decimal("0.000001"), Decimal("0.000002"))


def test_zero_completion_insurance_in_the_arithmetic() -> None:
    prices = Prices.from_pricing(
        {"prompt": "0.000001", "completion": "0.000002", "web_search": "0.01"}
    )
    assert charge(prices, Decimal(1), (100, 0), None).total == 0
    assert charge(prices, Decimal(1), (100, 5), "error").total == 0
    assert charge(prices, Decimal(1), (100, 0), "stop").total == Decimal("0.0001")
    assert charge(prices, Decimal(1), (100, 0), None, web_search=True).total == Decimal("0.01")


async def test_empty_completion_is_free_and_not_billed(make_sim) -> None:
    sim = await make_sim(SimConfig(time_scale=0, faults=FaultProfile(empty_completion=1.0)))
    body = (await sim.chat(chat_body())).json()
    choice = body["choices"][0]
    assert choice["message"]["content"] == ""
    assert choice["finish_reason"] is None
    assert body["usage"]["completion_tokens"] == 0
    assert body["usage"]["cost"] == 0
    stats = await sim.stats()
    assert stats["delivered_count"] == 1
    assert stats["billed_count"] == 0


async def test_non_stream_provider_error_finish_is_insured(make_sim) -> None:
    sim = await make_sim(SimConfig(time_scale=0, faults=FaultProfile(mid_stream_error=1.0)))
    body = (await sim.chat(chat_body("Tell me a long story."))).json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "error"
    assert choice["error"]["metadata"]["error_type"] == "provider_unavailable"
    assert body["usage"]["cost"] == 0
