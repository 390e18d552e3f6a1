"""The attempts index is made when a retry first needs it, not kept up on every commit."""

from __future__ import annotations

from pathlib import Path

from orkit.results import Journal


def indexes(journal: Journal) -> set[str]:
    rows = journal._db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
    return {name for (name,) in rows if not name.startswith("sqlite_autoindex")}


def test_attempts_are_counted_with_an_index_made_on_demand(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite")
    try:
        for key, tries in (("a", 1), ("b", 3)):
            result = {"task_key": key, "model": "m", "status": "ok"}
            journal.record(result, [], [{"attempt": i} for i in range(tries)])
        assert indexes(journal) == set()  # nothing extra written per task
        assert journal.attempts_so_far("b") == 3 and journal.attempts_so_far("c") == 0
        assert indexes(journal) == {"attempts_task"}
        assert [a["attempt"] for a in journal.attempts(["b"])] == [0, 1, 2]
    finally:
        journal.close()
