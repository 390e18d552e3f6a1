"""A tqdm bar observing a run (the notebook's widget; the console's display is
`orkit.progress._console`).

Besides counts and spend, the bar shows what the router is doing, so a run that waits out
rate limits or retries a failing model never looks stuck: answers ok, errors, requests in
flight, tasks waiting (on limits, backoffs or an open breaker), 429s seen, and tasks
deferred to a quota reset. That line is redrawn at most every `refresh_s` seconds of wall
time, from the first second: on rows as they end, and on the engine's ticks (`on_tick`)
while none do — a run whose first rows take minutes to fail still shows what it does.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from orkit.batch import RunTotals, StatusFn, format_reset
from orkit.progress._lines import cost_text
from orkit.results import ResultRow

__all__ = ["TqdmObserver", "status_line"]


class _ConsoleLogsAboveBars:
    """Console logging goes through `tqdm.write` while any bar is drawn.

    A log record written while a bar is drawn (a local server's switch to unstreamed
    requests) would go on at the end of the bar's line; `tqdm.write` clears the bar, writes
    the record on a line of its own and redraws the bar below it. Only console handlers are
    redirected (the root's, or Python's last-resort one); a log file is left as it is.
    Counted, because runs overlap (two sweeps on one notebook's loop): the handlers found by
    the first bar are put back when the last one ends, whichever order they end in.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bars = 0
        self._redirect = ExitStack()

    def acquire(self, tqdm_class: Any) -> None:
        from tqdm.contrib.logging import logging_redirect_tqdm

        with self._lock:
            if self._bars == 0:
                self._redirect = ExitStack()
                self._redirect.enter_context(logging_redirect_tqdm(tqdm_class=tqdm_class))
            self._bars += 1

    def release(self) -> None:
        with self._lock:
            self._bars -= 1
            if self._bars == 0:
                self._redirect.close()


_console_logs_above_bars = _ConsoleLogsAboveBars()


class TqdmObserver:
    """One bar for the whole run; its status line is refreshed on time, not on row counts."""

    def __init__(
        self,
        *,
        desc: str = "orkit",
        file: Any = None,
        refresh_s: float = 0.5,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._desc = desc
        self._file = file if file is not None else sys.stderr
        self._bar: Any = None
        self._status: StatusFn | None = None
        self._refresh_s = refresh_s
        self._now = now
        self._next_line = 0.0
        self._holds_logs = False

    def on_start(self, total: int, run_id: str, status: StatusFn | None = None) -> None:
        from tqdm.auto import tqdm

        self._status = status
        self._bar = tqdm(
            total=total,
            desc=self._desc,
            unit="task",
            file=self._file,
            dynamic_ncols=True,
            mininterval=0.25,
            smoothing=0.1,
        )
        self._next_line = 0.0
        if not self._holds_logs:
            _console_logs_above_bars.acquire(type(self._bar))
            self._holds_logs = True

    def on_row(self, row: ResultRow | None, totals: RunTotals) -> None:
        if self._bar is None:
            return
        self._bar.update(1)
        # A clock read per row is cheap; formatting the line per row (1,500 a second) is not.
        if self._now() >= self._next_line:
            self._set_postfix(totals, refresh=False)

    def on_tick(self, totals: RunTotals) -> None:
        """No row may have ended for a while (a failing model in backoff): redraw anyway."""
        if self._bar is not None and self._now() >= self._next_line:
            self._set_postfix(totals, refresh=True)

    @property
    def status_line(self) -> str:
        """The line as last drawn (for tests and notebooks)."""
        return "" if self._bar is None else str(self._bar.postfix or "")

    def _set_postfix(self, totals: RunTotals, *, refresh: bool) -> None:
        self._next_line = self._now() + self._refresh_s
        self._bar.set_postfix_str(status_line(totals, self._status), refresh=refresh)

    def on_finish(self, totals: RunTotals, status: str) -> None:
        if self._bar is not None:
            if status != "completed":  # cancelled, incomplete, stopped, failed: said on the bar
                self._bar.set_description_str(f"{self._desc} ({status})", refresh=False)
            self._set_postfix(totals, refresh=False)
            self._bar.close()
            self._bar = None
        if self._holds_logs:
            self._holds_logs = False
            _console_logs_above_bars.release()


def status_line(totals: RunTotals, status: StatusFn | None) -> str:
    """`ok=… err=… inflight=… waiting=…` then 429s, deferred tasks and spend, as known."""
    t = totals.all
    s = status() if status is not None else {}
    parts = [
        f"ok={t.ok}",
        f"err={t.errors}",
        f"inflight={s.get('in_flight', 0)}",
        f"waiting={s.get('waiting', 0)}",
    ]
    if t.rate_limited:
        parts.append(f"429s={t.rate_limited}")
    if t.deferred and totals.deferred_until:
        parts.append(f"deferred={t.deferred} (quota resets {format_reset(totals.deferred_until)})")
    parts.append(cost_text(t))
    return " ".join(parts)
