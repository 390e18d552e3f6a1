"""The summary's BYOK columns: rows served with the user's own provider key, OpenRouter's
fee on them and what the provider billed, per contestant (pure; no I/O)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from orkit.results import SummaryRows

__all__ = ["BYOK_COLUMNS", "byok_columns"]

BYOK_COLUMNS: tuple[str, ...] = ("byok_rows", "byok_fee_usd", "byok_upstream_usd")
"""Added to the summary only when some row was BYOK: a run without any keeps its table."""


def byok_columns(
    rows: SummaryRows, code: npt.NDArray[np.int64], k: int
) -> dict[str, npt.NDArray[np.float64] | npt.NDArray[np.int64]] | None:
    """Per contestant: its BYOK rows, the known fee (`cost_usd` of those rows) and known
    upstream cost; None when no row was BYOK. A contestant without BYOK rows has 0 rows and
    null sums (nothing to sum is unknown, never a $0 it did not pay)."""
    byok = (rows.floats["is_byok"] == 1.0) & (code >= 0)
    if not byok.any():
        return None
    mine = code[byok]
    counted = np.bincount(mine, minlength=k).astype(np.int64)
    out: dict[str, npt.NDArray[np.float64] | npt.NDArray[np.int64]] = {"byok_rows": counted}
    for column, of in (("byok_fee_usd", "cost_usd"), ("byok_upstream_usd", "upstream_cost_usd")):
        values = rows.floats[of][byok]
        known = ~np.isnan(values)
        sums = np.bincount(mine[known], weights=values[known], minlength=k)
        seen = np.bincount(mine[known], minlength=k)
        out[column] = np.where(seen > 0, sums, np.nan)
    return out
