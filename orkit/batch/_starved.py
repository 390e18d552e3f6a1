"""Answers a reasoning model spent on thinking: empty content, `finish_reason == "length"`,
and reasoning that took the budget (its tokens about all the completion's, or reasoning
text where no count was given). The answer is not the model's; the run's warnings say how
many there were and what to change (reference §13, "Empty/null content from reasoning
models")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["is_reasoning_starved", "starved_warning"]

_MOST = 0.9
"""Reasoning tokens at least this share of the completion's: the budget went to thinking
(a provider may count a few tokens of the cut-off answer, or of formatting, apart)."""


def is_reasoning_starved(row: Mapping[str, Any]) -> bool:
    """An ok row whose content is empty because reasoning used its max_tokens."""
    if row.get("status") != "ok" or row.get("finish_reason") != "length":
        return False
    if (row.get("output_text") or "").strip():
        return False
    reasoning, completion = row.get("reasoning_tokens"), row.get("completion_tokens")
    if reasoning and completion:
        return bool(reasoning >= _MOST * completion)
    return bool((row.get("reasoning_text") or "").strip())


def starved_warning(by_model: Mapping[str, int]) -> str | None:
    """The run's warning for its starved rows, per model (None: there were none)."""
    counted = {m: n for m, n in by_model.items() if n}
    if not counted:
        return None
    total = sum(counted.values())
    each = ", ".join(f"{m}: {n:,}" for m, n in counted.items())
    rows = "row" if total == 1 else "rows"
    return (
        f"{total:,} {rows} came back empty with finish_reason 'length' because reasoning "
        f"used the whole max_tokens budget ({each}); raise max_tokens, or lower "
        "reasoning.effort (or set reasoning.max_tokens below max_tokens)"
    )
