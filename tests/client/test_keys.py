"""Where the key comes from, when it is required, and that it never leaks."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from orkit import errors
from orkit.client import AsyncOpenRouter
from orkit.config import ClientOptions
from orkit.types import Secret

from .support import KEY, request, wire

MakeClient = Callable[..., AsyncOpenRouter]


def refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError("nothing may be sent")


def test_missing_key_for_openrouter_fails_at_construction() -> None:
    transport = httpx.MockTransport(refuse)
    with pytest.raises(errors.MissingAPIKeyError) as info:
        AsyncOpenRouter(http_transport=transport)
    message = str(info.value)
    assert "\n" not in message
    assert "export OPENROUTER_API_KEY=sk-or-" in message
    assert "api_key=" in message
    with pytest.raises(errors.MissingAPIKeyError):
        AsyncOpenRouter(base_url="https://eu.openrouter.ai/api/v1/", http_transport=transport)
    with pytest.raises(errors.MissingAPIKeyError):
        AsyncOpenRouter(api_key="", http_transport=transport)


async def test_other_servers_need_no_key_and_get_no_authorization_header() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=wire("chat-ok-openai-gpt-4o.json"))

    client = AsyncOpenRouter(
        base_url="http://127.0.0.1:8080/v1", http_transport=httpx.MockTransport(handler)
    )
    async with client:
        await client.chat(request())
    assert "authorization" not in seen[0].headers
    assert seen[0].url == "http://127.0.0.1:8080/v1/chat/completions"
    assert repr(client) == "AsyncOpenRouter(base_url='http://127.0.0.1:8080/v1', api_key=None)"


async def test_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", f"  {KEY}\n")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": {"total_credits": 10.5, "total_usage": 2.25}})

    async with AsyncOpenRouter(http_transport=httpx.MockTransport(handler)) as client:
        assert await client.get_credits() == {"total_credits": 10.5, "total_usage": 2.25}
    assert seen[0].headers["authorization"] == f"Bearer {KEY}"


def test_key_precedence_argument_then_options_then_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-v1-from-env-0000")
    options = ClientOptions(api_key=Secret("sk-or-v1-from-options-1111"))
    assert repr(AsyncOpenRouter(options, api_key=Secret("sk-or-v1-from-arg-2222"))).endswith(
        "'sk-or-v1-…2222')"
    )
    assert repr(AsyncOpenRouter(options)).endswith("'sk-or-v1-…1111')")
    assert repr(AsyncOpenRouter()).endswith("'sk-or-v1-…0000')")


def test_repr_shows_base_url_and_a_masked_key() -> None:
    client = AsyncOpenRouter(api_key=KEY)
    text = repr(client)
    masked = f"sk-or-v1-…{KEY[-4:]}"
    assert text == f"AsyncOpenRouter(base_url='https://openrouter.ai/api/v1', api_key='{masked}')"
    assert KEY not in text


def test_options_and_arguments_are_validated() -> None:
    with pytest.raises(errors.ConfigError):
        AsyncOpenRouter(base_url="openrouter.ai/api/v1", api_key=KEY)
    with pytest.raises(errors.ConfigError, match="aiohttp"):
        AsyncOpenRouter(
            ClientOptions(transport="aiohttp"),
            api_key=KEY,
            http_transport=httpx.MockTransport(lambda r: httpx.Response(200)),
        )


ECHO_CASES = ["401-json", "400-provider-raw", "200-error", "500-text", "200-not-json", "mid-stream"]


@pytest.mark.parametrize("case", ECHO_CASES)
async def test_key_echoed_by_the_server_never_reaches_an_error(
    case: str, make_client: MakeClient
) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        auth = req.headers["authorization"]
        error = {"message": f"bad {auth}", "code": 401, "metadata": {"headers": dict(req.headers)}}
        if case == "401-json":
            return httpx.Response(401, json={"error": error})
        if case == "400-provider-raw":
            raw = json.dumps({"error": {"message": f"you sent {auth}"}})
            meta = {"raw": raw, "provider_name": "P"}
            return httpx.Response(
                400, json={"error": {"message": "x", "code": 400, "metadata": meta}}
            )
        if case == "200-error":
            return httpx.Response(200, json={"error": error})
        if case == "500-text":
            return httpx.Response(500, text=f"upstream said: {auth}")
        if case == "200-not-json":
            return httpx.Response(200, text=f"<html>{auth}</html>")
        chunk = {"id": "g", "error": error, "choices": [{"delta": {}, "finish_reason": "error"}]}
        body = f"data: {json.dumps(chunk)}\n\n".encode()
        return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})

    async with make_client(handler) as client:
        for stream in (False, True):
            with pytest.raises(errors.APIError) as info:
                await client.complete(request(), stream=stream)
            err = info.value
            assert KEY not in str(err)
            assert KEY not in repr(err)
            assert KEY not in repr(getattr(err, "metadata", None))
            assert KEY not in repr(vars(err))
        assert KEY not in repr(client)


async def test_key_never_in_transport_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"proxy rejected {request.headers['authorization']}")

    async with AsyncOpenRouter(api_key=KEY, http_transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(errors.APIConnectionError) as info:
            await client.complete(request())
    assert KEY not in str(info.value)


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("offset", [150, 190, 199, 205])
async def test_key_straddling_the_excerpt_cut_leaves_no_fragment(
    offset: int, stream: bool, make_client: MakeClient
) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        text = "x" * offset + req.headers["authorization"][len("Bearer ") :] + "y" * 300
        if stream:
            body = f"data: {text}\n\n".encode()
            return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})
        return httpx.Response(200, text=text)

    async with make_client(handler) as client:
        with pytest.raises(errors.InvalidResponseError) as info:
            await client.complete(request(), stream=stream)
    assert KEY[:12] not in str(info.value)
    assert KEY[-12:] not in str(info.value)
