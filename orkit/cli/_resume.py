"""`orkit resume` and `orkit retry`: finish a run, or run its failed tasks again."""

from __future__ import annotations

import argparse
from typing import Any

from orkit.cli._finish import finish_continuation, run_with_interrupts
from orkit.cli._progress import add_output_arguments, add_progress_argument, progress_for
from orkit.cli._provision import add_provision_argument

RESUME_HELP = "finish a run after a crash, Ctrl-C, quota or budget stop (re-sends nothing done)"
RETRY_HELP = "run a run's failed tasks again, as new attempts of the same rows"
DRIFT_HELP = "continue even though the dataset or a prompt file changed since the run began"


def register(sub: Any) -> None:
    resume_parser = _parser(sub, "resume", RESUME_HELP, resume)
    resume_parser.add_argument(
        "--budget",
        type=float,
        metavar="USD",
        help="the run's total budget from now on (e.g. larger, to finish skipped_budget tasks)",
    )
    add_provision_argument(resume_parser, resume=True)
    add_output_arguments(resume_parser)
    add_progress_argument(resume_parser)
    retry_parser = _parser(sub, "retry", RETRY_HELP, retry)
    retry_parser.add_argument(
        "--errors",
        action="store_true",
        required=True,
        help="retry the tasks whose outcome is an error",
    )
    add_output_arguments(retry_parser)
    add_progress_argument(retry_parser)


def _parser(sub: Any, verb: str, help_text: str, func: Any) -> argparse.ArgumentParser:
    """The start of `orkit resume` and `orkit retry` alike: the run and `--allow-drift`."""
    p: argparse.ArgumentParser = sub.add_parser(verb, help=help_text, description=help_text)
    p.add_argument("run", help="run directory (runs/<run_id>)")
    p.add_argument("--allow-drift", action="store_true", help=DRIFT_HELP)
    p.set_defaults(func=func)
    return p


def _observer(args: argparse.Namespace) -> Any:
    """The progress display, under the run's name (as `orkit runs` shows it)."""
    from orkit.results import RunDir, shown_name

    return progress_for(args, shown_name(RunDir.open(args.run).read_manifest()) or "orkit")


def resume(args: argparse.Namespace) -> int:
    from orkit.api import check_provision_limit

    limit = args.provision_key
    provision_key = None if limit is None else check_provision_limit(limit)
    return _continue(args, "resume", budget_usd=args.budget, provision_key=provision_key)


def retry(args: argparse.Namespace) -> int:
    return _continue(args, "retry")


def _continue(
    args: argparse.Namespace,
    verb: str,
    *,
    budget_usd: float | None = None,
    provision_key: float | None = None,
) -> int:
    from orkit.api import continue_async

    done = run_with_interrupts(
        continue_async,
        args.run,
        verb,
        allow_drift=args.allow_drift,
        budget_usd=budget_usd,
        observer=_observer(args),
        provision_key=provision_key,
    )
    return finish_continuation(done, args, verb)
