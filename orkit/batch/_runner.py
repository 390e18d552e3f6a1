"""Run a Sweep end to end: check everything, create the run directory, execute, finish the
manifest. The only function here that touches all the pieces."""

from __future__ import annotations

import platform
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orkit._clock import SystemClock
from orkit._settings import load_settings
from orkit.batch._endpoint import Endpoint, open_client, resolve_endpoint
from orkit.batch._engine import EngineOptions, ResultSink, execute
from orkit.batch._plan import Plan, validate_dataset
from orkit.batch._progress import Observer, format_reset
from orkit.batch._totals import RunTotals
from orkit.catalog import Catalog
from orkit.client import AsyncOpenRouter
from orkit.data import PromptTemplate, open_dataset
from orkit.errors import APIError, RunStoppedError
from orkit.results import MANIFEST_VERSION, SCHEMA_VERSION, DatasetCopyWriter, RunDir
from orkit.router import DailyQuota, Router, RouterOptions, account_id
from orkit.types import Clock, Secret

if TYPE_CHECKING:
    from orkit.batch._sweep import Sweep

__all__ = ["plan_sweep", "prepare", "router_options_for", "run_sweep_async"]


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
    """Every check that needs no network: scorers, endpoint and key, model ids, dataset rows,
    template variables. Raises a ConfigError subclass naming what is wrong; sends nothing."""
    sweep.built_scorers()
    endpoint = resolve_endpoint(sweep.endpoint, sim=sweep.sim, api_key=api_key)
    if endpoint.uses_catalog:
        Catalog.bundled().require(sweep.all_models)
    plan = plan_sweep(sweep, validate=False)
    rows = validate_dataset(plan.dataset, [t for _, t in plan.prompts])
    return plan, endpoint, rows


def router_options_for(sweep: Sweep, endpoint: Endpoint) -> RouterOptions:
    """The sweep's routing settings, plus what orkit knows about the endpoint: the emulator
    runs its free-model windows on a time scale; OpenRouter's daily free quota is shared by
    every process of the account, so its counter lives in the user cache dir."""
    overrides: dict[str, Any] = {}
    quota_path = None
    if endpoint.kind == "sim":
        scale = endpoint.sim.get("window_scale", endpoint.sim.get("time_scale", 1.0))
        overrides["free_window_s"] = 60.0 * max(float(scale), 1e-9)
        overrides["free_per_minute"] = int(endpoint.sim.get("free_per_minute", 20))
    elif endpoint.kind == "openrouter" and endpoint.api_key is not None:
        name = f"{account_id(endpoint.api_key.reveal())}.json"
        quota_path = load_settings().cache_dir / "free-quota" / name
    return sweep.router_options(overrides, quota_path)


def _daily_quota(options: RouterOptions, endpoint: Endpoint) -> DailyQuota:
    """OpenRouter's free-model daily quota: 50 until `GET /key` says otherwise. Other
    OpenAI-compatible servers have none unless their /key reports one."""
    default = 50 if endpoint.uses_catalog else 10**9
    return DailyQuota(limit=options.free_per_day or default, path=options.quota_path)


async def _seed_quota(router: Router, client: AsyncOpenRouter) -> None:
    """Start from the server's count of today's free-model requests, when it has one."""
    try:
        router.seed_from_key(await client.get_key())
    except APIError:
        pass  # servers without /key: the local counter applies


async def run_sweep_async(
    sweep: Sweep,
    *,
    api_key: str | Secret | None = None,
    observer: Observer | None = None,
    clock: Clock | None = None,
    run_id: str | None = None,
) -> RunDir:
    """Run `sweep` and return its run directory. Per-task failures are rows; only run-level
    failures raise (after the rows so far are flushed and the manifest says what happened)."""
    plan, endpoint, rows = prepare(sweep, api_key=api_key)
    clock = clock or SystemClock()
    total = rows * plan.tasks_per_item
    options = router_options_for(sweep, endpoint)
    async with open_client(
        endpoint, max_connections=max(sweep.concurrency, 8), read_timeout_s=sweep.read_timeout_s
    ) as client:
        router = Router(client, options, clock=clock, quota=_daily_quota(options, endpoint))
        await _seed_quota(router, client)
        run = RunDir.create(Path(sweep.out), run_id)
        manifest = _manifest(sweep, endpoint, plan, run, rows, total)
        run.write_manifest(manifest)
        copy = DatasetCopyWriter(run.dataset_path)
        plan.copy_dataset(copy)
        copy.close()
        engine = EngineOptions(workers_per_lane=sweep.concurrency)
        sink = ResultSink(run, engine)
        started = time.monotonic()
        status = "failed"
        try:
            await execute(
                plan.lanes(),
                total=total,
                run_id=run.run_id,
                router=router,
                sink=sink,
                scorers=sweep.built_scorers(),
                clock=clock,
                options=engine,
                observer=observer,
            )
            status = "incomplete" if sink.totals.all.deferred else "completed"
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
            manifest.update(
                status=status,
                finished_at=_now_iso(),
                wall_s=round(time.monotonic() - started, 3),
                totals=sink.totals.to_dict(),
                warnings=_warnings(sink.totals),
            )
            run.write_manifest(manifest)
    return run


def _warnings(totals: RunTotals) -> list[str]:
    out = []
    for model, providers in totals.mixed_providers().items():
        out.append(
            f"{model}: rows were served by {len(providers)} providers ({', '.join(providers)}); "
            "pin one with params.provider = {only = [...]} for comparable results"
        )
    if totals.all.deferred and totals.deferred_until:
        out.append(
            f"{totals.all.deferred} tasks are waiting for quota (resets at "
            f"{format_reset(totals.deferred_until)}); run them again after the reset"
        )
    return out


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
        "spec": sweep.to_spec(),
        "spec_path": sweep.spec_path,
        "endpoint": endpoint.describe(),
        "dataset": {
            "path": plan.dataset.path,
            "format": plan.dataset.format,
            "fingerprint": plan.dataset.fingerprint(),
            "rows": rows,
        },
        "prompt_fingerprints": {pid: t.fingerprint() for pid, t in plan.prompts},
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
