"""`RunDashboard` in this process (ipywidgets builds and keeps its widgets' state without a
frontend): a run's events by hand, a fake clock, and the widget values after. The last
board is drawn synchronously by `on_finish`, so what a test reads after it is final; the
one test of the drawing thread waits on a widget's change (an event), never on the clock."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from orkit.batch import RunTotals
from orkit.progress import RunDashboard, RunPlan
from orkit.progress._dashboard import MAX_CONTESTANT_ROWS
from orkit.results import ResultRow

pytest.importorskip("ipywidgets")

A = ("openai/gpt-4o-mini", "default", "{}")
B = ("anthropic/claude-3-haiku", "default", "{}")
RUN_DIR = Path("runs/2026-01-01T00-00-00-abcd")


class Clock:
    def __init__(self) -> None:
        self.t = 50.0

    def __call__(self) -> float:
        return self.t


def row(key: tuple[str, str, str], status: str = "ok", **extra: Any) -> ResultRow:
    model, prompt_id, params_json = key
    fields = {"model": model, "prompt_id": prompt_id, "params_json": params_json}
    return {**fields, "status": status, "cost_usd": 0.002, **extra}  # type: ignore[typeddict-item]


def dashboard(plan: RunPlan | None = None, **kwargs: Any) -> tuple[RunDashboard, Clock]:
    clock = Clock()
    return RunDashboard("demo", plan, run_dir=RUN_DIR, now=clock, **kwargs), clock


def play(board: RunDashboard, clock: Clock, rows: list[ResultRow], end: str) -> RunTotals:
    """A run of `rows` (a tick every second row, half a second apart), ended `end`."""
    router = {"in_flight": 5, "waiting": 1, "concurrency": {"a": 8}}
    board.on_contestants([A, B])
    board.on_start(10, "run-1", lambda: router)
    totals = RunTotals()
    for i, r in enumerate(rows):
        totals.add(r)
        board.on_row(r, totals)
        if i % 2:
            clock.t += 0.5
            board.on_tick(totals)
    board.on_finish(totals, end)
    return totals


def button(d: RunDashboard) -> tuple[bool, str]:
    """The cancel button's (disabled, description), as a frontend shows it."""
    return bool(d.cancel_button.disabled), str(d.cancel_button.description)


def test_a_finished_run_is_drawn_whole() -> None:
    d, clock = dashboard(RunPlan(budget_usd=1.0))
    rows = [row(A)] * 4 + [row(B)] * 3 + [row(B, "error", error_type="http", error_message="bad")]
    play(d, clock, rows, "completed")
    assert (d.bar.value, d.bar.max, d.bar.bar_style) == (8, 10, "success")
    assert "demo" in d.title.value and "run-1" in d.title.value and "completed" in d.title.value
    assert "8 / 10 tasks" in d.headline.value and "completed in 2s" in d.headline.value
    assert "$0.016 of budget $1.00 (2%)" in d.facts.value
    assert "http ×1: bad" in d.errors.value
    lines = [box.children for box in d.contestants.children]
    assert len(lines) == 2
    (label_a, bar_a, count_a), (label_b, bar_b, count_b) = lines
    assert "openai/gpt-4o-mini" in label_a.value and "anthropic/claude-3-haiku" in label_b.value
    assert (bar_a.value, bar_a.max, bar_b.value, bar_b.max) == (4, 5, 4, 5)
    assert "4 / 5" in count_a.value and count_b.value == "<small>4 / 5 · 1 error</small>"
    assert d.cancel_button.disabled is True
    assert f"Results in {RUN_DIR}." in d.footer.value
    assert d.board.status == "completed"


def test_before_a_handle_attaches_the_button_is_off_and_the_stop_button_is_named() -> None:
    d, _ = dashboard()
    assert d.cancel_button.disabled is True
    assert "interrupt button" in d.footer.value
    d.cancel_button.click()  # nothing to call: nothing happens
    assert d.cancel_button.description == "Cancel run"


def test_the_cancel_button_calls_the_handle_once_then_says_cancelled() -> None:
    d, clock = dashboard()
    calls: list[str] = []
    d.attach_cancel(lambda: calls.append("cancel"))
    assert button(d) == (False, "Cancel run") and d.footer.value == ""
    d.on_contestants([A, B])
    d.on_start(10, "run-1", None)
    d.cancel_button.click()
    assert calls == ["cancel"]
    assert button(d) == (True, "Cancelling…")
    d.cancel_button.click()  # a second click (a message already on its way): no second cancel
    assert calls == ["cancel"]
    totals = RunTotals()
    totals.add(row(A))
    clock.t += 2.0
    d.on_finish(totals, "cancelled")
    assert button(d) == (True, "Cancelled")
    assert d.bar.bar_style == "warning" and d.bar.value == 1
    assert f"orkit.resume(&quot;{RUN_DIR}&quot;)" in d.footer.value  # escaped HTML


def test_a_click_after_the_end_cancels_nothing() -> None:
    d, clock = dashboard()
    calls: list[str] = []
    d.attach_cancel(lambda: calls.append("cancel"))
    play(d, clock, [row(A)], "completed")
    d.cancel_button.click()
    assert calls == [] and d.cancel_button.disabled is True
    late, _ = dashboard()
    play(late, clock, [row(A)], "completed")
    late.attach_cancel(lambda: calls.append("cancel"))  # attached once the run has ended
    assert late.cancel_button.disabled is True


def test_settle_after_a_failure_before_the_start_shows_the_reason() -> None:
    d, _ = dashboard()
    d.attach_cancel(lambda: None)
    d.settle(ValueError("model a/x is not in the catalog\n(details below)"))
    assert d.bar.bar_style == "danger"
    assert "The run did not start: model a/x is not in the catalog" in d.footer.value
    assert "details" not in d.footer.value  # one line
    assert d.cancel_button.disabled is True
    d.settle(None)  # settled once: nothing changes
    assert d.bar.bar_style == "danger"


def test_settle_with_nothing_to_do_and_settle_after_the_end() -> None:
    d, _ = dashboard()
    d.settle()
    assert d.bar.bar_style == "success" and "Nothing to do" in d.footer.value
    ended, clock = dashboard()
    play(ended, clock, [row(A)], "cancelled")
    ended.settle(RuntimeError("interrupted"))  # the run's own end stays on the board
    assert ended.bar.bar_style == "warning" and "orkit.resume" in ended.footer.value


def test_a_board_older_than_the_last_never_replaces_it() -> None:
    # The drawing thread may have read the board just before the last one came, and get
    # the lock after the last one is drawn.
    d, clock = dashboard()
    d.on_contestants([A])
    d.on_start(10, "run-1", None)
    stale = d.board
    play(d, clock, [row(A)] * 2, "cancelled")
    d._draw(stale)
    assert d.bar.bar_style == "warning" and "cancelled" in d.headline.value


def test_many_contestants_are_shown_up_to_a_cap() -> None:
    d, _ = dashboard()
    keys = [(f"vendor/model-{i:02d}", "default", "{}") for i in range(MAX_CONTESTANT_ROWS + 6)]
    d.on_contestants(keys)
    d.on_start(len(keys), "run-1", None)
    totals = RunTotals()
    for key in keys:
        totals.add(row(key))
        d.on_row(row(key), totals)
    d.on_finish(totals, "completed")
    assert len(d.contestants.children) == MAX_CONTESTANT_ROWS
    assert "and 6 more contestants" in d.more.value


def test_the_drawing_thread_draws_ticks_off_the_engine_thread() -> None:
    d, clock = dashboard(refresh_s=0.0)
    drawn = threading.Event()
    drawn_by: list[str] = []

    def seen(change: dict[str, Any]) -> None:
        if change["new"] == 3:
            drawn_by.append(threading.current_thread().name)
            drawn.set()

    d.bar.observe(seen, names="value")
    d.on_contestants([A])
    d.on_start(10, "run-1", None)
    totals = RunTotals()
    for _ in range(3):
        totals.add(row(A))
        d.on_row(row(A), totals)
    assert d.bar.value == 0  # rows only count; nothing is drawn per row
    clock.t += 0.5
    d.on_tick(totals)
    assert drawn.wait(timeout=60), "the tick's board was never drawn"
    assert drawn_by == ["orkit-dashboard"]
    d.on_finish(totals, "completed")
    assert d.bar.bar_style == "success"
