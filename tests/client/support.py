"""Helpers for the client tests: the recorded wire captures, a replay transport, and a tiny
HTTP/1.1 server on a real loopback socket for transport-level behaviour."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import anyio.abc
import httpx

from orkit.client import AsyncOpenRouter
from orkit.config import ClientOptions, Timeouts
from orkit.types import ChatRequest

WIRE = Path(__file__).resolve().parents[1] / "fixtures" / "wire"
KEY = "sk-or-v1-" + "0123456789abcdef" * 4


def wire(name: str) -> bytes:
    return (WIRE / name).read_bytes()


def wire_status(name: str) -> int:
    """The status a capture was recorded with: JSON errors carry it as `error.code`."""
    if name.startswith("error-"):
        return int(json.loads(wire(name))["error"]["code"])
    return 200


def wire_response(name: str, chunks: Iterable[bytes] | None = None) -> httpx.Response:
    """An httpx response replaying one capture (optionally split into the given chunks)."""
    content_type = "text/event-stream" if name.endswith(".sse") else "application/json"
    headers = {"content-type": content_type}
    if chunks is None:
        return httpx.Response(wire_status(name), content=wire(name), headers=headers)
    parts = list(chunks)

    async def body() -> AsyncIterator[bytes]:
        for part in parts:
            yield part

    return httpx.Response(wire_status(name), content=body(), headers=headers)


Handler = Callable[[httpx.Request], httpx.Response]


def replay(name: str, chunks: Iterable[bytes] | None = None) -> Handler:
    parts = list(chunks) if chunks is not None else None
    return lambda request: wire_response(name, parts)


# --------------------------------------------------------------------------- loopback server


class Conn:
    """One accepted connection of the loopback server, as the handler sees it."""

    def __init__(self, stream: anyio.abc.ByteStream) -> None:
        self.stream = stream
        self._buf = b""

    async def read_request(self) -> tuple[bytes, bytes] | None:
        """(head, body) of the next request, or None when the client closed."""
        while b"\r\n\r\n" not in self._buf:
            try:
                data = await self.stream.receive()
            except (anyio.EndOfStream, anyio.BrokenResourceError):
                return None
            self._buf += data
        head, _, rest = self._buf.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            rest += await self.stream.receive()
        self._buf = rest[length:]
        return head, rest[:length]

    async def send(self, data: bytes) -> None:
        await self.stream.send(data)

    async def start_chunked(self, status: str = "200 OK", ctype: str = "text/event-stream") -> None:
        await self.send(
            f"HTTP/1.1 {status}\r\ncontent-type: {ctype}\r\n"
            "transfer-encoding: chunked\r\n\r\n".encode()
        )

    async def chunk(self, data: bytes) -> None:
        await self.send(b"%x\r\n%s\r\n" % (len(data), data))

    async def end_chunked(self) -> None:
        await self.send(b"0\r\n\r\n")


ConnHandler = Callable[[Conn, bytes, bytes], Awaitable[bool]]
"""Answers one request; returns True to keep the connection open for the next one."""


class Loopback:
    def __init__(self, url: str) -> None:
        self.url = url
        self.connections = 0
        self.requests: list[tuple[bytes, bytes]] = []


@asynccontextmanager
async def serve(handler: ConnHandler) -> AsyncIterator[Loopback]:
    """Run `handler` for every request to a fresh 127.0.0.1 port while the block runs."""
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    server = Loopback(f"http://127.0.0.1:{port}/api/v1")

    async def on_connection(stream: anyio.abc.ByteStream) -> None:
        server.connections += 1
        conn = Conn(stream)
        async with stream:
            try:
                while (request := await conn.read_request()) is not None:
                    server.requests.append(request)
                    if not await handler(conn, *request):
                        break
            except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                pass

    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, on_connection)
        try:
            yield server
        finally:
            tg.cancel_scope.cancel()


BACKENDS = ("aiohttp", "httpx")
backend_in_use = {"name": "auto"}
"""Which HTTP backend `loopback_client` builds (tests parametrize it over BACKENDS)."""


def loopback_client(url: str, **timeouts: float) -> AsyncOpenRouter:
    options = ClientOptions(
        base_url=url,
        timeouts=Timeouts(**timeouts),
        max_connections=8,
        transport=backend_in_use["name"],  # type: ignore[arg-type]
    )
    return AsyncOpenRouter(options)


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def request(model: str = "openai/gpt-4o", **params: object) -> ChatRequest:
    return ChatRequest(model=model, messages=[{"role": "user", "content": "Hi"}], params=params)


SSE_FIXTURES = sorted(p.name for p in WIRE.glob("*.sse"))
JSON_OK_FIXTURES = sorted(p.name for p in WIRE.glob("chat-ok-*.json"))
ERROR_FIXTURES = sorted(p.name for p in WIRE.glob("error-*.json"))
