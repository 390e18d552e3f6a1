"""What `run`, `resume` and `retry` share: running under Ctrl-C/SIGTERM, and the summary,
warnings and report printed at the end; after a resume or retry, what it did itself (the
summary is the whole run's), or that it had nothing to do."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from orkit._format import count, plural, unscored_lines
from orkit.cli._exit import ExitCode, exit_code_for_run
from orkit.cli._spill import spill_lines
from orkit.cli._table import print_summary

__all__ = ["execution_line", "finish_continuation", "finish_run", "run_with_interrupts"]


def run_with_interrupts(func: Callable[..., Awaitable[Any]], /, *args: Any, **kwargs: Any) -> Any:
    """Run `func` on orkit's loop thread. Ctrl-C or SIGTERM stops dispatch, cancels requests
    in flight, flushes and marks the run `cancelled` (the engine does that as it unwinds),
    then exits 130 with a hint; a second Ctrl-C exits at once."""
    from orkit._portal import run_sync
    from orkit.errors import RunInterrupted, RunStoppedError

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        return run_sync(func, *args, on_interrupt=_second_interrupt_exits_at_once, **kwargs)
    except KeyboardInterrupt:
        # Nothing printed yet: `orkit.cli.main` prints the resume hint for `run_dir`.
        raise RunInterrupted("", _latest_run(args)) from None
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
    counts = result.manifest.totals_all
    errors, tasks = int(counts.get("errors") or 0), int(counts.get("tasks") or 0)
    if not tasks or errors * 2 <= tasks:
        return
    print(f"{errors} of {tasks} tasks failed; the most common errors:", file=sys.stderr)
    for error in result.top_errors(3):
        message = " ".join(str(error["message"]).split())  # one line each
        if len(message) > 300:
            message = message[:297] + "..."
        print(f"  {error['count']:>6} × {error['error_type']}: {message}", file=sys.stderr)


def _say_what_the_budget_left_unscored(manifest: Any, run_dir: Any) -> None:
    """Score rows whose judge or embedding request the budget did not send (stderr, even
    with --quiet): the run completed, but a scorer's mean stands on fewer rows than it
    seems, and a resume with a larger budget scores the rest."""
    for line in unscored_lines(manifest.judges):
        print(f"{line}; orkit resume {run_dir} --budget USD scores them", file=sys.stderr)


def execution_line(verb: str, execution: Mapping[str, Any]) -> str:
    """What one resume or retry did, in its own time: `retried 12 tasks: 0 ok, 12 failed
    again in 0.2 s`, `resumed 179 tasks: 179 ok, 0 failed in 3.1 s`."""
    tasks, ok, errors = (int(execution.get(k) or 0) for k in ("tasks", "ok", "errors"))
    failed = f"{count(errors)} failed again" if verb == "retry" else f"{count(errors)} failed"
    parts = [f"{count(ok)} ok", failed]
    if execution.get("skipped_budget"):
        parts.append(f"{count(execution['skipped_budget'])} skipped by the budget")
    if execution.get("deferred"):
        parts.append(f"{count(execution['deferred'])} deferred to the quota reset")
    done = "retried" if verb == "retry" else "resumed"
    wall = float(execution.get("wall_s") or 0.0)
    return f"{done} {plural(tasks, 'task')}: {', '.join(parts)} in {wall:.1f} s"


def finish_continuation(done: Any, args: argparse.Namespace, verb: str) -> int:
    """The end of `orkit resume` or `orkit retry` (`done`: a `Continuation`): when there was
    nothing to do, say so (no summary: nothing changed) and exit 0; else `finish_run`, with
    what this execution did under the run's summary.

    Exit code: that of the run as the command leaves it (the one table, `_exit`): a retry
    whose every task failed again exits `ALL_TASKS_FAILED` when the run has no answer at
    all, and 0 when it has some (its line then says `0 ok, 12 failed again`)."""
    if done.nothing_to_do:
        print(done.nothing_to_do)
        _write_missing_report(done.run, args)
        return ExitCode.OK
    return finish_run(done.run, args, verb=verb)


def _write_missing_report(run_dir: Any, args: argparse.Namespace) -> None:
    """A run killed while its report was being written has every row but no report (the
    report is written to a temporary file and renamed, so it is absent, never half
    written): the resume that finds nothing left to send writes it."""
    from orkit.api import Run

    if args.no_report or run_dir is None:
        return
    result = Run(run_dir)
    target = Path(args.report) if args.report else Path("reports") / f"{result.run_id}.html"
    if not target.exists():
        print(f"report:        {result.report(target)}")


def finish_run(run_dir: Any, args: argparse.Namespace, *, verb: str = "run") -> int:
    """Print the summary, warnings, run directory and report; the exit code by status (and
    `ALL_TASKS_FAILED` when a completed run has no answer). `verb` "resume" or "retry":
    that execution's own outcome follows the summary."""
    from orkit.api import Run

    result = Run(run_dir)
    manifest = result.manifest
    execution = manifest.last_execution
    if not args.quiet:
        print_summary(result.summary(), manifest, file=sys.stdout)
        for line in spill_lines(result.path, manifest.totals_all):
            print(line)  # why a free model shows a cost
        if verb in ("resume", "retry"):
            print(execution_line(verb, execution))
    for warning in manifest.warnings or []:
        print(f"warning: {warning}", file=sys.stderr)
    _say_what_the_budget_left_unscored(manifest, result.path)
    _say_why_most_failed(result)
    print(f"run directory: {result.path}")
    if not args.no_report:
        print(f"report:        {result.report(args.report)}")
    return exit_code_for_run(manifest)
