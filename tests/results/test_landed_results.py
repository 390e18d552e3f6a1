"""`read_landed_results`: what a run handle's `results()` reads while the run goes — the
part files, then the journal's rows no part holds yet; each task once, its latest row."""

from __future__ import annotations

from pathlib import Path

from orkit.results import (
    RESULTS_SCHEMA,
    Journal,
    PartWriter,
    ResultRow,
    RunDir,
    read_landed_results,
)


def row(key: str, status: str = "ok", tokens: int | None = 5) -> ResultRow:
    return {
        "run_id": "r",
        "task_key": key,
        "item_id": key,
        "model": "a/x",
        "status": status,
        "prompt_tokens": tokens,
        "started_at": 1_700_000_000_000_000,
    }


def test_parts_then_the_journal_s_newer_rows_each_task_once(tmp_path: Path) -> None:
    run = RunDir.create(tmp_path)
    assert read_landed_results(run).num_rows == 0  # no journal yet: nothing landed

    journal = Journal(run.journal_path)
    parts = PartWriter(run.results_dir, RESULTS_SCHEMA, "results", flush_s=float("inf"))
    for key in ("t1", "t2"):
        journal.record(row(key), [], [])
        parts.append(row(key))
    parts.flush()
    journal.record(row("t3", tokens=None), [], [])  # journaled, in no part yet
    journal.record(row("t2", status="error"), [], [])  # a retry's newer outcome...
    parts.append(row("t2", status="error"))
    parts.flush()  # ...in a later part

    landed = read_landed_results(run)
    assert landed.schema.names == RESULTS_SCHEMA.names
    assert landed["task_key"].to_pylist() == ["t1", "t2", "t3"]
    assert landed["status"].to_pylist() == ["ok", "error", "ok"]
    assert landed["prompt_tokens"].to_pylist() == [5, 5, None]  # unknown stays null
    assert landed["started_at"][2].as_py().year == 2023
    journal.close()
