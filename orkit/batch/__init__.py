"""The engine (layer 3): run every model's lane of tasks through the router, record each
outcome journal first, and score it; the budget, the running totals and the observer
protocol it reports to. The hot path only: planning is `orkit.plan`, pricing
`orkit.estimate`, the verbs `orkit.api`. Internal.
"""

from __future__ import annotations

from orkit.batch._budget import Budget
from orkit.batch._cache_columns import CachePricing
from orkit.batch._embed_calls import EmbedService, embedding_worst_case
from orkit.batch._engine import EngineOptions, RunHooks, TaskServices, execute
from orkit.batch._judge_calls import JudgeCaller
from orkit.batch._judging import judge_models, judge_spend, judge_worst_case, run_scoring_stage
from orkit.batch._observer import NullObserver, Observer, StatusFn, format_reset
from orkit.batch._scoring import ScoringJob, StageTotals, baseline_of
from orkit.batch._sink import ResultSink
from orkit.batch._starved import is_reasoning_starved, starved_warning
from orkit.batch._tasks import Task, task_key
from orkit.batch._tool_loop import ToolLoop
from orkit.batch._totals import ModelTotals, RunTotals
from orkit.batch._worst_case import WorstCase

__all__ = [
    "Budget",
    "CachePricing",
    "EmbedService",
    "EngineOptions",
    "JudgeCaller",
    "ModelTotals",
    "NullObserver",
    "Observer",
    "ResultSink",
    "RunHooks",
    "RunTotals",
    "ScoringJob",
    "StageTotals",
    "StatusFn",
    "Task",
    "TaskServices",
    "ToolLoop",
    "WorstCase",
    "baseline_of",
    "embedding_worst_case",
    "execute",
    "format_reset",
    "is_reasoning_starved",
    "judge_models",
    "judge_spend",
    "judge_worst_case",
    "run_scoring_stage",
    "starved_warning",
    "task_key",
]
