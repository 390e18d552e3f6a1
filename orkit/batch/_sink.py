"""Where task outcomes go: the journal first (durable), then buffered Parquet part files,
then the running totals and what the run teaches the calibration. (`orkit.results`
rebuilds the part files from the journal.)"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from orkit.batch._totals import RunTotals
from orkit.cost import Lessons
from orkit.results import (
    ATTEMPTS_SCHEMA,
    RESULTS_SCHEMA,
    SCORES_SCHEMA,
    AttemptRow,
    Journal,
    PartWriter,
    ResultRow,
    RunDir,
    ScoreRow,
)

__all__ = ["ResultSink"]


class ResultSink:
    """Makes each outcome durable, then writes it out. Part files flush together (every
    `flush_rows` rows or `flush_s` seconds) so the three tables stay in step."""

    def __init__(
        self, run: RunDir, journal: Journal, *, flush_rows: int = 2000, flush_s: float = 2.0
    ) -> None:
        self.run_id = run.run_id
        """The run its rows belong to."""
        self.journal = journal
        self.results = PartWriter(
            run.results_dir, RESULTS_SCHEMA, "results", flush_rows=10**12, flush_s=float("inf")
        )
        self.attempts = PartWriter(
            run.attempts_dir, ATTEMPTS_SCHEMA, "attempts", flush_rows=10**12, flush_s=float("inf")
        )
        self.scores = PartWriter(
            run.scores_dir, SCORES_SCHEMA, "scores", flush_rows=10**12, flush_s=float("inf")
        )
        self.totals = RunTotals()
        self.lessons = Lessons()
        self._flush_rows = flush_rows
        self._flush_s = flush_s

        self._clock = time.monotonic
        self._last_flush = self._clock()
        self._commit_scheduled = False

    def record(
        self,
        result: ResultRow,
        scores: Sequence[ScoreRow] = (),
        attempts: Sequence[AttemptRow] = (),
    ) -> None:
        # The journal first. The answers of one event-loop tick share a commit, made at the
        # start of the next tick (see `Journal`), and before any part file is written.
        self.journal.record(result, scores, attempts, commit=False)
        self._commit_soon()
        self.results.append(result)
        for row in scores:
            self.scores.append(row)
        for attempt in attempts:
            self.attempts.append(attempt)
        self.totals.add(result)
        self.lessons.add(result)
        if self.results.pending >= self._flush_rows or (
            self._clock() - self._last_flush >= self._flush_s
        ):
            self.flush()

    def record_attempt(self, row: AttemptRow) -> None:
        """One HTTP attempt, as it ends (its task may go on, or be killed before its
        outcome): journaled in the tick's group commit, then buffered for the part file."""
        self.journal.record_attempt(row["task_key"], row, commit=False)
        self._commit_soon()
        self.attempts.append(row)

    def _commit_soon(self) -> None:
        if self._commit_scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop: commit now
            self.journal.commit()
            return
        self._commit_scheduled = True
        loop.call_soon(self._commit)

    def _commit(self) -> None:
        self._commit_scheduled = False
        self.journal.commit()

    def flush(self) -> None:
        self.journal.commit()  # a part file never holds a row the journal could lose
        self._last_flush = self._clock()
        self.results.flush()
        self.attempts.flush()
        self.scores.flush()
