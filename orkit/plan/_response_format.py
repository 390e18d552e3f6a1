"""Structured outputs as a sweep setting: `response_format`, checked before anything is sent.

A spec's `[response_format]` table (or `Sweep(response_format=...)`) says what the answers
must be: `type = "json_schema"` with a JSON Schema (a file relative to the spec, an inline
table, a dict, a Pydantic model class) or `type = "json_object"`. It is sent as OpenAI's
shape, `{"type": "json_schema", "json_schema": {"name", "schema", "strict"}}`, as a param
of every task (so the schema is part of each task's key), and the `json_schema` scorer
checks answers against the same schema unless given its own.

What orkit checks when the sweep is made (one line naming the file and field):
- the schema is a valid JSON Schema (its draft's metaschema, via `jsonschema`);
- with `strict = true` (the default), the rules OpenAI's strict mode enforces and answers
  with a 400 otherwise: the root is an object, and every object in it (properties, items,
  `anyOf` branches, `$defs`) has `additionalProperties = false` and lists every property
  in `required`. A Pydantic model is made strict as OpenAI's SDK makes it for `.parse()`
  (those two keys added to each object); a hand-written schema is reported, not changed.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from orkit.errors import SpecError

__all__ = [
    "ResponseFormat",
    "json_object",
    "json_schema",
    "resolve_schema_path",
    "response_format_of",
    "schema_problem",
]

FormatType = Literal["json_schema", "json_object"]

_SPEC_KEYS = ("type", "schema", "name", "strict", "description")
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
"""OpenAI's rule for `json_schema.name`."""
_DEFAULT_NAME = "response"


@dataclass(frozen=True, slots=True)
class ResponseFormat:
    """What every answer of a sweep must be: JSON fitting `schema` (`json_schema`), or any
    JSON object (`json_object`). Build one with `json_schema(...)` or `json_object()`."""

    type: FormatType
    schema: Mapping[str, Any] | None = None
    """The JSON Schema (`json_schema` only), as sent."""
    name: str = _DEFAULT_NAME
    strict: bool = True
    description: str | None = None

    def to_body(self) -> dict[str, Any]:
        """The request body's `response_format`, in OpenAI's shape."""
        if self.type == "json_object":
            return {"type": "json_object"}
        inner: dict[str, Any] = {"name": self.name, "strict": self.strict}
        if self.description is not None:
            inner["description"] = self.description
        inner["schema"] = dict(self.schema or {})
        return {"type": "json_schema", "json_schema": inner}

    def to_spec(self) -> dict[str, Any]:
        """The spec's `[response_format]` table (the schema inline: a run directory keeps it
        whole). A schema TOML cannot hold (a null anywhere) is written as JSON text."""
        if self.type == "json_object":
            return {"type": "json_object"}
        table: dict[str, Any] = {"type": "json_schema", "name": self.name, "strict": self.strict}
        if self.description is not None:
            table["description"] = self.description
        schema = dict(self.schema or {})
        table["schema"] = schema if _toml_safe(schema) else json.dumps(schema, sort_keys=True)
        return table


def json_schema(
    schema: Any,
    *,
    name: str | None = None,
    strict: bool = True,
    description: str | None = None,
) -> ResponseFormat:
    """Answers must be JSON fitting `schema`: a dict, JSON text, the path of a `.json` file,
    or a Pydantic model class (its `model_json_schema()`, made strict as OpenAI's SDK does;
    pydantic is not a dependency of orkit). `name` defaults to the model's class name or
    the file's stem. Raises SpecError when the schema is not valid (see the module)."""
    return _build(schema, name=name, strict=strict, description=description, at="response_format")


def json_object() -> ResponseFormat:
    """Answers must be a JSON object (no schema: OpenAI's JSON mode)."""
    return ResponseFormat("json_object")


def response_format_of(value: Any, *, where: str | None = None) -> ResponseFormat | None:
    """A sweep's `response_format` as given (a `ResponseFormat`, a spec table, the wire
    shape `{"type": "json_schema", "json_schema": {...}}`, or a Pydantic model class),
    checked. `where`: the spec file, for errors."""
    if value is None or isinstance(value, ResponseFormat):
        return value
    try:
        if _is_model_class(value):
            return _build(value, name=None, strict=True, description=None, at="response_format")
        if not isinstance(value, Mapping):
            raise SpecError(
                f"must be a table (type = 'json_schema' and a schema, or type = "
                f"'json_object'), got {value!r:.60}",
                field="response_format",
            )
        return _from_table(value)
    except SpecError as exc:
        raise SpecError(exc.reason, path=where, field=exc.field) from None


def _from_table(table: Mapping[str, Any]) -> ResponseFormat:
    if table.get("type") == "json_schema" and isinstance(table.get("json_schema"), Mapping):
        inner = dict(table["json_schema"])  # the wire shape, as OpenAI's SDK takes it
        extra = sorted(set(table) - {"type", "json_schema"})
        if extra:
            raise SpecError("unknown key", field=f"response_format.{extra[0]}")
        table = {"type": "json_schema", **inner}
    unknown = sorted(set(table) - set(_SPEC_KEYS))
    if unknown:
        near = difflib.get_close_matches(unknown[0], _SPEC_KEYS, n=1)
        hint = f"; did you mean {near[0]!r}?" if near else f" (known: {', '.join(_SPEC_KEYS)})"
        raise SpecError(f"unknown key{hint}", field=f"response_format.{unknown[0]}")
    kind = table.get("type", "json_schema" if "schema" in table else None)
    if kind == "json_object":
        if set(table) - {"type"}:
            raise SpecError(
                "type 'json_object' takes no schema, name or strict (use type = 'json_schema')",
                field="response_format",
            )
        return json_object()
    if kind != "json_schema":
        raise SpecError(
            f"must be 'json_schema' or 'json_object', got {kind!r}", field="response_format.type"
        )
    if "schema" not in table:
        raise SpecError(
            "type 'json_schema' needs a schema (a file or an inline table)",
            field="response_format.schema",
        )
    strict = table.get("strict", True)
    if not isinstance(strict, bool):
        raise SpecError(f"must be true or false, got {strict!r}", field="response_format.strict")
    description = table.get("description")
    if description is not None and not isinstance(description, str):
        raise SpecError(
            f"must be a string, got {description!r:.60}", field="response_format.description"
        )
    return _build(
        table["schema"],
        name=table.get("name"),
        strict=strict,
        description=description,
        at="response_format",
    )


def resolve_schema_path(table: Mapping[str, Any], base: Path) -> dict[str, Any]:
    """A spec's `[response_format]` with its `schema` file (a string that is not JSON text)
    made relative to the spec's folder `base`."""
    schema = table.get("schema")
    if not isinstance(schema, str) or _looks_json(schema):
        return dict(table)
    return {**table, "schema": str(_resolve(schema, base))}


def _build(
    schema: Any, *, name: Any, strict: bool, description: str | None, at: str
) -> ResponseFormat:
    field = f"{at}.schema"
    default_name = _DEFAULT_NAME
    if _is_model_class(schema):
        default_name = schema.__name__
        schema = schema.model_json_schema()
        if strict:
            schema = _strictified(schema)
    elif isinstance(schema, Path) or (isinstance(schema, str) and not _looks_json(schema)):
        default_name = Path(schema).stem
        schema = _read_schema_file(Path(schema), field)
    elif isinstance(schema, str):
        try:
            schema = json.loads(schema)
        except json.JSONDecodeError as exc:
            raise SpecError(f"is not JSON: {exc.msg} (column {exc.colno})", field=field) from None
    if not isinstance(schema, Mapping):
        raise SpecError(f"must be a JSON object (a table), got {schema!r:.60}", field=field)
    name = default_name if name is None else name
    if not isinstance(name, str) or not _NAME.match(name):
        raise SpecError(
            f"must be 1-64 letters, digits, _ or -, got {name!r:.60}", field=f"{at}.name"
        )
    problem = schema_problem(schema, strict=strict)
    if problem is not None:
        raise SpecError(problem, field=field)
    return ResponseFormat("json_schema", dict(schema), name, strict, description)


def _resolve(value: str, base: Path) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


def _looks_json(text: str) -> bool:
    return text.lstrip().startswith("{")


def _read_schema_file(path: Path, field: str) -> Any:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read schema file {path}: {exc.strerror}", field=field) from None
    except UnicodeDecodeError:
        raise SpecError(f"schema file {path} is not UTF-8 text", field=field) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(
            f"schema file {path} is not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            field=field,
        ) from None


def _is_model_class(value: Any) -> bool:
    """A Pydantic model class (duck-typed: orkit does not import pydantic)."""
    return isinstance(value, type) and callable(getattr(value, "model_json_schema", None))


def schema_problem(schema: Mapping[str, Any], *, strict: bool) -> str | None:
    """What is wrong with a response_format schema (None: nothing): not a valid JSON
    Schema, or, with `strict`, against strict mode's rules (see the module)."""
    # Imported here: jsonschema costs some 80 ms, paid only by a sweep with a schema.
    import jsonschema

    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as exc:
        return f"is not a valid JSON Schema: {exc.message} (at {_path(exc.absolute_path)})"
    if not strict:
        return None
    if schema.get("type") != "object":
        return (
            f"strict mode needs an object at the root (type = 'object'), got type = "
            f"{schema.get('type')!r}; set strict = false to send it as is"
        )
    for where, node in _objects(schema, ()):
        if node.get("additionalProperties") is not False:
            return (
                f"strict mode needs additionalProperties = false on every object (at "
                f"{_path(where)}); set strict = false to send it as is"
            )
        properties = node.get("properties") or {}
        missing = [p for p in properties if p not in (node.get("required") or [])]
        if missing:
            return (
                f"strict mode needs every property in required (at {_path(where)}: "
                f"{', '.join(missing)} missing); set strict = false to send it as is"
            )
    return None


_SUBSCHEMA_LISTS = ("anyOf", "allOf", "oneOf", "prefixItems")
_SUBSCHEMA_MAPS = ("properties", "$defs", "definitions", "patternProperties")


def _objects(node: Any, at: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Mapping[str, Any]]]:
    """Every object schema inside `node` (itself included), with its path."""
    if not isinstance(node, Mapping):
        return
    kind = node.get("type")
    if kind == "object" or (isinstance(kind, list) and "object" in kind) or "properties" in node:
        yield at, node
    for key in _SUBSCHEMA_MAPS:
        children = node.get(key)
        if isinstance(children, Mapping):
            for name, child in children.items():
                yield from _objects(child, (*at, key, name))
    for key in _SUBSCHEMA_LISTS:
        children = node.get(key)
        if isinstance(children, list):
            for i, child in enumerate(children):
                yield from _objects(child, (*at, key, i))
    for key in ("items", "additionalProperties", "not"):
        child = node.get(key)
        if isinstance(child, Mapping):
            yield from _objects(child, (*at, key))


def _strictified(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A Pydantic schema as OpenAI's SDK sends it for `.parse()`: every object closed
    (`additionalProperties = false`) and every property required."""
    out: dict[str, Any] = json.loads(json.dumps(schema))  # a deep copy to change
    for _, node in _objects(out, ()):
        assert isinstance(node, dict)
        node.setdefault("additionalProperties", False)
        node["required"] = list(node.get("properties") or {})
    return out


def _path(parts: Any) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def _toml_safe(value: Any) -> bool:
    """TOML has no null, and its arrays in older writers must not mix tables and values."""
    if value is None:
        return False
    if isinstance(value, Mapping):
        return all(_toml_safe(v) for v in value.values())
    if isinstance(value, list):
        return all(_toml_safe(v) for v in value)
    return True
