"""Multi-step tool use with mocked tools: a task's answer may call tools; the loop answers
each call from a mock (a Python function, or the item's canned result) and sends the
conversation again, until the model answers without calling a tool or `max_turns` requests
were sent.

A turn is one routed request (its retries and fallbacks included): every HTTP attempt is
journaled as it ends, as for any task, so the attempts table holds each turn's billed
generation. The task keeps one results row: the last turn's answer, every turn's tool calls
(with their turn) in `tool_calls_json`, the turn count in `turns` and each turn's figures
in `turns_json`. When every turn's cost is known the row's tokens and cost are the sums
over its turns, and those turns' attempts are the row's own; otherwise the row holds its
last turn's and the earlier turns count as billed attempts of their own (looked up after
the run like any). Either way the run's spend is what the server billed.

The task is the unit of work: a loop cut short (a kill, an error, a quota, the budget) has
no answered row, so a resume sends the whole conversation again from its first turn (the
turns already sent stay in the attempts table, billed).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from orkit.batch._attempts import TaskAttempts
from orkit.batch._tasks import Task
from orkit.batch._tool_calls import call_records, calls_json
from orkit.results import ResultRow
from orkit.router import Attempt, Outcome, Routes
from orkit.types import ChatRequest, ChatResponse

__all__ = ["ToolLoop", "Turns"]

_MAX_RESULT_SHOWN = 2000
"""Characters of each tool result kept in `turns_json` (what the model was sent is in full
in the request; the row keeps enough to read the exchange)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolLoop:
    """How a run answers tool calls (`Sweep(max_turns=..., tools_impl=..., tool_results=...)`)."""

    max_turns: int
    """The most requests one task may send (the first included)."""
    tools_impl: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    """Tool name → a function called with the call's arguments as keywords (sync or async);
    its return value, as text (JSON unless it is a string), is the tool's result."""
    tool_results: str | None = None
    """A dataset column of canned results: `{tool name: result}` (every turn), or a list of
    such objects, one per turn (JSON text of either is read too)."""

    async def result(self, task: Task, name: str | None, arguments: Any, turn: int) -> str:
        """What tool `name` answers to `arguments` in `turn` (an error text when it cannot:
        the model is told, as an agent would tell it)."""
        fn = self.tools_impl.get(name or "")
        if fn is not None:
            if not isinstance(arguments, dict):
                return f"error: arguments are not a JSON object: {str(arguments)[:200]}"
            try:
                value = fn(**arguments)
                if inspect.isawaitable(value):
                    value = await value
            except Exception as exc:  # the mock's failure is the tool's answer
                return f"error: {type(exc).__name__}: {exc}"
            return _as_text(value)
        canned = _canned(task.fields.get(self.tool_results or ""), turn)
        if canned is not None and name is not None and name in canned:
            return _as_text(canned[name])
        return f"error: no result for tool {name!r}"

    async def route(self, task: Task, router: Routes, hooks: TaskAttempts) -> tuple[Outcome, Turns]:
        """Route the task's turns; the last turn's outcome (with every turn's attempts and
        waits) and the record of the turns."""
        turns = Turns()
        request = task.request
        attempts: list[Attempt] = []
        queue_s = backoff_s = 0.0
        fell_back = False
        first_offset = hooks.offset
        while True:
            hooks.offset = first_offset + len(attempts)  # numbered after the earlier turns
            outcome = await router.route(request, hooks)
            attempts.extend(outcome.attempts)
            queue_s += outcome.queue_s
            backoff_s += outcome.backoff_s
            fell_back = fell_back or outcome.is_fallback
            response = outcome.response
            last = response is None or not response.tool_calls or turns.count + 1 >= self.max_turns
            results = [] if last or response is None else await self._results(task, response, turns)
            if response is not None:
                turns.add(response, results)
            if last or response is None:
                break
            request = _next_request(request, response, results, turns.count)
        outcome.attempts = attempts
        outcome.queue_s, outcome.backoff_s = queue_s, backoff_s
        outcome.is_fallback = fell_back
        return outcome, turns

    async def _results(
        self, task: Task, response: ChatResponse, turns: Turns
    ) -> list[tuple[str, str | None, str]]:
        """(call id, tool name, result) for each call of `response`."""
        out = []
        turn = turns.count + 1
        for i, call in enumerate(response.tool_calls or ()):
            function = call.get("function") or {}
            (record,) = call_records([call])
            call_id = str(call.get("id") or f"call_{turn}_{i}")
            name = function.get("name")
            out.append((call_id, name, await self.result(task, name, record["arguments"], turn)))
        return out


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _canned(value: Any, turn: int) -> Mapping[str, Any] | None:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if isinstance(value, list):
        value = value[turn - 1] if turn <= len(value) else None
    return value if isinstance(value, Mapping) else None


def _next_request(
    request: ChatRequest,
    response: ChatResponse,
    results: Sequence[tuple[str, str | None, str]],
    turn: int,
) -> ChatRequest:
    """The conversation so far, the assistant's tool calls and one `tool` message per call.
    A forced or required `tool_choice` becomes `auto` after the first turn, or the model
    could never answer."""
    calls = []
    for i, call in enumerate(response.tool_calls or ()):
        function = call.get("function") or {}
        calls.append(
            {
                "id": results[i][0],
                "type": "function",
                "function": {
                    "name": function.get("name"),
                    "arguments": _raw_arguments(function.get("arguments")),
                },
            }
        )
    assistant = {"role": "assistant", "content": response.content or None, "tool_calls": calls}
    tools = [
        {"role": "tool", "tool_call_id": call_id, "content": result}
        for call_id, _, result in results
    ]
    params = dict(request.params)
    if params.get("tool_choice") not in (None, "auto", "none"):
        params["tool_choice"] = "auto"
    return replace(request, messages=[*request.messages, assistant, *tools], params=params)


def _raw_arguments(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value if value is not None else {})


@dataclass(slots=True)
class Turns:
    """The answered turns of one task, in order."""

    responses: list[ChatResponse] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    shown: list[dict[str, Any]] = field(default_factory=list)
    """Each turn as `turns_json` lists it."""

    @property
    def count(self) -> int:
        return len(self.responses)

    def add(self, response: ChatResponse, results: Sequence[tuple[str, str | None, str]]) -> None:
        turn = self.count + 1
        self.responses.append(response)
        self.calls.extend(call_records(response.tool_calls, turn=turn))
        usage = response.usage
        self.shown.append(
            {
                "turn": turn,
                "generation_id": response.generation_id,
                "finish_reason": response.finish_reason,
                "prompt_tokens": usage.prompt_tokens if usage else None,
                "completion_tokens": usage.completion_tokens if usage else None,
                "cost_usd": usage.cost_usd if usage else None,
                "tool_results": [
                    {"name": name, "content": text[:_MAX_RESULT_SHOWN]} for _, name, text in results
                ],
            }
        )

    def folded(self, row: ResultRow) -> bool:
        """The row's cost is its turns' sum: it is answered and every turn's cost is known."""
        return row.get("status") == "ok" and all(t["cost_usd"] is not None for t in self.shown)

    def fill(self, row: ResultRow) -> None:
        """Put the turns into the task's row (its answer is the last turn's)."""
        row["tool_calls_json"] = calls_json(self.calls)
        # a failed row's last turn was sent and not answered
        sent = self.count + (row.get("status") != "ok")
        row["turns"] = sent
        if sent <= 1:
            return
        folded = self.folded(row)
        for t in self.shown:
            t["in_row"] = folded or t["generation_id"] == row.get("generation_id")
        row["turns_json"] = json.dumps(self.shown, ensure_ascii=False, separators=(",", ":"))
        if folded:
            row["cost_usd"] = sum(t["cost_usd"] for t in self.shown)
            row["prompt_tokens"] = _sum(t["prompt_tokens"] for t in self.shown)
            row["completion_tokens"] = _sum(t["completion_tokens"] for t in self.shown)
            row["reasoning_tokens"] = _sum(
                r.usage.reasoning_tokens if r.usage else None for r in self.responses
            )

    def settle(self, row: ResultRow, attempts: Sequence[Attempt]) -> list[Attempt]:
        """Fill the turns into the task's row; the attempts billed beyond what the row
        carries (every generation but the row's own turns')."""
        self.fill(row)
        own = {row.get("generation_id")}
        if self.count > 1 and self.folded(row):
            own.update(t["generation_id"] for t in self.shown)
        return [a for a in attempts if a.generation_id is not None and a.generation_id not in own]


def _sum(values: Any) -> int | None:
    """The sum, unless one is unknown (then the total is unknown: never a partial sum)."""
    total = 0
    for value in values:
        if value is None:
            return None
        total += value
    return total
