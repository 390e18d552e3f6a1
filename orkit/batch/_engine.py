"""The engine: send tasks with bounded concurrency and stream outcomes to Parquet.

A producer feeds tasks into a small bounded channel (so a 10-million-row dataset is never held
in memory); `concurrency` workers take tasks from it, call the completer, and hand each
outcome to the sink, which buffers rows and flushes part files. Per-task failures (any
`APIError`) become rows; anything else is a bug or a run-level stop and ends the run.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import anyio
from anyio.abc import ObjectReceiveStream

from orkit.batch._progress import NullObserver, Observer
from orkit.batch._rows import Timing, error_row, ok_row, score_rows
from orkit.batch._tasks import Task
from orkit.batch._totals import RunTotals
from orkit.errors import APIError
from orkit.results import RESULTS_SCHEMA, SCORES_SCHEMA, PartWriter, RunDir
from orkit.scorers import Scorer
from orkit.types import Clock, Completer

__all__ = ["EngineOptions", "ResultSink", "execute"]


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineOptions:
    concurrency: int = 16
    flush_rows: int = 2000
    """Write a part file at least every this many rows..."""
    flush_s: float = 2.0
    """...or this many seconds, whichever comes first."""


class ResultSink:
    """Collects result and score rows and writes them as part files."""

    def __init__(self, run: RunDir, options: EngineOptions) -> None:
        self.results = PartWriter(
            run.results_dir,
            RESULTS_SCHEMA,
            "results",
            flush_rows=options.flush_rows,
            flush_s=options.flush_s,
        )
        self.scores = PartWriter(
            run.scores_dir,
            SCORES_SCHEMA,
            "scores",
            flush_rows=options.flush_rows * 4,
            flush_s=options.flush_s,
        )
        self.totals = RunTotals()

    def flush(self) -> None:
        self.results.flush()
        self.scores.flush()


async def execute(
    tasks: Iterator[Task],
    *,
    total: int,
    run_id: str,
    completer: Completer,
    sink: ResultSink,
    scorers: Sequence[Scorer],
    clock: Clock,
    options: EngineOptions,
    observer: Observer | None = None,
) -> RunTotals:
    """Run every task; returns the totals. Rows are flushed even when this raises."""
    observer = observer or NullObserver()
    observer.on_start(total, run_id)
    send, receive = anyio.create_memory_object_stream[tuple[Task, float]](
        max_buffer_size=max(1, options.concurrency)
    )
    status = "failed"
    try:
        async with anyio.create_task_group() as tg:
            for _ in range(options.concurrency):
                tg.start_soon(
                    _worker, receive.clone(), run_id, completer, sink, scorers, clock, observer
                )
            receive.close()
            async with send:
                for task in tasks:
                    await send.send((task, clock.now()))
        status = "completed"
    finally:
        sink.flush()
        observer.on_finish(sink.totals, status)
    return sink.totals


async def _worker(
    receive: ObjectReceiveStream[tuple[Task, float]],
    run_id: str,
    completer: Completer,
    sink: ResultSink,
    scorers: Sequence[Scorer],
    clock: Clock,
    observer: Observer,
) -> None:
    async with receive:
        async for task, enqueued_at in receive:
            start = clock.now()
            started_wall = clock.wall()
            try:
                response = await completer.complete(task.request)
            except APIError as exc:
                timing = Timing(start - enqueued_at, 0.0, started_wall, clock.wall())
                row = error_row(task, run_id, exc, timing)
            else:
                timing = Timing(start - enqueued_at, 0.0, started_wall, clock.wall())
                row = ok_row(task, run_id, response, timing)
                for score in score_rows(task, run_id, response.content, scorers):
                    sink.scores.append(score)
            sink.results.append(row)
            sink.totals.add(row)
            observer.on_row(row, sink.totals)
