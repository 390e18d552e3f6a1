"""The estimate of a whole sweep (`estimate_async`): its own endpoint's (`orkit.estimate.
_estimate`), and, when model entries carry their own endpoints, each endpoint's
contestants priced from that endpoint's catalog (OpenRouter's, the emulator's, or what a
server's `/models` says; a local server that lists no prices: unknown, null, never $0),
timed on their own lanes, and named as the run's tables name them.

The run's own endpoint keeps the judges, fallbacks and budget; the judges' lines count
the answers of its own contestants only (a local contestant's answers are judged too, at
the judge's price, but not counted here: said in a note).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from orkit.cost import Estimate, LineEstimate
from orkit.errors import MissingAPIKeyError
from orkit.estimate._context import estimate_client
from orkit.estimate._estimate import estimate_with_client
from orkit.plan import (
    Endpoint,
    SweepDefinition,
    contestant_endpoints,
    endpoint_short,
    own_endpoint_sweeps,
    resolve_endpoint,
)
from orkit.types import Secret

__all__ = ["estimate_async", "with_own_endpoints"]


def _endpoint(
    sweep: SweepDefinition, api_key: str | Secret | None
) -> tuple[Endpoint | None, str | None]:
    """The sweep's endpoint; OpenRouter without a key is estimated offline (None)."""
    try:
        return resolve_endpoint(sweep.endpoint, sim=sweep.sim, api_key=api_key), None
    except MissingAPIKeyError:
        return None, "no OPENROUTER_API_KEY: OpenRouter was not asked"


async def estimate_async(
    sweep: SweepDefinition,
    *,
    api_key: str | Secret | None = None,
    offline: bool = False,
    pilot: dict[str, Any] | None = None,
) -> Estimate:
    """The estimate of `sweep` (see `orkit.estimate._estimate`). Sends no completion."""
    endpoint, note = _endpoint(sweep, api_key)
    async with estimate_client(endpoint, offline) as client:
        estimate = await estimate_with_client(sweep, endpoint, client, offline=offline)
    estimate = await with_own_endpoints(sweep, estimate, api_key=api_key, offline=offline)
    notes = [note] if note else []
    return replace(estimate, notes=[*notes, *estimate.notes], pilot=pilot)


async def with_own_endpoints(
    sweep: SweepDefinition,
    estimate: Estimate,
    *,
    api_key: str | Secret | None = None,
    offline: bool = False,
    as_of: float | None = None,
    resolved: Mapping[str, Endpoint] | None = None,
) -> Estimate:
    """`estimate` (of the sweep's own endpoint) with the lines of the contestants that have
    endpoints of their own, each estimated on its endpoint. `resolved`: those endpoints, if
    the caller has them (a run), else resolved here (a missing key: estimated offline)."""
    if not sweep.own_endpoints:
        return estimate
    here = {c.model_id: c.name for c in sweep.contestants if c.own_endpoint is None}
    lines = [_named(line, here) for line in estimate.lines]
    notes = list(estimate.notes)
    prices, duration = estimate.prices, estimate.duration_s
    deferred, known = estimate.deferred_free_requests, estimate.prices_known
    for sub, names in own_endpoint_sweeps(sweep):
        where = endpoint_short(sub.endpoint)
        endpoint = await _endpoint_of(sweep, names[0], api_key, resolved, notes, where)
        async with estimate_client(endpoint, offline) as client:
            part = await estimate_with_client(sub, endpoint, client, offline=offline, as_of=as_of)
        ids = {c.model_id: c.name for c in sweep.contestants if c.name in names}
        for line in part.lines:
            if not part.prices_known:  # not a router's unknown price: the server's
                line = replace(line, price_source=f"no prices listed by {where}")
            lines.append(_named(line, ids))
        notes.extend(f"{where}: {note}" for note in part.notes)
        prices += f"; {where}: {part.prices}"
        duration = max(duration, part.duration_s)  # each endpoint's lanes run side by side
        deferred += part.deferred_free_requests
        known = known or part.prices_known
    if any(getattr(s, "judge_model", None) for s in sweep.scorer_objects):
        notes.append(
            "the judges' lines count the answers of the models on the run's own endpoint "
            "only; those of models with their own endpoint are judged too"
        )
    return replace(
        estimate,
        lines=lines,
        notes=notes,
        prices=prices,
        duration_s=duration,
        deferred_free_requests=deferred,
        prices_known=known,
    )


def _named(line: LineEstimate, names: Mapping[str, str]) -> LineEstimate:
    """A model's line under its contestant's name (a judge's keeps its model id)."""
    if line.role != "model" or names.get(line.model, line.model) == line.model:
        return line
    return replace(line, model=names[line.model])


async def _endpoint_of(
    sweep: SweepDefinition,
    name: str,
    api_key: str | Secret | None,
    resolved: Mapping[str, Endpoint] | None,
    notes: list[str],
    where: str,
) -> Endpoint | None:
    if resolved is not None and name in resolved:
        return resolved[name]
    try:
        return contestant_endpoints(sweep, api_key)[name]
    except MissingAPIKeyError:
        notes.append(f"{where}: no API key, so OpenRouter was not asked")
        return None
