"""The emulator's own tokenizer: simple, fast, and independent of orkit's client-side estimate.

Rules:
- A token is up to 4 word characters (`\\w`) or a single other non-space character, so a
  word of n characters costs ceil(n / 4) tokens.
- Whitespace is free (it rides on the following token).
- A chat prompt costs 4 tokens per message (role and framing) plus its text (and the names
  and arguments of an assistant message's tool calls), plus 3 to prime the reply; images and
  files are counted by `orkit.sim.media`, offered tools by `tool_tokens`.

`pieces()` cuts a completion into its tokens so that streaming and `max_tokens` truncation
work on exact token boundaries: `len(pieces(text)) == count_tokens(text)` always.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["count_tokens", "pieces", "prompt_tokens", "text_of", "tool_tokens"]

# One token = up to 4 word characters (a longer word continues in the next token) or one
# other non-space character; leading whitespace rides along. `findall` does it all in C.
_PIECE_RE = re.compile(r"\s*(?:\w{1,4}|[^\w\s])")
_PER_MESSAGE = 4
_REPLY_PRIMING = 3


def count_tokens(text: str) -> int:
    """Number of tokens in `text`."""
    return len(_PIECE_RE.findall(text))


def pieces(text: str) -> list[str]:
    """`text` cut into tokens, each carrying its leading whitespace; joins back to `text`."""
    out: list[str] = _PIECE_RE.findall(text)
    if out:
        tail = len(text) - sum(map(len, out))
        if tail:  # trailing whitespace rides on the last token
            out[-1] += text[-tail:]
    return out


def text_of(content: Any) -> str:
    """The text of a message `content`: a string, or the `text` parts of a parts list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            part.get("text", "")
            for part in content
            if isinstance(part, Mapping) and part.get("type") == "text"
        )
    return ""


def prompt_tokens(messages: Iterable[Mapping[str, Any]]) -> int:
    """Prompt tokens of a chat request's `messages`."""
    total = _REPLY_PRIMING
    for message in messages:
        content = message.get("content")
        total += _PER_MESSAGE + count_tokens(text_of(content))
        calls = message.get("tool_calls")
        if calls:
            total += _call_tokens(calls)
        name = message.get("name")
        if isinstance(name, str):
            total += count_tokens(name)
    return total


def _call_tokens(calls: Any) -> int:
    total = 0
    for call in calls if isinstance(calls, list) else ():
        function = call.get("function") if isinstance(call, Mapping) else None
        if isinstance(function, Mapping):
            total += count_tokens(str(function.get("name") or ""))
            total += count_tokens(str(function.get("arguments") or ""))
    return total


def tool_tokens(tools: Any) -> int:
    """Prompt tokens of a request's `tools` (their JSON text, as a provider injects it)."""
    return count_tokens(json.dumps(tools, separators=(",", ":"))) if tools else 0
