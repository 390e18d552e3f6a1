"""The `orkit resume` command printed for an unfinished run: ready to paste from any
directory (absolute path, shell-quoted), since a resume no longer depends on where it runs."""

from __future__ import annotations

import os
import shlex

__all__ = ["resume_command"]


def resume_command(run_path: str | os.PathLike[str], *extra: str) -> str:
    """`orkit resume /abs/runs/<id> [extra ...]`."""
    return shlex.join(["orkit", "resume", os.path.abspath(run_path)]) + "".join(
        f" {arg}" for arg in extra
    )
