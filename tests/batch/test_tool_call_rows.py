"""A results row keeps the answer's tool calls (`tool_calls_json`), from the captured wire
answers: unstreamed, and streamed (assembled from deltas by index, arguments joined)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from orkit.batch._rows import Timing, ok_row
from orkit.batch._tool_calls import call_records, calls_json
from orkit.client import AsyncOpenRouter
from orkit.types import ChatResponse
from tests.batch.scripted_engine import make_tasks
from tests.client.support import KEY, replay, request

pytestmark = pytest.mark.anyio

TIMING = Timing(0.0, 0.0, 1.0, 2.0)


async def _answer(name: str) -> ChatResponse:
    client = AsyncOpenRouter(
        api_key=KEY,
        base_url="https://openrouter.ai/api/v1",
        http_transport=httpx.MockTransport(replay(name)),
    )
    async with client:
        return await client.complete(request(), stream=name.endswith(".sse"))


def _row(response: ChatResponse) -> dict[str, object]:
    (task,) = make_tasks("openai/gpt-4o", 1)
    return dict(ok_row(task, "run", response, TIMING))


@pytest.mark.parametrize(
    ("name", "calls"),
    [
        (
            "chat-ok-anthropic-bedrock-tool-calls.json",
            [{"name": "weather", "arguments": {"latitude": "52.5200", "longitude": "13.4050"}}],
        ),
        ("stream-tool-calls-openai.sse", [{"name": "get_date", "arguments": {}}]),
        # a tool without parameters: Anthropic sends "" as its arguments, kept as sent
        ("stream-tool-calls-anthropic.sse", [{"name": "best_language_to_learn", "arguments": ""}]),
    ],
)
async def test_the_row_keeps_the_answers_tool_calls(name: str, calls: list[object]) -> None:
    row = _row(await _answer(name))
    assert row["finish_reason"] == "tool_calls"
    assert json.loads(str(row["tool_calls_json"])) == calls
    assert row["turns"] == 1 and row.get("turns_json") is None


async def test_nested_arguments_are_stored_parsed() -> None:
    row = _row(await _answer("chat-ok-google-ai-studio-tool-call.json"))
    (call,) = json.loads(str(row["tool_calls_json"]))
    assert call["name"] == "insert_level_with_spaces"
    assert call["arguments"]["level"] == {"level_type": "ground", "level_name": "ground_floor"}
    assert [s["space_name"] for s in call["arguments"]["spaces"]] == [
        "entryway",
        "living_room",
        "garage",
    ]


async def test_an_answer_without_tool_calls_has_a_null_column() -> None:
    row = _row(await _answer("chat-ok-openai-gpt-4o.json"))
    assert row["tool_calls_json"] is None and row["output_text"]


def test_arguments_that_are_not_a_json_object_are_kept_as_sent() -> None:
    raw: list[dict[str, Any]] = [
        {"function": {"name": "a", "arguments": '{"city": "Par'}},
        {"function": {"name": "b", "arguments": "[1, 2]"}},
        {"function": {"name": "c", "arguments": '{"x": [1, {"y": null}]}'}},
        {"function": {"name": "d", "arguments": {"already": "parsed"}}},
    ]
    records = call_records(raw, turn=2)
    assert records == [
        {"name": "a", "arguments": '{"city": "Par', "turn": 2},
        {"name": "b", "arguments": "[1, 2]", "turn": 2},
        {"name": "c", "arguments": {"x": [1, {"y": None}]}, "turn": 2},
        {"name": "d", "arguments": {"already": "parsed"}, "turn": 2},
    ]
    assert json.loads(calls_json(records) or "") == records  # order kept
    assert calls_json([]) is None
