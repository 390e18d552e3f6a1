"""Helpers shared by the emulator tests (imported by test modules; no fixtures here)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from orkit.sim import SIM_API_KEY, Simulator

AUTH = {"Authorization": f"Bearer {SIM_API_KEY}"}
BASE_URL = "http://sim.local/api/v1"
START = 1_786_000_000.0  # 2026-08-06 06:13:20 UTC: far from a UTC midnight


def chat_body(
    content: str = "What is 17 + 25?", model: str = "openai/gpt-4o-mini", **extra: Any
) -> dict[str, Any]:
    """A minimal chat request body."""
    return {"model": model, "messages": [{"role": "user", "content": content}], **extra}


def sse_items(text: str) -> list[tuple[str, Any]]:
    """Parse an SSE body into ("comment", text) / ("data", parsed JSON or "[DONE]") items."""
    items: list[tuple[str, Any]] = []
    for block in text.split("\n\n"):
        if not block:
            continue
        for line in block.split("\n"):
            if line.startswith(":"):
                items.append(("comment", line[1:].strip()))
            elif line.startswith("data: "):
                payload = line[len("data: ") :]
                items.append(("data", payload if payload == "[DONE]" else json.loads(payload)))
    return items


def data_events(text: str) -> list[Any]:
    """Only the `data:` payloads of an SSE body."""
    return [value for kind, value in sse_items(text) if kind == "data"]


@dataclass
class FakeTime:
    """A settable replacement for `time.time` (the emulator's `time_fn`)."""

    now: float = START

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Sim:
    """An in-process emulator with an httpx client on the streaming transport."""

    http: httpx.AsyncClient
    app: Any

    @property
    def sim(self) -> Simulator:
        simulator: Simulator = self.app.state.sim
        return simulator

    async def chat(self, body: dict[str, Any], **kwargs: Any) -> httpx.Response:
        return await self.http.post("/chat/completions", json=body, **kwargs)

    async def stats(self) -> dict[str, Any]:
        response = await self.http.get("http://sim.local/_sim/stats")
        data: dict[str, Any] = response.json()
        return data
