"""Per-contestant summary of results and scores given as pandas DataFrames (pure; no I/O).

The figures are made by `summarize_run`, the computation of a run directory's summary: the
frames are first put in the form a run is read into (`rows_of_frames`)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from orkit.results import SUMMARY_FLOATS
from orkit.stats._contestants import grouping_columns
from orkit.stats._frame_rows import rows_of_frames
from orkit.stats._run_summary import SummaryOptions, summarize_run

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
    "cost_source",
    # the per-row numbers, as the run-directory reader lists them (one list to extend);
    # `item_index` orders that reader's rows and a frame's summary does not use it
    *(name for name in SUMMARY_FLOATS if name != "item_index"),
)
"""The results columns `summarize` reads (by contestant; `SummaryOptions.by` may name more,
see `summary_columns`): a caller that loads only these skips the answers' and prompts' text,
most of a large run's bytes."""

SCORE_COLUMNS: tuple[str, ...] = ("task_key", "scorer", "score")
"""The scores columns `summarize` reads."""


def summary_columns(by: str | Sequence[str] | None = None) -> tuple[str, ...]:
    """The results columns `summarize(..., options=SummaryOptions(by=by))` reads."""
    extra = [c for c in grouping_columns(by) if c not in SUMMARY_COLUMNS] if by else []
    return (*SUMMARY_COLUMNS, *extra)


def summarize(
    results: pd.DataFrame,
    scores: pd.DataFrame | None = None,
    *,
    options: SummaryOptions | None = None,
) -> pd.DataFrame:
    """One row per contestant (model × prompt × params; or per group of the columns
    `options.by` names: any of model, prompt, params, served_provider, served_model),
    indexed by its label (see `orkit.stats.contestants`; `options.models` and
    `options.prompts` set the order).

    Settings come as one object, `options=SummaryOptions(by=..., models=..., prompts=...,
    score_fallbacks=..., confidence=..., seed=..., n_boot=...)`, as `summarize_run` takes
    them: the loose keywords `by=`, `include_fallbacks=`, ... are gone (a TypeError).

    Columns: `contestant_id` and the grouping columns; rows, ok, errors, `skipped_budget`
    (not sent: they could have passed the budget), `deferred` (waiting for a daily quota)
    and `pending` (both: left for a resume), error rate, mean of each scorer
    (`score_<name>`, over the items it applied to, repeats of an item averaged first) with
    `n_<name>` items and a `confidence` interval (`ci_low_<name>`, `ci_high_<name>`: Wilson
    for pass/fail scorers, BCa bootstrap otherwise, see `score_summary`), latency
    percentiles, throughput, cost and rates.

    Rows served by a fallback model count as rows and cost, but not toward scores (unless
    `score_fallbacks`). Cost sums known costs only; `cost_unknown_rows` says how many ok
    rows had no cost, and `cost_per_item_usd` divides the total by the ok rows whose cost
    is known. `fallback_rate` and `cache_rate` (`cost_source == "cached"`) are shares of ok
    rows. Latency and throughput columns describe ok rows only. `reasoning_tokens` sums
    the reasoning tokens ok rows reported (part of their completion tokens, billed as
    output; NaN when no row said) and `mean_reasoning_tokens` is their mean per ok row
    that said. When any row was served with the user's own provider key (BYOK), three more
    columns keep it apart: `byok_rows`, `byok_fee_usd` (OpenRouter's fee on them, part of
    `cost_usd`) and `byok_upstream_usd` (what the provider billed, not in `cost_usd`).
    When any row read or wrote the providers' prompt cache: `cache_hit_rate` (cached over
    prompt tokens), `cache_savings_usd` (against plain prompt prices; negative when writes
    cost more than reads saved) and `cache_write_usd` (part of `cost_usd`).
    """
    options = SummaryOptions() if options is None else options
    rows = rows_of_frames(results, scores, grouping_columns(options.by))
    return summarize_run(rows, options).table
