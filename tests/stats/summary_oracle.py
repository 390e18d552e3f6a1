"""The per-contestant summary and scores as orkit computed them over pandas frames of every
row until issue 14 (`orkit.stats.summarize` and `score_summary` then), kept as an
independent oracle: orkit now makes every summary one way (`summarize_run`:
`summary_and_scores` over `SummaryRows`; frames go through `rows_of_frames`), and the tests check
that way against this one, figure for figure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from orkit.stats import SummaryOptions, contestants, grouping_columns
from orkit.stats._bootstrap import bca_interval, bootstrap_means
from orkit.stats._contestants import GROUP_BY
from orkit.stats._intervals import agresti_coull_interval
from orkit.stats._scores import PAIR_ON, is_binary, own_scores, unit_matrix

_COUNT_COLUMNS = [
    "rows",
    "ok",
    "errors",
    "skipped_budget",
    "deferred",
    "pending",
    "error_rate",
    "mean_service_s",
    "p50_ttft_s",
    "cost_usd",
    "cost_unknown_rows",
]

_PERCENTILES = {"p50": 0.50, "p95": 0.95, "p99": 0.99}


def oracle_keywords(options: SummaryOptions, results: pd.DataFrame) -> dict[str, Any]:
    """`options` as the oracle's keywords (orkit's own until they became `SummaryOptions`)
    for `results`: the options' models come first and the other models with rows after
    them, so that `models=` orders and leaves none out."""
    present = results["model"].unique() if "model" in results.columns else ()
    return {
        "by": options.by,
        "models": options.model_order(present),
        "prompts": list(options.prompts),
        "include_fallbacks": options.score_fallbacks,
        "confidence": options.confidence,
        "seed": options.seed,
        "n_boot": options.n_boot,
    }


def oracle_summary(
    results: pd.DataFrame,
    scores: pd.DataFrame | None = None,
    *,
    by: str | Sequence[str] | None = None,
    models: Sequence[str] | None = None,
    prompts: Sequence[str] | None = None,
    include_fallbacks: bool = False,
    confidence: float = 0.95,
    seed: int = 0,
    n_boot: int = 2000,
) -> pd.DataFrame:
    """`orkit.stats.summarize` as it was (see its docstring for the columns)."""
    index_name = _index_name(by)
    if results.empty:
        columns = ["contestant_id", *grouping_columns(by), *_COUNT_COLUMNS]
        return pd.DataFrame(columns=[index_name, *columns]).set_index(index_name)
    entrants = contestants(results, by, models=models, prompts=prompts)
    labels = entrants.of_rows()
    key = labels.to_numpy()
    out = entrants.table.set_index("contestant")
    out = out.join(_counts(results, key))
    ok = results["status"].eq("ok").to_numpy()
    # the ok rows of the columns read below only: a copy of every column was most of the
    # memory a large run's summary took
    measured = ["service_s", "ttft_s", "output_tokens_per_s", "cost_usd", "is_fallback"]
    ok_rows = results.loc[ok, [c for c in [*measured, "cost_source"] if c in results]]
    ok_by = ok_rows.groupby(key[ok], sort=False)
    out["mean_service_s"] = ok_by["service_s"].mean()
    out["p50_ttft_s"] = ok_by["ttft_s"].median()
    for column in ("service_s", "ttft_s"):
        for name, q in _PERCENTILES.items():
            if (name, column) != ("p50", "ttft_s"):  # kept where it always was, above
                out[f"{name}_{column}"] = ok_by[column].quantile(q)
    out["p50_output_tokens_per_s"] = ok_by["output_tokens_per_s"].median()
    out["cost_usd"] = results["cost_usd"].groupby(key, sort=False).sum(min_count=1)
    unknown = ok_rows["cost_usd"].isna().groupby(key[ok], sort=False).sum()
    out["cost_unknown_rows"] = unknown.reindex(out.index).fillna(0).astype("int64")
    priced = (out["ok"] - out["cost_unknown_rows"]).where(lambda n: n > 0)
    out["cost_per_item_usd"] = out["cost_usd"] / priced
    ok_count = out["ok"].where(out["ok"] > 0)
    fallback = ok_rows["is_fallback"].fillna(False).astype(bool)
    out["fallback_rate"] = fallback.groupby(key[ok], sort=False).sum() / ok_count
    if "cost_source" in ok_rows:
        cached = ok_rows["cost_source"].eq("cached").astype(bool)
        out["cache_rate"] = cached.groupby(key[ok], sort=False).sum() / ok_count
    else:
        out["cache_rate"] = 0.0
    if "reasoning_tokens" in results:
        reasoning = results.loc[ok, "reasoning_tokens"].astype("float64")
    else:
        reasoning = pd.Series(np.nan, index=results.index[ok])
    by_ok = reasoning.groupby(key[ok], sort=False)
    out["reasoning_tokens"] = by_ok.sum(min_count=1)
    out["mean_reasoning_tokens"] = by_ok.mean()
    chosen = {"by": by, "models": models, "prompts": prompts}
    _add_scores(out, results, scores, include_fallbacks, (confidence, seed, n_boot), chosen)
    out.index.name = index_name
    return out


def _index_name(by: str | Sequence[str] | None) -> str:
    """`contestant` by default; the column grouped by, for one; `group` for several."""
    if by is None:
        return "contestant"
    names = [by] if isinstance(by, str) else list(by)
    columns = {GROUP_BY.get(n, n) for n in names}
    return next(iter(columns)) if len(columns) == 1 else "group"


def _counts(results: pd.DataFrame, key: npt.NDArray[np.object_]) -> pd.DataFrame:
    status = results["status"]
    by = status.groupby(key, sort=False)
    out = pd.DataFrame({"rows": by.size()})
    for column, value in (
        ("ok", "ok"),
        ("errors", "error"),
        ("skipped_budget", "skipped_budget"),
        ("deferred", "deferred"),
    ):
        counted = status.eq(value).groupby(key, sort=False).sum()
        out[column] = counted.astype("int64")
    out["pending"] = out["rows"] - out["ok"] - out["errors"]
    fallback = results["is_fallback"].fillna(False).astype(bool)
    out["fallback_rows"] = fallback.groupby(key, sort=False).sum().astype("int64")
    out["error_rate"] = out["errors"] / (out["ok"] + out["errors"]).where(lambda n: n > 0)
    return out


def _add_scores(
    out: pd.DataFrame,
    results: pd.DataFrame,
    scores: pd.DataFrame | None,
    include_fallbacks: bool,
    ci: tuple[float, int, int],
    chosen: dict[str, Any],
) -> None:
    """`score_<s>`, `n_<s>`, `ci_low_<s>`, `ci_high_<s>` per scorer, in place. A contestant
    none of whose rows were scored gets NaN (and n 0)."""
    confidence, seed, n_boot = ci
    quality = oracle_scores(
        results,
        scores,
        confidence=confidence,
        seed=seed,
        n_boot=n_boot,
        include_fallbacks=include_fallbacks,
        **chosen,
    )
    for scorer, rows in quality.groupby("scorer", sort=False):
        rows = rows.set_index("contestant")
        out[f"score_{scorer}"] = rows["mean"]
        out[f"n_{scorer}"] = rows["n"].reindex(out.index).fillna(0).astype("int64")
        out[f"ci_low_{scorer}"] = rows["ci_low"]
        out[f"ci_high_{scorer}"] = rows["ci_high"]


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


def oracle_scores(
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
    """`orkit.stats.score_summary` as it was (see its docstring for the columns)."""
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
