"""Public: the verbs (layer 6): `Sweep` with `run`, `start` and `estimate`, `RunHandle`,
`Run`, `open_run`, `resume`, retry, re-score, the pilot, and a run's provisioned key. With
`orkit.cli`, the only user of the sync portal.
"""

from __future__ import annotations

from orkit import _exports
from orkit.api._execute import Prechecked, run_sweep_async
from orkit.api._formats import json_object, json_schema
from orkit.api._handle import RunHandle
from orkit.api._hint import resume_command
from orkit.api._interrupted import RunInterrupted
from orkit.api._pilot import PilotDeclined, estimate_with_pilot, pilot_sweep
from orkit.api._progress import RunProgress
from orkit.api._provision import Provisioning, check_provision_limit, provisioning_for
from orkit.api._rescore import rescore_async
from orkit.api._resume import Continuation, continue_async, resume, resume_async, retry_async
from orkit.api._run import Run, open_run
from orkit.api._sweep import Sweep, load_spec
from orkit.results import Model  # a model entry of a Sweep (its own endpoint, a label)

__all__ = [
    "Continuation",
    "Model",
    "PilotDeclined",
    "Prechecked",
    "Provisioning",
    "Run",
    "RunHandle",
    "RunInterrupted",
    "RunProgress",
    "Sweep",
    "check_provision_limit",
    "continue_async",
    "estimate_with_pilot",
    "json_object",
    "json_schema",
    "load_spec",
    "open_run",
    "pilot_sweep",
    "provisioning_for",
    "rescore_async",
    "resume",
    "resume_async",
    "resume_command",
    "retry_async",
    "run_sweep_async",
]

_exports.publish(globals())
