"""What every answer of a sweep must be: `Sweep(response_format=json_schema(...))`. The
checks and the wire shape are the plan's (`orkit.plan._response_format`); these are the
names a user builds one with (`orkit.json_schema`, `orkit.json_object`)."""

from __future__ import annotations

from typing import Any

from orkit.plan import ResponseFormat, response_format_json_object, response_format_json_schema

__all__ = ["json_object", "json_schema"]


def json_schema(
    schema: Any,
    *,
    name: str | None = None,
    strict: bool = True,
    description: str | None = None,
) -> ResponseFormat:
    """Structured outputs: answers must be JSON fitting `schema`, a dict, JSON text, the
    path of a `.json` file, or a Pydantic model class (its `model_json_schema()`, made
    strict as OpenAI's SDK makes it for `.parse()`; pydantic is not required by orkit).
    Sent as `{"type": "json_schema", "json_schema": {"name", "schema", "strict"}}`.

    `name` defaults to the model's class name or the file's stem (else "response"). With
    `strict` (the default) the schema must follow strict mode's rules: an object at the
    root, and `additionalProperties: false` and every property `required` on each object.
    Raises `orkit.errors.SpecError` naming what is wrong. (The scorer that checks answers
    against a schema is `orkit.scorers.json_schema`; given none, it uses this one.)"""
    return response_format_json_schema(schema, name=name, strict=strict, description=description)


def json_object() -> ResponseFormat:
    """JSON mode: answers must be a JSON object, no schema (`{"type": "json_object"}`)."""
    return response_format_json_object()
