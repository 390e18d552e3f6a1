"""Per-contestant summary of a run's results and scores, as a pandas DataFrame (pure; no
I/O)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from orkit.stats._contestants import GROUP_BY, contestants, grouping_columns
from orkit.stats._quality import score_summary

__all__ = ["SCORE_COLUMNS", "SUMMARY_COLUMNS", "summarize", "summary_columns"]

SUMMARY_COLUMNS: tuple[str, ...] = (
    "task_key",
    "item_id",
    "model",
    "prompt_id",
    "params_json",
    "repeat",
    "status",
    "is_fallback",
    "service_s",
    "ttft_s",
    "output_tokens_per_s",
    "cost_usd",
    "cost_source",
)
"""The results columns `summarize` reads (by contestant; `by=` may name more, see
`summary_columns`): a caller that loads only these skips the answers' and prompts' text,
most of a large run's bytes."""

SCORE_COLUMNS: tuple[str, ...] = ("task_key", "scorer", "score")
"""The scores columns `summarize` reads."""

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


def summary_columns(by: str | Sequence[str] | None = None) -> tuple[str, ...]:
    """The results columns `summarize(..., by=by)` reads."""
    extra = [c for c in grouping_columns(by) if c not in SUMMARY_COLUMNS] if by else []
    return (*SUMMARY_COLUMNS, *extra)


def summarize(
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
    """One row per contestant (model × prompt × params; or per group of the columns `by`
    names: any of model, prompt, params, served_provider, served_model), indexed by its
    label (see `orkit.stats.contestants`; `models` and `prompts` set the order).

    Columns: `contestant_id` and the grouping columns; rows, ok, errors, `skipped_budget`
    (not sent: they could have passed the budget), `deferred` (waiting for a daily quota)
    and `pending` (both: left for a resume), error rate, mean of each scorer
    (`score_<name>`, over the items it applied to, repeats of an item averaged first) with
    `n_<name>` items and a `confidence` interval (`ci_low_<name>`, `ci_high_<name>`: Wilson
    for pass/fail scorers, BCa bootstrap otherwise, see `score_summary`), latency
    percentiles, throughput, cost and rates.

    Rows served by a fallback model count as rows and cost, but not toward scores (unless
    `include_fallbacks`). Cost sums known costs only; `cost_unknown_rows` says how many ok
    rows had no cost, and `cost_per_item_usd` divides the total by the ok rows whose cost
    is known. `fallback_rate` and `cache_rate` (`cost_source == "cached"`) are shares of ok
    rows. Latency and throughput columns describe ok rows only.
    """
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
    quality = score_summary(
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
