"""Results and scores given as pandas frames (several runs combined, a table made by hand)
turned into `SummaryRows`, the form a run directory is read into: so a summary of frames and
a summary of a run directory are one computation (`summarize_run`), not two that must be
kept alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from orkit.results import STATUS_CODES, SUMMARY_FLOATS, SummaryRows
from orkit.stats._scores import _row_of_task

__all__ = ["rows_of_frames"]


def rows_of_frames(
    results: pd.DataFrame, scores: pd.DataFrame | None, group_columns: Sequence[str]
) -> SummaryRows:
    """`results` and `scores` (the run's tables, or any with their columns) as `SummaryRows`
    grouped by the results columns `group_columns`, as `read_summary_rows` reads a run:
    nulls are values of their own, a missing flag is false, a missing number NaN, and each
    score row belongs to the last results row with its task key."""
    names = list(dict.fromkeys([*group_columns, "model"]))
    n = len(results)
    groups, group = _groups(results, names)
    item, item_ids = _codes(_column(results, "item_id", None))
    fields: dict[str, Any] = {
        "groups": groups,
        "group": group,
        "status": _status(results),
        "is_fallback": _flags(results, "is_fallback"),
        "cached": (
            results["cost_source"].eq("cached").to_numpy(dtype=bool)
            if "cost_source" in results
            else None
        ),
        # a column the table lacks (reasoning_tokens, in a table made by hand) is NaN, made
        # as floats rather than parsed from a column of objects
        "floats": {
            name: _floats(results[name]) if name in results else np.full(n, np.nan)
            for name in SUMMARY_FLOATS
        },
        "item": item,
        "item_ids": item_ids,
    }
    if scores is None or scores.empty or n == 0 or "task_key" not in results:
        return SummaryRows(**fields, **_no_scores())
    scorer, scorers = _codes(scores["scorer"])
    null = [at for at, name in enumerate(scorers) if name is None]
    if null:  # a null scorer is no scorer's row (-1), as `read_summary_rows` codes it
        scorer = np.where(scorer == null[0], -1, scorer - (scorer > null[0])).astype(np.int32)
        scorers = [s for s in scorers if s is not None]
    judged = "judge_model" in scores and bool(scores["judge_model"].notna().any())
    return SummaryRows(
        **fields,
        score_row=_row_of_task(results["task_key"], scores["task_key"]),
        scorer=scorer,
        scorers=[str(s) for s in scorers],
        score=_floats(scores["score"]),
        passed=_passed(_column(scores, "passed", None)),
        judge_cost=_floats(_column(scores, "judge_cost_usd", np.nan)) if judged else None,
    )


def _column(frame: pd.DataFrame, name: str, missing: Any) -> pd.Series:
    """The column, or `missing` in every row (an older table without it)."""
    if name in frame:
        return frame[name]
    return pd.Series([missing] * len(frame), index=frame.index, dtype=object)


def _codes(values: pd.Series) -> tuple[npt.NDArray[np.int32], list[Any]]:
    """Each row's value as a position among the distinct values, in order of first
    appearance; a null (None or NaN) is one value, kept as None."""
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=False)
    distinct = [None if _is_null(v) else v for v in uniques.tolist()]
    return codes.astype(np.int32), distinct


def _is_null(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _groups(results: pd.DataFrame, names: list[str]) -> tuple[pd.DataFrame, npt.NDArray[np.int32]]:
    """The distinct combinations of `names`' values in order of first appearance (nulls
    kept as None), and each row's."""
    per_column = [_codes(_column(results, name, None)) for name in names]
    if len(results) == 0:
        return pd.DataFrame({n: pd.Series([], dtype=object) for n in names}), np.zeros(
            0, dtype=np.int32
        )
    key = np.zeros(len(results), dtype=np.int64)
    for codes, distinct in per_column:
        key = key * max(len(distinct), 1) + codes
    group, _ = pd.factorize(key)
    rows = np.unique(group, return_index=True)[1]  # each group's first row, in group order
    groups = pd.DataFrame(
        {
            name: pd.Series([distinct[c] for c in codes[rows].tolist()], dtype=object)
            for name, (codes, distinct) in zip(names, per_column, strict=True)
        },
        columns=names,
    )
    return groups, group.astype(np.int32)


def _status(results: pd.DataFrame) -> npt.NDArray[np.int8]:
    """The position of each row's status in `STATUS_CODES`; any other (or none) is past it."""
    position = {status: at for at, status in enumerate(STATUS_CODES)}
    at = _column(results, "status", None).map(position).fillna(len(STATUS_CODES))
    return np.asarray(at.to_numpy(), dtype=np.int8)


def _flags(results: pd.DataFrame, name: str) -> npt.NDArray[np.bool_]:
    """True where true; null or missing is false (as `fillna(False)`)."""
    return _column(results, name, False).fillna(False).astype(bool).to_numpy(dtype=bool)


def _floats(values: pd.Series) -> npt.NDArray[np.float64]:
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _passed(values: pd.Series) -> npt.NDArray[np.int8]:
    """1 true, 0 false, -1 null."""
    known = values.notna().to_numpy(dtype=bool)
    truth = values.where(values.notna(), False).astype(bool).to_numpy(dtype=bool)
    return np.where(known, truth.astype(np.int8), np.int8(-1)).astype(np.int8)


def _no_scores() -> dict[str, Any]:
    return {
        "score_row": np.zeros(0, dtype=np.int64),
        "scorer": np.zeros(0, dtype=np.int32),
        "scorers": [],
        "score": np.zeros(0, dtype=np.float64),
        "passed": np.zeros(0, dtype=np.int8),
        "judge_cost": None,
    }
