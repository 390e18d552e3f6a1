"""The public verbs (layer 6): `Sweep` with `run` and `estimate`, `Run`, `open_run`,
`resume`, retry, re-score and the pilot. The only package that uses the sync portal.
"""

from __future__ import annotations

from orkit.api._execute import run_sweep_async
from orkit.api._hint import resume_command
from orkit.api._interrupted import RunInterrupted
from orkit.api._pilot import PilotDeclined, estimate_with_pilot, pilot_sweep
from orkit.api._rescore import rescore_async
from orkit.api._resume import Continuation, continue_async, resume, resume_async, retry_async
from orkit.api._run import Run, open_run
from orkit.api._sweep import Sweep, load_spec

__all__ = [
    "Continuation",
    "PilotDeclined",
    "Run",
    "RunInterrupted",
    "Sweep",
    "continue_async",
    "estimate_with_pilot",
    "load_spec",
    "open_run",
    "pilot_sweep",
    "rescore_async",
    "resume",
    "resume_async",
    "resume_command",
    "retry_async",
    "run_sweep_async",
]
