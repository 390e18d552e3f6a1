"""Prompt-cache breakpoints (`prompt_cache`, `cache_ttl`): where a sweep's prompts carry
`cache_control`, sent only to the models that need it (layer 4, pure).

OpenRouter's explicit-cache models (authors `anthropic` and `qwen`, `~anthropic/...` aliases
too) cache a prompt's prefix only up to a `cache_control` breakpoint; every other model that
caches does so by itself, at message boundaries, and gets the request unchanged (reference
§10). A breakpoint is the marked message's content as parts, `cache_control` on its last
text part:
`{"type": "text", "text": ..., "cache_control": {"type": "ephemeral"[, "ttl": "1h"]}}`.

Modes: `"system"` marks the end of the system prompt (the last of the leading system
messages), `"message:N"` the N-th message of the rendered prompt (0-based), `"auto"` the end
of the longest run of leading messages that is the same for every item of the sweep
(computed once, at plan time, per prompt), `"none"` (the default) nothing. Without a
breakpoint the messages are the very list rendered, so a sweep without `prompt_cache` sends
byte-identical bodies (the response cache and resume key on them). A task's key and its
recorded `messages_json` are the unmarked messages: caching changes what is billed, not what
is asked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from orkit._hashing import canonical_json
from orkit.data import Item
from orkit.errors import SpecError

RowRender = Callable[[Item], list[dict[str, Any]]]

__all__ = [
    "CACHE_MODES",
    "CACHE_TTLS",
    "Breakpoints",
    "check_cache_settings",
    "common_prefix_end",
    "idle_ttl_warning",
    "marks_breakpoints",
    "resolve_breakpoints",
    "with_breakpoint",
]

CACHE_MODES = ("none", "system", "auto", "message:N")
"""What `prompt_cache` takes (`message:N` with N a message index, 0-based)."""
CACHE_TTLS = ("5m", "1h")
_EXPLICIT_AUTHORS = frozenset({"anthropic", "qwen"})
_MESSAGE_MODE = re.compile(r"message:(\d+)")
_SYSTEM_ROLES = ("system", "developer")


def check_cache_settings(mode: Any, ttl: Any, path: str | None) -> None:
    """Raise a SpecError naming the key for a value `prompt_cache` / `cache_ttl` cannot be."""
    if not isinstance(mode, str) or not (
        mode in ("none", "system", "auto") or _MESSAGE_MODE.fullmatch(mode)
    ):
        raise SpecError(
            f"must be one of 'none', 'system', 'auto', 'message:N' (N a message index, "
            f"0-based), got {_as_written(mode)}",
            path=path,
            field="prompt_cache",
        )
    if ttl not in CACHE_TTLS:
        raise SpecError(
            f"must be '5m' or '1h', got {_as_written(ttl)}", path=path, field="cache_ttl"
        )


def _as_written(value: Any) -> str:
    """A bad value as the spec file wrote it: TOML's `true`, not Python's `True`."""
    return str(value).lower() if isinstance(value, bool) else repr(value)


def idle_ttl_warning(mode: Any, ttl: Any) -> str | None:
    """A `cache_ttl` other than the default with `prompt_cache = "none"`: nothing is
    marked for caching, so the TTL changes nothing (said, not an error)."""
    if mode == "none" and ttl != "5m":
        return f"cache_ttl = {ttl!r} has no effect with prompt_cache = 'none' (nothing is marked)"
    return None


def marks_breakpoints(model_id: str) -> bool:
    """Whether requests to this model carry the breakpoint (explicit-cache models only)."""
    return model_id.lstrip("~").split("/", 1)[0] in _EXPLICIT_AUTHORS


def common_prefix_end(prompts: Iterable[Sequence[Mapping[str, Any]]]) -> int | None:
    """The index of the last message of the longest run of leading messages every prompt
    shares (None when they share none, or there are no prompts)."""
    shared = _SharedPrefix()
    for messages in prompts:
        shared.add(messages)
    return shared.end


class _SharedPrefix:
    """The leading messages shared by every prompt seen so far (streaming: one prompt's
    worth of memory, whatever the dataset's size)."""

    __slots__ = ("_texts",)

    def __init__(self) -> None:
        self._texts: list[str] | None = None

    def add(self, messages: Sequence[Mapping[str, Any]]) -> None:
        if self._texts is None:
            self._texts = [canonical_json(m) for m in messages]
            return
        n, shared = 0, self._texts
        while n < len(shared) and n < len(messages) and shared[n] == canonical_json(messages[n]):
            n += 1
        del shared[n:]

    @property
    def end(self) -> int | None:
        return len(self._texts) - 1 if self._texts else None


def with_breakpoint(
    messages: list[dict[str, Any]], index: int | None, ttl: str
) -> list[dict[str, Any]]:
    """`messages` with `cache_control` on the last text part of message `index` (its string
    content made a text part); the same list when there is nothing to mark."""
    if index is None or not 0 <= index < len(messages):
        return messages
    message = messages[index]
    content = message.get("content")
    marker: dict[str, str] = {"type": "ephemeral"}
    if ttl != "5m":
        marker["ttl"] = ttl
    if isinstance(content, str):
        parts: list[Any] = [{"type": "text", "text": content, "cache_control": marker}]
    elif isinstance(content, list):
        last = max(
            (
                i
                for i, p in enumerate(content)
                if isinstance(p, Mapping) and p.get("type") == "text"
            ),
            default=None,
        )
        if last is None:
            return messages
        parts = list(content)
        parts[last] = {**content[last], "cache_control": marker}
    else:
        return messages
    marked = list(messages)
    marked[index] = {**message, "content": parts}
    return marked


@dataclass(frozen=True, slots=True)
class Breakpoints:
    """A sweep's breakpoint settings, resolved for its prompts."""

    mode: str
    ttl: str = "5m"
    auto_ends: Mapping[str, int | None] = field(default_factory=dict)
    """`"auto"`: each prompt id's shared-prefix end (`common_prefix_end`)."""

    def index(self, prompt_id: str, messages: Sequence[Mapping[str, Any]]) -> int | None:
        """Which message of this rendered prompt carries the breakpoint (None: none)."""
        if self.mode == "system":
            end = None
            for i, message in enumerate(messages):
                if message.get("role") not in _SYSTEM_ROLES:
                    break
                end = i
            return end
        if self.mode == "auto":
            return self.auto_ends.get(prompt_id)
        found = _MESSAGE_MODE.fullmatch(self.mode)
        return int(found.group(1)) if found else None

    def mark(self, prompt_id: str, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The messages as an explicit-cache model gets them."""
        return with_breakpoint(messages, self.index(prompt_id, messages), self.ttl)


def resolve_breakpoints(
    settings: tuple[str, str],
    renders: Sequence[tuple[str, RowRender]],
    items: Iterable[Item],
    path: str | None,
) -> Breakpoints | None:
    """The sweep's breakpoints (`settings` = (prompt_cache, cache_ttl)), None for `"none"`.
    `"auto"` and `"message:N"` read every item once: auto for each prompt's shared prefix,
    message:N to refuse, naming the item, a prompt that has no message N."""
    mode, ttl = settings
    if mode == "none":
        return None
    if mode == "system":
        return Breakpoints(mode, ttl)
    found = _MESSAGE_MODE.fullmatch(mode)
    wanted = int(found.group(1)) if found else None
    shared = {pid: _SharedPrefix() for pid, _ in renders}
    for item in items:
        for pid, render in renders:
            messages = render(item)
            if wanted is not None and wanted >= len(messages):
                raise SpecError(
                    f"{mode!r}: prompt {pid!r} has {len(messages)} messages for item "
                    f"{item.item_id!r} (N counts from 0)",
                    path=path,
                    field="prompt_cache",
                )
            if wanted is None:
                shared[pid].add(messages)
    if wanted is not None:
        return Breakpoints(mode, ttl)
    return Breakpoints(mode, ttl, {pid: prefix.end for pid, prefix in shared.items()})
