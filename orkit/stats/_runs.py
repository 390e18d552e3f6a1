"""Several runs as one: concatenated results and scores, ready for `summarize`/`compare`."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

__all__ = ["ACROSS_RUNS", "combine_runs"]

ACROSS_RUNS: tuple[str, ...] = ("item_id",)
"""The pairing key across runs: runs may render different prompts or parameters for the
same dataset item, so only the item itself lines up (pass as `compare(pair_on=...)`)."""


def combine_runs(
    runs: Mapping[str, tuple[pd.DataFrame, pd.DataFrame | None]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Concatenate `{run_id: (results, scores)}` into one results and one scores table.

    A model that appears in more than one run is renamed `model@run_id` in each, so the
    runs stay apart (the same model under two prompts is two contestants); a model found in
    one run only keeps its name. Task keys become `run_id/task_key`: a key is a content hash,
    so a task repeated verbatim in two runs would otherwise have the same key in both.
    Compare the result on `ACROSS_RUNS` (items matched by `item_id`).
    """
    seen: dict[str, set[str]] = {}
    for run_id, (results, _) in runs.items():
        for model in pd.unique(results["model"]) if not results.empty else ():
            seen.setdefault(str(model), set()).add(run_id)
    shared = {m for m, ids in seen.items() if len(ids) > 1}
    all_results, all_scores = [], []
    for run_id, (results, scores) in runs.items():
        # Empty tables are skipped: concatenating them only muddles the column dtypes.
        if not results.empty:
            all_results.append(_relabel(results, run_id, shared))
        if scores is not None and not scores.empty:
            all_scores.append(_relabel(scores, run_id, shared))
    return _concat(all_results), _concat(all_scores)


def _concat(tables: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()


def _relabel(table: pd.DataFrame, run_id: str, shared: set[str]) -> pd.DataFrame:
    out = table.copy()
    out["run_id"] = run_id
    out["task_key"] = run_id + "/" + out["task_key"].astype(str)
    model = out["model"].astype(str)
    out["model"] = model.where(~model.isin(shared), model + "@" + run_id)
    return out
