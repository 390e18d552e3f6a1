"""`--provision-key LIMIT` of `orkit run` and `orkit resume` (the work is `api._provision`).

The value is kept as typed: `check_provision_limit` judges it, so `--provision-key abc` and
`--provision-key -1` get the same one-line error (exit 2) as a bad limit from Python.
"""

from __future__ import annotations

import argparse

__all__ = ["add_provision_argument"]


def add_provision_argument(p: argparse.ArgumentParser, *, resume: bool = False) -> None:
    """Add `--provision-key LIMIT` to a `run` or `resume` parser."""
    if resume:
        what = (
            "the run's total key limit from now on (a run that provisions its key goes on "
            "with what is left of its own limit without it)"
        )
    else:
        what = (
            "spend through a key made for this run with this credit limit in USD, which the "
            "server enforces, deleted when the run ends (needs OPENROUTER_PROVISIONING_KEY)"
        )
    p.add_argument("--provision-key", metavar="LIMIT", help=what)
