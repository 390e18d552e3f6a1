"""Per-model summary of a run's results and scores, as a pandas DataFrame (pure; no I/O)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from orkit.stats._quality import score_summary

__all__ = ["summarize"]

_EMPTY_COLUMNS = [
    "model",
    "rows",
    "ok",
    "errors",
    "error_rate",
    "mean_service_s",
    "p50_ttft_s",
    "cost_usd",
    "cost_unknown_rows",
]

_PERCENTILES = {"p50": 0.50, "p95": 0.95, "p99": 0.99}


def summarize(
    results: pd.DataFrame,
    scores: pd.DataFrame | None = None,
    *,
    include_fallbacks: bool = False,
    confidence: float = 0.95,
    seed: int = 0,
    n_boot: int = 2000,
) -> pd.DataFrame:
    """One row per requested model: rows, ok, errors, pending (left for a resume: skipped by
    the budget or waiting for a quota), error rate, mean of each scorer
    (`score_<name>`, over rows it applied to) with `n_<name>` and a `confidence` interval
    (`ci_low_<name>`, `ci_high_<name>`: Wilson for pass/fail scorers, BCa bootstrap
    otherwise, see `score_summary`), latency percentiles, throughput, cost and rates.

    Rows served by a fallback model count as rows and cost, but not toward scores (unless
    `include_fallbacks`). Cost sums known costs only; `cost_unknown_rows` says how many ok
    rows had no cost, and `cost_per_item_usd` divides the total by the ok rows whose cost
    is known. `fallback_rate` and `cache_rate` (`cost_source == "cached"`) are shares of ok
    rows. Latency and throughput columns describe ok rows only.
    """
    if results.empty:
        return pd.DataFrame(columns=_EMPTY_COLUMNS).set_index("model")
    out = _counts(results)
    ok_rows = results[results["status"].eq("ok")]
    ok_by_model = ok_rows.groupby("model", sort=False)
    out["mean_service_s"] = ok_by_model["service_s"].mean()
    out["p50_ttft_s"] = ok_by_model["ttft_s"].median()
    for column in ("service_s", "ttft_s"):
        for name, q in _PERCENTILES.items():
            if (name, column) != ("p50", "ttft_s"):  # kept where it always was, above
                out[f"{name}_{column}"] = ok_by_model[column].quantile(q)
    out["p50_output_tokens_per_s"] = ok_by_model["output_tokens_per_s"].median()
    out["cost_usd"] = results.groupby("model", sort=False)["cost_usd"].sum(min_count=1)
    unknown = ok_rows["cost_usd"].isna().groupby(ok_rows["model"], sort=False).sum()
    out["cost_unknown_rows"] = unknown.reindex(out.index).fillna(0).astype("int64")
    priced = (out["ok"] - out["cost_unknown_rows"]).where(lambda n: n > 0)
    out["cost_per_item_usd"] = out["cost_usd"] / priced
    ok_count = out["ok"].where(out["ok"] > 0)
    out["fallback_rate"] = _ok_share(ok_rows, ok_rows["is_fallback"].fillna(False)) / ok_count
    cached = ok_rows["cost_source"].eq("cached") if "cost_source" in ok_rows else None
    out["cache_rate"] = _ok_share(ok_rows, cached) / ok_count if cached is not None else 0.0
    _add_scores(out, results, scores, include_fallbacks, (confidence, seed, n_boot))
    out.index.name = "model"
    return out


def _counts(results: pd.DataFrame) -> pd.DataFrame:
    by_model = results.groupby("model", sort=False)
    ok = results["status"].eq("ok")
    out = pd.DataFrame({"rows": by_model.size()})
    out["ok"] = ok.groupby(results["model"], sort=False).sum()
    out["errors"] = results["status"].eq("error").groupby(results["model"], sort=False).sum()
    out["pending"] = out["rows"] - out["ok"] - out["errors"]
    fallback = results["is_fallback"].fillna(False).astype(bool)
    out["fallback_rows"] = fallback.groupby(results["model"], sort=False).sum().astype("int64")
    out["error_rate"] = out["errors"] / (out["ok"] + out["errors"]).where(lambda n: n > 0)
    return out


def _ok_share(ok_rows: pd.DataFrame, flags: pd.Series) -> pd.Series:
    """How many ok rows per model have `flags` set."""
    return flags.astype(bool).groupby(ok_rows["model"], sort=False).sum()


def _add_scores(
    out: pd.DataFrame,
    results: pd.DataFrame,
    scores: pd.DataFrame | None,
    include_fallbacks: bool,
    ci: tuple[float, int, int],
) -> None:
    """`score_<s>`, `n_<s>`, `ci_low_<s>`, `ci_high_<s>` per scorer, in place. A model
    none of whose rows were scored gets NaN (and n 0)."""
    confidence, seed, n_boot = ci
    models: Sequence[str] = [str(m) for m in out.index]
    quality = score_summary(
        results,
        scores,
        confidence=confidence,
        seed=seed,
        n_boot=n_boot,
        include_fallbacks=include_fallbacks,
        models=models,
    )
    for scorer, rows in quality.groupby("scorer", sort=False):
        rows = rows.set_index("model")
        out[f"score_{scorer}"] = rows["mean"]
        out[f"n_{scorer}"] = rows["n"].astype("int64")
        out[f"ci_low_{scorer}"] = rows["ci_low"]
        out[f"ci_high_{scorer}"] = rows["ci_high"]
