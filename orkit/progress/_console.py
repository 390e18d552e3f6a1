"""The console progress display: a bar redrawn in place on a terminal, plain periodic
lines anywhere else, optionally with one line per contestant.

Redrawn (`bar`): the run's line (and, `detailed`, the contestants' lines below it) is
rewritten in place with `\\r` and cursor-up at most every `refresh_s`, fitted to the
terminal's width (less one cell, so no terminal wraps it) and, on a tall display, to its
height (lines scrolled off could not be redrawn). Console log records are written above
it (`_progress_logs`). Plain: a line every `plain_every_s` seconds, one at the start and
one at the end, with no `\\r` and no escape codes, for a log file or a CI job.
Colour only where it can be seen: a terminal, unless NO_COLOR is set (no-color.org);
FORCE_COLOR turns it on anywhere. Time comes from `now` (a fake clock in tests).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO

from orkit.batch import RunTotals, StatusFn, Task, format_reset
from orkit.errors import ConfigError
from orkit.progress._board import RunPlan
from orkit.progress._contestants import ContestantKey, Contestants, key_of
from orkit.progress._dashboard import RunDashboard
from orkit.progress._lines import Snapshot, contestant_lines, run_line
from orkit.progress._logs import logs_above_displays
from orkit.progress._tqdm import TqdmObserver
from orkit.results import ResultRow

__all__ = [
    "PROGRESS_MODES",
    "ConsoleProgress",
    "colour_wanted",
    "progress_observer",
    "terminal_size",
]

PROGRESS_MODES = ("auto", "bar", "plain", "detailed", "none")
"""`auto`: a bar on a terminal (a notebook's own bar in Jupyter), plain lines elsewhere;
`detailed`: the same plus one line per contestant; `none`: nothing."""

DEFAULT_WIDTH = 80
"""The width when nothing says otherwise (not a terminal, no COLUMNS)."""
MAX_WIDTH = 120
"""A wider terminal still gets a line this long: past it, a longer bar says nothing more."""
MAX_CONTESTANT_LINES = 12


def _set(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "") not in ("", "0")


def _is_terminal(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except ValueError:  # a closed stream
        return False


def colour_wanted(stream: Any, env: Mapping[str, str]) -> bool:
    """NO_COLOR (set and not empty, per no-color.org) wins; then FORCE_COLOR; else
    colour on a terminal that is not `TERM=dumb`."""
    if env.get("NO_COLOR", ""):
        return False
    if _set(env, "FORCE_COLOR"):
        return True
    return _is_terminal(stream) and env.get("TERM") != "dumb"


def terminal_size(stream: Any, env: Mapping[str, str]) -> tuple[int, int | None]:
    """(columns, lines or None): COLUMNS/LINES when set, else the stream's terminal, else
    80 columns and no height."""
    columns: int | None = None
    lines: int | None = None
    if _is_terminal(stream):
        try:
            size = os.get_terminal_size(stream.fileno())
            columns, lines = size.columns or None, size.lines or None
        except (AttributeError, OSError, ValueError):
            pass
    for name in ("COLUMNS", "LINES"):
        value = env.get(name, "")
        if value.isdigit() and int(value) > 0:
            if name == "COLUMNS":
                columns = int(value)
            else:
                lines = int(value)
    return min(columns or DEFAULT_WIDTH, MAX_WIDTH), lines


class ConsoleProgress:
    """An engine observer drawing the run on a text stream (stderr by default)."""

    def __init__(
        self,
        *,
        name: str = "orkit",
        stream: TextIO | None = None,
        redraw: bool,
        detailed: bool = False,
        colour: bool = False,
        width: int | None = None,
        refresh_s: float = 0.25,
        plain_every_s: float = 10.0,
        max_contestants: int = MAX_CONTESTANT_LINES,
        now: Callable[[], float] = time.monotonic,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._name = name
        self._stream: TextIO = stream if stream is not None else sys.stderr
        self._redraw = redraw
        self._detailed = detailed
        self._colour = colour
        self._width = width
        self._every = refresh_s if redraw else plain_every_s
        self._max_contestants = max_contestants
        self._now = now
        self._env = env if env is not None else os.environ
        self._lock = threading.RLock()
        self._contestants = Contestants()
        self._status: StatusFn | None = None
        self._total = 0
        self._started = 0.0
        self._next_draw = 0.0
        self._totals = RunTotals()
        self._finished: str | None = None
        self._on_screen = 0
        """Lines of the redrawn display now on the screen (0: none, or cleared)."""
        self._holds_logs = False
        self.lines: list[str] = []
        """The lines as last drawn (for tests and notebooks)."""

    # ------------------------------------------------------------------ engine events

    def on_contestants(self, keys: Iterable[ContestantKey]) -> None:
        """The run's contestants, before it starts (their labels are made from all)."""
        self._contestants.expect(keys)

    def on_start(self, total: int, run_id: str, status: StatusFn | None = None) -> None:
        self._status = status
        self._total = total
        self._started = self._now()
        self._finished = None
        self._totals = RunTotals()
        if self._redraw and not self._holds_logs:
            logs_above_displays.acquire(self)
            self._holds_logs = True
        self._draw()

    def on_task_start(self, task: Task) -> None:
        self._contestants.started((task.model, task.prompt_id, task.params_json))

    def on_row(self, row: ResultRow | None, totals: RunTotals) -> None:
        self._totals = totals
        if row is not None:
            self._contestants.ended(key_of(row), str(row.get("status")))
        # A clock read per row is cheap; formatting the lines per row (1,500 a second) is not.
        if self._now() >= self._next_draw:
            self._draw()

    def on_tick(self, totals: RunTotals) -> None:
        """No row may have ended for a while (a failing model in backoff): draw anyway."""
        self._totals = totals
        if self._now() >= self._next_draw:
            self._draw()

    def on_finish(self, totals: RunTotals, status: str) -> None:
        self._totals = totals
        self._finished = status
        with self._lock:
            self._draw()
            if self._redraw and self._on_screen:
                self._write("\n")  # the last state stays, and what follows starts below it
            self._on_screen = 0
        if self._holds_logs:
            self._holds_logs = False
            logs_above_displays.release(self)

    # ------------------------------------------------------------------ log records

    def clear(self) -> None:
        """Take the redrawn lines off the screen (a log record is about to be written)."""
        with self._lock:
            if self._on_screen:
                self._write(self._back() + "\x1b[J")
                self._on_screen = 0

    def redraw(self) -> None:
        """Put the lines back after a log record."""
        with self._lock:
            if self.lines and self._finished is None:
                self._show(self.lines)

    # ------------------------------------------------------------------ drawing

    def _size(self) -> tuple[int, int | None]:
        if self._width is not None:
            return self._width, None
        columns, lines = terminal_size(self._stream, self._env)
        # One cell short on a terminal: a line that fills it may wrap on some terminals,
        # and a wrapped line breaks the cursor-up redraw.
        return (columns - 1 if self._redraw and _is_terminal(self._stream) else columns), lines

    def _snapshot(self) -> Snapshot:
        t = self._totals
        return Snapshot(
            name=self._name,
            total=self._total,
            totals=t.all,
            status=self._status() if self._status is not None else {},
            elapsed_s=self._now() - self._started,
            deferred_until=format_reset(t.deferred_until) if t.deferred_until else None,
            finished=self._finished,
        )

    def render(self) -> list[str]:
        """The lines the display would draw now."""
        width, height = self._size()
        lines = [run_line(self._snapshot(), width, colour=self._colour, bar=self._redraw)]
        if self._detailed:
            room = self._max_contestants
            if self._redraw and height is not None:
                room = min(room, height - 2)
            lines += contestant_lines(
                self._contestants.rows(), width, colour=self._colour, max_lines=room
            )
        return lines

    def _draw(self) -> None:
        with self._lock:
            self._next_draw = self._now() + self._every
            self.lines = self.render()
            if self._redraw:
                self._show(self.lines)
            else:
                self._write("".join(line + "\n" for line in self.lines))

    def _back(self) -> str:
        """To the start of the lines drawn last."""
        up = self._on_screen - 1
        return "\r" + (f"\x1b[{up}A" if up > 0 else "")

    def _show(self, lines: list[str]) -> None:
        # Each line clears what an older, longer one left; `\x1b[J` clears lines below
        # that a taller display left.
        self._write(self._back() + "\x1b[K\n".join(lines) + "\x1b[K\x1b[J")
        self._on_screen = len(lines)

    def _write(self, text: str) -> None:
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):
            pass  # a closed or broken stderr must not stop the run


def _in_notebook() -> bool:
    ipython = sys.modules.get("IPython")
    get = getattr(ipython, "get_ipython", None)
    shell = get() if get is not None else None
    return shell is not None and hasattr(shell, "kernel")


def progress_observer(
    mode: str | bool,
    *,
    name: str = "orkit",
    stream: TextIO | None = None,
    env: Mapping[str, str] | None = None,
    plan: RunPlan | None = None,
    run_dir: Path | None = None,
) -> ConsoleProgress | TqdmObserver | RunDashboard | None:
    """The observer for a `--progress` mode (True: `auto`; False: `none`), or None. In a
    notebook, `auto` is the `RunDashboard` (displayed here, so call this in the thread of
    the cell that runs: its output goes there), measured against `plan` and naming
    `run_dir`; tqdm's bar where ipywidgets is not installed."""
    if mode is True:
        mode = "auto"
    if mode is False or mode == "none":
        return None
    if mode not in PROGRESS_MODES:
        raise ConfigError(f"progress must be one of {', '.join(PROGRESS_MODES)}, got {mode!r}")
    out = stream if stream is not None else sys.stderr
    env = env if env is not None else os.environ
    if mode == "auto" and stream is None and _in_notebook():
        try:
            dashboard = RunDashboard(name, plan, run_dir=run_dir)
        except ImportError:  # no ipywidgets: tqdm draws what it can
            return TqdmObserver(desc=name)
        dashboard.show()
        return dashboard
    on_terminal = _is_terminal(out) and env.get("TERM") != "dumb"
    redraw = mode == "bar" or (mode in ("auto", "detailed") and on_terminal)
    return ConsoleProgress(
        name=name,
        stream=out,
        redraw=redraw,
        detailed=mode == "detailed",
        colour=colour_wanted(out, env),
        env=env,
    )
