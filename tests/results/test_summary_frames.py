"""`read_summary_frames`: the columns asked for, repeated text shared, and task keys turned
into results row numbers that join scores to results as the keys did."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from orkit.results import RESULTS_SCHEMA, SCORES_SCHEMA, PartWriter, RunDir, read_summary_frames


def _run(tmp_path: Path) -> RunDir:
    run = RunDir.create(tmp_path, "r1")
    results = PartWriter(run.results_dir, RESULTS_SCHEMA, "results", flush_rows=2)
    for i, model in enumerate(["a/x", "b/y", "a/x", "b/y", "a/x"]):
        status = "error" if i == 3 else "ok"
        results.append({"task_key": f"k{i}", "model": model, "status": status, "cost_usd": i})
    results.flush()
    scores = PartWriter(run.scores_dir, SCORES_SCHEMA, "scores", flush_rows=3)
    for key, score in [("k4", 1.0), ("gone", 0.0), ("k0", 0.0), ("k2", 1.0)]:
        scores.append({"task_key": key, "scorer": "exact", "score": score})
    scores.flush()
    return run


def test_keys_become_row_numbers_and_unknown_tasks_minus_one(tmp_path: Path) -> None:
    results, scores = read_summary_frames(
        _run(tmp_path), ["task_key", "model", "status", "cost_usd"], ["task_key", "score"]
    )
    assert list(results.columns) == ["task_key", "model", "status", "cost_usd"]
    assert results["task_key"].tolist() == [0, 1, 2, 3, 4]
    assert scores["task_key"].tolist() == [4, -1, 0, 2]
    assert results["model"].tolist() == ["a/x", "b/y", "a/x", "b/y", "a/x"]
    assert results["status"].tolist() == ["ok", "ok", "ok", "error", "ok"]
    # one string per distinct value, shared by its rows
    assert results["model"].dtype == object and results["model"][0] is results["model"][2]


def test_a_part_without_a_column_reads_it_as_nulls(tmp_path: Path) -> None:
    run = _run(tmp_path)
    older = pa.table({"task_key": ["k9"], "status": ["ok"]})  # written before `model` existed
    pq.write_table(older, run.results_dir / "part-00009.parquet")
    results, _ = read_summary_frames(run, ["task_key", "model", "status"], ["task_key"])
    assert len(results) == 6 and results["model"].isna().tolist() == [False] * 5 + [True]


def test_an_empty_run_gives_empty_frames_with_the_columns(tmp_path: Path) -> None:
    run = RunDir.create(tmp_path, "r2")
    results, scores = read_summary_frames(run, ["task_key", "model"], ["task_key", "score"])
    assert results.empty and list(results.columns) == ["task_key", "model"]
    assert scores.empty and list(scores.columns) == ["task_key", "score"]
