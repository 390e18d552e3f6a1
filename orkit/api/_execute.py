"""Run a Sweep end to end: check everything, create the run directory, execute, finish the
manifest. The only module that touches all the pieces."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio

from orkit._clock import SystemClock
from orkit.api._finish import finish_manifest, new_manifest
from orkit.api._provision import forget_key, provisioned, provisioning_for, record_key
from orkit.batch import (
    CachePricing,
    EmbedService,
    EngineOptions,
    Observer,
    ResultSink,
    RunHooks,
    ScoringJob,
    Task,
    TaskServices,
    embedding_worst_case,
    execute,
    judge_spend,
    judge_worst_case,
    run_scoring_stage,
)
from orkit.catalog import Catalog
from orkit.client import AsyncOpenRouter
from orkit.cost import Estimate, Prices
from orkit.errors import RunStoppedError
from orkit.estimate import manifest_estimate, settle_costs
from orkit.plan import (
    Endpoint,
    Plan,
    RunRouting,
    budget_prices,
    cache_for,
    check_routes_of,
    lane_copy_writer,
    new_budget,
    prepare,
    run_routing,
    server_catalog,
    sweep_client,
    worst_case_for,
    write_dataset_copy,
)
from orkit.progress import contestant_keys
from orkit.results import (
    Journal,
    Manifest,
    RunDir,
    begin_execution,
    new_run_id,
    rebuild_parts,
    run_lock,
    touch_lock,
)
from orkit.scorers import split_scorers
from orkit.types import Clock, Secret

if TYPE_CHECKING:
    from orkit.plan import SweepDefinition

__all__ = ["Prechecked", "Session", "execute_session", "run_sweep_async"]


@dataclass(frozen=True, slots=True)
class Prechecked:
    """What a caller checked before the run (`orkit run`, before its estimate): what
    `prepare(sweep)` returned, and whether its `preflight_async` checked the provider
    routes (then the run does not fetch them again)."""

    plan: Plan
    endpoint: Endpoint
    rows: int
    routes_checked: bool = False


@dataclass(slots=True, kw_only=True)
class Session:
    """One execution over a run directory: a first run, a resume, or a retry."""

    sweep: SweepDefinition
    plan: Plan
    endpoint: Endpoint
    run: RunDir
    manifest: Manifest
    total: int
    observer: Observer | None = None
    clock: Clock = field(default_factory=SystemClock)
    done: Collection[str] = frozenset()
    """Task keys to skip (finished by an earlier execution)."""
    only: Collection[str] | None = None
    """If set, only these task keys run (a retry of failed tasks)."""
    continues: bool = False
    """A resume or retry of an existing run (whose rows it may replace)."""
    spent_usd: float = 0.0
    """What earlier executions of this run spent (counts against the budget)."""
    attempt_offsets: dict[str, int] = field(default_factory=dict)
    """Attempts already made per task (a retry numbers its attempts after them)."""
    costs_filled: dict[str, int] = field(default_factory=dict)
    """Rows costed after the lanes finished, by source (`orkit.estimate.settle_costs`)."""
    estimate_as_of: float = field(default_factory=time.time)
    """When the run began (`time.time()`): a manifest without an estimate gets one made
    while the run drains, as it would have been then."""


async def execute_session(session: Session, client: AsyncOpenRouter) -> None:
    """Route every task of the session, journal first; keep the manifest up to date. Only
    one process at a time may work on a run directory."""
    with run_lock(session.run.path):
        try:
            await _execute_locked(session, client)
        finally:
            if session.continues:
                # A resume or retry replaced rows (even one of a run that finished no task:
                # its skipped_budget or deferred rows are in the table): one row per task
                # again, every attempt, the latest scores — rewritten from the journal.
                journal = Journal(session.run.journal_path)
                try:
                    rebuild_parts(session.run, journal)
                finally:
                    journal.close()


async def _execute_locked(session: Session, client: AsyncOpenRouter) -> None:
    async with run_routing(
        session.sweep, session.plan, session.endpoint, client, clock=session.clock
    ) as routing:
        await _route_all(session, client, routing)


async def _route_all(session: Session, client: AsyncOpenRouter, routing: RunRouting) -> None:
    sweep, run, manifest = session.sweep, session.run, session.manifest
    router = routing.router
    services, prices = await _services(session, routing, client)
    # Cheap sync scorers run inline on each answer; LLM judges and async scorers run in the
    # scoring stage once the candidates are in (a pairwise judge needs both answers).
    inline, deferred = split_scorers(sweep.scorer_objects)
    announce = getattr(session.observer, "on_contestants", None)
    if announce is not None:
        announce(contestant_keys(session.plan))
    journal = Journal(run.journal_path)
    sink = ResultSink(run, journal)
    started = time.monotonic()
    status = "failed"
    try:
        await execute(
            _lanes(session),
            total=session.total,
            router=router,
            sink=sink,
            clock=session.clock,
            options=EngineOptions(workers_per_lane=sweep.in_flight.per_model),
            services=replace(services, scorers=inline),
            hooks=RunHooks(
                observer=session.observer,
                while_draining=partial(_while_draining, session, client),
                heartbeat=partial(touch_lock, run.path),
            ),
        )
        await write_dataset_copy(session.plan, run)  # unless the first lane did
        if deferred:
            job = ScoringJob(
                deferred=deferred,
                models=sweep.model_names,
                concurrency=sweep.in_flight.judge_workers,
            )
            await run_scoring_stage(
                run,
                journal,
                job,
                router=router,
                cache=services.cache,
                budget=services.budget,
                worst_case=judge_worst_case(prices, sweep.fallbacks) if prices else None,
                embed=EmbedService(client.embed, embedding_worst_case(prices) if prices else None),
            )
        unknown = sink.totals.all.cost_unknown_rows + sink.totals.all.billed_attempts_unknown
        if unknown or session.done or session.only is not None:
            # (a first run whose every answer carried its cost has nothing to look up; a
            # resume or retry may inherit rows an earlier execution could not cost)
            session.costs_filled = await _settle_costs(session, routing)
        status = "completed"
    except RunStoppedError as exc:
        status = "stopped"
        manifest.error = exc.message
        exc.run_dir = str(run.path)
        raise
    except BaseException as exc:
        status = "cancelled" if _is_cancel(exc) else "failed"
        manifest.error = None if _is_cancel(exc) else str(exc)
        raise
    finally:
        routing.save_quotas()
        if services.cache is not None:
            services.cache.close()
        counts = journal.counts()
        if deferred:
            manifest.judges = judge_spend(journal.scores())
        journal.close()
        if status == "completed" and (counts.get("deferred") or counts.get("skipped_budget")):
            status = "incomplete"
        finish_manifest(
            session, sink.totals, sink.lessons, counts, status, time.monotonic() - started
        )


async def _settle_costs(session: Session, routing: RunRouting) -> dict[str, int]:
    """Cost the rows that came without one, each endpoint's through its own client."""
    if len(routing.clients) == 1:
        return await settle_costs(session.run, routing.clients[0][1], session.endpoint)
    filled: Counter[str] = Counter()
    own = set(session.plan.endpoints)
    for index, (endpoint, client, names) in enumerate(routing.clients):
        served = set(names)
        pick = (lambda m: m not in own) if index == 0 else served.__contains__
        filled.update(await settle_costs(session.run, client, endpoint, pick))
    return dict(filled)


async def _while_draining(session: Session, client: AsyncOpenRouter) -> None:
    """What the end of the run needs and no request does, done while the last requests are
    in flight: the run's own estimate (as it would have been before the run: the calibration
    learns from this run only after it), and the catalog that prices what it learns."""
    if session.manifest.estimate is None:
        session.manifest.estimate = await manifest_estimate(
            session.sweep,
            session.endpoint,
            client,
            None,
            as_of=session.estimate_as_of,
            own=session.plan.endpoints,
        )
        session.run.write_manifest(session.manifest)
    Catalog.bundled()  # parsed once per process: 20 ms that would follow the last answer


def _lanes(session: Session) -> list[Iterator[Task]]:
    lanes = session.plan.lanes(lane_copy_writer(session.run))
    if session.only is None:
        return lanes
    only = session.only
    return [(t for t in lane if t.key in only) for lane in lanes]


async def _services(
    session: Session, routing: RunRouting, client: AsyncOpenRouter
) -> tuple[TaskServices, dict[str, Prices]]:
    """The cache and budget, and the prices the budget's worst cases use (empty without a
    budget)."""
    sweep, endpoint = session.sweep, session.endpoint
    worst = None
    prices: dict[str, Prices] = {}
    if sweep.budget_usd is not None:
        prices = await budget_prices(sweep, session.plan, routing)
        worst = worst_case_for(sweep, prices, endpoint, session.clock)
    services = TaskServices(
        done=session.done,
        cache=cache_for(sweep, endpoint, session.plan.endpoints),
        budget=new_budget(sweep, session.spent_usd),
        worst_case=worst,
        attempt_offsets=session.attempt_offsets,
        tool_loop=sweep.tool_loop,
        cache_pricing=await _cache_pricing(endpoint, client),
    )
    return services, prices


async def _cache_pricing(endpoint: Endpoint, client: AsyncOpenRouter) -> CachePricing | None:
    """The prices of the rows' cache columns: OpenRouter's listed ones, or what a server
    says of its own models in `/models` (fetched once per client: the preflight has it
    already); None when it says nothing (the columns stay null: unknown)."""
    if endpoint.uses_catalog:
        return CachePricing(Catalog.bundled())
    catalog = await server_catalog(client)
    return CachePricing(catalog) if catalog is not None else None


async def run_sweep_async(
    sweep: SweepDefinition,
    *,
    api_key: str | Secret | None = None,
    observer: Observer | None = None,
    clock: Clock | None = None,
    run_id: str | None = None,
    estimate: Estimate | None = None,
    prepared: tuple[Plan, Endpoint, int] | Prechecked | None = None,
    provision_key: float | None = None,
) -> RunDir:
    """Run `sweep` and return its run directory. Per-task failures are rows; only run-level
    failures raise (after the rows so far are flushed and the manifest says what happened).
    `estimate` (made by the caller, e.g. to ask before spending) goes into the manifest;
    without one, the run makes its own. `prepared`: what `prepare(sweep)` returned to a
    caller that already made it (`orkit run`, before its estimate), so the dataset is not
    read and rendered again (`api_key` is then unused: the endpoint holds the key), or a
    `Prechecked` saying too that the caller's `preflight_async` checked the provider routes;
    `provision_key`: a limit in USD: the run sends with a key of its own with that credit
    limit, deleted at the end (`_provision`)."""
    routes_checked = isinstance(prepared, Prechecked) and prepared.routes_checked
    if isinstance(prepared, Prechecked):
        prepared = (prepared.plan, prepared.endpoint, prepared.rows)
    plan, endpoint, rows = prepared or prepare(sweep, api_key=api_key)
    provisioning = provisioning_for(provision_key, endpoint)
    run_id = run_id or new_run_id()
    total = rows * plan.tasks_per_item
    made: dict[str, Any] = {}  # the run directory and manifest, once made (to record the delete)

    def forget() -> None:
        forget_key(made.get("run"), made.get("manifest"))

    async with (
        provisioned(provisioning, endpoint, run_id, on_deleted=forget) as (endpoint, key_hash),
        sweep_client(sweep, endpoint) as client,
    ):
        if not routes_checked:
            await check_routes_of(sweep, endpoint, client)
        run = made["run"] = RunDir.create(Path(sweep.out), run_id)
        manifest = made["manifest"] = new_manifest(sweep, endpoint, plan, run, rows, total)
        record_key(manifest, provisioning, key_hash)
        # Without the caller's estimate, the run makes its own while its last requests are
        # in flight (`_while_draining`): 40-100 ms of CPU that delayed them all when made
        # before the first.
        manifest.estimate = None if estimate is None else estimate.to_dict()
        begin_execution(manifest, "run")
        run.write_manifest(manifest)
        session = Session(
            sweep=sweep,
            plan=plan,
            endpoint=endpoint,
            run=run,
            manifest=manifest,
            total=total,
            observer=observer,
            clock=clock or SystemClock(),
        )
        await execute_session(session, client)
    return run


def _is_cancel(exc: BaseException) -> bool:
    return isinstance(exc, KeyboardInterrupt | anyio.get_cancelled_exc_class())
