"""Score one answer as a results row holds it.

Most scorers read the answer's text (`output_text`). A scorer that needs more of the answer
(its tool calls, the tools the request offered) defines `score_row(row, fields)` and gets
the whole row instead: in the engine as each answer is recorded, and on a re-score from the
journal, so it scores the same either way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orkit.scorers._base import Score, Scorer

__all__ = ["score_answer"]


def score_answer(scorer: Scorer, row: Mapping[str, Any], fields: Mapping[str, Any]) -> Score | None:
    """`scorer`'s score of the answer in results row `row`, for dataset item `fields`."""
    of_row = getattr(scorer, "score_row", None)
    if of_row is not None:
        score: Score | None = of_row(row, fields)
        return score
    return scorer(row.get("output_text"), fields)
