"""Streaming chat completions: the SSE event sequence and its pacing."""

from __future__ import annotations

import time

import pytest

from orkit.sim import ModelProfile, ProviderProfile, SimConfig

from .sim_testkit import chat_body, data_events, sse_items

_ONE_PROVIDER = (ProviderProfile("OpenAI", "openai"),)


async def test_sse_sequence_is_comment_role_content_finish_usage_done(make_sim) -> None:
    sim = await make_sim()
    response = await sim.chat(chat_body("Tell me about evaluation.", stream=True, max_tokens=20))
    assert response.headers["content-type"] == "text/event-stream"
    items = sse_items(response.text)
    assert items[0] == ("comment", "OPENROUTER PROCESSING")
    events = [value for kind, value in items if kind == "data"]
    chunks, done = events[:-1], events[-1]
    assert done == "[DONE]"
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["id"] == response.headers["x-generation-id"]
    role = chunks[0]
    assert (
        list(role) == ["id", "object", "created", "model", "provider", "choices"]
        or list(role)[-1] == "system_fingerprint"
    )
    assert role["object"] == "chat.completion.chunk"
    assert role["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    content = chunks[1:-2]
    assert content and all(c["choices"][0]["finish_reason"] is None for c in content)
    finish, usage = chunks[-2], chunks[-1]
    assert finish["choices"][0]["finish_reason"] == "length"
    assert finish["choices"][0]["delta"]["content"] == ""
    assert usage["choices"] == []
    assert usage["usage"]["completion_tokens"] == 20


async def test_streamed_text_and_usage_equal_the_json_answer(make_sim) -> None:
    sim = await make_sim()
    body = chat_body("Describe a careful benchmark.", temperature=0)
    plain = (await sim.chat(body)).json()
    events = data_events((await sim.chat({**body, "stream": True})).text)
    text = "".join(e["choices"][0]["delta"]["content"] for e in events[:-1] if e["choices"])
    assert text == plain["choices"][0]["message"]["content"]
    streamed_usage = events[-2]["usage"]
    assert streamed_usage["prompt_tokens"] == plain["usage"]["prompt_tokens"]
    assert streamed_usage["completion_tokens"] == plain["usage"]["completion_tokens"]
    assert streamed_usage["cost"] == plain["usage"]["cost"]


@pytest.mark.integration
async def test_keepalive_comments_until_the_first_token(make_sim) -> None:
    profile = ModelProfile(ttft_s=1.0, tokens_per_s=1000.0, providers=_ONE_PROVIDER)
    config = SimConfig(
        time_scale=0.05, keepalive_comment_every_s=0.2, models={"openai/gpt-4o-mini": profile}
    )
    sim = await make_sim(config)
    items = sse_items((await sim.chat(chat_body(stream=True))).text)
    leading = 0
    for kind, _ in items:
        if kind != "comment":
            break
        leading += 1
    assert leading >= 4  # at 0, 0.2, 0.4, 0.6, 0.8 emulated seconds


@pytest.mark.integration
async def test_time_to_first_token_is_visible_in_process(make_sim) -> None:
    profile = ModelProfile(ttft_s=2.0, tokens_per_s=10.0, providers=_ONE_PROVIDER)
    sim = await make_sim(SimConfig(time_scale=0.05, models={"openai/gpt-4o-mini": profile}))
    started = time.monotonic()
    first_data = last = None
    async with sim.http.stream(
        "POST", "/chat/completions", json=chat_body("Say a lot.", stream=True, max_tokens=6)
    ) as response:
        async for line in response.aiter_lines():
            if line.startswith("data: ") and first_data is None:
                first_data = time.monotonic() - started
        last = time.monotonic() - started
    assert first_data is not None and last is not None
    assert 0.07 <= first_data < 0.5  # TTFT ~2.0 emulated s x jitter x 0.05
    assert last - first_data >= 0.02  # 6 tokens at 10/s emulated = 0.6 s x 0.05
