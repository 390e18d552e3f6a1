"""The `orkit` command (layer 5). One module per command; each exposes `register(subparsers)`.

Errors end as one line on stderr and a non-zero exit, never a traceback:
2 for bad input or options (nothing was sent), 1 for a run-level failure, 3 for a run left
incomplete (tasks waiting for a quota reset), 130 for Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from orkit.errors import ConfigError, OrkitError

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    from orkit.cli import (  # one per command
        _compare,
        _estimate,
        _key,
        _models,
        _report,
        _rescore,
        _resume,
        _run,
        _runs,
        _sim,
    )

    parser = argparse.ArgumentParser(
        prog="orkit",
        description="Evaluate prompts across many LLMs through OpenRouter.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (
        _run,
        _estimate,
        _resume,
        _rescore,
        _runs,
        _models,
        _key,
        _report,
        _compare,
        _sim,
    ):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from importlib.metadata import version

        print(f"orkit {version('orkit')}")
        return 0
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        code: int = args.func(args)
        return code
    except ConfigError as exc:
        print(f"orkit: error: {exc}", file=sys.stderr)
        return 2
    except OrkitError as exc:
        print(f"orkit: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        from orkit.batch import resume_command

        run_dir = getattr(exc, "run_dir", None)
        hint = f"; resume with: {resume_command(run_dir)}" if run_dir else ""
        print(f"orkit: interrupted{hint}", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `orkit models | head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
