"""Model ids, variants, routers, provider preferences and `models` fallbacks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orkit.sim import ModelProfile, ProviderProfile, SimConfig

from .sim_testkit import chat_body

LLAMA = "meta-llama/llama-3.3-70b-instruct"
PROVIDERS = (
    ProviderProfile("DeepInfra", "deepinfra", quantization="fp8", data_collection="deny"),
    ProviderProfile(
        "Groq",
        "groq",
        latency_factor=0.5,
        speed_factor=3.0,
        quantization="fp16",
        zdr=True,
        price_multiplier=1.5,
        supported_parameters=("max_tokens", "temperature"),
    ),
    ProviderProfile(
        "Chutes",
        "chutes",
        latency_factor=1.6,
        speed_factor=0.7,
        quantization="bf16",
        data_collection="allow",
        price_multiplier=0.9,
    ),
)
CONFIG = SimConfig(time_scale=0, models={LLAMA: ModelProfile(providers=PROVIDERS)})


async def test_unknown_model_is_400_with_user_id(make_sim) -> None:
    sim = await make_sim()
    response = await sim.chat(chat_body(model="claude-sonnet-4-6"))
    assert response.status_code == 400
    assert response.json() == {
        "error": {"message": "claude-sonnet-4-6 is not a valid model ID", "code": 400},
        "user_id": sim.sim.config.user_id,
    }


@pytest.mark.parametrize(
    "model", ["openai/gpt-4o:free", "openai/gpt-4o-mini:turbo", "nope/nope:nitro"]
)
async def test_static_variants_exist_only_where_listed(make_sim, model: str) -> None:
    sim = await make_sim()
    assert (await sim.chat(chat_body(model=model))).status_code == 400


@pytest.mark.parametrize(
    ("requested", "served"),
    [
        ("~openai/gpt-latest", "openai/gpt-5.6-sol"),
        ("qwen/qwen3.8-27b-20260814", "qwen/qwen3.8-27b"),
        ("openai/gpt-4o-mini:nitro", "openai/gpt-4o-mini"),
        ("openai/gpt-oss-20b:free", "openai/gpt-oss-20b:free"),
    ],
)
async def test_aliases_slugs_and_variants_resolve(make_sim, requested: str, served: str) -> None:
    sim = await make_sim()
    assert (await sim.chat(chat_body(model=requested))).json()["model"] == served


async def test_routers_pick_a_concrete_model_deterministically(make_sim, catalog) -> None:
    sim = await make_sim()
    auto = (await sim.chat(chat_body("Tell me something.", "openrouter/auto"))).json()["model"]
    again = (await sim.chat(chat_body("Tell me something.", "openrouter/auto"))).json()["model"]
    free = (await sim.chat(chat_body("Tell me something.", "openrouter/free"))).json()["model"]
    assert auto == again
    assert auto in catalog.by_id and not auto.startswith("openrouter/")
    assert free in catalog.free_ids


@pytest.mark.parametrize(
    ("variant_or_prefs", "provider"),
    [
        (":nitro", "Groq"),
        (":floor", "Chutes"),
        (":exacto", "Chutes"),
        ({"sort": "latency"}, "Groq"),
        ({"sort": {"by": "price", "partition": "none"}}, "Chutes"),
        ({"order": ["groq", "deepinfra"]}, "Groq"),
        ({"only": ["DeepInfra"]}, "DeepInfra"),
        ({"ignore": ["groq", "deepinfra"]}, "Chutes"),
        ({"quantizations": ["fp8"]}, "DeepInfra"),
        ({"zdr": True}, "Groq"),
        ({"data_collection": "deny", "sort": "price"}, "DeepInfra"),
        ({"require_parameters": True, "sort": "throughput", "top_k": None}, "Groq"),
    ],
)
async def test_provider_routing(make_sim, variant_or_prefs: object, provider: str) -> None:
    sim = await make_sim(CONFIG)
    if isinstance(variant_or_prefs, str):
        body = chat_body(model=LLAMA + variant_or_prefs)
    else:
        prefs = dict(variant_or_prefs)  # type: ignore[call-overload]
        prefs.pop("top_k", None)
        body = chat_body(model=LLAMA, provider=prefs)
    response = await sim.chat(body)
    assert response.status_code == 200, response.text
    assert response.json()["provider"] == provider


async def test_require_parameters_skips_endpoints_lacking_one(make_sim) -> None:
    sim = await make_sim(CONFIG)
    prefs = {"require_parameters": True, "order": ["groq"]}
    body = (await sim.chat(chat_body(model=LLAMA, top_k=5, provider=prefs))).json()
    # Groq (first in the order) lacks top_k; the others support every parameter
    assert body["provider"] in {"DeepInfra", "Chutes"}, body
    # because of the parameter asked for, not the preference alone: without top_k, or
    # without require_parameters, Groq serves as ordered
    without_top_k = (await sim.chat(chat_body(model=LLAMA, provider=prefs))).json()
    assert without_top_k["provider"] == "Groq"
    not_required = await sim.chat(chat_body(model=LLAMA, top_k=5, provider={"order": ["groq"]}))
    assert not_required.json()["provider"] == "Groq"
    # and with no fallback allowed, nothing is left to serve it
    only_groq = {**prefs, "allow_fallbacks": False}
    refused = await sim.chat(chat_body(model=LLAMA, top_k=5, provider=only_groq))
    assert refused.status_code == 404
    assert refused.json()["error"]["message"] == (
        "No endpoints found that can handle the requested parameters."
    )


async def test_unknown_provider_key_is_400(make_sim) -> None:
    sim = await make_sim()
    response = await sim.chat(chat_body(provider={"Require_Parameters": True}))
    assert response.status_code == 400
    assert response.json()["error"] == {
        "message": "Unrecognized key(s) in object: 'Require_Parameters'",
        "code": 400,
    }
    nested = await sim.chat(chat_body(provider={"sort": {"by": "price", "direction": "asc"}}))
    assert nested.json()["error"]["message"] == "Unrecognized key(s) in object: 'direction'"


@pytest.mark.parametrize(
    ("model", "prefs", "message"),
    [
        (
            LLAMA,
            {"order": ["fireworks"], "allow_fallbacks": False},
            "No endpoints found for the request with manual order: fireworks.",
        ),
        (LLAMA, {"only": ["azure"]}, f"No endpoints found for {LLAMA}."),
        (LLAMA, {"max_price": {"prompt": 0.0001}}, f"No endpoints found for {LLAMA}."),
        (
            LLAMA,
            {"require_parameters": True, "quantizations": ["fp16"]},
            "No endpoints found that can handle the requested parameters.",
        ),
        (
            "openai/gpt-oss-20b:free",
            {"data_collection": "deny"},
            "No endpoints found matching your data policy (Free model training). "
            "Configure: https://openrouter.ai/settings/privacy",
        ),
    ],
)
async def test_nothing_eligible_is_404(
    make_sim, model: str, prefs: dict[str, object], message: str
) -> None:
    sim = await make_sim(CONFIG)
    response = await sim.chat(chat_body(model=model, provider=prefs, logprobs=True))
    assert response.status_code == 404
    assert response.json() == {
        "error": {"message": message, "code": 404},
        "user_id": sim.sim.config.user_id,
    }


async def test_models_fallback_serves_and_bills_the_next_model(make_sim, catalog) -> None:
    primary, backup = "openai/gpt-4o-mini", "anthropic/claude-haiku-4.5"
    one = (ProviderProfile("Anthropic", "anthropic"),)
    config = SimConfig(
        time_scale=0,
        window_scale=1.0,
        outages={primary: ((0.0, 1e9),)},
        models={backup: ModelProfile(providers=one)},
    )
    sim = await make_sim(config)
    body = (await sim.chat(chat_body("Hello there", primary, models=[backup]))).json()
    assert body["model"] == backup
    usage = body["usage"]
    prices = catalog.by_id[backup]["pricing"]
    expected = usage["prompt_tokens"] * Decimal(prices["prompt"]) + usage[
        "completion_tokens"
    ] * Decimal(prices["completion"])
    assert usage["cost"] == float(expected)
    stats = await sim.stats()
    assert stats["served_by_model"] == {backup: 1}
    assert stats["by_model"] == {primary: 1}


async def test_when_every_fallback_fails_the_retryable_error_wins(make_sim) -> None:
    config = SimConfig(
        time_scale=0,
        window_scale=1.0,
        outages={"openai/gpt-4o": ((0.0, 1e9),)},
    )
    sim = await make_sim(config)
    response = await sim.chat(
        chat_body(
            model="openai/gpt-oss-20b:free",
            models=["openai/gpt-4o"],
            provider={"data_collection": "deny"},
        )
    )
    assert response.status_code == 502
    assert response.json()["error"]["message"] == "Provider returned error"


async def test_invalid_id_in_models_list_is_400(make_sim) -> None:
    sim = await make_sim()
    response = await sim.chat(chat_body(models=["openai/gpt-4o", "made/up"]))
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "made/up is not a valid model ID"
