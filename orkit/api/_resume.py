"""Finish a run after a crash, a Ctrl-C, a quota or a budget stop (`resume`), or run its
failed tasks again (`retry`) — re-sending nothing that already finished.

The journal says what finished; the manifest says what the run was asked to do (the resolved
sweep, see `_resolved`), so both verbs work from any directory, however the run was started.
They refuse to go on when the content of the dataset or a prompt file changed since, naming
the file, unless drift is allowed.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from orkit._portal import run_sync
from orkit.api._execute import Session, execute_session
from orkit.api._interrupted import interrupted, say
from orkit.api._provision import forget_key, provisioned, provisioning_for, record_key
from orkit.api._run import Run
from orkit.batch import Observer
from orkit.errors import RunError, SpecError
from orkit.plan import (
    SweepDefinition,
    adopt_drift,
    content_drift,
    plan_sweep,
    prepare,
    resolved_spec,
    stored_sweep,
    sweep_client,
)
from orkit.progress import RunPlan, progress_observer, settle_display
from orkit.results import (
    Journal,
    Manifest,
    RunDir,
    begin_execution,
    last_seen,
    run_lock,
    settle_killed_execution,
    shown_name,
)
from orkit.scorers import split_scorers
from orkit.types import Secret

__all__ = ["Continuation", "continue_async", "resume_async", "retry_async"]


@dataclass(frozen=True, slots=True)
class Continuation:
    """What a resume or retry did: the run, and why it sent nothing, when it had nothing
    to do (a finished run; no error rows): then nothing was started or drawn."""

    run: RunDir
    nothing_to_do: str | None = None


def _current_sweep(
    run: RunDir, manifest: Manifest, allow_drift: bool, verb: str = "resume"
) -> tuple[SweepDefinition, list[str]]:
    """The sweep to continue with: the one the run stored (never its spec file re-read) —
    unless the dataset or a prompt file it read changed since, which is refused (naming the
    file) or, with drift allowed, adopted."""
    where = str(run.manifest_path)
    sweep, changes = content_drift(stored_sweep(manifest, where), manifest)
    if changes and not allow_drift:
        raise SpecError(
            f"the run's input files changed since it started ({'; '.join(changes)}); "
            f"{verb} with --allow-drift to continue with them as they are now",
            path=where,
        )
    return sweep, changes


def _drop_stale_pending(run: RunDir, sweep: SweepDefinition) -> None:
    """Under a changed spec, skipped or deferred tasks of the old one will never be done:
    their rows go (finished rows of the old spec stay, as history)."""
    keys = {task.key for lane in plan_sweep(sweep, validate=False).lanes() for task in lane}
    journal = Journal(run.journal_path)
    try:
        journal.drop_pending(keys)
    finally:
        journal.close()


def _spent(journal: Journal) -> float:
    """What the run spent so far: its rows (answers, and failures billed after they began),
    the billed attempts that are not a row's own, and its LLM judges' requests."""
    rows = sum(row.get("cost_usd") or 0.0 for row in journal.results())
    attempts = sum(cost or 0.0 for _, cost in journal.extra_billed())
    return rows + attempts + sum(row.get("judge_cost_usd") or 0.0 for row in journal.scores())


async def _continue(
    run: RunDir,
    sweep: SweepDefinition,
    manifest: Manifest,
    *,
    only: set[str] | None,
    api_key: str | Secret | None,
    observer: Observer | None,
    seen: float | None,
    provision_key: float | None = None,
) -> RunDir | None:
    """`seen`: when the run was last seen alive, read before anything touched it. None when
    a finished run has no task left to send (nothing is touched). A run that provisions
    its key (`provision_key`, else the manifest's limit) does again, with what is left."""
    plan, endpoint, rows = prepare(sweep, api_key=api_key)
    stored = manifest.provisioned_key or {}
    limit = provision_key if provision_key is not None else stored.get("limit_usd")
    what = "--provision-key" if provision_key is not None else "this run's --provision-key"
    provisioning = provisioning_for(limit, endpoint, what=what)
    with run_lock(run.path):  # refuse at once if another process works on this run
        pass
    journal = Journal(run.journal_path)
    try:
        done = journal.keys(final=True) if only is None else frozenset()
        spent = _spent(journal)
        # attempts already made, a retry's and those of tasks a kill interrupted (they
        # were journaled as they ended): new attempts are numbered after them
        offsets = journal.attempt_counts()
    finally:
        journal.close()
    total = len(only) if only is not None else rows * plan.tasks_per_item - len(done)
    if total <= 0 and manifest.status == "completed" and not _judges(sweep):
        return None
    if total <= 0:
        # every task has a row, but the run did not end as completed (stopped as its last
        # rows came in), or its judges may have rows left to judge (the budget stopped
        # them): the execution settles them, with no bar of 0/0 to draw
        observer = None
    settle_killed_execution(manifest, seen)  # the lock was free: nobody is running it
    manifest.status, manifest.error = "running", None
    begin_execution(manifest, "retry" if only is not None else "resume", done_before=len(done))
    run.write_manifest(manifest)
    async with (
        provisioned(
            provisioning,
            endpoint,
            run.run_id,
            spent_usd=spent,
            orphan_hash=stored.get("hash"),
            on_deleted=partial(forget_key, run, manifest),
        ) as (endpoint, key_hash),
        sweep_client(sweep, endpoint) as client,
    ):
        if provisioning is not None:
            record_key(manifest, provisioning, key_hash)
            run.write_manifest(manifest)
        session = Session(
            sweep=sweep,
            plan=plan,
            endpoint=endpoint,
            run=run,
            manifest=manifest,
            total=max(0, total),
            observer=observer,
            done=done,
            only=only,
            continues=True,
            spent_usd=spent,
            attempt_offsets=offsets,
            estimate_as_of=_created_at(manifest),  # if stopped before its estimate
        )
        await execute_session(session, client)
    return run


def _judges(sweep: SweepDefinition) -> bool:
    """The sweep has scorers that run after the answers (LLM judges, async scorers): a
    resume of a completed run may still have answers of it to score."""
    _, deferred = split_scorers(sweep.scorer_objects)
    return bool(deferred)


def _created_at(manifest: Manifest) -> float:
    """When the run began (`time.time()`), from its manifest; now if it does not say."""
    try:
        return datetime.fromisoformat(str(manifest.created_at)).timestamp()
    except ValueError:
        return time.time()


async def resume_async(
    path: str | os.PathLike[str],
    *,
    allow_drift: bool = False,
    budget_usd: float | None = None,
    api_key: str | Secret | None = None,
    observer: Observer | None = None,
    provision_key: float | None = None,
) -> RunDir:
    """Finish a run: send every task that has no final outcome yet (never sent, in flight
    when it stopped, skipped by the budget, waiting for a quota). A finished run is left as
    it is. A run that provisions its key deletes the one a kill left behind, then spends
    through a new one with what is left of its limit (`provision_key`: a new total limit)."""
    done = await continue_async(
        path,
        "resume",
        allow_drift=allow_drift,
        budget_usd=budget_usd,
        api_key=api_key,
        observer=observer,
        provision_key=provision_key,
    )
    return done.run


async def retry_async(
    path: str | os.PathLike[str],
    *,
    statuses: tuple[str, ...] = ("error",),
    allow_drift: bool = False,
    api_key: str | Secret | None = None,
    observer: Observer | None = None,
) -> RunDir:
    """Run the tasks whose outcome has one of `statuses` again, as new attempts of the same
    rows (their old attempts stay in the attempts table). `allow_drift`: as for `resume`."""
    done = await continue_async(
        path,
        "retry",
        statuses=statuses,
        allow_drift=allow_drift,
        api_key=api_key,
        observer=observer,
    )
    return done.run


async def continue_async(
    path: str | os.PathLike[str],
    verb: str,
    *,
    statuses: tuple[str, ...] = ("error",),
    allow_drift: bool = False,
    budget_usd: float | None = None,
    api_key: str | Secret | None = None,
    observer: Observer | None = None,
    provision_key: float | None = None,
) -> Continuation:
    """`resume_async` (`verb` "resume") or `retry_async` ("retry"), saying when there was
    nothing to do (`orkit resume` and `retry` print it, and draw no bar)."""
    if verb not in ("resume", "retry"):
        raise ValueError(f"verb must be 'resume' or 'retry', got {verb!r}")
    run = RunDir.open(path)
    seen = last_seen(run.path)
    manifest = run.read_manifest()
    if verb == "retry":
        return await _retry(run, manifest, seen, statuses, allow_drift, api_key, observer)
    if not run.journal_path.is_file():
        raise RunError(_no_journal(path, manifest), run_dir=str(path))
    sweep, changes = _current_sweep(run, manifest, allow_drift)
    if budget_usd is not None:
        sweep = replace(sweep, budget_usd=budget_usd)
    manifest.spec = resolved_spec(sweep)
    manifest.spec_resolved = True  # an old manifest's paths, now absolute
    if changes:
        adopt_drift(manifest, sweep, changes)
        _drop_stale_pending(run, sweep)
    continued = await _continue(
        run,
        sweep,
        manifest,
        only=None,
        api_key=api_key,
        observer=observer,
        seen=seen,
        provision_key=provision_key,
    )
    if continued is None:
        return Continuation(run, _nothing_to_resume(path, manifest))
    return Continuation(continued)


def _no_journal(path: str | os.PathLike[str], manifest: Manifest) -> str:
    """Why a run without a journal cannot be resumed. A run stopped during its startup (a
    `kill -9` after its manifest, before its first request) still says `running`: it sent
    nothing, so it is started again, not resumed. Runs of orkit before 0.1 had none."""
    if manifest.status == "running":
        return (
            f"{path}: a run stopped before its first request (no journal.sqlite; nothing "
            "was sent): start it again with orkit run"
        )
    return f"{path}: no journal.sqlite; was this run made by orkit >= 0.1?"


def _nothing_to_resume(path: str | os.PathLike[str], manifest: Manifest) -> str:
    errors = int(manifest.totals_all.get("errors") or 0)
    retry = ""
    if errors:
        retry = f" ({errors:,} failed: orkit retry --errors {path} sends them again)"
    return f"nothing to resume: every task of {path} has a row{retry}"


async def _retry(
    run: RunDir,
    manifest: Manifest,
    seen: float | None,
    statuses: tuple[str, ...],
    allow_drift: bool,
    api_key: str | Secret | None,
    observer: Observer | None,
) -> Continuation:
    sweep, changes = _current_sweep(run, manifest, allow_drift, "retry")
    if changes:
        adopt_drift(manifest, sweep, changes)
    journal = Journal(run.journal_path)
    try:
        keys: set[str] = set()
        for status in statuses:
            keys |= journal.keys(status=status)
    finally:
        journal.close()
    if not keys:
        rows = " or ".join(statuses)
        return Continuation(run, f"nothing to retry: {run.path} has no {rows} rows")
    continued = await _continue(
        run, sweep, manifest, only=keys, api_key=api_key, observer=observer, seen=seen
    )
    return Continuation(continued or run)


def resume(
    path: str | os.PathLike[str],
    *,
    allow_drift: bool = False,
    budget_usd: float | None = None,
    api_key: str | Secret | None = None,
    progress: bool | str = True,
    provision_key: float | None = None,
) -> Any:
    """Blocking `resume_async`, returning the `Run` (works in scripts and in Jupyter).
    `progress` as for `Sweep.run`, under the run's name. A finished run is left as it is,
    saying so (stderr). Ctrl-C: as for `Sweep.run`."""
    manifest = RunDir.open(path).read_manifest()
    name = shown_name(manifest) or "orkit"
    # made here, in the caller's thread: a notebook shows the dashboard in this cell
    budget = budget_usd if budget_usd is not None else manifest.spec.get("budget_usd")
    plan = RunPlan(budget_usd=budget, even_split=False)
    observer = progress_observer(progress, name=name, plan=plan, run_dir=Path(path))
    try:
        done = run_sync(
            continue_async,
            path,
            "resume",
            allow_drift=allow_drift,
            budget_usd=budget_usd,
            api_key=api_key,
            observer=observer,
            provision_key=provision_key,
        )
    except BaseException as exc:
        settle_display(observer, exc)
        if isinstance(exc, KeyboardInterrupt):
            raise interrupted(path) from None
        raise
    settle_display(observer)
    if done.nothing_to_do:
        say(done.nothing_to_do)
    return Run(done.run)
