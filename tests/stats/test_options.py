"""The analysis functions over frames take their settings as two typed objects:
`SummaryOptions` (who the contestants are, their order, which scores count, the bootstrap)
and `PairOptions` (what only the pairwise test takes). The loose keywords they replaced
fail loudly, and each setting reaches the computation it names."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from orkit.stats import (
    CONTESTANT_KEYS,
    PairOptions,
    SummaryOptions,
    compare,
    rank_groups,
    rows_of_frames,
    score_summary,
    summarize,
)

# a right and b wrong on 12 items, the reverse on 3, both right on 5: McNemar p ~0.035
A_BETTER = [1] * 12 + [0] * 3 + [1] * 5
B_WORSE = [0] * 12 + [1] * 3 + [1] * 5


@pytest.mark.parametrize(
    ("function", "keyword", "value"),
    [
        (summarize, "include_fallbacks", True),
        (summarize, "by", "model"),
        (score_summary, "confidence", 0.9),
        (score_summary, "n_boot", 100),
        (compare, "alpha", 0.01),
        (compare, "pair_on", ("item_id",)),
        (compare, "models", ["b/y", "a/x"]),
        (rank_groups, "alpha", 0.01),
        (rank_groups, "seed", 3),
    ],
)
def test_the_old_keywords_fail_loudly(
    pair, function: Callable[..., Any], keyword: str, value: Any
) -> None:
    with pytest.raises(TypeError, match=f"unexpected keyword argument '{keyword}'"):
        function(*pair(A_BETTER, B_WORSE), **{keyword: value})
    # and `help(function)` says where the setting went
    assert function.__doc__ is not None
    assert "options=SummaryOptions(" in function.__doc__
    if function in (compare, rank_groups):
        assert "pairing=PairOptions(" in function.__doc__


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.05, 1.5])
def test_pair_options_refuse_an_alpha_outside_zero_to_one(alpha: float) -> None:
    with pytest.raises(
        ValueError, match=re.escape(f"PairOptions.alpha must be between 0 and 1, got {alpha}")
    ):
        PairOptions(alpha=alpha)


def test_pair_options_keep_the_pairing_columns_as_a_tuple() -> None:
    assert PairOptions().pair_on == ("item_id",)
    assert PairOptions(pair_on="item_id").pair_on == ("item_id",)  # one name, not its letters
    assert PairOptions(pair_on=["item_id", "repeat"]).pair_on == ("item_id", "repeat")
    assert PairOptions(pair_on=["item_id"]) == PairOptions()  # frozen, comparable
    with pytest.raises(ValueError, match=r"PairOptions\.pair_on must name at least one"):
        PairOptions(pair_on=())


def test_summary_options_keep_models_and_prompts_as_tuples() -> None:
    options = SummaryOptions(models=["b/y", "a/x"], prompts="terse")
    assert options.models == ("b/y", "a/x") and options.prompts == ("terse",)
    assert SummaryOptions(models="a/x").models == ("a/x",)  # one name, not its letters
    assert options == SummaryOptions(models=("b/y", "a/x"), prompts=("terse",))
    assert hash(options) == hash(SummaryOptions(models=("b/y", "a/x"), prompts=("terse",)))


def test_alpha_sets_the_test_and_the_interval(pair) -> None:
    data = pair(A_BETTER, B_WORSE)
    loose = compare(*data).iloc[0]
    strict = compare(*data, pairing=PairOptions(alpha=0.01)).iloc[0]
    assert loose["p_holm"] == strict["p_holm"] and 0.01 < loose["p_holm"] < 0.05
    assert loose["significant"] and not strict["significant"]
    # the interval is at 1 - alpha: wider at 99% than at 95%
    assert strict["ci_low"] < loose["ci_low"] < loose["ci_high"] < strict["ci_high"]


def test_rank_groups_compare_with_the_settings_they_are_given(pair) -> None:
    results, scores = pair(A_BETTER, B_WORSE)
    assert list(rank_groups(results, scores)["group"]) == [1, 2]
    strict = PairOptions(alpha=0.01)
    options = SummaryOptions(seed=7, n_boot=500)
    grouped = rank_groups(results, scores, options=options, pairing=strict)
    assert list(grouped["group"]) == [1, 1]  # not shown different at 1%
    comparison = compare(results, scores, options=options, pairing=strict)
    given = rank_groups(results, scores, comparison=comparison, options=options, pairing=strict)
    pd.testing.assert_frame_equal(grouped, given)


def test_models_order_the_contestants_and_leave_none_out(tables) -> None:
    rows = [
        {"model": m, "item": i, "score": (i + n) % 2}
        for n, m in enumerate(("a/x", "b/y", "c/z"))
        for i in range(6)
    ]
    options = SummaryOptions(models=["c/z"])
    pairs = compare(*tables(rows), options=options)
    assert list(zip(pairs["contestant_a"], pairs["contestant_b"], strict=True)) == [
        ("c/z", "a/x"),
        ("c/z", "b/y"),
        ("a/x", "b/y"),
    ]
    assert list(summarize(*tables(rows), options=options).index) == ["c/z", "a/x", "b/y"]
    quality = score_summary(*tables(rows), options=options)
    assert list(quality["contestant"]) == ["c/z", "a/x", "b/y"]


def test_a_frame_and_its_rows_have_the_same_contestants(tables) -> None:
    rows = [
        {"model": m, "item": i, "prompt_id": p, "score": 1}
        for m in ("a/x", "b/y")
        for p in ("terse", "chatty")
        for i in range(2)
    ]
    results, _ = tables(rows)
    options = SummaryOptions(models=["b/y"], prompts=["chatty"])
    of_frame = options.contestants_of_frame(results)
    of_rows = options.contestants_of_rows(rows_of_frames(results, None, CONTESTANT_KEYS))
    assert of_frame.labels == of_rows.labels
    assert of_frame.labels == ["b/y · chatty", "b/y · terse", "a/x · chatty", "a/x · terse"]
    assert list(of_frame.codes) == list(of_rows.codes)
