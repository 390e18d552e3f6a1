"""The httpx implementation of the HTTP backend seam (layer 1): used for in-process ASGI
transports (the emulator in a test, `httpx.MockTransport`) and on request
(`ClientOptions(transport="httpx")`).

httpx has one read timeout per request, applied to every wait for bytes: a stream is sent
under `first_byte` and moved to `idle` once its headers are in (`_wait_idle`).
"""

from __future__ import annotations

import errno
import socket
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx

from orkit.client._http import (
    BackendStream,
    HTTPResponse,
    StreamResponse,
    Waiting,
    host_of,
    reason,
    redact_key,
    timeout_message,
)
from orkit.config import ClientOptions, Timeouts
from orkit.errors import APIConnectionError, APIError, APITimeoutError, InvalidResponseError

__all__ = ["HttpxBackend", "transport_error"]


class _HttpxStream(BackendStream[httpx.Response]):
    __slots__ = ("_body",)

    def __init__(
        self, resp: httpx.Response, host: str, timeouts: Timeouts, headers: Mapping[str, str]
    ) -> None:
        super().__init__(resp, host, timeouts, headers)
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
    redact_key(exc, headers)
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(_timeout_message(exc, host, timeouts, waiting))
    if isinstance(exc, httpx.ConnectError):
        return APIConnectionError(f"cannot connect to {host} ({_connect_reason(exc)})")
    if isinstance(exc, httpx.DecodingError):
        return InvalidResponseError(f"cannot decode the body from {host}: {reason(exc)}")
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        where = "mid-stream" if streaming else "before the response was complete"
        return APIConnectionError(f"connection to {host} dropped {where} ({reason(exc)})")
    return APIConnectionError(f"request to {host} failed ({reason(exc)})")


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
    text = reason(exc)
    return "connection refused" if "refused" in text.lower() else text
