"""The official `openai` SDK against `orkit sim` (a loopback server): a forced tool call
comes back as a tool call with valid JSON arguments, `.parse()` with a Pydantic model gives
a parsed object, and a streamed tool call assembles through the SDK's stream helpers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Literal

import jsonschema
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolParam
from pydantic import BaseModel

from orkit.sim import SIM_API_KEY, Catalog, ModelProfile, SimConfig, create_app, serve_in_thread

WEATHER_PARAMETERS = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    },
    "required": ["city", "unit"],
    "additionalProperties": False,
}
TOOLS: list[ChatCompletionToolParam] = [
    {
        "type": "function",
        "function": {
            "name": "get_time",
            "description": "The local time somewhere",
            "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}},
        },
    },
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather for a city",
            "parameters": WEATHER_PARAMETERS,
        },
    },
]
ASK: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "Should I take an umbrella in Lisbon today?"}
]


class GetWeather(BaseModel):
    """Current weather for a city."""

    city: str
    unit: Literal["celsius", "fahrenheit"]


class CapitalAnswer(BaseModel):
    city: str
    country: str
    population_millions: float
    confident: bool


@pytest.fixture(scope="module")
def loopback(catalog: Catalog) -> Iterator[tuple[str, Any]]:
    """`orkit sim` on a loopback port, its gpt-4o-mini always right (so answers are known)."""
    config = SimConfig(time_scale=0, models={"openai/gpt-4o-mini": ModelProfile(skill=1.0)})
    app = create_app(config, catalog=catalog)
    with serve_in_thread(app=app) as url:
        yield url, app


def client_for(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=url, api_key=SIM_API_KEY, max_retries=0)


def test_a_forced_tool_call_returns_a_tool_call(loopback) -> None:
    url, _ = loopback
    completion = client_for(url).chat.completions.create(
        model="openai/gpt-4o-mini",
        messages=ASK,
        tools=TOOLS,
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    )
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    [call] = choice.message.tool_calls or []
    assert call.type == "function" and call.id.startswith("call_")
    assert call.function.name == "get_weather"
    arguments = json.loads(call.function.arguments)
    jsonschema.validate(arguments, WEATHER_PARAMETERS)
    assert arguments["city"] == "Lisbon"


def test_parse_with_a_pydantic_model_gives_a_parsed_object(loopback) -> None:
    url, _ = loopback
    completion = client_for(url).chat.completions.parse(
        model="openai/gpt-4o-mini",
        messages=[{"role": "user", "content": "What is the capital of France?"}],
        response_format=CapitalAnswer,
    )
    message = completion.choices[0].message
    parsed = message.parsed
    assert isinstance(parsed, CapitalAnswer)
    assert parsed == CapitalAnswer.model_validate_json(message.content or "")
    assert parsed.city == "Paris"  # the solver's answer, in the schema's first plain field


def test_a_streamed_tool_call_assembles_through_the_stream_helpers(loopback) -> None:
    url, _ = loopback
    done_arguments: list[str] = []
    with client_for(url).chat.completions.stream(
        model="openai/gpt-4o-mini",
        messages=ASK,
        tools=[openai.pydantic_function_tool(GetWeather, name="get_weather")],
        tool_choice="required",
    ) as stream:
        for event in stream:
            if event.type == "tool_calls.function.arguments.done":
                done_arguments.append(event.arguments)
        final = stream.get_final_completion()
    [call] = final.choices[0].message.tool_calls or []
    assert final.choices[0].finish_reason == "tool_calls"
    assert call.function.name == "get_weather"
    assert done_arguments == [call.function.arguments]
    parsed = call.function.parsed_arguments
    assert isinstance(parsed, GetWeather) and parsed.city == "Lisbon"
    assert final.usage is not None and final.usage.completion_tokens > 0
