"""The management API (reference §9): `GET|POST /keys`, `GET|PATCH|DELETE /keys/{hash}`,
`GET /activity`, and the management-key rule `/credits` follows once the account has one.

Only a key of `SimConfig.management_keys` may call them; an inference key gets a 403, and
no key or an unknown one the usual 401. A created key's string is in the `POST` answer
only (`"key"`), as on OpenRouter: every other answer names it by `hash`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from orkit.sim.activity import day_of_date
from orkit.sim.errors import SimError, bad_request, error, not_found
from orkit.sim.keys import IssuedKey, listed_key
from orkit.sim.models_api import error_response, json_response

if TYPE_CHECKING:
    from orkit.sim.simulator import Simulator

__all__ = [
    "NOT_A_MANAGEMENT_KEY",
    "activity",
    "create_key",
    "delete_key",
    "get_key",
    "list_keys",
    "management_only",
    "update_key",
]

NOT_A_MANAGEMENT_KEY = "Only management keys can perform this operation"


def management_only(sim: Simulator, key: str) -> None:
    """Raise the 403 an inference key gets on a management endpoint."""
    if not sim.is_management(key):
        raise error(403, NOT_A_MANAGEMENT_KEY)


Handler = Callable[[Request, "Simulator"], Awaitable[Response]]


def _managed(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint for management keys: 401 without a valid key, 403 for an inference one,
    and any `SimError` the handler raises as its response."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        sim: Simulator = request.app.state.sim
        try:
            key = sim.authenticate(request.headers.get("authorization"))
            management_only(sim, key)
            return await handler(request, sim)
        except SimError as exc:
            return error_response(exc)

    return endpoint


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise bad_request("Invalid JSON body") from None
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object")
    return body


def _entry(sim: Simulator, issued: IssuedKey) -> dict[str, Any]:
    account = sim.accounts.get(issued.secret)
    return listed_key(issued, account, sim.clock.emulated_day(), sim.config.user_id)


def _issued(request: Request, sim: Simulator) -> IssuedKey:
    issued = sim.keys.by_hash(request.path_params["hash"])
    if issued is None:
        raise not_found("API key not found")
    return issued


@_managed
async def list_keys(request: Request, sim: Simulator) -> Response:
    """`GET /keys` (`include_disabled=true` to list disabled keys too, `offset`)."""
    include_disabled = request.query_params.get("include_disabled") == "true"
    keys = [k for k in sim.keys.all() if include_disabled or not k.disabled]
    offset = request.query_params.get("offset", "0")
    start = int(offset) if offset.isdigit() else 0
    return json_response({"data": [_entry(sim, k) for k in keys[start:]]})


@_managed
async def create_key(request: Request, sim: Simulator) -> Response:
    """`POST /keys` → `{"data": {...}, "key": "sk-or-v1-..."}` (the key, shown once)."""
    issued = sim.keys.create(await _json_body(request), sim.clock.emulated_now())
    return json_response({"data": _entry(sim, issued), "key": issued.secret}, status=201)


@_managed
async def get_key(request: Request, sim: Simulator) -> Response:
    """`GET /keys/{hash}`."""
    return json_response({"data": _entry(sim, _issued(request, sim))})


@_managed
async def update_key(request: Request, sim: Simulator) -> Response:
    """`PATCH /keys/{hash}`: `name`, `disabled`, `limit`, `limit_reset`,
    `include_byok_in_limit`."""
    issued = _issued(request, sim)
    sim.keys.update(issued, await _json_body(request), sim.clock.emulated_now())
    return json_response({"data": _entry(sim, issued)})


@_managed
async def delete_key(request: Request, sim: Simulator) -> Response:
    """`DELETE /keys/{hash}`: the key stops working at once."""
    sim.keys.delete(_issued(request, sim))
    return json_response({"deleted": True})


@_managed
async def activity(request: Request, sim: Simulator) -> Response:
    """`GET /activity` (`date=YYYY-MM-DD`, `api_key_hash=`): the last 30 completed days."""
    date = request.query_params.get("date")
    day = None
    if date is not None:
        day = day_of_date(date)
        if day is None:
            raise bad_request("Invalid input: date must be YYYY-MM-DD")
    rows = sim.activity.rows(
        sim.clock.emulated_day(), day=day, key_hash=request.query_params.get("api_key_hash")
    )
    return json_response({"data": rows})
