"""`orkit resume` and `orkit retry`: finish a run, or run its failed tasks again."""

from __future__ import annotations

import argparse
from typing import Any

from orkit.cli._finish import finish_run, run_with_interrupts
from orkit.cli._progress import add_progress_argument, progress_for

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
    p.add_argument(
        "--report",
        metavar="PATH",
        help="where to write the HTML report (default: reports/<run_id>.html)",
    )
    p.add_argument("--no-report", action="store_true", help="do not write an HTML report")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar or summary")
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
    r.add_argument(
        "--report",
        metavar="PATH",
        help="where to write the HTML report (default: reports/<run_id>.html)",
    )
    r.add_argument("--no-report", action="store_true", help="do not write an HTML report")
    r.add_argument("--quiet", "-q", action="store_true", help="no progress bar or summary")
    add_progress_argument(r)
    r.set_defaults(func=retry)


def _observer(args: argparse.Namespace) -> Any:
    return progress_for(args, "orkit")


def resume(args: argparse.Namespace) -> int:
    from orkit.batch import resume_async

    run_dir = run_with_interrupts(
        resume_async,
        args.run,
        allow_drift=args.allow_drift,
        budget_usd=args.budget,
        observer=_observer(args),
    )
    return finish_run(run_dir, args)


def retry(args: argparse.Namespace) -> int:
    from orkit.batch import retry_async

    run_dir = run_with_interrupts(
        retry_async, args.run, allow_drift=args.allow_drift, observer=_observer(args)
    )
    return finish_run(run_dir, args)
