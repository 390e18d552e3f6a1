"""The run directories a command is given (`orkit report`, `orkit compare`): each opened,
none twice, or one line naming the bad one (exit 2, nothing read)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["open_run_dirs"]


def open_run_dirs(paths: Sequence[str]) -> list[Any]:
    """`RunDir`s of `paths`, in order; a `ConfigError` for a path that is no run directory
    or a run given twice."""
    from orkit.errors import ConfigError, RunError
    from orkit.results import RunDir

    runs = []
    for path in paths:
        try:
            runs.append(RunDir.open(path))
        except RunError as exc:  # bad input: nothing to read, exit 2 like other commands
            raise ConfigError(str(exc)) from None
    ids = [r.run_id for r in runs]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ConfigError(f"the same run was given twice: {twice[0]}")
    return runs
