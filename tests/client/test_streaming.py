"""Streaming behaviour on synthetic SSE bodies (through httpx.MockTransport)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from orkit import errors
from orkit.client import AsyncOpenRouter

from .support import KEY, request

MakeClient = Callable[..., AsyncOpenRouter]

GEN = "gen-1779000000-abcdefghijklmnopqrst"


def event(delta: dict[str, Any] | None = None, finish: str | None = None, **top: Any) -> bytes:
    obj: dict[str, Any] = {
        "id": GEN,
        "object": "chat.completion.chunk",
        "created": 1779000000,
        "model": "openai/gpt-4o",
        "provider": "OpenAI",
    }
    if delta is not None or finish is not None:
        obj["choices"] = [
            {
                "index": 0,
                "delta": delta or {},
                "finish_reason": finish,
                "native_finish_reason": finish,
            }
        ]
    obj.update(top)
    return b"data: " + json.dumps(obj).encode() + b"\n\n"


USAGE = {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7, "cost": 1e-6}
DONE = b"data: [DONE]\n\n"


def sse(*parts: bytes) -> Callable[[httpx.Request], httpx.Response]:
    body = b"".join(parts)
    return lambda request: httpx.Response(
        200, content=body, headers={"content-type": "text/event-stream"}
    )


async def test_usage_on_the_finish_chunk(make_client: MakeClient) -> None:
    body = sse(
        event({"role": "assistant", "content": ""}),
        event({"content": "Hi"}),
        event({}, "stop", usage=USAGE),
        DONE,
    )
    async with make_client(body) as client:
        resp = await client.complete(request())
    assert resp.content == "Hi"
    assert resp.finish_reason == "stop"
    assert resp.usage is not None
    assert resp.usage.total_tokens == 7
    assert resp.usage.cost_usd == 1e-6


async def test_usage_on_a_repeated_finish_chunk_keeps_the_finish_reason(
    make_client: MakeClient,
) -> None:
    body = sse(
        event({"content": "Hi"}),
        event({}, "length"),
        event({"content": ""}, "length", usage=USAGE),
        DONE,
    )
    async with make_client(body) as client:
        resp = await client.complete(request())
    assert resp.finish_reason == "length"
    assert resp.usage is not None
    assert resp.usage.prompt_tokens == 5


async def test_role_only_chunks_and_no_content_at_all(make_client: MakeClient) -> None:
    body = sse(
        event({"role": "assistant"}), event({}, "stop"), event(choices=[], usage=USAGE), DONE
    )
    async with make_client(body) as client:
        resp = await client.complete(request())
        async with client.stream_chat(request()) as chunks:
            roles = [c.role async for c in chunks]
    assert resp.content is None
    assert resp.ttft_s is None  # no token ever came
    assert roles == ["assistant", None, None]


async def test_parallel_tool_calls_accumulate_by_index(make_client: MakeClient) -> None:
    def call(index: int, **fields: Any) -> dict[str, Any]:
        return {"tool_calls": [{"index": index, **fields}]}

    body = sse(
        event(call(0, id="c0", type="function", function={"name": "a", "arguments": ""})),
        event(call(1, id="c1", type="function", function={"name": "b", "arguments": '{"y"'})),
        event(call(0, function={"arguments": '{"x":'})),
        event(call(0, function={"arguments": " 1}"})),
        event(call(1, function={"name": "b", "arguments": ": 2}"})),
        event({}, "tool_calls"),
        DONE,
    )
    async with make_client(body) as client:
        resp = await client.complete(request())
    assert resp.tool_calls is not None
    assert [json.loads(c["function"]["arguments"]) for c in resp.tool_calls] == [
        {"x": 1},
        {"y": 2},
    ]
    assert [(c["id"], c["function"]["name"]) for c in resp.tool_calls] == [("c0", "a"), ("c1", "b")]
    assert resp.finish_reason == "tool_calls"
    assert resp.ttft_s is not None


async def test_tool_calls_without_index(make_client: MakeClient) -> None:
    body = sse(
        event({"tool_calls": [{"id": "c0", "function": {"name": "a", "arguments": "{"}}]}),
        event({"tool_calls": [{"function": {"arguments": "}"}}]}),
        event({"tool_calls": [{"id": "c1", "function": {"name": "b", "arguments": "{}"}}]}),
        event({}, "tool_calls"),
        DONE,
    )
    async with make_client(body) as client:
        resp = await client.complete(request())
    assert resp.tool_calls is not None
    assert [(c["id"], c["function"]["arguments"]) for c in resp.tool_calls] == [
        ("c0", "{}"),
        ("c1", "{}"),
    ]


@pytest.mark.parametrize(
    ("code", "cls", "status"),
    [
        (429, errors.RateLimitError, 429),
        (502, errors.UpstreamError, 502),
        ("server_error", errors.ServerError, 500),
    ],
)
async def test_mid_stream_error_raises_with_is_mid_stream(
    code: object, cls: type, status: int, make_client: MakeClient
) -> None:
    error = {"code": code, "message": "Rate limit exceeded", "metadata": {"provider_name": "X"}}
    body = sse(
        b": OPENROUTER PROCESSING\n\n",
        event({"role": "assistant", "content": "partial "}),
        event({"content": ""}, "error", error=error),
        # no [DONE] after an error
    )
    async with make_client(body) as client:
        with pytest.raises(errors.APIStatusError) as info:
            await client.complete(request())
        got: list[str] = []
        with pytest.raises(errors.APIStatusError):
            async with client.stream_chat(request()) as chunks:
                async for chunk in chunks:
                    got.append(chunk.content or "")
    err = info.value
    assert type(err) is cls
    assert err.is_mid_stream is True
    assert err.status_code == status
    assert err.raw_code == code
    assert err.provider == "X"
    assert err.model == "openai/gpt-4o"
    assert err.generation_id == GEN
    assert err.message == f"openai/gpt-4o: {status} Rate limit exceeded (X) [mid-stream]"
    assert got == ["partial "]  # chunks before the error were delivered


async def test_finish_reason_error_alone_is_a_mid_stream_error(make_client: MakeClient) -> None:
    body = sse(event({"content": "x"}), event({}, "error"))
    async with make_client(body) as client:
        with pytest.raises(errors.ServerError) as info:
            await client.complete(request())
    assert info.value.is_mid_stream


async def test_eof_after_finish_and_usage_without_done_is_accepted(
    make_client: MakeClient,
) -> None:
    body = sse(event({"content": "ok"}), event({}, "stop"), event(choices=[], usage=USAGE))
    async with make_client(body) as client:
        resp = await client.complete(request())
    assert resp.content == "ok"
    assert resp.usage is not None
    assert resp.usage.completion_tokens == 2


@pytest.mark.parametrize(
    "tail",
    [b"", b'data: {"id": "gen-x", "choi', b": OPENROUTER PROCESSING\n\n"],
    ids=["clean-eof", "cut-event", "comment"],
)
async def test_truncated_stream_is_a_connection_error(tail: bytes, make_client: MakeClient) -> None:
    body = sse(event({"role": "assistant", "content": "Hel"}), event({"content": "lo"}), tail)
    async with make_client(body) as client:
        with pytest.raises(errors.APIConnectionError, match="stream ended before completion") as e:
            await client.complete(request())
    assert type(e.value) is errors.APIConnectionError
    assert e.value.model == "openai/gpt-4o"


async def test_invalid_json_event_is_an_invalid_response(make_client: MakeClient) -> None:
    body = sse(event({"content": "x"}), b"data: {not json}\n\n", DONE)
    async with make_client(body) as client:
        with pytest.raises(errors.InvalidResponseError, match="not valid JSON"):
            await client.complete(request())


async def test_events_without_blank_lines_between_them_are_still_read(
    make_client: MakeClient,
) -> None:
    joined = (event({"content": "a"}) + event({"content": "b"}, "stop")).replace(b"\n\n", b"\n")
    async with make_client(sse(joined, b"\n", DONE)) as client:
        resp = await client.complete(request())
    assert resp.content == "ab"


async def test_json_answer_to_a_stream_request(make_client: MakeClient) -> None:
    answer = {
        "id": GEN,
        "model": "m/x",
        "provider": "P",
        "choices": [{"message": {"content": "whole"}, "finish_reason": "stop"}],
        "usage": USAGE,
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=answer)

    async with make_client(handler) as client:
        resp = await client.complete(request())
        async with client.stream_chat(request()) as chunks:
            got = [c async for c in chunks]
    assert resp.content == "whole"
    assert resp.usage is not None
    assert resp.usage.total_tokens == 7
    assert [c.content for c in got] == ["whole"]
    assert got[0].usage == resp.usage


async def test_200_json_error_to_a_stream_request_raises(make_client: MakeClient) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"error": {"code": 503, "message": "No provider"}})

    async with make_client(handler) as client:
        with pytest.raises(errors.ServiceUnavailableError) as info:
            await client.complete(request())
    assert not info.value.is_mid_stream


async def test_final_response_before_the_end_is_an_error(make_client: MakeClient) -> None:
    body = sse(event({"content": "a"}), event({}, "stop"), DONE)
    async with make_client(body) as client, client.stream_chat(request()) as chunks:
        with pytest.raises(RuntimeError):
            chunks.final_response()
        async for _ in chunks:
            break
    # leaving early closed the response; the client is still usable
    async with make_client(body) as client:
        assert (await client.complete(request())).content == "a"


async def test_request_body_and_headers(make_client: MakeClient) -> None:
    seen: list[httpx.Request] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        return sse(event({"content": "a"}, "stop"), DONE)(req)

    async with make_client(handler) as client:
        await client.complete(request(temperature=0, max_tokens=8))
        await client.complete(request(stream_options={"include_usage": False}))
    body = json.loads(seen[0].content)
    assert body == {
        "model": "openai/gpt-4o",
        "messages": [{"role": "user", "content": "Hi"}],
        "temperature": 0,
        "max_tokens": 8,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    assert b" " not in seen[0].content.replace(b'"Hi"', b"")  # compact separators
    assert json.loads(seen[1].content)["stream_options"] == {"include_usage": False}
    headers = seen[0].headers
    assert headers["authorization"] == f"Bearer {KEY}"
    assert headers["content-type"] == "application/json"
    assert headers["x-openrouter-title"] == "orkit"
    assert "http-referer" not in headers
    assert seen[0].url == "https://openrouter.ai/api/v1/chat/completions"


async def test_generation_id_from_the_header_when_events_have_none(
    make_client: MakeClient,
) -> None:
    body = b'data: {"choices":[{"delta":{"content":"a"},"finish_reason":"stop"}]}\n\n' + DONE

    def handler(req: httpx.Request) -> httpx.Response:
        headers = {"content-type": "text/event-stream", "x-generation-id": "gen-hdr"}
        return httpx.Response(200, content=body, headers=headers)

    async with make_client(handler) as client:
        resp = await client.complete(request())
    assert resp.generation_id == "gen-hdr"
    assert resp.model is None
    assert resp.usage is None
