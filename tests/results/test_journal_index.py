"""The attempts index is made when a retry first needs it, not kept up on every commit."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from orkit.results import AttemptRow, Journal, ResultRow, ScoreRow


def indexes(journal: Journal) -> set[str]:
    rows = journal._db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
    return {name for (name,) in rows if not name.startswith("sqlite_autoindex")}


def test_attempts_are_counted_with_an_index_made_on_demand(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite")
    try:
        for key, tries in (("a", 1), ("b", 3)):
            result: ResultRow = {"task_key": key, "model": "m", "status": "ok"}
            attempts: list[AttemptRow] = [{"attempt": i} for i in range(tries)]
            journal.record(result, [], attempts)
        assert indexes(journal) == set()  # nothing extra written per task
        assert journal.attempts_so_far("b") == 3 and journal.attempts_so_far("c") == 0
        assert indexes(journal) == {"attempts_task"}
        assert [a["attempt"] for a in journal.attempts(["b"])] == [0, 1, 2]
    finally:
        journal.close()


def committed(path: Path) -> int:
    import sqlite3

    other = sqlite3.connect(path)  # what a process reading after a kill would find
    try:
        (n,) = other.execute("SELECT count(*) FROM tasks").fetchone()
        return int(n)
    finally:
        other.close()


def test_group_commit_makes_a_ticks_outcomes_durable_together(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    journal = Journal(path)
    try:
        for key in ("a", "b"):
            journal.record({"task_key": key, "model": "m", "status": "ok"}, [], [], commit=False)
        assert committed(path) == 0  # not yet durable
        journal.commit()
        assert committed(path) == 2
    finally:
        journal.close()


def test_a_task_that_fails_to_record_undoes_only_itself(tmp_path: Path) -> None:
    import pytest

    path = tmp_path / "journal.sqlite"
    journal = Journal(path)
    try:
        journal.record({"task_key": "a", "model": "m", "status": "ok"}, [], [], commit=False)
        with pytest.raises(TypeError):  # a value JSON cannot hold
            journal.record(
                {"task_key": "b", "model": "m", "status": "ok"},
                [cast(ScoreRow, {"x": {1, 2}})],  # not a score row: the point is the value
                [],
                commit=False,
            )
        journal.commit()
        assert journal.keys() == {"a"} and committed(path) == 1
    finally:
        journal.close()


def test_the_sink_commits_once_per_event_loop_tick_and_before_any_part_file(
    tmp_path: Path,
) -> None:
    import asyncio

    from orkit.batch._sink import ResultSink
    from orkit.results import RunDir

    run = RunDir.create(tmp_path / "runs", "r")
    journal = Journal(run.journal_path)
    sink = ResultSink(run, journal)

    async def go() -> list[int]:
        seen = []
        for key in ("a", "b"):
            sink.record({"task_key": key, "model": "m", "status": "ok", "run_id": "r"})
        seen.append(committed(run.journal_path))  # same tick: not yet
        await asyncio.sleep(0)
        seen.append(committed(run.journal_path))  # the next tick committed both
        sink.record({"task_key": "c", "model": "m", "status": "ok", "run_id": "r"})
        sink.flush()  # a part file is written: the journal first
        seen.append(committed(run.journal_path))
        return seen

    try:
        assert asyncio.run(go()) == [0, 2, 3]
    finally:
        journal.close()
