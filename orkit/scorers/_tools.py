"""Tool-call scorers: did the model call the expected tools with the expected arguments
(`tool_call`), and do the arguments it sent fit the offered tool's parameter schema
(`tool_args_valid`)?

Both score a results row's `tool_calls_json` (a JSON list of `{"name", "arguments"}`,
arguments parsed when the model sent a JSON object, the raw string otherwise), so they work
on rows from any server, and on a re-score. In a run they get the whole row
(`score_row`); called directly, `output` is that column's text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from orkit.errors import ConfigError
from orkit.scorers._base import Score

__all__ = ["parse_calls", "tool_call"]

Match = Literal["subset", "exact"]
_MAX_DETAIL = 500


def parse_calls(text: Any) -> list[dict[str, Any]]:
    """The calls of a `tool_calls_json` value (text or already a list); [] for none."""
    if text is None or text == "":
        return []
    value = json.loads(text) if isinstance(text, str) else text
    if isinstance(value, Mapping):
        value = [value]
    if not isinstance(value, list):
        raise ValueError(f"not a list of tool calls: {value!r:.60}")
    return [dict(c) for c in value if isinstance(c, Mapping)]


def _arguments(value: Any) -> Any:
    """Arguments as an object where they can be one: an empty string (what some providers
    send for a tool without parameters) is `{}`, JSON text is parsed; else as they are."""
    if isinstance(value, str):
        if not value.strip():
            return {}
        try:
            return json.loads(value)
        except ValueError:
            return value
    return {} if value is None else value


def _subset(expected: Any, actual: Any) -> bool:
    """`expected` is contained in `actual`: objects by key (recursively), lists element by
    element (same length), other values equal."""
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(
            k in actual and _subset(v, actual[k]) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(_subset(e, a) for e, a in zip(expected, actual, strict=True))
        )
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual  # JSON's true is not 1
    return bool(expected == actual)


def _first_difference(expected: Any, actual: Any, match: Match, path: str = "$") -> str:
    """Where `actual` departs from `expected`, for the detail (`$.city: expected 'Paris',
    got 'paris'`)."""
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        for k, v in expected.items():
            if k not in actual:
                return f"{path}.{k}: missing"
            if not _args_match(v, actual[k], match):
                return _first_difference(v, actual[k], match, f"{path}.{k}")
        extra = sorted(set(actual) - set(expected))
        if match == "exact" and extra:
            return f"{path}.{extra[0]}: not expected"
    return f"{path}: expected {json.dumps(expected)[:80]}, got {json.dumps(actual)[:80]}"


def _args_match(expected: Any, actual: Any, match: Match) -> bool:
    if match == "exact":
        return _subset(expected, actual) and _subset(actual, expected)
    return _subset(expected, actual)


@dataclass(frozen=True, slots=True)
class _Expected:
    name: str | None
    arguments: Any
    """None: any arguments."""


def _matching(expected: list[_Expected], actual: list[dict[str, Any]], match: Match) -> int:
    """The most expected calls that can each be paired with a different actual call
    (bipartite matching: a greedy pairing could use up the call another expectation
    needed)."""
    fits = [
        [
            j
            for j, call in enumerate(actual)
            if call.get("name") == e.name
            and (
                e.arguments is None
                or _args_match(e.arguments, _arguments(call.get("arguments")), match)
            )
        ]
        for e in expected
    ]
    owner: dict[int, int] = {}

    def place(i: int, seen: set[int]) -> bool:
        for j in fits[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or place(owner[j], seen):
                owner[j] = i
                return True
        return False

    return sum(place(i, set()) for i in range(len(expected)))


def _why(expected: list[_Expected], actual: list[dict[str, Any]], match: Match) -> str:
    if not actual:
        return "no tool call (expected " + ", ".join(str(e.name) for e in expected) + ")"
    names = [c.get("name") for c in actual]
    for e in expected:
        same = [c for c in actual if c.get("name") == e.name]
        if not same:
            return f"{e.name} not called (called {', '.join(map(str, names))})"
        if e.arguments is not None and not any(
            _args_match(e.arguments, _arguments(c.get("arguments")), match) for c in same
        ):
            got = _arguments(same[0].get("arguments"))
            return f"{e.name} arguments ({match}): {_first_difference(e.arguments, got, match)}"
    extra = len(actual) - len(expected)
    return f"{extra} extra call(s): {', '.join(map(str, names))}" if extra > 0 else "mismatch"


@dataclass(frozen=True, slots=True)
class ToolCall:
    name: str
    tool: str | None
    arguments: str | None
    calls: str | None
    match: Match
    spec: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def _expected(self, fields: Mapping[str, Any]) -> list[_Expected] | None:
        if self.calls is not None:
            raw = fields.get(self.calls)
            if raw is None:
                return None
            return [_Expected(c.get("name"), c.get("arguments")) for c in parse_calls(raw)]
        assert self.tool is not None
        # A column of that name holds each item's expected tool; otherwise it is the name.
        tool = fields.get(self.tool) if self.tool in fields else self.tool
        if tool is None:
            return None
        args = None
        if self.arguments is not None:
            args = _arguments(fields.get(self.arguments))
        return [_Expected(str(tool), args)]

    def __call__(self, output: str | None, fields: Mapping[str, Any]) -> Score | None:
        """`output`: a row's `tool_calls_json`."""
        try:
            expected = self._expected(fields)
        except ValueError as exc:
            return Score(None, detail=f"{self.calls}: {exc}")
        if expected is None:
            return None  # this item expects nothing of this scorer
        shown = json.dumps(
            [{"name": e.name, "arguments": e.arguments} for e in expected], ensure_ascii=False
        )[:_MAX_DETAIL]
        try:
            actual = parse_calls(output)
        except ValueError as exc:
            unreadable = f"tool calls unreadable: {exc}"
            return Score(0.0, passed=False, expected=shown, detail=unreadable)
        if not expected:
            ok = not actual
            extra = None if ok else "a tool was called, none expected"
            return Score(float(ok), passed=ok, expected=shown, detail=extra)
        matched = _matching(expected, actual, self.match)
        if not actual or not matched:
            f1 = 0.0
        else:
            precision, recall = matched / len(actual), matched / len(expected)
            f1 = 2 * precision * recall / (precision + recall)
        passed = matched == len(expected) == len(actual)
        detail = None if passed else _why(expected, actual, self.match)[:_MAX_DETAIL]
        return Score(f1, passed=passed, expected=shown, detail=detail)

    def score_row(self, row: Mapping[str, Any], fields: Mapping[str, Any]) -> Score | None:
        return self(row.get("tool_calls_json"), fields)


def tool_call(
    tool: str | None = None,
    *,
    arguments: str | None = None,
    calls: str | None = None,
    match: Match = "subset",
    name: str = "tool_call",
) -> ToolCall:
    """The answer called the expected tool(s) with the expected arguments.

    One expected call: `tool` (a dataset column holding the tool's name, or, when the
    dataset has no such column, the name itself) and optionally `arguments` (a column
    holding the expected arguments: an object or its JSON text; not given: any arguments).
    Several: `calls`, a column holding a list of `{"name", "arguments"}` (an empty list
    expects no tool call). `match`: `subset` (every expected key is there with its value,
    recursively; other keys allowed) or `exact`. The score is the F1 over calls (a call
    matches when its name and arguments do; each answer call pairs with at most one
    expected call): 1 and passed when every expected call was made and nothing else.
    `detail` says what mismatched. Items whose column is null are not scored.
    """
    if (tool is None) == (calls is None):
        raise ConfigError("scorer tool_call: give tool (and arguments) or calls, one of them")
    if calls is not None and arguments is not None:
        raise ConfigError("scorer tool_call: arguments go inside each of `calls`")
    if match not in ("subset", "exact"):
        raise ConfigError(f"scorer tool_call: match must be 'subset' or 'exact', got {match!r}")
    spec: dict[str, Any] = {"kind": "tool_call", "match": match}
    for key, value in (("tool", tool), ("arguments", arguments), ("calls", calls)):
        if value is not None:
            spec[key] = value
    if name != "tool_call":
        spec["name"] = name
    return ToolCall(name, tool, arguments, calls, match, spec)
