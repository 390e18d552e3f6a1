"""Every recorded capture in tests/fixtures/wire, replayed through the client."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from orkit import errors
from orkit.client import AsyncOpenRouter
from orkit.types import Usage

from .support import ERROR_FIXTURES, JSON_OK_FIXTURES, SSE_FIXTURES, replay, request, wire

MakeClient = Callable[..., AsyncOpenRouter]

# name → (generation_id, served model, provider, finish, native finish, content start, usage)
JSON_OK: dict[str, tuple[str, str, str, str, str, str | None, Usage]] = {
    "chat-ok-anthropic-bedrock-tool-calls.json": (
        "gen-1780944353-F0VCGaNA9MiFvo0pnet8",
        "anthropic/claude-4.5-haiku-20251001",
        "Amazon Bedrock",
        "tool_calls",
        "tool_use",
        None,
        Usage(
            prompt_tokens=633,
            completion_tokens=75,
            total_tokens=708,
            reasoning_tokens=0,
            cached_tokens=0,
            cache_write_tokens=0,
            cost_usd=0.001008,
            is_byok=False,
            upstream_inference_cost_usd=0.001008,
        ),
    ),
    "chat-ok-gemini-length-max-tokens.json": (
        "gen-1773011493-dQNZ1wvMJgB2Ga9XKPPE",
        "google/gemini-2.5-flash",
        "Google AI Studio",
        "length",
        "MAX_TOKENS",
        "The CAP theorem is a fundamental",
        Usage(
            prompt_tokens=2168,
            completion_tokens=100,
            total_tokens=2268,
            reasoning_tokens=0,
            cached_tokens=2161,
            cache_write_tokens=2161,
            cost_usd=0.0004970133333333333,
            is_byok=False,
            upstream_inference_cost_usd=0.0004970133333333333,
        ),
    ),
    "chat-ok-google-ai-studio-tool-call.json": (
        "gen-1764791728-YEVpGoInRszZx8oZ508T",
        "google/gemini-2.5-flash",
        "Google AI Studio",
        "tool_calls",
        "STOP",
        "",
        Usage(
            prompt_tokens=326,
            completion_tokens=91,
            total_tokens=417,
            reasoning_tokens=0,
            cached_tokens=0,
            cache_write_tokens=None,
            cost_usd=0.0,
            is_byok=True,
            upstream_inference_cost_usd=0.0003253,
        ),
    ),
    "chat-ok-google-gemini-2.5-flash.json": (
        "gen-1778111952-0xuwSNheKBR5l9dZfqny",
        "google/gemini-2.5-flash",
        "Google",
        "stop",
        "STOP",
        'This document is a "Sample PDF"',
        Usage(
            prompt_tokens=1294,
            completion_tokens=81,
            total_tokens=1375,
            reasoning_tokens=0,
            cached_tokens=0,
            cache_write_tokens=0,
            cost_usd=0.0005907,
            is_byok=False,
            upstream_inference_cost_usd=0.0005907,
        ),
    ),
    "chat-ok-json-schema-output.json": (
        "gen-1780944394-OXuT7c1IQo0LPTk4GNI3",
        "anthropic/claude-4.5-haiku-20251001",
        "Amazon Bedrock",
        "stop",
        "end_turn",
        '{"name":"John","age":30}',
        Usage(
            prompt_tokens=181,
            completion_tokens=12,
            total_tokens=193,
            reasoning_tokens=0,
            cached_tokens=0,
            cache_write_tokens=0,
            cost_usd=0.000241,
            is_byok=False,
            upstream_inference_cost_usd=0.000241,
        ),
    ),
    "chat-ok-openai-gpt-4o.json": (
        "gen-1769672415-IZfpP2WAlINOOT5hLvOW",
        "openai/gpt-4o",
        "OpenAI",
        "stop",
        "stop",
        "Hello!",
        Usage(
            prompt_tokens=12,
            completion_tokens=2,
            total_tokens=14,
            reasoning_tokens=0,
            cached_tokens=0,
            cache_write_tokens=None,
            cost_usd=0.00005,
            is_byok=False,
            upstream_inference_cost_usd=0.00005,
        ),
    ),
    "chat-ok-openai-o1-native-completed.json": (
        "gen-1769674337-jZbJNNjIQ83iWU0wQBeY",
        "openai/o1",
        "OpenAI",
        "stop",
        "completed",
        "2 + 2 = 4.",
        Usage(
            prompt_tokens=13,
            completion_tokens=9,
            total_tokens=22,
            reasoning_tokens=0,
            cached_tokens=0,
            cache_write_tokens=None,
            cost_usd=0.000735,
            is_byok=False,
            upstream_inference_cost_usd=0.000735,
        ),
    ),
    "chat-ok-perplexity-citations.json": (
        "gen-1786389727-e5uRyUV52kDdP69wRuQV",
        "perplexity/sonar",
        "Perplexity",
        "stop",
        "stop",
        "**Ruby** is a high-level",
        Usage(
            prompt_tokens=7,
            completion_tokens=236,
            total_tokens=243,
            reasoning_tokens=0,
            cached_tokens=0,
            cache_write_tokens=0,
            cost_usd=0.00524,
            is_byok=False,
            upstream_inference_cost_usd=0.00524,
        ),
    ),
    "chat-ok-reasoning-claude-haiku.json": (
        "gen-1780944528-6IEi4yaVcDCxIHcQbhW6",
        "anthropic/claude-4.5-haiku-20251001",
        "Amazon Bedrock",
        "stop",
        "end_turn",
        "I'd ask: **",
        Usage(
            prompt_tokens=80,
            completion_tokens=855,
            total_tokens=935,
            reasoning_tokens=586,
            cached_tokens=0,
            cache_write_tokens=0,
            cost_usd=0.004355,
            is_byok=False,
            upstream_inference_cost_usd=0.004355,
        ),
    ),
    "chat-ok-web-search-annotations-openai.json": (
        "gen-1787150080-lE60hPbmJuViaCZSTYIs",
        "openai/gpt-5.2",
        "OpenAI",
        "stop",
        "completed",
        "The latest stable Ruby version is **Ruby 4.0.6**.",
        Usage(
            prompt_tokens=16924,
            completion_tokens=485,
            total_tokens=17409,
            reasoning_tokens=449,
            cached_tokens=0,
            cache_write_tokens=0,
            cost_usd=0.066407,
            is_byok=False,
            upstream_inference_cost_usd=0.066407,
        ),
    ),
}


def test_the_table_covers_every_json_capture() -> None:
    assert sorted(JSON_OK) == JSON_OK_FIXTURES


@pytest.mark.parametrize("name", JSON_OK_FIXTURES)
async def test_non_streamed_capture(name: str, make_client: MakeClient) -> None:
    gen_id, model, provider, finish, native, content, usage = JSON_OK[name]
    async with make_client(replay(name)) as client:
        resp = await client.chat(request())
    assert resp.generation_id == gen_id
    assert resp.model == model
    assert resp.provider == provider
    assert resp.finish_reason == finish
    assert resp.native_finish_reason == native
    if content is None:
        assert resp.content is None
    else:
        assert resp.content is not None
        assert resp.content.startswith(content)
    assert resp.usage == usage
    assert resp.created == int(gen_id.split("-")[1])
    assert resp.ttft_s is None
    assert resp.latency_s is not None
    assert resp.latency_s >= 0
    assert resp.streamed is False


async def test_non_streamed_reasoning_and_tool_calls(make_client: MakeClient) -> None:
    async with make_client(replay("chat-ok-reasoning-claude-haiku.json")) as client:
        resp = await client.complete(request(), stream=False)
    assert resp.reasoning is not None
    assert resp.reasoning.startswith("This is an interesting logic puzzle")
    async with make_client(replay("chat-ok-anthropic-bedrock-tool-calls.json")) as client:
        resp = await client.chat(request())
    assert resp.tool_calls is not None
    [call] = resp.tool_calls
    assert call["id"] == "toolu_bdrk_015FK8AREjkBuw3cD8WPHiMd"
    assert call["function"]["name"] == "weather"
    assert json.loads(call["function"]["arguments"]) == {
        "latitude": "52.5200",
        "longitude": "13.4050",
    }


async def test_padded_body_and_generation_id_header(make_client: MakeClient) -> None:
    padded = b"\n         \n\n" + json.dumps({"choices": [{"message": {"content": "x"}}]}).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=padded, headers={"x-generation-id": "gen-hdr"})

    async with make_client(handler) as client:
        resp = await client.chat(request())
    assert resp.content == "x"
    assert resp.generation_id == "gen-hdr"
    assert resp.usage is None
    assert resp.model is None


# name → (generation_id, model, provider, content, reasoning, finish, native, usage, tools)
SSE: dict[str, tuple[str, str, str, str, str | None, str, str, Usage, list[Any] | None]] = {
    "stream-bedrock-claude-3.5-sonnet.sse": (
        "gen-1769672442-2UupkRyKgMiWvqgfBb8k",
        "anthropic/claude-3.5-sonnet",
        "Amazon Bedrock",
        "Hello!",
        None,
        "stop",
        "stop",
        Usage(
            prompt_tokens=12,
            completion_tokens=5,
            total_tokens=17,
            reasoning_tokens=0,
            cached_tokens=0,
            cache_write_tokens=0,
            cost_usd=0.000222,
            is_byok=False,
            upstream_inference_cost_usd=0.000222,
        ),
        None,
    ),
    "stream-openai-gpt-4o-mini.sse": (
        "gen-1767213717-dGUNCjIaPNYaUL5NzhXU",
        "openai/gpt-4o-mini-2024-07-18",
        "OpenAI",
        "2",
        None,
        "stop",
        "stop",
        Usage(
            prompt_tokens=27,
            completion_tokens=1,
            total_tokens=28,
            reasoning_tokens=0,
            cached_tokens=0,
            cache_write_tokens=None,
            cost_usd=0.00000465,
            is_byok=False,
            upstream_inference_cost_usd=None,
        ),
        None,
    ),
    "stream-reasoning-claude-sonnet-4.5.sse": (
        "gen-1765226419-AGrwjunAftQIAgweibL8",
        "anthropic/claude-sonnet-4.5",
        "Google",
        "2 + 2 = 4",
        "This is a simple arithmetic question. 2+2 equals 4.",
        "stop",
        "stop",
        Usage(
            prompt_tokens=43,
            completion_tokens=36,
            total_tokens=79,
            reasoning_tokens=13,
            cached_tokens=0,
            cache_write_tokens=None,
            cost_usd=0.000669,
            is_byok=False,
            upstream_inference_cost_usd=None,
        ),
        None,
    ),
    "stream-tool-calls-anthropic.sse": (
        "gen-1772538625-96AAFcGZ6YDEErLfMolM",
        "anthropic/claude-4.5-haiku-20251001",
        "Anthropic",
        "",
        None,
        "tool_calls",
        "tool_calls",
        Usage(
            prompt_tokens=579,
            completion_tokens=41,
            total_tokens=620,
            reasoning_tokens=0,
            cached_tokens=0,
            cache_write_tokens=0,
            cost_usd=0.000784,
            is_byok=False,
            upstream_inference_cost_usd=0.000784,
        ),
        [
            {
                "index": 0,
                "id": "toolu_017Uhz4niKuUKALXaTsV2Tna",
                "type": "function",
                "function": {"name": "best_language_to_learn", "arguments": ""},
            }
        ],
    ),
    "stream-tool-calls-openai.sse": (
        "gen-1767213719-4yrd6W9XMMrPGSh61dWd",
        "openai/gpt-4o-mini-2024-07-18",
        "OpenAI",
        "",
        None,
        "tool_calls",
        "tool_calls",
        Usage(
            prompt_tokens=63,
            completion_tokens=10,
            total_tokens=73,
            reasoning_tokens=0,
            cached_tokens=0,
            cache_write_tokens=None,
            cost_usd=0.00001545,
            is_byok=False,
            upstream_inference_cost_usd=None,
        ),
        [
            {
                "index": 0,
                "id": "call_eJmyO5ANyXc20sPeLSuWSngc",
                "type": "function",
                "function": {"name": "get_date", "arguments": "{}"},
            }
        ],
    ),
    "stream-usage-chunk-empty-choices.sse": (
        "gen-1772538437-Wb84vPcOFEc1nrxKbbEl",
        "anthropic/claude-4.5-haiku-20251001",
        "Google",
        "1\n2\n3",
        None,
        "stop",
        "stop",
        Usage(
            prompt_tokens=15,
            completion_tokens=9,
            total_tokens=24,
            reasoning_tokens=0,
            cached_tokens=0,
            cache_write_tokens=0,
            cost_usd=0.00006,
            is_byok=False,
            upstream_inference_cost_usd=0.00006,
        ),
        None,
    ),
}


def test_the_table_covers_every_sse_capture() -> None:
    assert sorted(SSE) == SSE_FIXTURES


def chunkings(body: bytes) -> dict[str, list[bytes] | None]:
    return {
        "whole": None,
        "bytes": [body[i : i + 1] for i in range(len(body))],
        "7": [body[i : i + 7] for i in range(0, len(body), 7)],
        "halves": [body[: len(body) // 2], body[len(body) // 2 :]],
    }


@pytest.mark.parametrize("split", ["whole", "bytes", "7", "halves"])
@pytest.mark.parametrize("name", SSE_FIXTURES)
async def test_streamed_capture(name: str, split: str, make_client: MakeClient) -> None:
    gen_id, model, provider, content, reasoning, finish, native, usage, tools = SSE[name]
    async with make_client(replay(name, chunkings(wire(name))[split])) as client:
        resp = await client.complete(request())
    assert resp.generation_id == gen_id
    assert resp.model == model
    assert resp.provider == provider
    assert resp.content == content
    assert resp.reasoning == reasoning
    assert resp.finish_reason == finish
    assert resp.native_finish_reason == native
    assert resp.usage == usage
    assert resp.tool_calls == tools
    assert resp.streamed is True
    first = next(ln for ln in wire(name).decode().split("\n") if ln.startswith("data: {"))
    assert resp.created == json.loads(first[6:])["created"]
    assert resp.latency_s is not None
    if content or reasoning or tools:
        assert resp.ttft_s is not None
        assert 0 <= resp.ttft_s <= resp.latency_s


async def test_usage_with_exponent_numbers_survives(make_client: MakeClient) -> None:
    """`6e-7` in the usage event (cost_details) must not break parsing."""
    async with make_client(replay("stream-openai-gpt-4o-mini.sse")) as client:
        resp = await client.complete(request())
    assert resp.usage is not None
    assert resp.usage.cost_usd == 4.65e-06


@pytest.mark.parametrize("name", SSE_FIXTURES)
async def test_stream_chat_yields_every_event_and_the_same_final_response(
    name: str, make_client: MakeClient
) -> None:
    events = [
        json.loads(line[5:])
        for line in wire(name).decode().split("\n")
        if line.startswith("data: {")
    ]
    async with make_client(replay(name)) as client:
        async with client.stream_chat(request()) as chunks:
            got = [chunk async for chunk in chunks]
        final = chunks.final_response()
        resp = await client.complete(request())
    assert len(got) == len(events)
    assert [c.finish_reason for c in got] == [
        (e["choices"] or [{}])[0].get("finish_reason") for e in events
    ]
    assert "".join(c.content or "" for c in got) == resp.content
    assert [c.usage for c in got if c.usage] == [resp.usage]
    assert final.content == resp.content
    assert final.usage == resp.usage
    assert final.tool_calls == resp.tool_calls


# --------------------------------------------------------------------------- error captures

# name → (class, provider, message fragment, retry_after_s, scope for 429s)
ERRORS: dict[str, tuple[type[errors.APIStatusError], str | None, str, float | None, str | None]] = {
    "error-400-context-length.json": (
        errors.ContextLengthError,
        None,
        "maximum context length is 200000 tokens",
        None,
        None,
    ),
    "error-400-input-min-token.json": (
        errors.BadRequestError,
        None,
        "Input must have at least 1 token.",
        None,
        None,
    ),
    "error-400-invalid-model-id.json": (
        errors.BadRequestError,
        None,
        "openai/gpt-oss-90b is not a valid model ID",
        None,
        None,
    ),
    "error-400-provider-returned-error-anthropic.json": (
        errors.BadRequestError,
        "Anthropic",
        "Provider returned error (Anthropic): messages.0.content.1.image.source.base64.media_type",
        None,
        None,
    ),
    "error-400-provider-returned-error-minimax.json": (
        errors.BadRequestError,
        "Minimax",
        "(Minimax): invalid params, tool result's tool id",
        None,
        None,
    ),
    "error-401-missing-authentication-header.json": (
        errors.AuthenticationError,
        None,
        "401 Missing Authentication header",
        None,
        None,
    ),
    "error-401-no-auth-credentials.json": (
        errors.AuthenticationError,
        None,
        "401 No auth credentials found",
        None,
        None,
    ),
    "error-402-requires-more-credits.json": (
        errors.InsufficientCreditsError,
        None,
        "requires more credits, or fewer max_tokens",
        None,
        None,
    ),
    "error-404-no-endpoints.json": (
        errors.NotFoundError,
        None,
        "No endpoints found for meta-llama/llama-3-8b-instruct:free.",
        None,
        None,
    ),
    "error-429-free-models-per-day.json": (
        errors.RateLimitError,
        None,
        "Rate limit exceeded: free-models-per-day",
        None,
        "free-per-day",
    ),
    "error-429-upstream-rate-limited.json": (
        errors.RateLimitError,
        "Google",
        "429 Provider returned error (Google): google/gemini-2.0-flash-exp:free is temporarily",
        None,
        "upstream",
    ),
    "error-429-upstream-retry-after.json": (
        errors.RateLimitError,
        "Venice",
        "(Venice): qwen/qwen3-next-80b-a3b-instruct:free is temporarily rate-limited upstream",
        25.0,
        "upstream",
    ),
}


def test_the_table_covers_every_error_capture() -> None:
    assert sorted(ERRORS) == ERROR_FIXTURES


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("name", ERROR_FIXTURES)
async def test_error_capture(name: str, stream: bool, make_client: MakeClient) -> None:
    cls, provider, fragment, retry_after, scope = ERRORS[name]
    status = json.loads(wire(name))["error"]["code"]
    async with make_client(replay(name)) as client:
        with pytest.raises(errors.APIStatusError) as info:
            await client.complete(request("openai/gpt-4o"), stream=stream)
    err = info.value
    assert type(err) is cls
    assert err.status_code == status
    assert err.raw_code == status
    assert err.provider == provider
    assert err.model == "openai/gpt-4o"
    assert err.message.startswith(f"openai/gpt-4o: {status} ")
    assert fragment in err.message
    assert "\n" not in err.message
    assert err.retry_after_s == retry_after
    assert err.is_mid_stream is False
    if scope is not None:
        assert isinstance(err, errors.RateLimitError)
        assert err.scope == scope


async def test_free_per_day_reset_comes_from_metadata_headers(make_client: MakeClient) -> None:
    async with make_client(replay("error-429-free-models-per-day.json")) as client:
        with pytest.raises(errors.RateLimitError) as info:
            await client.complete(request())
    assert info.value.rate_limit_reset_s == 1779321600.0  # 2026-05-21 00:00 UTC
    assert info.value.metadata["headers"]["X-RateLimit-Limit"] == "50"


async def test_upstream_429_keeps_metadata(make_client: MakeClient) -> None:
    async with make_client(replay("error-429-upstream-retry-after.json")) as client:
        with pytest.raises(errors.RateLimitError) as info:
            await client.chat(request())
    assert info.value.metadata["is_byok"] is False
    assert info.value.rate_limit_reset_s is None
    assert info.value.error_type == "rate_limit_exceeded"


async def test_error_headers_retry_after_and_generation_id(make_client: MakeClient) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            429,
            content=wire("error-429-upstream-rate-limited.json"),
            headers={
                "retry-after": "3",
                "x-ratelimit-reset": "1758844800000",
                "x-generation-id": "gen-err",
            },
        )

    async with make_client(handler) as client:
        with pytest.raises(errors.RateLimitError) as info:
            await client.complete(request())
    assert info.value.retry_after_s == 3.0
    assert info.value.rate_limit_reset_s == 1758844800.0
    assert info.value.generation_id == "gen-err"


# --------------------------------------------------------------------------- GET captures


async def test_generation_capture(make_client: MakeClient) -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, content=wire("generation-2024.json"))

    async with make_client(handler) as client:
        data = await client.get_generation("gen-1731289055-7lM7yhtp335znp1qegkj")
    assert seen[0].path == "/api/v1/generation"
    assert seen[0].params["id"] == "gen-1731289055-7lM7yhtp335znp1qegkj"
    assert data["total_cost"] == 0.0004688775
    assert data["provider_name"] == "Anthropic"
    assert data["native_tokens_reasoning"] is None


async def test_key_capture_via_auth_key_fallback(make_client: MakeClient) -> None:
    paths: list[str] = []
    info = json.loads(wire("key-info-auth-key-2025-data-only.json"))

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        if request.url.path.endswith("/auth/key"):
            return httpx.Response(200, json={"data": info})
        return httpx.Response(404, json={"error": {"message": "Not Found", "code": 404}})

    async with make_client(handler) as client:
        data = await client.get_key()
    assert paths == ["/api/v1/key", "/api/v1/auth/key"]
    assert data["label"] == "sk-or-v1-0fa...240"
    assert data["rate_limit"] == {"requests": 40, "interval": "10s"}
    assert data["limit"] is None
