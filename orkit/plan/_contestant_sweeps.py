"""The parts of a sweep each endpoint serves, when model entries carry their own: their
endpoints resolved (no network), grouped one per distinct endpoint, and the sweep of one
endpoint's contestants alone, for its checks and its estimate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from orkit.plan._endpoint import Endpoint, resolve_endpoint
from orkit.types import Secret

if TYPE_CHECKING:
    from orkit.plan._plan import Plan
    from orkit.plan._sweep import SweepDefinition

__all__ = [
    "EndpointGroup",
    "contestant_endpoints",
    "endpoint_groups",
    "group_sweep",
    "own_endpoint_sweeps",
    "spec_endpoint",
]


def contestant_endpoints(
    sweep: SweepDefinition, api_key: str | Secret | None = None
) -> dict[str, Endpoint]:
    """The endpoint of each contestant that has its own, resolved (no network): a missing
    key (`api_key_env` not set, OpenRouter without one) fails here, before anything runs."""
    out: dict[str, Endpoint] = {}
    for c in sweep.contestants:
        if c.own_endpoint is None:
            continue
        own_key = c.entry.api_key(f"models[{c.index}]")
        out[c.name] = resolve_endpoint(c.own_endpoint, sim=sweep.sim, api_key=own_key or api_key)
    return out


@dataclass(slots=True)
class EndpointGroup:
    """The contestants one endpoint serves."""

    endpoint: Endpoint
    names: list[str] = field(default_factory=list)


def endpoint_groups(plan: Plan) -> list[EndpointGroup]:
    """The contestants with their own endpoints, grouped by endpoint (the same URL with the
    same key is one client), in the order given."""
    groups: dict[tuple[str, str, str], EndpointGroup] = {}
    for name, endpoint in plan.endpoints.items():
        key = endpoint.api_key.reveal() if endpoint.api_key is not None else ""
        ident = (endpoint.kind, endpoint.base_url, key)
        groups.setdefault(ident, EndpointGroup(endpoint)).names.append(name)
    return list(groups.values())


def group_sweep(sweep: SweepDefinition, endpoint: str, names: Sequence[str]) -> SweepDefinition:
    """The sweep of the contestants `names` alone, on `endpoint`, by the ids they send: what
    that endpoint's checks and estimate read. Judges, fallbacks and the budget stay with the
    sweep's own endpoint."""
    chosen = [c for c in sweep.contestants if c.name in names]
    return replace(
        sweep,
        models=[c.model_id for c in chosen],
        endpoint=endpoint,
        scorers=(),
        fallbacks={},
        limits={c.model_id: sweep.limits[c.name] for c in chosen if c.name in sweep.limits},
        budget_usd=None,
    )


def own_endpoint_sweeps(sweep: SweepDefinition) -> list[tuple[SweepDefinition, list[str]]]:
    """One `group_sweep` per endpoint named by a model entry (other than the sweep's), with
    the names of its contestants."""
    groups: dict[str, list[str]] = {}
    for c in sweep.contestants:
        if c.own_endpoint is not None:
            groups.setdefault(c.own_endpoint.rstrip("/"), []).append(c.name)
    return [(group_sweep(sweep, endpoint, names), names) for endpoint, names in groups.items()]


def spec_endpoint(endpoint: Endpoint) -> str:
    """An endpoint as a spec names it."""
    return endpoint.kind if endpoint.kind in ("sim", "openrouter") else endpoint.base_url
