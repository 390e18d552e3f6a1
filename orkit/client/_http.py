"""The HTTP backend seam (layer 1): the protocol every backend speaks, the helpers they
share, and `make_backend`, which picks one. Laid out like httpx's transports: this module is
the base, and each backend is a module of its own (`_httpx`, `_aiohttp`) that imports this one
and nothing else of the client.

Everything `AsyncOpenRouter` sends goes through the small `HTTPBackend` protocol below, so
the rest of the client never sees an HTTP library's type, and another backend can be dropped
in. A backend:

- sends bytes it is given (the body is serialized once, by the client),
- returns the status, a case-insensitive header mapping and the body bytes,
- turns its own transport failures into `APIConnectionError` / `APITimeoutError`, with a
  one-line message naming the host and the original exception as `__cause__`; a timeout's
  message says which of `Timeouts` fired and its value (`timeout_message`);
- bounds a streamed request by `Timeouts.first_byte` until its headers are in and by
  `Timeouts.idle` between body bytes after that; a whole answer by `Timeouts.read`.

HTTP error statuses are not errors at this level: mapping them is `_wire`'s job.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Generic, Literal, Protocol, TypeVar
from urllib.parse import urlsplit

from orkit.config import ClientOptions, Timeouts
from orkit.errors import ConfigError

if TYPE_CHECKING:
    import httpx

__all__ = [
    "BACKENDS",
    "BackendStream",
    "HTTPBackend",
    "HTTPResponse",
    "StreamResponse",
    "Waiting",
    "backend_class",
    "host_of",
    "make_backend",
    "reason",
    "redact_key",
    "timeout_message",
]

Waiting = Literal["first_byte", "idle", "read"]
"""Which silence limit a read was under: a stream's headers, a stream's body, a whole answer."""

BACKENDS: Mapping[str, str] = {
    "httpx": "orkit.client._httpx:HttpxBackend",
    "aiohttp": "orkit.client._aiohttp:AiohttpBackend",
}
"""Every backend (`module:class`) by its `ClientOptions.transport` name. A backend's module is
imported when it is first picked, by `backend_class`: the backends import this module, so it
cannot import them, and a process loads only the HTTP library it uses."""


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


LibraryResponse = TypeVar("LibraryResponse")


class BackendStream(Generic[LibraryResponse]):
    """What a backend's streamed response holds besides its HTTP library's response: for its
    error messages, the host, the timeouts and the request's headers (to cut the key out)."""

    __slots__ = ("_headers", "_host", "_resp", "_timeouts")

    def __init__(
        self, resp: LibraryResponse, host: str, timeouts: Timeouts, headers: Mapping[str, str]
    ) -> None:
        self._resp = resp
        self._host = host
        self._timeouts = timeouts
        self._headers = headers


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


def backend_class(kind: str) -> Callable[..., HTTPBackend]:
    """The backend class named `kind` in `BACKENDS`, its module imported now if it was not."""
    try:
        module, _, name = BACKENDS[kind].partition(":")
    except KeyError:
        raise ConfigError(
            f"unknown HTTP transport {kind!r}: use one of auto, {', '.join(BACKENDS)}"
        ) from None
    cls: Callable[..., HTTPBackend] = getattr(importlib.import_module(module), name)
    return cls


def make_backend(options: ClientOptions, transport: httpx.AsyncBaseTransport | None) -> HTTPBackend:
    """The backend `options.transport` asks for. `auto` is aiohttp (the least CPU per request
    at high concurrency; see `benchmarks/bench_throughput.py`), except that an httpx
    transport (e.g. an in-process ASGI app) needs httpx."""
    kind = options.transport
    if kind == "auto":
        kind = "httpx" if transport is not None else "aiohttp"
    if transport is None:
        return backend_class(kind)(options)
    if kind != "httpx":
        raise ConfigError(f"an httpx transport needs transport='httpx', not {kind!r}")
    return backend_class(kind)(options, transport)


# --------------------------------------------------------------------------- errors


def redact_key(exc: BaseException, headers: Mapping[str, str]) -> None:
    """Cut the bearer token of `headers` out of `exc` and its causes, should a proxy or an
    HTTP library ever have quoted it."""
    auth = headers.get("Authorization") or headers.get("authorization")
    if auth and auth.startswith("Bearer ") and len(auth) > len("Bearer ") + 5:
        _redact_exception(exc, auth[len("Bearer ") :])


def timeout_message(host: str, timeouts: Timeouts, which: Waiting | Literal["connect"]) -> str:
    """What timed out, naming the timeout and its value (every backend says it the same way)."""
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


def _redact_exception(exc: BaseException, token: str) -> None:
    seen: BaseException | None = exc
    while seen is not None:
        if any(isinstance(a, str) and token in a for a in seen.args):
            seen.args = tuple(
                a.replace(token, "[REDACTED]") if isinstance(a, str) else a for a in seen.args
            )
        seen = seen.__cause__ or seen.__context__


def reason(exc: BaseException | None) -> str:
    """An exception as one line of at most 200 characters (its type when it says nothing)."""
    if exc is None:
        return "unknown error"
    text = " ".join(str(exc).split())
    return text[:200] if text else type(exc).__name__


def host_of(url: str) -> str:
    parts = urlsplit(url)
    if parts.port is not None:
        return f"{parts.hostname}:{parts.port}"
    return parts.hostname or url
