"""Tool calls: `tool_choice` honoured, arguments valid against the tool's schema, the captured
wire shape (JSON and SSE), parallel calls where the catalog allows them, the 404 of a model
without tools, and the invalid-arguments rate for scorer tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from orkit.client import AsyncOpenRouter
from orkit.sim import SIM_API_KEY, ModelProfile, SimConfig, StreamingASGITransport, create_app
from orkit.types import ChatRequest

from .sim_testkit import BASE_URL, chat_body, data_events

WIRE = Path(__file__).resolve().parents[1] / "fixtures" / "wire"
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}
TIME = {
    "type": "function",
    "function": {
        "name": "get_local_time",
        "description": "The local time in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
STOCKS = {
    "type": "function",
    "function": {"name": "stock_price", "description": "A share's last price", "parameters": {}},
}
ASK = "What is the weather in Paris right now?"


def tool_body(content: str = ASK, **extra: Any) -> dict[str, Any]:
    return chat_body(content, tools=[STOCKS, WEATHER, TIME], temperature=0, **extra)


def message_of(body: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = body["choices"][0]["message"]
    return message


async def test_auto_calls_the_tool_the_prompt_mentions_with_valid_arguments(make_sim) -> None:
    sim = await make_sim()
    body = (await sim.chat(tool_body())).json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["native_finish_reason"] == "tool_calls"
    message = choice["message"]
    assert message["content"] is None
    [call] = message["tool_calls"]
    assert list(call) == ["type", "index", "id", "function"]  # the captured key order
    assert call["type"] == "function" and call["index"] == 0
    assert call["id"].startswith("call_") and len(call["id"]) == 29
    assert call["function"]["name"] == "get_weather"
    arguments = json.loads(call["function"]["arguments"])
    jsonschema.validate(arguments, WEATHER["function"]["parameters"])  # type: ignore[index]
    assert arguments["city"] == "Paris"


async def test_the_json_answer_has_the_captured_tool_call_structure(make_sim) -> None:
    sim = await make_sim()
    ours = (await sim.chat(tool_body(model="anthropic/claude-haiku-4.5"))).json()
    real = json.loads((WIRE / "chat-ok-anthropic-bedrock-tool-calls.json").read_text())
    assert list(message_of(ours)) == list(message_of(real))
    assert list(message_of(ours)["tool_calls"][0]) == list(message_of(real)["tool_calls"][0])
    choice = ours["choices"][0]
    assert choice["native_finish_reason"] == "tool_use"  # Anthropic's own, as captured
    assert message_of(ours)["tool_calls"][0]["id"].startswith("toolu_01")


@pytest.mark.parametrize(
    ("choice", "content", "called"),
    [
        ("none", ASK, None),
        ("auto", "Tell me a story about a dragon.", None),  # no tool fits: a text answer
        ("required", "Tell me a story about a dragon.", "stock_price"),  # the first tool
        ({"type": "function", "function": {"name": "get_local_time"}}, ASK, "get_local_time"),
    ],
)
async def test_tool_choice_is_honoured(
    make_sim, choice: Any, content: str, called: str | None
) -> None:
    sim = await make_sim()
    body = (await sim.chat(tool_body(content, tool_choice=choice))).json()
    message = message_of(body)
    if called is None:
        assert "tool_calls" not in message and message["content"]
        assert body["choices"][0]["finish_reason"] in ("stop", "length")
    else:
        assert [c["function"]["name"] for c in message["tool_calls"]] == [called]
        assert body["choices"][0]["finish_reason"] == "tool_calls"


async def test_a_tool_result_is_answered_with_text_so_a_loop_ends(make_sim) -> None:
    sim = await make_sim()
    first = (await sim.chat(tool_body())).json()
    call = message_of(first)["tool_calls"][0]
    messages = [
        {"role": "user", "content": ASK},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": "18°C and sunny"},
    ]
    body = {"model": "openai/gpt-4o-mini", "messages": messages, "tools": [WEATHER]}
    second = (await sim.chat(body)).json()
    assert second["choices"][0]["finish_reason"] == "stop"
    assert message_of(second)["content"] == "18°C and sunny"  # the model relays the result
    # the tool call in the history is part of the prompt
    alone = (await sim.chat({**body, "messages": messages[:1]})).json()
    assert second["usage"]["prompt_tokens"] > alone["usage"]["prompt_tokens"]


async def test_parallel_calls_only_where_the_catalog_allows_them(make_sim) -> None:
    sim = await make_sim()
    both = "What is the weather and the local time in Paris?"
    parallel = (await sim.chat(tool_body(both, model="moonshotai/kimi-k2.6"))).json()
    names = [c["function"]["name"] for c in message_of(parallel)["tool_calls"]]
    assert names == ["get_weather", "get_local_time"]
    assert [c["index"] for c in message_of(parallel)["tool_calls"]] == [0, 1]
    assert len({c["id"] for c in message_of(parallel)["tool_calls"]}) == 2
    off = tool_body(both, model="moonshotai/kimi-k2.6", parallel_tool_calls=False)
    assert len(message_of((await sim.chat(off)).json())["tool_calls"]) == 1
    single = (await sim.chat(tool_body(both))).json()  # gpt-4o-mini's entry lacks it
    assert len(message_of(single)["tool_calls"]) == 1


async def test_a_streamed_tool_call_assembles_to_the_json_one(make_sim) -> None:
    sim = await make_sim()
    plain = (await sim.chat(tool_body())).json()
    events = data_events((await sim.chat(tool_body(stream=True))).text)
    chunks = [e for e in events[:-1] if e["choices"]]
    calls: dict[int, dict[str, Any]] = {}
    for chunk in chunks:
        for delta in chunk["choices"][0]["delta"].get("tool_calls") or []:
            call = calls.setdefault(delta["index"], {"arguments": ""})
            if "id" in delta:
                call["id"], call["name"] = delta["id"], delta["function"]["name"]
            call["arguments"] += delta["function"]["arguments"]
    [expected] = message_of(plain)["tool_calls"]
    assert calls == {
        0: {
            "id": expected["id"],
            "name": "get_weather",
            "arguments": expected["function"]["arguments"],
        }
    }
    argument_chunks = [c for c in chunks if c["choices"][0]["delta"].get("tool_calls")]
    assert len(argument_chunks) >= 3  # the opening chunk, then the arguments in pieces
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"
    usage = events[-2]["usage"]  # the provider (and so the price) may differ: tokens do not
    for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
        assert usage[key] == plain["usage"][key]


async def test_streamed_tool_call_chunks_have_the_captured_structure(make_sim) -> None:
    sim = await make_sim()
    ours = data_events((await sim.chat(tool_body(stream=True))).text)
    real = data_events((WIRE / "stream-tool-calls-openai.sse").read_text())
    opening = next(e for e in ours if e["choices"] and e["choices"][0]["delta"].get("tool_calls"))
    real_opening = real[0]
    assert opening["choices"][0]["delta"].keys() == real_opening["choices"][0]["delta"].keys()
    ours_call = opening["choices"][0]["delta"]["tool_calls"][0]
    real_call = real_opening["choices"][0]["delta"]["tool_calls"][0]
    assert ours_call.keys() == real_call.keys() and ours_call["function"]["arguments"] == ""
    piece = ours[ours.index(opening) + 1]["choices"][0]["delta"]["tool_calls"][0]
    assert piece.keys() == real[1]["choices"][0]["delta"]["tool_calls"][0].keys()


async def test_completion_tokens_count_the_calls_and_prompt_tokens_the_tools(make_sim) -> None:
    sim = await make_sim()
    body = (await sim.chat(tool_body())).json()
    call = message_of(body)["tool_calls"][0]["function"]
    usage = body["usage"]
    # `get_weather` is 3 tokens; the arguments are counted by the emulator's tokenizer
    assert usage["completion_tokens"] >= 3 + len(call["arguments"]) // 4
    bare = (await sim.chat(chat_body(ASK, temperature=0))).json()
    assert usage["prompt_tokens"] > bare["usage"]["prompt_tokens"] + 50  # three tool schemas
    assert usage["cost"] > 0


async def test_max_tokens_cuts_the_arguments_and_finishes_with_length(make_sim) -> None:
    sim = await make_sim()
    body = (await sim.chat(tool_body(max_tokens=5))).json()
    assert body["choices"][0]["finish_reason"] == "length"
    arguments = message_of(body)["tool_calls"][0]["function"]["arguments"]
    with pytest.raises(ValueError):
        json.loads(arguments)
    assert body["usage"]["completion_tokens"] == 5


@pytest.mark.parametrize("rate", [0.0, 1.0])
async def test_the_invalid_arguments_rate(make_sim, rate: float) -> None:
    sim = await make_sim(SimConfig(time_scale=0, tool_args_invalid_rate=rate))
    schema = WEATHER["function"]["parameters"]  # type: ignore[index]
    valid = 0
    for city in ("Paris", "Rome", "Oslo", "Lima", "Cairo", "Quito"):
        body = (await sim.chat(tool_body(f"What is the weather in {city}?"))).json()
        arguments = message_of(body)["tool_calls"][0]["function"]["arguments"]
        try:
            jsonschema.validate(json.loads(arguments), schema)
            valid += 1
        except (ValueError, jsonschema.ValidationError):
            pass
    assert valid == (6 if rate == 0.0 else 0)


async def test_a_model_without_tools_is_the_real_404(make_sim) -> None:
    sim = await make_sim()
    response = await sim.chat(tool_body(model="x-ai/grok-4.20-multi-agent"))
    assert response.status_code == 404
    assert response.json()["error"]["message"] == (
        'No endpoints found that support tool use. Try disabling "stock_price". To learn more '
        "about provider routing, visit: https://openrouter.ai/docs/guides/routing/provider-selection"
    )
    # a fallback model that takes tools serves instead
    fallback = await sim.chat(
        tool_body(model="x-ai/grok-4.20-multi-agent", models=["openai/gpt-4o-mini"])
    )
    assert fallback.status_code == 200 and fallback.json()["model"] == "openai/gpt-4o-mini"


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ({"tool_choice": "always"}, "tool_choice must be"),
        ({"tool_choice": {"type": "function", "function": {"name": "nope"}}}, "'nope'"),
        ({"tools": [{"type": "function", "function": {}}]}, "tools[0].function.name"),
        ({"tools": {"type": "function"}}, "tools must be an array"),
    ],
)
async def test_malformed_tool_fields_are_400s(make_sim, extra: dict[str, Any], said: str) -> None:
    sim = await make_sim()
    response = await sim.chat({**tool_body(), **extra})
    assert response.status_code == 400 and said in response.json()["error"]["message"]


async def test_orkits_client_reads_the_tool_calls_streamed_and_not() -> None:
    config = SimConfig(time_scale=0, models={"openai/gpt-4o-mini": ModelProfile(skill=1.0)})
    transport = StreamingASGITransport(create_app(config))
    request = ChatRequest(
        model="openai/gpt-4o-mini",
        messages=[{"role": "user", "content": ASK}],
        params={"tools": [WEATHER], "tool_choice": "required", "temperature": 0},
    )
    async with AsyncOpenRouter(
        base_url=BASE_URL, api_key=SIM_API_KEY, http_transport=transport
    ) as client:
        streamed = await client.complete(request)
        plain = await client.complete(request, stream=False)
    for response in (streamed, plain):
        assert response.finish_reason == "tool_calls"
        [call] = response.tool_calls or []
        assert call["function"]["name"] == "get_weather"
        assert json.loads(call["function"]["arguments"])["city"] == "Paris"
    assert streamed.usage is not None and plain.usage is not None
    assert streamed.usage.completion_tokens == plain.usage.completion_tokens
