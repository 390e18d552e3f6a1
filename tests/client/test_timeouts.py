"""The three ways a request hangs, each cut by its own timeout, on both HTTP backends, over a
real 127.0.0.1 socket: a server that never accepts (connect), one that accepts and never
answers (first byte), one that stops sending mid-stream (idle). A stream kept alive by SSE
comments is never cut, however long it takes.

Timeouts are a fraction of a second so the tests are quick; the servers stall for good, so
a bound on how long an attempt held on (the timeout plus a wide margin for a busy machine)
shows which timeout ended it, without racing the clock."""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from time import perf_counter

import anyio
import pytest

from orkit import errors
from orkit.client import AsyncOpenRouter

from . import support
from .support import Conn, ConnHandler, Loopback, loopback_client, request, serve

pytestmark = pytest.mark.integration  # on real time: see README, Development

MARGIN_S = 3.0
"""How much longer than its timeout an attempt may take to fail (scheduling on a loaded
machine); far below the stalls, which last until the test ends."""


@pytest.fixture(autouse=True, params=support.BACKENDS)
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setitem(support.backend_in_use, "name", request.param)
    return str(request.param)


def event(content: str | None = None, finish: str | None = None, **top: object) -> bytes:
    obj: dict[str, object] = {"id": "gen-t", "model": "m/x", "provider": "Loop"}
    obj["choices"] = [{"index": 0, "delta": {"content": content}, "finish_reason": finish}]
    obj.update(top)
    return b"data: " + json.dumps(obj).encode() + b"\n\n"


USAGE = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5, "cost": 2e-6}
ANSWER = event("Hel") + event("lo", "stop") + event(choices=[], usage=USAGE) + b"data: [DONE]\n\n"
KEEP_ALIVE = b": OPENROUTER PROCESSING\n\n"


@asynccontextmanager
async def served(
    handler: ConnHandler, **timeouts: float
) -> AsyncIterator[tuple[Loopback, AsyncOpenRouter]]:
    async with serve(handler) as server, loopback_client(server.url, **timeouts) as client:
        yield server, client


async def stall_forever(conn: Conn, head: bytes, body: bytes) -> bool:
    await anyio.sleep_forever()
    return False


async def timed_failure(client_call: object) -> tuple[errors.APIError, float]:
    """The error an awaitable ends in, and how long it took (guarded against a hang)."""
    t0 = perf_counter()
    with anyio.fail_after(30):
        with pytest.raises(errors.APIError) as info:
            await client_call  # type: ignore[misc]
    return info.value, perf_counter() - t0


async def test_headers_then_silence_is_cut_by_the_idle_timeout() -> None:
    async def handler(conn: Conn, head: bytes, body: bytes) -> bool:
        await conn.start_chunked()  # headers, then not one byte more
        await anyio.sleep_forever()
        return False

    async with served(handler, idle=0.3, first_byte=20, read=20) as (server, client):
        err, held_s = await timed_failure(client.complete(request()))
    assert type(err) is errors.APITimeoutError
    host = server.url.split("/")[2]
    assert err.message == f"stream from {host} stalled: no data for 0.3s (idle timeout)"
    assert err.error_type == "timeout"
    assert err.model == "openai/gpt-4o"
    assert 0.25 <= held_s <= 0.3 + MARGIN_S


async def test_a_stall_mid_stream_is_cut_by_the_idle_timeout() -> None:
    async def handler(conn: Conn, head: bytes, body: bytes) -> bool:
        await conn.start_chunked()
        await conn.chunk(KEEP_ALIVE + event("Hel"))
        await anyio.sleep_forever()
        return False

    async with served(handler, idle=0.3, first_byte=20, read=20) as (_server, client):
        err, held_s = await timed_failure(client.complete(request()))
    assert isinstance(err, errors.APITimeoutError)
    assert err.message.endswith("stalled: no data for 0.3s (idle timeout)")
    assert held_s <= 0.3 + MARGIN_S


async def test_keep_alive_comments_keep_a_slow_stream_alive() -> None:
    """Comments every 0.1 s for 2.5 s (2.5 idle timeouts), then the answer: a reasoning
    model that thinks for long while its server keeps the stream alive is not cut. (The
    idle timeout is ten comment gaps, so a busy machine delaying a few does not matter.)"""

    async def handler(conn: Conn, head: bytes, body: bytes) -> bool:
        await conn.start_chunked()
        for _ in range(25):
            await conn.chunk(KEEP_ALIVE)
            await anyio.sleep(0.1)
        await conn.chunk(ANSWER)
        await conn.end_chunked()
        return True

    async with served(handler, idle=1.0, first_byte=20, read=0.3) as (_server, client):
        with anyio.fail_after(30):
            response = await client.complete(request())
    assert response.content == "Hello"
    assert response.usage is not None and response.usage.completion_tokens == 2
    assert response.latency_s is not None and response.latency_s >= 2.5


async def test_the_idle_timeout_replaces_the_first_byte_one_once_headers_are_in() -> None:
    """A gap in the body longer than `first_byte` but within `idle` is fine: only the wait
    for the headers is bounded by `first_byte`."""
    sent = anyio.Event()

    async def handler(conn: Conn, head: bytes, body: bytes) -> bool:
        await conn.start_chunked()
        await conn.chunk(event("Hel"))
        await anyio.sleep(1.5)
        await conn.chunk(event("lo", "stop") + b"data: [DONE]\n\n")
        await conn.end_chunked()
        sent.set()
        return True

    async with served(handler, first_byte=0.5, idle=20, read=0.5) as (_server, client):
        with anyio.fail_after(30):
            response = await client.complete(request())
    assert sent.is_set()
    assert response.content == "Hello"


async def test_a_server_that_accepts_and_never_answers_is_cut_by_the_first_byte_timeout() -> None:
    async with served(stall_forever, first_byte=0.3, idle=20, read=0.4) as (server, client):
        err, held_s = await timed_failure(client.complete(request()))
        plain, plain_held_s = await timed_failure(client.complete(request(), stream=False))
    host = server.url.split("/")[2]
    assert type(err) is errors.APITimeoutError
    assert err.message == (
        f"no response from {host} within 0.3s of sending the request (first-byte timeout)"
    )
    assert 0.25 <= held_s <= 0.3 + MARGIN_S
    # A whole (non-streamed) answer may take a whole generation to start: `read` bounds it.
    assert type(plain) is errors.APITimeoutError
    assert plain.message == f"no answer from {host} within 0.4s (read timeout)"
    assert 0.35 <= plain_held_s <= 0.4 + MARGIN_S


@pytest.fixture
def unaccepting_port() -> Iterator[int]:
    """A port whose listener never accepts and whose backlog is full: the kernel drops
    further SYNs, so a connect hangs as it does to a dead host."""
    if not sys.platform.startswith("linux"):
        pytest.skip("relies on Linux dropping SYNs to a listener with a full backlog")
    listener = socket.socket()
    filler = socket.socket()
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port: int = listener.getsockname()[1]
        filler.connect(("127.0.0.1", port))  # takes the one place in the backlog
        yield port
    finally:
        filler.close()
        listener.close()


async def test_a_server_that_never_accepts_is_cut_by_the_connect_timeout(
    unaccepting_port: int,
) -> None:
    url = f"http://127.0.0.1:{unaccepting_port}/api/v1"
    async with loopback_client(url, connect=0.3, first_byte=20, idle=20, read=20) as client:
        err, held_s = await timed_failure(client.complete(request()))
    assert type(err) is errors.APITimeoutError
    assert err.message == (
        f"timed out connecting to 127.0.0.1:{unaccepting_port} after 0.3s (connect timeout)"
    )
    assert held_s <= 0.3 + MARGIN_S


async def test_a_kept_alive_connection_outlives_the_idle_timeout_of_its_last_answer() -> None:
    """An answer whose whole body came with its headers leaves no idle timer behind on the
    pooled connection: reused after more than the idle timeout, it still works."""

    async def handler(conn: Conn, head: bytes, body: bytes) -> bool:
        await conn.send(  # headers and the whole body in one write
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            b"content-length: %d\r\n\r\n%s" % (len(ANSWER), ANSWER)
        )
        return True

    async with served(handler, idle=0.2) as (server, client):
        with anyio.fail_after(30):
            assert (await client.complete(request())).content == "Hello"
            await anyio.sleep(0.5)  # past the idle timeout, on the pooled connection
            assert (await client.complete(request())).content == "Hello"
    assert server.connections == 1
