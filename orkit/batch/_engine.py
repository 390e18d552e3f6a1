"""The engine: run every model's lane of tasks and record each outcome.

Each model has its own lane (a lazy pass over the dataset) worked by up to
`workers_per_lane` coroutines; the router decides when each request may really go, so a task
waiting on a rate limit holds no connection and a slow model never blocks a fast one.
For each task, in order: skip it if a previous run already finished it; answer it from the
cache if it can; reserve its worst-case cost against the budget (or leave it
`skipped_budget`); route it (with a tool loop, each of its turns: `_tool_loop`), each
attempt journaled and paid for as it ends (`_attempts`); record the outcome (journal
first). Per-task failures become rows; a run-level stop (bad key, no credits) raises after
the rows so far are flushed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import anyio
import anyio.lowlevel

from orkit._format import usd
from orkit.batch._attempts import AttemptBudget, OverBudget, TaskAttempts
from orkit.batch._budget import Budget
from orkit.batch._cache_columns import CachePricing
from orkit.batch._gc import GcFreeze
from orkit.batch._groups import first_of as _first
from orkit.batch._groups import only_cancelled as _cancelled
from orkit.batch._observer import NullObserver, Observer, format_reset
from orkit.batch._rows import (
    Timing,
    cached_row,
    error_row,
    ok_row,
    pending_row,
    score_rows,
)
from orkit.batch._sink import ResultSink
from orkit.batch._tasks import Task
from orkit.batch._tool_loop import ToolLoop, Turns
from orkit.batch._totals import RunTotals
from orkit.batch._worst_case import WorstCase
from orkit.errors import RunStoppedError
from orkit.results import ResponseCache, ResultRow, ScoreRow, is_deterministic
from orkit.router import Attempt, Outcome, Routes
from orkit.scorers import Scorer
from orkit.types import Clock

__all__ = ["EngineOptions", "RunHooks", "TaskServices", "execute"]


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineOptions:
    workers_per_lane: int = 16
    """The most requests one model can have in flight (the router's caps may allow fewer).
    The lane gets a quarter more coroutines than this: the spare ones wait at the router's
    gate, so a slot freed by an answer is taken at once while the worker that got the
    answer is still journaling it. (With exactly one worker per slot, 64 answers arriving
    together each waited for the recording of the others before the slot was used again.)"""

    progress_every_s: float = 0.5
    """How often an observer with `on_tick` hears from a run whose rows are not ending
    (real time: it is for the person watching)."""

    freeze_gc: bool = True
    """Freeze the objects that exist when the lanes start (`gc.freeze`) until they end, so
    the run's full collections skip them (`_gc.GcFreeze`: a fifth of the time those took
    in a 5,000-task run). The process's collector is left as it was found; off, the engine
    does not touch it. Something else frozen already (by the process, or by a concurrent
    run) is left alone and nothing more is frozen."""

    @property
    def workers(self) -> int:
        return self.workers_per_lane + max(2, self.workers_per_lane // 4)


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskServices:
    """Everything a task may go through besides the router (each optional)."""

    done: Collection[str] = frozenset()
    """Keys already finished by an earlier run (a resume skips them)."""
    cache: ResponseCache | None = None
    budget: Budget | None = None
    worst_case: WorstCase | None = None
    """The most a task, or one attempt of it, could cost (for the budget)."""
    attempt_offsets: Mapping[str, int] = field(default_factory=dict)
    """Attempts already made per task key (a retry numbers its attempts after them)."""
    scorers: Sequence[Scorer] = ()
    """What scores each answer as it is recorded (a judge that needs every answer scores
    after the lanes, outside the engine)."""
    tool_loop: ToolLoop | None = None
    """Answer tool calls with mocks and send again, up to `max_turns` (`_tool_loop`)."""
    cache_pricing: CachePricing | None = None
    """Prices of the rows' prompt-cache columns (None: unknown, the columns stay null)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RunHooks:
    """What a run tells, and does, besides its tasks (each optional)."""

    observer: Observer | None = None
    """Hears the run start, each row, the ticks and the end (progress lines, notebooks)."""
    while_draining: Callable[[], Awaitable[None]] | None = None
    """Work the run must do but no request needs (the manifest's estimate): it starts once
    every lane has handed out its last task and every task left has a slot, and the run
    ends when it does. The event loop then mostly waits for the last answers, so the work
    costs the run next to nothing; before the first request it delayed every request of
    the run, and at the first answer it held back the ramp-up of concurrency."""
    heartbeat: Callable[[], None] | None = None
    """Called with the observer's ticks (every `progress_every_s`) while tasks run: proof
    of life for the run directory."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Context:
    run_id: str
    router: Routes
    sink: ResultSink
    scorers: Sequence[Scorer]
    clock: Clock
    observer: Observer
    services: TaskServices
    asked: dict[str, anyio.Event] = field(default_factory=dict)
    """Cache keys of requests in flight: the same request waits for their answer (a
    repeated prompt is sent once, as the estimate counts it) instead of paying twice."""
    task_started: Callable[[Task], None] | None = None
    """The observer's optional `on_task_start` (per-contestant running counts)."""


async def execute(
    lanes: Sequence[Iterator[Task]],
    *,
    total: int,
    router: Routes,
    sink: ResultSink,
    clock: Clock,
    options: EngineOptions,
    services: TaskServices | None = None,
    hooks: RunHooks | None = None,
) -> RunTotals:
    """Run every task of every lane into `sink`'s run; returns the totals. Rows are
    flushed even on errors. `total` is the number of tasks across the lanes (for the
    observer); `hooks` are what the run does besides its tasks (`RunHooks`)."""
    services = services or TaskServices()
    hooks = hooks or RunHooks()
    observer = hooks.observer
    ctx = _Context(
        run_id=sink.run_id,
        router=router,
        sink=sink,
        scorers=services.scorers,
        clock=clock,
        observer=observer or NullObserver(),
        services=services,
        task_started=getattr(observer, "on_task_start", None),
    )
    ctx.observer.on_start(total, ctx.run_id, router.status)
    status = "failed"
    try:
        drain = _Drain(lanes, slots=options.workers_per_lane * len(lanes))
        with GcFreeze(options.freeze_gc):
            async with anyio.create_task_group() as tg:
                if hooks.while_draining is not None:
                    tg.start_soon(_once_drained, hooks.while_draining, drain.event)
                ticks = _tick_calls(ctx.observer, sink, hooks.heartbeat)
                if ticks:
                    tg.start_soon(_tick, ticks, options.progress_every_s, drain.all_ended)
                for lane in lanes:
                    for _ in range(options.workers):
                        tg.start_soon(_worker, lane, ctx, drain)
        left = sink.totals.all.skipped_budget + sink.totals.all.deferred
        status = "incomplete" if left else "completed"  # (tasks left for a resume)
    except BaseExceptionGroup as group:
        # Several workers may hit the same run-level stop at once (every in-flight request
        # gets the 401): report it once, as itself.
        stop = _first(group, RunStoppedError)
        if stop is not None:
            status = "stopped"
            raise stop from None
        if _cancelled(group):
            status = "cancelled"
        raise
    except (KeyboardInterrupt, anyio.get_cancelled_exc_class()):
        status = "cancelled"  # Ctrl-C, SIGTERM, a notebook's stop: not a failure (resumable)
        raise
    finally:
        sink.flush()
        ctx.observer.on_finish(sink.totals, status)
    return sink.totals


class _Drain:
    """Set `event` once every lane has handed out its last task and no task waits for a
    slot any more (the spare workers hold tasks too: work done while they wait for a slot
    would hold back their sending, and so the end of the run)."""

    def __init__(self, lanes: Sequence[Iterator[Task]], slots: int) -> None:
        self.event = anyio.Event()
        self.all_ended = anyio.Event()
        """Every lane is done and no task is active: the run's tasks are over."""
        self._open = {id(lane) for lane in lanes}
        self._slots = slots
        self.active = 0
        self._check()

    def took(self) -> None:
        self.active += 1

    def ended(self) -> None:
        self.active -= 1
        self._check()

    def lane_done(self, lane: Iterator[Task]) -> None:
        self._open.discard(id(lane))
        self._check()

    def _check(self) -> None:
        if not self._open and self.active <= self._slots and not self.event.is_set():
            self.event.set()
        if not self._open and not self.active:
            self.all_ended.set()


def _tick_calls(
    observer: Observer, sink: ResultSink, heartbeat: Callable[[], None] | None
) -> list[Callable[[], None]]:
    calls = [] if heartbeat is None else [heartbeat]
    on_tick = getattr(observer, "on_tick", None)
    if on_tick is not None:
        calls.append(lambda: on_tick(sink.totals))
    return calls


async def _tick(calls: Sequence[Callable[[], None]], every_s: float, ended: anyio.Event) -> None:
    """Make `calls` every `every_s` seconds until the run's tasks are over."""
    while not ended.is_set():
        with anyio.move_on_after(every_s):
            await ended.wait()
        if not ended.is_set():
            for call in calls:
                call()


async def _once_drained(job: Callable[[], Awaitable[None]], drained: anyio.Event) -> None:
    await drained.wait()
    await job()


async def _worker(lane: Iterator[Task], ctx: _Context, drain: _Drain) -> None:
    # Workers of a lane share one generator; `next()` never awaits, so they cannot collide.
    done = ctx.services.done
    for task in lane:
        if task.key in done:
            continue
        drain.took()
        if ctx.task_started is not None:
            ctx.task_started(task)
        try:
            await _run_task(task, ctx)
        finally:
            drain.ended()
    drain.lane_done(lane)


async def _run_task(task: Task, ctx: _Context) -> None:
    services, clock = ctx.services, ctx.clock
    started = clock.wall()
    # A tool loop's answer is a conversation, not one request's answer: never cached.
    if services.cache is None or services.tool_loop or not is_deterministic(task.request):
        await _send_task(task, ctx, started, None)
        return
    cache, cache_key = services.cache, services.cache.key(task.request, task.repeat)
    while (hit := cache.get(cache_key)) is None and cache_key in ctx.asked:
        await ctx.asked[cache_key].wait()  # then the answer is cached (or, if it failed, not)
    if hit is not None:
        row = cached_row(task, ctx.run_id, hit, Timing(0.0, 0.0, started, clock.wall()))
        _record(ctx, row, score_rows(task, ctx.run_id, row, ctx.scorers))
        return
    ctx.asked[cache_key] = answered = anyio.Event()
    try:
        await _send_task(task, ctx, started, cache_key)
    finally:
        del ctx.asked[cache_key]
        answered.set()


async def _send_task(task: Task, ctx: _Context, started: float, cache_key: str | None) -> None:
    """Reserve the task's worst case against the budget, route it, record the outcome."""
    services = ctx.services
    budget, worst_case = services.budget, services.worst_case
    pay = None
    if budget is not None and worst_case is not None:
        reserved = worst_case.task(task)
        if not await budget.reserve(reserved):
            _record_skipped(task, ctx, started, f"could cost up to {usd(reserved)}")
            return
        pay = AttemptBudget(budget, worst_case.attempt, reserved)
    offset = services.attempt_offsets.get(task.key, 0)
    hooks = TaskAttempts(task, ctx.run_id, ctx.sink, offset=offset, budget=pay)
    turns = None
    try:
        if services.tool_loop is None:
            outcome = await ctx.router.route(task.request, hooks)
        else:
            outcome, turns = await services.tool_loop.route(task, ctx.router, hooks)
    except OverBudget as stop:
        hooks.close(cancelled=False)
        ctx.sink.totals.add_attempts(hooks.attempts)
        _record_skipped(task, ctx, started, f"retry not sent: {stop}", hooks.attempts)
        return
    except BaseException:
        hooks.close(cancelled=True)  # cancelled: a request in flight may yet be billed
        raise
    hooks.close(cancelled=False)
    # The answer freed a slot and woke a spare worker: let it send the next request before
    # this answer is journaled (0.2-1 ms), and never be cancelled in between, or a received
    # answer would go unrecorded and be paid for again by the resume.
    await anyio.lowlevel.cancel_shielded_checkpoint()
    _record_outcome(task, outcome, started, cache_key, ctx, turns)


def _record_skipped(
    task: Task, ctx: _Context, started: float, why: str, attempts: Sequence[Attempt] = ()
) -> None:
    budget = ctx.services.budget
    assert budget is not None
    message = (
        f"not sent: {why}, and {usd(budget.spent_usd)} of the {usd(budget.limit_usd)}"
        " budget is spent"
    )
    timing = Timing(0.0, 0.0, started, ctx.clock.wall())
    row = pending_row(task, ctx.run_id, "skipped_budget", message, timing)
    row["attempts"] = len(attempts) + ctx.services.attempt_offsets.get(task.key, 0)
    ctx.sink.totals.add_billed_attempts(task.model, attempts, None)
    _record(ctx, row)


def _record_outcome(
    task: Task,
    outcome: Outcome,
    started: float,
    cache_key: str | None,
    ctx: _Context,
    turns: Turns | None = None,
) -> None:
    # The attempts themselves were journaled as they ended (`TaskAttempts`).
    timing = Timing(outcome.queue_s, outcome.backoff_s, started, ctx.clock.wall())
    offset = ctx.services.attempt_offsets.get(task.key, 0)
    ctx.sink.totals.add_attempts(outcome.attempts)
    n = len(outcome.attempts) + offset
    if outcome.deferred_until is not None:
        message = f"waiting for quota (resets at {format_reset(outcome.deferred_until)})"
        ctx.sink.totals.note_deferred(outcome.deferred_until)
        ctx.sink.totals.add_billed_attempts(task.model, outcome.attempts, None)
        _record(ctx, pending_row(task, ctx.run_id, "deferred", message, timing))
        return
    if outcome.response is not None:
        response = outcome.response
        row = ok_row(
            task,
            ctx.run_id,
            response,
            timing,
            attempts=n,
            is_fallback=outcome.is_fallback,
            pricing=ctx.services.cache_pricing,
        )
        _add_billed(ctx, task, outcome, row, turns)
        scores = score_rows(task, ctx.run_id, row, ctx.scorers)
        _record(ctx, row, scores)
        if cache_key is not None and ctx.services.cache is not None:
            ctx.services.cache.put(cache_key, response)
        return
    assert outcome.error is not None
    row = error_row(task, ctx.run_id, outcome.error, timing, attempts=n)
    row["served_model"] = outcome.model if outcome.is_fallback else None
    row["is_fallback"] = outcome.is_fallback
    _add_billed(ctx, task, outcome, row, turns)
    _record(ctx, row)


def _add_billed(
    ctx: _Context, task: Task, outcome: Outcome, row: ResultRow, turns: Turns | None
) -> None:
    """Count the task's billed attempts that are not its row's own (a tool loop's row may
    carry several turns' generations: `Turns.settle` fills it in and says which)."""
    if turns is None:
        ctx.sink.totals.add_billed_attempts(task.model, outcome.attempts, row.get("generation_id"))
    else:
        ctx.sink.totals.add_billed_attempts(task.model, turns.settle(row, outcome.attempts), None)


def _record(ctx: _Context, row: ResultRow, scores: Sequence[ScoreRow] = ()) -> None:
    ctx.sink.record(row, scores)
    ctx.observer.on_row(row, ctx.sink.totals)
