"""The interval `score_summary` gives pass/fail scores: Agresti–Coull's, checked against the
formula worked by hand and, the reason it was chosen, against its exact coverage near 0 and 1
(where Wilson's falls to 0.90)."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest

from orkit.stats import agresti_coull_interval, wilson_interval

Z = 1.959963984540054  # two-sided 95%


def binomial_pmf(n: int, p: float) -> np.ndarray:
    k = np.arange(n + 1)
    log_choose = np.array(
        [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) for i in k]
    )
    log_pmf: npt.NDArray[np.float64] = log_choose + k * math.log(p) + (n - k) * math.log1p(-p)
    return np.exp(log_pmf)


def exact_coverage(interval, n: int, p: float) -> float:
    """P(interval holds p) when k ~ Binomial(n, p): every k weighted by its probability."""
    low, high = interval(np.arange(n + 1), np.full(n + 1, n))
    return float(binomial_pmf(n, p)[(low <= p) & (p <= high)].sum())


@pytest.mark.parametrize(("k", "n"), [(81, 263), (15, 148), (1, 29), (29, 30)])
def test_agresti_coull_is_the_wald_interval_of_the_widened_sample(k: int, n: int) -> None:
    widened = n + Z * Z
    centre = (k + Z * Z / 2) / widened
    half = Z * math.sqrt(centre * (1 - centre) / widened)
    low, high = agresti_coull_interval(k, n)
    assert (low[0], high[0]) == pytest.approx((max(centre - half, 0.0), min(centre + half, 1.0)))


def test_agresti_coull_worked_example() -> None:
    # 81 of 263: 81 + 1.92 of 266.84 is 0.3107, ± 1.96 × 0.02833
    low, high = agresti_coull_interval(81, 263)
    assert round(float(low[0]), 4) == 0.2552 and round(float(high[0]), 4) == 0.3663


def test_agresti_coull_edges_all_correct_none_correct_and_empty() -> None:
    low, high = agresti_coull_interval([10, 0, 0], [10, 10, 0])
    assert high[0] == 1.0 and 0.65 < low[0] < 0.73  # all correct: yet not sure it is 100%
    assert low[1] == 0.0 and 0.27 < high[1] < 0.35
    assert math.isnan(low[2]) and math.isnan(high[2])  # n = 0: nothing to say


def test_agresti_coull_narrows_with_confidence_and_with_items() -> None:
    lo90, hi90 = agresti_coull_interval(30, 100, 0.90)
    lo99, hi99 = agresti_coull_interval(30, 100, 0.99)
    assert lo99[0] < lo90[0] < 0.30 < hi90[0] < hi99[0]
    lo, hi = agresti_coull_interval([3, 300], [10, 1000])
    assert hi[1] - lo[1] < hi[0] - lo[0]


@pytest.mark.parametrize("n", [30, 50, 100, 200])
def test_coverage_holds_near_0_and_1_where_wilsons_does_not(n: int) -> None:
    truths = np.linspace(0.01, 0.99, 197)
    worst = min(exact_coverage(agresti_coull_interval, n, p) for p in truths)
    assert worst >= 0.93, f"n={n}: Agresti–Coull covers only {worst:.3f} somewhere"
    # the reason Wilson's is no longer the default: it dips well below at the edges
    wilson_worst = min(exact_coverage(wilson_interval, n, p) for p in truths)
    assert wilson_worst < worst


def test_exact_coverage_of_an_interval_that_always_holds_or_never_does() -> None:
    def everything(k, n):
        return np.zeros(len(k)), np.ones(len(k))

    def nothing(k, n):
        return np.full(len(k), 2.0), np.full(len(k), 3.0)

    assert exact_coverage(everything, 30, 0.2) == pytest.approx(1.0)
    assert exact_coverage(nothing, 30, 0.2) == 0.0
