"""Progress observers: a tqdm bar on stderr, or nothing."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, Protocol

from orkit.batch._totals import RunTotals

__all__ = ["NullObserver", "Observer", "TqdmObserver"]


class Observer(Protocol):
    """Receives engine events on the event-loop thread; must be quick."""

    def on_start(self, total: int, run_id: str) -> None: ...

    def on_row(self, row: Mapping[str, Any], totals: RunTotals) -> None: ...

    def on_finish(self, totals: RunTotals, status: str) -> None: ...


class NullObserver:
    def on_start(self, total: int, run_id: str) -> None:
        pass

    def on_row(self, row: Mapping[str, Any], totals: RunTotals) -> None:
        pass

    def on_finish(self, totals: RunTotals, status: str) -> None:
        pass


class TqdmObserver:
    """One bar for the whole run, with ok/error counts and spend in its postfix."""

    _POSTFIX_EVERY = 25  # rows; formatting the postfix on every row costs more than the request

    def __init__(self, *, desc: str = "orkit", file: Any = None) -> None:
        self._desc = desc
        self._file = file if file is not None else sys.stderr
        self._bar: Any = None
        self._n = 0

    def on_start(self, total: int, run_id: str) -> None:
        from tqdm.auto import tqdm

        self._bar = tqdm(
            total=total,
            desc=self._desc,
            unit="task",
            file=self._file,
            dynamic_ncols=True,
            mininterval=0.25,
            smoothing=0.1,
        )

    def on_row(self, row: Mapping[str, Any], totals: RunTotals) -> None:
        if self._bar is None:
            return
        self._n += 1
        self._bar.update(1)
        if self._n % self._POSTFIX_EVERY == 0:
            self._set_postfix(totals)

    def _set_postfix(self, totals: RunTotals) -> None:
        t = totals.all
        self._bar.set_postfix_str(f"ok={t.ok} err={t.errors} ${t.cost_usd:.4f}", refresh=False)

    def on_finish(self, totals: RunTotals, status: str) -> None:
        if self._bar is not None:
            self._set_postfix(totals)
            self._bar.close()
            self._bar = None
