"""What the emulator's draws are seeded from: the request as the model reads it.

Prompt caching changes what a request is billed, not what it asks: `cache_control` markers
(on a text part, a message or the body), `prompt_cache_breakpoint` on a part and the body's
`prompt_cache_key` / `prompt_cache_options` are not content, and a text sent as one text part
reads as the same text sent as a string (which is how a breakpoint is sent: the marked string
becomes `[{"type": "text", "text": ..., "cache_control": ...}]`). So the answer, its length,
reasoning and tool calls, the injected faults and the provider pick are drawn from this
normalized view; otherwise a sweep run with and without `prompt_cache` would answer
differently and caching would look like it changes quality.

A body with none of these is its own view: its `seed_hash` is its `body_hash` and its
`seed_messages` are its messages, so every answer to it is what it always was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from orkit.sim._hashing import body_hash

__all__ = ["CACHE_ONLY_KEYS", "seed_hash", "seed_messages"]

CACHE_ONLY_KEYS = frozenset({"cache_control", "prompt_cache_key", "prompt_cache_options"})
"""Body keys that steer prompt caching only (reference §2.2); not part of what is asked."""
_PART_MARKERS = frozenset({"cache_control", "prompt_cache_breakpoint"})
_PLAIN_TEXT_KEYS = frozenset({"type", "text"})


def seed_messages(messages: Sequence[Mapping[str, Any]]) -> tuple[Mapping[str, Any], ...]:
    """`messages` without cache markers, a lone text part as its string; unchanged messages
    are the very objects given."""
    return tuple(_message(message) for message in messages)


def seed_hash(
    body: Mapping[str, Any], messages: Sequence[Mapping[str, Any]], seeded: Sequence[Any]
) -> str:
    """The `body_hash` of the body as the model reads it (`seeded` = `seed_messages(messages)`):
    the body's own hash when nothing was normalized away."""
    unchanged = all(a is b for a, b in zip(messages, seeded, strict=True))
    if unchanged and CACHE_ONLY_KEYS.isdisjoint(body):
        return body_hash(body)
    view = {key: value for key, value in body.items() if key not in CACHE_ONLY_KEYS}
    view["messages"] = list(seeded)
    return body_hash(view)


def _message(message: Mapping[str, Any]) -> Mapping[str, Any]:
    content = message.get("content")
    seeded = _content(content) if isinstance(content, list) else content
    if seeded is content and "cache_control" not in message:
        return message
    out = {key: value for key, value in message.items() if key != "cache_control"}
    out["content"] = seeded
    return out


def _content(parts: list[Any]) -> Any:
    """Parts without markers; one plain text part is its text (the string it was marked from)."""
    bare = [_part(part) for part in parts]
    if len(bare) == 1 and _is_plain_text(bare[0]):
        return bare[0]["text"]
    if all(a is b for a, b in zip(parts, bare, strict=True)):
        return parts
    return bare


def _part(part: Any) -> Any:
    if not isinstance(part, Mapping) or _PART_MARKERS.isdisjoint(part):
        return part
    return {key: value for key, value in part.items() if key not in _PART_MARKERS}


def _is_plain_text(part: Any) -> bool:
    return (
        isinstance(part, Mapping)
        and part.keys() == _PLAIN_TEXT_KEYS
        and part.get("type") == "text"
        and isinstance(part.get("text"), str)
    )
