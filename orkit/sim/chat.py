"""`POST /api/v1/chat/completions` as a raw ASGI endpoint (the emulator's hot path).

Raw ASGI instead of Starlette request/response objects: the endpoint needs exact control
over when bytes go out (pacing, drops, stalls) and it is the code path benchmarks hammer.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from orkit.sim.delivery import Link, deliver
from orkit.sim.errors import SimError

if TYPE_CHECKING:
    from orkit.sim._asgi import Receive, Scope, Send
    from orkit.sim.simulator import Simulator

__all__ = ["ChatEndpoint", "send_error"]


async def read_body(receive: Receive) -> bytes:
    """The whole request body."""
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(parts)


def header(scope: Scope, name: bytes) -> str | None:
    """A request header by lower-case name (latin-1 decoded), or None."""
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


async def send_error(send: Send, exc: SimError) -> None:
    """Send an error response: JSON body, `code` = status, plus its extra headers."""
    body = exc.encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode(), v.encode()) for k, v in exc.headers.items()),
    ]
    await send({"type": "http.response.start", "status": exc.status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


class ChatEndpoint:
    """ASGI app for chat completions, bound to one `Simulator`."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one request: plan it (or fail it), then deliver it."""
        sim = self.sim
        arrived = time.monotonic()
        sim.stats.begin()
        try:
            raw = await read_body(receive)
            if sim.slots is None:
                await self._serve(scope, raw, receive, send, arrived)
            else:
                async with sim.slots:  # FIFO: queued requests are served in arrival order
                    # its latency counts from its slot: the wait before was the queue's
                    await self._serve(scope, raw, receive, send, time.monotonic())
        finally:
            sim.stats.end()

    async def _serve(
        self, scope: Scope, raw: bytes, receive: Receive, send: Send, arrived: float
    ) -> None:
        """Plan and deliver one request, its emulated latency counted from `arrived`."""
        sim = self.sim
        sim.stats.serve()
        try:
            try:
                key = sim.authenticate(header(scope, b"authorization"))
                plan = sim.plan_chat(key, raw)
            except SimError as exc:
                sim.stats.by_status[str(exc.status)] += 1
                await send_error(send, exc)
                return
            await deliver(sim, plan, Link(receive, send, arrived))
        finally:
            sim.stats.serving -= 1
