"""The `orkit` command (layer 5). One module per command; each exposes `register(subparsers)`.

Errors end as one line on stderr and a non-zero exit, never a traceback. The exit codes
(the same for the same problem in every command) are defined once, in `_exit.ExitCode`.

Internal: `main` is the console script's entry point; nothing here is a Python API, so
names may change in any release (use `orkit` and its public modules instead).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from orkit.cli._exit import ExitCode, exit_code_for
from orkit.cli._flag_errors import blame_flag_later
from orkit.cli._progress import quiet_notices
from orkit.errors import OrkitError

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
    for command in sub.choices.values():
        # an unknown option is reported with its command's usage (see `main`)
        command.set_defaults(command_parser=command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    # parse_args would report an unknown option of `orkit run` with the usage of `orkit`,
    # which lists commands, not the options that were meant; the command's parser says it.
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        getattr(args, "command_parser", parser).error(
            f"unrecognized arguments: {' '.join(unknown)}"
        )
    if args.version:
        from importlib.metadata import version

        print(f"orkit {version('orkit')}")
        return 0
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return ExitCode.BAD_INPUT
    try:
        with quiet_notices(getattr(args, "quiet", False)):
            code: int = args.func(args)
        return code
    except OrkitError as exc:
        exc = blame_flag_later(exc, args)  # a value from a flag: the flag, not the file
        print(f"orkit: error: {exc}", file=sys.stderr)
        return exit_code_for(exc)
    except KeyboardInterrupt as exc:
        from orkit.api import resume_command

        run_dir = getattr(exc, "run_dir", None)
        hint = f"; resume with: {resume_command(run_dir)}" if run_dir else ""
        print(f"orkit: interrupted{hint}", file=sys.stderr)
        return exit_code_for(exc)
    except BrokenPipeError:  # `orkit models | head`
        return ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())
