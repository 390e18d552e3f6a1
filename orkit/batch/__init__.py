"""The batch engine (layer 3): sweeps, planning, execution, run directories."""

from __future__ import annotations

from orkit.batch._endpoint import Endpoint, open_client, resolve_endpoint
from orkit.batch._engine import EngineOptions, TaskServices, execute
from orkit.batch._estimate import estimate_async
from orkit.batch._hint import resume_command
from orkit.batch._interrupted import RunInterrupted
from orkit.batch._param_support import param_warnings
from orkit.batch._pilot import PilotDeclined, estimate_with_pilot, pilot_sweep
from orkit.batch._plan import Plan, validate_dataset
from orkit.batch._progress import NullObserver, Observer, TqdmObserver
from orkit.batch._progress_console import PROGRESS_MODES, ConsoleProgress, progress_observer
from orkit.batch._rescore import rescore_async
from orkit.batch._resume import (
    Continuation,
    continue_async,
    resume,
    resume_async,
    retry_async,
)
from orkit.batch._run import Run, open_run
from orkit.batch._runner import plan_sweep, preflight_async, prepare, run_sweep_async
from orkit.batch._sink import ResultSink, rebuild_parts
from orkit.batch._spec import dump_spec, load_spec, resolve_scorer_paths, spec_from_dict
from orkit.batch._sweep import Sweep
from orkit.batch._tasks import Task, canonical_json, content_hash, task_key
from orkit.batch._totals import ModelTotals, RunTotals

__all__ = [
    "PROGRESS_MODES",
    "ConsoleProgress",
    "Continuation",
    "Endpoint",
    "EngineOptions",
    "ModelTotals",
    "NullObserver",
    "Observer",
    "PilotDeclined",
    "Plan",
    "ResultSink",
    "Run",
    "RunInterrupted",
    "RunTotals",
    "Sweep",
    "Task",
    "TaskServices",
    "TqdmObserver",
    "canonical_json",
    "content_hash",
    "continue_async",
    "dump_spec",
    "estimate_async",
    "estimate_with_pilot",
    "execute",
    "load_spec",
    "open_client",
    "open_run",
    "param_warnings",
    "pilot_sweep",
    "plan_sweep",
    "preflight_async",
    "prepare",
    "progress_observer",
    "rebuild_parts",
    "rescore_async",
    "resolve_endpoint",
    "resolve_scorer_paths",
    "resume",
    "resume_async",
    "resume_command",
    "retry_async",
    "run_sweep_async",
    "spec_from_dict",
    "task_key",
    "validate_dataset",
]
