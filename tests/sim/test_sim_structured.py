"""Structured outputs: a strict json_schema answer validates, with the solver's answer in its
answer-like field; json_object gives an object; the invalid-answer rate; models without
`structured_outputs` ignore it (or 404 with `provider.require_parameters`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from orkit.sim import ModelProfile, SimConfig

from .sim_testkit import chat_body

WIRE = Path(__file__).resolve().parents[1] / "fixtures" / "wire"
SKILLED = SimConfig(
    time_scale=0,
    models={
        "openai/gpt-4o-mini": ModelProfile(skill=1.0),
        "qwen/qwen3.7-flash": ModelProfile(skill=1.0),
    },
)
STRING_ANSWER = {
    "type": "object",
    "properties": {"answer": {"type": "string"}},
    "required": ["answer"],
    "additionalProperties": False,
}
CITY = {
    "type": "object",
    "properties": {
        "reasoning": {"type": "string"},
        "city": {"type": "string"},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "continent": {"type": "string", "enum": ["Africa", "Europe", "Asia"]},
    },
    "required": ["reasoning", "city", "confidence", "continent"],
    "additionalProperties": False,
}
PERSON = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
    "additionalProperties": False,
}


def strict(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": "out", "strict": True, "schema": schema}}


def content_of(body: dict[str, Any]) -> str:
    content: str = body["choices"][0]["message"]["content"]
    return content


async def test_a_string_answer_field_gets_the_number_as_text(make_sim) -> None:
    sim = await make_sim(SKILLED)
    body = (
        await sim.chat(chat_body("What is 17 * 14 - 2?", response_format=strict(STRING_ANSWER)))
    ).json()
    value = json.loads(content_of(body))
    jsonschema.validate(value, STRING_ANSWER)
    assert value == {"answer": "236"}
    assert body["choices"][0]["finish_reason"] == "stop"


async def test_the_answer_goes_in_the_answer_like_field_and_the_rest_validates(make_sim) -> None:
    sim = await make_sim(SKILLED)
    body = (
        await sim.chat(chat_body("What is the capital of Kenya?", response_format=strict(CITY)))
    ).json()
    value = json.loads(content_of(body))
    jsonschema.validate(value, CITY)
    assert value["city"] == "Nairobi"


async def test_an_extraction_fills_the_schemas_own_keys(make_sim) -> None:
    sim = await make_sim(SKILLED)
    question = (
        'Extract the name and age from: "Alice is 30 years old." '
        "Reply with JSON with keys name and age."
    )
    body = (await sim.chat(chat_body(question, response_format=strict(PERSON)))).json()
    assert json.loads(content_of(body)) == {"name": "Alice", "age": 30}


async def test_an_open_prompt_still_gets_a_valid_object(make_sim) -> None:
    sim = await make_sim()
    schema = {
        "type": "object",
        "properties": {
            "summary": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
            "sentiment": {"type": "string", "enum": ["positive", "negative"]},
        },
        "required": ["summary", "tags", "sentiment"],
        "additionalProperties": False,
    }
    body = (
        await sim.chat(chat_body("Review the new phone.", response_format=strict(schema)))
    ).json()
    value = json.loads(content_of(body))
    jsonschema.validate(value, schema)
    assert len(value["summary"].split()) > 3  # the model's prose goes in the text field


async def test_the_body_has_the_captured_structure(make_sim) -> None:
    sim = await make_sim(SKILLED)
    ours = (await sim.chat(chat_body(response_format=strict(STRING_ANSWER)))).json()
    real = json.loads((WIRE / "chat-ok-json-schema-output.json").read_text())
    assert list(ours["choices"][0]["message"]) == list(real["choices"][0]["message"])
    assert isinstance(json.loads(content_of(ours)), dict)


async def test_json_object_gives_an_object(make_sim) -> None:
    sim = await make_sim(SKILLED)
    body = (await sim.chat(chat_body(response_format={"type": "json_object"}))).json()
    assert json.loads(content_of(body)) == {"answer": 42}


@pytest.mark.parametrize("rate", [0.0, 1.0])
async def test_the_invalid_answer_rate(make_sim, rate: float) -> None:
    sim = await make_sim(
        SimConfig(time_scale=0, structured_invalid_rate=rate, models=SKILLED.models)
    )
    valid = 0
    for a, b in ((3, 4), (10, 7), (21, 5), (8, 8), (2, 9)):
        body = (
            await sim.chat(chat_body(f"What is {a} + {b}?", response_format=strict(CITY)))
        ).json()
        try:
            jsonschema.validate(json.loads(content_of(body)), CITY)
            valid += 1
        except (ValueError, jsonschema.ValidationError):
            pass
    assert valid == (5 if rate == 0.0 else 0)


async def test_a_model_without_response_format_ignores_json_object(make_sim) -> None:
    sim = await make_sim()
    model = "poolside/laguna-s-2.1"
    assert "response_format" not in sim.sim.book.get(model).supported
    body = (await sim.chat(chat_body(model=model, response_format={"type": "json_object"}))).json()
    assert not content_of(body).startswith("{")


async def test_a_model_without_structured_outputs_answers_text(make_sim) -> None:
    sim = await make_sim(SKILLED)
    body = (
        await sim.chat(chat_body(model="qwen/qwen3.7-flash", response_format=strict(STRING_ANSWER)))
    ).json()
    assert content_of(body) == "42"  # the parameter was dropped, as OpenRouter drops it


async def test_require_parameters_makes_it_the_real_404(make_sim) -> None:
    sim = await make_sim(SKILLED)
    response = await sim.chat(
        chat_body(
            model="qwen/qwen3.7-flash",
            response_format=strict(STRING_ANSWER),
            provider={"require_parameters": True},
        )
    )
    assert response.status_code == 404
    assert response.json()["error"]["message"] == (
        "No endpoints found that can handle the requested parameters."
    )


@pytest.mark.parametrize("name", ["structured_invalid_rate", "tool_args_invalid_rate"])
def test_the_invalid_rates_are_probabilities_named_in_errors(name: str) -> None:
    with pytest.raises(ValueError, match=name):
        SimConfig.from_dict({name: 1.5})
    config = SimConfig.from_dict({name: 0.25, "default_reasoning": True})
    assert SimConfig.from_dict(config.to_dict()) == config
