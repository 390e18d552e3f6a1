"""The result type shared by all solvers."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

__all__ = ["Solution", "unquote"]

_QUOTES = MappingProxyType({'"': '"', "'": "'", "“": "”", "‘": "’"})


@dataclass(frozen=True)
class Solution:
    """A recognised question: its exact correct output and plausible wrong ones."""

    kind: str
    """`arithmetic`, `capital`, `string`, `json` or `judge` (the demo dataset's `kind` values
    differ)."""
    answer: str
    """The exact output of a correct model."""
    near_misses: tuple[str, ...]
    """Plausible wrong outputs, all different from `answer` (never empty)."""
    value: Any
    """The answer as a JSON value (int, str or object), used when JSON output is requested."""

    def __post_init__(self) -> None:
        misses = tuple(dict.fromkeys(m for m in self.near_misses if m != self.answer))
        object.__setattr__(self, "near_misses", misses or (self.answer + "?",))


def unquote(text: str) -> str:
    """Strip one pair of matching surrounding quotes, if present."""
    text = text.strip()
    if len(text) >= 2 and _QUOTES.get(text[0]) == text[-1]:
        return text[1:-1]
    return text
