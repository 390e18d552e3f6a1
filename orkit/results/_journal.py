"""The run's journal: every finished task, durable before anything else happens to it.

SQLite in WAL mode. A run's sink records the answers of one event-loop tick in one
transaction and commits it at the start of the next tick (`record(commit=False)` +
`commit()`), before anything else is written from them: a `kill -9` can lose only answers
received in the tick it strikes, which a resume asks for again. (Committing each task on
its own cost 124 µs a task against 75.) Other writers commit each call. The Parquet part
files are a view of the journal: a resume rebuilds whatever they miss, and runs that
replace rows (a resume after budget skips, `retry --errors`) rewrite them from it.

Tables:
- `tasks`: the latest outcome of each task (its results row and score rows, as JSON), with
  `final` = 0 for outcomes a resume should redo (`skipped_budget`, `deferred`);
- `attempts`: every HTTP attempt ever made, append-only (a retry adds, never replaces),
  journaled as each attempt ends (`record_attempt`, in the same group commit as answers),
  so a `kill -9` keeps the attempt history, and the billed attempts, of unfinished tasks.
  Only the cost fill after the lanes changes an attempt once written (`set_attempt_costs`).

Scores can be replaced on their own (`set_scores`): LLM judges add theirs after the
candidates are answered, and a re-score recomputes them without touching the results.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from orkit.results._row_types import AttemptRow, ResultRow, ScoreRow

__all__ = ["NON_FINAL_STATUSES", "Journal", "journal_progress"]

NON_FINAL_STATUSES = frozenset({"skipped_budget", "deferred"})
"""Outcomes that leave a task to be done by a later resume."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    task_key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    status TEXT NOT NULL,
    final INTEGER NOT NULL,
    result TEXT NOT NULL,
    scores TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_key TEXT NOT NULL,
    attempt TEXT NOT NULL
);
"""
# Made when first needed (a retry counting earlier attempts), not kept up to date on every
# task's commit: one B-tree page fewer to write per task, 20% of a commit.
_ATTEMPTS_INDEX = "CREATE INDEX IF NOT EXISTS attempts_task ON attempts (task_key)"


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class Journal:
    """One run's journal. Not thread-safe: used from the event loop's thread only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # isolation_level=None: every statement commits on its own (the durability point)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL: a commit survives the process dying at once (the OS has it); only a power
        # cut can lose the last commits, and then the Parquet parts go with them anyway.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._closed = False
        self._attempts_indexed = False

    def close(self) -> None:
        self.commit()
        self._db.close()
        self._closed = True

    def record(
        self,
        result: ResultRow,
        scores: Sequence[ScoreRow],
        attempts: Sequence[AttemptRow],
        *,
        commit: bool = True,
    ) -> None:
        """Make one task's outcome durable (all of it or none). With `commit=False` it joins
        the transaction in progress, made durable by the next `commit()` (group commit: the
        answers of one event-loop tick share one commit, 75 instead of 124 µs a task)."""
        key = result["task_key"]
        final = 0 if result["status"] in NON_FINAL_STATUSES else 1
        db = self._db
        if not db.in_transaction:
            db.execute("BEGIN")
        db.execute("SAVEPOINT task")  # a task that fails to record undoes itself only
        try:
            db.execute(
                "INSERT OR REPLACE INTO tasks VALUES (?, ?, ?, ?, ?, ?)",
                (key, result["model"], result["status"], final, _dumps(result), _dumps(scores)),
            )
            if attempts:
                db.executemany(
                    "INSERT INTO attempts (task_key, attempt) VALUES (?, ?)",
                    [(key, _dumps(a)) for a in attempts],
                )
            db.execute("RELEASE task")
        except BaseException:
            db.execute("ROLLBACK TO task")
            db.execute("RELEASE task")
            raise
        if commit:
            self.commit()

    def record_attempt(self, task_key: str, attempt: AttemptRow, *, commit: bool = True) -> None:
        """Journal one HTTP attempt as it ends, before its task has an outcome. With
        `commit=False` it joins the transaction in progress (see `record`)."""
        if not self._db.in_transaction:
            self._db.execute("BEGIN")
        self._db.execute(
            "INSERT INTO attempts (task_key, attempt) VALUES (?, ?)", (task_key, _dumps(attempt))
        )
        if commit:
            self.commit()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One transaction of the block's statements: committed if the block ends, rolled
        back if it raises. Call `commit` first: the outcomes recorded so far stay apart."""
        db = self._db
        db.execute("BEGIN")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def commit(self) -> None:
        """Make every outcome recorded so far durable (nothing to do once closed: closing
        commits)."""
        if not self._closed and self._db.in_transaction:
            self._db.execute("COMMIT")

    def keys(self, *, final: bool | None = None, status: str | None = None) -> set[str]:
        """Task keys recorded (optionally only final ones, or of one status)."""
        sql, args = "SELECT task_key FROM tasks", list[object]()
        clauses = []
        if final is not None:
            clauses.append("final = ?")
            args.append(1 if final else 0)
        if status is not None:
            clauses.append("status = ?")
            args.append(status)
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        return {row[0] for row in self._db.execute(sql, args)}

    def _index_attempts(self) -> None:
        if not self._attempts_indexed:
            self._db.execute(_ATTEMPTS_INDEX)
            self._attempts_indexed = True

    def attempts_so_far(self, task_key: str) -> int:
        self._index_attempts()
        (n,) = self._db.execute(
            "SELECT count(*) FROM attempts WHERE task_key = ?", (task_key,)
        ).fetchone()
        return int(n)

    def attempt_counts(self) -> dict[str, int]:
        """Attempts journaled per task key (tasks without any are absent)."""
        self.commit()
        rows = self._db.execute("SELECT task_key, count(*) FROM attempts GROUP BY task_key")
        return {str(k): int(n) for k, n in rows}

    def results(self, keys: Iterable[str] | None = None) -> Iterator[ResultRow]:
        for (text,) in self._select("result", "tasks", keys):
            yield json.loads(text)

    def scores(self, keys: Iterable[str] | None = None) -> Iterator[ScoreRow]:
        for (text,) in self._select("scores", "tasks", keys):
            yield from json.loads(text)

    def attempts(self, keys: Iterable[str] | None = None) -> Iterator[AttemptRow]:
        if keys is not None:
            self._index_attempts()
        for (text,) in self._select("attempt", "attempts", keys, order="id"):
            yield json.loads(text)

    def attempts_by_task_model(self) -> Iterator[tuple[str | None, AttemptRow]]:
        """Every attempt, oldest first, with the model its task asked for (None when the
        task has no outcome yet: an attempt journaled before a kill)."""
        rows = self._db.execute(
            "SELECT t.model, a.attempt FROM attempts a "
            "LEFT JOIN tasks t ON t.task_key = a.task_key ORDER BY a.id"
        )
        for model, text in rows:
            yield model, json.loads(text)

    def billed_attempts_to_cost(self) -> list[tuple[int, AttemptRow]]:
        """(id, attempt) of every attempt the server began a generation for (it has a
        `generation_id`) whose cost is not known yet: the cost fill looks them up."""
        self.commit()
        rows = self._db.execute(
            "SELECT id, attempt FROM attempts "
            "WHERE json_extract(attempt, '$.generation_id') IS NOT NULL "
            "AND json_extract(attempt, '$.cost_usd') IS NULL ORDER BY id"
        )
        return [(int(i), json.loads(text)) for i, text in rows]

    def set_attempt_costs(self, updates: Sequence[tuple[int, Mapping[str, Any]]]) -> None:
        """Replace attempts by id (their looked-up cost), in one transaction."""
        if not updates:
            return
        self.commit()
        with self._transaction() as db:
            db.executemany(
                "UPDATE attempts SET attempt = ? WHERE id = ?",
                [(_dumps(a), i) for i, a in updates],
            )

    def extra_billed(self) -> list[tuple[str, float | None]]:
        """(task model, cost or None) of every billed attempt whose cost is not its task's
        row's own: an attempt with a generation id other than its results row's (a stream
        cut short before a retry succeeded; any attempt of a task killed before it had a
        row; a tool loop's earlier turns whose cost its row does not carry, see
        `turns_json`). Such costs come on top of the results rows' costs; None is billed
        but unknown."""
        self.commit()
        rows = self._db.execute(
            "SELECT coalesce(t.model, json_extract(a.attempt, '$.model')), "
            "json_extract(a.attempt, '$.cost_usd') "
            "FROM attempts a LEFT JOIN tasks t ON t.task_key = a.task_key "
            "WHERE json_extract(a.attempt, '$.generation_id') IS NOT NULL "
            "AND json_extract(a.attempt, '$.generation_id') "
            "IS NOT json_extract(t.result, '$.generation_id') "
            # a tool loop's row carries the cost of its turns marked `in_row`
            "AND NOT EXISTS (SELECT 1 FROM json_each("
            "coalesce(json_extract(t.result, '$.turns_json'), '[]')) turn "
            "WHERE json_extract(turn.value, '$.in_row') "
            "AND json_extract(turn.value, '$.generation_id') "
            "= json_extract(a.attempt, '$.generation_id')) ORDER BY a.id"
        )
        return [(str(m), None if c is None else float(c)) for m, c in rows]

    def _select(
        self, column: str, table: str, keys: Iterable[str] | None, order: str = "rowid"
    ) -> Iterator[tuple[str, ...]]:
        if keys is None:
            yield from self._db.execute(f"SELECT {column} FROM {table} ORDER BY {order}")
            return
        wanted = list(keys)
        for i in range(0, len(wanted), 500):  # SQLite caps bound parameters
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            yield from self._db.execute(
                f"SELECT {column} FROM {table} WHERE task_key IN ({marks}) ORDER BY {order}",
                chunk,
            )

    def outcomes(self, keys: Iterable[str]) -> list[tuple[ResultRow, list[ScoreRow]]]:
        """(results row, score rows) of each of `keys`, read at once (the scoring stage
        writes scores between batches, so no cursor stays open across them)."""
        out = []
        for result, scores in self._select("result, scores", "tasks", keys):
            out.append((json.loads(result), json.loads(scores)))
        return out

    def set_scores(
        self, updates: Sequence[tuple[str, Sequence[Mapping[str, Any]]]], *, staged: bool = False
    ) -> None:
        """Replace the score rows of several tasks, in one transaction (an LLM judge's
        verdicts; the results rows stay as they are). With `staged`, the rows go to a
        connection-private temporary table instead, and only `finish_staged_scores` puts
        them in place — all at once, so a re-score that dies half-way changes nothing."""
        if not updates:
            return
        self.commit()
        db = self._db
        if staged:
            db.execute(
                "CREATE TEMP TABLE IF NOT EXISTS staged_scores "
                "(task_key TEXT PRIMARY KEY, scores TEXT NOT NULL)"
            )
            sql = "INSERT OR REPLACE INTO staged_scores (scores, task_key) VALUES (?, ?)"
        else:
            sql = "UPDATE tasks SET scores = ? WHERE task_key = ?"
        with self._transaction():
            db.executemany(sql, [(_dumps(list(rows)), key) for key, rows in updates])

    def finish_staged_scores(self, *, apply: bool) -> int:
        """Move every staged score list into place in one transaction (or, without `apply`,
        drop them); returns how many tasks got new scores."""
        self.commit()
        db = self._db
        db.execute(
            "CREATE TEMP TABLE IF NOT EXISTS staged_scores "
            "(task_key TEXT PRIMARY KEY, scores TEXT NOT NULL)"
        )
        with self._transaction():
            cursor = db.execute(
                "UPDATE tasks SET scores = (SELECT s.scores FROM staged_scores s "
                "WHERE s.task_key = tasks.task_key) "
                "WHERE task_key IN (SELECT task_key FROM staged_scores) AND ?",
                (1 if apply else 0,),
            )
            db.execute("DELETE FROM staged_scores")
        return int(cursor.rowcount)

    def drop_pending(self, keep: set[str]) -> int:
        """Delete non-final outcomes whose task is not in `keep` (a spec changed under a
        resume: those tasks no longer exist). Returns how many were dropped."""
        self.commit()
        stale = [k for k in self.keys(final=False) if k not in keep]
        for i in range(0, len(stale), 500):
            chunk = stale[i : i + 500]
            marks = ",".join("?" * len(chunk))
            self._db.execute(f"DELETE FROM tasks WHERE task_key IN ({marks})", chunk)
        return len(stale)

    def counts(self) -> dict[str, int]:
        """Tasks per status."""
        return dict(self._db.execute("SELECT status, count(*) FROM tasks GROUP BY status"))


def journal_progress(path: Path) -> tuple[int, float | None, int] | None:
    """(tasks finished, their summed cost or None when none is known, answered tasks whose
    cost is unknown) as a journal holds them, read without writing: what a run still going,
    or killed, has really done (its manifest's totals are counted at the end; its part files
    lag the journal by up to a part). None when there is no readable journal."""
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        done, cost, unknown = db.execute(
            "SELECT count(*), sum(json_extract(result, '$.cost_usd')), "
            "coalesce(sum(status = 'ok' AND json_extract(result, '$.cost_usd') IS NULL), 0) "
            "FROM tasks WHERE final = 1"
        ).fetchone()
    except sqlite3.Error:
        return None
    finally:
        db.close()
    return int(done), None if cost is None else float(cost), int(unknown)
