"""The parts of a chat request beyond plain text: tools, a JSON schema, reasoning, media.

Parsed once per request; `None` for a plain request (no `tools`, no JSON
`response_format`, no `reasoning*` keys, no image or file parts), so the emulator's hot path
pays one look at the body and nothing more.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from orkit.sim.media import Media, parse_media
from orkit.sim.reasoning import ReasoningAsk, parse_reasoning
from orkit.sim.tools import ToolAsk, parse_tools

__all__ = ["Extras", "parse_extras"]

_KEYS = frozenset({"tools", "tool_choice", "reasoning", "reasoning_effort", "include_reasoning"})


@dataclass(frozen=True)
class Extras:
    """What a request asks beyond a plain text answer."""

    tools: ToolAsk | None
    schema: Mapping[str, Any] | None
    """The `response_format.json_schema.schema` of a json_schema request."""
    reasoning: ReasoningAsk | None
    media: Media | None
    json_mode: str | None = None
    """`json_object` or `json_schema` when `response_format` asks for JSON."""


def parse_extras(
    body: Mapping[str, Any],
    messages: Sequence[Mapping[str, Any]],
    json_mode: str | None,
    user_id: str,
    *,
    has_parts: bool,
) -> Extras | None:
    """The request's extras, None when it has none (`has_parts`: some message's content is a
    list of parts); a 400 `SimError` for malformed ones."""
    if not has_parts and json_mode is None and _KEYS.isdisjoint(body):
        return None
    schema = None
    if json_mode == "json_schema":
        found = (body["response_format"].get("json_schema") or {}).get("schema")
        schema = found if isinstance(found, Mapping) else None
    media = parse_media(messages, body.get("plugins"), user_id) if has_parts else None
    extras = Extras(
        tools=parse_tools(body, user_id),
        schema=schema,
        reasoning=parse_reasoning(body, user_id),
        media=media,
        json_mode=json_mode,
    )
    if extras == _NOTHING:
        return None
    return extras


_NOTHING = Extras(None, None, None, None)
