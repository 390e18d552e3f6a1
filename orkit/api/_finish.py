"""The run's manifest: written when a run begins, and finished (status, totals, warnings,
cost side by side with the estimate, the resume command) when an execution ends."""

from __future__ import annotations

import platform
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pyarrow

from orkit._version import __version__
from orkit.api._hint import resume_command
from orkit.batch import (
    RunTotals,
    format_reset,
    starved_warning,
)
from orkit.catalog import Catalog
from orkit.cost import Lessons
from orkit.estimate import cost_side_by_side, learn_quietly
from orkit.plan import (
    Endpoint,
    Plan,
    prompt_files,
    resolved_spec,
)
from orkit.results import (
    MANIFEST_VERSION,
    SCHEMA_VERSION,
    CatalogRecord,
    DatasetRecord,
    Journal,
    Manifest,
    RunDir,
    end_execution,
)

if TYPE_CHECKING:
    from orkit.api._execute import Session
    from orkit.plan import SweepDefinition

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
    if session.done or session.attempt_offsets or session.only is not None or session.costs_filled:
        # a resume or retry counts the whole run (also one whose first execution finished
        # no task but was billed: a tool loop cut short); costs filled in after the lanes
        # are in the journal only
        totals, lessons = recount_from_journal(session.run, totals.deferred_until)
    end_execution(manifest, status, wall_s, **outcome)
    manifest.status = status
    manifest.finished_at = now_iso()
    manifest.totals = totals.to_dict()
    manifest.journal_counts = counts
    manifest.warnings = run_warnings(totals, session.run)
    manifest.cost = cost_side_by_side(manifest.estimate, totals, manifest.judges)
    if session.costs_filled:
        manifest.costs_filled = session.costs_filled
    if status in ("cancelled", "failed", "stopped", "incomplete"):
        manifest.resume_with = resume_command(session.run.path)
    else:
        manifest.resume_with = None
    session.run.write_manifest(manifest)
    plan = session.plan
    per_model = {
        name: (plan.endpoints.get(name, session.endpoint), plan.sent_as.get(name, name))
        for name in {*plan.endpoints, *plan.sent_as}
    }
    learn_quietly(lessons, session.run, manifest, session.endpoint, per_model)


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
    starved = starved_warning({m: t.reasoning_starved for m, t in totals.by_model.items()})
    if starved:
        out.append(starved)
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
) -> Manifest:

    catalog = Catalog.bundled() if endpoint.uses_catalog else None
    return Manifest(
        manifest_version=MANIFEST_VERSION,
        schema_version=SCHEMA_VERSION,
        run_id=run.run_id,
        name=sweep.name,
        status="running",
        created_at=now_iso(),
        finished_at=None,
        spec=resolved_spec(sweep),
        spec_resolved=True,
        spec_path=sweep.spec_path,
        endpoint=endpoint.describe(),
        model_endpoints={m: e.describe() for m, e in plan.endpoints.items()} or None,
        dataset=DatasetRecord(
            path=plan.dataset.path,
            format=plan.dataset.format,
            fingerprint=plan.dataset.fingerprint(),
            rows=rows,
        ),
        prompt_fingerprints={pid: t.fingerprint() for pid, t in plan.prompts},
        prompt_files=prompt_files(sweep),
        catalog=None
        if catalog is None
        else CatalogRecord(source=catalog.source, date=catalog.snapshot_date),
        tasks=total,
        versions={
            "orkit": __version__,
            "python": platform.python_version(),
            "pyarrow": pyarrow.__version__,
        },
    )
