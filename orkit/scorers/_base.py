"""What a scorer is. Three shapes, by what scoring one output needs:

- `Scorer`: a plain function of (output text, dataset item) → Score or None. Runs inline, in
  the engine, right after each answer arrives (it must be cheap: microseconds).
- `AsyncScorer`: an async function of the same; runs in the scoring stage after the
  candidates are answered (it may do I/O, e.g. call a service of your own).
- `Judge` (see `_judge_base`): an LLM-as-judge; builds chat requests that orkit sends through
  the router, the response cache and the budget, then reads a Score from the replies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

__all__ = ["AsyncScorer", "Score", "Scorer"]


@dataclass(frozen=True, slots=True)
class Score:
    value: float | None
    """In [0, 1] for pass/fail scorers (1 = pass); any float for continuous ones. None when
    the scorer applied but could not score (a judge reply that could not be read, a custom
    scorer that raised): `detail` says why, and statistics skip the row."""
    passed: bool | None = None
    expected: str | None = None
    detail: str | None = None


@runtime_checkable
class Scorer(Protocol):
    """Scores one output. Returns None when the scorer does not apply to this item
    (e.g. a numeric scorer on an item whose expected answer is not a number)."""

    @property
    def name(self) -> str:
        """Stored in the scores table's `scorer` column."""
        ...

    def __call__(self, output: str | None, fields: Mapping[str, Any]) -> Score | None: ...


@runtime_checkable
class AsyncScorer(Protocol):
    """Scores one output asynchronously (after the run's candidates are answered)."""

    @property
    def name(self) -> str: ...

    async def score(self, output: str | None, fields: Mapping[str, Any]) -> Score | None: ...
