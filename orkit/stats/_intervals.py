"""Confidence intervals in closed form: Wilson's score interval for a proportion."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import numpy.typing as npt

__all__ = ["two_sided_z", "wilson_interval"]

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
