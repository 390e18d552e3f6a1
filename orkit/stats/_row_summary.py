"""The per-contestant summary, computed over `SummaryRows` (a run's rows as codes and
floats): the only place its figures are made. A run directory is read into `SummaryRows`
part by part (`read_summary_rows`); results and scores given as frames are turned into them
(`rows_of_frames`, for `summarize` and `orkit compare`).

Each figure is the pandas operation the summary over frames of every row used to run, on
the same values in the same order, grouped by contestant codes instead of labels: sums,
means, medians and quantiles come out bit for bit as they did (`tests/summary_oracle.py`
keeps that computation; `tests/batch/test_summary_rows.py` and
`tests/stats/test_frame_rows.py` check against it), in a fraction of the memory.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from orkit.results import STATUS_CODES, SummaryRows
from orkit.stats._byok import byok_columns
from orkit.stats._contestants import GROUP_BY, Contestants, contestants
from orkit.stats._prompt_cache import cache_columns
from orkit.stats._row_quality import QUALITY_COLUMNS, score_table

__all__ = [
    "COUNT_COLUMNS",
    "contestant_spend",
    "row_contestants",
    "summary_and_scores",
]

_OK, _ERROR, _SKIPPED, _DEFERRED = range(len(STATUS_CODES))

COUNT_COLUMNS = [
    "rows",
    "ok",
    "errors",
    "skipped_budget",
    "deferred",
    "pending",
    "error_rate",
    "mean_service_s",
    "p50_ttft_s",
    "cost_usd",
    "cost_unknown_rows",
]
"""The columns of an empty summary (no rows: no scorers, no percentiles)."""

_PERCENTILES = {"p50": 0.50, "p95": 0.95, "p99": 0.99}


def row_contestants(
    rows: SummaryRows,
    by: str | Sequence[str] | None = None,
    *,
    models: Sequence[str] | None = None,
    prompts: Sequence[str] | None = None,
) -> Contestants:
    """`contestants` of the rows, with `codes` per results row (as `contestants` gives for a
    frame of every row: the groups are those rows' distinct values in the same order)."""
    of_groups = contestants(rows.groups, by, models=models, prompts=prompts)
    codes = of_groups.codes[rows.group] if rows.num_rows else np.zeros(0, dtype=np.int64)
    return Contestants(of_groups.columns, of_groups.table, codes)


def summary_and_scores(
    rows: SummaryRows,
    entrants: Contestants,
    by: str | Sequence[str] | None,
    include_fallbacks: bool,
    ci: tuple[float, int, int],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The summary (what `summarize` returns) and its scores as one row per scorer ×
    contestant (`score_table`), made once: the table shows the same figures as columns."""
    index_name = _index_name(by)
    if rows.num_rows == 0:
        columns = ["contestant_id", *entrants.columns, *COUNT_COLUMNS]
        empty = pd.DataFrame(columns=[index_name, *columns]).set_index(index_name)
        return empty, pd.DataFrame(columns=QUALITY_COLUMNS)
    code = entrants.codes
    k = len(entrants.table)
    out = entrants.table.set_index("contestant")
    mine = code >= 0

    def counts(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
        return np.bincount(code[mask & mine], minlength=k).astype(np.int64)

    status = rows.status
    out["rows"] = counts(np.ones(len(code), dtype=bool))
    out["ok"] = counts(status == _OK)
    out["errors"] = counts(status == _ERROR)
    out["skipped_budget"] = counts(status == _SKIPPED)
    out["deferred"] = counts(status == _DEFERRED)
    out["pending"] = out["rows"] - out["ok"] - out["errors"]
    out["fallback_rows"] = counts(rows.is_fallback)
    out["error_rate"] = out["errors"] / (out["ok"] + out["errors"]).where(lambda n: n > 0)
    ok = (status == _OK) & mine
    computed = _per_contestant(rows, code, k)
    for column in [*(c for c, *_ in _OK_STATS), "cost_usd", "cost_unknown_rows"]:
        out[column] = computed.pop(column)  # in `summarize`'s order of columns
    priced = (out["ok"] - out["cost_unknown_rows"]).where(lambda n: n > 0)
    out["cost_per_item_usd"] = out["cost_usd"] / priced
    ok_count = out["ok"].where(out["ok"] > 0)
    out["fallback_rate"] = _ok_sums(counts(ok & rows.is_fallback), out["ok"]) / ok_count
    if rows.cached is not None:
        out["cache_rate"] = _ok_sums(counts(ok & rows.cached), out["ok"]) / ok_count
    else:
        out["cache_rate"] = 0.0
    out["reasoning_tokens"], out["mean_reasoning_tokens"] = _reasoning(rows, code, ok, k)
    out = out.assign(**(byok_columns(rows, code, k) or {}))
    out = out.assign(**(cache_columns(rows, code, k) or {}))
    quality = score_table(rows, entrants, out["cost_usd"].to_numpy(), include_fallbacks, ci)
    for scorer, lines in quality.groupby("scorer", sort=False):
        lines = lines.set_index("contestant")
        out[f"score_{scorer}"] = lines["mean"]
        out[f"n_{scorer}"] = lines["n"]
        out[f"ci_low_{scorer}"] = lines["ci_low"]
        out[f"ci_high_{scorer}"] = lines["ci_high"]
    out.index.name = index_name
    return out, quality


def _reasoning(
    rows: SummaryRows, code: npt.NDArray[np.int64], ok: npt.NDArray[np.bool_], k: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Per contestant, the reasoning tokens its ok rows reported, summed and per row that
    said (NaN: none said). Token counts are whole numbers, exact in floats: plain sums give
    what pandas' grouped sum and mean give, without a groupby."""
    values = rows.floats["reasoning_tokens"]
    said = ok & ~np.isnan(values)
    n = np.bincount(code[said], minlength=k)
    total = np.bincount(code[said], weights=values[said], minlength=k)
    known = n > 0
    return np.where(known, total, np.nan), np.where(known, total / np.maximum(n, 1), np.nan)


def contestant_spend(rows: SummaryRows, entrants: Contestants) -> npt.NDArray[np.float64]:
    """Each contestant's known cost (NaN: none known), as the summary's `cost_usd`."""
    code, k = entrants.codes, len(entrants.table)
    if rows.num_rows == 0:
        return np.full(k, np.nan)
    return _spend(rows.floats["cost_usd"], code, k)


def _spend(
    cost: npt.NDArray[np.float64], code: npt.NDArray[np.int64], k: int
) -> npt.NDArray[np.float64]:
    """Known cost per contestant code, summed as `groupby(...).sum(min_count=1)` sums it."""
    mine = code >= 0
    return _by_code(pd.Series(cost[mine]).groupby(code[mine], sort=False).sum(min_count=1), k)


def _index_name(by: str | Sequence[str] | None) -> str:
    """`contestant` by default; the column grouped by, for one; `group` for several."""
    if by is None:
        return "contestant"
    names = [by] if isinstance(by, str) else list(by)
    columns = {GROUP_BY.get(n, n) for n in names}
    return next(iter(columns)) if len(columns) == 1 else "group"


_OK_STATS: list[tuple[str, str, str, float | None]] = [
    ("mean_service_s", "service_s", "mean", None),
    ("p50_ttft_s", "ttft_s", "median", None),
    *(
        (f"{name}_{column}", column, "quantile", q)
        for column in ("service_s", "ttft_s")
        for name, q in _PERCENTILES.items()
        if (name, column) != ("p50", "ttft_s")  # kept where it always was, above
    ),
    ("p50_output_tokens_per_s", "output_tokens_per_s", "median", None),
]
"""`summarize`'s latency and throughput columns, in its order: (column, of, how, q)."""


def _per_contestant(
    rows: SummaryRows, code: npt.NDArray[np.int64], k: int
) -> dict[str, npt.NDArray[np.float64]]:
    """The latency and throughput columns (over ok rows), `cost_usd` (over all rows) and
    `cost_unknown_rows` (ok rows without a cost), one float column at a time. Each is the
    very groupby `summarize` runs (the same values in the same order, the same groups
    numbered the same way: codes appear in the order their labels do), so the same float:
    pandas' grouped mean is not always `Series.mean`'s, nor one group's alone."""
    mine = code >= 0
    ok = (rows.status == _OK) & mine
    ok_code = code[ok]
    out = {}
    for of in dict.fromkeys(o for _, o, *_ in _OK_STATS):
        grouped = pd.Series(rows.floats[of][ok]).groupby(ok_code, sort=False)
        for column, stat_of, how, q in _OK_STATS:
            if stat_of == of:
                reduced = grouped.quantile(q) if q is not None else getattr(grouped, how)()
                out[column] = _by_code(reduced, k)
        del grouped
    del ok_code
    cost = rows.floats["cost_usd"]
    out["cost_usd"] = _spend(cost, code, k)
    unknown = np.bincount(code[ok & np.isnan(cost)], minlength=k)
    out["cost_unknown_rows"] = unknown.astype(np.int64)
    return out


def _by_code(reduced: pd.Series, k: int) -> npt.NDArray[np.float64]:
    """A groupby's result (indexed by contestant code) as one value per contestant, NaN
    for a contestant it has none for (as aligning it on the labels leaves it)."""
    values = np.full(k, np.nan)
    values[reduced.index.to_numpy(dtype=np.int64)] = reduced.to_numpy(dtype=np.float64)
    return values


def _ok_sums(sums: npt.NDArray[np.int64], ok: pd.Series) -> pd.Series:
    """Per-contestant sums over ok rows; NaN for a contestant without ok rows (as the
    aligned groupby in `summarize` leaves it)."""
    return pd.Series(sums, index=ok.index).where(ok > 0)
