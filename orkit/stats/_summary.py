"""Per-contestant summary of results and scores given as pandas DataFrames (pure; no I/O).

The figures are made by `summarize_rows`, the same computation as a run directory's summary
(`summarize_run`): the frames are first put in the form a run is read into
(`rows_of_frames`)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from orkit.stats._contestants import grouping_columns
from orkit.stats._frame_rows import rows_of_frames
from orkit.stats._row_summary import COUNT_COLUMNS, _index_name, row_contestants, summarize_rows

__all__ = ["SCORE_COLUMNS", "SUMMARY_COLUMNS", "summarize", "summary_columns"]

SUMMARY_COLUMNS: tuple[str, ...] = (
    "task_key",
    "item_id",
    "model",
    "prompt_id",
    "params_json",
    "repeat",
    "status",
    "is_fallback",
    "service_s",
    "ttft_s",
    "output_tokens_per_s",
    "cost_usd",
    "cost_source",
)
"""The results columns `summarize` reads (by contestant; `by=` may name more, see
`summary_columns`): a caller that loads only these skips the answers' and prompts' text,
most of a large run's bytes."""

SCORE_COLUMNS: tuple[str, ...] = ("task_key", "scorer", "score")
"""The scores columns `summarize` reads."""


def summary_columns(by: str | Sequence[str] | None = None) -> tuple[str, ...]:
    """The results columns `summarize(..., by=by)` reads."""
    extra = [c for c in grouping_columns(by) if c not in SUMMARY_COLUMNS] if by else []
    return (*SUMMARY_COLUMNS, *extra)


def summarize(
    results: pd.DataFrame,
    scores: pd.DataFrame | None = None,
    *,
    by: str | Sequence[str] | None = None,
    models: Sequence[str] | None = None,
    prompts: Sequence[str] | None = None,
    include_fallbacks: bool = False,
    confidence: float = 0.95,
    seed: int = 0,
    n_boot: int = 2000,
) -> pd.DataFrame:
    """One row per contestant (model × prompt × params; or per group of the columns `by`
    names: any of model, prompt, params, served_provider, served_model), indexed by its
    label (see `orkit.stats.contestants`; `models` and `prompts` set the order).

    Columns: `contestant_id` and the grouping columns; rows, ok, errors, `skipped_budget`
    (not sent: they could have passed the budget), `deferred` (waiting for a daily quota)
    and `pending` (both: left for a resume), error rate, mean of each scorer
    (`score_<name>`, over the items it applied to, repeats of an item averaged first) with
    `n_<name>` items and a `confidence` interval (`ci_low_<name>`, `ci_high_<name>`: Wilson
    for pass/fail scorers, BCa bootstrap otherwise, see `score_summary`), latency
    percentiles, throughput, cost and rates.

    Rows served by a fallback model count as rows and cost, but not toward scores (unless
    `include_fallbacks`). Cost sums known costs only; `cost_unknown_rows` says how many ok
    rows had no cost, and `cost_per_item_usd` divides the total by the ok rows whose cost
    is known. `fallback_rate` and `cache_rate` (`cost_source == "cached"`) are shares of ok
    rows. Latency and throughput columns describe ok rows only.
    """
    if results.empty:
        columns = ["contestant_id", *grouping_columns(by), *COUNT_COLUMNS]
        return pd.DataFrame(columns=[_index_name(by), *columns]).set_index(_index_name(by))
    rows = rows_of_frames(results, scores, grouping_columns(by))
    entrants = row_contestants(rows, by, models=models, prompts=prompts)
    return summarize_rows(
        rows,
        entrants,
        by=by,
        include_fallbacks=include_fallbacks,
        confidence=confidence,
        seed=seed,
        n_boot=n_boot,
    )
