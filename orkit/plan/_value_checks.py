"""Small composable checks of a spec value: each `Check` returns None when the value is
acceptable, else what it must be (`must be ..., got ...`), with a did-you-mean for a near
miss. `_request_fields` builds its tables of the body's fields from them.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "Check",
    "anything",
    "boolean",
    "did_you_mean",
    "got",
    "integer",
    "is_int",
    "is_number",
    "keys_problem",
    "nested",
    "number",
    "one_of",
    "string",
    "strings",
    "table",
]

Check = Callable[[Any], str | None]
"""None when the value is acceptable, else what it must be (`must be ..., got ...`)."""


def got(value: Any) -> str:
    return f"got {value!r:.60}"


def is_number(value: Any) -> bool:
    # bool is an int to Python, never a temperature to a user; NaN passes no bound.
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def number(low: float | None = None, high: float | None = None, *, above: bool = False) -> Check:
    """A number in [low, high] (`above`: low itself excluded)."""
    if low is not None and high is not None:
        words = f"a number from {low:g} to {high:g}" + (f", above {low:g}" if above else "")
    elif low is not None:
        words = f"a number {'>' if above else '>='} {low:g}"
    else:
        words = "a number"

    def check(value: Any) -> str | None:
        ok = is_number(value)
        ok = ok and (low is None or (value > low if above else value >= low))
        ok = ok and (high is None or value <= high)
        return None if ok else f"must be {words}, {got(value)}"

    return check


def integer(low: int | None = None, high: int | None = None) -> Check:
    words = "an integer" + (f" >= {low}" if low is not None and high is None else "")
    if low is not None and high is not None:
        words = f"an integer from {low} to {high}"

    def check(value: Any) -> str | None:
        ok = is_int(value) and (low is None or value >= low) and (high is None or value <= high)
        return None if ok else f"must be {words}, {got(value)}"

    return check


def boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, {got(value)}"


def string(value: Any) -> str | None:
    return None if isinstance(value, str) else f"must be a string, {got(value)}"


def table(value: Any) -> str | None:
    return None if isinstance(value, Mapping) else f"must be a table, {got(value)}"


def anything(value: Any) -> str | None:
    return None


def one_of(*choices: str) -> Check:
    listed = ", ".join(repr(c) for c in choices)

    def check(value: Any) -> str | None:
        if value in choices:
            return None
        return f"must be one of {listed}, {got(value)}" + did_you_mean(value, choices)

    return check


def strings(value: Any) -> str | None:
    if isinstance(value, list) and all(isinstance(v, str) and v for v in value):
        return None
    return f"must be a list of strings, {got(value)}"


def did_you_mean(value: Any, choices: Any) -> str:
    if not isinstance(value, str):
        return ""
    near = difflib.get_close_matches(value, list(choices), n=1)
    return f"; did you mean {near[0]!r}?" if near else ""


def keys_problem(value: Mapping[str, Any], known: Mapping[str, Check]) -> str | None:
    """The first problem among a table's keys and values (unknown keys included)."""
    for key, item in value.items():
        check = known.get(key)
        if check is None:
            return f"has unknown key {key!r}" + did_you_mean(key, known)
        problem = check(item)
        if problem is not None:
            return f"{key}: {problem}"
    return None


def nested(known: Mapping[str, Check]) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, Mapping):
            return f"must be a table, {got(value)}"
        return keys_problem(value, known)

    return check
