"""A vectorised bootstrap of column means, and BCa intervals from it.

Every column of a matrix is a sample (a model's scores, or a pair's per-item differences);
NaN marks "no value here". One matrix of resampling weights serves all columns at once:
the bootstrap means of every column come out of two matrix products (weighted sums and
weighted counts), which is what makes all pairs of ten models over 10,000 items fast.

The weights are Poisson(1) counts (the "Poisson bootstrap"): each item is drawn a Poisson
number of times, independently. Unlike multinomial resampling it does not tie a column to
the size of the whole matrix, so a pair that shares only some items is resampled over
exactly its shared items, with the same weights as every other pair (which keeps pairs
comparable and needs no per-pair draw).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from orkit.stats._intervals import two_sided_z

__all__ = ["bca_interval", "bootstrap_means", "poisson_weights"]

FloatArray = npt.NDArray[np.float64]

# Cells per weight chunk: bounds memory (~32 MB of float64) whatever n_boot × n is.
_CHUNK_CELLS = 4_000_000


def _poisson_table() -> npt.NDArray[np.float32]:
    """Poisson(1) counts indexed by a uniform 16-bit integer.

    Drawing 16-bit integers and looking them up is ~14× faster than `Generator.poisson`.
    The table gives count k to round(65536 · P(X <= k)) - round(65536 · P(X < k)) codes,
    so each probability is off by under 2e-5 and counts above 8 (p < 1e-6) never occur;
    the table's mean is exactly 1 and its variance 0.9998, which is what the bootstrap
    relies on.
    """
    cdf = np.cumsum([math.exp(-1.0) / math.factorial(k) for k in range(20)])
    table = np.searchsorted(cdf * 65536.0, np.arange(65536) + 0.5).astype(np.float32)
    table.setflags(write=False)
    return table


_POISSON = _poisson_table()


def poisson_weights(
    rng: np.random.Generator, n_boot: int, n: int
) -> Iterator[npt.NDArray[np.float32]]:
    """Bootstrap weights, `n_boot` rows of `n` Poisson(1) counts, yielded in chunks (float32:
    half the memory traffic of float64, and small integers are exact in it)."""
    rows = max(1, _CHUNK_CELLS // max(n, 1))
    for start in range(0, n_boot, rows):
        size = min(rows, n_boot - start)
        codes = rng.integers(0, 65536, size=(size, n), dtype=np.uint16)
        yield _POISSON[codes]


def bootstrap_means(values: FloatArray, n_boot: int, rng: np.random.Generator) -> FloatArray:
    """`n_boot` bootstrap replicates of each column's mean (NaN cells ignored).

    Returns an (n_boot, columns) array; a replicate that happened to draw none of a
    column's values is NaN (only likely for columns of a handful of values).
    """
    present = ~np.isnan(values)
    k = values.shape[1]
    # Weighted sums and weighted counts in one float32 product: counts are exact (small
    # integers), and the sums' rounding (~1e-7 relative) is far below bootstrap noise.
    stacked = np.hstack([np.where(present, values, 0.0), present]).astype(np.float32)
    chunks = []
    for weights in poisson_weights(rng, n_boot, values.shape[0]):
        product = (weights @ stacked).astype(np.float64)
        sums, counts = product[:, :k], product[:, k:]
        with np.errstate(divide="ignore", invalid="ignore"):
            chunks.append(np.where(counts > 0, sums / counts, np.nan))
    if not chunks:
        return np.empty((0, values.shape[1]))
    return np.vstack(chunks)


def bca_interval(
    values: FloatArray, boot: FloatArray, confidence: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Bias-corrected and accelerated (BCa) bootstrap interval of each column's mean.

    BCa rather than the plain percentile interval: it corrects for the skew of bounded
    scores near 0 or 1, where percentile intervals under-cover. For a mean the jackknife
    acceleration has a closed form (the sample skewness over 6·sqrt(n)), so no
    leave-one-out pass is needed. A column with no spread gets the point interval; an
    empty column gets NaN.
    """
    n = (~np.isnan(values)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        est = np.nansum(values, axis=0) / np.maximum(n, 1)  # nanmean warns on empty columns
        dev = values - est
        ss2 = np.nansum(dev**2, axis=0)
        ss3 = np.nansum(dev**3, axis=0)
        accel = np.where(ss2 > 0, ss3 / (6.0 * ss2**1.5), 0.0)
    valid = (~np.isnan(boot)).sum(axis=0)
    below = (boot < est).sum(axis=0) + 0.5 * (boot == est).sum(axis=0)
    # Keep the share strictly inside (0, 1) so its normal quantile is finite.
    share = np.where(
        valid > 0,
        np.clip(below / np.maximum(valid, 1), 1 / (valid + 1), valid / (valid + 1)),
        0.5,
    )
    z0 = _normal_ppf(share)
    z = two_sided_z(confidence)
    probs = []
    for tail in (-z, z):
        shifted = z0 + tail
        probs.append(_normal_cdf(z0 + shifted / (1.0 - accel * shifted)))
    low = _column_quantiles(boot, probs[0])
    high = _column_quantiles(boot, probs[1])
    flat = ss2 <= 0
    low = np.where(flat, est, low)
    high = np.where(flat, est, high)
    empty = n == 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def _column_quantiles(boot: FloatArray, probs: FloatArray) -> FloatArray:
    """Linear-interpolated quantile of each column at its own probability (NaN ignored)."""
    ordered = np.sort(boot, axis=0)  # NaN sorts last
    valid = (~np.isnan(boot)).sum(axis=0)
    pos = np.clip(probs, 0.0, 1.0) * np.maximum(valid - 1, 0)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(valid - 1, 0))
    frac = pos - lo
    cols = np.arange(boot.shape[1])
    if boot.shape[0] == 0:
        return np.full(boot.shape[1], np.nan)
    out = ordered[lo, cols] * (1 - frac) + ordered[hi, cols] * frac
    return np.where(valid > 0, out, np.nan)


def _normal_cdf(x: FloatArray) -> FloatArray:
    erf = np.vectorize(math.erf, otypes=[np.float64])
    return np.asarray(0.5 * (1.0 + erf(np.asarray(x) / math.sqrt(2.0))), dtype=np.float64)


def _normal_ppf(p: FloatArray) -> FloatArray:
    inv = np.vectorize(NormalDist().inv_cdf, otypes=[np.float64])
    return np.asarray(inv(np.asarray(p, dtype=np.float64)), dtype=np.float64)
