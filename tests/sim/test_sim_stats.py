"""`/_sim/stats` and `/_sim/reset`: what was requested, delivered and billed."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest

from orkit.sim import FaultProfile, ModelProfile, ProviderProfile, SimConfig

from .sim_testkit import chat_body


def _hash(body: dict[str, object]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def test_billing_counts_delivered_completions_by_body_hash(make_sim) -> None:
    faults = FaultProfile(drop_connection=0.5, mid_stream_error=0.5, models=("openai/gpt-4o",))
    sim = await make_sim(SimConfig(time_scale=0, faults=faults))
    first, second = chat_body("What is 1 + 1?"), chat_body("What is 2 + 2?", stream=True)
    costs = []
    for body in (first, first, second):
        response = await sim.chat(body)
        if body.get("stream"):
            costs.append(json.loads(response.text.split("data: ")[-2])["usage"]["cost"])
        else:
            costs.append(response.json()["usage"]["cost"])
    broken = chat_body("Tell me a long story.", "openai/gpt-4o", stream=True)
    outcomes = []
    for _ in range(4):
        try:
            outcomes.append((await sim.chat(broken)).status_code)
        except httpx.RemoteProtocolError:
            outcomes.append("dropped")
    stats = await sim.stats()
    assert stats["billed_by_body_hash"] == {_hash(first): 2, _hash(second): 1}
    assert stats["delivered_by_body_hash"] == {_hash(first): 2, _hash(second): 1}
    assert stats["billed_count"] == stats["delivered_count"] == 3
    assert stats["billed_total_usd"] == pytest.approx(sum(costs))
    assert stats["requests"] == 7
    assert stats["in_flight"] == 0
    assert stats["by_status"]["200"] == 3
    assert stats["by_status"].get("dropped", 0) + stats["by_status"].get("mid_stream_error", 0) == 4
    assert stats["by_model"] == {"openai/gpt-4o-mini": 3, "openai/gpt-4o": 4}
    (key,) = stats["keys"].values()
    assert key == {
        "requests": 7,
        "billed_count": 3,
        "usage_usd": pytest.approx(sum(costs)),
        "byok_upstream_usd": 0.0,  # no BYOK provider configured
        "cached_tokens": 0,  # prompts this short never reach a cache
        "cache_write_tokens": 0,
    }


@pytest.mark.integration
async def test_a_client_closing_early_is_not_billed(make_sim) -> None:
    slow = ModelProfile(
        ttft_s=0.1, tokens_per_s=20.0, providers=(ProviderProfile("OpenAI", "openai"),)
    )
    sim = await make_sim(SimConfig(time_scale=0.1, models={"openai/gpt-4o-mini": slow}))
    async with sim.http.stream(
        "POST", "/chat/completions", json=chat_body("Write a lot.", stream=True)
    ) as r:
        async for line in r.aiter_lines():
            if line.startswith("data: "):
                break
    stats = await sim.stats()
    assert stats["by_status"] == {"client_disconnect": 1}
    assert stats["billed_count"] == 0
    assert stats["in_flight"] == 0


async def test_reset_forgets_everything(make_sim) -> None:
    sim = await make_sim()
    await sim.chat(chat_body())
    assert (await sim.http.post("http://sim.local/_sim/reset")).json() == {"ok": True}
    stats = await sim.stats()
    assert stats["requests"] == 0
    assert stats["billed_by_body_hash"] == {}
    assert (await sim.http.get("/key")).json()["data"]["usage"] == 0
    config = (await sim.http.get("http://sim.local/_sim/config")).json()
    assert config["time_scale"] == 0
