"""Known values: Wilson against Newcombe's table, exact McNemar against binomial tails in
exact rational arithmetic, Holm on a worked example; and BCa bootstrap basics."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from orkit.stats import holm, mcnemar_exact, two_proportion_p, wilson_interval
from orkit.stats._bootstrap import bca_interval, bootstrap_means


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857, Table I, method 3 (Wilson score).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombes_table(k: int, n: int, low: float, high: float) -> None:
    lo, hi = wilson_interval(k, n)
    assert round(float(lo[0]), 4) == low
    assert round(float(hi[0]), 4) == high


def test_wilson_edges_all_correct_none_correct_and_empty() -> None:
    lo, hi = wilson_interval([10, 0, 0], [10, 10, 0])
    assert hi[0] == 1.0 and 0.72 < lo[0] < 0.73  # all correct: yet not sure it is 100%
    assert lo[1] == 0.0 and 0.27 < hi[1] < 0.28
    assert math.isnan(lo[2]) and math.isnan(hi[2])  # n = 0: nothing to say


def test_wilson_narrows_with_confidence() -> None:
    lo90, hi90 = wilson_interval(30, 100, 0.90)
    lo99, hi99 = wilson_interval(30, 100, 0.99)
    assert lo99[0] < lo90[0] < 0.30 < hi90[0] < hi99[0]


def exact_two_sided(b: int, c: int) -> float:
    n, k = b + c, min(b, c)
    tail = Fraction(sum(math.comb(n, j) for j in range(k + 1)), 2**n)
    return float(min(Fraction(1), 2 * tail))


@pytest.mark.parametrize(("b", "c"), [(3, 12), (0, 5), (7, 7), (1, 0), (40, 60), (400, 470)])
def test_mcnemar_is_the_exact_binomial_tail(b: int, c: int) -> None:
    assert mcnemar_exact([b], [c])[0] == pytest.approx(exact_two_sided(b, c), rel=1e-9)


def test_mcnemar_hand_computed_and_symmetric() -> None:
    # b = 3, c = 12: 2 * (1 + 15 + 105 + 455) / 2**15
    assert mcnemar_exact([3, 12], [12, 3]) == pytest.approx([0.03515625, 0.03515625])


def test_mcnemar_without_discordant_pairs_is_one() -> None:
    assert mcnemar_exact([0], [0])[0] == 1.0


def test_mcnemar_stays_finite_for_tens_of_thousands_of_pairs() -> None:
    p = mcnemar_exact([20_000, 20_000], [20_000, 21_000])
    assert p[0] == 1.0 and 0 < p[1] < 1e-5


def test_holm_on_a_worked_example() -> None:
    # sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 -> max(0.06, 0.04)
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_holm_caps_at_one_and_skips_nan() -> None:
    out = holm([0.5, np.nan, 0.6])
    assert out[0] == 1.0 and out[2] == 1.0 and math.isnan(out[1])
    assert np.isnan(holm([np.nan])).all() and len(holm([])) == 0


def test_two_proportion_z_test() -> None:
    # 60/100 vs 40/100: pooled 0.5, se = sqrt(0.5*0.5*0.02) = 0.0707, z = 2.828
    assert two_proportion_p(60, 100, 40, 100) == pytest.approx(0.004678, abs=1e-5)
    assert math.isnan(two_proportion_p(1, 0, 1, 1))


def test_bca_interval_contains_the_mean_and_shrinks_with_n() -> None:
    rng = np.random.default_rng(0)
    small = rng.beta(2, 5, (50, 1))
    large = rng.beta(2, 5, (2000, 1))
    widths = []
    for values in (small, large):
        boot = bootstrap_means(values, 2000, rng)
        low, high = bca_interval(values, boot)
        assert low[0] < values.mean() < high[0]
        widths.append(high[0] - low[0])
    assert widths[1] < widths[0] / 4


def test_bca_interval_degenerate_columns() -> None:
    values = np.array([[1.0, np.nan], [1.0, np.nan], [1.0, np.nan]])
    boot = bootstrap_means(values, 200, np.random.default_rng(0))
    low, high = bca_interval(values, boot)
    assert low[0] == high[0] == 1.0  # no spread: the point itself
    assert math.isnan(low[1]) and math.isnan(high[1])  # nothing observed


def test_bootstrap_is_reproducible_from_its_seed() -> None:
    values = np.random.default_rng(1).random((100, 3))
    a = bootstrap_means(values, 500, np.random.default_rng(7))
    b = bootstrap_means(values, 500, np.random.default_rng(7))
    assert np.array_equal(a, b)
    assert np.allclose(a.mean(axis=0), values.mean(axis=0), atol=0.01)
