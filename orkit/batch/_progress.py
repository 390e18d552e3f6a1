"""Progress observers: a tqdm bar on stderr (or in a notebook), or nothing.

Besides counts and spend, the bar shows what the router is doing, so a run that waits out
rate limits never looks stuck: requests in flight, requests waiting on limits, 429s seen,
and tasks deferred to a quota reset.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from orkit.batch._totals import RunTotals

__all__ = ["NullObserver", "Observer", "TqdmObserver", "format_reset"]

StatusFn = Callable[[], Mapping[str, Any]]


def format_reset(until: float) -> str:
    return datetime.fromtimestamp(until, UTC).strftime("%Y-%m-%d %H:%M UTC")


class Observer(Protocol):
    """Receives engine events on the event-loop thread; must be quick."""

    def on_start(self, total: int, run_id: str, status: StatusFn | None = None) -> None: ...

    def on_row(self, row: Mapping[str, Any] | None, totals: RunTotals) -> None:
        """A task ended: with its row, or None when it was deferred to a quota reset."""
        ...

    def on_finish(self, totals: RunTotals, status: str) -> None: ...


class NullObserver:
    def on_start(self, total: int, run_id: str, status: StatusFn | None = None) -> None:
        pass

    def on_row(self, row: Mapping[str, Any] | None, totals: RunTotals) -> None:
        pass

    def on_finish(self, totals: RunTotals, status: str) -> None:
        pass


class TqdmObserver:
    """One bar for the whole run; its postfix is refreshed every few rows."""

    _POSTFIX_EVERY = 25  # rows; formatting the postfix on every row costs more than it shows

    def __init__(self, *, desc: str = "orkit", file: Any = None) -> None:
        self._desc = desc
        self._file = file if file is not None else sys.stderr
        self._bar: Any = None
        self._status: StatusFn | None = None
        self._n = 0

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

    def on_row(self, row: Mapping[str, Any] | None, totals: RunTotals) -> None:
        if self._bar is None:
            return
        self._n += 1
        self._bar.update(1)
        if self._n % self._POSTFIX_EVERY == 0:
            self._set_postfix(totals)

    def _set_postfix(self, totals: RunTotals) -> None:
        t = totals.all
        parts = [f"ok={t.ok}", f"err={t.errors}"]
        if self._status is not None:
            s = self._status()
            parts.append(f"inflight={s.get('in_flight', 0)}")
            if s.get("waiting"):
                parts.append(f"waiting={s['waiting']}")
        if t.rate_limited:
            parts.append(f"429s={t.rate_limited}")
        if t.deferred and totals.deferred_until:
            parts.append(
                f"deferred={t.deferred} (quota resets {format_reset(totals.deferred_until)})"
            )
        parts.append(f"${t.cost_usd:.4f}")
        self._bar.set_postfix_str(" ".join(parts), refresh=False)

    def on_finish(self, totals: RunTotals, status: str) -> None:
        if self._bar is not None:
            self._set_postfix(totals)
            self._bar.close()
            self._bar = None
