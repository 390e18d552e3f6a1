"""Asking before spending: the estimate `run` and `estimate` share, the pilot, and the
question (`--yes` skips it; without a terminal to ask on, a run over the threshold is
refused with one line and exit 2, rather than spending unattended)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from orkit._format import usd
from orkit.cli._exit import ExitCode
from orkit.errors import ConfigError

if TYPE_CHECKING:  # `orkit --help` imports this module: orkit.cost would bring numpy
    from orkit.cost import Estimate

__all__ = ["DEFAULT_CONFIRM_ABOVE_USD", "confirm_spend", "estimate_for_cli"]

DEFAULT_CONFIRM_ABOVE_USD = 1.0
"""A run whose high estimate is above this asks first."""


def _interactive() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):  # closed or replaced stdin
        return False


def confirm_spend(estimate: Estimate, *, yes: bool, above_usd: float | None, what: str) -> bool:
    """True to go ahead. Over the threshold (`above_usd`; None: whatever the cost), ask on a
    terminal, refuse (ConfigError) without one unless `yes`."""
    high, expected = estimate.cost_high_usd, estimate.cost_expected_usd
    if yes or (above_usd is not None and high <= above_usd):
        return True
    cost = f"up to {usd(high)} (expected {usd(expected)})"
    if not _interactive():
        why = (
            f"and a {what} always needs a yes"
            if above_usd is None
            else f"above the {usd(above_usd)} that needs a yes"
        )
        raise ConfigError(
            f"the {what} could cost {cost}, {why}; pass --yes to go ahead without asking"
        )
    print(f"The {what} could cost {cost}. Go ahead? [y/N] ", end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline().strip().lower()
    if answer in ("y", "yes"):
        return True
    print(f"orkit: {what} not started; nothing was sent", file=sys.stderr)
    return False


def estimate_for_cli(sweep: Any, args: argparse.Namespace) -> Estimate:
    """The sweep's estimate; with `--pilot N`, first the pilot's estimate, a yes, the pilot."""
    from orkit._portal import run_sync
    from orkit.api import PilotDeclined, estimate_with_pilot
    from orkit.cli._progress import progress_for
    from orkit.estimate import estimate_async

    offline = bool(getattr(args, "offline", False))
    if not args.pilot:
        return run_sync(estimate_async, sweep, offline=offline)

    def confirm(pilot: Estimate) -> bool:
        if not getattr(args, "quiet", False):  # the question says what it may cost
            print(f"pilot: {args.pilot} items per model")
            print(pilot)
        # A pilot always asks (it spends for real), whatever its size.
        return confirm_spend(pilot, yes=args.yes, above_usd=None, what="pilot")

    observer = progress_for(args, "pilot")
    try:
        return run_sync(
            estimate_with_pilot,
            sweep,
            args.pilot,
            offline=offline,
            confirm=confirm,
            observer=observer,
        )
    except PilotDeclined:
        raise SystemExit(ExitCode.FAILED) from None  # declined: not done, nothing sent
