"""Per contestant × scorer: n items, mean and its confidence interval, and cost per
correct answer."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from orkit.stats._bootstrap import bca_interval, bootstrap_means
from orkit.stats._contestants import contestants
from orkit.stats._intervals import agresti_coull_interval
from orkit.stats._scores import PAIR_ON, is_binary, own_scores, unit_matrix

__all__ = ["QUALITY_COLUMNS", "bootstrap_intervals", "score_summary"]

QUALITY_COLUMNS = [
    "contestant",
    "contestant_id",
    "scorer",
    "n",
    "mean",
    "ci_low",
    "ci_high",
    "ci_method",
    "correct",
    "cost_per_correct_usd",
]


def score_summary(
    results: pd.DataFrame,
    scores: pd.DataFrame | None,
    *,
    confidence: float = 0.95,
    seed: int = 0,
    n_boot: int = 2000,
    include_fallbacks: bool = False,
    models: Sequence[str] | None = None,
    prompts: Sequence[str] | None = None,
    by: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per (scorer, contestant): n scored items, mean, and a `confidence` interval.

    Contestants are model × prompt × params (or the groups `by` names; see
    `orkit.stats.contestants`, which `models` and `prompts` order). Repeats of an item are
    averaged first, so `n` counts items and the interval does not take repeats for
    independent draws. Binary scores (every item's value 0 or 1) get the Agresti–Coull interval;
    others a BCa bootstrap interval (`n_boot` Poisson-bootstrap replicates from `seed`, so
    reruns agree). `correct` (scored rows right) and `cost_per_correct_usd` (all the
    contestant's spend, errors and fallbacks included, over its correct answers) are for
    pass/fail scorers only.
    """
    entrants = contestants(results, by, models=models, prompts=prompts)
    labels = entrants.of_rows()
    scored = own_scores(results, scores, labels, include_fallbacks=include_fallbacks)
    order = entrants.labels
    if scored.empty or not order:
        return pd.DataFrame(columns=QUALITY_COLUMNS)
    spend = results["cost_usd"].groupby(labels.to_numpy(), sort=False).sum(min_count=1)
    ids = entrants.table["contestant_id"].to_numpy()
    tables = []
    for scorer, rows in scored.groupby("scorer", sort=False):
        matrix = unit_matrix(rows, order, PAIR_ON)
        per_item = [column[~np.isnan(column)] for column in matrix.T]
        table = pd.DataFrame({"contestant": order, "contestant_id": ids, "scorer": scorer})
        table["n"] = [len(v) for v in per_item]
        table["mean"] = [v.mean() if len(v) else np.nan for v in per_item]
        if is_binary(matrix):
            successes = [v.sum() for v in per_item]
            low, high = agresti_coull_interval(successes, table["n"], confidence)
            table["ci_method"] = "agresti_coull"
        else:
            low, high = bootstrap_intervals(per_item, confidence, seed, n_boot)
            table["ci_method"] = "bootstrap"
        if is_binary(rows["score"]):
            right = rows["score"].eq(1.0).groupby(rows["contestant"], sort=False).sum()
            correct = np.asarray(right.reindex(order).fillna(0), dtype=np.float64)
            table["correct"] = pd.array(correct.astype(np.int64), dtype="Int64")
            cost = spend.reindex(order).to_numpy(dtype=np.float64)
            with np.errstate(divide="ignore", invalid="ignore"):
                table["cost_per_correct_usd"] = np.where(correct > 0, cost / correct, np.nan)
        else:
            table["correct"] = pd.array([pd.NA] * len(order), dtype="Int64")
            table["cost_per_correct_usd"] = np.nan
        table["ci_low"], table["ci_high"] = low, high
        tables.append(table[QUALITY_COLUMNS])
    return pd.concat(tables, ignore_index=True)


def bootstrap_intervals(
    samples: list[np.ndarray], confidence: float, seed: int, n_boot: int
) -> tuple[np.ndarray, np.ndarray]:
    """BCa intervals for several samples of different sizes, bootstrapped together: the
    samples sit in the columns of one NaN-padded matrix, so one set of weights serves all."""
    longest = max((len(s) for s in samples), default=0)
    matrix = np.full((longest, len(samples)), np.nan)
    for j, sample in enumerate(samples):
        matrix[: len(sample), j] = sample
    boot = bootstrap_means(matrix, n_boot, np.random.default_rng(seed))
    return bca_interval(matrix, boot, confidence)
