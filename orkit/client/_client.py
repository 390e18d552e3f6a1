"""`AsyncOpenRouter`: the async HTTP client for OpenRouter and OpenAI-compatible servers
(layer 1).

One instance owns one connection pool. It sends exactly one HTTP request per call: retries,
fallbacks and rate limits are the router's job. Failures raise the classes of
`orkit.errors` (mapped in `_wire.error_from_response`, transport errors in the backends:
`_httpx`, `_aiohttp`).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from time import perf_counter
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from orkit._settings import load_settings
from orkit.client._embed import EmbeddingFormat, Embeddings, embedding_body, embeddings_from
from orkit.client._http import HTTPBackend, HTTPResponse, StreamResponse, make_backend
from orkit.client._paging import next_page, query_params
from orkit.client._stream import ChatStream
from orkit.client._wire import (
    chat_response,
    error_from_response,
    find_error,
    invalid_response,
    load_json,
    not_an_event_stream,
)
from orkit.config import ClientOptions
from orkit.errors import (
    APIError,
    ConfigError,
    InvalidResponseError,
    MissingAPIKeyError,
    NotFoundError,
)
from orkit.types import ChatRequest, ChatResponse, Secret

__all__ = ["AsyncOpenRouter"]

_MAX_MODEL_PAGES = 100  # a loop guard for `/models` paging, far above any real catalog


class AsyncOpenRouter:
    """Async client for the OpenRouter API (and any OpenAI-compatible server).

    Examples:
        ```python
        async with AsyncOpenRouter() as client:       # key from OPENROUTER_API_KEY
            request = ChatRequest(model="openai/gpt-4o-mini",
                                  messages=[{"role": "user", "content": "Hi"}])
            response = await client.complete(request)  # streamed: measures TTFT
            print(response.content, response.usage, response.ttft_s)
        ```

    The key is taken from `api_key`, else `options.api_key`, else `OPENROUTER_API_KEY`.
    OpenRouter itself needs one; other servers (llama.cpp, vLLM, Ollama, `orkit sim`) do
    not, and get no `Authorization` header without one. The key goes into that header and
    nowhere else: not into `repr()`, errors or anything stored.
    """

    def __init__(
        self,
        options: ClientOptions | None = None,
        *,
        api_key: str | Secret | None = None,
        base_url: str | None = None,
        http_transport: httpx.AsyncBaseTransport | None = None,
        http_backend: HTTPBackend | None = None,
    ) -> None:
        """Build a client; nothing is sent until the first call.

        Args:
            options: timeouts, pool size, app attribution, base URL.
            api_key: overrides `options.api_key` and the environment.
            base_url: overrides `options.base_url`.
            http_transport: an httpx transport to send through (e.g. `httpx.ASGITransport`
                for an in-process server, `httpx.MockTransport` in tests).
            http_backend: a complete replacement for the HTTP layer (see `HTTPBackend`).

        Raises:
            MissingAPIKeyError: OpenRouter's base URL and no key anywhere.
        """
        options = options or ClientOptions()
        base = (base_url or options.base_url).rstrip("/")
        if not base.startswith(("http://", "https://")):
            raise ConfigError(f"base_url must start with http:// or https://, got {base!r}")
        self._base_url = base
        self._key = _resolve_key(api_key, options, base)
        self._options = options
        self._static_headers = _static_headers(options)
        self._chat_url = f"{base}/chat/completions"
        self._http: HTTPBackend = http_backend or make_backend(options, http_transport)
        self._closed = False
        # OpenRouter's account endpoints this server answered 404 (it has none: llama.cpp,
        # vLLM, Ollama): not asked again by this client, which lives for one run.
        self._absent: set[str] = set()

    def __repr__(self) -> str:
        key = self._key.masked() if self._key is not None else None
        return f"AsyncOpenRouter(base_url={self._base_url!r}, api_key={key!r})"

    @property
    def base_url(self) -> str:
        """The API root every path is appended to, e.g. `https://openrouter.ai/api/v1`."""
        return self._base_url

    async def __aenter__(self) -> AsyncOpenRouter:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool. Safe to call twice."""
        if not self._closed:
            self._closed = True
            await self._http.aclose()

    # ----------------------------------------------------------------------- chat

    async def complete(self, request: ChatRequest, *, stream: bool = True) -> ChatResponse:
        """One completion (the `Completer` protocol).

        Streams by default, which is how time to first token (`ttft_s`) is measured;
        `stream=False` sends a plain request (`ttft_s` is None).
        """
        if not stream:
            return await self.chat(request)
        async with self.stream_chat(request) as chunks:
            return await chunks.consume()

    async def chat(self, request: ChatRequest) -> ChatResponse:
        """One non-streamed completion."""
        body = _dumps(request.to_body(stream=False))
        t0 = perf_counter()
        try:
            resp = await self._http.post_json(self._chat_url, body, self._headers())
        except APIError as exc:
            exc.model = exc.model or request.model
            raise
        latency_s = perf_counter() - t0
        return self._chat_body(resp, request.model, latency_s)

    @asynccontextmanager
    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[ChatStream]:
        """A streamed completion, chunk by chunk.

        Examples:
            ```python
            async with client.stream_chat(request) as chunks:
                async for chunk in chunks:
                    print(chunk.content or "", end="")
            print(chunks.final_response().usage)
            ```

        Error statuses raise on entering; an error event in the stream raises from the
        iteration with `is_mid_stream=True`. Leaving early closes the connection, which
        stops generation (and billing) at providers that support cancellation.
        """
        params = request.params
        body_obj = request.to_body(stream=True)
        if "stream_options" not in params:
            # Usage on streams: a no-op on OpenRouter (always sent), needed by vLLM/llama.cpp.
            body_obj["stream_options"] = {"include_usage": True}
        body = _dumps(body_obj)
        model = request.model
        t0 = perf_counter()
        try:
            async with self._http.stream_post(self._chat_url, body, self._headers()) as raw:
                yield await self._open_stream(raw, model, t0)
        except APIError as exc:
            exc.model = exc.model or model
            raise

    async def _open_stream(self, raw: StreamResponse, model: str, t0: float) -> ChatStream:
        status = raw.status
        if status >= 300:
            raise error_from_response(
                status, raw.headers, await raw.read(), model=model, secret=self._key
            )
        content_type = raw.headers.get("content-type", "")
        if "json" in content_type:
            # Asked to stream, answered with one JSON body (an error, or a server that
            # does not stream): read it as a non-streamed answer.
            resp = HTTPResponse(status, raw.headers, await raw.read())
            final = self._chat_body(resp, model, perf_counter() - t0)
            return ChatStream(None, model=model, secret=self._key, t0=t0, final=final)
        if content_type and "event-stream" not in content_type:
            # An HTML page or plain text: an answer, not a dropped connection. (No content
            # type at all is read as SSE: minimal servers send none.)
            body = await raw.read()
            raise not_an_event_stream(status, content_type, body, self._key, model=model)
        return ChatStream(raw, model=model, secret=self._key, t0=t0)

    def _chat_body(self, resp: HTTPResponse, model: str, latency_s: float | None) -> ChatResponse:
        obj = self._json(resp, model)
        return chat_response(obj, resp.headers, latency_s=latency_s)

    # ----------------------------------------------------------------------- embeddings

    async def embed(
        self,
        model: str,
        input: str | Sequence[str],
        *,
        dimensions: int | None = None,
        encoding_format: EmbeddingFormat = "float",
        extra: Mapping[str, Any] | None = None,
    ) -> Embeddings:
        """`POST /embeddings`: one vector per input, in input order, with usage and cost.

        `dimensions` shortens the vectors (models that support it); `base64` asks for the
        compact encoding and is decoded here. `extra` adds body fields (`provider`, `user`).
        Errors are the chat ones (`NotFoundError` for a model without embeddings).
        """
        body = embedding_body(
            model, input, dimensions=dimensions, encoding_format=encoding_format, extra=extra
        )
        count = 1 if isinstance(input, str) else len(body["input"])
        t0 = perf_counter()
        try:
            resp = await self._http.post_json(
                self._base_url + "/embeddings", _dumps(body), self._headers()
            )
        except APIError as exc:
            exc.model = exc.model or model
            raise
        latency_s = perf_counter() - t0
        result = embeddings_from(self._json(resp, model), model, count)
        return replace(result, latency_s=latency_s)

    # ----------------------------------------------------------------------- GET endpoints

    async def list_models(self, **query: object) -> list[dict[str, Any]]:
        """`GET /models` → the raw model dicts.

        Keyword arguments are query parameters (`output_modalities="all"`,
        `supported_parameters=["tools", "structured_outputs"]`, `offset=0, limit=100`; lists
        are sent comma-separated). Paging (`links.next`, or `total_count` when `offset` /
        `limit` are given) is followed to the end.
        """
        params = query_params(query)
        paged = "offset" in params or "limit" in params
        url = f"{self._base_url}/models"
        models: list[dict[str, Any]] = []
        for _ in range(_MAX_MODEL_PAGES):
            body = await self._get(url, params)
            page = body.get("data")
            if not isinstance(page, list):
                raise InvalidResponseError("GET /models: the answer has no `data` list")
            models.extend(m for m in page if isinstance(m, dict))
            next_params = next_page(body, params, len(page), len(models), paged)
            if next_params is None:
                break
            params = next_params
        return models

    async def list_endpoints(self, model_id: str) -> dict[str, Any]:
        """`GET /models/{author}/{slug}/endpoints` → `data` (the model and its endpoints)."""
        author, sep, slug = model_id.partition("/")
        if not sep or not author or not slug:
            raise ConfigError(f"model id must look like 'author/slug', got {model_id!r}")
        path = f"/models/{quote(author, safe='')}/{quote(slug, safe=':')}/endpoints"
        return _data(await self._get(self._base_url + path, None))

    async def get_generation(self, generation_id: str) -> dict[str, Any]:
        """`GET /generation?id=` → `data` (cost, native tokens, latency of a generation).

        Raises `NotFoundError` while OpenRouter has not written the stats yet (common right
        after a completion); waiting and asking again is the caller's choice. On a server
        without OpenRouter's `/key` a 404 means there is no `/generation` at all: it raises
        at once, without a request, from then on (see `lacks`).
        """
        params = {"id": generation_id}
        return _data(await self._optional_get("/generation", params, final_404=self.lacks("/key")))

    async def get_key(self) -> dict[str, Any]:
        """`GET /key` → `data` (limits, usage, free-tier counters); `/auth/key` if 404.
        When both answered 404 once, later calls raise `NotFoundError` without a request."""
        if self.lacks("/key"):
            raise _absent_error("/key")
        try:
            return _data(await self._optional_get("/key", None, final_404=False))
        except NotFoundError:
            return _data(await self._optional_get("/auth/key", None, final_404=True, of="/key"))

    async def get_credits(self) -> dict[str, Any]:
        """`GET /credits` → `data` (`total_credits`, `total_usage`; needs a management key).
        After one 404, raises `NotFoundError` without a request."""
        return _data(await self._optional_get("/credits", None, final_404=True))

    def lacks(self, path: str) -> bool:
        """Whether this server said it has no `path` (`/key`, `/credits`, `/generation`).

        A server without OpenRouter's `/key` has none of its account API, so it lacks
        `/generation` too. (On OpenRouter a `/generation` 404 only means "not written yet".)
        """
        return path in self._absent or (path == "/generation" and "/key" in self._absent)

    async def _optional_get(
        self, path: str, params: Mapping[str, str] | None, *, final_404: bool, of: str = ""
    ) -> dict[str, Any]:
        """GET one of OpenRouter's account endpoints; with `final_404`, a 404 is remembered
        (under `of`, else `path`) and answered from memory from then on."""
        name = of or path
        if self.lacks(name):
            raise _absent_error(name)
        try:
            return await self._get(self._base_url + path, params)
        except NotFoundError:
            if final_404:
                self._absent.add(name)
            raise

    # ----------------------------------------------------------------------- plumbing

    def _headers(self) -> dict[str, str]:
        if self._key is None:
            return self._static_headers
        # Built per request so the plain key lives only in the request being sent.
        return {**self._static_headers, "Authorization": "Bearer " + self._key.reveal()}

    async def _get(self, url: str, params: Mapping[str, str] | None) -> dict[str, Any]:
        resp = await self._http.get(url, params, self._headers())
        return self._json(resp, None)

    def _json(self, resp: HTTPResponse, model: str | None) -> dict[str, Any]:
        """The JSON object of a response, or the error it stands for."""
        status = resp.status
        if status >= 300:
            raise error_from_response(
                status, resp.headers, resp.body, model=model, secret=self._key
            )
        try:
            obj = load_json(resp.body)
        except ValueError:
            raise invalid_response(status, resp.body, self._key, model=model) from None
        if not isinstance(obj, dict):
            raise invalid_response(status, resp.body, self._key, model=model, what="JSON object")
        if find_error(obj) is not None:
            raise error_from_response(status, resp.headers, obj, model=model, secret=self._key)
        return obj


def _absent_error(path: str) -> NotFoundError:
    return NotFoundError(
        f"GET {path}: this server has no such endpoint (it answered 404)", status_code=404
    )


def _resolve_key(api_key: str | Secret | None, options: ClientOptions, base: str) -> Secret | None:
    key = api_key if api_key is not None else options.api_key
    if key is None:
        key = load_settings().api_key
    if isinstance(key, str):
        key = Secret(key.strip())
    if key is not None and not key:
        key = None
    host = urlsplit(base).hostname or ""
    if key is None and (host == "openrouter.ai" or host.endswith(".openrouter.ai")):
        raise MissingAPIKeyError(
            "no OpenRouter API key: run `export OPENROUTER_API_KEY=sk-or-...` "
            "or pass api_key='sk-or-...'"
        )
    return key


def _static_headers(options: ClientOptions) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    if options.app_title:
        headers["X-OpenRouter-Title"] = options.app_title
    if options.referer:
        headers["HTTP-Referer"] = options.referer
    return headers


def _dumps(body: Mapping[str, Any]) -> bytes:
    try:
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"request body is not JSON-serializable: {exc}") from exc


def _data(body: dict[str, Any]) -> dict[str, Any]:
    data = body.get("data", body)
    return data if isinstance(data, dict) else body
