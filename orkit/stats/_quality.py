"""Per contestant × scorer: n items, mean and its confidence interval, and cost per
correct answer, from results and scores given as frames (computed by `score_table`, as a
run's summary computes its scores)."""

from __future__ import annotations

import pandas as pd

from orkit.stats._contestants import grouping_columns
from orkit.stats._frame_rows import rows_of_frames
from orkit.stats._row_quality import QUALITY_COLUMNS, score_table
from orkit.stats._row_summary import contestant_spend
from orkit.stats._run_summary import SummaryOptions

__all__ = ["QUALITY_COLUMNS", "score_summary"]


def score_summary(
    results: pd.DataFrame,
    scores: pd.DataFrame | None,
    *,
    options: SummaryOptions | None = None,
) -> pd.DataFrame:
    """One row per (scorer, contestant): n scored items, mean, and a `confidence` interval.

    Settings come as one object, `options=SummaryOptions(by=..., models=..., prompts=...,
    score_fallbacks=..., confidence=..., seed=..., n_boot=...)`, as `summarize` takes them:
    the loose keywords `confidence=`, `include_fallbacks=`, ... are gone (a TypeError).

    Contestants are model × prompt × params (or the groups `options.by` names; see
    `orkit.stats.contestants`, which `options.models` and `options.prompts` order). Repeats
    of an item are averaged first, so `n` counts items and the interval does not take
    repeats for independent draws. Binary scores (every item's value 0 or 1) get the
    Agresti–Coull interval; others a BCa bootstrap interval (`n_boot` Poisson-bootstrap
    replicates from `seed`, so reruns agree). `correct` (scored rows right) and
    `cost_per_correct_usd` (all the contestant's spend, errors and fallbacks included, over
    its correct answers) are for pass/fail scorers only.
    """
    options = SummaryOptions() if options is None else options
    if results.empty:
        return pd.DataFrame(columns=QUALITY_COLUMNS)
    rows = rows_of_frames(results, scores, grouping_columns(options.by))
    entrants = options.contestants_of_rows(rows)
    spend = contestant_spend(rows, entrants)
    return score_table(rows, entrants, spend, options.score_fallbacks, options.ci)
