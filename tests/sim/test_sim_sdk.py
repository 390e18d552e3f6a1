"""The official `openai` and `openrouter` SDKs work against the emulator unchanged."""

from __future__ import annotations

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam
from openrouter import OpenRouter

from orkit.sim import SIM_API_KEY, FaultProfile, SimConfig, StreamingASGITransport, create_app

from .sim_testkit import BASE_URL

QUESTION: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "What is the capital of France?"}
]


def test_openai_sdk_chat_over_loopback(loopback) -> None:
    url, _ = loopback
    client = openai.OpenAI(base_url=url, api_key=SIM_API_KEY, max_retries=0)
    completion = client.chat.completions.create(model="openai/gpt-4o-mini", messages=QUESTION)
    assert completion.id.startswith("gen-")
    assert completion.model == "openai/gpt-4o-mini"
    assert completion.choices[0].message.content
    assert completion.choices[0].finish_reason == "stop"
    assert completion.model_extra is not None
    assert completion.model_extra["provider"] in ("OpenAI", "Azure")
    assert completion.usage is not None and completion.usage.model_extra is not None
    assert completion.usage.model_extra["cost"] > 0
    assert (
        completion.usage.total_tokens
        == completion.usage.prompt_tokens + completion.usage.completion_tokens
    )


def test_openai_sdk_stream_over_loopback(loopback) -> None:
    url, _ = loopback
    client = openai.OpenAI(base_url=url, api_key=SIM_API_KEY, max_retries=0)
    stream = client.chat.completions.create(
        model="anthropic/claude-haiku-4.5", messages=QUESTION, stream=True
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text
    usage = chunks[-1].usage
    assert chunks[-1].choices == []
    assert usage is not None and usage.model_extra is not None and usage.model_extra["cost"] > 0
    assert {c.model_extra["provider"] for c in chunks if c.model_extra} <= {
        "Anthropic",
        "Amazon Bedrock",
        "Google",
    }


async def test_openai_async_sdk_in_process_maps_errors() -> None:
    app = create_app(SimConfig(time_scale=0, faults=FaultProfile(status={429: 1.0})))
    http = httpx.AsyncClient(transport=StreamingASGITransport(app))
    client = openai.AsyncOpenAI(
        base_url=BASE_URL,
        api_key=SIM_API_KEY,
        http_client=http,  # type: ignore[arg-type]  # openai takes httpx's, annotates httpx2's
        max_retries=0,
    )
    with pytest.raises(openai.RateLimitError) as caught:
        await client.chat.completions.create(model="openai/gpt-4o-mini", messages=QUESTION)
    assert caught.value.body["metadata"]["provider_name"]  # type: ignore[index]
    await client.close()


async def test_openai_sdk_raises_on_a_mid_stream_error() -> None:
    app = create_app(SimConfig(time_scale=0, faults=FaultProfile(mid_stream_error=1.0)))
    http = httpx.AsyncClient(transport=StreamingASGITransport(app))
    client = openai.AsyncOpenAI(
        base_url=BASE_URL,
        api_key=SIM_API_KEY,
        http_client=http,  # type: ignore[arg-type]  # openai takes httpx's, annotates httpx2's
        max_retries=0,
    )
    stream = await client.chat.completions.create(
        model="openai/gpt-4o-mini",
        messages=[{"role": "user", "content": "Tell a long story."}],
        stream=True,
    )
    with pytest.raises(openai.APIError, match="Provider disconnected unexpectedly"):
        async for _ in stream:
            pass
    await client.close()


def test_openrouter_sdk_chat_stream_and_generation(loopback) -> None:
    url, _ = loopback
    with OpenRouter(api_key=SIM_API_KEY, server_url=url) as client:
        result = client.chat.send(model="openai/gpt-4o-mini", messages=QUESTION)
        assert result.choices[0].message.content
        assert result.usage is not None and result.usage.cost and result.usage.cost > 0
        chunks = list(client.chat.send(model="openai/gpt-4o-mini", messages=QUESTION, stream=True))
        assert chunks[-1].usage is not None and chunks[-1].usage.cost
        assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        # the stats delay is a window: at time_scale 0 it is 0, so stats are ready at once
        generation = client.generations.get_generation(id=result.id).data
        assert generation.provider_name in ("OpenAI", "Azure")
        assert generation.total_cost == result.usage.cost
        # The SDK itself warns about the deprecated (but still required) `rate_limit` field.
        with pytest.warns(DeprecationWarning):
            key = client.api_keys.get_current_key_metadata().data
        assert key.free_model_daily_requests.limit == 1000
        credits = client.credits.get_credits().data
        assert credits.total_usage > 0
