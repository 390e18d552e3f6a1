"""The engine: run every model's lane of tasks through the router and stream outcomes to
Parquet.

Each model has its own lane (a lazy pass over the dataset) worked by up to
`max_concurrency` coroutines; the router decides when each request may really go, so a task
waiting on a rate limit holds no connection and a slow model never blocks a fast one. Per-task
failures become rows; tasks stopped by a daily quota are left without a row (pending, for a
resume); a run-level stop (bad key, no credits) raises after the rows so far are flushed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import anyio

from orkit.batch._progress import NullObserver, Observer
from orkit.batch._rows import Timing, attempt_rows, error_row, ok_row, score_rows
from orkit.batch._tasks import Task
from orkit.batch._totals import RunTotals
from orkit.errors import RunStoppedError
from orkit.results import ATTEMPTS_SCHEMA, RESULTS_SCHEMA, SCORES_SCHEMA, PartWriter, RunDir
from orkit.router import Outcome, Router
from orkit.scorers import Scorer
from orkit.types import Clock

__all__ = ["EngineOptions", "ResultSink", "execute"]


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineOptions:
    workers_per_lane: int = 16
    """Coroutines per model lane: the most requests one model can have in flight."""
    flush_rows: int = 2000
    """Write a part file at least every this many rows..."""
    flush_s: float = 2.0
    """...or this many seconds, whichever comes first."""


class ResultSink:
    """Collects result, attempt and score rows and writes them as part files."""

    def __init__(self, run: RunDir, options: EngineOptions) -> None:
        rows, secs = options.flush_rows, options.flush_s
        self.results = PartWriter(
            run.results_dir, RESULTS_SCHEMA, "results", flush_rows=rows, flush_s=secs
        )
        self.attempts = PartWriter(
            run.attempts_dir, ATTEMPTS_SCHEMA, "attempts", flush_rows=rows * 2, flush_s=secs
        )
        self.scores = PartWriter(
            run.scores_dir, SCORES_SCHEMA, "scores", flush_rows=rows * 4, flush_s=secs
        )
        self.totals = RunTotals()

    def flush(self) -> None:
        self.results.flush()
        self.attempts.flush()
        self.scores.flush()


@dataclass(frozen=True, slots=True, kw_only=True)
class _Context:
    run_id: str
    router: Router
    sink: ResultSink
    scorers: Sequence[Scorer]
    clock: Clock
    observer: Observer


async def execute(
    lanes: Sequence[Iterator[Task]],
    *,
    total: int,
    run_id: str,
    router: Router,
    sink: ResultSink,
    scorers: Sequence[Scorer],
    clock: Clock,
    options: EngineOptions,
    observer: Observer | None = None,
) -> RunTotals:
    """Run every task of every lane; returns the totals. Rows are flushed even on errors."""
    ctx = _Context(
        run_id=run_id,
        router=router,
        sink=sink,
        scorers=scorers,
        clock=clock,
        observer=observer or NullObserver(),
    )
    ctx.observer.on_start(total, run_id, router.status)
    status = "failed"
    try:
        async with anyio.create_task_group() as tg:
            for lane in lanes:
                for _ in range(options.workers_per_lane):
                    tg.start_soon(_worker, lane, ctx)
        status = "completed"
    except BaseExceptionGroup as group:
        # Several workers may hit the same run-level stop at once (every in-flight request
        # gets the 401): report it once, as itself.
        stop = _first(group, RunStoppedError)
        if stop is not None:
            raise stop from None
        raise
    finally:
        sink.flush()
        ctx.observer.on_finish(sink.totals, status)
    return sink.totals


def _first(group: BaseExceptionGroup, kind: type[RunStoppedError]) -> RunStoppedError | None:
    for exc in group.exceptions:
        if isinstance(exc, kind):
            return exc
        if isinstance(exc, BaseExceptionGroup):
            found = _first(exc, kind)
            if found is not None:
                return found
    return None


async def _worker(lane: Iterator[Task], ctx: _Context) -> None:
    # Workers of a lane share one generator; `next()` never awaits, so they cannot collide.
    for task in lane:
        started = ctx.clock.wall()
        outcome = await ctx.router.route(task.request)
        _record(task, outcome, started, ctx)


def _record(task: Task, outcome: Outcome, started: float, ctx: _Context) -> None:
    sink = ctx.sink
    for row in attempt_rows(task, ctx.run_id, outcome.attempts):
        sink.attempts.append(row)
    sink.totals.add_attempts(outcome.attempts)
    if outcome.deferred_until is not None:
        sink.totals.add_deferred(task.model, outcome.deferred_until)
        ctx.observer.on_row(None, sink.totals)
        return
    timing = Timing(outcome.queue_s, outcome.backoff_s, started, ctx.clock.wall())
    n = len(outcome.attempts)
    if outcome.response is not None:
        row = ok_row(
            task, ctx.run_id, outcome.response, timing, attempts=n, is_fallback=outcome.is_fallback
        )
        for score in score_rows(task, ctx.run_id, outcome.response.content, ctx.scorers):
            sink.scores.append(score)
    else:
        assert outcome.error is not None
        row = error_row(task, ctx.run_id, outcome.error, timing, attempts=n)
        row["served_model"] = outcome.model if outcome.is_fallback else None
        row["is_fallback"] = outcome.is_fallback
    sink.results.append(row)
    sink.totals.add(row)
    ctx.observer.on_row(row, sink.totals)
