"""`summarize` (one row per contestant) and `score_summary` (one per contestant × scorer)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from orkit.stats import SummaryOptions, agresti_coull_interval, score_summary, summarize

from .frames import number


def test_counts_rates_latency_and_cost(tables) -> None:
    rows = [
        {"model": "a/x", "item": i, "score": i % 2, "service_s": float(i + 1), "cost_usd": 0.01}
        for i in range(10)
    ]
    rows += [
        {"model": "b/y", "item": 0, "status": "error", "cost_usd": None},
        {"model": "b/y", "item": 1, "status": "skipped_budget", "cost_usd": None},
        {"model": "b/y", "item": 2, "score": 1, "is_fallback": True, "cost_usd": 0.02},
        {"model": "b/y", "item": 3, "score": 1, "cost_source": "cached", "cost_usd": 0.0},
        {"model": "b/y", "item": 4, "score": 0, "cost_usd": None},
    ]
    s = summarize(*tables(rows))
    assert list(s.index) == ["a/x", "b/y"]
    a, b = s.loc["a/x"], s.loc["b/y"]
    assert (a["rows"], a["ok"], a["errors"], a["pending"]) == (10, 10, 0, 0)
    assert (b["rows"], b["ok"], b["errors"], b["pending"]) == (5, 3, 1, 1)
    assert b["error_rate"] == 0.25 and b["fallback_rows"] == 1
    assert a["p50_service_s"] == 5.5 and a["p99_service_s"] == pytest.approx(9.91)
    assert a["cost_usd"] == pytest.approx(0.1) and a["cost_per_item_usd"] == pytest.approx(0.01)
    # b: $0.02 over the 2 ok rows with a known cost; one ok row's cost is unknown
    assert b["cost_unknown_rows"] == 1 and b["cost_per_item_usd"] == pytest.approx(0.01)
    assert b["fallback_rate"] == pytest.approx(1 / 3) and b["cache_rate"] == pytest.approx(1 / 3)
    # the fallback's score does not count for b/y: (1 + 0) / 2
    assert b["score_exact"] == 0.5 and b["n_exact"] == 2


def test_fallback_scores_count_only_when_asked(tables) -> None:
    rows = [{"model": "a/x", "item": i, "score": 1, "is_fallback": i < 3} for i in range(5)]
    assert summarize(*tables(rows))["n_exact"].iloc[0] == 2
    assert (
        summarize(*tables(rows), options=SummaryOptions(score_fallbacks=True))["n_exact"].iloc[0]
        == 5
    )


def test_binary_scores_get_agresti_coull_intervals(tables) -> None:
    rows = [{"model": "a/x", "item": i, "score": int(i < 81)} for i in range(263)]
    assert score_summary(*tables(rows)).iloc[0]["ci_method"] == "agresti_coull"
    s = summarize(*tables(rows)).iloc[0]
    low, high = agresti_coull_interval(81, 263)
    assert s["score_exact"] == pytest.approx(81 / 263)
    assert (s["ci_low_exact"], s["ci_high_exact"]) == pytest.approx((low[0], high[0]))


def test_continuous_scores_get_a_bootstrap_interval_around_the_mean(tables) -> None:
    values = np.random.default_rng(3).beta(2, 3, 300)
    rows = [{"model": "a/x", "item": i, "score": v} for i, v in enumerate(values)]
    q = score_summary(*tables(rows)).iloc[0]
    assert q["ci_method"] == "bootstrap"
    assert q["ci_low"] < values.mean() < q["ci_high"]
    half = 1.96 * values.std(ddof=1) / math.sqrt(len(values))
    assert q["ci_high"] - q["ci_low"] == pytest.approx(2 * half, rel=0.15)
    assert pd.isna(q["correct"]) and math.isnan(q["cost_per_correct_usd"])


def test_score_summary_is_reproducible_and_seeded(tables) -> None:
    values = np.random.default_rng(4).random(50)
    data = tables([{"model": "a/x", "item": i, "score": v} for i, v in enumerate(values)])
    one = SummaryOptions(seed=1)
    first, again = score_summary(*data, options=one), score_summary(*data, options=one)
    other = score_summary(*data, options=SummaryOptions(seed=2))
    assert first.equals(again)
    assert first["ci_low"].iloc[0] != other["ci_low"].iloc[0]


def test_cost_per_correct_answer(tables) -> None:
    rows = [{"model": "a/x", "item": i, "score": int(i < 4), "cost_usd": 0.5} for i in range(8)]
    q = score_summary(*tables(rows)).iloc[0]
    assert q["correct"] == 4 and q["cost_per_correct_usd"] == pytest.approx(1.0)


def test_all_correct_and_none_correct(tables) -> None:
    rows = [{"model": "a/x", "item": i, "score": 1} for i in range(20)]
    rows += [{"model": "b/y", "item": i, "score": 0} for i in range(20)]
    q = score_summary(*tables(rows)).set_index("contestant")
    assert q.loc["a/x", "ci_high"] == 1.0 and 0.8 < number(q, "a/x", "ci_low") < 1.0
    assert q.loc["b/y", "ci_low"] == 0.0 and 0.0 < number(q, "b/y", "ci_high") < 0.2
    assert math.isnan(number(q, "b/y", "cost_per_correct_usd"))  # no correct answer: no price


def test_nan_scores_are_ignored(tables) -> None:
    rows = [{"model": "a/x", "item": i, "score": 1} for i in range(3)]
    rows += [{"model": "a/x", "item": 3, "nan_score": True}]
    s = summarize(*tables(rows)).iloc[0]
    assert s["n_exact"] == 3 and s["score_exact"] == 1.0


def test_a_model_without_scores_gets_nan_and_zero_n(tables) -> None:
    rows = [{"model": "a/x", "item": 0, "score": 1}, {"model": "b/y", "item": 0}]
    s = summarize(*tables(rows))
    assert s.loc["b/y", "n_exact"] == 0 and math.isnan(number(s, "b/y", "score_exact"))
    assert math.isnan(number(s, "b/y", "ci_low_exact"))


def test_no_rows_at_all(tables) -> None:
    results, scores = tables([])
    assert summarize(results, scores).empty
    assert score_summary(results, scores).empty
    assert summarize(results).index.name == "contestant"
    assert summarize(results, options=SummaryOptions(by="model")).index.name == "model"


def test_no_scores_keeps_the_operational_columns(tables) -> None:
    results, _ = tables([{"model": "a/x", "item": 0}])
    s = summarize(results, None)
    assert not [c for c in s.columns if c.startswith("score_")]
    assert s.loc["a/x", "rows"] == 1 and s.loc["a/x", "p95_ttft_s"] == pytest.approx(0.2)
