"""`tool_args_valid`: each tool call's arguments are a JSON object that fits the offered
tool's `parameters` schema (validated by `jsonschema`, imported on first use as for the
`json_schema` scorer).

The offered tools are the request's own (`tools` in the row's `params_json`), so the scorer
needs no configuration and works on rows from any server; `tools=` gives them explicitly
(for a direct call, or to check against a stricter schema than was sent).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from orkit.errors import ConfigError
from orkit.scorers._base import Score
from orkit.scorers._json import _validator, _where
from orkit.scorers._tools import parse_calls

__all__ = ["tool_args_valid"]


def schema_validator(schema: Any) -> Any:
    """A validator of `schema` (ConfigError naming the problem when it is no schema)."""
    try:
        return _validator(schema)
    except ConfigError as exc:
        message = exc.message.removeprefix("scorer json_schema: ")
        raise ConfigError(f"scorer tool_args_valid: {message}") from None


_MAX_DETAIL = 500
_NO_PARAMETERS: Mapping[str, Any] = {"type": "object"}


def _schemas(tools: Any) -> dict[str, Any]:
    """Tool name → its `parameters` schema, from a `tools` list as sent (OpenAI's
    `{"type": "function", "function": {"name", "parameters"}}`, or the bare function)."""
    out: dict[str, Any] = {}
    for tool in tools or ():
        if not isinstance(tool, Mapping):
            continue
        function = tool.get("function", tool)
        if isinstance(function, Mapping) and isinstance(function.get("name"), str):
            out[function["name"]] = function.get("parameters") or _NO_PARAMETERS
    return out


def _arguments(raw: Any) -> tuple[Any, str | None]:
    """(the arguments object, None) or (None, why they are not one)."""
    if isinstance(raw, Mapping):
        return raw, None
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return {}, None  # a tool without parameters: some providers send ""
    if not isinstance(raw, str):
        return None, f"arguments are {type(raw).__name__}, not an object"
    try:
        value = json.loads(raw)
    except ValueError as exc:
        return None, f"arguments are not JSON: {exc}"
    if not isinstance(value, dict):
        return None, "arguments are not a JSON object"
    return value, None


@dataclass(frozen=True, slots=True)
class ToolArgsValid:
    name: str
    tools: Sequence[Any] | None
    _validators: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """Validators by schema text (a run's rows share the same few tools)."""

    @property
    def spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"kind": "tool_args_valid"}
        if self.tools is not None:
            spec["tools"] = list(self.tools)
        if self.name != "tool_args_valid":
            spec["name"] = self.name
        return spec

    def _validator(self, schema: Any) -> Any:
        text = json.dumps(schema, sort_keys=True)
        validator = self._validators.get(text)
        if validator is None:
            validator = self._validators.setdefault(text, schema_validator(schema))
        return validator

    def _check(self, call: Mapping[str, Any], schemas: Mapping[str, Any]) -> str | None:
        """Why a call is invalid, or None."""
        tool = str(call.get("name"))
        if tool not in schemas:
            return f"{tool}: not one of the offered tools ({', '.join(sorted(schemas))})"
        value, error = _arguments(call.get("arguments"))
        if error is not None:
            return f"{tool}: {error}"
        try:
            validator = self._validator(schemas[tool])
        except ConfigError as exc:
            return f"{tool}: the tool's parameters are no valid schema: {exc.message}"
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
        if errors:
            first = errors[0]
            return f"{tool}: {_where(first.absolute_path)}: {first.message}"
        return None

    def score_with(self, output: Any, tools: Any) -> Score | None:
        try:
            calls = parse_calls(output)
        except ValueError as exc:
            return Score(0.0, passed=False, detail=f"tool calls unreadable: {exc}")
        if not calls:
            return None  # no tool was called: nothing to validate
        schemas = _schemas(tools)
        if not schemas:
            return Score(None, detail="no tools were offered to validate against")
        problems = [p for p in (self._check(c, schemas) for c in calls) if p is not None]
        valid = len(calls) - len(problems)
        detail = "; ".join(problems)[:_MAX_DETAIL] if problems else None
        return Score(valid / len(calls), passed=not problems, detail=detail)

    def __call__(self, output: str | None, fields: Mapping[str, Any]) -> Score | None:
        """`output`: a row's `tool_calls_json`; checked against `tools` (given when built)."""
        if self.tools is None:
            return Score(None, detail="no tools given (a run passes the request's own)")
        return self.score_with(output, self.tools)

    def score_row(self, row: Mapping[str, Any], fields: Mapping[str, Any]) -> Score | None:
        tools = self.tools
        if tools is None:
            try:
                tools = json.loads(row.get("params_json") or "{}").get("tools")
            except (ValueError, AttributeError):
                tools = None
        return self.score_with(row.get("tool_calls_json"), tools)


def tool_args_valid(
    *, tools: Sequence[Any] | None = None, name: str = "tool_args_valid"
) -> ToolArgsValid:
    """Each tool call names an offered tool and its arguments are a JSON object valid
    against that tool's `parameters` JSON Schema. The tools are the request's own (`tools`
    in its params) unless `tools` gives them (the same list shape). Score: the share of
    valid calls (1 and passed when all are); `detail` names each invalid call and why.
    Rows without a tool call are not scored."""
    if tools is not None:
        if isinstance(tools, str | bytes) or not isinstance(tools, Sequence):
            raise ConfigError("scorer tool_args_valid: tools must be a list of tool definitions")
        if not _schemas(tools):
            raise ConfigError("scorer tool_args_valid: tools names no function")
        for schema in _schemas(tools).values():
            schema_validator(schema)  # a broken schema fails where the scorer is made
    return ToolArgsValid(name, None if tools is None else list(tools))
