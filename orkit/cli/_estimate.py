"""`orkit estimate`: what a sweep will cost and how long it will take, before it runs."""

from __future__ import annotations

import argparse
import json
from typing import Any

from orkit.cli._confirm import estimate_for_cli
from orkit.cli._run import _build_sweep, add_spend_arguments, add_sweep_arguments

HELP = "estimate a sweep's requests, tokens, cost (low / expected / high) and duration"

EXAMPLES = """examples:
  orkit estimate datasets/demo/sweep.toml
  orkit estimate spec.toml --pilot 20       # run 20 items per model first (asks), then estimate
  orkit estimate spec.toml --offline --json # prices from the bundled snapshot, as JSON

prompt tokens are counted request by request on the emulator's endpoints (orkit's own count,
which the emulator's bill checks), else estimated by tokenizer family;
ORKIT_ESTIMATE_PROMPT_TOKENS=family uses the tokenizer-family estimate on the emulator too.
"""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "estimate",
        help=HELP,
        description=HELP + ". Nothing is sent unless --pilot is given.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_sweep_arguments(p)
    add_spend_arguments(p, run=False)
    p.add_argument(
        "--offline", action="store_true", help="ask no server: prices from the bundled snapshot"
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    sweep = _build_sweep(args)
    estimate = estimate_for_cli(sweep, args)
    if args.json:
        print(json.dumps(estimate.to_dict(), indent=2))
        return 0
    print(estimate)
    took = estimate.seconds_to_estimate
    if took is not None:
        print(
            f"estimated in {took:.2f} s; nothing was sent"
            + (" but the pilot" if args.pilot else "")
        )
    return 0
