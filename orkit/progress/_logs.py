"""Console log records go above a redrawn progress display, never onto it.

A record written while a bar is drawn (a local server's switch to unstreamed requests)
would go on at the end of the bar's line. While any display is drawn on a terminal, each
console handler (the root's handlers writing to stdout/stderr, or Python's last-resort one
when the root has none) is wrapped: the wrapper clears the displays, lets the handler
write the record as it would have (its level, filters and format), and redraws them below.
A log file is left as it is. Counted, because runs overlap (two sweeps on one notebook's
loop): the handlers found by the first display are put back when the last one ends,
whichever order they end in.
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import Protocol

__all__ = ["Redrawn", "logs_above_displays"]


class Redrawn(Protocol):
    def clear(self) -> None: ...

    def redraw(self) -> None: ...


class _AboveTheDisplays(logging.Handler):
    def __init__(self, inner: logging.Handler, displays: list[Redrawn]) -> None:
        super().__init__(inner.level)
        self.inner = inner
        self._displays = displays

    def handle(self, record: logging.LogRecord) -> bool:
        # The inner handler filters, formats and locks for itself.
        displays = list(self._displays)
        for display in displays:
            display.clear()
        try:
            return bool(self.inner.handle(record))
        finally:
            for display in displays:
                display.redraw()

    def emit(self, record: logging.LogRecord) -> None:  # pragma: no cover - handle() does it
        self.inner.emit(record)


def _is_console(handler: logging.Handler) -> bool:
    return (
        isinstance(handler, logging.StreamHandler)
        and not isinstance(handler, logging.FileHandler)
        and handler.stream in (sys.stdout, sys.stderr)
    )


class _LogsAboveDisplays:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._displays: list[Redrawn] = []
        self._saved: list[logging.Handler] | None = None

    def acquire(self, display: Redrawn) -> None:
        with self._lock:
            if not self._displays:
                root = logging.root
                self._saved = list(root.handlers)
                if root.handlers:
                    root.handlers = [
                        _AboveTheDisplays(h, self._displays) if _is_console(h) else h
                        for h in root.handlers
                    ]
                elif logging.lastResort is not None:
                    root.handlers = [_AboveTheDisplays(logging.lastResort, self._displays)]
            self._displays.append(display)

    def release(self, display: Redrawn) -> None:
        with self._lock:
            if display in self._displays:
                self._displays.remove(display)
            if not self._displays and self._saved is not None:
                logging.root.handlers = self._saved
                self._saved = None


logs_above_displays = _LogsAboveDisplays()
