"""The aiohttp implementation of the HTTP backend seam (`_http`, layer 1): the default.

At a few hundred requests in flight, httpx's connection pool rescans every connection on
each request, which costs milliseconds of CPU per request and caps a run far below what the
server allows; aiohttp's pool does not. The client still speaks the same `HTTPBackend`
protocol, so httpx remains available (and is used for in-process ASGI transports).

aiohttp's `sock_read` is the longest silence on the socket, timed from the request being
sent: a stream is sent under `first_byte` and moved to `idle` once its headers are in.
"""

from __future__ import annotations

import asyncio
import urllib.request
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import aiohttp

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

__all__ = ["AiohttpBackend"]


class _AiohttpStream(BackendStream[aiohttp.ClientResponse]):
    __slots__ = ()

    @property
    def status(self) -> int:
        return self._resp.status

    @property
    def headers(self) -> Mapping[str, str]:
        return self._resp.headers

    def ended(self) -> bool:
        return self._resp.content.at_eof()

    async def receive(self) -> bytes:
        try:
            return await self._resp.content.readany()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise aiohttp_error(
                exc, self._host, self._timeouts, self._headers, waiting="idle", streaming=True
            ) from exc

    async def read(self) -> bytes:
        try:
            return await self._resp.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise aiohttp_error(
                exc, self._host, self._timeouts, self._headers, waiting="idle"
            ) from exc


class AiohttpBackend:
    """`HTTPBackend` over one `aiohttp.ClientSession`, created on first use (aiohttp
    sessions belong to the event loop that creates them)."""

    def __init__(self, options: ClientOptions) -> None:
        t = options.timeouts
        self._timeouts = t
        self._timeout = aiohttp.ClientTimeout(
            total=None, connect=t.pool + t.connect, sock_connect=t.connect, sock_read=t.read
        )
        self._stream_timeout = aiohttp.ClientTimeout(
            total=None, connect=t.pool + t.connect, sock_connect=t.connect, sock_read=t.first_byte
        )
        self._limit = options.max_connections
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._limit, limit_per_host=0, ttl_dns_cache=300, enable_cleanup_closed=False
            )
            # Not trust_env: it looks the proxy variables and ~/.netrc up again in a worker
            # thread on every request (two thread hand-offs, a third of the client's CPU at
            # zero latency). `_proxy` honours HTTP(S)_PROXY / NO_PROXY once per host instead.
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self._timeout,
                trust_env=False,
                auto_decompress=True,
                raise_for_status=False,
            )
        return self._session

    def _proxy(self, url: str) -> str | None:
        """The proxy for `url` from HTTP(S)_PROXY / NO_PROXY (as httpx does), looked up once
        per scheme and host."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        if key not in self._proxies:
            proxies = urllib.request.getproxies()
            proxy = proxies.get(parts.scheme)
            if proxy and urllib.request.proxy_bypass(parts.hostname or ""):
                proxy = None
            self._proxies[key] = proxy or None
        return self._proxies[key]

    async def post_json(self, url: str, body: bytes, headers: Mapping[str, str]) -> HTTPResponse:
        return await self._whole("POST", url, headers, data=body)

    @asynccontextmanager
    async def stream_post(
        self, url: str, body: bytes, headers: Mapping[str, str]
    ) -> AsyncIterator[StreamResponse]:
        try:
            resp = await self._client().post(
                url,
                data=body,
                headers=headers,
                allow_redirects=False,
                proxy=self._proxy(url),
                timeout=self._stream_timeout,
            )
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise aiohttp_error(
                exc, host_of(url), self._timeouts, headers, waiting="first_byte"
            ) from exc
        _wait_idle(resp, self._timeouts.idle)
        try:
            yield _AiohttpStream(resp, host_of(url), self._timeouts, headers)
        finally:
            resp.release()

    async def get(
        self, url: str, params: Mapping[str, str] | None, headers: Mapping[str, str]
    ) -> HTTPResponse:
        return await self._whole("GET", url, headers, params=params)

    async def _whole(
        self, method: str, url: str, headers: Mapping[str, str], **options: Any
    ) -> HTTPResponse:
        """One request whose body is read whole."""
        try:
            async with self._client().request(
                method,
                url,
                headers=headers,
                allow_redirects=False,
                proxy=self._proxy(url),
                **options,
            ) as resp:
                content = await resp.read()
                return HTTPResponse(resp.status, resp.headers, content)
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise aiohttp_error(exc, host_of(url), self._timeouts, headers, waiting="read") from exc

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


def _wait_idle(resp: aiohttp.ClientResponse, idle: float) -> None:
    """From now on, allow `idle` of silence between body bytes. The connection's protocol
    times each gap from the last bytes received with its `read_timeout` (aiohttp changes it
    the same way for a websocket); `start_timeout` restarts the running timer under it."""
    connection = resp.connection
    if connection is None or connection.protocol is None or resp.content.is_eof():
        # The whole body is in: nothing is left to wait for, and a timer started now would
        # outlive the answer and break the connection once it is back in the pool.
        return
    protocol = connection.protocol
    protocol.read_timeout = idle
    protocol.start_timeout()


def aiohttp_error(
    exc: BaseException,
    host: str,
    timeouts: Timeouts,
    headers: Mapping[str, str],
    *,
    waiting: Waiting,
    streaming: bool = False,
) -> APIError:
    """One line saying what went wrong with the connection; never the request headers.
    `waiting` is the silence limit the failed read was under (see `_httpx.transport_error`)."""
    redact_key(exc, headers)
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return APITimeoutError(timeout_message(host, timeouts, "connect"))
    if isinstance(exc, asyncio.TimeoutError | aiohttp.ServerTimeoutError):
        return APITimeoutError(timeout_message(host, timeouts, waiting))
    if isinstance(exc, aiohttp.ClientConnectorError):
        why = (
            "connection refused"
            if isinstance(exc.os_error, ConnectionRefusedError)
            else reason(exc.os_error)
        )
        return APIConnectionError(f"cannot connect to {host} ({why})")
    if isinstance(exc, aiohttp.ClientPayloadError) and "compress" in str(exc).lower():
        return InvalidResponseError(f"cannot decode the body from {host}: {reason(exc)}")
    if isinstance(
        exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError | aiohttp.ClientOSError
    ):
        where = "mid-stream" if streaming else "before the response was complete"
        return APIConnectionError(f"connection to {host} dropped {where} ({reason(exc)})")
    return APIConnectionError(f"request to {host} failed ({reason(exc)})")
