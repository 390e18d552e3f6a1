"""The answer's tool calls as a results row keeps them (`tool_calls_json`).

Each call is stored as `{"name", "arguments"}`, in the order the model sent them. Function
arguments are a JSON object sent as a string: they are stored parsed when they are one, so a
reader (a scorer, a DataFrame filter) need not parse twice; anything else (truncated JSON,
a bare value, the empty string some providers send for a tool without parameters) is kept as
the raw string it was, so the row says exactly what the model sent. A reader tells the two
apart by type: an object was parsed, a string is raw.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["call_records", "calls_json"]


def _arguments(raw: Any) -> Any:
    if not isinstance(raw, str):
        # Some servers send the arguments already parsed: keep an object, stringify the rest.
        return dict(raw) if isinstance(raw, Mapping) else json.dumps(raw)
    try:
        parsed = json.loads(raw)
    except ValueError:
        return raw
    return parsed if isinstance(parsed, dict) else raw


def call_records(
    tool_calls: Sequence[Mapping[str, Any]] | None, *, turn: int | None = None
) -> list[dict[str, Any]]:
    """`{"name", "arguments"}` of each call (`"turn"` too when given), in order."""
    records = []
    for call in tool_calls or ():
        function = call.get("function")
        function = function if isinstance(function, Mapping) else {}
        record: dict[str, Any] = {
            "name": function.get("name"),
            "arguments": _arguments(function.get("arguments", "")),
        }
        if turn is not None:
            record["turn"] = turn
        records.append(record)
    return records


def calls_json(records: Sequence[Mapping[str, Any]]) -> str | None:
    """The column's text: null when the answer called no tool."""
    if not records:
        return None
    return json.dumps(list(records), ensure_ascii=False, separators=(",", ":"))
