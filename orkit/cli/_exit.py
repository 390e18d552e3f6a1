"""The exit codes of every `orkit` command, defined once (the README's table is this one).

The same problem gives the same code whatever the command: `runs/nope` is bad input for
`compare` and `resume` alike, and a server that cannot be reached is a failure for `key`
and `run` alike. Commands return these codes; `main` maps exceptions through
`exit_code_for`, and the end of a run through `exit_code_for_run`.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

from orkit.errors import ConfigError

if TYPE_CHECKING:
    from orkit.results import Manifest

__all__ = ["ExitCode", "exit_code_for", "exit_code_for_run"]


class ExitCode(IntEnum):
    OK = 0
    """Done: a run completed with at least one answer (failed tasks are rows to read)."""
    FAILED = 1
    """Not done, though the input may be right: a server could not be reached or refused
    the key, a run stopped as a whole (a rejected key, no credits), the cost question was
    answered no, or orkit crashed (with a traceback)."""
    BAD_INPUT = 2
    """Bad options or input, found before anything was sent: a flag, a spec, a dataset, a
    missing run directory, no API key. The one line on stderr says what to fix."""
    INCOMPLETE = 3
    """A run left tasks for later (a daily quota, the budget): `orkit resume` finishes it."""
    ALL_TASKS_FAILED = 4
    """A run completed but every task failed: there is no answer to score (the most
    common errors are printed)."""
    INTERRUPTED = 130
    """Ctrl-C or SIGTERM (128 + SIGINT, the shell's convention); the resume command is
    printed."""


def exit_code_for(exc: BaseException) -> ExitCode:
    """The code a command ends with when `exc` escapes it."""
    if isinstance(exc, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    if isinstance(exc, ConfigError):  # includes RunNotFoundError and MissingAPIKeyError
        return ExitCode.BAD_INPUT
    return ExitCode.FAILED


def exit_code_for_run(manifest: Manifest) -> ExitCode:
    """The code a run (or resume, or retry) ends with, from its manifest."""
    status = manifest.status
    if status == "incomplete":  # before all-failed: a resume may still get answers
        return ExitCode.INCOMPLETE
    if status != "completed":
        return ExitCode.FAILED
    counts = manifest.totals_all
    tasks, errors = int(counts.get("tasks") or 0), int(counts.get("errors") or 0)
    if tasks and errors >= tasks:
        return ExitCode.ALL_TASKS_FAILED
    return ExitCode.OK
