"""`compare` (every pair of contestants on shared items) and `rank_groups`."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from orkit.stats import PairOptions, SummaryOptions, compare, holm, mcnemar_exact, rank_groups


def test_binary_pair_uses_exact_mcnemar(pair) -> None:
    # a right and b wrong on 12 items, the reverse on 3, both right on 5
    a = [1] * 12 + [0] * 3 + [1] * 5
    b = [0] * 12 + [1] * 3 + [1] * 5
    row = compare(*pair(a, b)).iloc[0]
    assert (row["contestant_a"], row["contestant_b"], row["scorer"]) == ("a/x", "b/y", "exact")
    assert row["test"] == "mcnemar" and row["discordant"] == 15 and row["n_shared"] == 20
    assert row["p_value"] == pytest.approx(mcnemar_exact([12], [3])[0])
    assert row["diff"] == pytest.approx(17 / 20 - 8 / 20)
    assert row["ci_low"] < row["diff"] < row["ci_high"]


def test_continuous_pair_uses_the_paired_bootstrap(pair) -> None:
    rng = np.random.default_rng(0)
    level = rng.random(200)
    row = compare(*pair(level + 0.05, level + rng.normal(0, 0.02, 200))).iloc[0]
    assert row["test"] == "paired_bootstrap" and pd.isna(row["discordant"])
    assert row["significant"] and row["p_value"] < 1e-6
    assert row["ci_low"] < 0.05 < row["ci_high"]


def test_identical_models_are_not_different(pair) -> None:
    scores = [1, 0, 1, 1, 0, 1, 0, 0, 1, 1]
    row = compare(*pair(scores, scores)).iloc[0]
    assert row["p_value"] == 1.0 and not row["significant"]
    assert row["diff"] == row["ci_low"] == row["ci_high"] == 0.0


def test_only_shared_items_count(pair) -> None:
    # b has no score on items 0-1 (an error, say); a's mean is over the shared items only
    row = compare(*pair([1, 1, 0, 1, 0], [None, None, 0, 1, 1])).iloc[0]
    assert row["n_shared"] == 3 and row["mean_a"] == pytest.approx(1 / 3)


def test_error_rows_are_not_shared_items(tables) -> None:
    rows = [{"model": "a/x", "item": i, "score": 1} for i in range(4)]
    rows += [{"model": "b/y", "item": i, "score": 0} for i in range(3)]
    rows += [{"model": "b/y", "item": 3, "status": "error", "score": 0}]  # a stray score
    assert compare(*tables(rows)).iloc[0]["n_shared"] == 3


def test_no_shared_items_gives_nan_and_never_significant(pair) -> None:
    row = compare(*pair([1, 1, None, None], [None, None, 0, 0])).iloc[0]
    assert row["n_shared"] == 0 and math.isnan(row["p_value"]) and math.isnan(row["diff"])
    assert not row["significant"] and pd.isna(row["test"])


def test_one_model_or_no_scores_gives_an_empty_table(tables, pair) -> None:
    assert compare(*tables([{"model": "a/x", "item": 0, "score": 1}])).empty
    results, scores = pair([None], [None])
    assert compare(results, scores).empty
    assert compare(results, None).empty


def test_nan_scores_are_dropped(tables) -> None:
    rows = [{"model": m, "item": i, "score": 1} for m in ("a/x", "b/y") for i in range(3)]
    rows.append({"model": "b/y", "item": 3, "nan_score": True})
    rows.append({"model": "a/x", "item": 3, "score": 0})
    assert compare(*tables(rows)).iloc[0]["n_shared"] == 3


def test_repeats_are_averaged_into_one_unit(tables) -> None:
    rows = [
        {"model": m, "item": i, "repeat": r, "score": (i + r + (m == "a/x")) % 2}
        for m in ("a/x", "b/y")
        for i in range(6)
        for r in range(2)
    ]
    row = compare(*tables(rows)).iloc[0]
    assert row["n_shared"] == 6  # items, not item × repeat
    assert row["test"] == "paired_bootstrap"  # averages of 0/1 are no longer 0/1


def test_prompt_variants_are_contestants_paired_on_the_item(tables) -> None:
    rows = [
        {"model": m, "item": i, "prompt_id": p, "score": int(p == "terse")}
        for m in ("a/x", "b/y")
        for i in range(5)
        for p in ("terse", "verbose")
    ]
    table = compare(*tables(rows))
    assert len(table) == 6  # four contestants: every pair of them
    assert (table["n_shared"] == 5).all()  # items, not item × prompt
    first = table.iloc[0]
    assert (first["contestant_a"], first["contestant_b"]) == ("a/x · terse", "a/x · verbose")
    assert first["diff"] == 1.0
    with pytest.raises(ValueError, match="pair_on"):
        compare(*tables(rows), pairing=PairOptions(pair_on=("nope",)))


def test_holm_is_applied_across_the_pairs_of_a_scorer(tables) -> None:
    rng = np.random.default_rng(5)
    truth = {"a/x": 0.9, "b/y": 0.6, "c/z": 0.55, "d/w": 0.5}
    rows = [
        {"model": m, "item": i, "score": int(rng.random() < p)}
        for m, p in truth.items()
        for i in range(150)
    ]
    table = compare(*tables(rows))
    assert len(table) == 6
    assert table["p_holm"].to_numpy() == pytest.approx(holm(table["p_value"]))
    assert (table["significant"] == (table["p_holm"] < 0.05)).all()
    assert list(zip(table["contestant_a"], table["contestant_b"], strict=True))[:3] == [
        ("a/x", "b/y"),
        ("a/x", "c/z"),
        ("a/x", "d/w"),
    ]


def test_models_argument_orders_and_selects(pair) -> None:
    row = compare(*pair([1, 0, 1], [0, 0, 1]), options=SummaryOptions(models=["b/y", "a/x"])).iloc[
        0
    ]
    assert (row["contestant_a"], row["contestant_b"]) == ("b/y", "a/x")
    assert row["diff"] == pytest.approx(-1 / 3)


def test_scorer_selects_one_scorer(tables) -> None:
    rows = [
        {"model": m, "item": i, "score": 1, "scorer": s}
        for m in ("a/x", "b/y")
        for i in range(3)
        for s in ("exact", "judge")
    ]
    assert set(compare(*tables(rows))["scorer"]) == {"exact", "judge"}
    assert set(compare(*tables(rows), scorer="judge")["scorer"]) == {"judge"}


@pytest.mark.parametrize("seed", range(5))
def test_interval_always_holds_the_observed_difference(pair, seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = rng.random(80), rng.random(80)
    row = compare(*pair(a, b), options=SummaryOptions(seed=seed)).iloc[0]
    assert row["ci_low"] <= row["diff"] <= row["ci_high"]


def test_pairing_narrows_the_interval_when_models_agree(pair) -> None:
    # Shared item difficulty: both models track the item's level. An unpaired interval
    # (independent samples) would be ~sqrt(var_a/n + var_b/n) wide; the paired one is far
    # narrower because the item effect cancels out of each difference.
    rng = np.random.default_rng(11)
    level = rng.random(400)
    a = np.clip(level + rng.normal(0.02, 0.05, 400), 0, 1)
    b = np.clip(level + rng.normal(0.0, 0.05, 400), 0, 1)
    row = compare(*pair(a, b)).iloc[0]
    unpaired = 2 * 1.96 * math.sqrt(a.var(ddof=1) / 400 + b.var(ddof=1) / 400)
    assert row["ci_high"] - row["ci_low"] < unpaired / 3
    assert row["significant"]


def test_rank_groups_cut_where_differences_are_shown(tables) -> None:
    rng = np.random.default_rng(2)
    difficulty = rng.normal(0, 2, 600)
    ability = {"a/x": 2.0, "b/y": 1.95, "c/z": 0.0}
    rows = [
        {"model": m, "item": i, "score": int(rng.random() < 1 / (1 + math.exp(d - t)))}
        for m, t in ability.items()
        for i, d in enumerate(difficulty)
    ]
    groups = rank_groups(*tables(rows))
    assert list(groups["contestant"])[2] == "c/z"
    assert list(groups["group"]) == [1, 1, 2]
    assert list(groups["rank"]) == [1, 2, 3]


def test_rank_groups_reuse_a_comparison_and_group_untestable_pairs(pair) -> None:
    results, scores = pair([1, 1, None, None], [None, None, 0, 0])
    comparison = compare(results, scores)
    groups = rank_groups(results, scores, comparison=comparison)
    assert list(groups["group"]) == [1, 1]  # no shared item: no difference shown
    assert list(groups["contestant"]) == ["a/x", "b/y"]


def test_rank_groups_with_nothing_to_rank(tables) -> None:
    assert rank_groups(*tables([])).empty
    single = rank_groups(*tables([{"model": "a/x", "item": 0, "score": 1}]))
    assert list(single["group"]) == [1]
