"""P-values: the exact McNemar test, a two-proportion z test, and Holm's correction.

Binomial tails are summed in log space (log-factorials from a cumulative sum of logs), so
they stay exact to float precision for tens of thousands of discordant pairs where
`math.comb(n, k) / 2**n` would overflow a float.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

__all__ = ["binomial_cdf_half", "holm", "mcnemar_exact", "two_proportion_p"]

FloatArray = npt.NDArray[np.float64]
_NORMAL = NormalDist()


def _log_factorials(n_max: int) -> FloatArray:
    """log(k!) for k = 0..n_max."""
    out = np.zeros(n_max + 1)
    if n_max > 0:
        out[1:] = np.cumsum(np.log(np.arange(1, n_max + 1, dtype=np.float64)))
    return out


def binomial_cdf_half(k: int, n: int, log_fact: FloatArray | None = None) -> float:
    """P(X <= k) for X ~ Binomial(n, 1/2), exact up to float rounding."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    lf = log_fact if log_fact is not None else _log_factorials(n)
    j = np.arange(k + 1)
    log_pmf = lf[n] - lf[j] - lf[n - j] - n * math.log(2.0)
    top = float(log_pmf.max())
    return float(min(1.0, math.exp(top) * float(np.exp(log_pmf - top).sum())))


def mcnemar_exact(a_only: npt.ArrayLike, b_only: npt.ArrayLike) -> FloatArray:
    """Two-sided exact McNemar p-values, one per pair.

    `a_only[i]` counts items model A got right and B wrong, `b_only[i]` the reverse. Under
    the null each discordant item is a fair coin, so p = 2 · P(X <= min) with
    X ~ Binomial(a_only + b_only, 1/2), capped at 1 (the usual doubling of the smaller tail).
    No discordant items means no evidence either way: p = 1.
    """
    a = np.asarray(a_only, dtype=np.int64).ravel()
    b = np.asarray(b_only, dtype=np.int64).ravel()
    n = a + b
    log_fact = _log_factorials(int(n.max(initial=0)))
    out = np.ones(len(n))
    for i in range(len(n)):
        if n[i] > 0:
            tail = binomial_cdf_half(int(min(a[i], b[i])), int(n[i]), log_fact)
            out[i] = min(1.0, 2.0 * tail)
    return out


def two_proportion_p(successes_a: int, n_a: int, successes_b: int, n_b: int) -> float:
    """Two-sided p-value of the pooled two-proportion z test (unpaired; for contrast only:
    it ignores that both models answered the same items)."""
    if n_a == 0 or n_b == 0:
        return math.nan
    pooled = (successes_a + successes_b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if se == 0:
        return 1.0
    z = (successes_a / n_a - successes_b / n_b) / se
    return 2.0 * (1.0 - _NORMAL.cdf(abs(z)))


def holm(p_values: npt.ArrayLike) -> FloatArray:
    """Holm step-down adjusted p-values (family-wise error control across pairs).

    The i-th smallest of m p-values is multiplied by (m - i + 1); a running maximum keeps
    the adjusted values in the same order as the raw ones. NaN (a pair with nothing to
    test) stays NaN and does not count toward m.
    """
    p = np.asarray(p_values, dtype=np.float64).ravel()
    out = np.full(p.shape, np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    m = len(valid)
    if m == 0:
        return out
    order = valid[np.argsort(p[valid], kind="stable")]
    scaled = p[order] * (m - np.arange(m))
    out[order] = np.minimum(1.0, np.maximum.accumulate(scaled))
    return out
