"""What happened over time: results rows by when they finished (ok, errors by type,
fallbacks, cache hits) and the 429 answers among the attempts, counted in at most 60 bins
of the same width over each run. Several runs share the bin width; each keeps its own
clock (`t` is seconds since that run's first event, `run` says which)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from orkit.report._columns import attempt_parts, each_part
from orkit.report._several import Loaded

__all__ = ["timeline"]

_MAX_BINS = 60
_STEPS = (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)
# Above an hour a bin is a whole number of hours.


def timeline(loaded: Loaded) -> dict[str, Any]:
    """The payload's `timeline` (`start` null and no series when no row has a time)."""
    runs = [_events(loaded, at) for at in range(len(loaded.runs))]
    spans = [(ts.min(), ts.max()) for ts, _ in runs if len(ts)]
    if not spans:
        return {"bin_s": None, "start": None, "series": []}
    longest = max(high - low for low, high in spans) / 1e6
    bin_s = _bin_width(longest)
    series = []
    for at, (ts, kinds) in enumerate(runs):
        if not len(ts):
            continue
        bins = ((ts - ts.min()) / 1e6 // bin_s).astype(np.int64)
        counted = Counter(zip(bins.tolist(), kinds, strict=True))
        for (b, kind), n in sorted(counted.items()):
            point = {"t": round(b * bin_s, 3), "kind": kind, "count": n}
            if len(loaded.runs) > 1:
                point["run"] = at
            series.append(point)
    first = min(low for low, _ in spans)
    start = np.datetime64(int(first), "us").astype("datetime64[ms]").item()
    return {"bin_s": bin_s, "start": start.isoformat() + "Z", "series": series}


def _bin_width(span_s: float) -> float:
    """The smallest round width that covers `span_s` in at most `_MAX_BINS` bins."""
    for step in _STEPS:
        if span_s < step * _MAX_BINS:
            return float(step)
    return float(3600 * int(np.ceil(span_s / (3600 * _MAX_BINS) + 1e-9)))


def _events(loaded: Loaded, at: int) -> tuple[npt.NDArray[np.int64], list[str]]:
    """Run `at`'s events: (microseconds since the epoch, kind) of its results rows and of
    its attempts answered 429."""
    times: list[npt.NDArray[np.int64]] = []
    kinds: list[str] = []
    columns = ["finished_at", "status", "error_type", "is_fallback", "cost_source"]
    run, start = [loaded.runs[at]], [loaded.starts[at]]
    for _, table in each_part(run, start, columns):
        table = table.filter(pc.is_valid(table["finished_at"]))
        status = table["status"].to_pylist()
        error = table["error_type"].to_pylist()
        fallback = table["is_fallback"].to_pylist()
        source = table["cost_source"].to_pylist()
        kind = [
            _kind(s, e, bool(f), c)
            for s, e, f, c in zip(status, error, fallback, source, strict=True)
        ]
        sent = np.array([k is not None for k in kind], dtype=bool)
        times.append(_micros(table["finished_at"])[sent])
        kinds.extend(k for k in kind if k is not None)
    for table in attempt_parts(run[0], ["started_at", "http_status"]):
        limited = table.filter(
            pc.and_(pc.equal(table["http_status"], 429), pc.is_valid(table["started_at"]))
        )
        times.append(_micros(limited["started_at"]))
        kinds.extend(["429"] * limited.num_rows)
    joined = np.concatenate(times) if times else np.zeros(0, dtype=np.int64)
    return joined, kinds


def _kind(status: str | None, error: str | None, fallback: bool, source: str | None) -> str | None:
    """What a results row shows as (None: never sent, skipped by the budget or deferred)."""
    if status == "ok":
        if source == "cached":
            return "cache_hit"
        return "fallback" if fallback else "ok"
    if status == "error":
        return f"error:{error or 'unknown'}"
    return None


def _micros(column: pa.ChunkedArray) -> npt.NDArray[np.int64]:
    as_int = pc.cast(column.cast(pa.timestamp("us", tz="UTC")), pa.int64())
    return np.asarray(as_int.to_numpy(zero_copy_only=False), dtype=np.int64)
