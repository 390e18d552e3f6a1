"""The emulator's own tokenizer: simple, fast, and independent of orkit's client-side estimate.

Rules:
- A token is a run of word characters (`\\w+`) or a single other non-space character.
- A word of n characters costs ceil(n / 4) tokens (long words split into 4-character pieces).
- Whitespace is free (it rides on the following token).
- A chat prompt costs 4 tokens per message (role and framing) plus its text, plus 3 to prime
  the reply; images in content parts cost 85 tokens each.

`pieces()` cuts a completion into its tokens so that streaming and `max_tokens` truncation
work on exact token boundaries: `len(pieces(text)) == count_tokens(text)` always.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["count_tokens", "pieces", "prompt_tokens", "text_of"]

_TOKEN_RE = re.compile(r"\w+|[^\w\s]")
_PIECE_RE = re.compile(r"(\s*)(\w+|[^\w\s])")
_PER_MESSAGE = 4
_REPLY_PRIMING = 3
_IMAGE_TOKENS = 85


def count_tokens(text: str) -> int:
    """Number of tokens in `text`."""
    return sum((len(match) + 3) // 4 for match in _TOKEN_RE.findall(text))


def pieces(text: str) -> list[str]:
    """`text` cut into tokens, each carrying its leading whitespace; joins back to `text`."""
    out: list[str] = []
    end = 0
    for match in _PIECE_RE.finditer(text):
        space, word = match.group(1), match.group(2)
        out.append(space + word[:4])
        out.extend(word[i : i + 4] for i in range(4, len(word), 4))
        end = match.end()
    if out and end < len(text):  # trailing whitespace rides on the last token
        out[-1] += text[end:]
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
        if isinstance(content, list):
            total += _IMAGE_TOKENS * sum(
                1
                for part in content
                if isinstance(part, Mapping) and part.get("type") == "image_url"
            )
        name = message.get("name")
        if isinstance(name, str):
            total += count_tokens(name)
    return total
