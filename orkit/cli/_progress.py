"""`--progress`: how `run`, `resume` and `retry` show a run while it goes."""

from __future__ import annotations

import argparse
from typing import Any

PROGRESS_CHOICES = ("auto", "bar", "plain", "detailed", "none")
"""`orkit.batch.PROGRESS_MODES`, spelled out: building the parser must not import the
engine (`orkit --help` stays quick); a test keeps the two the same."""

PROGRESS_HELP = (
    "auto: a bar redrawn in place on a terminal, a plain line every 10 s otherwise; "
    "bar; plain; detailed: also one line per contestant (model · prompt · params); "
    "none (default: auto; --quiet means none)"
)


def add_progress_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--progress",
        choices=PROGRESS_CHOICES,
        default="auto",
        help=PROGRESS_HELP,
    )


def progress_for(args: argparse.Namespace, name: str) -> Any:
    """The observer the flags ask for, or None (`--quiet` shows no progress)."""
    from orkit.batch import progress_observer

    if getattr(args, "quiet", False):
        return None
    return progress_observer(getattr(args, "progress", "auto"), name=name)
