"""Which scores count, and how they line up across contestants.

A score counts for a contestant when the task finished `ok` and was answered by the model
that was asked, not a fallback (a fallback's answer says nothing about the model that was
asked), unless the caller opts fallbacks in. NaN scores are dropped.

Pairing (`unit_matrix`): contestants are compared on the same *unit*, by default the
dataset item (`item_id`): a contestant already fixes the model, the prompt variant and the
parameters, so what two contestants share is the item they both answered. Repeats of an
item within one contestant are averaged into one value: they are not independent items
(they share the item's difficulty), and counting them as such would make intervals too
narrow. Repeats are never averaged across prompts or parameters: those are contestants.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["PAIR_ON", "is_binary", "own_scores", "unit_matrix"]

FloatArray = npt.NDArray[np.float64]

PAIR_ON: tuple[str, ...] = ("item_id",)
"""The default pairing key: the dataset item (the contestant fixes everything else)."""

_TASK_COLUMNS = ("model", "item_id", "prompt_id", "params_json", "repeat")


def own_scores(
    results: pd.DataFrame,
    scores: pd.DataFrame | None,
    labels: pd.Series,
    *,
    include_fallbacks: bool = False,
) -> pd.DataFrame:
    """Scores that count, joined with their task's identity columns from `results`.

    `labels` is each results row's contestant (None: left out). Columns: contestant,
    model, item_id, prompt_id, params_json, repeat, scorer, score. The model is taken from
    `results` (the model that was asked).
    """
    columns = ["contestant", *_TASK_COLUMNS, "scorer", "score"]
    if scores is None or scores.empty or results.empty:
        return pd.DataFrame(columns=columns)
    counts = results["status"].eq("ok").to_numpy(dtype=bool) & labels.notna().to_numpy()
    if not include_fallbacks:
        counts = counts & ~results["is_fallback"].fillna(False).to_numpy(dtype=bool)
    row = _row_of_task(results["task_key"], scores["task_key"])
    score = scores["score"].to_numpy(dtype=np.float64, na_value=np.nan)
    keep = np.flatnonzero((row >= 0) & counts[row] & ~np.isnan(score))
    present = [c for c in _TASK_COLUMNS if c in results.columns]
    joined = results[present].take(row[keep]).reset_index(drop=True)
    joined["contestant"] = labels.take(row[keep]).reset_index(drop=True)
    joined["scorer"] = scores["scorer"].take(keep).reset_index(drop=True)
    joined["score"] = score[keep]
    for key in ("item_id", "prompt_id", "params_json"):
        if key not in joined.columns:
            joined[key] = ""
        elif joined[key].isna().any():
            # Missing keys compare equal: a unit with no params is the same unit everywhere.
            joined[key] = joined[key].fillna("")
    return joined[columns]


def _row_of_task(task_keys: pd.Series, wanted: pd.Series) -> npt.NDArray[np.int64]:
    """For each wanted key, the position of its row in `task_keys` (-1 if absent).

    One factorize over both columns, then array lookups: several times faster than a
    merge or an index lookup on a million string keys (each hashes both sides again).
    """
    codes, uniques = pd.factorize(pd.concat([task_keys, wanted], ignore_index=True))
    # One spare slot at the end, kept at -1, so a missing key (code -1) finds no row.
    position = np.full(len(uniques) + 1, -1, dtype=np.int64)
    have = codes[: len(task_keys)]
    position[have[have >= 0]] = np.flatnonzero(have >= 0)
    return position[codes[len(task_keys) :]]


def is_binary(values: npt.ArrayLike) -> bool:
    """True when every non-NaN value is 0 or 1 (and there is at least one)."""
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[~np.isnan(arr)]
    return bool(arr.size) and bool(np.isin(arr, (0.0, 1.0)).all())


def unit_matrix(
    scored: pd.DataFrame, contestants: Sequence[str], pair_on: Sequence[str] = PAIR_ON
) -> FloatArray:
    """Mean score per (unit, contestant) for one scorer's rows: an (units, contestants)
    array, NaN where a contestant has no score for a unit. Rows of contestants not in
    `contestants` are ignored.
    """
    if scored.empty or not contestants:
        return np.full((0, len(contestants)), np.nan)
    missing = [k for k in pair_on if k not in scored.columns]
    if missing:
        raise ValueError(f"pair_on names columns the scores do not have: {missing}")
    unit = scored.groupby(list(pair_on), sort=False, dropna=False).ngroup().to_numpy()
    which = pd.Categorical(scored["contestant"], categories=list(contestants))
    column = which.codes.astype(np.int64)
    keep = column >= 0
    n_units, k = int(unit.max()) + 1, len(contestants)
    cell = unit[keep] * k + column[keep]
    values = scored["score"].to_numpy(dtype=np.float64)[keep]
    sums = np.bincount(cell, weights=values, minlength=n_units * k)
    counts = np.bincount(cell, minlength=n_units * k)
    with np.errstate(invalid="ignore", divide="ignore"):
        matrix = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return matrix.reshape(n_units, k)
