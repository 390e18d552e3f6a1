"""What a scorer is: a named function of (output text, dataset item) → Score or None."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

__all__ = ["Score", "Scorer"]


@dataclass(frozen=True, slots=True)
class Score:
    value: float
    """In [0, 1] for pass/fail scorers (1 = pass); any float for continuous ones."""
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
