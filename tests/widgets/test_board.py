"""`BoardRecorder`, the dashboard's content without its widgets: a fake clock, hand-made
totals and rows. The rate is over the last ten seconds, there is no rate (and no ETA) from a
first second of answers, each contestant's share is known only when the run splits evenly,
and 402s are counted apart from 429s."""

from __future__ import annotations

from typing import Any

import pytest

from orkit.batch import RunTotals
from orkit.progress import Board, BoardRecorder, RunPlan
from orkit.results import ResultRow

A = ("openai/gpt-4o-mini", "default", "{}")
B = ("anthropic/claude-3-haiku", "default", "{}")


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def row(key: tuple[str, str, str], status: str = "ok", **extra: Any) -> ResultRow:
    model, prompt_id, params_json = key
    fields = {"model": model, "prompt_id": prompt_id, "params_json": params_json}
    return {**fields, "status": status, "cost_usd": 0.001, **extra}  # type: ignore[typeddict-item]


def done(n: int) -> RunTotals:
    """Totals of `n` answered rows (what the board reads of the engine's totals)."""
    totals = RunTotals()
    totals.all.tasks = totals.all.ok = n
    return totals


def started(
    total: int = 600, plan: RunPlan | None = None, status: Any = None
) -> tuple[BoardRecorder, Clock]:
    clock = Clock()
    recorder = BoardRecorder(plan, now=clock)
    recorder.on_contestants([A, B])
    recorder.on_start(total, "run-1", status)
    return recorder, clock


def test_before_the_start_the_board_is_empty_and_starting() -> None:
    board = BoardRecorder().board
    assert (board.status, board.total, board.done, board.ended) == ("starting", 0, 0, False)
    assert board.spend_usd is None and board.tasks_per_s is None and board.eta_s is None


def test_no_rate_and_no_eta_from_a_first_second_of_answers() -> None:
    recorder, clock = started()
    assert recorder.board.status == "running"
    assert recorder.board.tasks_per_s is None and recorder.board.eta_s is None
    clock.t += 0.5
    recorder.on_tick(done(250))  # cached answers come at once: they say little of the rest
    assert recorder.board.tasks_per_s is None and recorder.board.eta_s is None
    clock.t += 0.5
    recorder.on_tick(done(260))
    board = recorder.board
    assert board.tasks_per_s == pytest.approx(260.0)  # one second in: a rate at last
    assert board.eta_s == pytest.approx((600 - 260) / 260.0)
    assert board.elapsed_s == pytest.approx(1.0)


def test_the_rate_is_the_last_ten_seconds_not_the_whole_run() -> None:
    recorder, clock = started(total=10_000)
    n = 0
    for _ in range(40):  # 20 s at 100 tasks/s
        clock.t += 0.5
        n += 50
        recorder.on_tick(done(n))
    assert recorder.board.tasks_per_s == pytest.approx(100.0)
    for _ in range(22):  # then 11 s at 10 tasks/s (a model has started to throttle)
        clock.t += 0.5
        n += 5
        recorder.on_tick(done(n))
    board = recorder.board
    assert board.tasks_per_s == pytest.approx(10.0)  # the whole run's average: 68/s
    assert board.eta_s == pytest.approx((10_000 - n) / 10.0)


def test_rows_count_per_contestant_and_an_even_split_gives_each_its_share() -> None:
    recorder, clock = started(total=600)
    for _ in range(3):
        recorder.on_row(row(A), done(0))
    recorder.on_row(row(B, "error", error_type="http"), done(0))
    recorder.on_row(None, done(0))  # a task deferred to a quota reset: no row, not counted
    # rows only count: the board (the start's, every contestant at 0) waits for a tick
    assert [line.done for line in recorder.board.contestants] == [0, 0]
    clock.t += 0.5
    recorder.on_tick(done(4))
    lines = {line.label: line for line in recorder.board.contestants}
    assert set(lines) == {"openai/gpt-4o-mini", "anthropic/claude-3-haiku"}
    a, b = lines["openai/gpt-4o-mini"], lines["anthropic/claude-3-haiku"]
    assert (a.done, a.errors, a.expected) == (3, 0, 300)
    assert (b.done, b.errors, b.expected) == (1, 1, 300)


def test_a_resume_or_an_uneven_total_leaves_shares_unknown() -> None:
    resumed, _ = started(total=600, plan=RunPlan(even_split=False))
    resumed.on_tick(done(0))
    assert [line.expected for line in resumed.board.contestants] == [None, None]
    uneven, _ = started(total=601)
    uneven.on_tick(done(0))
    assert [line.expected for line in uneven.board.contestants] == [None, None]


def test_a_contestant_first_met_in_a_row_gets_its_own_line() -> None:
    recorder, _ = started()
    other = ("meta-llama/llama-3.1-8b-instruct", "default", "{}")
    recorder.on_row(row(other), done(1))
    recorder.on_tick(done(1))
    assert len(recorder.board.contestants) == 3
    assert recorder.board.contestants[-1].done == 1


def test_429s_and_402s_are_counted_apart() -> None:
    recorder, _ = started()
    totals = done(2)
    totals.all.add_attempt(429, "wait")
    totals.all.add_attempt(402, "stop")
    totals.all.add_attempt(402, "stop")
    totals.all.add_attempt(200, None)
    recorder.on_tick(totals)
    board = recorder.board
    assert (board.rate_limited, board.payment_required) == (1, 2)


def test_the_router_status_and_errors_reach_the_board_until_the_end() -> None:
    router = {"in_flight": 7, "waiting": 3, "concurrency": {"a": 8, "b": 4}, "open_breakers": ["b"]}
    recorder, clock = started(status=lambda: router)
    totals = done(5)
    for message in ("read timed out", "read timed out", "bad gateway"):
        totals.error_counts.add(row(A, "error", error_type="timeout", error_message=message))
    recorder.on_tick(totals)
    board = recorder.board
    assert (board.in_flight, board.waiting, board.concurrency) == (7, 3, 12)
    assert board.open_breakers == ("b",)
    assert board.error_kinds[0] == ("timeout", "read timed out", 2)
    clock.t += 3.0
    recorder.on_finish(totals, "cancelled")
    end = recorder.board
    assert end.status == "cancelled" and end.ended and end.eta_s is None
    assert (end.in_flight, end.waiting, end.concurrency) == (0, 0, None)  # the router stopped


def test_each_new_board_is_handed_on_and_replaces_the_last_whole() -> None:
    seen: list[Board] = []
    recorder = BoardRecorder(on_board=seen.append, now=Clock())
    recorder.on_start(10, "r", None)
    recorder.on_row(row(A), done(1))  # per row: nothing built, nothing handed on
    recorder.on_tick(done(1))
    recorder.on_finish(done(10), "completed")
    assert [b.status for b in seen] == ["running", "running", "completed"]
    assert recorder.board is seen[-1]


def test_unknown_spend_stays_unknown() -> None:
    recorder, _ = started()
    totals = RunTotals()
    totals.add(row(A, cost_usd=None, generation_id="g1"))  # answered, its cost not known
    recorder.on_tick(totals)
    assert (recorder.board.spend_usd, recorder.board.cost_unknown) == (None, 1)
