"""The dashboard's words (`_board_text`), from hand-made boards: the headline, the facts, the
errors, the bar's colour, and what to do once the run has ended. Unknown spend reads
`unknown`, never $0."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from orkit.progress import Board, BoardRecorder, RunPlan
from orkit.progress._board_text import bar_style, end_text, error_lines, facts, headline

RUN_DIR = Path("runs/2026-01-01T00-00-00-abcd")


def board(**changes: Any) -> Board:
    running = replace(BoardRecorder().board, run_id="r", status="running", total=5_000)
    return replace(running, **changes)


def fact(b: Board, label: str) -> str | None:
    return dict(facts(b)).get(label)


def test_the_headline_while_running_and_once_ended() -> None:
    assert headline(board(done=0, elapsed_s=0.2)) == "0 / 5,000 tasks · <1s"
    running = board(done=1_234, elapsed_s=4.2, tasks_per_s=287.4)
    assert headline(running) == "1,234 / 5,000 tasks · 287/s · 4s · ETA 13s"
    slow = board(done=12, elapsed_s=5.0, tasks_per_s=2.4)
    assert headline(slow) == "12 / 5,000 tasks · 2.4/s · 5s · ETA 34m38s"  # 4,988 left at 2.4/s
    ended = board(status="cancelled", done=700, elapsed_s=75.0, tasks_per_s=10.0)
    assert headline(ended) == "700 / 5,000 tasks · 10/s · cancelled in 1m15s"  # no ETA


@pytest.mark.parametrize(
    ("status", "style"),
    [
        ("starting", "info"),
        ("running", "info"),
        ("completed", "success"),
        ("cancelled", "warning"),
        ("incomplete", "warning"),
        ("stopped", "danger"),
        ("failed", "danger"),
    ],
)
def test_the_bar_colour_says_how_it_went(status: str, style: str) -> None:
    assert bar_style(board(status=status)) == style


RESUME = f'orkit.resume("{RUN_DIR}")'


@pytest.mark.parametrize(
    ("status", "says"),
    [
        ("cancelled", f"Cancelled: the rows so far are kept. Finish it with {RESUME}."),
        ("incomplete", f"Incomplete (tasks skipped or deferred). Finish it with {RESUME}."),
        ("stopped", f"The run stopped; the rows so far are kept. {RESUME} goes on from them."),
        ("failed", f"The run failed; the rows so far are kept. {RESUME} goes on from them."),
        ("completed", f"Results in {RUN_DIR}."),
    ],
)
def test_each_end_says_what_to_do_next(status: str, says: str) -> None:
    assert end_text(board(status=status), RUN_DIR) == says


def test_nothing_to_say_while_running_or_without_a_run_dir() -> None:
    assert end_text(board(status="running"), RUN_DIR) == ""
    assert end_text(board(status="cancelled"), None) == ""


def test_facts_always_show_429s_and_402s_and_only_the_counts_that_say_something() -> None:
    quiet = facts(board(ok=10, errors=0))
    labels = [label for label, _ in quiet]
    assert labels[:2] == ["ok", "errors"]
    assert ("429s", "0") in quiet and ("402s", "0") in quiet  # their absence is news too
    for absent in ("cached", "skipped (budget)", "deferred (quota)", "estimate"):
        assert absent not in labels
    busy = board(cached=3, skipped=4, deferred=5, rate_limited=1_200, payment_required=2)
    assert fact(busy, "cached") == "3"
    assert fact(busy, "skipped (budget)") == "4"
    assert fact(busy, "deferred (quota)") == "5"
    assert fact(busy, "429s") == "1,200" and fact(busy, "402s") == "2"


def test_in_flight_against_the_concurrency_while_it_runs() -> None:
    assert fact(board(in_flight=7, concurrency=12, waiting=3), "in flight") == "7 of 12"
    assert fact(board(in_flight=7, concurrency=12, waiting=3), "waiting") == "3"
    assert fact(board(in_flight=7), "in flight") == "7"  # the router's limits not known
    assert fact(board(status="completed", concurrency=12), "in flight") == "0"
    assert fact(board(open_breakers=("a/x", "b/y")), "paused (breaker open)") == "a/x, b/y"


def test_spend_against_the_budget_and_the_estimate() -> None:
    plan = RunPlan(budget_usd=2.0, estimate_usd=1.0, estimate_s=90.0)
    b = board(spend_usd=0.5, plan=plan, elapsed_s=30.0)
    assert fact(b, "spend") == "$0.50 of budget $2.00 (25%)"
    assert fact(b, "estimate") == "$1.00 expected (50%)"
    assert fact(b, "estimated time") == "1m30s (so far 30s)"
    assert fact(board(spend_usd=0.5), "spend") == "$0.50"  # no budget


def test_unknown_spend_reads_unknown_never_zero() -> None:
    plan = RunPlan(budget_usd=2.0, estimate_usd=1.0)
    unknown = board(spend_usd=None, cost_unknown=3, plan=plan)
    assert fact(unknown, "spend") == "unknown of budget $2.00"  # and no share of it
    assert fact(unknown, "estimate") == "$1.00 expected"
    assert fact(board(spend_usd=0.25, cost_unknown=3), "spend") == "$0.25 + 3 unknown"
    assert fact(board(spend_usd=None, cost_unknown=0), "spend") == "$0"  # nothing spent yet


def test_error_lines_name_the_commonest_errors() -> None:
    kinds = (("timeout", "read timed out after 60s", 12), ("http", "", 1_500))
    assert error_lines(board(error_kinds=kinds)) == [
        "timeout ×12: read timed out after 60s",
        "http ×1,500",
    ]
    assert error_lines(board()) == []
