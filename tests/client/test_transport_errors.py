"""httpx transport failures → orkit errors (the httpx backend's half of the error mapping),
plus non-streamed bodies that carry errors or are not JSON."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from orkit import errors
from orkit.client import AsyncOpenRouter
from orkit.types import ChatResponse, Completer

from .support import request, wire, wire_response

MakeClient = Callable[..., AsyncOpenRouter]

MAPPING = [
    (httpx.ConnectTimeout("t"), errors.APITimeoutError, "timed out connecting to openrouter.ai"),
    # (which timeout it was is told apart in test_timeouts.py)
    (httpx.ReadTimeout("t"), errors.APITimeoutError, "from openrouter.ai within"),
    (httpx.WriteTimeout("t"), errors.APITimeoutError, "timed out sending the request"),
    (httpx.PoolTimeout("t"), errors.APITimeoutError, "waiting for a free connection"),
    (httpx.ConnectError("[Errno 111] Connection refused"), errors.APIConnectionError, "refused"),
    (httpx.ReadError("reset by peer"), errors.APIConnectionError, "dropped before the response"),
    (httpx.RemoteProtocolError("peer closed"), errors.APIConnectionError, "dropped"),
    (httpx.UnsupportedProtocol("nope"), errors.APIConnectionError, "request to openrouter.ai"),
    (httpx.DecodingError("bad gzip"), errors.InvalidResponseError, "cannot decode"),
]


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize(
    ("exc", "cls", "fragment"), MAPPING, ids=[type(e).__name__ for e, _, _ in MAPPING]
)
async def test_transport_failures_before_the_answer(
    exc: Exception, cls: type, fragment: str, stream: bool, make_client: MakeClient
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    async with make_client(handler) as client:
        with pytest.raises(errors.APIError) as info:
            await client.complete(request(), stream=stream)
    err = info.value
    assert type(err) is cls
    assert fragment in err.message
    assert "\n" not in err.message
    assert err.__cause__ is exc
    assert err.model == "openai/gpt-4o"


@pytest.mark.parametrize(
    ("exc", "cls", "fragment"),
    [
        (httpx.ReadTimeout("t"), errors.APITimeoutError, "openrouter.ai stalled: no data for 30s"),
        (httpx.RemoteProtocolError("x"), errors.APIConnectionError, "dropped mid-stream"),
        (httpx.ReadError("x"), errors.APIConnectionError, "dropped mid-stream"),
    ],
)
async def test_transport_failures_mid_stream(
    exc: Exception, cls: type, fragment: str, make_client: MakeClient
) -> None:
    body = wire("stream-usage-chunk-empty-choices.sse")

    async def content() -> AsyncIterator[bytes]:
        yield body[:300]
        raise exc

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=content(), headers={"content-type": "text/event-stream"})

    async with make_client(handler) as client:
        with pytest.raises(errors.APIError) as info:
            await client.complete(request())
    assert type(info.value) is cls
    assert fragment in info.value.message
    assert info.value.model == "openai/gpt-4o"


async def test_200_body_with_a_top_level_error(make_client: MakeClient) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        body = {"error": {"code": 429, "message": "Rate limit exceeded: free-models-per-min. "}}
        return httpx.Response(200, json=body, headers={"x-generation-id": "gen-9"})

    async with make_client(handler) as client:
        with pytest.raises(errors.RateLimitError) as info:
            await client.chat(request())
    assert info.value.scope == "free-per-minute"
    assert info.value.generation_id == "gen-9"
    assert info.value.status_code == 429


async def test_200_body_with_a_choice_error(make_client: MakeClient) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        error = {"code": 502, "message": "Provider disconnected", "metadata": {"raw": "EOF"}}
        choice = {"finish_reason": "error", "error": error, "message": {"content": "par"}}
        return httpx.Response(200, json={"id": "gen-c", "choices": [choice]})

    async with make_client(handler) as client:
        with pytest.raises(errors.UpstreamError) as info:
            await client.chat(request())
    assert info.value.message == "openai/gpt-4o: 502 Provider disconnected: EOF"
    assert info.value.generation_id == "gen-c"


@pytest.mark.parametrize("body", [b"<html>Bad gateway</html>", b"", b"[1, 2]"])
async def test_200_body_that_is_not_a_json_object(body: bytes, make_client: MakeClient) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body)

    async with make_client(handler) as client:
        with pytest.raises(errors.InvalidResponseError) as info:
            await client.chat(request())
    assert info.value.message.startswith("openai/gpt-4o: 200: ")
    assert info.value.model == "openai/gpt-4o"


async def test_referer_header_and_no_title(make_client: MakeClient) -> None:
    from orkit.config import ClientOptions

    seen: list[httpx.Request] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        return httpx.Response(200, content=wire("chat-ok-openai-gpt-4o.json"))

    options = ClientOptions(app_title=None, referer="https://example.org/app")
    async with make_client(handler, options=options) as client:
        await client.chat(request())
    assert seen[0].headers["http-referer"] == "https://example.org/app"
    assert "x-openrouter-title" not in seen[0].headers


async def test_the_client_is_a_completer(make_client: MakeClient) -> None:
    # Not `isinstance` (a runtime Protocol checks only that a `complete` attribute exists):
    # the client, typed as the Protocol, completes a request as the router would ask it to.
    def handler(req: httpx.Request) -> httpx.Response:
        return wire_response("stream-openai-gpt-4o-mini.sse")

    async with make_client(handler) as client:
        completer: Completer = client
        response = await completer.complete(request("openai/gpt-4o-mini"))
    assert isinstance(response, ChatResponse)
    assert response.streamed and response.content and response.finish_reason == "stop"
    assert response.usage is not None and (response.usage.completion_tokens or 0) > 0
    protocol = inspect.signature(Completer.complete)
    own = inspect.signature(AsyncOpenRouter.complete)
    assert list(protocol.parameters) == list(own.parameters)[: len(protocol.parameters)]
    assert inspect.iscoroutinefunction(AsyncOpenRouter.complete)
