"""`orkit resume` and `orkit retry`: finish a run, or run its failed tasks again."""

from __future__ import annotations

import argparse
from typing import Any

from orkit.cli._finish import finish_continuation, run_with_interrupts
from orkit.cli._progress import add_output_arguments, add_progress_argument, progress_for

RESUME_HELP = "finish a run after a crash, Ctrl-C, quota or budget stop (re-sends nothing done)"
RETRY_HELP = "run a run's failed tasks again, as new attempts of the same rows"
DRIFT_HELP = "continue even though the dataset or a prompt file changed since the run began"


def register(sub: Any) -> None:
    p = sub.add_parser("resume", help=RESUME_HELP, description=RESUME_HELP)
    p.add_argument("run", help="run directory (runs/<run_id>)")
    p.add_argument(
        "--allow-drift",
        action="store_true",
        help=DRIFT_HELP,
    )
    p.add_argument(
        "--budget",
        type=float,
        metavar="USD",
        help="the run's total budget from now on (e.g. larger, to finish skipped_budget tasks)",
    )
    add_output_arguments(p)
    add_progress_argument(p)
    p.set_defaults(func=resume)

    r = sub.add_parser("retry", help=RETRY_HELP, description=RETRY_HELP)
    r.add_argument("run", help="run directory (runs/<run_id>)")
    r.add_argument(
        "--errors",
        action="store_true",
        required=True,
        help="retry the tasks whose outcome is an error",
    )
    r.add_argument("--allow-drift", action="store_true", help=DRIFT_HELP)
    add_output_arguments(r)
    add_progress_argument(r)
    r.set_defaults(func=retry)


def _observer(args: argparse.Namespace) -> Any:
    """The progress display, under the run's name (as `orkit runs` shows it)."""
    from orkit.results import RunDir, shown_name

    return progress_for(args, shown_name(RunDir.open(args.run).read_manifest()) or "orkit")


def resume(args: argparse.Namespace) -> int:
    return _continue(args, "resume", budget_usd=args.budget)


def retry(args: argparse.Namespace) -> int:
    return _continue(args, "retry")


def _continue(args: argparse.Namespace, verb: str, *, budget_usd: float | None = None) -> int:
    from orkit.api import continue_async

    done = run_with_interrupts(
        continue_async,
        args.run,
        verb,
        allow_drift=args.allow_drift,
        budget_usd=budget_usd,
        observer=_observer(args),
    )
    return finish_continuation(done, args, verb)
