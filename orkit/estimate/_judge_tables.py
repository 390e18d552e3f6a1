"""The LLM judges' cost lines as tables: per judge scorer, and per judged model next to the
answers' own cost in the run summary."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from orkit.results import SummaryRows

__all__ = ["judge_cost_table", "with_judge_cost", "with_judge_cost_rows"]


def judge_cost_table(scores: pd.DataFrame) -> pd.DataFrame:
    """One row per LLM-judge scorer: its judge model, rows, requests sent, rows answered
    from the cache, tokens and cost (null when unknown). Empty without judges."""
    columns = ["judge_model", "rows", "requests", "cached_rows", "prompt_tokens"]
    columns += ["completion_tokens", "cost_usd", "cost_unknown_rows"]
    if scores.empty or "judge_model" not in scores or scores["judge_model"].isna().all():
        return pd.DataFrame(columns=["scorer", *columns]).set_index("scorer")
    judged = scores[scores["judge_model"].notna()]
    grouped = judged.groupby("scorer", sort=False)
    table = pd.DataFrame(
        {
            "judge_model": grouped["judge_model"].first(),
            "rows": grouped.size(),
            "requests": grouped["judge_calls"].sum().astype("int64"),
            "cached_rows": grouped["judge_cost_source"].agg(lambda s: int((s == "cached").sum())),
            "prompt_tokens": grouped["judge_prompt_tokens"].sum(min_count=1).astype("Int64"),
            "completion_tokens": grouped["judge_completion_tokens"]
            .sum(min_count=1)
            .astype("Int64"),
            "cost_usd": grouped["judge_cost_usd"].sum(min_count=1),
            "cost_unknown_rows": grouped["judge_cost_usd"].agg(lambda s: int(s.isna().sum())),
        }
    )
    table.index.name = "scorer"
    return table


def with_judge_cost(
    summary: pd.DataFrame, scores: pd.DataFrame, row_of_task: pd.Series
) -> pd.DataFrame:
    """The summary plus `judge_cost_usd`: what judging each row's answers cost, on its own
    line next to the answers' `cost_usd` (only when judges scored the run).
    `row_of_task` maps a task key to its summary row (its contestant's label)."""
    if scores.empty or "judge_cost_usd" not in scores or scores["judge_model"].isna().all():
        return summary
    group = scores["task_key"].map(row_of_task)
    per_row = scores["judge_cost_usd"].groupby(group, sort=False).sum(min_count=1)
    out = summary.copy()
    out["judge_cost_usd"] = per_row.reindex(out.index)
    return out


def with_judge_cost_rows(
    summary: pd.DataFrame, rows: SummaryRows, contestant: npt.NDArray[np.int64]
) -> pd.DataFrame:
    """`with_judge_cost` from a run's `SummaryRows`: `contestant` is each results row's
    position in `summary` (-1: left out)."""
    if rows.judge_cost is None or len(rows.score_row) == 0:
        return summary
    row = rows.score_row
    if len(contestant) == 0:
        group = np.full(len(row), -1, dtype=np.int64)
    else:
        group = np.where(row >= 0, contestant[np.maximum(row, 0)], -1)
    counted = group >= 0
    per_row = pd.Series(rows.judge_cost[counted]).groupby(group[counted], sort=False)
    total = per_row.sum(min_count=1)
    out = summary.copy()
    values = np.full(len(out), np.nan)
    values[total.index.to_numpy()] = total.to_numpy()
    out["judge_cost_usd"] = values
    return out
