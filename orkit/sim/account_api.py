"""`GET /key` (and `/auth/key`), `GET /credits`, `GET /generation`, and the `/_sim/*` routes.

`/_sim/stats` and `/_sim/reset` live outside `/api/v1` on a reserved prefix: they are the
emulator's introspection, not part of OpenRouter's API.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from orkit.sim.errors import SimError, bad_request, not_found
from orkit.sim.keys import key_fields
from orkit.sim.keys_api import management_only
from orkit.sim.models_api import error_response, json_response

if TYPE_CHECKING:
    from orkit.sim.simulator import Simulator

__all__ = ["credits", "generation", "key_info", "sim_config", "sim_reset", "sim_stats"]

_UNLIMITED_CREDITS = 1_000_000.0  # what `/credits` reports when `credits_usd` is None


def _money(value: Decimal) -> float | int:
    return float(value) if value else 0


def _with_key(
    handler: Callable[[Request, Simulator, str], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint that needs a valid key: `handler(request, sim, key)` once the key is
    checked; a missing or unknown key gets OpenRouter's 401 instead."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        sim: Simulator = request.app.state.sim
        try:
            key = sim.authenticate(request.headers.get("authorization"))
        except SimError as exc:
            return error_response(exc)
        return await handler(request, sim, key)

    return endpoint


@_with_key
async def key_info(request: Request, sim: Simulator, key: str) -> Response:
    """`GET /key`: the key's usage and free-model counters (live)."""
    account = sim.accounts.get(key)
    day = sim.clock.emulated_day()
    limit = sim.config.free_per_day
    used = sim.free_tier.used_today(account.free)
    data: dict[str, Any] = {
        **key_fields(sim.keys.by_secret(key), account, day),
        "is_free_tier": sim.config.effective_lifetime_purchases <= 0,
        "is_management_key": sim.is_management(key),
        "is_provisioning_key": sim.is_management(key),
        "free_model_daily_requests": {
            "limit": limit,
            "used": used,
            "remaining": max(0, limit - used),
        },
        "rate_limit": {
            "requests": -1,
            "interval": "10s",
            "note": "This field is deprecated and safe to ignore.",
        },
        "expires_at": None,
        "creator_user_id": sim.config.user_id,
        "organization_id": None,
        "workspace_id": None,
        "allowed_data_regions": ["global"],
        "budgets": [],
        "effective_budget": None,
    }
    return json_response({"data": data})


@_with_key
async def credits(request: Request, sim: Simulator, key: str) -> Response:
    """`GET /credits`: total credits and total usage. With management keys configured, only
    they may ask, and the usage is the whole account's (every key's); without, any key may,
    and gets its own (the emulator's accounts are per key)."""
    total = sim.config.credits_usd
    if sim.config.management_keys:
        try:
            management_only(sim, key)
        except SimError as exc:
            return error_response(exc)
        usage = sum((a.usage for a in sim.accounts.all()), Decimal(0))
    else:
        usage = sim.accounts.get(key).usage
    data = {
        "total_credits": _UNLIMITED_CREDITS if total is None else total,
        "total_usage": _money(usage),
    }
    return json_response({"data": data})


@_with_key
async def generation(request: Request, sim: Simulator, key: str) -> Response:
    """`GET /generation?id=`: stats of a finished generation (404 until they are written)."""
    gen_id = request.query_params.get("id")
    if not gen_id:
        return error_response(bad_request("Invalid input: id is required"))
    facts = sim.generations.get(gen_id, sim.clock.now())
    if facts is None:
        return error_response(not_found("Generation not found"))
    return json_response({"data": facts.to_json()})


async def sim_stats(request: Request) -> Response:
    """`GET /_sim/stats`: request, outcome and billing counters (see `Stats`)."""
    sim: Simulator = request.app.state.sim
    return json_response(sim.stats_json())


async def sim_reset(request: Request) -> Response:
    """`POST /_sim/reset`: forget all requests, accounts and limits."""
    sim: Simulator = request.app.state.sim
    sim.reset()
    return json_response({"ok": True})


async def sim_config(request: Request) -> Response:
    """`GET /_sim/config`: the running configuration as a plain dict."""
    sim: Simulator = request.app.state.sim
    return json_response(sim.config.to_dict())
