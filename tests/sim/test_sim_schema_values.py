"""`orkit.sim.schema_values`: values made from a JSON schema are valid against it, take their
strings and numbers from the prompt, and `break_value` makes them invalid."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from orkit.sim.schema_values import ValueHints, answer_path, break_value, put, sample

WEATHER = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
    },
    "required": ["city", "unit"],
    "additionalProperties": False,
}
PYDANTIC_STYLE = {
    "$defs": {
        "Level": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 3},
                "kind": {"enum": ["ground", "upper"], "type": "string"},
            },
            "required": ["name", "kind"],
        }
    },
    "type": "object",
    "properties": {
        "level": {"$ref": "#/$defs/Level"},
        "spaces": {"type": "array", "items": {"$ref": "#/$defs/Level"}, "minItems": 2},
        "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
    },
    "required": ["level", "spaces", "note"],
}
SCHEMAS: list[dict[str, Any]] = [
    WEATHER,
    PYDANTIC_STYLE,
    {"type": "object", "properties": {}},
    {"type": "object", "properties": {"when": {"type": "string", "format": "date-time"}}},
    {"type": "object", "properties": {"email": {"type": "string", "format": "email"}}},
    {"type": "object", "properties": {"code": {"type": "string", "maxLength": 2}}},
    {"type": "object", "properties": {"ok": {"type": "boolean"}, "n": {"type": "null"}}},
    {"type": "object", "properties": {"score": {"type": "number", "exclusiveMinimum": 0}}},
    {"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string"}}}},
    {
        "type": "object",
        "allOf": [
            {"properties": {"a": {"type": "integer"}}, "required": ["a"]},
            {"properties": {"b": {"type": "string", "const": "fixed"}}, "required": ["b"]},
        ],
    },
    {"type": ["object", "null"], "properties": {"x": {"type": ["integer", "null"]}}},
]
PROMPT = "What is the weather in Paris for 3 days? Answer in celsius."


@pytest.mark.parametrize("schema", SCHEMAS, ids=range(len(SCHEMAS)))
@pytest.mark.parametrize("draw", [0.0, 0.37, 0.99])
def test_a_sampled_value_is_valid_against_its_schema(schema: dict[str, Any], draw: float) -> None:
    value = sample(schema, ValueHints.of(PROMPT), draw)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    assert [error.message for error in validator.iter_errors(value)] == []


def test_strings_enums_and_numbers_come_from_the_prompt() -> None:
    value = sample(WEATHER, ValueHints.of(PROMPT), 0.5)
    assert value == {"city": "Paris", "unit": "celsius", "days": 3}
    # a number the bounds refuse falls back to the smallest they allow
    far = sample(WEATHER, ValueHints.of("Weather in Oslo for 30 days"), 0.5)
    assert far["city"] == "Oslo" and far["days"] == 1


def test_a_query_named_string_gets_the_prompt_itself() -> None:
    schema = {"type": "object", "properties": {"query": {"type": "string"}}}
    assert sample(schema, ValueHints.of("  latest news on fusion  "), 0.1) == {
        "query": "latest news on fusion"
    }


def test_several_proper_nouns_fill_several_strings_in_order() -> None:
    schema = {
        "type": "object",
        "properties": {"origin": {"type": "string"}, "destination": {"type": "string"}},
    }
    value = sample(schema, ValueHints.of("Book a flight from London to Paris."), 0.2)
    assert value == {"origin": "London", "destination": "Paris"}


@pytest.mark.parametrize("schema", [WEATHER, PYDANTIC_STYLE, SCHEMAS[7]], ids=range(3))
@pytest.mark.parametrize("draw", [0.0, 0.5, 0.99])
def test_a_broken_value_is_invalid_against_its_schema(schema: dict[str, Any], draw: float) -> None:
    value = sample(schema, ValueHints.of(PROMPT), draw)
    broken = break_value(schema, value, draw)
    assert broken is not None
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_a_schema_that_takes_anything_cannot_be_broken() -> None:
    assert break_value({}, {"a": 1}, 0.5) is None


@pytest.mark.parametrize(
    ("schema", "path"),
    [
        (WEATHER, ("city", "string")),
        (
            {"properties": {"reasoning": {"type": "string"}, "answer": {"type": "integer"}}},
            ("answer", "integer"),
        ),
        ({"properties": {"final_result": {"type": "number"}}}, ("final_result", "number")),
        ({"properties": {"ok": {"type": "boolean"}}}, None),
        ({"type": "string"}, None),
    ],
)
def test_answer_path_prefers_answer_like_names(
    schema: dict[str, Any], path: tuple[str, str] | None
) -> None:
    assert answer_path(schema) == path


def test_put_converts_the_answer_to_the_fields_type() -> None:
    assert put({"answer": "x"}, ("answer", "string"), 236) == {"answer": "236"}
    assert put({"answer": 0}, ("answer", "integer"), "236") == {"answer": 236}
    assert put({"answer": 0}, ("answer", "number"), "2.5") == {"answer": 2.5}
    # an answer the field cannot hold leaves the value as it was
    assert put({"answer": 0}, ("answer", "integer"), "Paris") == {"answer": 0}
    assert put({"answer": 0}, ("answer", "integer"), "2.5") == {"answer": 0}
