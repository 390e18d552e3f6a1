"""Latency distributions per contestant: quantiles and a histogram of the service time of
its ok rows that were sent (a cache hit was not, and took no time worth drawing). Every
contestant's histogram has the same edges, so the charts can be read against each other."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from orkit.report._round import seconds
from orkit.results import STATUS_CODES, SummaryRows

__all__ = ["latency_spread"]

_OK = STATUS_CODES.index("ok")
_BINS = 30
_QUANTILES = {"min": 0.0, "p05": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}
_QUANTILES |= {"max": 1.0}


def latency_spread(rows: SummaryRows, codes: npt.NDArray[np.int64], k: int) -> list[dict[str, Any]]:
    """The payload's `latency`: one entry per contestant with at least one timed row."""
    if rows.num_rows == 0:
        return []
    service = rows.floats["service_s"]
    timed = (rows.status == _OK) & (codes >= 0) & ~np.isnan(service)
    if rows.cached is not None:
        timed &= ~rows.cached
    code, values = codes[timed], service[timed]
    del service, timed
    if len(values) == 0:
        return []
    edges = _edges(values)
    order = np.argsort(code, kind="stable")
    code, values = code[order], values[order]
    bounds = np.searchsorted(code, np.arange(k + 1))
    out = []
    for c in range(k):
        mine = values[bounds[c] : bounds[c + 1]]
        if len(mine) == 0:
            continue
        q = np.quantile(mine, list(_QUANTILES.values()))
        counts, _ = np.histogram(mine, bins=edges)
        out.append(
            {
                "contestant": c,
                "q": {name: seconds(v) for name, v in zip(_QUANTILES, q.tolist(), strict=True)},
                "hist": {"edges": [seconds(e) for e in edges.tolist()], "counts": counts.tolist()},
            }
        )
    return out


def _edges(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """`_BINS` equal bins from the fastest row to the slowest (one bin when all agree)."""
    low, high = float(values.min()), float(values.max())
    if high <= low:
        return np.array([low, low + 0.001])
    return np.linspace(low, high, _BINS + 1)
