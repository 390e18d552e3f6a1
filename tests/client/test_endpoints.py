"""The GET endpoints: /models paging, endpoints, generation, key, credits; and the HTTP seam."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from orkit import errors
from orkit.client import AsyncOpenRouter, HTTPResponse, StreamResponse

from .support import request, wire

MakeClient = Callable[..., AsyncOpenRouter]

MODELS = [{"id": f"a/m{i}", "name": f"M{i}"} for i in range(7)]


def models_server(
    *, with_links: bool, with_total: bool, seen: list[httpx.URL]
) -> Callable[[httpx.Request], httpx.Response]:
    """A /models that pages by offset/limit like OpenRouter (links.next is path-absolute)."""

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req.url)
        params = req.url.params
        if "offset" not in params and "limit" not in params:
            return httpx.Response(200, json={"data": MODELS})
        offset, limit = int(params.get("offset", 0)), int(params.get("limit", 500))
        page = MODELS[offset : offset + limit]
        body: dict[str, Any] = {"data": page}
        if with_total:
            body["total_count"] = len(MODELS)
        if with_links:
            more = offset + limit < len(MODELS)
            nxt = f"/api/v1/models?offset={offset + limit}&limit={limit}" if more else None
            body["links"] = {"next": nxt}
        return httpx.Response(200, json=body)

    return handler


async def test_list_models_without_paging_is_one_request(make_client: MakeClient) -> None:
    seen: list[httpx.URL] = []
    async with make_client(models_server(with_links=True, with_total=True, seen=seen)) as c:
        assert await c.list_models() == MODELS
    assert len(seen) == 1


@pytest.mark.parametrize(("with_links", "with_total"), [(True, True), (True, False), (False, True)])
async def test_list_models_follows_paging(
    with_links: bool, with_total: bool, make_client: MakeClient
) -> None:
    seen: list[httpx.URL] = []
    handler = models_server(with_links=with_links, with_total=with_total, seen=seen)
    async with make_client(handler) as client:
        got = await client.list_models(limit=3, output_modalities="all")
    assert got == MODELS
    assert [u.params.get("offset") for u in seen] == [None, "3", "6"]
    assert all(u.params["output_modalities"] == "all" for u in seen)  # filters kept
    assert all(u.path == "/api/v1/models" for u in seen)


async def test_list_models_query_values_are_encoded(make_client: MakeClient) -> None:
    seen: list[httpx.URL] = []
    async with make_client(models_server(with_links=False, with_total=False, seen=seen)) as c:
        await c.list_models(supported_parameters=["tools", "structured_outputs"], zdr=True, q=None)
    assert seen[0].params["supported_parameters"] == "tools,structured_outputs"
    assert seen[0].params["zdr"] == "true"
    assert "q" not in seen[0].params


async def test_list_models_stops_on_a_link_that_does_not_move(make_client: MakeClient) -> None:
    calls = 0

    def handler(req: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        link = "/api/v1/models?offset=0&limit=2"
        return httpx.Response(200, json={"data": MODELS[:2], "links": {"next": link}})

    async with make_client(handler) as client:
        assert len(await client.list_models(offset=0, limit=2)) == 2
    assert calls == 1


async def test_list_models_from_the_bundled_snapshot_shape(make_client: MakeClient) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": MODELS, "total_count": 7, "links": {"next": None}})

    async with make_client(handler) as client:
        assert await client.list_models() == MODELS


async def test_list_endpoints(make_client: MakeClient) -> None:
    seen: list[httpx.URL] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req.url)
        return httpx.Response(200, json={"data": {"id": "openai/gpt-4", "endpoints": [{}]}})

    async with make_client(handler) as client:
        data = await client.list_endpoints("openai/gpt-4o:free")
        with pytest.raises(errors.ConfigError):
            await client.list_endpoints("gpt-4o")
    assert data == {"id": "openai/gpt-4", "endpoints": [{}]}
    assert seen[0].path == "/api/v1/models/openai/gpt-4o:free/endpoints"


async def test_list_endpoints_404(make_client: MakeClient) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"error": {"code": 404, "message": "Model not found"}})

    async with make_client(handler) as client:
        with pytest.raises(errors.NotFoundError, match=r"^404 Model not found$"):
            await client.list_endpoints("a/b")


async def test_get_generation_404_is_not_found_without_retry(make_client: MakeClient) -> None:
    calls = 0

    def handler(req: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        body = {"error": {"code": 404, "message": "Generation gen-x not found"}}
        return httpx.Response(404, json=body)

    async with make_client(handler) as client:
        with pytest.raises(errors.NotFoundError) as info:
            await client.get_generation("gen-x")
    assert calls == 1
    assert info.value.model is None


async def test_get_key_prefers_key(make_client: MakeClient) -> None:
    paths: list[str] = []

    def handler(req: httpx.Request) -> httpx.Response:
        paths.append(req.url.path)
        return httpx.Response(200, json={"data": {"label": "x", "free_model_daily_requests": {}}})

    async with make_client(handler) as client:
        assert (await client.get_key())["label"] == "x"
    assert paths == ["/api/v1/key"]


async def test_get_key_401_is_not_a_fallback(make_client: MakeClient) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(401, content=wire("error-401-no-auth-credentials.json"))

    async with make_client(handler) as client:
        with pytest.raises(errors.AuthenticationError, match=r"^401 No auth credentials found$"):
            await client.get_key()


async def test_account_endpoints_that_answer_404_are_not_asked_again(
    make_client: MakeClient,
) -> None:
    # A local server (llama.cpp, vLLM, Ollama) has none of OpenRouter's account API.
    paths: list[str] = []

    def handler(req: httpx.Request) -> httpx.Response:
        paths.append(req.url.path)
        return httpx.Response(404, json={"error": {"code": 404, "message": "File Not Found"}})

    async with make_client(handler) as client:
        assert not client.lacks("/generation")
        for _ in range(3):
            with pytest.raises(errors.NotFoundError):
                await client.get_key()
            with pytest.raises(errors.NotFoundError):
                await client.get_credits()
            with pytest.raises(errors.NotFoundError):
                await client.get_generation("gen-1")
        assert client.lacks("/key") and client.lacks("/credits") and client.lacks("/generation")
    # /generation is never asked: a server without /key has no /generation either
    assert paths == ["/api/v1/key", "/api/v1/auth/key", "/api/v1/credits"]


async def test_generation_404_on_a_server_with_a_key_endpoint_is_asked_again(
    make_client: MakeClient,
) -> None:
    # OpenRouter: /generation answers 404 until the stats are written; never remembered.
    paths: list[str] = []

    def handler(req: httpx.Request) -> httpx.Response:
        paths.append(req.url.path)
        if req.url.path.endswith("/key"):
            return httpx.Response(200, json={"data": {"label": "x"}})
        return httpx.Response(404, json={"error": {"code": 404, "message": "Generation not found"}})

    async with make_client(handler) as client:
        await client.get_key()
        for _ in range(2):
            with pytest.raises(errors.NotFoundError):
                await client.get_generation("gen-1")
        assert not client.lacks("/generation")
    assert paths == ["/api/v1/key", "/api/v1/generation", "/api/v1/generation"]


async def test_get_credits_and_get_error_body(make_client: MakeClient) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(
            403, json={"error": {"code": 403, "message": "Only management keys can fetch credits"}}
        )

    async with make_client(handler) as client:
        with pytest.raises(errors.PermissionDeniedError):
            await client.get_credits()


async def test_get_with_non_json_body(make_client: MakeClient) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>maintenance</html>")

    async with make_client(handler) as client:
        with pytest.raises(errors.InvalidResponseError, match="maintenance"):
            await client.get_credits()
        with pytest.raises(errors.InvalidResponseError):
            await client.list_models()


# --------------------------------------------------------------------------- the HTTP seam


class _FakeStream:
    def __init__(self, body: bytes) -> None:
        self.status = 200
        self.headers: Mapping[str, str] = {"content-type": "text/event-stream"}
        self._parts = [body[i : i + 5] for i in range(0, len(body), 5)]

    async def receive(self) -> bytes:
        return self._parts.pop(0) if self._parts else b""

    def ended(self) -> bool:
        return not self._parts

    async def read(self) -> bytes:
        rest, self._parts = b"".join(self._parts), []
        return rest


class FakeBackend:
    """An HTTPBackend with no httpx in it: the client must not need anything else."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Mapping[str, str]]] = []
        self.closed = False

    async def post_json(self, url: str, body: bytes, headers: Mapping[str, str]) -> HTTPResponse:
        self.calls.append(("post", url, headers))
        assert json.loads(body)["stream"] is False
        return HTTPResponse(200, {}, wire("chat-ok-openai-gpt-4o.json"))

    @asynccontextmanager
    async def stream_post(
        self, url: str, body: bytes, headers: Mapping[str, str]
    ) -> AsyncIterator[StreamResponse]:
        self.calls.append(("stream", url, headers))
        yield _FakeStream(wire("stream-tool-calls-openai.sse"))

    async def get(
        self, url: str, params: Mapping[str, str] | None, headers: Mapping[str, str]
    ) -> HTTPResponse:
        self.calls.append(("get", url, headers))
        return HTTPResponse(200, {}, wire("generation-2024.json"))

    async def aclose(self) -> None:
        self.closed = True


async def test_a_non_httpx_backend_plugs_into_the_seam() -> None:
    backend = FakeBackend()
    async with AsyncOpenRouter(api_key="sk-or-v1-test-key", http_backend=backend) as client:
        plain = await client.complete(request(), stream=False)
        streamed = await client.complete(request())
        generation = await client.get_generation("gen-1")
    assert plain.content == "Hello!"
    assert streamed.tool_calls is not None
    assert streamed.tool_calls[0]["function"]["name"] == "get_date"
    assert generation["model"] == "anthropic/claude-3-haiku"
    assert backend.closed
    assert [c[0] for c in backend.calls] == ["post", "stream", "get"]
    assert all(c[2]["Authorization"] == "Bearer sk-or-v1-test-key" for c in backend.calls)
