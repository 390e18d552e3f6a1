"""A small OpenAI-compatible server that uses tools, on 127.0.0.1, until the emulator does
(issue 17's emulator part): offered `get_weather`, it calls it with the city named in the
user's message; given the tool's result (a `tool` message), it answers with text quoting
it. It bills every answer a fixed cost and keeps a ledger, so a test can compare a run's
spend with what was billed. Streams send the call's arguments in pieces, as OpenAI does.

`calls_per_turn` sets how many calls an answer makes before it answers in text (a model
that keeps calling tools, for the `max_turns` cap); `broken_arguments` sends arguments that
are not JSON; `unpriced_tool_turns` leaves the cost out of answers that call a tool (billed,
but not said); `refuse_turn` answers that turn with `refuse_status` (401: a run-level
stop mid-loop)."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from orkit.sim import serve_in_thread

MODEL = "acme/tool-user"
COST_USD = 0.001

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}


@dataclass
class ToolServer:
    url: str = ""
    tool_turns: int = 1
    """Answers that call a tool before one answers in text."""
    broken_arguments: bool = False
    unpriced_tool_turns: bool = False
    refuse_turn: int | None = None
    refuse_status: int = 401
    billed: list[float] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _n: int = 0

    def _answer(self, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        with self._lock:
            self._n += 1
            gen_id = f"gen-tool-{self._n}"
            self.billed.append(COST_USD)
            self.bodies.append(body)
        messages = body["messages"]
        tool_messages = [m for m in messages if m.get("role") == "tool"]
        turn = sum(1 for m in messages if m.get("role") == "assistant") + 1
        wants_tool = bool(body.get("tools")) and turn <= self.tool_turns
        if wants_tool:
            user = next(m["content"] for m in messages if m.get("role") == "user")
            city = str(user).rsplit(" ", 1)[-1].strip("?")
            arguments = '{"city": "' + city if self.broken_arguments else json.dumps({"city": city})
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": f"call_{self._n}",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": arguments},
                    }
                ],
            }
            return gen_id, {"message": message, "finish_reason": "tool_calls"}
        said = tool_messages[-1]["content"] if tool_messages else "no tool"
        message = {"role": "assistant", "content": f"The weather: {said}"}
        return gen_id, {"message": message, "finish_reason": "stop"}

    def _usage(self, prompt: int, choice: dict[str, Any]) -> dict[str, Any]:
        usage: dict[str, Any] = {
            "prompt_tokens": prompt,
            "completion_tokens": 7,
            "total_tokens": prompt + 7,
        }
        if not (self.unpriced_tool_turns and choice["finish_reason"] == "tool_calls"):
            usage["cost"] = COST_USD
        return usage

    async def chat(self, request: Request) -> Response:
        body = await request.json()
        turn = sum(1 for m in body["messages"] if m.get("role") == "assistant") + 1
        if turn == self.refuse_turn:
            status = self.refuse_status
            error = {"error": {"message": f"refused ({status})", "code": status}}
            return JSONResponse(error, status_code=status)
        gen_id, choice = self._answer(body)
        usage = self._usage(10 * len(body["messages"]), choice)
        head = {"id": gen_id, "model": MODEL, "provider": "Acme", "object": "chat.completion"}
        if not body.get("stream"):
            payload = {**head, "choices": [{"index": 0, **choice}], "usage": usage}
            return JSONResponse(payload)
        return StreamingResponse(_events(head, choice, usage), media_type="text/event-stream")

    @staticmethod
    async def models(request: Request) -> Response:
        return JSONResponse({"data": [{"id": MODEL}]})

    @staticmethod
    async def not_found(request: Request) -> Response:
        return JSONResponse({"error": {"message": "not found", "code": 404}}, status_code=404)


async def _events(
    head: dict[str, Any], choice: dict[str, Any], usage: dict[str, Any]
) -> AsyncIterator[bytes]:
    def event(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        chunk = {**head, "object": "chat.completion.chunk", **extra}
        chunk["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish}]
        return f"data: {json.dumps(chunk)}\n\n".encode()

    message = choice["message"]
    for call in message.get("tool_calls") or ():
        first = {"index": 0, "id": call["id"], "type": "function"}
        yield event(
            {
                "tool_calls": [
                    {**first, "function": {"name": call["function"]["name"], "arguments": ""}}
                ]
            }
        )
        arguments = call["function"]["arguments"]
        for i in range(0, len(arguments), 5):  # in pieces, as OpenAI streams them
            piece = {"index": 0, "function": {"arguments": arguments[i : i + 5]}}
            yield event({"tool_calls": [piece]})
    if message.get("content"):
        yield event({"role": "assistant", "content": message["content"]})
    yield event({}, choice["finish_reason"])
    yield event({}, None, usage=usage)
    yield b"data: [DONE]\n\n"


@contextmanager
def tool_server(**options: Any) -> Iterator[ToolServer]:
    server = ToolServer(**options)
    routes = [
        Route("/v1/chat/completions", server.chat, methods=["POST"]),
        Route("/v1/models", server.models, methods=["GET"]),
        Route("/v1/key", server.not_found, methods=["GET"]),
        Route("/v1/generation", server.not_found, methods=["GET"]),
    ]
    with serve_in_thread(app=Starlette(routes=routes)) as url:
        server.url = url.rsplit("/api/v1", 1)[0] + "/v1"
        yield server
