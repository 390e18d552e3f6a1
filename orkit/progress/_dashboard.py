"""`RunDashboard`: a run's live view in a notebook (ipywidgets), shown by `Sweep.run()`,
`Sweep.start()` and `orkit.resume()` in Jupyter in place of tqdm's bar.

It is an engine observer. The engine's events only count (`BoardRecorder`); the widgets are
redrawn from a thread of the dashboard's own, woken by each new `Board` (the engine's ticks:
at most twice a second), never per row. Drawing on the engine's loop thread would put the
widgets' messages (a JSON message per changed value) between its requests; the thread keeps
them off it. The last board is drawn on the loop thread itself, as the run ends, so the
final state has reached the notebook before `run()` returns (and is what nbconvert keeps).

The cancel button calls the run handle's `cancel()` (`Sweep.start()` attaches it): the run
stops as after Ctrl-C, its rows are kept, and `orkit.resume` finishes it. A blocking
`Sweep.run()` holds the kernel, which then cannot hear a click; the dashboard says to use the
notebook's stop button instead (the same clean stop).
"""

from __future__ import annotations

import contextvars
import html
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from orkit._format import plural
from orkit.batch import RunTotals, StatusFn
from orkit.progress._board import Board, BoardRecorder, RunPlan, board_contestants
from orkit.progress._board_text import bar_style, end_text, error_lines, facts, headline
from orkit.progress._contestants import ContestantKey
from orkit.progress._ipywidgets import ipywidgets
from orkit.results import ResultRow

__all__ = ["RunDashboard", "settle_display"]

MAX_CONTESTANT_ROWS = 24
"""Past this many contestants the rest are counted in one line (a 200-model sweep would
otherwise be a page of bars)."""


class RunDashboard:
    """A run's progress as widgets: overall and per-contestant bars, rate and ETA, what the
    router is doing (in flight, waiting, 429s, 402s), errors by type, spend against the
    budget and the estimate, and a cancel button. `widget` is the ipywidgets box; the
    dashboard displays itself in a notebook (`display(dashboard)` shows it again)."""

    def __init__(
        self,
        name: str = "orkit",
        plan: RunPlan | None = None,
        *,
        run_dir: Path | None = None,
        refresh_s: float = 0.5,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        w = ipywidgets()
        self.name = name
        self.run_dir = run_dir
        """Where the run is written (named in the line that says how to resume it)."""
        self._refresh_s = refresh_s
        self._recorder = BoardRecorder(plan, on_board=self._new_board, now=now)
        self._cancel: Callable[[], None] | None = None
        self._drawn: Board | None = None
        self._draw_lock = threading.Lock()
        self._wake = threading.Event()
        self._finished = False
        self._thread: threading.Thread | None = None
        self._bars: list[tuple[Any, Any, Any]] = []

        self.title = w.HTML()
        self.bar = w.IntProgress(value=0, min=0, max=1, bar_style="info")
        # the bar takes the row's width the headline leaves: at 100% it squeezed the
        # headline into a narrow column that wrapped after every few words
        self.bar.layout.flex = "1 1 auto"
        self.headline = w.HTML()
        self.headline.layout.flex = "0 0 auto"
        self.facts = w.HTML()
        self.errors = w.HTML()
        self.contestants = w.VBox()
        self.more = w.HTML()
        self.cancel_button = w.Button(
            description="Cancel run",
            icon="stop",
            tooltip="Stop the run; the rows so far are kept and orkit.resume finishes it",
            disabled=True,
        )
        self.cancel_button.on_click(self._cancel_clicked)
        self.footer = w.HTML(
            "<small>To stop: the notebook's interrupt button (the rows so far are kept).</small>"
        )
        self.widget = w.VBox(
            [
                self.title,
                w.HBox([self.bar, self.headline]),
                self.facts,
                self.errors,
                self.contestants,
                self.more,
                w.HBox([self.cancel_button, self.footer]),
            ]
        )
        self.widget.add_class("orkit-dashboard")
        self._draw(self._recorder.board)

    # ------------------------------------------------------------------ the caller's side

    @property
    def board(self) -> Board:
        """What the dashboard shows (the latest `Board`)."""
        return self._recorder.board

    def attach_cancel(self, cancel: Callable[[], None]) -> None:
        """Make the cancel button call `cancel` (a run handle's): `Sweep.start()` does."""
        self._cancel = cancel
        self.cancel_button.disabled = self._recorder.board.ended
        self.footer.value = ""

    def settle(self, error: BaseException | None = None) -> None:
        """The call that ran the run has returned or raised: if the engine never said the
        run ended (it failed before its first task, or there was nothing to do), say so
        and stop redrawing. Nothing changes once the run has ended."""
        if self._finished:
            return
        self._finished = True
        self._wake.set()
        if error is None:
            reason, style = "Nothing to do: every task already has its row.", "success"
        else:
            reason, style = f"The run did not start: {_one_line(error)}", "danger"
        with self._draw_lock:
            self.cancel_button.disabled = True
            self.bar.bar_style = style
            self.footer.value = f"<small>{html.escape(reason)}</small>"

    def show(self) -> None:
        """Display the dashboard in the notebook (where the call is made: the cell that
        started the run). Outside IPython, nothing (IPython is loaded where a shell runs)."""
        ipython = sys.modules.get("IPython")
        if ipython is not None:
            ipython.display.display(self.widget)

    def _ipython_display_(self) -> None:
        self.show()

    def _cancel_clicked(self, _button: Any) -> None:
        # Disabled: a click already taken (a second one may be on its way from the browser).
        if self._cancel is None or self.cancel_button.disabled or self._recorder.board.ended:
            return
        self.cancel_button.disabled = True
        self.cancel_button.description = "Cancelling…"
        self._cancel()

    # ------------------------------------------------------------------ engine events

    def on_contestants(self, keys: Iterable[ContestantKey]) -> None:
        self._recorder.on_contestants(keys)

    def on_start(self, total: int, run_id: str, status: StatusFn | None = None) -> None:
        self._recorder.on_start(total, run_id, status)
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._redraw_loop, name="orkit-dashboard", daemon=True
            )
            self._thread.start()

    def on_row(self, row: ResultRow | None, totals: RunTotals) -> None:
        self._recorder.on_row(row, totals)

    def on_tick(self, totals: RunTotals) -> None:
        self._recorder.on_tick(totals)

    def on_finish(self, totals: RunTotals, status: str) -> None:
        self._finished = True  # before the board: the thread must not draw after this one
        self._recorder.on_finish(totals, status)
        self._wake.set()
        # Drawn in an empty context: the loop thread runs in a copy of the context of the
        # cell that started the run, and ipykernel files a widget message under the cell of
        # the context it is sent from. After `start()` that cell is long done, and whatever
        # records outputs cell by cell (nbclient, nbconvert) dropped the final state; with no
        # context ipykernel files it under the cell running now (the one that waits).
        contextvars.Context().run(self._draw, self._recorder.board)

    # ------------------------------------------------------------------ drawing

    def _new_board(self, board: Board) -> None:
        self._wake.set()

    def _redraw_loop(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._finished:
                return
            self._draw(self._recorder.board)
            time.sleep(self._refresh_s)  # at most 2 draws a second, however often woken

    def _draw(self, board: Board) -> None:
        with self._draw_lock:
            # The thread may have read the board just before the last one came: once the
            # last is drawn, an older one must not replace it.
            if board is self._drawn or (self._drawn is not None and self._drawn.ended):
                return
            self._drawn = board
            self._draw_board(board)

    def _draw_board(self, board: Board) -> None:
        status = html.escape(board.status)
        run = f" <code>{html.escape(board.run_id)}</code>" if board.run_id else ""
        self.title.value = f"<b>{html.escape(self.name)}</b>{run} · {status}"
        self.bar.max = max(1, board.total)
        self.bar.value = min(board.done, self.bar.max)
        self.bar.bar_style = bar_style(board)
        self.headline.value = f"<span>{html.escape(headline(board))}</span>"
        self.facts.value = _facts_html(facts(board))
        lines = error_lines(board)
        self.errors.value = (
            "<div><b>errors</b><br>" + "<br>".join(html.escape(x) for x in lines) + "</div>"
            if lines
            else ""
        )
        self._draw_contestants(board)
        if board.ended:
            self.cancel_button.disabled = True
            if self.cancel_button.description == "Cancelling…":
                self.cancel_button.description = "Cancelled"
            end = end_text(board, self.run_dir)
            self.footer.value = f"<small>{html.escape(end)}</small>"

    def _draw_contestants(self, board: Board) -> None:
        w = ipywidgets()
        shown, more = board_contestants(board, MAX_CONTESTANT_ROWS)
        while len(self._bars) < len(shown):
            label, bar, count = w.HTML(), w.IntProgress(value=0, min=0, max=1), w.HTML()
            label.layout.width = "40%"
            bar.layout.width = "35%"
            self._bars.append((label, bar, count))
            self.contestants.children = [*self.contestants.children, w.HBox([label, bar, count])]
        for (label, bar, count), line in zip(self._bars, shown, strict=False):
            text = html.escape(line.label)
            label.value = f"<span title='{text}'>{text}</span>"
            bar.max = max(1, line.expected if line.expected is not None else board.total)
            bar.value = min(line.done, bar.max)
            bar.bar_style = "danger" if line.errors and line.errors == line.done else ""
            of = f" / {line.expected:,}" if line.expected is not None else ""
            errs = f" · {plural(line.errors, 'error')}" if line.errors else ""
            count.value = f"<small>{line.done:,}{of}{errs}</small>"
        self.more.value = f"<small>and {more:,} more contestants</small>" if more else ""


def settle_display(display: object, error: BaseException | None = None) -> None:
    """`RunDashboard.settle` for a run's display, whichever kind it is."""
    if isinstance(display, RunDashboard):
        display.settle(error)


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _facts_html(pairs: list[tuple[str, str]]) -> str:
    cells = "".join(
        f"<span style='margin-right:1.2em;white-space:nowrap'>"
        f"<span style='opacity:.65'>{html.escape(k)}</span> <b>{html.escape(v)}</b></span>"
        for k, v in pairs
    )
    return f"<div style='line-height:1.8'>{cells}</div>"
