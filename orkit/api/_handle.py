"""`RunHandle`: a run going on in the background (`Sweep.start()`), on orkit's own event-loop
thread (`orkit._portal`), so the caller's thread (a notebook's cells, its loop) stays free.

`cancel()` stops the run as Ctrl-C does: its task is cancelled, the engine flushes the rows
so far and marks the run `cancelled` as it unwinds, and `orkit.resume` finishes it (tasks
with a row are not sent again).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import pandas as pd

from orkit._portal import Background, start_background
from orkit.api._execute import run_sweep_async
from orkit.api._progress import ObserverTee, ProgressRecorder, RunProgress
from orkit.api._run import Run
from orkit.batch import Observer
from orkit.cost import Estimate
from orkit.errors import RunInterrupted
from orkit.plan import Endpoint, Plan
from orkit.progress import RunDashboard, settle_display
from orkit.results import RunDir, read_landed_results, typed_pandas

if TYPE_CHECKING:
    from orkit.plan import SweepDefinition

__all__ = ["RunHandle", "start_run"]


class _Control:
    """The run's cancel scope, touched on the loop thread only (`Background.call_soon`)."""

    def __init__(self) -> None:
        self.scope: anyio.CancelScope | None = None
        self.cancel_asked = False

    def cancel(self) -> None:
        self.cancel_asked = True
        if self.scope is not None:
            self.scope.cancel()


async def _run(
    sweep: SweepDefinition,
    run_id: str,
    prepared: tuple[Plan, Endpoint, int],
    observer: Observer,
    control: _Control,
    estimate: Estimate | None,
    provision_key: float | None = None,
) -> Path | None:
    """The run's directory, or None when it was cancelled (its manifest then says so)."""
    with anyio.CancelScope() as scope:
        control.scope = scope
        if control.cancel_asked:  # cancelled before the task began
            scope.cancel()
        run = await run_sweep_async(
            sweep,
            observer=observer,
            run_id=run_id,
            prepared=prepared,
            estimate=estimate,
            provision_key=provision_key,
        )
        return run.path
    return None


class RunHandle:
    """A run started with `Sweep.start()`: watch it (`progress`, `results()`), stop it
    (`cancel()`), or wait for it (`wait()`). Every method may be called from any thread."""

    def __init__(
        self,
        path: Path,
        task: Background[Path | None],
        recorder: ProgressRecorder,
        control: _Control,
        dashboard: RunDashboard | None = None,
    ) -> None:
        self.path = path
        """The run directory (made once the run begins: `results()` is empty until then)."""
        self._task = task
        self._recorder = recorder
        self._control = control
        self.dashboard = dashboard
        """The notebook's `RunDashboard` of this run (None outside a notebook, or with
        `progress=False`): `display(handle.dashboard)` shows it again in another cell."""

    @property
    def run_id(self) -> str:
        return self.path.name

    @property
    def done(self) -> bool:
        """The run has ended (completed, or cancelled, stopped, failed)."""
        return self._task.future.done()

    @property
    def progress(self) -> RunProgress:
        """Counts, spend, elapsed time and rate at this moment (cheap: no disk read)."""
        return self._recorder.snapshot()

    def cancel(self) -> None:
        """Stop the run as Ctrl-C does: the rows so far are kept, the run is marked
        `cancelled` and `orkit.resume(handle.path)` finishes it. Returns at once (`wait()`
        for the end); nothing happens once the run has ended."""
        self._task.call_soon(self._control.cancel)

    def wait(self, timeout: float | None = None) -> Run:
        """Wait for the end of the run and return it (its `status` says how it ended:
        `cancelled` after `cancel()`). A run that failed raises its error here; one
        cancelled before it began (nothing sent) raises `RunInterrupted`. `timeout`
        (seconds): `TimeoutError` if it has not ended by then. Ctrl-C stops the waiting,
        not the run (`cancel()` does that)."""
        path = self._task.future.result(timeout)
        if path is not None:
            return Run(path)
        if not (self.path / "manifest.json").is_file():
            message = "run cancelled before it began: nothing was sent"
            raise RunInterrupted(message, None)
        return Run(self.path)

    def when_done(self, callback: Callable[[RunHandle], None]) -> None:
        """Call `callback(handle)` once the run has ended (at once if it has), on the
        thread that ends it: keep it short (a widget's text, an event)."""
        self._task.future.add_done_callback(lambda _future: callback(self))

    def results(self) -> pd.DataFrame:
        """The results rows landed so far, one per task, typed as `Run.to_pandas()` types
        them (read from the run directory: its part files and its journal)."""
        return typed_pandas(read_landed_results(RunDir(self.path)))

    def __repr__(self) -> str:
        p = self.progress
        return f"RunHandle({str(self.path)!r}, {p.status}, {p.done}/{p.total} tasks)"


def start_run(
    sweep: SweepDefinition,
    run_id: str,
    prepared: tuple[Plan, Endpoint, int],
    display: Observer | None,
    *,
    estimate: Estimate | None = None,
    provision_key: float | None = None,
) -> RunHandle:
    """Start `sweep` (checked: `prepared`) on the portal's loop and return its handle; a
    dashboard among the displays gets the handle's `cancel` for its button."""
    recorder = ProgressRecorder()
    observer = ObserverTee([recorder] if display is None else [recorder, display])
    control = _Control()
    task = start_background(
        _run, sweep, run_id, prepared, observer, control, estimate, provision_key
    )
    dashboard = display if isinstance(display, RunDashboard) else None
    handle = RunHandle(Path(sweep.out) / run_id, task, recorder, control, dashboard)
    if dashboard is not None:
        dashboard.attach_cancel(handle.cancel)
        task.future.add_done_callback(partial(_settle, dashboard))
    return handle


def _settle(dashboard: RunDashboard, future: Future[Path | None]) -> None:
    error = None if future.cancelled() else future.exception()
    settle_display(dashboard, error)
