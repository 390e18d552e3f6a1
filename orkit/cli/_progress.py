"""What a command shows and writes: `--progress` (how `run`, `resume` and `retry` show a run
while it goes), `--quiet`, and the HTML report flags every command that ends a run shares."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

PROGRESS_CHOICES = ("auto", "bar", "plain", "detailed", "none")
"""`orkit.batch.PROGRESS_MODES`, spelled out: building the parser must not import the
engine (`orkit --help` stays quick); a test keeps the two the same."""

PROGRESS_HELP = (
    "auto: a bar redrawn in place on a terminal, a plain line every 10 s otherwise; "
    "bar; plain; detailed: also one line per contestant (model · prompt · params); "
    "none (default: auto; --quiet means none)"
)


QUIET_HELP = (
    "no progress bar or summary, no estimate and no passing notices: only errors, the "
    "end-of-run warnings and where the run and report are"
)


def add_output_arguments(p: argparse.ArgumentParser, *, quiet_help: str = QUIET_HELP) -> None:
    """`--report PATH`, `--no-report` and `--quiet/-q`, the same on every command that writes
    a run's report."""
    p.add_argument(
        "--report",
        metavar="PATH",
        help="where to write the HTML report (default: reports/<run_id>.html)",
    )
    p.add_argument("--no-report", action="store_true", help="do not write an HTML report")
    p.add_argument("--quiet", "-q", action="store_true", help=quiet_help)


def add_progress_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--progress",
        choices=PROGRESS_CHOICES,
        default="auto",
        help=PROGRESS_HELP,
    )


def progress_for(args: argparse.Namespace, name: str) -> Any:
    """The observer the flags ask for, or None (`--quiet` shows no progress)."""
    from orkit.progress import progress_observer

    if getattr(args, "quiet", False):
        return None
    return progress_observer(getattr(args, "progress", "auto"), name=name)


@contextmanager
def quiet_notices(quiet: bool) -> Iterator[None]:
    """Under `--quiet`, orkit's log notices (a local server's switch to unstreamed requests, a
    probable wrong base URL) are not printed: what they say is in the run's rows and
    manifest. Errors still are. The level is restored after the command (`main` runs in
    tests and notebooks too)."""
    logger = logging.getLogger("orkit")
    before = logger.level
    if quiet:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(before)
