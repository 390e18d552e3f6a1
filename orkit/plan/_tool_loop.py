"""A sweep's tool loop (`max_turns`, `tools_impl`, `tool_results`): checked where the sweep is
made, built into the engine's `ToolLoop`, and written back to the spec.

In a spec the mocks are `module:function` references (a `.py` path is relative to the spec
file), as a `python` scorer's function is; in Python they are the functions themselves,
which the run's spec records by the same kind of reference so a resume can import them.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orkit.batch import ToolLoop
from orkit.errors import ConfigError, SpecError
from orkit.scorers import load_object

if TYPE_CHECKING:
    from orkit.plan._sweep import SweepDefinition

__all__ = [
    "check_tool_results_column",
    "resolve_tool_paths",
    "tool_loop_of",
    "tools_impl_spec",
]


def _fail(sweep: SweepDefinition, field: str, message: str) -> SpecError:
    return SpecError(message, path=sweep.spec_path, field=field)


def _function(sweep: SweepDefinition, name: str, value: Any) -> Callable[..., Any]:
    if callable(value):
        function: Callable[..., Any] = value
        return function
    if not isinstance(value, str):
        raise _fail(
            sweep,
            f"tools_impl.{name}",
            f"must be a function or 'module:function', got {value!r:.60}",
        )
    try:
        loaded = load_object(value)
    except ConfigError as exc:
        message = exc.message.removeprefix("scorer python: ")
        raise _fail(sweep, f"tools_impl.{name}", message) from None
    if not callable(loaded):
        raise _fail(sweep, f"tools_impl.{name}", f"{value!r} is not a function")
    loaded_function: Callable[..., Any] = loaded
    return loaded_function


def tool_loop_of(sweep: SweepDefinition) -> ToolLoop | None:
    """The engine's tool loop for `sweep`, or None for one request per task (SpecError
    naming the field for a bad value)."""
    turns = sweep.max_turns
    if isinstance(turns, bool) or not isinstance(turns, int) or turns < 1:
        raise _fail(sweep, "max_turns", f"must be an integer >= 1, got {turns!r}")
    if not isinstance(sweep.tools_impl, Mapping):
        raise _fail(sweep, "tools_impl", "must be a table of tool name = function")
    column = sweep.tool_results
    if column is not None and (not isinstance(column, str) or not column):
        raise _fail(sweep, "tool_results", f"must be a dataset column name, got {column!r}")
    mocked = bool(sweep.tools_impl) or column is not None
    if turns == 1:
        if mocked:
            field = "tools_impl" if sweep.tools_impl else "tool_results"
            raise _fail(sweep, field, "tool mocks answer tool calls in a loop: set max_turns >= 2")
        return None
    if not mocked:
        raise _fail(
            sweep,
            "max_turns",
            "a tool loop needs mocked tools: give tools_impl (functions) or tool_results "
            "(a dataset column of canned results)",
        )
    functions = {str(k): _function(sweep, str(k), v) for k, v in sweep.tools_impl.items()}
    return ToolLoop(max_turns=turns, tools_impl=functions, tool_results=column)


def check_tool_results_column(sweep: SweepDefinition, columns: Sequence[str]) -> None:
    """The `tool_results` column is one of the dataset's (caught before anything is sent)."""
    column = sweep.tool_results
    if column is None or not columns or column in columns:
        return
    near = difflib.get_close_matches(column, list(columns), n=1)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    raise _fail(sweep, "tool_results", f"the dataset has no column {column!r}{hint}")


def _reference(fn: Any) -> str:
    if isinstance(fn, str):
        return fn
    module = getattr(fn, "__module__", None) or "?"
    qualname = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", "?")
    return f"{module}:{qualname}"


def tools_impl_spec(tools_impl: Mapping[str, Any]) -> dict[str, str]:
    """The mocks as a spec writes them: `module:function` references."""
    return {str(name): _reference(fn) for name, fn in tools_impl.items()}


def resolve_tool_paths(table: Mapping[str, Any], base: Path) -> dict[str, Any]:
    """`get_weather = "tools.py:get_weather"` is relative to the spec file."""
    out: dict[str, Any] = {}
    for name, value in table.items():
        if isinstance(value, str):
            module, sep, attr = value.rpartition(":")
            if sep and module.endswith(".py") and not Path(module).expanduser().is_absolute():
                value = f"{base / Path(module).expanduser()}:{attr}"
        out[name] = value
    return out
