"""The run's manifest: written when a run begins, and finished (status, totals, warnings,
cost side by side with the estimate, the resume command) when an execution ends."""

from __future__ import annotations

import platform
import time
from collections.abc import Collection, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orkit._clock import SystemClock
from orkit._settings import load_settings
from orkit.plan._base_url import BaseUrlGuard
from orkit.batch._budget import Prices
from orkit.plan._checks import ENDPOINT_KINDS
from orkit.plan._dataset_copy import lane_copy_writer, write_dataset_copy
from orkit.estimate._run_costs import (
    cost_side_by_side,
    learn_quietly,
    manifest_estimate,
    settle_costs,
)
from orkit.plan._endpoint import Endpoint, check_endpoint, open_client, resolve_endpoint
from orkit.batch._engine import EngineOptions, TaskServices, execute
from orkit.results._executions import begin_execution, end_execution
from orkit.batch._gc import older_objects_frozen
from orkit.api._hint import resume_command
from orkit.plan._judge_models import check_judge_models
from orkit.batch._judging import judge_spend, judge_worst_case, run_scoring_stage
from orkit.cost._learn import Lessons
from orkit.plan._param_support import check_param_support
from orkit.plan._plan import Plan, validate_dataset
from orkit.progress._tqdm import Observer, format_reset
from orkit.progress._contestants import contestant_keys
from orkit.plan._resolved import RESOLVED_KEY, prompt_files, resolved_spec
from orkit.plan._route_checks import check_routes, fallback_models, load_route_endpoints
from orkit.plan._scorer_columns import check_scorer_columns
from orkit.batch._scoring import ScoringJob
from orkit.plan._server import key_info, models_not_found, server_catalog
from orkit.plan._services import cache_for, model_prices, new_budget, worst_case_for
from orkit.batch._sink import ResultSink, rebuild_parts
from orkit.plan._streaming import StreamChoice
from orkit.batch._tasks import Task
from orkit.batch._totals import RunTotals
from orkit.catalog import Catalog
from orkit.client import AsyncOpenRouter
from orkit.cost import Estimate
from orkit.data import PromptTemplate, open_dataset
from orkit.errors import APIError, ConfigError, RunStoppedError
from orkit.results import (
    MANIFEST_VERSION,
    SCHEMA_VERSION,
    Journal,
    RunDir,
    run_lock,
    touch_lock,
)
from orkit.router import DailyQuota, Router, RouterOptions, account_id
from orkit.scorers import split_scorers
from orkit.types import Clock, Completer, Secret

if TYPE_CHECKING:
    from orkit.plan._sweep import SweepDefinition

__all__ = ["finish_manifest", "new_manifest", "now_iso", "recount_from_journal"]


def finish_manifest(
    session: Session,
    totals: RunTotals,
    lessons: Lessons,
    counts: dict[str, int],
    status: str,
    wall_s: float,
) -> None:
    manifest = session.manifest
    own = totals.all  # this execution's rows (a resume's or retry's, before the recount)
    outcome = {
        "tasks": own.tasks,
        "ok": own.ok,
        "errors": own.errors,
        "skipped_budget": own.skipped_budget,
        "deferred": own.deferred,
    }
    if session.done or session.only is not None or session.costs_filled:
        # a resume or retry counts the whole run; costs filled in after the lanes are in
        # the journal only
        totals, lessons = recount_from_journal(session.run, totals.deferred_until)
    end_execution(manifest, status, wall_s, **outcome)
    manifest.update(
        status=status,
        finished_at=now_iso(),
        totals=totals.to_dict(),
        journal_counts=counts,
        warnings=run_warnings(totals, session.run),
        cost=cost_side_by_side(manifest.get("estimate"), totals, manifest.get("judges")),
    )
    if session.costs_filled:
        manifest["costs_filled"] = session.costs_filled
    if status in ("cancelled", "failed", "stopped", "incomplete"):
        manifest["resume_with"] = resume_command(session.run.path)
    else:
        manifest.pop("resume_with", None)
    session.run.write_manifest(manifest)
    learn_quietly(lessons, session.run, manifest, session.endpoint)


def run_warnings(totals: RunTotals, run: RunDir) -> list[str]:
    out = []
    mixed = totals.mixed_providers()
    pin = "pin one with params.provider = {only = [...]} for comparable results"
    if len(mixed) == 1:
        ((model, providers),) = mixed.items()
        out.append(
            f"{model} was served by {len(providers)} providers ({', '.join(providers)}); {pin}"
        )
    elif mixed:  # one line for all: the demo's three models made three near-identical lines
        each = "; ".join(f"{m}: {', '.join(p)}" for m, p in mixed.items())
        out.append(f"{len(mixed)} models were each served by several providers ({each}); {pin}")
    if totals.all.deferred and totals.deferred_until:
        out.append(
            f"{totals.all.deferred} tasks are waiting for quota (resets at "
            f"{format_reset(totals.deferred_until)}); after the reset: {resume_command(run.path)}"
        )
    if totals.all.skipped_budget:
        out.append(
            f"{totals.all.skipped_budget} tasks were not sent: they could have passed the "
            f"budget; to finish them: {resume_command(run.path, '--budget <larger>')}"
        )
    return out


def recount_from_journal(
    run: RunDir, deferred_until: float | None = None
) -> tuple[RunTotals, Lessons]:
    """The whole run's totals and lessons, read back from its journal: every results row
    and every attempt (of all executions: a resume, a retry or a cost fill must not forget
    the attempts, 429s and retries of the ones before)."""
    totals, lessons = RunTotals(), Lessons()
    journal = Journal(run.journal_path)
    try:
        for row in journal.results():
            totals.add(row)
            lessons.add(row)
        for model, attempt in journal.attempts_by_task_model():
            totals.add_journaled_attempt(model, attempt)
        for model, cost in journal.extra_billed():
            totals.add_billed_attempt(model, cost)
    finally:
        journal.close()
    totals.deferred_until = deferred_until
    return totals, lessons


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_manifest(
    sweep: SweepDefinition, endpoint: Endpoint, plan: Plan, run: RunDir, rows: int, total: int
) -> dict[str, Any]:
    import pyarrow

    from orkit import __version__

    catalog = Catalog.bundled() if endpoint.uses_catalog else None
    return {
        "manifest_version": MANIFEST_VERSION,
        "schema_version": SCHEMA_VERSION,
        "run_id": run.run_id,
        "name": sweep.name,
        "status": "running",
        "created_at": now_iso(),
        "finished_at": None,
        "spec": resolved_spec(sweep),
        RESOLVED_KEY: True,
        "spec_path": sweep.spec_path,
        "endpoint": endpoint.describe(),
        "dataset": {
            "path": plan.dataset.path,
            "format": plan.dataset.format,
            "fingerprint": plan.dataset.fingerprint(),
            "rows": rows,
        },
        "prompt_fingerprints": {pid: t.fingerprint() for pid, t in plan.prompts},
        "prompt_files": prompt_files(sweep),
        "catalog": None
        if catalog is None
        else {"source": catalog.source, "date": catalog.snapshot_date},
        "tasks": total,
        "versions": {
            "orkit": __version__,
            "python": platform.python_version(),
            "pyarrow": pyarrow.__version__,
        },
    }
