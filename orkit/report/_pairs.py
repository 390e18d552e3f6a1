"""Paired differences and rank groups for the report, computed by `stats.compare` and
`stats.rank_groups` (the statistics `orkit compare` and `Run.compare` print), over frames of
a few key columns made from the rows' codes: a row number for its task key, its
contestant's label, its status, fallback flag and pairing item, and for each score its row,
scorer and value. No text column of any row is in them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from orkit.report._round import ratio
from orkit.results import STATUS_CODES, SummaryRows
from orkit.stats import PairOptions, SummaryOptions, compare, rank_groups

__all__ = ["Pairing", "pair_contestants"]


@dataclass(frozen=True)
class Pairing:
    pairs: list[dict[str, Any]]
    """The payload's `pairs`: every pair a < b, per scorer."""
    rank_group: list[list[int | None]]
    """Per contestant, per scorer: its rank group (1 = best; None: no score)."""


def key_frames(
    rows: SummaryRows, codes: npt.NDArray[np.int64], labels: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Results and scores as `compare` reads them, from the rows' codes. Each row's
    contestant is given by its label alone (as `model`; no prompt or params column): the
    contestants are the summary's, in its order, and one text column of every row is
    enough to tell them apart. A row's task key is its position (unique across joined runs,
    as `combine_runs`' `run_id/task_key`); items pair by their position in `item_ids`, a
    missing id with "" (as `own_scores` fills it)."""
    units = np.arange(len(rows.item_ids), dtype=np.int64)
    if None in rows.item_ids and "" in rows.item_ids:
        units[rows.item_ids.index(None)] = rows.item_ids.index("")
    status = np.array([*STATUS_CODES, None], dtype=object)
    label = np.array([*labels, None], dtype=object)  # -1 (no contestant): the spare last
    results = pd.DataFrame(
        {
            "task_key": np.arange(rows.num_rows, dtype=np.int64),
            "model": label[codes],
            "item_id": units[rows.item],
            # repeats are averaged within an item whatever their number: not needed here
            "repeat": np.zeros(rows.num_rows, dtype=np.int8),
            "status": status[rows.status],
            "is_fallback": rows.is_fallback,
        }
    )
    scorer = np.array([*rows.scorers, None], dtype=object)
    scores = pd.DataFrame(
        {
            "task_key": rows.score_row.astype(np.int64),
            "scorer": scorer[rows.scorer],
            "score": rows.score,
        }
    )
    return results, scores


def pair_contestants(
    rows: SummaryRows,
    options: SummaryOptions,
    contestants: tuple[npt.NDArray[np.int64], list[str]],
    scorers: list[str],
) -> Pairing:
    """`compare` and `rank_groups` of the rows' contestants (`contestants`: each row's
    code and the labels, in display order), per scorer of `scorers` (the payload's order).
    `options` are the summary's (fallbacks, seed), its order now the labels'."""
    codes, labels = contestants
    results, scores = key_frames(rows, codes, labels)
    options = replace(options, models=tuple(labels), prompts=())
    pairing = PairOptions()
    table = compare(results, scores, options=options, pairing=pairing)
    groups = rank_groups(results, scores, comparison=table, options=options, pairing=pairing)
    del results, scores
    at = {label: i for i, label in enumerate(labels)}
    scorer_at = {name: i for i, name in enumerate(scorers)}
    pairs = [
        {
            "scorer": scorer_at[str(r["scorer"])],
            "a": at[str(r["contestant_a"])],
            "b": at[str(r["contestant_b"])],
            "n": int(r["n_shared"]),
            "diff": ratio(r["diff"]),
            "lo": ratio(r["ci_low"]),
            "hi": ratio(r["ci_high"]),
            "p": ratio(r["p_value"]),
            "p_holm": ratio(r["p_holm"]),
            "test": None if r["test"] is None or r["test"] != r["test"] else str(r["test"]),
            "significant": bool(r["significant"]),
        }
        for r in table.to_dict("records")
        if str(r["scorer"]) in scorer_at
    ]
    rank: list[list[int | None]] = [[None] * len(scorers) for _ in labels]
    for g in groups.to_dict("records"):
        if str(g["scorer"]) in scorer_at:
            rank[at[str(g["contestant"])]][scorer_at[str(g["scorer"])]] = int(g["group"])
    return Pairing(pairs, rank)
