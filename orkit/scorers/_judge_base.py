"""What an LLM judge is, apart from the model it asks.

A judge is pure: it turns a case (the question, the candidate's output, the dataset item and,
for pairwise judges, the baseline's output) into chat requests, and the replies into a Score.
Sending is the engine's job (`orkit.batch`): through the router with the judge model's own
limits and fallbacks, the response cache and the budget, with the cost kept on its own line.

The attributes an estimate reads to count judge calls before a run: `judge_model` (the model
asked), `calls_per_task` (requests per judged task: 1, or 2 for a position-swapped pairwise
judge), `params` (the request body fields, incl. `max_tokens`), and `baseline` (pairwise only:
the model whose tasks are the reference and are not themselves judged; None = the sweep's
first model).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from orkit.scorers._base import Score
from orkit.types import ChatRequest

__all__ = ["DEFAULT_JUDGE_PARAMS", "Judge", "JudgeCase", "question_text"]

DEFAULT_JUDGE_PARAMS: Mapping[str, Any] = {"temperature": 0, "max_tokens": 512}
"""Temperature 0 makes judge requests deterministic, so a re-score with an unchanged judge is
answered from the response cache (free, nothing sent)."""


@dataclass(frozen=True, slots=True)
class JudgeCase:
    question: str
    """What the candidate was asked (its messages as text)."""
    output: str | None
    fields: Mapping[str, Any]
    """The dataset item."""
    baseline_output: str | None = None
    """Pairwise judges: the baseline model's output on the same item, prompt and params."""
    baseline_model: str | None = None


@runtime_checkable
class Judge(Protocol):
    """An LLM-as-judge scorer (see the module docstring)."""

    @property
    def name(self) -> str: ...

    @property
    def judge_model(self) -> str: ...

    @property
    def calls_per_task(self) -> int: ...

    @property
    def params(self) -> Mapping[str, Any]: ...

    @property
    def baseline(self) -> str | None:
        """Pairwise judges: the model every other model is compared with (None = first)."""
        ...

    @property
    def is_pairwise(self) -> bool: ...

    def requests(self, case: JudgeCase) -> list[ChatRequest] | None:
        """The requests judging `case` takes; None when the judge does not apply to it (e.g.
        a reference judge on an item without a reference). Raises ScorerError when the
        prompt cannot be built (a rubric naming a column the item lacks)."""
        ...

    def verdict(self, case: JudgeCase, replies: Sequence[str | None]) -> Score:
        """The Score from the replies to `requests(case)`, in order (None: that request
        failed). Never raises: an unreadable reply gives a null score and the reason."""
        ...


def question_text(messages_json: str | None) -> str:
    """The candidate's prompt as plain text: each message's text, system first, blank lines
    between (multimodal parts contribute their text parts)."""
    if not messages_json:
        return ""
    try:
        messages = json.loads(messages_json)
    except ValueError:
        return messages_json
    parts = []
    for message in messages if isinstance(messages, list) else []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            content = "\n".join(
                str(p.get("text", "")) for p in content if isinstance(p, dict) and "text" in p
            )
        if content:
            parts.append(str(content))
    return "\n\n".join(parts)
