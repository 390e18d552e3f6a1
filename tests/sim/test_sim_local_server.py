"""The emulator as a local server (`SimConfig.local_server`, `stream_usage`, `json_usage`,
`max_concurrent`): what llama.cpp, vLLM and Ollama answer where OpenRouter says more."""

from __future__ import annotations

import time
from typing import Any

import anyio
import pytest

from orkit.sim import ModelProfile, SimConfig

from .conftest import MakeSim
from .sim_testkit import chat_body, data_events

MODEL = "openai/gpt-4o-mini"


def _local(**extra: Any) -> SimConfig:
    return SimConfig(time_scale=0, local_server=True, models={MODEL: ModelProfile()}, **extra)


async def test_models_lists_only_the_served_models(make_sim: MakeSim) -> None:
    sim = await make_sim(_local())
    body = (await sim.http.get("/models")).json()
    assert body == {
        "object": "list",
        "data": [{"id": MODEL, "object": "model", "created": 0, "owned_by": "local"}],
    }


async def test_openrouter_only_paths_answer_404_and_are_counted(make_sim: MakeSim) -> None:
    sim = await make_sim(_local())
    for path in ("/key", "/auth/key", "/credits", "/generation?id=gen-1", "/key"):
        assert (await sim.http.get(path)).status_code == 404
    stats = await sim.stats()
    assert stats["not_found_by_path"] == {
        "/api/v1/key": 2,
        "/api/v1/auth/key": 1,
        "/api/v1/credits": 1,
        "/api/v1/generation": 1,
    }


async def test_a_model_the_server_does_not_serve_is_a_404(make_sim: MakeSim) -> None:
    sim = await make_sim(_local())
    response = await sim.chat(chat_body(model="openai/gpt-4o"))
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "The model `openai/gpt-4o` does not exist."


async def test_streams_can_leave_usage_out_even_when_asked(make_sim: MakeSim) -> None:
    sim = await make_sim(_local(stream_usage=False))
    body = chat_body(stream=True, stream_options={"include_usage": True})
    events = data_events((await sim.chat(body)).text)
    assert events[-1] == "[DONE]"
    assert not any(isinstance(e, dict) and "usage" in e for e in events)
    assert any(e["choices"] and e["choices"][0]["finish_reason"] for e in events[:-1])


async def test_plain_answers_can_leave_usage_out(make_sim: MakeSim) -> None:
    with_usage = (await (await make_sim(_local())).chat(chat_body())).json()
    without = (await (await make_sim(_local(json_usage=False))).chat(chat_body())).json()
    assert "usage" in with_usage
    assert "usage" not in without
    assert without["choices"] == with_usage["choices"]


@pytest.mark.integration
async def test_one_slot_serves_one_request_at_a_time_in_arrival_order(
    make_sim: MakeSim,
) -> None:
    # Each answer takes 0.2 s once served; three sent at once through one slot finish one
    # after another, so the last one waited for the two before it (a lower bound only:
    # a busy machine can make it later, never earlier).
    profile = ModelProfile(ttft_s=0.2, tokens_per_s=1e6)
    config = SimConfig(
        time_scale=1.0,
        latency_jitter=1.0,
        json_padding=False,
        local_server=True,
        max_concurrent=1,
        models={MODEL: profile},
    )
    sim = await make_sim(config)
    start = time.monotonic()
    finished: list[float] = []

    async def one(i: int) -> None:
        response = await sim.chat(chat_body(f"question {i}"))
        assert response.status_code == 200
        finished.append(time.monotonic() - start)

    async with anyio.create_task_group() as tg:
        for i in range(3):
            tg.start_soon(one, i)
    stats = await sim.stats()
    assert stats["max_serving"] == 1
    assert stats["requests"] == 3
    assert max(finished) >= 3 * 0.2


def test_local_server_needs_its_models_and_slots_are_positive() -> None:
    with pytest.raises(ValueError, match="local_server: needs `models`"):
        SimConfig(local_server=True)
    with pytest.raises(ValueError, match="max_concurrent: must be >= 1"):
        SimConfig(max_concurrent=0)


async def test_a_local_server_needs_no_key_unless_it_has_keys(make_sim: MakeSim) -> None:
    open_server = await make_sim(_local(), headers={})
    assert (await open_server.chat(chat_body())).status_code == 200
    locked = await make_sim(_local(api_keys=("sk-local",)), headers={})
    assert (await locked.chat(chat_body())).status_code == 401


async def test_a_local_server_counts_tokens_and_names_no_cost_or_provider(
    make_sim: MakeSim,
) -> None:
    sim = await make_sim(_local())
    body = (await sim.chat(chat_body())).json()
    assert body["usage"]["completion_tokens"] > 0
    assert "cost" not in body["usage"] and "provider" not in body
    events = data_events((await sim.chat(chat_body(stream=True))).text)
    assert not any("provider" in e for e in events if isinstance(e, dict))
