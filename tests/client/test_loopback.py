"""Transport behaviour over a real 127.0.0.1 socket: refused connections, stalls, drops, TTFT,
connection reuse."""

from __future__ import annotations

import json

import anyio
import pytest

from orkit import errors

from . import support
from .support import Conn, free_port, loopback_client, request, serve, wire


@pytest.fixture(autouse=True, params=support.BACKENDS)
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every transport test runs on both HTTP backends."""
    monkeypatch.setitem(support.backend_in_use, "name", request.param)
    return str(request.param)


def event(content: str | None = None, finish: str | None = None, **top: object) -> bytes:
    obj: dict[str, object] = {"id": "gen-loop", "model": "m/x", "provider": "Loop"}
    obj["choices"] = [{"index": 0, "delta": {"content": content}, "finish_reason": finish}]
    obj.update(top)
    return b"data: " + json.dumps(obj).encode() + b"\n\n"


USAGE = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5, "cost": 2e-6}


async def test_connection_refused_names_the_host() -> None:
    port = free_port()
    async with loopback_client(f"http://127.0.0.1:{port}/api/v1", connect=2) as client:
        for stream in (True, False):
            with pytest.raises(errors.APIConnectionError) as info:
                await client.complete(request(), stream=stream)
            err = info.value
            assert type(err) is errors.APIConnectionError
            assert err.message == f"cannot connect to 127.0.0.1:{port} (connection refused)"
            assert err.model == "openai/gpt-4o"
            assert err.__cause__ is not None
        with pytest.raises(errors.APIConnectionError, match="cannot connect"):
            await client.list_models()


@pytest.mark.integration
async def test_stalled_stream_hits_the_idle_timeout() -> None:
    async def handler(conn: Conn, head: bytes, body: bytes) -> bool:
        await conn.start_chunked()
        await conn.chunk(b": OPENROUTER PROCESSING\n\n" + event("Hel"))
        await anyio.sleep(5)  # the stall
        return False

    async with serve(handler) as server, loopback_client(server.url, idle=0.3) as client:
        with anyio.fail_after(3):
            with pytest.raises(errors.APITimeoutError) as info:
                await client.complete(request())
    assert "stalled: no data for 0.3s (idle timeout)" in info.value.message
    assert info.value.error_type == "timeout"
    assert info.value.model == "openai/gpt-4o"


@pytest.mark.integration
async def test_no_answer_at_all_hits_the_first_byte_or_read_timeout() -> None:
    async def handler(conn: Conn, head: bytes, body: bytes) -> bool:
        await anyio.sleep(5)
        return False

    timeouts = {"first_byte": 0.3, "read": 0.4}
    async with serve(handler) as server, loopback_client(server.url, **timeouts) as client:
        with anyio.fail_after(3):
            with pytest.raises(errors.APITimeoutError, match=r"within 0\.3s .*first-byte"):
                await client.complete(request(), stream=True)
            with pytest.raises(errors.APITimeoutError, match=r"within 0\.4s \(read timeout\)"):
                await client.complete(request(), stream=False)


async def test_connection_dropped_mid_stream() -> None:
    async def handler(conn: Conn, head: bytes, body: bytes) -> bool:
        await conn.start_chunked()
        await conn.chunk(event("Hel"))
        await conn.send(b"40\r\ndata: {")  # half a chunk, then the connection goes away
        return False

    async with serve(handler) as server, loopback_client(server.url) as client:
        with pytest.raises(errors.APIConnectionError) as info:
            await client.complete(request())
    err = info.value
    assert type(err) is errors.APIConnectionError
    assert err.message.startswith(f"connection to {server.url.split('/')[2]} dropped mid-stream")
    assert err.__cause__ is not None


async def test_connection_dropped_mid_body_of_a_plain_request() -> None:
    async def handler(conn: Conn, head: bytes, body: bytes) -> bool:
        await conn.send(b'HTTP/1.1 200 OK\r\ncontent-length: 500\r\n\r\n{"id":')
        return False

    async with serve(handler) as server, loopback_client(server.url) as client:
        with pytest.raises(errors.APIConnectionError, match="dropped before the response"):
            await client.complete(request(), stream=False)


@pytest.mark.integration
async def test_ttft_is_measured_from_sending_to_the_first_token() -> None:
    delay = 0.25

    async def handler(conn: Conn, head: bytes, body: bytes) -> bool:
        await conn.start_chunked()
        await conn.chunk(b": OPENROUTER PROCESSING\n\n")
        await conn.chunk(event("", None, choices=[{"index": 0, "delta": {"role": "assistant"}}]))
        await anyio.sleep(delay)
        await conn.chunk(event("Hello"))
        await anyio.sleep(0.05)
        await conn.chunk(event(None, "stop") + event(choices=[], usage=USAGE) + b"data: [DONE]\n\n")
        await conn.end_chunked()
        return True

    async with serve(handler) as server, loopback_client(server.url) as client:
        resp = await client.complete(request())
    assert resp.content == "Hello"
    assert resp.ttft_s is not None
    assert resp.latency_s is not None
    assert delay <= resp.ttft_s < delay + 0.2
    assert resp.latency_s >= resp.ttft_s + 0.04
    assert resp.usage is not None
    assert resp.usage.cost_usd == 2e-6


async def test_keep_alive_connection_is_reused_after_done() -> None:
    async def handler(conn: Conn, head: bytes, body: bytes) -> bool:
        if json.loads(body)["stream"]:
            await conn.start_chunked()
            await conn.chunk(wire("stream-usage-chunk-empty-choices.sse"))
            await conn.end_chunked()
        else:
            payload = wire("chat-ok-openai-gpt-4o.json")
            await conn.send(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                b"content-length: %d\r\n\r\n%s" % (len(payload), payload)
            )
        return True

    async with serve(handler) as server, loopback_client(server.url) as client:
        for _ in range(3):
            assert (await client.complete(request())).content == "1\n2\n3"
            assert (await client.complete(request(), stream=False)).content == "Hello!"
    assert len(server.requests) == 6
    assert server.connections == 1


async def test_error_status_over_the_wire() -> None:
    async def handler(conn: Conn, head: bytes, body: bytes) -> bool:
        payload = wire("error-429-upstream-retry-after.json")
        await conn.send(
            b"HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\n"
            b"retry-after: 4\r\ncontent-length: %d\r\n\r\n%s" % (len(payload), payload)
        )
        return True

    async with serve(handler) as server, loopback_client(server.url) as client:
        with pytest.raises(errors.RateLimitError) as info:
            await client.complete(request())
    assert info.value.retry_after_s == 4.0  # the header wins over metadata
    assert info.value.provider == "Venice"
