"""Per-model summary of a run's results and scores, as a pandas DataFrame (pure; no I/O)."""

from __future__ import annotations

import pandas as pd

__all__ = ["summarize"]


def summarize(results: pd.DataFrame, scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per requested model: rows, ok, errors, pending (left for a resume: skipped by
    the budget or waiting for a quota), error rate, mean of each scorer
    (`score_<name>`, over rows it applied to), latency and cost.

    Rows served by a fallback model count as rows and cost, but not toward scores.
    Cost sums known costs only; `cost_unknown_rows` says how many ok rows had no cost.
    """
    if results.empty:
        return pd.DataFrame(
            columns=[
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
        ).set_index("model")
    df = results
    grouped = df.groupby("model", sort=False)
    ok = df["status"].eq("ok")
    out = pd.DataFrame(
        {
            "rows": grouped.size(),
            "ok": ok.groupby(df["model"], sort=False).sum(),
        }
    )
    out["errors"] = df["status"].eq("error").groupby(df["model"], sort=False).sum()
    out["pending"] = out["rows"] - out["ok"] - out["errors"]
    fallback = df["is_fallback"].fillna(False).astype(bool)
    out["fallback_rows"] = fallback.groupby(df["model"], sort=False).sum().astype("int64")
    out["error_rate"] = out["errors"] / (out["ok"] + out["errors"]).where(lambda n: n > 0)
    okdf = df[ok]
    ok_grouped = okdf.groupby("model", sort=False)
    out["mean_service_s"] = ok_grouped["service_s"].mean()
    out["p50_ttft_s"] = ok_grouped["ttft_s"].median()
    out["cost_usd"] = grouped["cost_usd"].sum(min_count=1)
    out["cost_unknown_rows"] = okdf["cost_usd"].isna().groupby(okdf["model"], sort=False).sum()
    out["cost_unknown_rows"] = out["cost_unknown_rows"].fillna(0).astype("int64")
    if scores is not None and not scores.empty:
        own = _own_model_task_keys(df)
        scored = scores[scores["task_key"].isin(own)]
        table = scored.pivot_table(
            index="model", columns="scorer", values="score", aggfunc="mean", sort=False
        )
        for scorer in table.columns:
            out[f"score_{scorer}"] = table[scorer]
    out.index.name = "model"
    return out


def _own_model_task_keys(results: pd.DataFrame) -> pd.Series:
    """Task keys answered by the model that was asked (not by a fallback)."""
    mask = results["status"].eq("ok") & ~results["is_fallback"].fillna(False).astype(bool)
    return results.loc[mask, "task_key"]
