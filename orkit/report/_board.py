"""The leaderboard: one entry per contestant, every figure read from the run's one summary
(`stats.summarize_run`, what `Run.summary` and `orkit compare` show), plus its Pareto
frontiers (`stats.pareto_frontier`): quality against cost per item and against median
latency, on the primary scorer."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from orkit.report._round import money, ratio, seconds
from orkit.report._tallies import Tallies
from orkit.results import STATUS_CODES, SummaryRows
from orkit.stats import RunSummary, pareto_frontier

__all__ = ["leaderboard", "pareto"]

_OK = STATUS_CODES.index("ok")


def leaderboard(
    summary: RunSummary,
    rows: SummaryRows,
    runs_of: list[int],
    scorers: list[str],
    tallies: Tallies,
) -> list[dict[str, Any]]:
    """The payload's `contestants`, in the summary's order; `runs_of[c]` is contestant c's
    run, `scorers` the payload's scorers (the primary first)."""
    table = summary.table
    k = len(table)
    cached = _cached(rows, summary.contestants.codes, k)
    per_correct = _cost_per_correct(summary.scores, scorers[0] if scorers else None, k)
    out = []
    for c, (label, s) in enumerate(table.iterrows()):
        unknown = int(s["cost_unknown_rows"])
        out.append(
            {
                "id": str(s["contestant_id"]),
                "label": str(label),
                "model": _text(s.get("model")),
                "prompt_id": _text(s.get("prompt_id")),
                "params": _text(s.get("params_json")),
                "run": runs_of[c],
                "rows": int(s["rows"]),
                "ok": int(s["ok"]),
                "errors": int(s["errors"]),
                "fallbacks": int(s["fallback_rows"]),
                "cached": int(cached[c]),
                "skipped": int(s["skipped_budget"]),
                "deferred": int(s["deferred"]),
                "error_rate": ratio(s["error_rate"]),
                "scores": [_score(s, name) for name in scorers],
                "rank_group": [None] * len(scorers),
                "latency_p50_s": seconds(s.get("p50_service_s")),
                "latency_p95_s": seconds(s.get("p95_service_s")),
                "ttft_p50_s": seconds(s.get("p50_ttft_s")),
                "ttft_p95_s": seconds(s.get("p95_ttft_s")),
                **{name: tallies.tokens[name][c] for name in tallies.tokens},
                "cost_usd": money(s["cost_usd"]),
                "cost_unknown_rows": unknown,
                "cost_per_correct_usd": per_correct[c],
                # BYOK rows (only when some row was): their spend is OpenRouter's fee; what
                # the provider billed your own key is apart (null: unknown)
                "byok_rows": int(s.get("byok_rows", 0) or 0),
                "byok_upstream_usd": money(s.get("byok_upstream_usd")),
                # prompt caching (only when some row read or wrote it; null: unknown)
                "cache_hit_rate": ratio(s.get("cache_hit_rate")),
                "cache_savings_usd": money(s.get("cache_savings_usd")),
                "cache_write_usd": money(s.get("cache_write_usd")),
                "providers": dict(tallies.providers[c].most_common()),
            }
        )
    return out


def pareto(summary: RunSummary, scorers: list[str]) -> dict[str, list[int]]:
    """Contestant positions on the frontier of the primary score against cost per item
    (`cost`) and against median latency (`latency`), cheapest (fastest) first."""
    table = summary.table.reset_index(drop=True)
    quality = f"score_{scorers[0]}" if scorers else None
    if quality is None or quality not in table.columns:
        return {"cost": [], "latency": []}
    out: dict[str, list[int]] = {}
    for key, column in (("cost", "cost_per_item_usd"), ("latency", "p50_service_s")):
        if column not in table.columns:
            out[key] = []
            continue
        frontier = pareto_frontier(table, quality=quality, cost=column)
        out[key] = [int(i) for i in frontier.index]
    return out


def _score(s: pd.Series, name: str) -> dict[str, Any] | None:
    n = s.get(f"n_{name}")
    if n is None or n != n or int(n) == 0:
        return None
    return {
        "mean": ratio(s[f"score_{name}"]),
        "lo": ratio(s[f"ci_low_{name}"]),
        "hi": ratio(s[f"ci_high_{name}"]),
        "n": int(n),
    }


def _cost_per_correct(scores: pd.DataFrame, primary: str | None, k: int) -> list[float | None]:
    """`score_summary`'s cost per correct answer on the primary scorer, per contestant
    (None where it has none: no right answer, an unknown spend, a score not pass/fail)."""
    out: list[float | None] = [None] * k
    if primary is None or scores.empty:
        return out
    lines = scores[scores["scorer"] == primary]
    for at, value in enumerate(lines["cost_per_correct_usd"].tolist()[:k]):
        out[at] = money(value)
    return out


def _cached(rows: SummaryRows, codes: npt.NDArray[np.int64], k: int) -> npt.NDArray[np.int64]:
    """Ok rows the response cache answered, per contestant (the summary's `cache_rate`
    times its ok rows, counted rather than multiplied back)."""
    if rows.cached is None or rows.num_rows == 0:
        return np.zeros(k, dtype=np.int64)
    hit = rows.cached & (rows.status == _OK) & (codes >= 0)
    return np.bincount(codes[hit], minlength=k).astype(np.int64)


def _text(value: Any) -> str | None:
    return None if value is None or value != value else str(value)
