"""Billing of generations cut off on the way (`SimConfig.bill_aborted`), as OpenRouter
bills them: the tokens generated before the abort on a provider with cancellation, the
whole answer on one without (and for every non-streamed request), nothing for a mid-stream
error or for an abort before the first token (zero-completion insurance)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import httpx
import pytest

from orkit.sim import FaultProfile, ModelProfile, ProviderProfile, SimConfig
from orkit.sim.config import CANCELLING_PROVIDERS

from .sim_testkit import Sim, chat_body

MODEL = "openai/gpt-4o-mini"
PROMPT = "Tell me a long story."
CANCELS = ProviderProfile("OpenAI", "openai")
RUNS_ON = ProviderProfile("Mistral", "mistral")  # not on OpenRouter's cancellation list


def _config(
    provider: ProviderProfile, time_scale: float = 0.0, tokens_per_s: float = 50.0, **faults: float
) -> SimConfig:
    profile = ModelProfile(ttft_s=0.1, tokens_per_s=tokens_per_s, providers=(provider,))
    return SimConfig(
        time_scale=time_scale,
        generation_stats_delay_s=0.0,  # `/generation` knows at once
        bill_aborted=True,
        models={MODEL: profile},
        faults=FaultProfile(**faults) if faults else None,  # type: ignore[arg-type]
    )


async def _stream_until_cut(sim: Sim) -> str:
    """Stream `PROMPT` until the emulator cuts the connection; the generation id."""
    with pytest.raises(httpx.RemoteProtocolError):
        async with sim.http.stream(
            "POST", "/chat/completions", json=chat_body(PROMPT, stream=True)
        ) as r:
            gen_id = r.headers["x-generation-id"]
            async for _ in r.aiter_bytes():
                pass
    return str(gen_id)


async def _generation(sim: Sim, gen_id: str) -> dict[str, Any]:
    answer = await sim.http.get("/generation", params={"id": gen_id})
    data: dict[str, dict[str, Any]] = answer.json()
    return data["data"]


def _priced(sim: Sim, generation: dict[str, Any]) -> Decimal:
    """What the model's prices make of the tokens `/generation` reports."""
    prices = sim.sim.book.get(MODEL).prices
    return (
        int(generation["tokens_prompt"]) * prices.prompt
        + int(generation["tokens_completion"]) * prices.completion
    )


async def test_a_dropped_stream_bills_what_was_generated_where_cancellation_works(
    make_sim,
) -> None:
    cancels = await make_sim(_config(CANCELS, drop_connection=1.0))
    runs_on = await make_sim(_config(RUNS_ON, drop_connection=1.0))
    cut = await _generation(cancels, await _stream_until_cut(cancels))
    whole = await _generation(runs_on, await _stream_until_cut(runs_on))
    # the same answer on both (answers do not depend on the provider), cut at its half
    assert 0 < cut["tokens_completion"] < whole["tokens_completion"]
    assert cut["cancelled"] is True and cut["finish_reason"] is None
    assert whole["cancelled"] is False and whole["finish_reason"] == "stop"
    for sim, generation in ((cancels, cut), (runs_on, whole)):
        stats = await sim.stats()
        assert stats["billed_count"] == stats["billed_undelivered_count"] == 1
        assert stats["delivered_count"] == 0
        billed = Decimal(str(stats["billed_total_usd"]))
        assert abs(billed - _priced(sim, generation)) < Decimal("1e-15")
        assert generation["total_cost"] == pytest.approx(float(billed), rel=1e-12)
        (key,) = stats["keys"].values()
        assert key["usage_usd"] == pytest.approx(float(billed), rel=1e-12)


@pytest.mark.integration
@pytest.mark.parametrize(
    ("provider", "billed"), [(CANCELS, False), (RUNS_ON, True)], ids=["cancels", "runs-on"]
)
async def test_a_client_closing_before_the_first_token(
    make_sim, provider: ProviderProfile, billed: bool
) -> None:
    # the first token is due 300 real seconds after the role chunk: the client's close, not
    # the clock, ends the stream
    sim = await make_sim(_config(provider, time_scale=1.0, tokens_per_s=0.01))
    async with sim.http.stream(
        "POST", "/chat/completions", json=chat_body(PROMPT, stream=True)
    ) as r:
        async for line in r.aiter_lines():
            if line.startswith("data: "):  # the role chunk: no token yet
                gen_id = r.headers["x-generation-id"]
                break
    stats = await sim.stats()
    assert stats["by_status"] == {"client_disconnect": 1}
    generation = await _generation(sim, gen_id)
    if billed:  # the provider generates the whole answer anyway
        assert stats["billed_count"] == 1 and generation["total_cost"] > 0
        assert generation["total_cost"] == pytest.approx(float(_priced(sim, generation)))
    else:  # nothing generated: zero-completion insurance
        assert stats["billed_count"] == 0 and generation["total_cost"] == 0
        assert generation["tokens_completion"] == 0


@pytest.mark.integration
@pytest.mark.parametrize("fault", ["stall", "stall_after_headers", "truncated_stream"])
async def test_stalled_and_truncated_streams_follow_the_same_rule(make_sim, fault: str) -> None:
    config = replace(_config(CANCELS, **{fault: 1.0}), max_stall_s=5.0)
    sim = await make_sim(config, timeout=0.2)
    with pytest.raises((httpx.ReadTimeout, httpx.RemoteProtocolError)):
        async with sim.http.stream(
            "POST", "/chat/completions", json=chat_body(PROMPT, stream=True)
        ) as r:
            gen_id = r.headers["x-generation-id"]
            async for _ in r.aiter_bytes():
                pass
    generation = await _generation(sim, gen_id)
    stats = await sim.stats()
    assert generation["cancelled"] is True
    if fault == "stall":  # half the answer was generated before the provider hung
        assert generation["tokens_completion"] > 0
        assert stats["billed_undelivered_count"] == 1
    else:  # cut before any token: insured
        assert generation["tokens_completion"] == 0 and stats["billed_count"] == 0
    assert Decimal(str(stats["billed_total_usd"])) == _priced(sim, generation) * (
        1 if generation["tokens_completion"] else 0
    )


async def test_a_mid_stream_error_is_never_billed(make_sim) -> None:
    sim = await make_sim(_config(RUNS_ON, mid_stream_error=1.0))
    response = await sim.chat(chat_body(PROMPT, stream=True))
    assert '"finish_reason":"error"' in response.text.replace(" ", "")
    assert (await sim.stats())["billed_count"] == 0


async def test_a_dropped_json_answer_is_billed_in_full_even_where_streams_cancel(
    make_sim,
) -> None:
    sim = await make_sim(_config(CANCELS, drop_connection=1.0))
    with pytest.raises(httpx.RemoteProtocolError):
        await sim.chat(chat_body(PROMPT))
    (gen_id,) = list(sim.sim.generations._records)
    generation = await _generation(sim, gen_id)
    assert generation["cancelled"] is False and generation["tokens_completion"] > 0
    assert (await sim.stats())["billed_total_usd"] == pytest.approx(
        float(_priced(sim, generation)), rel=1e-12
    )


async def test_without_bill_aborted_a_drop_costs_nothing(make_sim) -> None:
    sim = await make_sim(replace(_config(CANCELS, drop_connection=1.0), bill_aborted=False))
    await _stream_until_cut(sim)
    assert (await sim.stats())["billed_count"] == 0


def test_cancellation_follows_openrouters_list_unless_set() -> None:
    assert ProviderProfile("OpenAI", "openai").cancels
    assert not ProviderProfile("Groq", "groq").cancels
    assert not ProviderProfile("BenchCloud", "benchcloud").cancels  # unlisted: bills in full
    assert ProviderProfile("BenchCloud", "benchcloud", cancellation=True).cancels
    assert not ProviderProfile("OpenAI", "openai", cancellation=False).cancels
    assert {"openai", "anthropic", "deepseek"} <= CANCELLING_PROVIDERS
    assert not {"groq", "mistral", "amazon-bedrock", "google-ai-studio"} & CANCELLING_PROVIDERS
