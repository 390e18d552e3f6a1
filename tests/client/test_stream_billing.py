"""A stream that fails once its 200 arrived says what was seen of it: the generation id
(OpenRouter bills that generation), the provider, and the `usage` an error event carried."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from orkit import errors
from orkit.client import AsyncOpenRouter

from .support import request

MakeClient = Callable[..., AsyncOpenRouter]
GEN = "gen-1779000000-billedbutbrokenxxxxx"


def event(delta: dict[str, Any] | None = None, finish: str | None = None, **top: Any) -> bytes:
    obj: dict[str, Any] = {"id": GEN, "created": 1779000000, "model": "openai/gpt-4o"}
    obj.update(top)
    if delta is not None or finish is not None:
        obj["choices"] = [{"index": 0, "delta": delta or {}, "finish_reason": finish}]
    return b"data: " + json.dumps(obj).encode() + b"\n\n"


def sse(*parts: bytes, header_id: str | None = None) -> Callable[[httpx.Request], httpx.Response]:
    body = b"".join(parts)
    headers = {"content-type": "text/event-stream"}
    if header_id:
        headers["x-generation-id"] = header_id
    return lambda _: httpx.Response(200, content=body, headers=headers)


async def test_an_error_event_keeps_its_usage_and_provider(make_client: MakeClient) -> None:
    usage = {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19, "cost": 3.5e-5}
    error = {"code": 502, "message": "Provider disconnected", "metadata": {}}
    body = sse(
        event({"role": "assistant", "content": ""}, provider="DeepInfra"),
        event({"content": "partial"}),
        event({"content": ""}, "error", error=error, usage=usage),
    )
    async with make_client(body) as client:
        with pytest.raises(errors.APIStatusError) as info:
            await client.complete(request())
    err = info.value
    assert err.is_mid_stream and err.generation_id == GEN
    assert err.provider == "DeepInfra"  # from the first event: the error names none
    assert err.usage is not None
    assert (err.usage.prompt_tokens, err.usage.completion_tokens) == (12, 7)
    assert err.usage.cost_usd == pytest.approx(3.5e-5)


@pytest.mark.parametrize("iterate", [False, True], ids=["consume", "iterate"])
async def test_a_stream_cut_after_its_first_event_names_its_generation(
    make_client: MakeClient, iterate: bool
) -> None:
    body = sse(event({"role": "assistant", "content": ""}, provider="Novita"))
    async with make_client(body) as client:
        with pytest.raises(errors.APIConnectionError) as info:
            if iterate:
                async with client.stream_chat(request()) as chunks:
                    async for _ in chunks:
                        pass
            else:
                await client.complete(request())
    assert info.value.generation_id == GEN
    assert info.value.provider == "Novita"
    assert info.value.usage is None  # nothing said what it cost: /generation will


@pytest.mark.parametrize("header_id", ["gen-header-only", None], ids=["header", "no-header"])
async def test_a_stream_cut_before_any_event_names_the_headers_generation(
    make_client: MakeClient, header_id: str | None
) -> None:
    # No event came, but a 200 that named its generation was dispatched to a provider: one
    # that cannot cancel bills the whole answer, so the id is kept for `/generation` to say.
    # Without the header nothing names a generation.
    body = sse(b": OPENROUTER PROCESSING\n\n", header_id=header_id)
    async with make_client(body) as client:
        with pytest.raises(errors.APIConnectionError) as info:
            await client.complete(request())
    assert info.value.generation_id == header_id


async def test_the_header_id_names_a_generation_whose_events_carry_none(
    make_client: MakeClient,
) -> None:
    first = b'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":"a"}}]}\n\n'
    body = sse(first, header_id="gen-from-header")
    async with make_client(body) as client:
        with pytest.raises(errors.APIConnectionError) as info:
            await client.complete(request())
    assert info.value.generation_id == "gen-from-header"


async def test_an_error_in_a_200_json_body_keeps_its_usage(make_client: MakeClient) -> None:
    body = {
        "id": GEN,
        "model": "openai/gpt-4o",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "par"},
                "finish_reason": "error",
                "error": {"code": 502, "message": "Provider disconnected"},
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "cost": 2e-6},
    }
    handler = lambda _: httpx.Response(200, json=body)  # noqa: E731
    async with make_client(handler) as client:
        with pytest.raises(errors.APIStatusError) as info:
            await client.complete(request())
    assert info.value.generation_id == GEN
    assert info.value.usage is not None and info.value.usage.cost_usd == pytest.approx(2e-6)
