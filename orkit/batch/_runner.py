"""Run a Sweep end to end: check everything, create the run directory, execute, finish the
manifest. The only function here that touches all the pieces."""

from __future__ import annotations

import platform
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orkit._clock import SystemClock
from orkit.batch._endpoint import Endpoint, open_client, resolve_endpoint
from orkit.batch._engine import EngineOptions, ResultSink, execute
from orkit.batch._plan import Plan, validate_dataset
from orkit.batch._progress import Observer
from orkit.catalog import Catalog
from orkit.data import PromptTemplate, open_dataset
from orkit.results import MANIFEST_VERSION, SCHEMA_VERSION, DatasetCopyWriter, RunDir
from orkit.types import Clock, Secret

if TYPE_CHECKING:
    from orkit.batch._sweep import Sweep

__all__ = ["prepare", "run_sweep_async"]


def prepare(sweep: Sweep, *, api_key: str | Secret | None = None) -> tuple[Plan, Endpoint, int]:
    """Every check that needs no network: scorers, endpoint and key, model ids, dataset rows,
    template variables. Raises a ConfigError subclass naming what is wrong; sends nothing."""
    sweep.built_scorers()
    endpoint = resolve_endpoint(sweep.endpoint, sim=sweep.sim, api_key=api_key)
    if endpoint.uses_catalog:
        Catalog.bundled().require(sweep.models)
    dataset = open_dataset(sweep.dataset, id_field=sweep.id_field)
    template = PromptTemplate(user=sweep.prompt, system=sweep.system, name=sweep.prompt_id)
    rows = validate_dataset(dataset, template)
    plan = Plan(
        dataset=dataset,
        template=template,
        prompt_id=sweep.prompt_id,
        models=list(sweep.models),
        params=dict(sweep.params),
        repeats=sweep.repeats,
    )
    return plan, endpoint, rows


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
    async with open_client(endpoint, max_connections=max(sweep.concurrency, 8)) as client:
        run = RunDir.create(Path(sweep.out), run_id)
        manifest = _manifest(sweep, endpoint, plan, run, rows, total)
        run.write_manifest(manifest)
        options = EngineOptions(concurrency=sweep.concurrency)
        sink = ResultSink(run, options)
        dataset_copy = DatasetCopyWriter(run.dataset_path)
        started = time.monotonic()
        status = "failed"
        try:
            await execute(
                plan.tasks(dataset_copy),
                total=total,
                run_id=run.run_id,
                completer=client,
                sink=sink,
                scorers=sweep.built_scorers(),
                clock=clock,
                options=options,
                observer=observer,
            )
            status = "completed"
        except BaseException as exc:
            status = "cancelled" if _is_cancel(exc) else "failed"
            manifest["error"] = str(exc) if not _is_cancel(exc) else None
            raise
        finally:
            dataset_copy.close()
            manifest.update(
                status=status,
                finished_at=_now_iso(),
                wall_s=round(time.monotonic() - started, 3),
                totals=sink.totals.to_dict(),
            )
            run.write_manifest(manifest)
    return run


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
        "prompt_fingerprint": plan.template.fingerprint(),
        "catalog": None
        if catalog is None
        else {
            "source": catalog.source,
            "date": catalog.snapshot_date,
        },
        "tasks": total,
        "versions": {
            "orkit": __version__,
            "python": platform.python_version(),
            "pyarrow": pyarrow.__version__,
        },
    }
