"""A pilot: run the first N items per model for real, learn their answer lengths and prices,
and estimate the whole sweep from them.

The pilot is an ordinary run (its own run directory, named `<name>-pilot`, in the sweep's
`out`), so what it cost is recorded like any run's and the calibration it leaves behind
serves later estimates too; with the response cache on, its deterministic answers are
reused by the full run, which the estimate counts as cache hits.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from orkit.api._execute import run_sweep_async
from orkit.batch import Observer
from orkit.cost import Estimate
from orkit.data import open_dataset
from orkit.errors import ConfigError, PilotDeclined
from orkit.estimate import estimate_async
from orkit.types import Secret

if TYPE_CHECKING:
    from orkit.plan import SweepDefinition

__all__ = ["Confirm", "PilotDeclined", "estimate_with_pilot", "pilot_sweep"]

Confirm = Callable[[Estimate], bool]
"""Asked with the pilot's own estimate before it runs; False cancels it."""


def pilot_sweep(sweep: SweepDefinition, items: int) -> SweepDefinition:
    """The sweep on its first `items` rows, once each (no repeats): the pilot."""
    if items < 1:
        raise ConfigError(f"--pilot must be >= 1 item, got {items}")
    dataset = open_dataset(sweep.dataset, id_field=sweep.id_field)
    rows = []
    for item in itertools.islice(dataset, items):
        rows.append(item.fields)
    id_field = dataset.id_field or ("id" if rows and "id" in rows[0] else None)
    name = f"{sweep.name or 'sweep'}-pilot"
    return dataclasses.replace(sweep, dataset=rows, id_field=id_field, repeats=1, name=name)


async def estimate_with_pilot(
    sweep: SweepDefinition,
    items: int,
    *,
    api_key: str | Secret | None = None,
    offline: bool = False,
    confirm: Confirm | None = None,
    observer: Observer | None = None,
    runner: Callable[..., Awaitable[Any]] | None = None,
) -> Estimate:
    """Estimate the pilot, ask `confirm` (None: go ahead), run it, then estimate the sweep
    with what the pilot taught. Raises `PilotDeclined` if the pilot was not accepted."""
    pilot = pilot_sweep(sweep, items)
    pilot_estimate = await estimate_async(pilot, api_key=api_key, offline=offline)
    if confirm is not None and not confirm(pilot_estimate):
        raise PilotDeclined("pilot not run: its cost was not accepted (nothing was sent)")
    run_dir = await (runner or run_sweep_async)(pilot, api_key=api_key, observer=observer)
    totals = run_dir.read_manifest().totals_all
    info = {
        "run_dir": str(run_dir.path),
        "requests": int(totals.get("tasks", 0)),
        "cost_usd": totals.get("cost_usd"),  # null: unknown
        "estimated_usd": pilot_estimate.cost_expected_usd,
    }
    return await estimate_async(sweep, api_key=api_key, offline=offline, pilot=info)
