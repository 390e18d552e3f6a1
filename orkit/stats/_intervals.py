"""Confidence intervals in closed form for a proportion: Agresti–Coull's (what
`score_summary` uses) and Wilson's score interval."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import numpy.typing as npt

__all__ = ["agresti_coull_interval", "two_sided_z", "wilson_interval"]

FloatArray = npt.NDArray[np.float64]


def two_sided_z(confidence: float) -> float:
    """The normal quantile for a two-sided interval, e.g. 1.959964 for 0.95."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


def wilson_interval(
    successes: npt.ArrayLike, n: npt.ArrayLike, confidence: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for a binomial proportion, elementwise.

    Chosen over the Wald interval because it keeps close to nominal coverage near 0 and 1
    and for small n, and never leaves [0, 1]. n = 0 gives NaN bounds (nothing observed).
    """
    k = np.asarray(successes, dtype=np.float64)
    m = np.asarray(n, dtype=np.float64)
    z = two_sided_z(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / m
        denom = 1.0 + z * z / m
        centre = (p + z * z / (2.0 * m)) / denom
        half = z * np.sqrt(p * (1.0 - p) / m + z * z / (4.0 * m * m)) / denom
    # At k = 0 and k = n a bound is exactly 0 or 1; rounding would leave 1e-17 there.
    low = np.where(k <= 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(k >= m, 1.0, np.clip(centre + half, 0.0, 1.0))
    low = np.where(m > 0, low, np.nan)
    high = np.where(m > 0, high, np.nan)
    return np.atleast_1d(low), np.atleast_1d(high)


def agresti_coull_interval(
    successes: npt.ArrayLike, n: npt.ArrayLike, confidence: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Agresti–Coull interval for a binomial proportion, elementwise: the Wald interval
    around Wilson's centre, with z²/2 successes and z²/2 failures added.

    Chosen over Wilson's because Wilson's coverage falls to 0.83-0.90 for accuracies near
    0 or 1 (a model right on 98% of 30 items: 0.90), where LLM scores often are; this one
    keeps at least 0.93 for any true proportion in [0.01, 0.99] from n = 30 items on
    (0.925 at n = 10, 0.90 at n = 5), at the price of slightly wider intervals near the edges
    (`benchmarks/bench_ci_coverage.py` computes both exactly). Never leaves [0, 1];
    n = 0 gives NaN bounds (nothing observed).
    """
    k = np.asarray(successes, dtype=np.float64)
    m = np.asarray(n, dtype=np.float64)
    z = two_sided_z(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        widened = m + z * z
        centre = (k + z * z / 2.0) / widened
        half = z * np.sqrt(centre * (1.0 - centre) / widened)
    # At k = 0 and k = n a bound is exactly 0 or 1 (the clip would give the same, barring
    # rounding): no proportion outside [0, 1] is plausible.
    low = np.where(k <= 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(k >= m, 1.0, np.clip(centre + half, 0.0, 1.0))
    low = np.where(m > 0, low, np.nan)
    high = np.where(m > 0, high, np.nan)
    return np.atleast_1d(low), np.atleast_1d(high)
