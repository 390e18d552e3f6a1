"""`StreamChoice`: which requests go streamed under each `stream` setting."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from orkit.plan._endpoint import resolve_endpoint
from orkit.plan._streaming import StreamChoice
from orkit.types import ChatRequest, ChatResponse, Usage

REQUEST = ChatRequest(model="a/b", messages=[{"role": "user", "content": "hi"}])
COUNTED = Usage(prompt_tokens=3, completion_tokens=2)


class _Client:
    """Answers every request with `usage` (None: the server did not count), recording
    whether it was streamed."""

    def __init__(self, usage: Usage | None, finish_reason: str | None = "stop") -> None:
        self.usage = usage
        self.finish_reason = finish_reason
        self.streamed: list[bool] = []

    async def complete(self, request: ChatRequest, *, stream: bool = True) -> ChatResponse:
        self.streamed.append(stream)
        return ChatResponse(
            generation_id=None,
            model=request.model,
            provider=None,
            content="ok",
            finish_reason=self.finish_reason,
            usage=self.usage,
        )


async def _send(setting: Any, endpoint: str, client: _Client, n: int = 3) -> list[bool]:
    choice = StreamChoice(client, setting, resolve_endpoint(endpoint, api_key="k"))  # type: ignore[arg-type]
    for _ in range(n):
        await choice.complete(REQUEST)
    return client.streamed


URL = "http://127.0.0.1:8080/v1"


async def test_auto_stops_streaming_to_a_url_after_an_answer_without_tokens(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="orkit"):
        assert await _send("auto", URL, _Client(None)) == [True, False, False]
        assert await _send("auto", URL, _Client(Usage())) == [True, False, False]
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 2 and all(URL in m and "no token counts" in m for m in said)


@pytest.mark.parametrize(
    ("setting", "endpoint", "client", "streamed"),
    [
        ("auto", URL, _Client(COUNTED), [True] * 3),  # the server counts: keep streaming
        ("auto", URL, _Client(None, finish_reason=None), [True] * 3),  # cut short: no verdict
        ("auto", "sim", _Client(None), [True] * 3),  # the emulator and OpenRouter always count
        (True, URL, _Client(None), [True] * 3),
        (False, URL, _Client(COUNTED), [False] * 3),
        (False, "sim", _Client(COUNTED), [False] * 3),
    ],
)
async def test_what_each_setting_streams(
    setting: Any, endpoint: str, client: _Client, streamed: list[bool]
) -> None:
    assert await _send(setting, endpoint, client) == streamed
