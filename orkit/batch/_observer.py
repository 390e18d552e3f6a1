"""What the engine tells whoever watches a run: the observer protocol, and one that ignores
everything. The displays (a tqdm bar, the console's) live in `orkit.progress`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from orkit.batch._totals import RunTotals
from orkit.results import ResultRow

__all__ = ["NullObserver", "Observer", "StatusFn", "format_reset"]

StatusFn = Callable[[], Mapping[str, Any]]


def format_reset(until: float) -> str:
    return datetime.fromtimestamp(until, UTC).strftime("%Y-%m-%d %H:%M UTC")


class Observer(Protocol):
    """Receives engine events on the event-loop thread; must be quick."""

    def on_start(self, total: int, run_id: str, status: StatusFn | None = None) -> None: ...

    def on_row(self, row: ResultRow | None, totals: RunTotals) -> None:
        """A task ended: with its row, or None when it was deferred to a quota reset."""
        ...

    def on_finish(self, totals: RunTotals, status: str) -> None: ...


# An observer may also define `on_tick(totals: RunTotals) -> None`: the engine then calls it
# every `EngineOptions.progress_every_s` while the run goes, rows or not; and
# `on_task_start(task: Task) -> None`, called as each task starts (before its request may
# wait on a limit), and `on_contestants(keys)`, called with the run's (model, prompt_id,
# params_json) keys before it starts (`orkit.progress.ConsoleProgress` uses both).


class NullObserver:
    def on_start(self, total: int, run_id: str, status: StatusFn | None = None) -> None:
        pass

    def on_row(self, row: ResultRow | None, totals: RunTotals) -> None:
        pass

    def on_finish(self, totals: RunTotals, status: str) -> None:
        pass
