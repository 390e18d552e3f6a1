"""The HTTP backend seam, and its httpx implementation (layer 1).

Everything `AsyncOpenRouter` sends goes through the small `HTTPBackend` protocol below, so
the rest of the client never sees an httpx type and another backend (aiohttp, for less CPU
per request at high concurrency) can be dropped in. A backend:

- sends bytes it is given (the body is serialized once, by the client),
- returns the status, a case-insensitive header mapping and the body bytes,
- turns its own transport failures into `APIConnectionError` / `APITimeoutError`, with a
  one-line message naming the host and the original exception as `__cause__`; a timeout's
  message says which of `Timeouts` fired and its value;
- bounds a streamed request by `Timeouts.first_byte` until its headers are in and by
  `Timeouts.idle` between body bytes after that; a whole answer by `Timeouts.read`.

HTTP error statuses are not errors at this level: mapping them is `_wire`'s job.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Literal, Protocol
from urllib.parse import urlsplit

import httpx

from orkit.config import ClientOptions, Timeouts
from orkit.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    ConfigError,
    InvalidResponseError,
)

__all__ = ["HTTPBackend", "HTTPResponse", "HttpxBackend", "StreamResponse", "Waiting"]

Waiting = Literal["first_byte", "idle", "read"]
"""Which silence limit a read was under: a stream's headers, a stream's body, a whole answer."""


class HTTPResponse:
    """A fully read answer: status, headers (case-insensitive mapping) and body bytes."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


class StreamResponse(Protocol):
    """An answer whose body is read chunk by chunk (SSE)."""

    @property
    def status(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]:
        """Case-insensitive: `headers.get("x-generation-id")` must work."""
        ...

    async def receive(self) -> bytes:
        """The next chunk of the body as it arrives; `b""` once the body has ended."""
        ...

    def ended(self) -> bool:
        """True if the whole body is known to have been received (False when unsure)."""
        ...

    async def read(self) -> bytes:
        """The rest of the body at once (for error statuses and JSON answers)."""
        ...


class HTTPBackend(Protocol):
    """The only HTTP the client does."""

    async def post_json(
        self, url: str, body: bytes, headers: Mapping[str, str]
    ) -> HTTPResponse: ...

    def stream_post(
        self, url: str, body: bytes, headers: Mapping[str, str]
    ) -> AbstractAsyncContextManager[StreamResponse]:
        """POST and yield the answer once its headers are in; leaving closes it."""
        ...

    async def get(
        self, url: str, params: Mapping[str, str] | None, headers: Mapping[str, str]
    ) -> HTTPResponse: ...

    async def aclose(self) -> None: ...


# --------------------------------------------------------------------------- httpx


class _HttpxStream:
    __slots__ = ("_body", "_headers", "_host", "_resp", "_timeouts")

    def __init__(
        self, resp: httpx.Response, host: str, timeouts: Timeouts, headers: Mapping[str, str]
    ) -> None:
        self._resp = resp
        self._host = host
        self._timeouts = timeouts
        self._headers = headers  # only to cut the key out of error messages
        self._body: AsyncIterator[bytes] = resp.aiter_bytes()

    @property
    def status(self) -> int:
        return self._resp.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        return self._resp.headers

    def ended(self) -> bool:
        return False  # httpx does not say before the next read

    async def receive(self) -> bytes:
        try:
            return await self._body.__anext__()
        except StopAsyncIteration:
            return b""
        except httpx.HTTPError as exc:
            raise transport_error(
                exc, self._host, self._timeouts, self._headers, waiting="idle", streaming=True
            ) from exc

    async def read(self) -> bytes:
        try:
            return await self._resp.aread()
        except httpx.HTTPError as exc:
            raise transport_error(
                exc, self._host, self._timeouts, self._headers, waiting="idle"
            ) from exc

    async def aclose(self) -> None:
        aclose = getattr(self._body, "aclose", None)
        try:
            if aclose is not None:
                await aclose()
            await self._resp.aclose()
        except httpx.HTTPError:
            pass  # closing a broken connection: the caller already has its answer or error


class HttpxBackend:
    """`HTTPBackend` over one `httpx.AsyncClient` (one connection pool per client)."""

    def __init__(
        self, options: ClientOptions, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        t = options.timeouts
        self._timeouts = t
        n = options.max_connections
        # httpx has one read timeout per request, applied to every wait for bytes (headers
        # and body). A stream starts under `first_byte`; `_wait_idle` moves it to `idle`.
        self._stream_timeout = httpx.Timeout(
            connect=t.connect, read=t.first_byte, write=t.write, pool=t.pool
        )
        self._client = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(connect=t.connect, read=t.read, write=t.write, pool=t.pool),
            limits=httpx.Limits(max_connections=n, max_keepalive_connections=n),
            # orkit decides about redirects, retries and errors itself.
            follow_redirects=False,
        )

    async def post_json(self, url: str, body: bytes, headers: Mapping[str, str]) -> HTTPResponse:
        try:
            resp = await self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise transport_error(
                exc, host_of(url), self._timeouts, headers, waiting="read"
            ) from exc
        return HTTPResponse(resp.status_code, resp.headers, resp.content)

    @asynccontextmanager
    async def stream_post(
        self, url: str, body: bytes, headers: Mapping[str, str]
    ) -> AsyncIterator[StreamResponse]:
        request = self._client.build_request(
            "POST", url, content=body, headers=headers, timeout=self._stream_timeout
        )
        try:
            resp = await self._client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise transport_error(
                exc, host_of(url), self._timeouts, headers, waiting="first_byte"
            ) from exc
        _wait_idle(request, self._timeouts.idle)
        stream = _HttpxStream(resp, host_of(url), self._timeouts, headers)
        try:
            yield stream
        finally:
            await stream.aclose()

    async def get(
        self, url: str, params: Mapping[str, str] | None, headers: Mapping[str, str]
    ) -> HTTPResponse:
        try:
            resp = await self._client.get(url, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise transport_error(
                exc, host_of(url), self._timeouts, headers, waiting="read"
            ) from exc
        return HTTPResponse(resp.status_code, resp.headers, resp.content)

    async def aclose(self) -> None:
        await self._client.aclose()


def _wait_idle(request: httpx.Request, idle: float) -> None:
    """From now on, wait at most `idle` for each piece of the body. httpcore (and the
    emulator's transport) look the read timeout up in the request's extensions at every
    read, and the transport shares that mapping with the request, so replacing the entry is
    seen by the reads still to come."""
    timeout = dict(request.extensions.get("timeout") or {})
    timeout["read"] = idle
    request.extensions["timeout"] = timeout


def make_backend(options: ClientOptions, transport: httpx.AsyncBaseTransport | None) -> HTTPBackend:
    """The backend `options.transport` asks for. `auto` is aiohttp (the least CPU per request
    at high concurrency; see `benchmarks/bench_throughput.py`), except that an httpx
    transport (e.g. an in-process ASGI app) needs httpx."""
    kind = options.transport
    if kind == "auto":
        kind = "httpx" if transport is not None else "aiohttp"
    if kind == "aiohttp":
        if transport is not None:
            raise ConfigError("an httpx transport needs transport='httpx', not 'aiohttp'")
        from orkit.client._aiohttp import AiohttpBackend

        return AiohttpBackend(options)
    return HttpxBackend(options, transport)


# --------------------------------------------------------------------------- errors


def transport_error(
    exc: httpx.HTTPError,
    host: str,
    timeouts: Timeouts,
    headers: Mapping[str, str],
    *,
    waiting: Waiting,
    streaming: bool = False,
) -> APIError:
    """One line saying what went wrong with the connection, never the request headers.

    `waiting` is the silence limit the failed read was under; `streaming` says the body of a
    stream had begun. The bearer token is cut out of the message and of the original
    exception (kept as `__cause__`), should a proxy or transport ever have quoted it.
    """
    auth = headers.get("Authorization") or headers.get("authorization")
    if auth and auth.startswith("Bearer ") and len(auth) > len("Bearer ") + 5:
        redact_exception(exc, auth[len("Bearer ") :])
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(_timeout_message(exc, host, timeouts, waiting))
    if isinstance(exc, httpx.ConnectError):
        return APIConnectionError(f"cannot connect to {host} ({_connect_reason(exc)})")
    if isinstance(exc, httpx.DecodingError):
        return InvalidResponseError(f"cannot decode the body from {host}: {_reason(exc)}")
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        where = "mid-stream" if streaming else "before the response was complete"
        return APIConnectionError(f"connection to {host} dropped {where} ({_reason(exc)})")
    return APIConnectionError(f"request to {host} failed ({_reason(exc)})")


def timeout_message(host: str, timeouts: Timeouts, which: Waiting | Literal["connect"]) -> str:
    """What timed out, naming the timeout and its value (both backends say it the same way)."""
    if which == "connect":
        return f"timed out connecting to {host} after {timeouts.connect:g}s (connect timeout)"
    if which == "first_byte":
        return (
            f"no response from {host} within {timeouts.first_byte:g}s of sending the request "
            "(first-byte timeout)"
        )
    if which == "idle":
        return f"stream from {host} stalled: no data for {timeouts.idle:g}s (idle timeout)"
    return f"no answer from {host} within {timeouts.read:g}s (read timeout)"


def redact_exception(exc: BaseException, token: str) -> None:
    seen: BaseException | None = exc
    while seen is not None:
        if any(isinstance(a, str) and token in a for a in seen.args):
            seen.args = tuple(
                a.replace(token, "[REDACTED]") if isinstance(a, str) else a for a in seen.args
            )
        seen = seen.__cause__ or seen.__context__


def _timeout_message(
    exc: httpx.TimeoutException, host: str, timeouts: Timeouts, waiting: Waiting
) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return timeout_message(host, timeouts, "connect")
    if isinstance(exc, httpx.PoolTimeout):
        return f"timed out waiting for a free connection to {host} (pool is full)"
    if isinstance(exc, httpx.WriteTimeout):
        return f"timed out sending the request to {host}"
    return timeout_message(host, timeouts, waiting)


def _connect_reason(exc: BaseException) -> str:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError) or getattr(seen, "errno", None) == (
            errno.ECONNREFUSED
        ):
            return "connection refused"
        if isinstance(seen, socket.gaierror):
            return "name not resolved"
        seen = seen.__cause__ or seen.__context__
    text = _reason(exc)
    return "connection refused" if "refused" in text.lower() else text


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] if text else type(exc).__name__


def host_of(url: str) -> str:
    parts = urlsplit(url)
    if parts.port is not None:
        return f"{parts.hostname}:{parts.port}"
    return parts.hostname or url
