"""Per contestant × scorer, from `SummaryRows`: n scored items, mean, its confidence
interval, and the cost per correct answer. The one computation of a summary's scores:
`summarize_run` shows them as columns, `score_summary` and `orkit compare` as this table.

Which scores count and how repeats are averaged is `own_scores` and `unit_matrix`'s rule
(`orkit.stats._scores`), done on the rows' codes: the same sums in the same order, so the
same floats.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from orkit.results import STATUS_CODES, SummaryRows
from orkit.stats._bootstrap import bca_interval, bootstrap_means
from orkit.stats._contestants import Contestants
from orkit.stats._intervals import agresti_coull_interval
from orkit.stats._scores import is_binary

__all__ = ["QUALITY_COLUMNS", "score_table"]

_OK = STATUS_CODES.index("ok")

QUALITY_COLUMNS = [
    "contestant",
    "contestant_id",
    "scorer",
    "n",
    "mean",
    "ci_low",
    "ci_high",
    "ci_method",
    "correct",
    "cost_per_correct_usd",
]


def score_table(
    rows: SummaryRows,
    entrants: Contestants,
    spend: npt.NDArray[np.float64],
    include_fallbacks: bool,
    ci: tuple[float, int, int],
) -> pd.DataFrame:
    """One row per (scorer, contestant), scorers in order of first appearance and
    contestants in `entrants`' order: `QUALITY_COLUMNS` (see `score_summary`). `spend` is
    each contestant's known cost (NaN: none known), divided by its correct answers;
    `ci` is (confidence, seed, n_boot)."""
    confidence, seed, n_boot = ci
    code = entrants.codes
    k = len(entrants.table)
    if len(rows.score) == 0 or k == 0:
        return pd.DataFrame(columns=QUALITY_COLUMNS)
    order = entrants.labels
    ids = entrants.table["contestant_id"].to_numpy()
    tables = []
    for name, which in _scored_by(rows, code, include_fallbacks):
        matrix = _unit_means(rows, code, which, k)
        per_item = [col[~np.isnan(col)] for col in matrix.T]
        table = pd.DataFrame({"contestant": order, "contestant_id": ids, "scorer": name})
        table["n"] = np.array([len(v) for v in per_item], dtype=np.int64)
        table["mean"] = np.array([v.mean() if len(v) else np.nan for v in per_item])
        if is_binary(matrix):
            successes = [v.sum() for v in per_item]
            low, high = agresti_coull_interval(successes, table["n"], confidence)
            table["ci_method"] = "agresti_coull"
        else:
            low, high = bootstrap_intervals(per_item, confidence, seed, n_boot)
            table["ci_method"] = "bootstrap"
        values = rows.score[which]
        if is_binary(values):  # every scored row pass/fail: answers right, and their cost
            right = np.bincount(code[rows.score_row[which]][values == 1.0], minlength=k)
            correct = right.astype(np.float64)
            table["correct"] = pd.array(right.astype(np.int64), dtype="Int64")
            with np.errstate(divide="ignore", invalid="ignore"):
                table["cost_per_correct_usd"] = np.where(correct > 0, spend / correct, np.nan)
        else:
            table["correct"] = pd.array([pd.NA] * k, dtype="Int64")
            table["cost_per_correct_usd"] = np.nan
        table["ci_low"], table["ci_high"] = low, high
        tables.append(table[QUALITY_COLUMNS])
    if not tables:
        return pd.DataFrame(columns=QUALITY_COLUMNS)
    return pd.concat(tables, ignore_index=True)


def bootstrap_intervals(
    samples: list[npt.NDArray[np.float64]], confidence: float, seed: int, n_boot: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """BCa intervals for several samples of different sizes, bootstrapped together: the
    samples sit in the columns of one NaN-padded matrix, so one set of weights serves all."""
    longest = max((len(s) for s in samples), default=0)
    matrix = np.full((longest, len(samples)), np.nan)
    for j, sample in enumerate(samples):
        matrix[: len(sample), j] = sample
    boot = bootstrap_means(matrix, n_boot, np.random.default_rng(seed))
    return bca_interval(matrix, boot, confidence)


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
