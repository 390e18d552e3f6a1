"""The dashboard's words: a `Board` as the short texts its widgets show (plain strings;
the widget escapes them). Apart from the widgets so they are tested without a kernel."""

from __future__ import annotations

from pathlib import Path

from orkit import _format
from orkit.progress._board import Board
from orkit.progress._lines import duration

__all__ = ["bar_style", "end_text", "error_lines", "facts", "headline"]

_STYLE = {
    "starting": "info",
    "running": "info",
    "completed": "success",
    "incomplete": "warning",
    "cancelled": "warning",
    "stopped": "danger",
    "failed": "danger",
}


def bar_style(board: Board) -> str:
    """The progress bar's colour (ipywidgets' `bar_style`): blue while it runs, then green,
    amber (cancelled, incomplete: resumable) or red."""
    return _STYLE.get(board.status, "")


def headline(board: Board) -> str:
    """`1,234 / 5,000 tasks · 287/s · ETA 12s`, as far as each part is known."""
    parts = [f"{_format.count(board.done)} / {_format.count(board.total)} tasks"]
    if board.tasks_per_s is not None:
        parts.append(
            f"{board.tasks_per_s:,.0f}/s"
            if board.tasks_per_s >= 10
            else f"{board.tasks_per_s:.1f}/s"
        )
    if board.ended:
        parts.append(f"{board.status} in {duration(board.elapsed_s)}")
    else:
        eta = board.eta_s
        parts.append(duration(board.elapsed_s))
        if eta is not None:
            parts.append(f"ETA {duration(eta)}")
    return " · ".join(parts)


def facts(board: Board) -> list[tuple[str, str]]:
    """(label, value) pairs: answers, what the router is doing, spend and time against the
    budget and the estimate. Counts that are 0 and say nothing (skipped, deferred) are left
    out; 429s and 402s are always shown, since their absence is news too."""
    rows = [("ok", _format.count(board.ok)), ("errors", _format.count(board.errors))]
    if board.cached:
        rows.append(("cached", _format.count(board.cached)))
    if board.skipped:
        rows.append(("skipped (budget)", _format.count(board.skipped)))
    if board.deferred:
        rows.append(("deferred (quota)", _format.count(board.deferred)))
    in_flight = _format.count(board.in_flight)
    if board.concurrency is not None and not board.ended:
        in_flight += f" of {_format.count(board.concurrency)}"
    rows += [
        ("in flight", in_flight),
        ("waiting", _format.count(board.waiting)),
        ("429s", _format.count(board.rate_limited)),
        ("402s", _format.count(board.payment_required)),
    ]
    if board.open_breakers:
        rows.append(("paused (breaker open)", ", ".join(board.open_breakers)))
    rows.append(("spend", _spend(board)))
    plan = board.plan
    if plan.estimate_usd is not None:
        rows.append(("estimate", _against(board.spend_usd, plan.estimate_usd)))
    if plan.estimate_s is not None:
        so_far = duration(board.elapsed_s)
        rows.append(("estimated time", f"{duration(plan.estimate_s)} (so far {so_far})"))
    return rows


def _spend(board: Board) -> str:
    spent = _format.cost_text(board.spend_usd, board.cost_unknown)
    budget = board.plan.budget_usd
    if budget is None:
        return spent
    return f"{spent} of budget {_format.usd(budget)}" + _share(board.spend_usd, budget)


def _against(spent: float | None, expected: float) -> str:
    return f"{_format.usd(expected)} expected" + _share(spent, expected)


def _share(spent: float | None, of: float) -> str:
    if spent is None or of <= 0:
        return ""
    return f" ({spent / of:.0%})"


def error_lines(board: Board) -> list[str]:
    """The commonest errors: `timeout ×12: read timed out after 60s`."""
    return [
        f"{kind} ×{_format.count(n)}" + (f": {message}" if message else "")
        for kind, message, n in board.error_kinds
    ]


def end_text(board: Board, run_dir: Path | None) -> str:
    """What to do next, once the run has ended; '' while it runs or when nothing is left."""
    if not board.ended or run_dir is None:
        return ""
    resume = f'orkit.resume("{run_dir}")'
    if board.status == "cancelled":
        return f"Cancelled: the rows so far are kept. Finish it with {resume}."
    if board.status == "incomplete":
        return f"Incomplete (tasks skipped or deferred). Finish it with {resume}."
    if board.status in ("stopped", "failed"):
        return f"The run {board.status}; the rows so far are kept. {resume} goes on from them."
    return f"Results in {run_dir}."
