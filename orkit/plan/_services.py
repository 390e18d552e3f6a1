"""Build what a run's tasks may go through besides the router: the response cache and the
budget (with the dearest prices each model can be billed at, `orkit.cost.model_prices`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from orkit._hashing import canonical_json
from orkit._settings import load_settings
from orkit.batch import Budget, WorstCase
from orkit.cost import Prices
from orkit.plan._endpoint import Endpoint
from orkit.results import ResponseCache
from orkit.types import Clock

if TYPE_CHECKING:
    from orkit.plan._sweep import SweepDefinition

__all__ = [
    "cache_for",
    "cache_ident",
    "cache_path",
    "new_budget",
    "worst_case_for",
]


def cache_for(
    sweep: SweepDefinition, endpoint: Endpoint, own: Mapping[str, Endpoint] | None = None
) -> ResponseCache | None:
    """The shared response cache, keyed per endpoint (the emulator's answers never stand in
    for OpenRouter's, nor one emulator setting's for another's); `own`: the endpoint of
    each contestant that has its own (`Plan.endpoints`)."""
    if not sweep.cache:
        return None
    own = own or {}
    contestants = {
        c.name: (cache_ident(own.get(c.name, endpoint)), c.model_id)
        for c in sweep.contestants
        if c.name in own or c.name != c.model_id  # (a plain run: none, nothing to look up)
    }
    return ResponseCache(cache_path(), cache_ident(endpoint), contestants)


def cache_path() -> Path:
    """The response cache shared by every run on the machine."""
    return load_settings().cache_dir / "responses.sqlite"


def cache_ident(endpoint: Endpoint) -> str:
    """What keeps one endpoint's cached answers apart from another's."""
    if endpoint.kind == "sim":
        return "sim:" + canonical_json(dict(endpoint.sim))
    return endpoint.kind if endpoint.kind != "url" else endpoint.base_url


def worst_case_for(
    sweep: SweepDefinition, prices: dict[str, Prices], endpoint: Endpoint, clock: Clock
) -> WorstCase:
    """The worst cases of the sweep's tasks at these prices. Time-of-day windows are read on
    `clock` for OpenRouter only, whose day is ours. Any other server's time of day is not
    known (the emulator, in-process or on a port, keeps its own clock; a proxy may too), so
    any window may apply there: a budget that reserves too much on such a server ends a run
    early, one that reserves too little overspends."""
    return WorstCase(prices, sweep.fallbacks, clock if endpoint.kind == "openrouter" else None)


def new_budget(sweep: SweepDefinition, spent_usd: float) -> Budget | None:
    return None if sweep.budget_usd is None else Budget(sweep.budget_usd, spent_usd)
