"""`orkit sim`: serve the offline OpenRouter emulator on a loopback port.

    orkit sim [--host 127.0.0.1] [--port 8080] [--time-scale X] [--seed N]
              [--config FILE.toml|.json] [--free-daily 50|1000]
              [--local-server [--model ID ...]] [--slots N] [--[no-]stream-usage]

Prints the base URL, the (fake) API key to use and an `orkit run` command to try it with,
then serves until Ctrl-C. `--local-server` plays llama.cpp, vLLM or Ollama under `/v1`.
"""

from __future__ import annotations

import argparse
from typing import Any

from orkit.sim import CLI_DESCRIPTION, CLI_EPILOG, add_cli_arguments, run_cli

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Add the `sim` command to the `orkit` subparsers action `sub`."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "sim",
        help="serve the offline OpenRouter emulator (or, --local-server, a llama.cpp-like one)",
        description=CLI_DESCRIPTION,
        epilog=CLI_EPILOG,
        # the epilog is laid out by hand: a table of the two modes, then commands
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_cli_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C; 2 for a bad config, 1 if the port cannot be used."""
    return run_cli(args)
