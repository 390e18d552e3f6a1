"""Tool calling: what `tools` / `tool_choice` / `parallel_tool_calls` ask, and which calls a
model makes.

Which tools are called (deterministic, from the request alone):

- `tool_choice: "none"` -> no call, a text answer;
- a forced `{"type": "function", "function": {"name": N}}` -> one call of N;
- `"required"` -> the tools that fit the prompt (below), else the first tool;
- `"auto"` (the default) -> when the last message is the user's, the tools that fit the
  prompt, else a text answer; after a `tool` result (or a prefill) always text, so that a
  call -> result -> answer loop ends.

A tool *fits* when a word of its name (split at `_`, `-`, `.` and camelCase) or of its
description (3+ letters, common words left out, a trailing "s" ignored) is a word of the last
user message. Several fitting tools are all called only when the served model's catalog
entry lists `parallel_tool_calls` and the request does not set it to false; otherwise the
first fitting tool is. Arguments are built from the tool's `parameters` schema
(`orkit.sim.schema_values`): valid against it, strings taken from the prompt.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from orkit.sim.errors import bad_request

__all__ = ["ToolAsk", "ToolCall", "ToolSpec", "fitting_tools", "parse_tools"]

_CHOICES = ("none", "auto", "required")
_STOPWORDS = frozenset(
    {
        "the", "and", "for", "with", "what", "get", "set", "this", "that", "from", "into",
        "are", "you", "your", "can", "how", "use", "tool", "function", "call", "returns",
        "return", "given", "give", "about", "which", "when", "where", "who", "why", "will",
        "some", "any", "all", "our", "its", "has", "have", "was", "were", "been", "not",
        "but", "one", "out", "let", "please", "tell", "show", "find", "make",
    }
)  # fmt: skip
_SPLIT_RE = re.compile(r"[A-Za-z][a-z]*|[A-Z]+(?![a-z])")


@dataclass(frozen=True)
class ToolSpec:
    """One offered function tool."""

    name: str
    description: str
    parameters: Mapping[str, Any]


@dataclass(frozen=True)
class ToolAsk:
    """What a request offers and asks of tools."""

    tools: tuple[ToolSpec, ...]
    choice: str
    """`none`, `auto`, `required` or `function` (then `forced` names it)."""
    forced: str | None
    parallel: bool
    """False when the request sets `parallel_tool_calls: false`."""


@dataclass(frozen=True)
class ToolCall:
    """One call in an answer: its id, the function's name and the arguments JSON text."""

    call_id: str
    name: str
    arguments: str
    pieces: tuple[str, ...]
    """`arguments` cut into tokens (streamed a few at a time)."""
    name_tokens: int

    @property
    def tokens(self) -> int:
        """Completion tokens the call costs: its name and its arguments."""
        return self.name_tokens + len(self.pieces)

    def to_json(self, index: int) -> dict[str, Any]:
        """The `message.tool_calls[]` entry (key order of the 2026 captures)."""
        return {
            "type": "function",
            "index": index,
            "id": self.call_id,
            "function": {"name": self.name, "arguments": self.arguments},
        }


def parse_tools(body: Mapping[str, Any], user_id: str) -> ToolAsk | None:
    """The request's tool ask, None when it offers no tools; a 400 for a malformed one."""
    raw = body.get("tools")
    if raw is None or raw == []:
        if isinstance(body.get("tool_choice"), Mapping) or body.get("tool_choice") == "required":
            raise bad_request("Invalid input: tool_choice needs tools", user_id)
        return None
    if not isinstance(raw, list):
        raise bad_request("Invalid input: tools must be an array", user_id)
    tools = tuple(_tool(item, index, user_id) for index, item in enumerate(raw))
    choice, forced = _choice(body.get("tool_choice"), user_id)
    if forced is not None and forced not in {t.name for t in tools}:
        raise bad_request(
            f"Invalid input: tool_choice names function '{forced}', which is not in tools",
            user_id,
        )
    parallel = body.get("parallel_tool_calls")
    if parallel is not None and not isinstance(parallel, bool):
        raise bad_request("Invalid input: parallel_tool_calls must be a bool", user_id)
    return ToolAsk(tools, choice, forced, parallel is not False)


def _tool(item: Any, index: int, user_id: str) -> ToolSpec:
    function = item.get("function") if isinstance(item, Mapping) else None
    if not isinstance(item, Mapping) or item.get("type") != "function":
        raise bad_request(f'Invalid input: tools[{index}].type must be "function"', user_id)
    name = function.get("name") if isinstance(function, Mapping) else None
    if not isinstance(function, Mapping) or not isinstance(name, str) or not name:
        raise bad_request(
            f"Invalid input: tools[{index}].function.name must be a non-empty string", user_id
        )
    parameters = function.get("parameters")
    if parameters is not None and not isinstance(parameters, Mapping):
        raise bad_request(
            f"Invalid input: tools[{index}].function.parameters must be an object", user_id
        )
    description = function.get("description")
    return ToolSpec(name, description if isinstance(description, str) else "", parameters or {})


def _choice(value: Any, user_id: str) -> tuple[str, str | None]:
    if value is None:
        return "auto", None
    if isinstance(value, str) and value in _CHOICES:
        return value, None
    if isinstance(value, Mapping) and value.get("type") == "function":
        function = value.get("function")
        name = function.get("name") if isinstance(function, Mapping) else None
        if isinstance(name, str) and name:
            return "function", name
    raise bad_request(
        'Invalid input: tool_choice must be "none", "auto", "required" or '
        '{"type": "function", "function": {"name": ...}}',
        user_id,
    )


def _words(text: str) -> set[str]:
    out = set()
    for word in _SPLIT_RE.findall(text):
        word = word.lower()
        if len(word) >= 3 and word not in _STOPWORDS:
            out.add(word[:-1] if word.endswith("s") and len(word) > 3 else word)
    return out


def fitting_tools(
    ask: ToolAsk, messages: Sequence[Mapping[str, Any]], user_text: str, parallel_ok: bool
) -> tuple[ToolSpec, ...]:
    """The tools the model calls (see the module); () for a text answer."""
    if ask.choice == "none":
        return ()
    if ask.choice == "function":
        return tuple(t for t in ask.tools if t.name == ask.forced)[:1]
    last_is_user = messages[-1].get("role") == "user"
    fits: tuple[ToolSpec, ...] = ()
    if last_is_user or ask.choice == "required":
        prompt = _words(user_text)
        fits = tuple(
            t for t in ask.tools if _words(t.name) & prompt or _words(t.description) & prompt
        )
    if ask.choice == "required" and not fits:
        fits = ask.tools[:1]
    if not (parallel_ok and ask.parallel):
        fits = fits[:1]
    return fits
