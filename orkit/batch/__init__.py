"""The batch engine (layer 3): sweeps, planning, execution, run directories."""

from __future__ import annotations

from orkit.plan._endpoint import Endpoint, open_client, resolve_endpoint
from orkit.batch._engine import EngineOptions, TaskServices, execute
from orkit.estimate._estimate import estimate_async
from orkit.api._hint import resume_command
from orkit.api._interrupted import RunInterrupted
from orkit.plan._param_support import param_warnings
from orkit.api._pilot import PilotDeclined, estimate_with_pilot, pilot_sweep
from orkit.plan._plan import Plan, validate_dataset
from orkit.progress._tqdm import NullObserver, Observer, TqdmObserver
from orkit.progress._console import PROGRESS_MODES, ConsoleProgress, progress_observer
from orkit.api._rescore import rescore_async
from orkit.api._resume import (
    Continuation,
    continue_async,
    resume,
    resume_async,
    retry_async,
)
from orkit.api._run import Run, open_run
from orkit.api._execute import plan_sweep, preflight_async, prepare, run_sweep_async
from orkit.batch._sink import ResultSink, rebuild_parts
from orkit.plan._spec import dump_spec, load_spec, resolve_scorer_paths, spec_from_dict
from orkit.plan._sweep import Sweep
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
