"""Rank groups: models that the data cannot tell apart share a group."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from orkit.stats._compare import compare
from orkit.stats._scores import PAIR_ON, model_order, own_scores

__all__ = ["GROUP_COLUMNS", "rank_groups"]

GROUP_COLUMNS = ["scorer", "group", "rank", "model", "mean", "n"]


def rank_groups(
    results: pd.DataFrame,
    scores: pd.DataFrame | None,
    *,
    scorer: str | None = None,
    alpha: float = 0.05,
    seed: int = 0,
    comparison: pd.DataFrame | None = None,
    pair_on: Sequence[str] = PAIR_ON,
    include_fallbacks: bool = False,
) -> pd.DataFrame:
    """Per scorer, models ranked by mean score (rank 1 = best) and cut into groups.

    Group 1 is the best model plus every other model that is not significantly different
    from it (Holm-adjusted, from `compare`); group 2 starts at the best model left, and so
    on. A model is thus never placed below a group leader it was not shown to be worse
    than. Pairs with no shared items count as not different: no difference was shown.
    Pass the `comparison` you already have (from `compare` with the same settings) to
    skip recomputing it; models without any score are left out.
    """
    scored = own_scores(results, scores, include_fallbacks=include_fallbacks)
    if scorer is not None:
        scored = scored[scored["scorer"] == scorer]
    if scored.empty:
        return pd.DataFrame(columns=GROUP_COLUMNS)
    if comparison is None:
        comparison = compare(
            results,
            scores,
            scorer=scorer,
            alpha=alpha,
            seed=seed,
            pair_on=pair_on,
            include_fallbacks=include_fallbacks,
        )
    order = {m: i for i, m in enumerate(model_order(results))}
    tables = []
    for name, rows in scored.groupby("scorer", sort=False):
        stats = rows.groupby("model")["score"].agg(["mean", "size"])
        # Ties in the mean keep the run's model order, so the ranking is reproducible.
        stats = stats.assign(order=stats.index.map(lambda m: order.get(m, len(order))))
        stats = stats.sort_values(["mean", "order"], ascending=[False, True])
        pairs = comparison[comparison["scorer"] == name]
        groups = _cut(list(stats.index), _different(pairs))
        table = pd.DataFrame(
            {
                "scorer": name,
                "group": [groups[m] for m in stats.index],
                "rank": range(1, len(stats) + 1),
                "model": stats.index,
                "mean": stats["mean"].to_numpy(),
                "n": stats["size"].to_numpy(),
            }
        )
        tables.append(table)
    return pd.concat(tables, ignore_index=True)[GROUP_COLUMNS]


def _different(pairs: pd.DataFrame) -> set[frozenset[str]]:
    """The pairs of models shown to differ."""
    shown = pairs[pairs["significant"].astype(bool)]
    return {frozenset((a, b)) for a, b in zip(shown["model_a"], shown["model_b"], strict=True)}


def _cut(ranked: list[str], different: set[frozenset[str]]) -> dict[str, int]:
    """Greedy grouping: the best unplaced model leads a group of every unplaced model not
    shown to differ from it."""
    group: dict[str, int] = {}
    number = 0
    for leader in ranked:
        if leader in group:
            continue
        number += 1
        for model in ranked:
            if model not in group and frozenset((leader, model)) not in different:
                group[model] = number
    return group
