"""Scores in the journal (replaced on their own, staged for an all-or-nothing re-score) and
in Parquet (the judge columns, and runs written before they existed)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from orkit.results import (
    SCORES_SCHEMA,
    Journal,
    PartWriter,
    ResultRow,
    RunDir,
    ScoreRow,
    read_scores,
)


def _result(key: str) -> ResultRow:
    return {"task_key": key, "model": "a/b", "status": "ok", "output_text": key}


def _score(key: str, value: float) -> ScoreRow:
    return {"task_key": key, "scorer": "s", "score": value}


def test_scores_are_replaced_directly_or_all_at_once(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite")
    try:
        for key in ("k1", "k2"):
            journal.record(_result(key), [_score(key, 0.0)], [])
        journal.set_scores([("k1", [_score("k1", 1.0)])])
        assert [r["score"] for r in journal.scores()] == [1.0, 0.0]
        journal.set_scores([("k1", []), ("k2", [_score("k2", 0.5)])], staged=True)
        assert [r["score"] for r in journal.scores()] == [1.0, 0.0]  # not yet
        assert journal.finish_staged_scores(apply=True) == 2
        assert [r["score"] for r in journal.scores()] == [0.5]
        journal.set_scores([("k1", [_score("k1", 9.0)])], staged=True)
        assert journal.finish_staged_scores(apply=False) == 0  # dropped
        assert [r["score"] for r in journal.scores()] == [0.5]
        ((result, scores),) = journal.outcomes(["k2"])
        assert result["output_text"] == "k2" and scores == [_score("k2", 0.5)]
        assert journal.counts() == {"ok": 2}  # results untouched
    finally:
        journal.close()


def test_scores_written_before_the_judge_columns_read_back_with_them_null(
    tmp_path: Path,
) -> None:
    run = RunDir.create(tmp_path / "runs", "old")
    old_schema = pa.schema([f for f in SCORES_SCHEMA if not f.name.startswith("judge_")])
    writer = PartWriter(run.scores_dir, old_schema, "scores")
    writer.append({"task_key": "k", "scorer": "exact", "score": 1.0, "passed": True})
    writer.flush()
    table = read_scores(run)
    assert table.schema.names == SCORES_SCHEMA.names
    row = table.to_pylist()[0]
    assert row["score"] == 1.0 and row["judge_model"] is None and row["judge_cost_usd"] is None
