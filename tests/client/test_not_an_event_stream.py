"""A streamed request answered with a body that is not SSE (an HTML page from a proxy, plain
text) is an `InvalidResponseError` carrying the HTTP status, as on the non-streamed path,
not a dropped connection: on both HTTP backends, over a real 127.0.0.1 socket."""

from __future__ import annotations

import pytest

from orkit import errors
from orkit.client import AsyncOpenRouter
from orkit.config import ClientOptions
from orkit.router import classify

from . import support
from .support import KEY, Conn, loopback_client, request, serve

HTML = b"<html><head><title>Portal</title></head><body>Please log in</body></html>"


@pytest.fixture(autouse=True, params=support.BACKENDS)
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setitem(support.backend_in_use, "name", request.param)
    return str(request.param)


def answer(status: str, content_type: str | None, body: bytes) -> bytes:
    ctype = f"content-type: {content_type}\r\n" if content_type else ""
    return f"HTTP/1.1 {status}\r\n{ctype}content-length: {len(body)}\r\n\r\n".encode() + body


@pytest.mark.parametrize(
    ("content_type", "body", "fragment"),
    [
        ("text/html; charset=utf-8", HTML, "got text/html; charset=utf-8: '<html><head>"),
        ("text/plain", b"upstream says hello", "got text/plain: 'upstream says hello'"),
        ("text/html", b"", "got text/html (empty body)"),
    ],
    ids=["html", "plain-text", "empty"],
)
async def test_a_200_that_is_not_sse_is_an_invalid_response(
    content_type: str, body: bytes, fragment: str
) -> None:
    async def handler(conn: Conn, head: bytes, _: bytes) -> bool:
        await conn.send(answer("200 OK", content_type, body))
        return True

    async with serve(handler) as server, loopback_client(server.url) as client:
        with pytest.raises(errors.APIError) as info:
            await client.complete(request(), stream=True)
        # the connection stays usable: the body was read whole
        with pytest.raises(errors.InvalidResponseError):
            await client.complete(request(), stream=True)
    err = info.value
    assert type(err) is errors.InvalidResponseError
    assert err.error_type == "invalid_response"
    assert err.status_code == 200
    assert err.model == "openai/gpt-4o"
    assert err.message.startswith("openai/gpt-4o: 200: expected an event stream, ")
    assert fragment in err.message
    assert "\n" not in err.message
    # retried like the same body on a non-streamed request, under its own name
    assert classify(err, now_wall=0.0).reason == "invalid_response"


async def test_the_non_streamed_path_carries_the_status_too() -> None:
    async def handler(conn: Conn, head: bytes, _: bytes) -> bool:
        await conn.send(answer("200 OK", "text/html", HTML))
        return True

    async with serve(handler) as server, loopback_client(server.url) as client:
        with pytest.raises(errors.InvalidResponseError) as info:
            await client.complete(request(), stream=False)
    assert info.value.status_code == 200
    assert info.value.message.startswith("openai/gpt-4o: 200: body is not valid JSON: '<html>")


async def test_the_key_echoed_in_a_non_sse_body_is_redacted() -> None:
    async def handler(conn: Conn, head: bytes, _: bytes) -> bool:
        await conn.send(answer("200 OK", "text/html", b"<p>your key " + KEY.encode() + b"</p>"))
        return True

    async with serve(handler) as server:
        options = ClientOptions(base_url=server.url, transport=support.backend_in_use["name"])  # type: ignore[arg-type]
        async with AsyncOpenRouter(options, api_key=KEY) as client:
            with pytest.raises(errors.InvalidResponseError) as info:
                await client.complete(request())
    assert KEY not in info.value.message
    assert "[REDACTED]" in info.value.message


async def test_an_event_stream_without_a_content_type_is_still_read() -> None:
    """Minimal servers send no content type: absent, the body is read as SSE."""
    events = (
        b'data: {"id":"g","choices":[{"index":0,"delta":{"content":"Hi"},'
        b'"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
    )

    async def handler(conn: Conn, head: bytes, _: bytes) -> bool:
        await conn.send(answer("200 OK", None, events))
        return True

    async with serve(handler) as server, loopback_client(server.url) as client:
        response = await client.complete(request())
    assert response.content == "Hi"
