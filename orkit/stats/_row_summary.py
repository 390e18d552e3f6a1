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
from orkit.stats._contestants import Contestants, contestants
from orkit.stats._intervals import agresti_coull_interval
from orkit.stats._quality import bootstrap_intervals
from orkit.stats._scores import is_binary
from orkit.stats._summary import _COUNT_COLUMNS, _PERCENTILES, _index_name

__all__ = ["row_contestants", "summarize_rows"]

_OK, _ERROR, _SKIPPED, _DEFERRED = range(len(STATUS_CODES))


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
        columns = ["contestant_id", *entrants.columns, *_COUNT_COLUMNS]
        return pd.DataFrame(columns=[index_name, *columns]).set_index(index_name)
    code = entrants.codes
    k = len(entrants.table)
    out = entrants.table.set_index("contestant")
    labels = out.index
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
    ok_code = code[ok]

    def grouped(name: str, mask: npt.NDArray[np.bool_], keys: np.ndarray) -> object:
        return pd.Series(rows.floats[name][mask]).groupby(keys, sort=False)

    def by_label(values: pd.Series) -> pd.Series:
        return pd.Series(values.to_numpy(), index=labels[values.index.to_numpy()]).reindex(labels)

    service, ttft = grouped("service_s", ok, ok_code), grouped("ttft_s", ok, ok_code)
    out["mean_service_s"] = by_label(service.mean())  # type: ignore[attr-defined]
    out["p50_ttft_s"] = by_label(ttft.median())  # type: ignore[attr-defined]
    for column, by_group in (("service_s", service), ("ttft_s", ttft)):
        for name, q in _PERCENTILES.items():
            if (name, column) != ("p50", "ttft_s"):
                out[f"{name}_{column}"] = by_label(by_group.quantile(q))  # type: ignore[attr-defined]
    del service, ttft
    speed = grouped("output_tokens_per_s", ok, ok_code)
    out["p50_output_tokens_per_s"] = by_label(speed.median())  # type: ignore[attr-defined]
    del speed
    cost = grouped("cost_usd", mine, code[mine])
    out["cost_usd"] = by_label(cost.sum(min_count=1))  # type: ignore[attr-defined]
    del cost
    unknown = np.isnan(rows.floats["cost_usd"])
    out["cost_unknown_rows"] = counts(ok & unknown)
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
    counts = (rows.status == _OK) & (code >= 0)
    if not include_fallbacks:
        counts = counts & ~rows.is_fallback
    row = rows.score_row
    keep = np.flatnonzero((row >= 0) & counts[np.maximum(row, 0)] & ~np.isnan(rows.score))
    keep = keep[rows.scorer[keep] >= 0]  # a null scorer is no group
    if len(keep) == 0:
        return
    contestant = code[row[keep]]
    unit_of = _pairing_units(rows)[rows.item[row[keep]]]
    scorer, score = rows.scorer[keep], rows.score[keep]
    for which in pd.unique(scorer):
        mine = scorer == which
        unit = pd.factorize(unit_of[mine])[0]
        column, values = contestant[mine], score[mine]
        n_units = int(unit.max()) + 1
        cell = unit * k + column
        sums = np.bincount(cell, weights=values, minlength=n_units * k)
        seen = np.bincount(cell, minlength=n_units * k)
        with np.errstate(invalid="ignore", divide="ignore"):
            matrix = np.where(seen > 0, sums / np.maximum(seen, 1), np.nan)
        matrix = matrix.reshape(n_units, k)
        per_item = [col[~np.isnan(col)] for col in matrix.T]
        n = np.array([len(v) for v in per_item], dtype=np.int64)
        mean = np.array([v.mean() if len(v) else np.nan for v in per_item])
        if is_binary(matrix):
            successes = [v.sum() for v in per_item]
            low, high = agresti_coull_interval(successes, n, confidence)
        else:
            low, high = bootstrap_intervals(per_item, confidence, seed, n_boot)
        name = rows.scorers[int(which)]
        out[f"score_{name}"] = mean
        out[f"n_{name}"] = n
        out[f"ci_low_{name}"] = low
        out[f"ci_high_{name}"] = high


def _pairing_units(rows: SummaryRows) -> npt.NDArray[np.int64]:
    """Per item code, its pairing unit: a missing item id pairs with "" (`own_scores`
    fills missing ids with "")."""
    units = np.arange(len(rows.item_ids), dtype=np.int64)
    if None in rows.item_ids and "" in rows.item_ids:
        units[rows.item_ids.index(None)] = rows.item_ids.index("")
    return units
