"""`summarize` over frames goes through `rows_of_frames` into the one summary computation:
on tables with what a hand-made or combined table may hold (a missing column, a null
scorer, item or status, a score of no task, a retried task) it gives what the pandas
summary gave, bit for bit (`summary_oracle`); and `SummaryOptions.of_sweeps` reads the
settings a sweep sets."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from orkit.stats import SummaryOptions, rows_of_frames, score_summary, summarize

from .summary_oracle import oracle_keywords, oracle_scores, oracle_summary


def _odd(tables) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(5)
    rows: list[dict[str, Any]] = []
    for item in range(12):
        for model in ("b/y", "a/x"):
            for prompt_id in ("terse", "polite"):
                rows.append(
                    {
                        "model": model,
                        "item": item,
                        "prompt_id": prompt_id,
                        "score": float(rng.random() < 0.6),
                        "service_s": float(rng.random()),
                        "is_fallback": bool(item % 5 == 0),
                        "cost_usd": None if item % 4 == 0 else float(rng.random()) / 100,
                        "cost_source": "cached" if item % 3 == 0 else "usage",
                    }
                )
    rows.append({"model": "a/x", "item": 3, "status": "error", "cost_usd": None})
    rows.append({"model": "a/x", "item": 4, "status": "deferred", "cost_usd": None})
    rows.append({"model": "b/y", "item": 5, "status": "odd", "cost_usd": None})
    results, scores = tables(rows)
    results.loc[7, "item_id"] = None  # a row with no item id
    results["is_fallback"] = results["is_fallback"].astype(object)
    results.loc[9, "is_fallback"] = None
    results = pd.concat([results, results.iloc[[2]]], ignore_index=True)  # retried task
    extra = scores.iloc[[0, 1]].copy()
    extra["task_key"] = ["nowhere", scores["task_key"].iloc[4]]
    extra["scorer"] = ["exact", None]  # a score of no task; a null scorer's
    graded = scores.copy()
    graded["scorer"] = "graded"
    graded["score"] = np.round(np.random.default_rng(6).random(len(graded)), 2)
    return results, pd.concat([scores, extra, graded], ignore_index=True)


@pytest.mark.parametrize(
    "options",
    [
        SummaryOptions(),
        SummaryOptions(score_fallbacks=True, seed=4, n_boot=300),
        SummaryOptions(by=["model", "prompt"], prompts=["polite", "terse"], confidence=0.9),
        # a model named alone comes first; the models it does not name follow, not left out
        SummaryOptions(by="model", models=["b/y"]),
    ],
)
def test_summarize_of_frames_is_the_pandas_summary(tables, options) -> None:
    results, scores = _odd(tables)
    got = summarize(results, scores, options=options)
    assert {"score_exact", "score_graded", "cache_rate"} <= set(got.columns)
    keywords = oracle_keywords(options, results)
    expected = oracle_summary(results, scores, **keywords)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    # and the same scores as one row per scorer × contestant
    quality = score_summary(results, scores, options=options)
    if options == SummaryOptions():  # pass/fail and graded scores: both kinds of interval
        assert set(quality["ci_method"]) == {"agresti_coull", "bootstrap"}
    assert quality["correct"].notna().any() and quality["cost_per_correct_usd"].notna().any()
    pd.testing.assert_frame_equal(
        quality, oracle_scores(results, scores, **keywords), check_exact=True
    )


def test_leaving_a_model_out_is_leaving_its_rows_out(tables) -> None:
    """`SummaryOptions.models` orders and never selects: a model is left out of the
    summary by leaving its rows out of the frame."""
    results, scores = _odd(tables)
    options = SummaryOptions(by="model", models=["b/y"])
    assert list(summarize(results, scores, options=options).index) == ["b/y", "a/x"]
    kept = results[results["model"] == "b/y"]
    got = summarize(kept, scores, options=options)
    assert list(got.index) == ["b/y"]
    # Leaving a model out: pandas' grouped mean over the rows that are left, as one
    # group, can differ in the last bit from the same group's mean beside rows with no
    # group (the pandas summary grouped those too). A run's summary leaves none out.
    expected = oracle_summary(results, scores, by="model", models=["b/y"])
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-15, atol=0)


def test_a_table_without_optional_columns(tables) -> None:
    results, scores = _odd(tables)
    bare = results.drop(columns=["cost_source", "is_fallback", "ttft_s"])
    got = summarize(bare, scores[["task_key", "scorer", "score"]])
    assert (got["cache_rate"] == 0.0).all() and (got["fallback_rows"] == 0).all()
    assert got["p50_ttft_s"].isna().all()
    rows = rows_of_frames(bare, None, ("model",))
    assert rows.cached is None and len(rows.score) == 0 and rows.num_rows == len(bare)


def test_options_of_the_sweeps() -> None:
    one = {"models": ["b/y", "a/x"], "prompts": {"terse": {}}, "score_fallbacks": True}
    other = {"models": ["a/x", "c/z"], "prompts": {"polite": {}, "terse": {}}}
    assert SummaryOptions.of_sweeps([one]) == SummaryOptions(
        score_fallbacks=True, models=("b/y", "a/x"), prompts=("terse",)
    )
    both = SummaryOptions.of_sweeps([one, other])
    # fallback answers count only if every sweep asked for it
    assert not both.score_fallbacks
    assert both.models == ("b/y", "a/x", "c/z") and both.prompts == ("terse", "polite")
    assert SummaryOptions.of_sweeps([{}]) == SummaryOptions()
    assert not SummaryOptions.of_sweeps([]).score_fallbacks
    assert SummaryOptions(by=["model", "prompt"]).by == ("model", "prompt")
    # models with rows that no sweep names (a run made by other means) come last
    assert both.model_order(["c/z", "d/w", "a/x", "d/w"]) == ["b/y", "a/x", "c/z", "d/w"]
