"""What `run`, `resume` and `retry` share: running under Ctrl-C/SIGTERM, and the summary,
warnings and report printed at the end."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from orkit.cli._exit import ExitCode, exit_code_for_run
from orkit.cli._table import print_summary

__all__ = ["finish_run", "run_with_interrupts"]


def run_with_interrupts(func: Callable[..., Awaitable[Any]], /, *args: Any, **kwargs: Any) -> Any:
    """Run `func` on orkit's loop thread. Ctrl-C or SIGTERM stops dispatch, cancels requests
    in flight, flushes and marks the run `cancelled` (the engine does that as it unwinds),
    then exits 130 with a hint; a second Ctrl-C exits at once."""
    from orkit._portal import run_sync
    from orkit.errors import RunStoppedError

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        return run_sync(func, *args, on_interrupt=_second_interrupt_exits_at_once, **kwargs)
    except KeyboardInterrupt:
        raise _Interrupted(_latest_run(args)) from None
    except RunStoppedError as exc:
        where = f" (rows so far are in {exc.run_dir})" if exc.run_dir else ""
        raise RunStoppedError(exc.message + where, run_dir=exc.run_dir) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


def _second_interrupt_exits_at_once() -> None:
    def now(signum: int, frame: Any) -> None:
        os._exit(ExitCode.INTERRUPTED)

    signal.signal(signal.SIGINT, now)
    signal.signal(signal.SIGTERM, now)


class _Interrupted(KeyboardInterrupt):
    def __init__(self, run_dir: str | None) -> None:
        super().__init__()
        self.run_dir = run_dir


def _latest_run(args: tuple[Any, ...]) -> str | None:
    """The run directory an interrupted command worked on (for the resume hint)."""
    if args and isinstance(args[0], str | os.PathLike) and Path(args[0]).is_dir():
        return str(args[0])
    sweep = args[0] if args else None
    out = Path(str(getattr(sweep, "out", "runs")))
    if not out.is_dir():
        return None
    runs = sorted(
        (p for p in out.iterdir() if (p / "manifest.json").is_file()),
        key=lambda p: p.stat().st_mtime,
    )
    return str(runs[-1]) if runs else None


def _say_why_most_failed(result: Any) -> None:
    """A run in which most tasks failed ends with its three most common errors (stderr):
    the summary table alone says how many, not why."""
    counts = (result.manifest.get("totals") or {}).get("all") or {}
    errors, tasks = int(counts.get("errors") or 0), int(counts.get("tasks") or 0)
    if not tasks or errors * 2 <= tasks:
        return
    print(f"{errors} of {tasks} tasks failed; the most common errors:", file=sys.stderr)
    for error in result.top_errors(3):
        message = " ".join(str(error["message"]).split())  # one line each
        if len(message) > 300:
            message = message[:297] + "..."
        print(f"  {error['count']:>6} × {error['error_type']}: {message}", file=sys.stderr)


def finish_run(run_dir: Any, args: argparse.Namespace) -> int:
    """Print the summary, warnings, run directory and report; the exit code by status (and
    `ALL_TASKS_FAILED` when a completed run has no answer)."""
    from orkit.batch import Run

    result = Run(run_dir)
    manifest = result.manifest
    if not args.quiet:
        print_summary(result.summary(), manifest, file=sys.stdout)
    for warning in manifest.get("warnings", []):
        print(f"warning: {warning}", file=sys.stderr)
    _say_why_most_failed(result)
    print(f"run directory: {result.path}")
    if not args.no_report:
        print(f"report:        {result.report(args.report)}")
    return exit_code_for_run(manifest)
