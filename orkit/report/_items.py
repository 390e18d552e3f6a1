"""Which items the drill-down shows, and which row each of its cells shows.

A cell is one contestant's answer to one item: its first repeat (the lowest `repeat`; of
rows with the same, the last written, as a retry's row replaces the failed one), and the
count of its rows. An item is in dispute when the contestants' verdicts on the primary
scorer differ or one of them failed (an error). Items are ordered by dataset position,
then item id. When there are more than `max_items`, every item in dispute is kept and a
seeded sample of the rest fills up to `max_items`; if the disputed alone are more, a
seeded sample of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from orkit.report._columns import each_part, int_column
from orkit.report._several import Loaded
from orkit.results import STATUS_CODES

__all__ = ["Selection", "select_items"]

IntArray = npt.NDArray[np.int64]
_ERROR = STATUS_CODES.index("error")


@dataclass(frozen=True)
class Selection:
    """The drill-down's items and cells."""

    items: IntArray
    """The item codes shown (positions in `rows.item_ids`), in display order."""
    cell_row: IntArray
    """(items shown, contestants): the results row each cell shows (-1: none)."""
    repeats: IntArray
    """(items shown, contestants): the contestant's rows for the item."""
    disagree: npt.NDArray[np.bool_]
    """Per item shown: verdicts differ or some contestant failed."""
    total: int
    """Items in all."""
    disputed: int
    """Items in dispute in all."""
    sampled: bool


def select_items(
    loaded: Loaded,
    codes: IntArray,
    k: int,
    primary: int | None,
    limits: tuple[int, int],
) -> Selection:
    """The items and cells to show; `primary` is the primary scorer's position in
    `rows.scorers` (None: no scores), `limits` (max_items, seed)."""
    rows = loaded.rows
    n_items = len(rows.item_ids)
    cell_row, repeats = _cells(loaded, codes, k, n_items)
    verdict = _verdicts(loaded, primary)
    disagree = _disputed(cell_row, rows.status, verdict)
    order = _display_order(loaded, n_items)
    max_items, seed = limits
    present = np.flatnonzero((cell_row >= 0).any(axis=1))
    present = order[np.isin(order, present)]
    total = len(present)
    chosen, sampled = _sample(present, disagree, max_items, seed)
    return Selection(
        items=chosen,
        cell_row=cell_row[chosen],
        repeats=repeats[chosen],
        disagree=disagree[chosen],
        total=total,
        disputed=int(disagree[present].sum()),
        sampled=sampled,
    )


def _cells(loaded: Loaded, codes: IntArray, k: int, n_items: int) -> tuple[IntArray, IntArray]:
    """Per (item, contestant): the row of its first repeat, and its rows."""
    rows = loaded.rows
    repeat = np.zeros(rows.num_rows, dtype=np.int32)
    for start, table in each_part(loaded.runs, loaded.starts, ["repeat"]):
        values = int_column(table["repeat"])
        repeat[start : start + len(values)] = np.nan_to_num(values, nan=0.0).astype(np.int32)
    mine = np.flatnonzero(codes >= 0)
    key = rows.item[mine].astype(np.int64) * k + codes[mine]
    # per key, the lowest repeat; among those the last row: sort by key, repeat, -row
    order = np.lexsort((-mine, repeat[mine], key))
    key, first_row = key[order], mine[order]
    del repeat, order
    leads = np.ones(len(key), dtype=bool)
    leads[1:] = key[1:] != key[:-1]
    cell_row = np.full(n_items * k, -1, dtype=np.int64)
    cell_row[key[leads]] = first_row[leads]
    repeats = np.bincount(key, minlength=n_items * k).astype(np.int64)
    return cell_row.reshape(n_items, k), repeats.reshape(n_items, k)


def _verdicts(loaded: Loaded, primary: int | None) -> npt.NDArray[np.int8]:
    """Per results row, its primary scorer's `passed` (1, 0; -1: none)."""
    rows = loaded.rows
    verdict = np.full(rows.num_rows, -1, dtype=np.int8)
    if primary is None:
        return verdict
    at = np.flatnonzero((rows.scorer == primary) & (rows.score_row >= 0))
    verdict[rows.score_row[at]] = rows.passed[at]  # the last score row of a task wins
    return verdict


def _disputed(
    cell_row: IntArray, status: npt.NDArray[np.int8], verdict: npt.NDArray[np.int8]
) -> npt.NDArray[np.bool_]:
    """Per item: some cell failed, or one passed and another did not."""
    has = cell_row >= 0
    at = np.where(has, cell_row, 0)
    failed = (has & (status[at] == _ERROR)).any(axis=1)
    said = np.where(has, verdict[at], -1)
    passed = (said == 1).any(axis=1)
    missed = (said == 0).any(axis=1)
    return np.asarray(failed | (passed & missed), dtype=np.bool_)


def _display_order(loaded: Loaded, n_items: int) -> IntArray:
    """Item codes by dataset position (the smallest any row gives), then item id."""
    rows = loaded.rows
    position = np.full(n_items, np.inf)
    np.fmin.at(position, rows.item, rows.floats["item_index"])  # NaN: unknown
    ids = np.array(["" if i is None else str(i) for i in rows.item_ids], dtype=object)
    return np.lexsort((ids, position)).astype(np.int64)


def _sample(
    present: IntArray, disagree: npt.NDArray[np.bool_], max_items: int, seed: int
) -> tuple[IntArray, bool]:
    """`present` (in display order) cut to `max_items`: every disputed item, then a seeded
    sample of the rest; a seeded sample of the disputed when they alone are too many."""
    if len(present) <= max_items:
        return present, False
    rng = np.random.default_rng(seed)
    disputed = disagree[present]
    keep = np.zeros(len(present), dtype=bool)
    if disputed.sum() >= max_items:
        keep[rng.choice(np.flatnonzero(disputed), size=max_items, replace=False)] = True
    else:
        keep |= disputed
        rest = np.flatnonzero(~disputed)
        keep[rng.choice(rest, size=max_items - int(disputed.sum()), replace=False)] = True
    return present[keep], True
