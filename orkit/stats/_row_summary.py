"""`summarize` over `SummaryRows` (a run's rows as codes and floats) instead of pandas frames
of every row: the same table, number for number, in a fraction of the memory.

Each figure is computed by the same pandas operation as in `summarize`, on the same values
in the same order, grouped by contestant codes instead of labels: sums, means, medians and
quantiles therefore come out bit for bit the same (`tests/stats/test_row_summary.py`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from orkit.results import STATUS_CODES, SummaryRows
from orkit.stats._contestants import GROUP_BY, Contestants, contestants
from orkit.stats._intervals import agresti_coull_interval
from orkit.stats._quality import bootstrap_intervals
from orkit.stats._scores import is_binary

__all__ = ["COUNT_COLUMNS", "row_contestants", "summarize_rows"]

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


def summarize_rows(
    rows: SummaryRows,
    entrants: Contestants,
    *,
    by: str | Sequence[str] | None = None,
    include_fallbacks: bool = False,
    confidence: float = 0.95,
    seed: int = 0,
    n_boot: int = 2000,
) -> pd.DataFrame:
    """What `summarize(results, scores, by=by, ...)` returns, from `rows` and their
    `entrants` (`row_contestants`)."""
    index_name = _index_name(by)
    if rows.num_rows == 0:
        columns = ["contestant_id", *entrants.columns, *COUNT_COLUMNS]
        return pd.DataFrame(columns=[index_name, *columns]).set_index(index_name)
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
    _add_scores(out, rows, code, include_fallbacks, (confidence, seed, n_boot))
    out.index.name = index_name
    return out


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
    out["cost_usd"] = _by_code(
        pd.Series(cost[mine]).groupby(code[mine], sort=False).sum(min_count=1), k
    )
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


def _add_scores(
    out: pd.DataFrame,
    rows: SummaryRows,
    code: npt.NDArray[np.int64],
    include_fallbacks: bool,
    ci: tuple[float, int, int],
) -> None:
    """`score_<s>`, `n_<s>`, `ci_low_<s>`, `ci_high_<s>` per scorer, in place, as
    `score_summary` computes them (see `own_scores` and `unit_matrix`)."""
    confidence, seed, n_boot = ci
    k = len(out)
    if len(rows.score) == 0 or k == 0:
        return
    for name, which in _scored_by(rows, code, include_fallbacks):
        matrix = _unit_means(rows, code, which, k)
        per_item = [col[~np.isnan(col)] for col in matrix.T]
        n = np.array([len(v) for v in per_item], dtype=np.int64)
        mean = np.array([v.mean() if len(v) else np.nan for v in per_item])
        if is_binary(matrix):
            successes = [v.sum() for v in per_item]
            low, high = agresti_coull_interval(successes, n, confidence)
        else:
            low, high = bootstrap_intervals(per_item, confidence, seed, n_boot)
        out[f"score_{name}"] = mean
        out[f"n_{name}"] = n
        out[f"ci_low_{name}"] = low
        out[f"ci_high_{name}"] = high


def _scored_by(
    rows: SummaryRows, code: npt.NDArray[np.int64], include_fallbacks: bool
) -> list[tuple[str, npt.NDArray[np.int64]]]:
    """Per scorer (in order of first appearance), the score rows that count (see
    `own_scores`): its task's row is ok, in a contestant and (unless `include_fallbacks`)
    answered by the model asked; the score is a number."""
    counts = (rows.status == _OK) & (code >= 0)
    if not include_fallbacks:
        counts &= ~rows.is_fallback
    row = rows.score_row
    keep = row >= 0
    keep[keep] = counts[row[keep]]
    del counts
    keep &= ~np.isnan(rows.score)
    keep &= rows.scorer >= 0  # a null scorer is no group
    at = np.flatnonzero(keep)
    del keep
    scorer = rows.scorer[at]
    return [(rows.scorers[int(s)], at[scorer == s]) for s in pd.unique(scorer)]


def _unit_means(
    rows: SummaryRows, code: npt.NDArray[np.int64], at: npt.NDArray[np.int64], k: int
) -> npt.NDArray[np.float64]:
    """`unit_matrix` of the score rows `at`: the mean score per (item, contestant), items in
    order of first appearance among those rows (as `groupby(sort=False).ngroup()` numbers
    them), NaN where a contestant has none. Sums run over the rows in their order, as
    there, so each mean is the same float."""
    task = rows.score_row[at]
    item = _pairing_units(rows)[rows.item[task]]
    first = np.full(len(rows.item_ids), len(item), dtype=np.int64)
    np.minimum.at(first, item, np.arange(len(item), dtype=np.int64))
    seen_items = np.flatnonzero(first < len(item))
    unit = np.empty(len(rows.item_ids), dtype=np.int64)
    unit[seen_items[np.argsort(first[seen_items], kind="stable")]] = np.arange(len(seen_items))
    cell = unit[item] * k + code[task]
    del task, item
    size = len(seen_items) * k
    sums = np.bincount(cell, weights=rows.score[at], minlength=size)
    counts = np.bincount(cell, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        matrix = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return matrix.reshape(len(seen_items), k)


def _pairing_units(rows: SummaryRows) -> npt.NDArray[np.int64]:
    """Per item code, its pairing unit: a missing item id pairs with "" (`own_scores`
    fills missing ids with "")."""
    units = np.arange(len(rows.item_ids), dtype=np.int64)
    if None in rows.item_ids and "" in rows.item_ids:
        units[rows.item_ids.index(None)] = rows.item_ids.index("")
    return units
