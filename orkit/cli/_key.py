"""`orkit key`: the API key's spending limit, usage, and free-model daily counters; with a
management key, the account's credit balance and recent activity by model.

Asks `GET /key` (which works with the inference key itself), reads the daily free-model
counter orkit keeps in the user cache dir, and, with `OPENROUTER_PROVISIONING_KEY`, asks
`GET /credits` and `GET /activity` (`_key_account`). The key is never printed: only its masked hint
(`sk-or-v1-…d8b3`) and the label OpenRouter gives it, which is masked too.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from orkit._format import count, usd
from orkit._redact import redact_secrets
from orkit.cli._exit import ExitCode

HELP = "show the API key's limit, usage, free-model daily requests, credits and activity"


def register(sub: Any) -> None:
    p = sub.add_parser("key", help=HELP, description=HELP + ". Never prints the key.")
    p.add_argument(
        "--endpoint",
        default="openrouter",
        help="openrouter (default) | sim | URL of an OpenRouter-compatible API",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=run)


def _usd(value: Any) -> str:
    if value is None:
        return "unlimited"
    if isinstance(value, int | float):
        return usd(value)
    return str(value)


_NO_SUCH_ROUTE = (404, 405, 501)
"""What a server without `/key` answers (llama.cpp, vLLM, Ollama), besides an HTML page."""


async def _key_data(client: Any, endpoint: Any) -> dict[str, Any]:
    """`GET /key`, with a sentence instead of "404 Not Found" from a server without one."""
    from orkit.errors import (
        APIConnectionError,
        APIStatusError,
        AuthenticationError,
        InvalidResponseError,
        OrkitError,
    )
    from orkit.plan import refused_access
    from orkit.results import endpoint_label

    where = endpoint_label(endpoint.describe())
    try:
        data: dict[str, Any] = await client.get_key()
    except (AuthenticationError, APIConnectionError) as exc:
        raise refused_access(exc, where) from None
    except (APIStatusError, InvalidResponseError) as exc:
        if isinstance(exc, APIStatusError) and exc.status_code not in _NO_SUCH_ROUTE:
            raise
        raise OrkitError(
            f"{where} has no /key endpoint (local servers such as llama.cpp, vLLM and Ollama "
            "have none), so there is no key limit or usage to show"
        ) from None
    return data


async def _fetch(endpoint_name: str) -> tuple[dict[str, Any], dict[str, Any], str | None, Any]:
    from orkit._settings import load_settings
    from orkit.cli._key_account import fetch_account
    from orkit.config import Timeouts
    from orkit.plan import open_client, resolve_endpoint
    from orkit.router import DailyQuota, account_id

    endpoint = resolve_endpoint(endpoint_name)
    if endpoint.kind == "sim":
        data, account = await _fetch_sim(endpoint)
    else:
        async with open_client(endpoint, preflight=False, timeouts=Timeouts(read=20.0)) as client:
            data = await _key_data(client, endpoint)
        async with _key_manager(endpoint, load_settings().provisioning_key) as managed:
            account = await fetch_account(managed)
    local: dict[str, Any] = {}
    hint = endpoint.api_key.masked() if endpoint.api_key is not None else None
    if endpoint.kind == "openrouter" and endpoint.api_key is not None:
        path = (
            load_settings().cache_dir
            / "free-quota"
            / f"{account_id(endpoint.api_key.reveal())}.json"
        )
        if path.is_file():
            quota = DailyQuota(path=path)
            now = time.time()
            remaining = quota.remaining(now)
            local = {
                "limit": quota.limit,
                "remaining": remaining,
                "used": max(0, quota.limit - remaining),
                "resets_at": quota.resets_at(now),
                "path": str(path),
            }
    return data, local, hint, account


@asynccontextmanager
async def _key_manager(endpoint: Any, key: Any) -> AsyncIterator[Any]:
    """A `KeyManager` for `endpoint` with the management `key`, or None without one."""
    from orkit.client import KeyManager

    if key is None:
        yield None
        return
    async with KeyManager(key, base_url=endpoint.base_url) as managed:
        yield managed


async def _fetch_sim(endpoint: Any) -> tuple[dict[str, Any], Any]:
    """`--endpoint sim`: one in-process emulator given a management key, asked with both
    keys (each client would otherwise make an emulator of its own)."""
    from orkit.cli._key_account import fetch_account
    from orkit.client import AsyncOpenRouter, KeyManager
    from orkit.config import ClientOptions
    from orkit.sim import SIM_MANAGEMENT_KEY, SimConfig, StreamingASGITransport, create_app

    settings = {**endpoint.sim, "management_keys": [SIM_MANAGEMENT_KEY]}
    transport = StreamingASGITransport(create_app(SimConfig.from_dict(settings)))
    options = ClientOptions(base_url=endpoint.base_url, api_key=endpoint.api_key)
    async with AsyncOpenRouter(options, http_transport=transport) as client:
        data = await _key_data(client, endpoint)
    async with KeyManager(
        SIM_MANAGEMENT_KEY, base_url=endpoint.base_url, http_transport=transport
    ) as managed:
        account = await fetch_account(managed)
    return data, account


def _lines(data: dict[str, Any], local: dict[str, Any], hint: str | None) -> list[str]:
    label = redact_secrets(str(data.get("label") or ""))
    out = [f"key:           {hint or '(none)'}" + (f"  (label {label})" if label else "")]
    limit = data.get("limit")
    reset = data.get("limit_reset")
    line = f"limit:         {_usd(limit)}"
    if limit is not None:
        line += f", {_usd(data.get('limit_remaining'))} left"
        line += f" (resets {reset})" if reset else " (never resets)"
    out.append(line)
    out.append(
        f"usage:         {_usd(data.get('usage'))} in all"
        f" · {_usd(data.get('usage_daily'))} today"
        f" · {_usd(data.get('usage_weekly'))} this week"
        f" · {_usd(data.get('usage_monthly'))} this month"
    )
    if data.get("byok_usage"):
        counted = "counted in" if data.get("include_byok_in_limit") else "not counted in"
        out.append(f"BYOK usage:    {_usd(data.get('byok_usage'))} ({counted} the limit)")
    if "is_free_tier" in data:
        out.append(
            f"free tier:     {'yes (no credits bought yet)' if data['is_free_tier'] else 'no'}"
        )
    free = data.get("free_model_daily_requests")
    if isinstance(free, dict):
        used, limit, left = (_count(free.get(k)) for k in ("used", "limit", "remaining"))
        out.append(
            f"free models:   {used} of {limit} requests used today"
            f" ({left} left; resets at 00:00 UTC)"
        )
    if local:
        resets = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(local["resets_at"]))
        out.append(
            f"this machine:  {_count(local['used'])} of {_count(local['limit'])} free-model "
            f"requests counted by orkit today ({_count(local['remaining'])} left until {resets})"
        )
    return out


def run(args: argparse.Namespace) -> int:
    from orkit._portal import run_sync
    from orkit.cli._key_account import account_lines

    data, local, hint, account = run_sync(_fetch, args.endpoint)
    if args.json:
        body = {"key": hint, "data": data, "local_free_quota": local or None}
        print(redact_secrets(json.dumps({**body, **account.to_json()}, indent=2)))
        return ExitCode.OK
    print("\n".join(_lines(data, local, hint) + account_lines(account)))
    return ExitCode.OK


def _count(value: Any) -> str:
    """A count as every other line shows one (`1,000`); `?` when the server did not say."""
    return count(value) if isinstance(value, int | float) else "?"
