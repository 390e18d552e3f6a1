"""Prompt tokens estimated before anything is sent: text size per request, turned into tokens
with the chars-per-token ratio of the model's tokenizer family (layer 2).

OpenRouter bills the serving provider's own token counts, and no tokenizer of most families
ships offline, so a prompt is measured once (ASCII characters, other characters, messages)
and each family turns that measure into tokens with its own ratio and chat overhead. The
ratios below are priors measured on English prose and chat traffic per tokenizer; a model's
real counts from past runs correct them (`Calibration.prompt_ratio`). Non-ASCII text is
counted per character because BPE vocabularies spend about one token on each CJK character
or accented letter run, whatever the family.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["FAMILIES", "TextSize", "TokenizerFamily", "family_of", "measure_messages"]


@dataclass(frozen=True, slots=True)
class TokenizerFamily:
    """How one `architecture.tokenizer` family turns text into tokens, on average."""

    name: str
    chars_per_token: float
    """ASCII characters per token (English prose and code mixed)."""
    tokens_per_other_char: float
    """Tokens per non-ASCII character (CJK, accents, emoji)."""
    per_message: int
    """Chat framing per message (role markers, separators)."""
    per_request: int
    """Framing once per request (the assistant reply primer)."""

    def prompt_tokens(self, size: TextSize) -> float:
        """Expected prompt tokens of one request of this `size`."""
        return (
            size.ascii_chars / self.chars_per_token
            + size.other_chars * self.tokens_per_other_char
            + size.messages * self.per_message
            + self.per_request
        )


def _family(name: str, cpt: float, other: float, msg: int = 4, req: int = 3) -> TokenizerFamily:
    return TokenizerFamily(name, cpt, other, msg, req)


# Large vocabularies (o200k, Gemini, Gemma, Llama 3, Qwen) pack ~4 characters of English per
# token; 32k SentencePiece vocabularies (Llama 2, early Mistral, Yi) ~3.4; Claude's tokenizer
# counts ~15-20% more tokens than GPT-4o's on the same text. `Router` models may be served by
# any family, so they get the least efficient ratio (an estimate that errs high).
FAMILIES: Mapping[str, TokenizerFamily] = {
    f.name: f
    for f in (
        _family("GPT", 4.1, 0.9, msg=3, req=3),
        _family("Claude", 3.5, 1.1, msg=5, req=2),
        _family("Gemini", 4.2, 0.8),
        _family("Gemma", 4.2, 0.8),
        _family("Grok", 4.0, 1.0),
        _family("Cohere", 4.0, 1.0),
        _family("Nova", 3.8, 1.0),
        _family("Qwen", 4.0, 0.8, msg=5),
        _family("Qwen3", 4.0, 0.8, msg=5),
        _family("DeepSeek", 3.9, 0.8),
        _family("Mistral", 3.6, 1.2),
        _family("Llama2", 3.4, 1.4),
        _family("Llama3", 4.1, 1.0, msg=5),
        _family("Llama4", 4.1, 0.9, msg=5),
        _family("Yi", 3.5, 0.9),
        _family("PaLM", 4.0, 1.0),
        _family("RWKV", 3.5, 1.2),
        _family("Router", 3.3, 1.4, msg=5),
        _family("Other", 3.6, 1.1),
    )
}


def family_of(tokenizer: str | None) -> TokenizerFamily:
    """The family of an `architecture.tokenizer` value; unknown or absent ones → `Other`."""
    return FAMILIES.get(tokenizer or "Other", FAMILIES["Other"])


@dataclass(frozen=True, slots=True)
class TextSize:
    """What a request's prompt weighs, independent of any tokenizer."""

    ascii_chars: int
    other_chars: int
    messages: int


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts: only the text parts count as text
        return "\n".join(
            str(p.get("text", "")) for p in content if isinstance(p, Mapping) and "text" in p
        )
    return "" if content is None else str(content)


def measure_messages(messages: Iterable[Mapping[str, Any]]) -> TextSize:
    """The size of a request's messages (content text; the role is in the overhead)."""
    ascii_chars = other = count = 0
    for message in messages:
        count += 1
        text = _text(message.get("content"))
        if text.isascii():
            ascii_chars += len(text)
        else:
            n_other = sum(1 for ch in text if ord(ch) > 127)
            other += n_other
            ascii_chars += len(text) - n_other
    return TextSize(ascii_chars, other, count)
