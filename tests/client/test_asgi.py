"""An in-process ASGI app through `http_transport=httpx.ASGITransport(app)` (how the
emulator can be used without a port)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import httpx

from orkit.client import AsyncOpenRouter

from .support import request, wire

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    stream = json.loads(body)["stream"]
    name = "stream-reasoning-claude-sonnet-4.5.sse" if stream else "chat-ok-openai-gpt-4o.json"
    ctype = b"text/event-stream" if stream else b"application/json"
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", ctype)]}
    )
    data = wire(name)
    for i in range(0, len(data), 512):
        await send({"type": "http.response.body", "body": data[i : i + 512], "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def test_in_process_asgi_app() -> None:
    transport = httpx.ASGITransport(app)
    async with AsyncOpenRouter(base_url="http://sim/api/v1", http_transport=transport) as client:
        streamed = await client.complete(request())
        plain = await client.complete(request(), stream=False)
    assert streamed.content == "2 + 2 = 4"
    assert streamed.usage is not None
    assert streamed.usage.reasoning_tokens == 13
    assert plain.content == "Hello!"
