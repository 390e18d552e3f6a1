"""Score rows the budget left unscored: a judge's or an embedding's request that would have
crossed the budget is not sent, and its row says `not judged: over budget (could cost $X)`
(or `not judged: over budget: ...` when an attempt was stopped once sent). The judges'
line of the manifest counts them per scorer, so the run's end, `orkit runs` and the report
can say that some scores are missing and that a resume with a larger budget adds them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["OVER_BUDGET", "count_over_budget"]

OVER_BUDGET = "not judged: over budget"
"""How the detail of a score row the budget left unscored begins."""

_COULD_COST = re.compile(r"could cost \$([0-9][0-9,]*(?:\.[0-9]+)?)")


def _could_cost(detail: str) -> float | None:
    """The worst case the refused request had reserved, as its detail printed it; None when
    the detail does not say (an attempt stopped once sent)."""
    found = _COULD_COST.search(detail)
    return float(found.group(1).replace(",", "")) if found else None


def count_over_budget(line: dict[str, Any], row: Mapping[str, Any]) -> None:
    """Count `row` in `line` (one scorer's entry of `judge_spend`) when the budget left it
    unscored: `over_budget_rows`, and `over_budget_usd`, what they could have cost (None
    once one of them does not say)."""
    line.setdefault("over_budget_rows", 0)
    line.setdefault("over_budget_usd", 0.0)
    detail = row.get("detail")
    if row.get("score") is not None or not str(detail or "").startswith(OVER_BUDGET):
        return
    line["over_budget_rows"] += 1
    worst, so_far = _could_cost(str(detail)), line["over_budget_usd"]
    line["over_budget_usd"] = None if worst is None or so_far is None else so_far + worst
