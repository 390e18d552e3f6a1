"""The summary's prompt-cache columns: how much of each contestant's prompt was read from the
providers' caches, what that saved and what writing it cost (pure; no I/O)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from orkit.results import SummaryRows

__all__ = ["CACHE_COLUMNS", "cache_columns"]

CACHE_COLUMNS: tuple[str, ...] = ("cache_hit_rate", "cache_savings_usd", "cache_write_usd")
"""Added to the summary only when some row read or wrote the prompt cache: a run without
any keeps its table."""

FloatArray = npt.NDArray[np.float64]


def _known_sums(values: FloatArray, code: npt.NDArray[np.int64], k: int) -> FloatArray:
    """Per contestant, the sum of its known values (NaN: none known, never a $0)."""
    known = ~np.isnan(values) & (code >= 0)
    sums = np.bincount(code[known], weights=values[known], minlength=k)
    seen = np.bincount(code[known], minlength=k)
    return np.where(seen > 0, sums, np.nan)


def cache_columns(
    rows: SummaryRows, code: npt.NDArray[np.int64], k: int
) -> dict[str, FloatArray] | None:
    """Per contestant: `cache_hit_rate` (cached over prompt tokens, over the rows that know
    both), `cache_savings_usd` and `cache_write_usd` (sums of the rows' known values); None
    when no row read or wrote the cache. Response-cache hits were never sent: left out."""
    sent = code >= 0
    if rows.cached is not None:
        sent = sent & ~rows.cached
    cached = rows.floats["cached_tokens"]
    used = sent & (
        (np.nan_to_num(cached) > 0) | (np.nan_to_num(rows.floats["cache_write_tokens"]) > 0)
    )
    if not used.any():
        return None
    mine = np.where(sent, code, -1)
    prompt = rows.floats["prompt_tokens"]
    both = np.where(np.isnan(prompt), np.nan, cached)
    read = _known_sums(both, mine, k)
    total = _known_sums(np.where(np.isnan(cached), np.nan, prompt), mine, k)
    rate = np.divide(read, total, out=np.full(k, np.nan), where=total > 0)
    return {
        "cache_hit_rate": rate,
        "cache_savings_usd": _known_sums(rows.floats["cache_savings_usd"], mine, k),
        "cache_write_usd": _known_sums(rows.floats["cache_write_usd"], mine, k),
    }
