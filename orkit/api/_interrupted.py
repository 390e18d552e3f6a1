"""Ctrl-C during a blocking `Sweep.run()` or `orkit.resume()`: the run is flushed and marked
`cancelled` (the engine does that as it unwinds), then the caller learns where it is and how
to finish it, once, instead of a traceback through the event-loop thread.

Python's convention stays: a KeyboardInterrupt is raised (a script stops, a notebook cell
ends), a `RunInterrupted` carrying the run directory. The hint is printed once, on stderr
(so a caller who catches the interrupt still sees it); the exception's message is the run
directory alone, so the traceback's last line does not repeat it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TextIO

from orkit.api._hint import resume_command
from orkit.errors import RunInterrupted

__all__ = ["RunInterrupted", "interrupted", "say"]


def interrupted(
    run_path: str | os.PathLike[str], *, stream: TextIO | None = None
) -> RunInterrupted:
    """Print where the interrupted run is and how to resume it (stderr), and return the
    exception to raise."""
    if not (Path(run_path) / "manifest.json").is_file():
        message = "run cancelled before it began: nothing was sent"
        run_dir = None
    else:
        run_dir = str(run_path)
        message = (
            f"run cancelled; its rows so far are in {run_dir}; resume with "
            f"orkit.resume({run_dir!r}) or: {resume_command(run_dir)}"
        )
    say(message, stream=stream)
    return RunInterrupted(message, run_dir)


def say(message: str, *, stream: TextIO | None = None) -> None:
    """`orkit: <message>` on stderr (from the Python API, which has no CLI to print it)."""
    out = stream if stream is not None else sys.stderr
    try:
        out.write(f"orkit: {message}\n")
        out.flush()
    except (OSError, ValueError):
        pass  # a closed stderr must not hide what happened
