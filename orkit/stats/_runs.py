"""Several runs as one: concatenated results and scores, ready for `summarize`/`compare`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

__all__ = ["ACROSS_RUNS", "combine_runs", "run_labels"]

ACROSS_RUNS: tuple[str, ...] = ("item_id",)
"""The pairing key across runs: the dataset item (the default pairing, `PAIR_ON`, is the
same; kept for callers that name it)."""


def run_labels(
    models: Mapping[str, Sequence[str]], endpoints: Mapping[str, str] | None = None
) -> dict[tuple[str, str], str]:
    """What each run's models are called once the runs are combined, `{(run_id, model):
    label}` from `{run_id: models}`. A model found in one run keeps its name; one found in
    several is told apart by its endpoint (`model@openrouter`, `model@sim`) when each of its
    runs used another, else by its run (`model@run_id`): the same model in two runs may have
    had other prompts behind the same prompt id."""
    runs_of: dict[str, list[str]] = {}
    for run_id, names in models.items():
        for model in dict.fromkeys(names):
            runs_of.setdefault(model, []).append(run_id)
    labels = {}
    for model, run_ids in runs_of.items():
        where = [(endpoints or {}).get(r) for r in run_ids]
        by_endpoint = None not in where and len(set(where)) == len(where)
        for run_id, endpoint in zip(run_ids, where, strict=True):
            suffix = endpoint if by_endpoint else run_id
            labels[(run_id, model)] = model if len(run_ids) == 1 else f"{model}@{suffix}"
    return labels


def combine_runs(
    runs: Mapping[str, tuple[pd.DataFrame, pd.DataFrame | None]],
    *,
    endpoints: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Concatenate `{run_id: (results, scores)}` into one results and one scores table.

    A model that appears in more than one run is renamed in each (see `run_labels`: by
    endpoint, given `{run_id: endpoint}`, or by run), so the runs stay apart as contestants;
    a model found in one run only keeps its name. Task keys become `run_id/task_key`: a key
    is a content hash, so a task repeated verbatim in two runs would otherwise have the same
    key in both. Contestants pair on the dataset item (`item_id`) across runs too.
    """
    present = {
        run_id: [str(m) for m in pd.unique(results["model"])] if not results.empty else []
        for run_id, (results, _) in runs.items()
    }
    labels = run_labels(present, endpoints)
    all_results, all_scores = [], []
    for run_id, (results, scores) in runs.items():
        endpoint = (endpoints or {}).get(run_id)
        # Empty tables are skipped: concatenating them only muddles the column dtypes.
        if not results.empty:
            all_results.append(_relabel(results, run_id, labels, endpoint))
        if scores is not None and not scores.empty:
            all_scores.append(_relabel(scores, run_id, labels, endpoint))
    return _concat(all_results), _concat(all_scores)


def _concat(tables: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()


def _relabel(
    table: pd.DataFrame,
    run_id: str,
    labels: Mapping[tuple[str, str], str],
    endpoint: str | None,
) -> pd.DataFrame:
    out = table.copy()
    out["run_id"] = run_id
    out["task_key"] = run_id + "/" + out["task_key"].astype(str)
    out["model"] = [labels.get((run_id, str(m)), str(m)) for m in out["model"]]
    if endpoint is not None:
        out["endpoint"] = endpoint
    return out
