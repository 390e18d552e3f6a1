"""A small OpenAI-compatible server for tests: it answers every chat request with a captured
wire fixture (`tests/fixtures/wire/`), as JSON or as the captured SSE stream, as if the model
asked for had served it, and keeps the request bodies it was sent. For what the emulator
does not do yet (reasoning, schema answers): the real bytes, through orkit's client."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orkit.sim import serve_in_thread

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "wire"

Answer = Callable[[dict[str, Any]], "bytes | dict[str, Any]"]
"""A request body → the answer: a JSON body, or the bytes of an SSE stream."""


def fixture_json(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def served_as(answer: dict[str, Any] | bytes, model: str) -> dict[str, Any] | bytes:
    """A captured answer as if the model asked for had served it (else orkit counts it as
    a fallback's, and leaves it out of the scores)."""
    if isinstance(answer, dict):
        return {**answer, "model": model}
    served = json.loads(answer.split(b"data: ", 1)[1].split(b"\n", 1)[0])["model"]
    return answer.replace(f'"model":"{served}"'.encode(), f'"model":"{model}"'.encode())


@dataclass
class ReplayApp:
    """The ASGI app: POST .../chat/completions → `answer(body)`; GET .../models → `models`;
    anything else 404 (no `/key`: a plain OpenAI-compatible server)."""

    answer: Answer
    models: list[str]
    bodies: list[dict[str, Any]] = field(default_factory=list)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:  # bounded by the request's own length
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        path: str = scope["path"]
        if scope["method"] == "POST" and path.endswith("/chat/completions"):
            request = json.loads(body)
            self.bodies.append(request)
            answered = served_as(self.answer(request), request["model"])
            if isinstance(answered, bytes):
                await _send(send, 200, answered, b"text/event-stream")
            else:
                await _send(send, 200, json.dumps(answered).encode(), b"application/json")
        elif scope["method"] == "GET" and path.endswith("/models"):
            listed = {"data": [{"id": m, "object": "model"} for m in self.models]}
            await _send(send, 200, json.dumps(listed).encode(), b"application/json")
        else:
            error = {"error": {"code": 404, "message": "Not Found"}}
            await _send(send, 404, json.dumps(error).encode(), b"application/json")


async def _send(send: Any, status: int, body: bytes, kind: bytes) -> None:
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@contextmanager
def replay_server(answer: Answer, models: list[str]) -> Iterator[tuple[str, ReplayApp]]:
    """(base URL, app) of a replay server on 127.0.0.1, for the `with` block."""
    app = ReplayApp(answer, models)
    with serve_in_thread(app=app) as url:
        yield url, app
