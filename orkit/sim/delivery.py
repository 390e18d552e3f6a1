"""Paced delivery of a planned completion over raw ASGI, with faults acted out.

Streams: a `: OPENROUTER PROCESSING` comment at once and every keep-alive interval until
the first token, the role chunk at TTFT, content chunks of 3 tokens at the model's pace,
then the finish chunk, the `choices: []` usage chunk and `data: [DONE]`. Non-stream
bodies: whitespace padding while "generating" (when `json_padding`), then the JSON.

Events due at the same moment are written in one ASGI message, so with `time_scale=0` a
whole stream is a single write. While pausing, the connection is watched for
`http.disconnect` (a closed client stops the generation and is not billed).

Faults: a mid-stream error, a dropped connection or a stall happens after about half of
the content; a drop returns without completing the response (the server closes the
socket), a stall holds the connection up to `max_stall_s` real seconds, then drops. A
truncated stream is dropped right after its first chunk (a JSON body: after half of it) and
billed; a stall after headers sends the headers and nothing more; a garbage body is an HTML
page with status 200.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import anyio

from orkit.sim.wire import COMMENT, DONE, PADDING, ChunkWriter, completion_body, dumps

if TYPE_CHECKING:
    from orkit.sim._asgi import Receive, Send
    from orkit.sim.planner import ChatPlan
    from orkit.sim.simulator import Simulator

__all__ = ["ClientGone", "Link", "deliver"]

_TOKENS_PER_CHUNK = 3
_MIN_PAUSE = 0.005  # real seconds: events due within 5 ms of each other share one write


class ClientGone(Exception):
    """The client closed the connection."""


class Link:
    """One response's side of an ASGI connection."""

    def __init__(self, receive: Receive, send: Send, arrived: float | None = None) -> None:
        self._receive = receive
        self._send = send
        # When the request arrived (time.monotonic): emulated latency counts from here, so
        # the emulator's own parsing and planning are not added to it.
        self.arrived = time.monotonic() if arrived is None else arrived

    async def start(self, status: int, headers: list[tuple[bytes, bytes]]) -> None:
        """Send the status line and headers."""
        await self._send({"type": "http.response.start", "status": status, "headers": headers})

    async def body(self, data: bytes, more: bool = True) -> None:
        """Send body bytes (`more=False` completes the response)."""
        await self._send({"type": "http.response.body", "body": data, "more_body": more})

    async def pause(self, seconds: float) -> None:
        """Wait `seconds`, raising `ClientGone` if the client disconnects meanwhile."""
        if seconds <= 0:
            return
        with anyio.move_on_after(seconds):
            while True:
                message = await self._receive()
                if message["type"] == "http.disconnect":
                    raise ClientGone


class _Paced:
    """Buffers events and writes them when the next one is due later."""

    def __init__(self, link: Link) -> None:
        self.link = link
        self.buffer: list[bytes] = []
        # time.monotonic is what anyio's asyncio clock reads, without the backend lookup
        # that `anyio.current_time()` costs on every call of this hot path.
        self.start = link.arrived

    async def emit(self, data: bytes, at: float) -> None:
        if at <= 0:
            self.buffer.append(data)
            return
        delay = self.start + at - time.monotonic()
        if delay >= _MIN_PAUSE:
            await self.flush()
            await self.link.pause(delay)
        self.buffer.append(data)

    async def flush(self, more: bool = True) -> None:
        if self.buffer or not more:
            data = b"".join(self.buffer)
            self.buffer.clear()
            await self.link.body(data, more)


def _headers(plan: ChatPlan, content_type: bytes) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-type", content_type),
        (b"cache-control", b"no-cache"),
        (b"x-generation-id", plan.gen_id.encode()),
    ]


class _Outcome:
    """How the delivery ended; set as soon as it is known (a cancellation may follow)."""

    def __init__(self) -> None:
        self.value = "client_disconnect"


GARBAGE_HTML = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
    b"<h1>502 Bad Gateway</h1><p>The upstream answered something this proxy could not read."
    b"</p></body></html>"
)
"""The body of a `garbage_body` fault: what a proxy in the way sends with a 200."""


async def deliver(sim: Simulator, plan: ChatPlan, link: Link) -> None:
    """Send the planned completion and settle its billing by what was delivered."""
    outcome = _Outcome()
    kind = plan.fault.kind if plan.fault is not None else None
    try:
        if kind == "garbage_body":
            await link.start(200, _headers(plan, b"text/html; charset=utf-8"))
            await link.body(GARBAGE_HTML, more=False)
            outcome.value = "garbage_body"
        elif kind == "stall_after_headers":
            content_type = b"text/event-stream" if plan.request.stream else b"application/json"
            await link.start(200, _headers(plan, content_type))
            outcome.value = "stalled_after_headers"
            await link.pause(sim.config.max_stall_s)
        elif plan.request.stream:
            await _stream(sim, plan, link, outcome)
        else:
            await _json(sim, plan, link, outcome)
    except ClientGone:
        pass
    finally:
        sim.settle(plan, outcome.value)


async def _keepalive(sim: Simulator, paced: _Paced, data: bytes, until: float) -> None:
    every = sim.clock.latency(sim.config.keepalive_comment_every_s)
    if every <= 0:
        return
    at = every
    while at < until:
        await paced.emit(data, at)
        at += every


async def _stream(sim: Simulator, plan: ChatPlan, link: Link, outcome: _Outcome) -> None:
    writer = ChunkWriter(plan, with_cost=sim.config.report_usage_cost)
    kind = plan.fault.kind if plan.fault is not None else None
    await link.start(200, _headers(plan, b"text/event-stream"))
    paced = _Paced(link)
    await paced.emit(COMMENT, 0.0)
    await _keepalive(sim, paced, COMMENT, plan.ttft_s)
    await paced.emit(writer.delta(""), plan.ttft_s)
    if kind == "truncated_stream":
        await _break(sim, paced, kind, outcome)
        return
    pieces = plan.answer.pieces
    chunks = [pieces[i : i + _TOKENS_PER_CHUNK] for i in range(0, len(pieces), _TOKENS_PER_CHUNK)]
    cut = (
        (len(chunks) + 1) // 2 if kind in ("mid_stream_error", "drop_connection", "stall") else None
    )
    sent = 0
    for index, chunk in enumerate(chunks):
        if index == cut:
            break
        sent += len(chunk)
        await paced.emit(writer.delta("".join(chunk)), plan.ttft_s + sent * plan.token_s)
    if kind == "mid_stream_error":
        await paced.emit(
            writer.error(502, "Provider disconnected unexpectedly", "provider_unavailable"),
            plan.ttft_s + sent * plan.token_s,
        )
        outcome.value = "mid_stream_error"
        await paced.flush(more=False)
        return
    if kind in ("drop_connection", "stall"):
        await _break(sim, paced, kind, outcome)
        return
    for event in (writer.finish(), writer.usage(), DONE):
        await paced.emit(event, plan.ttft_s + sent * plan.token_s)
    await paced.flush(more=False)
    outcome.value = "200"


async def _break(sim: Simulator, paced: _Paced, kind: str, outcome: _Outcome) -> None:
    """Act out a drop (return without completing) or a stall (hold, then drop).

    A truncated stream is a drop the emulator bills: the outcome is set before the flush, so
    a client that is gone by then still meets the billing of a generation that ran upstream.
    """
    if kind == "truncated_stream":
        outcome.value = "truncated"
    await paced.flush()
    if kind == "stall":
        outcome.value = "stalled"
        await paced.link.pause(sim.config.max_stall_s)
    elif kind != "truncated_stream":
        outcome.value = "dropped"


async def _json(sim: Simulator, plan: ChatPlan, link: Link, outcome: _Outcome) -> None:
    body = dumps(completion_body(plan, with_cost=sim.config.report_usage_cost)).encode()
    total = plan.ttft_s + plan.completion_tokens * plan.token_s
    kind = plan.fault.kind if plan.fault is not None else None
    broken = kind in ("drop_connection", "stall", "truncated_stream")
    if not sim.config.json_padding and not broken:
        await link.pause(link.arrived + total - time.monotonic())
        headers = [
            *_headers(plan, b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await link.start(200, headers)
        await link.body(body, more=False)
        outcome.value = "200"
        return
    await link.start(200, _headers(plan, b"application/json"))
    paced = _Paced(link)
    until = total / 2 if broken else total
    if sim.config.json_padding:
        await paced.emit(PADDING, 0.0)
        await _keepalive(sim, paced, PADDING, until)
    if broken:
        if kind in ("drop_connection", "truncated_stream"):
            await paced.emit(body[: len(body) // 2], until)
        await _break(sim, paced, kind or "", outcome)
        return
    await paced.emit(body, total)
    await paced.flush(more=False)
    outcome.value = "200"
