"""Synthetic results and scores tables with the real schema's column names, for the
statistics benchmarks (no run, no emulator: the numbers are drawn, so the truth is known)."""

from __future__ import annotations

from collections.abc import Sequence

import _harness  # noqa: F401  (puts the repository on sys.path)
import numpy as np
import pandas as pd

from orkit.results import RESULTS_SCHEMA, SCORES_SCHEMA


def results_frame(
    item: np.ndarray,
    model: Sequence[str] | np.ndarray,
    rng: np.random.Generator,
    *,
    error_rate: float = 0.0,
    fallback_rate: float = 0.0,
) -> pd.DataFrame:
    """One results row per (item[i], model[i]); every column of RESULTS_SCHEMA present.
    Latency, throughput and cost are drawn from skewed distributions like real ones."""
    n = len(item)
    model = np.asarray(model)
    status = np.where(rng.random(n) < error_rate, "error", "ok")
    ok = status == "ok"
    frame = pd.DataFrame(
        {
            "run_id": "bench",
            "task_key": np.char.add("k", np.arange(n).astype(str)),
            "item_id": np.char.add("q", item.astype(str)),
            "item_index": item,
            "prompt_id": "default",
            "model": model,
            "served_model": model,
            "params_json": '{"temperature": 0}',
            "repeat": 0,
            "status": status,
            "is_fallback": ok & (rng.random(n) < fallback_rate),
            "prompt_tokens": rng.integers(20, 400, n),
            "completion_tokens": rng.integers(1, 200, n),
            "cost_usd": np.where(ok, rng.gamma(2.0, 5e-5, n), np.nan),
            "cost_source": np.where(rng.random(n) < 0.05, "cached", "usage"),
            "service_s": np.where(ok, rng.lognormal(0.0, 0.6, n), np.nan),
            "ttft_s": np.where(ok, rng.lognormal(-1.5, 0.5, n), np.nan),
            "output_tokens_per_s": np.where(ok, rng.normal(90.0, 20.0, n), np.nan),
        }
    )
    for name in RESULTS_SCHEMA.names:
        if name not in frame.columns:
            frame[name] = None
    return frame[list(RESULTS_SCHEMA.names)]


def scores_frame(results: pd.DataFrame, scorer: str, values: np.ndarray) -> pd.DataFrame:
    """Scores of `scorer` for the ok rows of `results` (`values` aligned with all rows)."""
    ok = results["status"].to_numpy() == "ok"
    chosen: pd.DataFrame = results.loc[ok, ["run_id", "task_key", "item_id", "model"]]
    chosen = chosen.reset_index(drop=True)
    chosen["scorer"] = scorer
    chosen["score"] = np.asarray(values, dtype=np.float64)[ok]
    binary = np.isin(chosen["score"], (0.0, 1.0)).all()
    chosen["passed"] = chosen["score"] >= 1.0 if binary else None
    for name in SCORES_SCHEMA.names:
        if name not in chosen.columns:
            chosen[name] = None
    return chosen[list(SCORES_SCHEMA.names)]
