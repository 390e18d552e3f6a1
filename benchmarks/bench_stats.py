"""Statistics speed: the per-model summary (with intervals) and the all-pairs comparison
(paired bootstrap intervals, McNemar / bootstrap tests, Holm, rank groups) for
100,000 result rows × 10 models (10,000 items each), two scorers (one pass/fail, one
continuous), 1% errors and 0.5% fallbacks. Target: under 10 s in all (`seconds`).

Baseline, measured in the same run: the same all-pairs comparison written the obvious way,
one pair at a time (align the pair's items with a pandas merge, draw a fresh index matrix,
take means), with the same number of bootstrap replicates. Inputs are synthetic tables
with the real schema's columns (see `_synthetic.py`); each timing is the median of 3.
Last line of output: one JSON object.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from _harness import emit, median
from _synthetic import results_frame, scores_frame

from orkit.stats import SummaryOptions, compare, mcnemar_exact, rank_groups, summarize

ROWS = int(os.environ.get("ORKIT_BENCH_ROWS", "100000"))
MODELS = 10
N_BOOT = 2000
SEED = 20261128
REPEATS = 3
OPTIONS = SummaryOptions(seed=SEED, n_boot=N_BOOT)


def make_tables(rows: int, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Items of varying difficulty shared by all models; abilities spread over 10 models."""
    items = rows // MODELS
    difficulty = rng.normal(0.0, 1.5, items)
    ability = np.linspace(-0.4, 0.4, MODELS)
    item = np.tile(np.arange(items), MODELS)
    model_index = np.repeat(np.arange(MODELS), items)
    names = np.array([f"vendor{m}/model-{m}" for m in range(MODELS)])
    p_right = 1.0 / (1.0 + np.exp(-(ability[model_index] - difficulty[item] + 0.8)))
    results = results_frame(item, names[model_index], rng, error_rate=0.01, fallback_rate=0.005)
    exact = (rng.random(len(item)) < p_right).astype(np.float64)
    judged = np.round(np.clip(p_right + rng.normal(0.0, 0.2, len(item)), 0.0, 1.0), 1)
    scores = pd.concat(
        [scores_frame(results, "exact", exact), scores_frame(results, "judge", judged)],
        ignore_index=True,
    )
    return results, scores


def naive_compare(results: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """All pairs, one at a time: what one writes without thinking about speed."""
    rng = np.random.default_rng(SEED)
    own = results.loc[results["status"].eq("ok") & ~results["is_fallback"], ["task_key"]]
    scored = scores.merge(own, on="task_key")
    rows: list[dict[str, Any]] = []
    for scorer, by_scorer in scored.groupby("scorer"):
        per_model = {str(m): g[["item_id", "score"]] for m, g in by_scorer.groupby("model")}
        binary = bool(np.isin(by_scorer["score"], (0.0, 1.0)).all())
        for a, b in combinations(sorted(per_model), 2):
            pair = per_model[a].merge(per_model[b], on="item_id", suffixes=("_a", "_b"))
            d = (pair["score_a"] - pair["score_b"]).to_numpy()
            boot = d[rng.integers(0, len(d), (N_BOOT, len(d)))].mean(axis=1)
            low, high = np.quantile(boot, [0.025, 0.975])
            if binary:
                p = mcnemar_exact([(d > 0).sum()], [(d < 0).sum()])[0]
            else:
                p = float(2 * (1 - _phi(abs(d.mean()) / boot.std(ddof=1))))
            rows.append({"scorer": scorer, "a": a, "b": b, "low": low, "high": high, "p": p})
    return pd.DataFrame(rows)


def _phi(x: float) -> float:
    from statistics import NormalDist

    return NormalDist().cdf(x)


def timed(fn: Callable[[], Any], repeats: int = REPEATS) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return median(times), out


def scale_check(rng: np.random.Generator) -> float:
    """The same three steps on ten times the rows (one pass): how the cost grows."""
    results, scores = make_tables(10 * ROWS, rng)
    start = time.perf_counter()
    summarize(results, scores, options=OPTIONS)
    pairs = compare(results, scores, options=OPTIONS)
    rank_groups(results, scores, comparison=pairs, options=OPTIONS)
    return time.perf_counter() - start


def main() -> None:
    rng = np.random.default_rng(SEED)
    start = time.perf_counter()
    results, scores = make_tables(ROWS, rng)
    build_s = time.perf_counter() - start
    summary_s, summary = timed(lambda: summarize(results, scores, options=OPTIONS))
    compare_s, pairs = timed(lambda: compare(results, scores, options=OPTIONS))
    groups_s, groups = timed(
        lambda: rank_groups(results, scores, comparison=pairs, options=OPTIONS)
    )
    naive_s, naive = timed(lambda: naive_compare(results, scores), repeats=1)  # ~15 s
    seconds = summary_s + compare_s + groups_s
    big_s = scale_check(rng)
    significant = int(pairs["significant"].sum())
    print(f"{len(results):,} rows, {MODELS} models, {len(scores):,} scores")
    print(f"tables built in {build_s:.1f} s (not timed below)")
    print(f"summarize: {summary_s:.2f} s ({len(summary)} models, {summary.shape[1]} columns)")
    print(f"compare:   {compare_s:.2f} s ({len(pairs)} pairs, {significant} significant)")
    print(f"groups:    {groups_s:.2f} s ({groups['group'].max()} groups on the first scorer)")
    print(f"naive per-pair compare: {naive_s:.2f} s ({len(naive)} pairs)")
    print(f"total {seconds:.2f} s (target < 10 s); compare {naive_s / compare_s:.1f}× the naive")
    print(f"ten times the rows ({10 * ROWS:,}): {big_s:.2f} s for the same three steps")
    emit(
        {
            "rows": len(results),
            "models": MODELS,
            "scores": len(scores),
            "n_boot": N_BOOT,
            "seconds": round(seconds, 3),
            "seconds_summary": round(summary_s, 3),
            "seconds_compare": round(compare_s, 3),
            "seconds_rank_groups": round(groups_s, 3),
            "baseline_naive_compare_seconds": round(naive_s, 3),
            "compare_speedup_vs_naive": round(naive_s / compare_s, 2),
            "pairs": len(pairs),
            "seconds_10x_rows": round(big_s, 3),
            "target_seconds": 10,
            "ok": seconds < 10,
        }
    )


if __name__ == "__main__":
    main()
