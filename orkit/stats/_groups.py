"""Rank groups: contestants that the data cannot tell apart share a group."""

from __future__ import annotations

import numpy as np
import pandas as pd

from orkit.stats._compare import PairOptions, compare
from orkit.stats._run_summary import SummaryOptions
from orkit.stats._scores import own_scores, unit_matrix

__all__ = ["GROUP_COLUMNS", "rank_groups"]

GROUP_COLUMNS = ["scorer", "group", "rank", "contestant", "contestant_id", "mean", "n"]


def rank_groups(
    results: pd.DataFrame,
    scores: pd.DataFrame | None,
    *,
    scorer: str | None = None,
    comparison: pd.DataFrame | None = None,
    options: SummaryOptions | None = None,
    pairing: PairOptions | None = None,
) -> pd.DataFrame:
    """Per scorer, contestants ranked by mean score (rank 1 = best) and cut into groups.

    Settings come as two objects, as `compare` takes them: `options=SummaryOptions(...)`
    (the contestants: by, models, prompts, score_fallbacks, seed, n_boot) and
    `pairing=PairOptions(alpha=..., pair_on=...)`; the loose keywords `alpha=`,
    `include_fallbacks=`, ... are gone (a TypeError).

    The mean is over items (repeats averaged within an item), `n` counts items. Group 1 is
    the best contestant plus every other one that is not significantly different from it
    (Holm-adjusted, from `compare`); group 2 starts at the best one left, and so on. A
    contestant is thus never placed below a group leader it was not shown to be worse
    than. Pairs with no shared items count as not different: no difference was shown.
    Pass the `comparison` you already have (from `compare` with the same settings) to
    skip recomputing it; contestants without any score are left out.
    """
    options = SummaryOptions() if options is None else options
    pairing = PairOptions() if pairing is None else pairing
    entrants = options.contestants_of_frame(results)
    scored = own_scores(
        results, scores, entrants.of_rows(), include_fallbacks=options.score_fallbacks
    )
    if scorer is not None:
        scored = scored[scored["scorer"] == scorer]
    if scored.empty:
        return pd.DataFrame(columns=GROUP_COLUMNS)
    if comparison is None:
        comparison = compare(results, scores, scorer=scorer, options=options, pairing=pairing)
    order = entrants.labels
    ids = dict(zip(order, entrants.table["contestant_id"], strict=True))
    tables = []
    for name, rows in scored.groupby("scorer", sort=False):
        matrix = unit_matrix(rows, order, pairing.pair_on)
        n = (~np.isnan(matrix)).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.nansum(matrix, axis=0) / np.maximum(n, 1)
        # Ties in the mean keep the display order, so the ranking is reproducible.
        stats = pd.DataFrame({"mean": mean, "n": n, "order": range(len(order))}, index=order)
        stats = stats[stats["n"] > 0].sort_values(["mean", "order"], ascending=[False, True])
        pairs = comparison[comparison["scorer"] == name]
        groups = _cut(list(stats.index), _different(pairs))
        table = pd.DataFrame(
            {
                "scorer": name,
                "group": [groups[c] for c in stats.index],
                "rank": range(1, len(stats) + 1),
                "contestant": stats.index,
                "contestant_id": [ids[c] for c in stats.index],
                "mean": stats["mean"].to_numpy(),
                "n": stats["n"].to_numpy(),
            }
        )
        tables.append(table)
    return pd.concat(tables, ignore_index=True)[GROUP_COLUMNS]


def _different(pairs: pd.DataFrame) -> set[frozenset[str]]:
    """The pairs of contestants shown to differ."""
    shown = pairs[pairs["significant"].astype(bool)]
    a, b = shown["contestant_a"], shown["contestant_b"]
    return {frozenset((x, y)) for x, y in zip(a, b, strict=True)}


def _cut(ranked: list[str], different: set[frozenset[str]]) -> dict[str, int]:
    """Greedy grouping: the best unplaced contestant leads a group of every unplaced one
    not shown to differ from it."""
    group: dict[str, int] = {}
    number = 0
    for leader in ranked:
        if leader in group:
            continue
        number += 1
        for entrant in ranked:
            if entrant not in group and frozenset((leader, entrant)) not in different:
                group[entrant] = number
    return group
