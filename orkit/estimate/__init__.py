"""What a plan will cost and how long it will take, before a run and after it (layer 5): the
estimate, its context and lines, the workload, the judges' cost tables, and the cost of a
run side by side with its estimate. Internal: users call `Sweep.estimate()`.
"""

from __future__ import annotations

from orkit.estimate._estimate_all import estimate_async
from orkit.estimate._judge_tables import judge_cost_table, with_judge_cost_rows
from orkit.estimate._run_costs import (
    cost_side_by_side,
    learn_quietly,
    manifest_estimate,
    settle_costs,
)

__all__ = [
    "cost_side_by_side",
    "estimate_async",
    "judge_cost_table",
    "learn_quietly",
    "manifest_estimate",
    "settle_costs",
    "with_judge_cost_rows",
]
