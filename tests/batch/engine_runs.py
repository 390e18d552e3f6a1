"""A sweep of one task through the engine, with a stand-in for the client: what the tests of
the progress display, the heartbeat and cancellation share."""

from __future__ import annotations

from typing import Any

from orkit import Sweep
from orkit._clock import SystemClock
from orkit.batch._engine import EngineOptions, RunHooks, execute
from orkit.batch._sink import ResultSink
from orkit.batch._totals import RunTotals
from orkit.plan._assemble import plan_sweep
from orkit.results import Journal, RunDir
from orkit.router import Router, RouterOptions


async def execute_one(
    client: Any,
    sweep: Sweep,
    run: RunDir,
    *,
    options: EngineOptions | None = None,
    **kw: Any,
) -> RunTotals:
    """`execute` the one task of `sweep` into `run`, sending through `client` (anything with
    `complete`); `kw` are its `RunHooks` (`observer`, `heartbeat`). One worker by default."""
    journal = Journal(run.journal_path)
    try:
        return await execute(
            plan_sweep(sweep).lanes(),
            total=1,
            router=Router(client, RouterOptions()),
            sink=ResultSink(run, journal),
            clock=SystemClock(),
            options=options or EngineOptions(workers_per_lane=1),
            hooks=RunHooks(**kw),
        )
    finally:
        journal.close()
