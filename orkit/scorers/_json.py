"""Structured-output checks: the output is JSON, and the JSON fits a JSON Schema.

Schema validation uses the `jsonschema` library (every draft, `$ref`, formats, precise error
paths) rather than a home-made subset: structured outputs use exactly the keywords a subset
would miss (`anyOf`, `$defs`, `additionalProperties`, `enum`). It is imported only when a
schema scorer is built, so runs without one do not pay for it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from orkit.errors import ConfigError
from orkit.scorers._base import Score
from orkit.scorers._text import strip_fence

__all__ = ["json_schema", "json_valid"]

_MAX_ERRORS = 3


def _parse(output: str | None, allow_fence: bool) -> tuple[Any, str | None]:
    """(value, None) when the output is JSON; (None, why not) otherwise."""
    text = (output or "").strip()
    if allow_fence:
        text = strip_fence(text)
    if not text:
        return None, "empty output"
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, f"not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"


@dataclass(frozen=True, slots=True)
class JsonValid:
    name: str = "json_valid"
    allow_fence: bool = True

    @property
    def spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"kind": "json_valid", "allow_fence": self.allow_fence}
        if self.name != "json_valid":
            spec["name"] = self.name
        return spec

    def __call__(self, output: str | None, fields: Mapping[str, Any]) -> Score:
        _, error = _parse(output, self.allow_fence)
        ok = error is None
        return Score(1.0 if ok else 0.0, passed=ok, detail=error)


def json_valid(*, allow_fence: bool = True, name: str = "json_valid") -> JsonValid:
    """The output parses as JSON (inside a ```json fence too, unless allow_fence=False).
    Applies to every item; `detail` says where parsing failed."""
    return JsonValid(name, allow_fence)


def _unwrap(schema: Any) -> Any:
    """Accept a `response_format` as sent for structured outputs, not only a bare schema:
    `{"type": "json_schema", "json_schema": {"name": ..., "schema": {...}}}` or its inner
    `{"name": ..., "schema": {...}}`."""
    if isinstance(schema, str):
        try:
            schema = json.loads(schema)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"scorer json_schema: schema is not JSON: {exc.msg}") from None
    if isinstance(schema, Mapping) and schema.get("type") == "json_schema":
        schema = schema.get("json_schema", {})
    if isinstance(schema, Mapping) and "schema" in schema and "name" in schema:
        schema = schema["schema"]
    if not isinstance(schema, Mapping | bool):
        raise ConfigError(f"scorer json_schema: a schema must be an object, got {schema!r:.60}")
    return schema


def _validator(schema: Any) -> Any:
    # Imported on first use: jsonschema takes a few hundred ms to import, and only this
    # scorer needs it (not `import orkit`, nor `orkit --help`).
    import jsonschema

    schema = _unwrap(schema)
    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise ConfigError(f"scorer json_schema: invalid schema: {exc.message}") from None
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _where(path: Any) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


@dataclass(frozen=True, slots=True)
class JsonSchema:
    name: str
    schema: Any
    schema_field: str | None
    allow_fence: bool
    _fixed: Any = field(repr=False, compare=False)
    _per_item: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """Validators of per-item schemas, by schema text (items usually share a few)."""

    @property
    def spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"kind": "json_schema", "allow_fence": self.allow_fence}
        if self.schema is not None:
            spec["schema"] = self.schema
        if self.schema_field is not None:
            spec["schema_field"] = self.schema_field
        if self.name != "json_schema":
            spec["name"] = self.name
        return spec

    @property
    def uses_default_schema(self) -> bool:
        """Given neither a schema nor a column: it checks against the sweep's
        `response_format` schema (`with_default_schema`)."""
        return self.schema is None and self.schema_field is None

    def with_default_schema(self, schema: Any) -> JsonSchema:
        """This scorer checking against `schema` (the sweep's `response_format`), its spec
        unchanged: a resume or re-score binds it to the run's schema again."""
        return JsonSchema(self.name, None, None, self.allow_fence, _validator(schema))

    def __call__(self, output: str | None, fields: Mapping[str, Any]) -> Score | None:
        validator = self._fixed
        if validator is None and self.schema_field is None:
            return Score(None, detail="no schema: give one, or set the sweep's response_format")
        if self.schema_field is not None:
            raw = fields.get(self.schema_field)
            if raw is None:
                return None  # this item has no schema
            text = raw if isinstance(raw, str) else json.dumps(raw, sort_keys=True)
            validator = self._per_item.get(text)
            if validator is None:
                try:
                    validator = self._per_item.setdefault(text, _validator(raw))
                except ConfigError as exc:
                    return Score(None, detail=f"{self.schema_field}: {exc.message}")
        value, error = _parse(output, self.allow_fence)
        if error is not None:
            return Score(0.0, passed=False, detail=error)
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
        if not errors:
            return Score(1.0, passed=True)
        shown = "; ".join(f"{_where(e.absolute_path)}: {e.message}" for e in errors[:_MAX_ERRORS])
        more = f" (+{len(errors) - _MAX_ERRORS} more)" if len(errors) > _MAX_ERRORS else ""
        return Score(0.0, passed=False, detail=shown[:500] + more)


def json_schema(
    schema: Any = None,
    *,
    schema_field: str | None = None,
    allow_fence: bool = True,
    name: str = "json_schema",
) -> JsonSchema:
    """The output is JSON that conforms to a JSON Schema: `schema` (a dict, JSON text, or a
    structured-outputs `response_format`) for every item, or each item's own schema from the
    dataset column `schema_field`; given neither, the schema of the sweep's
    `response_format` (bound when the sweep is made). `detail` lists the first violations
    with their paths (`$.age: 'x' is not of type 'integer'`)."""
    if schema is not None and schema_field is not None:
        raise ConfigError("scorer json_schema: give schema or schema_field, not both")
    fixed = _validator(schema) if schema is not None else None
    return JsonSchema(name, schema, schema_field, allow_fence, fixed)
