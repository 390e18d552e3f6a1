"""The progress line: ok / errors / in flight / waiting from the first second, redrawn on
time (not every N rows), and cheap per row."""

from __future__ import annotations

import io
import os
from pathlib import Path

import anyio

from orkit import Sweep
from orkit.batch._engine import EngineOptions
from orkit.batch._totals import RunTotals
from orkit.progress import TqdmObserver
from orkit.results import ResultRow, RunDir, touch_lock
from orkit.types import ChatRequest, ChatResponse

from .engine_runs import execute_one


class Ticks:
    """A hand-moved monotonic clock for the observer."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def row(status: str) -> ResultRow:
    return {"model": "a/x", "status": status, "cost_usd": None}


def test_the_line_is_redrawn_on_time_not_per_row() -> None:
    clock = Ticks()
    obs = TqdmObserver(file=io.StringIO(), refresh_s=0.5, now=clock)
    totals = RunTotals()
    obs.on_start(100, "r", lambda: {"in_flight": 3, "waiting": 7})
    assert obs.status_line == ""
    for _ in range(10):
        r = row("error")
        totals.add(r)
        obs.on_row(r, totals)
    # drawn at the first row, then not again within half a second
    assert obs.status_line.startswith("ok=0 err=1 inflight=3 waiting=7")
    clock.t = 0.6
    totals.add(row("ok"))
    obs.on_row(row("ok"), totals)
    assert obs.status_line.startswith("ok=1 err=10 inflight=3 waiting=7")
    obs.on_finish(totals, "completed")


def test_a_tick_draws_the_line_before_any_row_ends() -> None:
    clock = Ticks()
    obs = TqdmObserver(file=io.StringIO(), refresh_s=0.5, now=clock)
    obs.on_start(20, "r", lambda: {"in_flight": 0, "waiting": 20})
    obs.on_tick(RunTotals())
    assert obs.status_line == "ok=0 err=0 inflight=0 waiting=20 $0"
    obs.on_finish(RunTotals(), "completed")


def test_the_heartbeat_beats_while_a_task_runs(tmp_path: Path) -> None:
    """The run's proof of life (its lock file's time, for a killed run's wall time) is
    renewed while tasks run, with or without a progress display."""
    beat = anyio.Event()

    class Held:
        async def complete(self, request: ChatRequest) -> ChatResponse:
            with anyio.fail_after(60):
                await beat.wait()
            return ChatResponse(generation_id="g", model=request.model, provider="P", content="4")

    data = tmp_path / "items.jsonl"
    data.write_text('{"q": "2 + 2"}\n')
    sweep = Sweep(dataset=str(data), prompt="{{ q }}", models=["a/x"], endpoint="sim")
    run = RunDir.create(tmp_path / "runs", "r")
    (run.path / ".lock").write_text("1")
    os.utime(run.path / ".lock", (1_000_000.0, 1_000_000.0))

    def heartbeat() -> None:
        touch_lock(run.path)
        beat.set()

    async def go() -> RunTotals:
        options = EngineOptions(workers_per_lane=1, progress_every_s=0.01)
        return await execute_one(Held(), sweep, run, options=options, heartbeat=heartbeat)

    assert anyio.run(go).all.ok == 1
    assert (run.path / ".lock").stat().st_mtime > 1_000_000.0


def test_the_engine_ticks_while_no_row_ends(tmp_path: Path) -> None:
    """The only task's answer waits for the observer's first tick: the line was drawn while
    nothing had ended (no timing guess: the test hangs, bounded, if no tick comes)."""
    ticked = anyio.Event()
    lines: list[str] = []

    class Held:
        async def complete(self, request: ChatRequest) -> ChatResponse:
            with anyio.fail_after(60):
                await ticked.wait()
            return ChatResponse(generation_id="g", model=request.model, provider="P", content="4")

    class Watching(TqdmObserver):
        def on_tick(self, totals: RunTotals) -> None:
            super().on_tick(totals)
            lines.append(self.status_line)
            ticked.set()

    data = tmp_path / "items.jsonl"
    data.write_text('{"q": "2 + 2"}\n')
    sweep = Sweep(dataset=str(data), prompt="{{ q }}", models=["a/x"], endpoint="sim")
    observer = Watching(file=io.StringIO(), refresh_s=0.0)

    async def go() -> RunTotals:
        run = RunDir.create(tmp_path / "runs", "r")
        options = EngineOptions(workers_per_lane=1, progress_every_s=0.01)
        return await execute_one(Held(), sweep, run, options=options, observer=observer)

    totals = anyio.run(go)
    assert totals.all.ok == 1
    assert lines and lines[0].startswith("ok=0 err=0 inflight=1 waiting=0")
