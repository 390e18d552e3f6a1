"""`orkit sim`: serve the offline OpenRouter emulator on a loopback port.

    orkit sim [--host 127.0.0.1] [--port 8080] [--time-scale X] [--seed N]
              [--config FILE.toml|.json] [--free-daily 50|1000]

Prints the base URL and the (fake) API key to use, then serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
from typing import Any

from orkit.sim import add_cli_arguments, run_cli

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Add the `sim` command to the `orkit` subparsers action `sub`."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "sim",
        help="serve the offline OpenRouter emulator",
        description="Serve the offline OpenRouter emulator (prints base URL and API key).",
    )
    add_cli_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C; 2 for a bad config, 1 if the port cannot be used."""
    return run_cli(args)
