"""What a run does about cost around the engine: its estimate goes into the manifest before
the first request, answered rows without `usage.cost` get one afterwards
(`orkit.cost.fill_unknown_costs`), the manifest puts estimate and actual side by side per
model, and the run's rows teach the calibration that later estimates use
(`orkit.cost.learn_from_run`).

None of it may stop or fail a run: an estimate or a lesson that cannot be had is a note in
the manifest, not an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from orkit.batch import RunTotals
from orkit.catalog import Catalog
from orkit.client import AsyncOpenRouter
from orkit.cost import Estimate, Lessons, fill_unknown_costs, learn_from_run
from orkit.errors import OrkitError
from orkit.estimate._estimate import estimate_with_client
from orkit.estimate._estimate_all import with_own_endpoints
from orkit.plan import Endpoint, calibration_endpoint, server_catalog
from orkit.results import Manifest, RunDir

if TYPE_CHECKING:
    from orkit.plan import SweepDefinition

__all__ = ["cost_side_by_side", "learn_quietly", "manifest_estimate", "settle_costs"]

_log = logging.getLogger("orkit")


async def manifest_estimate(
    sweep: SweepDefinition,
    endpoint: Endpoint,
    client: AsyncOpenRouter,
    given: Estimate | None,
    as_of: float | None = None,
    own: Mapping[str, Endpoint] | None = None,
) -> dict[str, Any]:
    """The estimate as the manifest keeps it (`given` when the caller made one already; else
    made as it would have been at `as_of`; `own`: the endpoints of the models that have
    their own, `Plan.endpoints`)."""
    try:
        estimate = given or await with_own_endpoints(
            sweep,
            await estimate_with_client(sweep, endpoint, client, as_of=as_of),
            as_of=as_of,
            resolved=own,
        )
    except (OrkitError, OSError, ValueError) as exc:
        return {"error": f"no estimate: {exc}"}
    return estimate.to_dict()


async def settle_costs(
    run: RunDir,
    client: AsyncOpenRouter,
    endpoint: Endpoint,
    models: Callable[[str], bool] | None = None,
) -> dict[str, int]:
    """Cost the answered rows that came without one (see `orkit.cost.fill_unknown_costs`);
    `models`: those this endpoint served (a run with several endpoints; None: all)."""
    catalog = Catalog.bundled() if endpoint.uses_catalog else await server_catalog(client)
    try:
        return await fill_unknown_costs(run, client, catalog=catalog, models=models)
    except OrkitError as exc:  # pragma: no cover - the rows keep their unknown cost
        _log.warning("could not look up missing costs: %s", exc)
        return {}


def cost_side_by_side(
    estimate: Mapping[str, Any] | None,
    totals: RunTotals,
    judges: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Per model: the estimate's low / expected / high next to what was billed; LLM judges
    under `judge: <model> (<scorer>)` (their spend is the manifest's `judges` line)."""
    lines = {
        line["model"]: line
        for line in (estimate or {}).get("lines", [])
        if line.get("role") == "model"
    }
    out: dict[str, Any] = {}
    for model in dict.fromkeys([*lines, *totals.by_model]):
        line, actual = lines.get(model), totals.by_model.get(model)
        entry: dict[str, Any] = {
            "estimate_low_usd": line["cost_low_usd"] if line else None,
            "estimate_expected_usd": line["cost_expected_usd"] if line else None,
            "estimate_high_usd": line["cost_high_usd"] if line else None,
            # null when no cost of the model's is known: never a $0 that only means unknown
            "actual_usd": actual.cost_usd if actual else 0.0,
            "unknown_cost_rows": actual.cost_unknown_rows if actual else 0,
            "byok_rows": actual.byok_rows if actual else 0,
            "byok_fee_usd": actual.byok_fee_usd if actual else 0.0,
        }
        if line and actual and not actual.cost_unknown_rows and _priced(line):
            spent = actual.cost_usd or 0.0
            entry["within_band"] = (
                line["cost_low_usd"] - 1e-12 <= spent <= line["cost_high_usd"] + 1e-12
            )
        out[model] = entry
    out.update(_judges_side_by_side(estimate, judges))
    return out


def _judges_side_by_side(
    estimate: Mapping[str, Any] | None, judges: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Each judge's estimate beside what it spent: by scorer (two judges may share a model),
    or by model for an estimate made before its lines named their scorer."""
    by_scorer = (judges or {}).get("by_scorer") or {}
    by_model: dict[str, float] = {}
    for line in by_scorer.values():
        model = line.get("judge_model")
        by_model[model] = by_model.get(model, 0.0) + float(line.get("cost_usd") or 0.0)
    out: dict[str, Any] = {}
    for line in (estimate or {}).get("lines", []):
        if line.get("role") != "judge":
            continue
        scorer = line.get("scorer")
        if scorer:
            key = f"judge: {line['model']} ({scorer})"
            actual = float((by_scorer.get(scorer) or {}).get("cost_usd") or 0.0)
        else:
            key, actual = f"judge: {line['model']}", by_model.get(line["model"], 0.0)
        out[key] = {
            "estimate_low_usd": line["cost_low_usd"],
            "estimate_expected_usd": line["cost_expected_usd"],
            "estimate_high_usd": line["cost_high_usd"],
            "actual_usd": actual,
        }
        if _priced(line):
            out[key]["within_band"] = (
                line["cost_low_usd"] - 1e-12 <= actual <= line["cost_high_usd"] + 1e-12
            )
    return out


def _priced(line: Mapping[str, Any]) -> bool:
    """An estimate line with a cost band (null when the server listed no prices)."""
    return line.get("cost_low_usd") is not None and line.get("cost_high_usd") is not None


def learn_quietly(
    lessons: Lessons,
    run: RunDir,
    manifest: Manifest,
    endpoint: Endpoint,
    per_model: Mapping[str, tuple[Endpoint, str]] | None = None,
) -> None:
    """Teach the calibration what this run's rows taught; a failure only logs. `per_model`:
    {name: (endpoint, model id)} of the contestants named otherwise or sent elsewhere."""
    keys = {n: (calibration_endpoint(e), m) for n, (e, m) in (per_model or {}).items()}
    try:
        learn_from_run(lessons, run, manifest, calibration_endpoint(endpoint), keys)
    except (OSError, ValueError, KeyError, TypeError) as exc:  # pragma: no cover
        _log.warning("could not learn from run %s: %s", run.run_id, exc)
