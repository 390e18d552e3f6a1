"""Run a Sweep end to end: check everything, create the run directory, execute, finish the
manifest. The only function here that touches all the pieces."""

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
from orkit.batch._base_url import BaseUrlGuard
from orkit.batch._budget import Prices
from orkit.batch._checks import ENDPOINT_KINDS
from orkit.batch._copy import lane_copy_writer, write_dataset_copy
from orkit.batch._cost_run import (
    cost_side_by_side,
    learn_quietly,
    manifest_estimate,
    settle_costs,
)
from orkit.batch._endpoint import Endpoint, check_endpoint, open_client, resolve_endpoint
from orkit.batch._engine import EngineOptions, TaskServices, execute
from orkit.batch._executions import begin_execution, end_execution
from orkit.batch._hint import resume_command
from orkit.batch._judge_models import check_judge_models
from orkit.batch._judging import judge_spend, judge_worst_case, run_scoring_stage
from orkit.batch._learn import Lessons
from orkit.batch._param_support import check_param_support
from orkit.batch._plan import Plan, validate_dataset
from orkit.batch._progress import Observer, format_reset
from orkit.batch._progress_contestants import contestant_keys
from orkit.batch._resolved import RESOLVED_KEY, prompt_files, resolved_spec
from orkit.batch._route_checks import check_routes, fallback_models, load_route_endpoints
from orkit.batch._scorer_columns import check_scorer_columns
from orkit.batch._scoring import ScoringJob
from orkit.batch._server import key_info, models_not_found, server_catalog
from orkit.batch._services import cache_for, model_prices, new_budget, worst_case_for
from orkit.batch._sink import ResultSink, rebuild_parts
from orkit.batch._streaming import StreamChoice
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
    from orkit.batch._sweep import Sweep

__all__ = [
    "Session",
    "check_input",
    "daily_quota",
    "execute_session",
    "is_local_server",
    "plan_sweep",
    "preflight_async",
    "prepare",
    "price_catalog",
    "recount_from_journal",
    "router_options_for",
    "run_sweep_async",
]


def plan_sweep(sweep: Sweep, *, validate: bool = True) -> Plan:
    """The sweep's expansion; with `validate`, every row is read and rendered first."""
    dataset = open_dataset(sweep.dataset, id_field=sweep.id_field)
    prompts = [
        (pid, PromptTemplate(user=v["template"], system=v.get("system"), name=pid))
        for pid, v in sweep.prompts.items()
    ]
    if validate:
        validate_dataset(dataset, [t for _, t in prompts])
    return Plan(
        dataset=dataset,
        prompts=prompts,
        models=list(sweep.models),
        param_sets=sweep.param_sets(),
        repeats=sweep.repeats,
    )


def prepare(sweep: Sweep, *, api_key: str | Secret | None = None) -> tuple[Plan, Endpoint, int]:
    """Every check that needs no network: the user's own input (`check_input`), then the
    endpoint and its key. Raises a ConfigError subclass naming what is wrong; sends nothing."""
    plan, rows = check_input(sweep)
    # After the input: a missing key is not the problem to report for a dataset that is not
    # there (`orkit run nope.jsonl ...` said "no OpenRouter API key").
    endpoint = resolve_endpoint(sweep.endpoint, sim=sweep.sim, api_key=api_key)
    return plan, endpoint, rows


def check_input(sweep: Sweep) -> tuple[Plan, int]:
    """The checks of what the user wrote, needing neither a key nor a network: scorers, model
    ids and params against the bundled catalog (OpenRouter and the emulator), then every
    dataset row rendered with every template, and the scorers' columns. The plan and the
    number of rows."""
    scorers = sweep.built_scorers()
    if sweep.endpoint in ENDPOINT_KINDS:  # OpenRouter's model ids, checked offline
        check_judge_models(scorers, Catalog.bundled(), path=sweep.spec_path)  # names scorers[i]
        Catalog.bundled().require([*sweep.all_models, *fallback_models(sweep)])
        check_param_support(sweep, Catalog.bundled())  # the warnings: estimate and dry run
    plan = plan_sweep(sweep, validate=False)
    check_scorer_columns(
        scorers, plan.dataset.columns(), dataset=plan.dataset.path, spec_path=sweep.spec_path
    )
    rows = validate_dataset(plan.dataset, [t for _, t in plan.prompts])
    return plan, rows


async def preflight_async(sweep: Sweep, endpoint: Endpoint) -> list[str]:
    """Every check a run makes of the server before its first request, with GETs only: it
    answers and takes the key, a URL endpoint serves the models (`/models`, with a
    did-you-mean), and some provider passes each params set's filters. `orkit run` makes
    these before it shows an estimate, and a dry run makes them all. Returns warnings."""
    async with open_client(endpoint, timeouts=sweep.timeouts(), preflight=False) as client:
        warnings = await check_endpoint(client, endpoint, sweep.all_models)
        await _check_routes(sweep, endpoint, client)
    return warnings


async def _check_routes(sweep: Sweep, endpoint: Endpoint, client: AsyncOpenRouter) -> None:
    if endpoint.uses_catalog:  # fetches only when a params set filters providers
        check_routes(sweep, await load_route_endpoints(sweep, endpoint, client))


def sweep_client(sweep: Sweep, endpoint: Endpoint) -> AbstractAsyncContextManager[AsyncOpenRouter]:
    """The client a run (or resume, or re-score) of `sweep` talks to `endpoint` with."""
    return open_client(
        endpoint,
        max_connections=max(sweep.concurrency, 8),
        timeouts=sweep.timeouts(),
        models=sweep.all_models,
    )


def router_options_for(
    sweep: Sweep, endpoint: Endpoint, *, local_server: bool = False
) -> RouterOptions:
    """The sweep's routing settings, plus what orkit knows about the endpoint: the emulator
    runs its free-model windows on a time scale; OpenRouter's daily free quota is shared by
    every process of the account, so its counter lives in the user cache dir; a local
    server's concurrency is learnt from its latency (`local_server`: see `is_local_server`)."""
    overrides: dict[str, Any] = {}
    quota_path = None
    if endpoint.kind == "sim":
        scale = endpoint.sim.get("window_scale", endpoint.sim.get("time_scale", 1.0))
        overrides["free_window_s"] = 60.0 * max(float(scale), 1e-9)
        overrides["free_per_minute"] = int(endpoint.sim.get("free_per_minute", 20))
    elif endpoint.kind == "openrouter" and endpoint.api_key is not None:
        name = f"{account_id(endpoint.api_key.reveal())}.json"
        quota_path = load_settings().cache_dir / "free-quota" / name
    if local_server:
        # it queues what it cannot serve at once, and says so only by slowing down
        overrides["capacity_from_latency"] = True
    return sweep.router_options(overrides, quota_path)


def is_local_server(endpoint: Endpoint, client: AsyncOpenRouter) -> bool:
    """A URL endpoint without OpenRouter's `/key` (known after the preflight): llama.cpp,
    vLLM, Ollama. An OpenRouter-compatible proxy (or `orkit sim` on a port) has one, and
    answers 429 when full, so the 429-driven limits suit it."""
    return endpoint.kind == "url" and client.lacks("/key")


def daily_quota(options: RouterOptions, endpoint: Endpoint) -> DailyQuota:
    """OpenRouter's free-model daily quota: 50 until `GET /key` says otherwise. Other
    OpenAI-compatible servers have none unless their /key reports one."""
    default = 50 if endpoint.uses_catalog else 10**9
    return DailyQuota(limit=options.free_per_day or default, path=options.quota_path)


async def _seed_quota(router: Router, client: AsyncOpenRouter) -> None:
    """Start from the server's count of today's free-model requests, when it has one."""
    try:
        router.seed_from_key(await key_info(client))
    except APIError:
        pass  # servers without /key: the local counter applies


@dataclass(slots=True, kw_only=True)
class Session:
    """One execution over a run directory: a first run, a resume, or a retry."""

    sweep: Sweep
    plan: Plan
    endpoint: Endpoint
    run: RunDir
    manifest: dict[str, Any]
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
    """Rows costed after the lanes finished, by source (`_cost_run.settle_costs`)."""
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
    sweep, run, manifest = session.sweep, session.run, session.manifest
    local = is_local_server(session.endpoint, client)
    options = router_options_for(sweep, session.endpoint, local_server=local)
    completer: Completer = StreamChoice(client, sweep.stream, session.endpoint)
    if BaseUrlGuard.needed(session.endpoint, models_404=models_not_found(client)):
        # only then: every other run sends without the extra layer on its hot path
        completer = BaseUrlGuard(completer, session.endpoint)
    router = Router(
        completer,
        options,
        clock=session.clock,
        quota=daily_quota(options, session.endpoint),
    )
    await _seed_quota(router, client)
    services, prices = await _services(session, client)
    # Cheap sync scorers run inline on each answer; LLM judges and async scorers run in the
    # scoring stage once the candidates are in (a pairwise judge needs both answers).
    inline, deferred = split_scorers(sweep.built_scorers())
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
            run_id=run.run_id,
            router=router,
            sink=sink,
            scorers=inline,
            clock=session.clock,
            options=EngineOptions(workers_per_lane=sweep.concurrency),
            services=services,
            observer=session.observer,
            while_draining=partial(_while_draining, session, client),
            heartbeat=partial(touch_lock, run.path),
        )
        await write_dataset_copy(session.plan, run)  # unless the first lane did
        if deferred:
            job = ScoringJob(deferred=deferred, models=sweep.models, concurrency=sweep.concurrency)
            await run_scoring_stage(
                run,
                journal,
                job,
                router=router,
                cache=services.cache,
                budget=services.budget,
                worst_case=judge_worst_case(prices, sweep.fallbacks) if prices else None,
            )
        unknown = sink.totals.all.cost_unknown_rows + sink.totals.all.billed_attempts_unknown
        if unknown or session.done or session.only is not None:
            # (a first run whose every answer carried its cost has nothing to look up; a
            # resume or retry may inherit rows an earlier execution could not cost)
            session.costs_filled = await settle_costs(run, client, session.endpoint)
        status = "completed"
    except RunStoppedError as exc:
        status = "stopped"
        manifest["error"] = exc.message
        exc.run_dir = str(run.path)
        raise
    except BaseException as exc:
        status = "cancelled" if _is_cancel(exc) else "failed"
        manifest["error"] = None if _is_cancel(exc) else str(exc)
        raise
    finally:
        router.limits.quota.save()
        if services.cache is not None:
            services.cache.close()
        counts = journal.counts()
        if deferred:
            manifest["judges"] = judge_spend(journal.scores())
        journal.close()
        if status == "completed" and (counts.get("deferred") or counts.get("skipped_budget")):
            status = "incomplete"
        _finish_manifest(
            session, sink.totals, sink.lessons, counts, status, time.monotonic() - started
        )


async def _while_draining(session: Session, client: AsyncOpenRouter) -> None:
    """What the end of the run needs and no request does, done while the last requests are
    in flight: the run's own estimate (as it would have been before the run: the calibration
    learns from this run only after it), and the catalog that prices what it learns."""
    if session.manifest.get("estimate") is None:
        session.manifest["estimate"] = await manifest_estimate(
            session.sweep, session.endpoint, client, None, as_of=session.estimate_as_of
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
    session: Session, client: AsyncOpenRouter
) -> tuple[TaskServices, dict[str, Prices]]:
    """The cache and budget, and the prices the budget's worst cases use (empty without a
    budget)."""
    sweep, endpoint = session.sweep, session.endpoint
    worst = None
    prices: dict[str, Prices] = {}
    if sweep.budget_usd is not None:
        models = set(sweep.all_models)
        for params in sweep.param_sets():
            extra = params.get("models")
            if isinstance(extra, list):
                models.update(m for m in extra if isinstance(m, str))
        catalog = await price_catalog(endpoint, client)
        prices = await model_prices(sorted(models), client, catalog)
        worst = worst_case_for(sweep, prices, endpoint, session.clock)
    services = TaskServices(
        done=session.done,
        cache=cache_for(sweep, endpoint),
        budget=new_budget(sweep, session.spent_usd),
        worst_case=worst,
        attempt_offsets=session.attempt_offsets,
    )
    return services, prices


async def price_catalog(endpoint: Endpoint, client: AsyncOpenRouter) -> Catalog:
    """Prices for a budget: OpenRouter's catalog, or what an OpenAI-compatible server says of
    its own models in `/models` (an OpenRouter-compatible proxy or `orkit sim` does; a
    server without prices cannot run under a budget)."""
    if endpoint.uses_catalog:
        return Catalog.bundled()
    catalog = await server_catalog(client)
    if catalog is None:
        raise ConfigError(f"a budget needs model prices, and {endpoint.base_url}/models gives none")
    return catalog


def _finish_manifest(
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
        finished_at=_now_iso(),
        totals=totals.to_dict(),
        journal_counts=counts,
        warnings=_warnings(totals, session.run),
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


async def run_sweep_async(
    sweep: Sweep,
    *,
    api_key: str | Secret | None = None,
    observer: Observer | None = None,
    clock: Clock | None = None,
    run_id: str | None = None,
    estimate: Estimate | None = None,
    prepared: tuple[Plan, Endpoint, int] | None = None,
    routes_checked: bool = False,
) -> RunDir:
    """Run `sweep` and return its run directory. Per-task failures are rows; only run-level
    failures raise (after the rows so far are flushed and the manifest says what happened).
    `estimate` (made by the caller, e.g. to ask before spending) goes into the manifest;
    without one, the run makes its own. `prepared`: what `prepare(sweep)` returned to a
    caller that already made it (`orkit run`, before its estimate), so the dataset is not
    read and rendered again (`api_key` is then unused: the endpoint holds the key);
    `routes_checked`: the caller's `preflight_async` already checked the provider routes."""
    plan, endpoint, rows = prepared or prepare(sweep, api_key=api_key)
    total = rows * plan.tasks_per_item
    async with sweep_client(sweep, endpoint) as client:
        if not routes_checked:
            await _check_routes(sweep, endpoint, client)
        run = RunDir.create(Path(sweep.out), run_id)
        manifest = _manifest(sweep, endpoint, plan, run, rows, total)
        # Without the caller's estimate, the run makes its own while its last requests are
        # in flight (`_while_draining`): 40-100 ms of CPU that delayed them all when made
        # before the first.
        manifest["estimate"] = None if estimate is None else estimate.to_dict()
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


def _warnings(totals: RunTotals, run: RunDir) -> list[str]:
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


def _is_cancel(exc: BaseException) -> bool:
    import anyio

    return isinstance(exc, KeyboardInterrupt | anyio.get_cancelled_exc_class())


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _manifest(
    sweep: Sweep, endpoint: Endpoint, plan: Plan, run: RunDir, rows: int, total: int
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
        "created_at": _now_iso(),
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
