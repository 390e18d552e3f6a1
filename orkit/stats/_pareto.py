"""Trade-offs: the Pareto frontier of quality against cost (or latency), and the cheapest
model whose quality is assured above a threshold."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["cheapest_above", "pareto_frontier"]


def pareto_frontier(
    summary: pd.DataFrame, *, quality: str, cost: str = "cost_per_item_usd"
) -> pd.DataFrame:
    """The rows of `summary` that no other row beats on both counts: higher `quality` is
    better, lower `cost` is better (any column works, e.g. `"p50_service_s"` for quality
    against latency). A row is dropped when another has quality >= and cost <= with one
    of the two strict; exact duplicates both stay. Rows missing either value are left
    out. Sorted by cost, cheapest first (so quality rises down the table).
    """
    for column in (quality, cost):
        if column not in summary.columns:
            raise KeyError(f"{column!r} is not a column of the summary: {list(summary.columns)}")
    rows = summary[summary[quality].notna() & summary[cost].notna()]
    q = rows[quality].to_numpy(dtype=np.float64)
    c = rows[cost].to_numpy(dtype=np.float64)
    # dominated[i]: some j is at least as good on both and strictly better on one.
    at_least = (q[None, :] >= q[:, None]) & (c[None, :] <= c[:, None])
    strictly = (q[None, :] > q[:, None]) | (c[None, :] < c[:, None])
    dominated = (at_least & strictly).any(axis=1)
    frontier = rows.iloc[np.flatnonzero(~dominated)]
    return frontier.sort_values([cost, quality], ascending=[True, False], kind="stable")


def cheapest_above(
    summary: pd.DataFrame,
    threshold: float,
    metric: str,
    *,
    cost: str = "cost_per_item_usd",
) -> pd.Series | None:
    """The cheapest row (by `cost`) whose lower confidence bound for scorer `metric`
    (`ci_low_<metric>`, as `summarize` writes it) is at least `threshold`: the cheapest
    model you can be confident clears the bar. None when no model does.

    Judging by the lower bound, not the mean, is the point: a model whose mean clears the
    bar only by noise is not picked.
    """
    bound = f"ci_low_{metric}"
    if bound not in summary.columns:
        raise KeyError(f"no {bound!r} column: is {metric!r} a scorer of this summary?")
    eligible = summary[(summary[bound] >= threshold) & summary[cost].notna()]
    if eligible.empty:
        return None
    return eligible.sort_values([cost, bound], ascending=[True, False], kind="stable").iloc[0]
