"""What a run handle reads while the run goes: `RunProgress`, a frozen snapshot, and the
observer that keeps it (beside whichever display the run draws).

The engine calls observers on the loop thread; `RunHandle.progress` is read from any other.
So the recorder never hands out the engine's live totals: each row replaces one tuple of
counts (one atomic assignment, a few hundred nanoseconds), and the router's in-flight and
waiting counts are sampled on the engine's ticks (twice a second), where reading them is
safe. Reading a snapshot is building one small dataclass from those.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from orkit.batch import ModelTotals, Observer, RunTotals, StatusFn, Task
from orkit.results import ResultRow

__all__ = ["ObserverTee", "ProgressRecorder", "RunProgress"]


@dataclass(frozen=True, slots=True)
class RunProgress:
    """A run's progress at one moment (`RunHandle.progress`). Counts are this execution's
    tasks; unknown is None, never 0."""

    status: str
    """`starting` (checks, before the first task), `running`, then how the run ended:
    `completed`, `incomplete`, `cancelled`, `stopped` or `failed`."""
    total: int
    """Tasks the run will do (0 while starting)."""
    done: int
    """Tasks with a row (any status)."""
    ok: int
    errors: int
    cached: int
    """Rows answered from the response cache (counted in `ok` too)."""
    skipped: int
    """Tasks not sent because they could have passed the budget (a resume does them)."""
    deferred: int
    """Tasks left for a daily quota's reset (a resume does them)."""
    spend_usd: float | None
    """Known cost so far; None while nothing is known (`cost_unknown` counts the rest)."""
    cost_unknown: int
    in_flight: int
    """Requests on the wire (sampled twice a second)."""
    waiting: int
    """Tasks held by a rate limit, a backoff or an open breaker (sampled likewise)."""
    elapsed_s: float
    """Seconds since the first task could start (stopped at the end)."""

    @property
    def tasks_per_s(self) -> float | None:
        """Tasks done per second so far; None before a measurable time has passed."""
        return self.done / self.elapsed_s if self.elapsed_s > 0 else None

    @property
    def fraction(self) -> float:
        """`done / total` (0 while the total is not known)."""
        return self.done / self.total if self.total else 0.0


_Counts = tuple[int, int, int, int, int, int, float | None, int]
_NONE: _Counts = (0, 0, 0, 0, 0, 0, None, 0)


def _counts(t: ModelTotals) -> _Counts:
    unknown = t.cost_unknown_rows + t.billed_attempts_unknown
    return (t.tasks, t.ok, t.errors, t.cached, t.skipped_budget, t.deferred, t.cost_usd, unknown)


class ProgressRecorder:
    """An engine observer that keeps what `RunProgress` shows, readable from any thread."""

    def __init__(self, *, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._status = "starting"
        self._total = 0
        self._counts = _NONE
        self._live = (0, 0)
        self._router: StatusFn | None = None
        self._started: float | None = None
        self._ended: float | None = None

    def on_start(self, total: int, run_id: str, status: StatusFn | None = None) -> None:
        self._router = status
        self._total = total
        self._started = self._now()
        self._status = "running"
        self._sample()

    def on_row(self, row: ResultRow | None, totals: RunTotals) -> None:
        self._counts = _counts(totals.all)  # one assignment: a reader sees all or none of it

    def on_tick(self, totals: RunTotals) -> None:
        self._counts = _counts(totals.all)
        self._sample()

    def on_finish(self, totals: RunTotals, status: str) -> None:
        self._counts = _counts(totals.all)
        self._live = (0, 0)
        self._ended = self._now()
        self._status = status

    def _sample(self) -> None:
        status = self._router() if self._router is not None else {}
        self._live = (int(status.get("in_flight", 0) or 0), int(status.get("waiting", 0) or 0))

    def snapshot(self) -> RunProgress:
        done, ok, errors, cached, skipped, deferred, spend, unknown = self._counts
        in_flight, waiting = self._live
        started, ended = self._started, self._ended
        elapsed = 0.0 if started is None else (ended or self._now()) - started
        return RunProgress(
            status=self._status,
            total=self._total,
            done=done,
            ok=ok,
            errors=errors,
            cached=cached,
            skipped=skipped,
            deferred=deferred,
            spend_usd=spend,
            cost_unknown=unknown,
            in_flight=in_flight,
            waiting=waiting,
            elapsed_s=max(0.0, elapsed),
        )


class ObserverTee:
    """Several observers as one: every event goes to each that takes it. The optional
    per-task and per-contestant events exist on the tee only when one of its observers
    takes them: the engine calls `on_task_start` per task only if it is there."""

    on_task_start: Callable[[Task], None]
    on_contestants: Callable[[Any], None]

    def __init__(self, observers: Sequence[Observer]) -> None:
        self._observers = tuple(observers)
        self._rows = tuple(o.on_row for o in self._observers)
        self._ticks = _methods(self._observers, "on_tick")
        starts = _methods(self._observers, "on_task_start")
        if starts:
            self.on_task_start = _fan_out(starts)
        contestants = _methods(self._observers, "on_contestants")
        if contestants:
            self.on_contestants = _fan_out(contestants)

    def on_start(self, total: int, run_id: str, status: StatusFn | None = None) -> None:
        for o in self._observers:
            o.on_start(total, run_id, status)

    def on_row(self, row: ResultRow | None, totals: RunTotals) -> None:
        for on_row in self._rows:
            on_row(row, totals)

    def on_tick(self, totals: RunTotals) -> None:
        for on_tick in self._ticks:
            on_tick(totals)

    def on_finish(self, totals: RunTotals, status: str) -> None:
        for o in self._observers:
            o.on_finish(totals, status)


def _methods(observers: Sequence[Observer], name: str) -> list[Callable[..., None]]:
    return [m for m in (getattr(o, name, None) for o in observers) if m is not None]


def _fan_out(methods: Sequence[Callable[..., None]]) -> Callable[..., None]:
    if len(methods) == 1:
        return methods[0]

    def each(*args: Any) -> None:
        for method in methods:
            method(*args)

    return each
