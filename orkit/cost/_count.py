"""Prompt tokens counted request by request, the way BPE tokenizers cut text (layer 2).

orkit's own approximation, written from how the real tokenizers behave rather than from any
server's code, so that a server's billed count checks it instead of echoing it:

- Text is first cut as the GPT-4/GPT-4o pre-tokenizers cut it: runs of letters (a space
  before a word rides on it), runs of at most three digits, runs of punctuation, and runs of
  line breaks. No BPE token crosses those boundaries.
- A word of up to 8 letters is one token: byte-pair vocabularies of 100k-200k entries hold
  the common English words whole. A longer word gains a token for every 4 letters more,
  as its rarer tail is cut into subwords ("internationalization": 4).
- A run of punctuation costs a token per 2 characters ("." and "?!" are 1, "..." and "```"
  2); a run of line breaks (with the indentation after it) costs 1, as does each group of
  up to three digits.
- Other scripts (CJK, accented letters, emoji) cost about one token per character, as in
  every BPE vocabulary trained mostly on English.
- Chat framing as OpenAI documents it for its chat models: 3 tokens around each message,
  plus its role and name as text, and 3 to prime the reply; an image part is counted at the
  85 tokens of OpenAI's low-detail image.

On English prose this gives about 1.3 tokens a word (OpenAI's "100 tokens ~ 75 words").
Real tokenizers differ by family (Claude's counts ~15-20% more), so an estimate from this
count carries a band of `COUNTED_PROMPT_ERROR`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["COUNTED_PROMPT_ERROR", "count_prompt_tokens", "count_text_tokens"]

COUNTED_PROMPT_ERROR = 0.35
"""Relative error of a counted prompt: the spread between tokenizer families (Claude ~+20%
on GPT-4o's count), and servers that count more coarsely still (the emulator cuts a word
every 4 letters)."""

# One scan finds every piece that costs a token: the first 8 letters of a word, then each
# 4 letters more of a long one (a match inside a word, after a letter, is a subword), up to
# three digits, up to two ASCII punctuation characters, a run of line breaks (with the
# indentation after it). A space before a word or number rides on it, so spaces are not
# pieces; other scripts are counted apart, a token per character.
_PIECE = re.compile(
    r"(?<![A-Za-z])[A-Za-z]{1,8}|[A-Za-z]{1,4}|[0-9]{1,3}|[!-/:-@\[-`{-~]{1,2}|[\r\n]\s*"
)
_PER_MESSAGE = 3
_REPLY_PRIMER = 3
_IMAGE = 85


def count_text_tokens(text: str) -> int:
    """Tokens of `text` alone (no chat framing).

    Examples:
        >>> count_text_tokens("Write about topic 12.")
        5
        >>> count_text_tokens("internationalization")
        4
    """
    total = len(_PIECE.findall(text))
    if not text.isascii():
        total += sum(1 for ch in text if ord(ch) > 127 and not ch.isspace())
    return total


_ROLE_TOKENS: dict[str, int] = {}
"""Roles are a handful of words (`system`, `user`, ...): each is counted once."""


def _role_tokens(role: str) -> int:
    found = _ROLE_TOKENS.get(role)
    if found is None:
        found = _ROLE_TOKENS[role] = count_text_tokens(role)
    return found


def _content_tokens(content: Any) -> int:
    if isinstance(content, str):
        return count_text_tokens(content)
    if not isinstance(content, list):
        return 0 if content is None else count_text_tokens(str(content))
    total = 0
    for part in content:
        if not isinstance(part, Mapping):
            continue
        if part.get("type") == "image_url":
            total += _IMAGE
        elif "text" in part:
            total += count_text_tokens(str(part["text"]))
    return total


def count_prompt_tokens(messages: Iterable[Mapping[str, Any]]) -> int:
    """Prompt tokens of a chat request's `messages`, counted one by one (see the module).

    Examples:
        >>> count_prompt_tokens([{"role": "user", "content": "What is 2 + 2?"}])
        13
    """
    total = _REPLY_PRIMER
    for message in messages:
        total += _PER_MESSAGE + _role_tokens(str(message.get("role", "")))
        total += _content_tokens(message.get("content"))
        name = message.get("name")
        if isinstance(name, str):
            total += count_text_tokens(name)
    return total
