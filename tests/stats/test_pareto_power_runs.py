"""Pareto frontier and cheapest model above a bar; minimum detectable difference; several
runs combined."""

from __future__ import annotations

import math
from collections.abc import Hashable

import numpy as np
import pandas as pd
import pytest

from orkit.stats import (
    ACROSS_RUNS,
    PairOptions,
    cheapest_above,
    combine_runs,
    compare,
    minimum_detectable_difference,
    pareto_frontier,
    summarize,
)
from orkit.stats._pvalues import _log_factorials

TINY = pd.DataFrame(
    {
        "score_exact": [0.90, 0.80, 0.85, 0.70, 0.80, np.nan],
        "ci_low_exact": [0.86, 0.76, 0.81, 0.65, 0.74, np.nan],
        "cost_per_item_usd": [0.010, 0.002, 0.004, 0.001, 0.003, 0.0001],
        "p50_service_s": [3.0, 1.0, 0.8, 0.5, 2.0, 0.1],
    },
    index=pd.Index(["big", "mid", "good", "tiny", "worse-mid", "broken"], name="model"),
)


def test_pareto_quality_vs_cost() -> None:
    front = pareto_frontier(TINY, quality="score_exact")
    # worse-mid: mid is as good and cheaper; broken has no score
    assert list(front.index) == ["tiny", "mid", "good", "big"]


def test_pareto_quality_vs_latency() -> None:
    front = pareto_frontier(TINY, quality="score_exact", cost="p50_service_s")
    assert list(front.index) == ["tiny", "good", "big"]


def test_pareto_keeps_exact_duplicates_and_rejects_unknown_columns() -> None:
    twins = pd.DataFrame({"q": [0.5, 0.5], "c": [1.0, 1.0]}, index=["a", "b"])
    assert list(pareto_frontier(twins, quality="q", cost="c").index) == ["a", "b"]
    with pytest.raises(KeyError, match="nope"):
        pareto_frontier(TINY, quality="nope")


def cheapest(summary: pd.DataFrame, threshold: float, metric: str) -> Hashable:
    """The label of the row `cheapest_above` picks; None when it picks none."""
    row = cheapest_above(summary, threshold, metric)
    return None if row is None else row.name


def test_cheapest_above_judges_by_the_lower_bound() -> None:
    # good's mean is 0.85 but its lower bound 0.81: it clears 0.8, mid (0.76) does not
    assert cheapest(TINY, 0.80, "exact") == "good"
    assert cheapest(TINY, 0.70, "exact") == "mid"
    assert cheapest_above(TINY, 0.95, "exact") is None
    with pytest.raises(KeyError, match="ci_low_judge"):
        cheapest_above(TINY, 0.5, "judge")


def test_cheapest_above_on_a_real_summary(tables) -> None:
    rows = [
        {"model": m, "item": i, "score": int(i < k), "cost_usd": c}
        for m, k, c in (("cheap/a", 50, 0.001), ("dear/b", 95, 0.01))
        for i in range(100)
    ]
    summary = summarize(*tables(rows))
    assert cheapest(summary, 0.85, "exact") == "dear/b"
    assert cheapest(summary, 0.30, "exact") == "cheap/a"


def test_mdd_textbook_value() -> None:
    # Connor (1987): discordance 0.2, difference 0.1, alpha 0.05, power 0.8 needs n ~ 155
    # (without continuity correction); with it, 155 items detect a little more than 0.1.
    mdd = minimum_detectable_difference(155, discordance=0.2)
    assert 0.1 < mdd < 0.11


def exact_mcnemar_power(n: int, p_d: float, delta: float, alpha: float = 0.05) -> float:
    """The exact test's power, summed over the number of discordant items (the oracle)."""
    lf = _log_factorials(n)
    q = (p_d + delta) / (2 * p_d)
    m = np.arange(n + 1)
    weight = np.exp(lf[n] - lf[m] - lf[n - m] + m * math.log(p_d) + (n - m) * math.log(1 - p_d))
    total = 0.0
    for discordant in m[weight > 1e-12]:
        k = np.arange(discordant + 1)
        log_c = lf[discordant] - lf[k] - lf[discordant - k]
        null_cdf = np.cumsum(np.exp(log_c - discordant * math.log(2)))
        rejecting = np.flatnonzero(2 * null_cdf <= alpha)
        if len(rejecting) == 0:
            continue
        c = rejecting[-1]
        pmf = np.exp(log_c + k * math.log(q) + (discordant - k) * math.log(1 - q))
        total += weight[discordant] * (pmf[: c + 1].sum() + pmf[discordant - c :].sum())
    return float(total)


@pytest.mark.parametrize(("n", "p_d"), [(100, 0.2), (500, 0.3), (1000, 0.1), (1000, 0.25)])
def test_mdd_is_detected_by_the_exact_test_with_the_promised_power(n: int, p_d: float) -> None:
    mdd = minimum_detectable_difference(n, power=0.8, discordance=p_d)
    assert 0.79 <= exact_mcnemar_power(n, p_d, mdd) <= 0.86


def test_mdd_shrinks_with_n_and_grows_with_discordance() -> None:
    values = [minimum_detectable_difference(n, discordance=0.2) for n in (100, 400, 1600)]
    assert values[0] > values[1] > values[2]
    assert values[1] == pytest.approx(values[0] / 2, rel=0.1)  # ~1/sqrt(n)
    assert minimum_detectable_difference(400, discordance=0.1) < values[1]


def test_mdd_baseline_is_the_pessimistic_independent_case() -> None:
    independent = minimum_detectable_difference(1000, baseline=0.7)
    # independent models at 70% disagree on 2 * 0.7 * 0.3 = 42% of items
    assert independent == pytest.approx(
        minimum_detectable_difference(1000, discordance=0.42), rel=0.05
    )
    assert minimum_detectable_difference(1000) > independent  # default: 50%, the worst


def test_mdd_continuous_and_edges() -> None:
    assert minimum_detectable_difference(100, sd_diff=0.5) == pytest.approx(
        (1.959964 + 0.841621) * 0.05, rel=1e-5
    )
    assert math.isinf(minimum_detectable_difference(0, discordance=0.2))
    assert math.isinf(minimum_detectable_difference(5, discordance=0.01))  # too few items
    with pytest.raises(ValueError, match="at most one"):
        minimum_detectable_difference(10, discordance=0.2, baseline=0.5)
    with pytest.raises(ValueError, match="power"):
        minimum_detectable_difference(10, power=1.0)


def test_combine_runs_labels_shared_models_and_keeps_keys_apart(pair) -> None:
    first = pair([1, 1, 0], [0, 1, 0])  # a/x and b/y
    second = pair([1, 1, 1], [0, 0, 0])  # a/x and b/y again, same task keys
    results, scores = combine_runs({"r1": first, "r2": second})
    assert set(results["model"]) == {"a/x@r1", "b/y@r1", "a/x@r2", "b/y@r2"}
    assert results["task_key"].is_unique and set(results["run_id"]) == {"r1", "r2"}
    table = compare(results, scores, pairing=PairOptions(pair_on=ACROSS_RUNS))
    row = table[(table["contestant_a"] == "a/x@r1") & (table["contestant_b"] == "a/x@r2")].iloc[0]
    assert row["n_shared"] == 3 and row["diff"] == pytest.approx(-1 / 3)


def test_combine_runs_keeps_names_of_models_in_one_run_only(tables) -> None:
    one = tables([{"model": "a/x", "item": 0, "score": 1}])
    two = tables([{"model": "c/z", "item": 0, "score": 0}])
    results, scores = combine_runs({"r1": one, "r2": two})
    assert list(results["model"]) == ["a/x", "c/z"]
    assert (
        compare(results, scores, pairing=PairOptions(pair_on=ACROSS_RUNS)).iloc[0]["n_shared"] == 1
    )


def test_combine_runs_with_an_empty_run(tables) -> None:
    one = tables([{"model": "a/x", "item": 0, "score": 1}])
    results, scores = combine_runs({"r1": one, "r2": tables([])})
    assert len(results) == 1 and len(scores) == 1
