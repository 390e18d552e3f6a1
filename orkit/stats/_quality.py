"""Per model × scorer: n, mean and its confidence interval, and cost per correct answer."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from orkit.stats._bootstrap import bca_interval, bootstrap_means
from orkit.stats._intervals import wilson_interval
from orkit.stats._scores import is_binary, model_order, own_scores

__all__ = ["QUALITY_COLUMNS", "score_summary"]

QUALITY_COLUMNS = [
    "model",
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
) -> pd.DataFrame:
    """One row per (scorer, model): n scored rows, mean, and a `confidence` interval.

    Binary scorers (every score 0 or 1) get Wilson's interval; others a BCa bootstrap
    interval (`n_boot` Poisson-bootstrap replicates from `seed`, so reruns agree). Rows
    are treated as independent draws: with repeats of the same items, prefer `compare`,
    which pairs by item. `correct` and `cost_per_correct_usd` (all the model's spend,
    errors and fallbacks included, over its correct answers) are for binary scorers only.
    """
    scored = own_scores(results, scores, include_fallbacks=include_fallbacks)
    order = model_order(results, models)
    if scored.empty or not order:
        return pd.DataFrame(columns=QUALITY_COLUMNS)
    spend = results.groupby("model", sort=False)["cost_usd"].sum(min_count=1)
    tables = []
    for scorer, rows in scored.groupby("scorer", sort=False):
        values = {m: g.to_numpy(dtype=np.float64) for m, g in rows.groupby("model")["score"]}
        per_model = [values.get(m, np.empty(0)) for m in order]
        table = pd.DataFrame({"model": order, "scorer": scorer})
        table["n"] = [len(v) for v in per_model]
        table["mean"] = [v.mean() if len(v) else np.nan for v in per_model]
        if is_binary(rows["score"]):
            correct = np.array([v.sum() for v in per_model])
            low, high = wilson_interval(correct, table["n"], confidence)
            table["ci_method"] = "wilson"
            table["correct"] = pd.array(correct.astype(np.int64), dtype="Int64")
            cost = spend.reindex(order).to_numpy(dtype=np.float64)
            with np.errstate(divide="ignore", invalid="ignore"):
                table["cost_per_correct_usd"] = np.where(correct > 0, cost / correct, np.nan)
        else:
            low, high = _bootstrap_intervals(per_model, confidence, seed, n_boot)
            table["ci_method"] = "bootstrap"
            table["correct"] = pd.array([pd.NA] * len(order), dtype="Int64")
            table["cost_per_correct_usd"] = np.nan
        table["ci_low"], table["ci_high"] = low, high
        tables.append(table[QUALITY_COLUMNS])
    return pd.concat(tables, ignore_index=True)


def _bootstrap_intervals(
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
