"""`StreamingASGITransport`: an httpx transport that streams an in-process ASGI app's response.

httpx's own `ASGITransport` runs the app to completion and buffers the body, so a client
could not observe time to first token, stalls or a connection dropped mid-body. Here the
app runs as a background task and the response body is a stream fed by the app's
`http.response.body` messages as they are sent:

- the request's read timeout (`request.extensions["timeout"]["read"]`) applies to the
  response start and to every body chunk, raising `httpx.ReadTimeout`; it is looked up at
  each wait, as httpcore does, so a client may change it once the headers are in;
- an app that stops without completing its response (a dropped connection) surfaces as
  `httpx.RemoteProtocolError`, like a peer closing a socket mid-body;
- closing the response early sends `http.disconnect` to the app and cancels it.

Background tasks run in the transport's task group when the transport is entered (`async
with transport`, which `async with httpx.AsyncClient(transport=...)` does); otherwise they
are asyncio tasks tracked by the transport. Either way every task is finished or cancelled
by the time its response is closed or fully read.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any

import anyio
import anyio.abc
import httpx
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from orkit.sim._asgi import ASGIApp, Message

__all__ = ["StreamingASGITransport"]

_BUFFER = 16  # ASGI messages in flight between the app and the reader
_CLOSE_GRACE = 5.0  # seconds to wait for a cancelled app to unwind


class _Exchange:
    """One request/response between the client and the app."""

    def __init__(self, request: httpx.Request, body: bytes) -> None:
        self.request = request
        self.body = body
        self.body_sent = False
        self.disconnected = anyio.Event()
        self.done = anyio.Event()
        self.cancel_scope: anyio.CancelScope | None = None
        self.app_error: BaseException | None = None
        self.to_client: MemoryObjectSendStream[Message]
        self.from_app: MemoryObjectReceiveStream[Message]
        self.to_client, self.from_app = anyio.create_memory_object_stream[Message](_BUFFER)

    async def receive(self) -> Message:
        if not self.body_sent:
            self.body_sent = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        await self.disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if self.disconnected.is_set():
            return  # like a server whose client went away: writes vanish
        try:
            await self.to_client.send(message)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            self.disconnected.set()
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            self.disconnected.set()  # response complete: receive() now reports disconnect

    async def run(self, app: ASGIApp, scope: dict[str, Any]) -> None:
        try:
            with anyio.CancelScope() as self.cancel_scope:
                try:
                    await app(scope, self.receive, self.send)
                except Exception as exc:  # surfaced to the reader, like a server error
                    self.app_error = exc
        finally:
            self.to_client.close()
            self.done.set()

    async def next_message(self, timeout: float | None) -> Message | None:
        """The app's next message, or None once the app is done sending."""
        try:
            with anyio.fail_after(timeout):
                return await self.from_app.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            return None
        except TimeoutError:
            raise httpx.ReadTimeout(
                "timed out reading from the app", request=self.request
            ) from None

    async def close(self) -> None:
        """Disconnect the client side and make sure the app task has ended."""
        self.disconnected.set()
        self.from_app.close()
        if self.done.is_set():
            return
        if self.cancel_scope is not None:
            self.cancel_scope.cancel()
        with anyio.CancelScope(shield=True), anyio.move_on_after(_CLOSE_GRACE):
            await self.done.wait()


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, exchange: _Exchange) -> None:
        self.exchange = exchange

    async def __aiter__(self) -> AsyncIterator[bytes]:
        exchange = self.exchange
        while True:
            message = await exchange.next_message(_read_timeout(exchange.request))
            if message is None or message["type"] != "http.response.body":
                await exchange.close()
                raise httpx.RemoteProtocolError(
                    "peer closed connection without sending complete message body",
                    request=exchange.request,
                ) from exchange.app_error
            body = message.get("body", b"")
            if body:
                yield bytes(body)
            if not message.get("more_body", False):
                await exchange.close()
                return

    async def aclose(self) -> None:
        await self.exchange.close()


class StreamingASGITransport(httpx.AsyncBaseTransport):
    """An httpx transport running an ASGI app in-process, streaming its responses.

    Examples:
        >>> transport = StreamingASGITransport(create_app(SimConfig(time_scale=0)))
        >>> client = httpx.AsyncClient(transport=transport, base_url="http://sim.local/api/v1")
    """

    def __init__(self, app: ASGIApp, *, client: tuple[str, int] = ("127.0.0.1", 50000)) -> None:
        self.app = app
        self.client = client
        self._task_group: anyio.abc.TaskGroup | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> StreamingASGITransport:
        self._task_group = anyio.create_task_group()
        await self._task_group.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        group, self._task_group = self._task_group, None
        if group is not None:
            group.cancel_scope.cancel()
            await group.__aexit__(exc_type, exc_value, traceback)
        await self.aclose()

    async def aclose(self) -> None:
        """Cancel any app task still running (responses left open)."""
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks))

    def _spawn(self, exchange: _Exchange, scope: dict[str, Any]) -> None:
        if self._task_group is not None:
            self._task_group.start_soon(exchange.run, self.app, scope)
            return
        task = asyncio.get_running_loop().create_task(exchange.run(self.app, scope))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Start the app on `request`; return as soon as it sends the response start."""
        body = await request.aread()
        exchange = _Exchange(request, body)
        self._spawn(exchange, self._scope(request))
        try:
            start = await exchange.next_message(_read_timeout(request))
        except BaseException:
            await exchange.close()
            raise
        if start is None or start["type"] != "http.response.start":
            await exchange.close()
            if exchange.app_error is not None:
                raise exchange.app_error
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            )
        return httpx.Response(
            start["status"],
            headers=start.get("headers", []),
            stream=_ResponseStream(exchange),
            extensions={"http_version": b"HTTP/1.1"},
        )

    def _scope(self, request: httpx.Request) -> dict[str, Any]:
        url = request.url
        port = url.port or (443 if url.scheme == "https" else 80)
        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": url.scheme,
            "path": url.path,
            "raw_path": url.raw_path.split(b"?")[0],
            "query_string": url.query,
            "root_path": "",
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "client": self.client,
            "server": (url.host, port),
            "state": {},
        }


def _read_timeout(request: httpx.Request) -> float | None:
    timeout: float | None = request.extensions.get("timeout", {}).get("read")
    return timeout
