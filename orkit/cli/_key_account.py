"""The account half of `orkit key`: the credit balance and recent activity by model, which
OpenRouter shows only to a management key (`GET /credits`, `GET /activity`).

The management key comes from `OPENROUTER_PROVISIONING_KEY`. Without one, or when the
server refuses it or has no such routes (a local server), `orkit key` still shows what
the inference key can see and says in one line what is missing: never a failure.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from orkit._format import count, usd

__all__ = ["ACTIVITY_DAYS", "AccountView", "account_lines", "activity_by_model"]

ACTIVITY_DAYS = 7
"""Days of `/activity` `orkit key` sums per model."""
_DAY_S = 86_400
_NO_SUCH_ROUTE = (404, 405, 501)


@dataclass(frozen=True, slots=True)
class AccountView:
    """What the management key showed, or why there is nothing (`missing`)."""

    credits: dict[str, Any] | None = None
    activity: list[dict[str, Any]] = field(default_factory=list)
    missing: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The `--json` keys: `credits` (with `balance`), `activity_by_model`, `account`."""
        credits = None
        if self.credits is not None:
            credits = {**self.credits, "balance": balance(self.credits)}
        return {
            "credits": credits,
            "activity_by_model": None if self.missing else activity_by_model(self.activity),
            "account": self.missing,
        }


def balance(credits: dict[str, Any]) -> float | None:
    """Total credits less total usage (None when the server did not say both)."""
    total, used = credits.get("total_credits"), credits.get("total_usage")
    if not isinstance(total, int | float) or not isinstance(used, int | float):
        return None
    return float(total) - float(used)


def activity_by_model(rows: list[dict[str, Any]], now: float | None = None) -> list[dict[str, Any]]:
    """`/activity` rows of the last `ACTIVITY_DAYS` days summed per model, by spend."""
    now = time.time() if now is None else now
    first = time.strftime("%Y-%m-%d", time.gmtime(now - ACTIVITY_DAYS * _DAY_S))
    sums: dict[str, dict[str, float]] = defaultdict(lambda: {"requests": 0, "usage_usd": 0.0})
    for row in rows:
        model, date = row.get("model"), row.get("date")
        if not isinstance(model, str) or not isinstance(date, str) or date < first:
            continue
        sums[model]["requests"] += int(row.get("requests") or 0)
        sums[model]["usage_usd"] += float(row.get("usage") or 0.0)
    ordered = sorted(sums.items(), key=lambda item: (-item[1]["usage_usd"], item[0]))
    return [
        {"model": m, "requests": int(s["requests"]), "usage_usd": s["usage_usd"]}
        for m, s in ordered
    ]


async def fetch_account(managed: Any) -> AccountView:
    """`/credits` and `/activity` through `managed` (a `KeyManager`, or None when no
    management key is set), with a sentence instead of an error."""
    from orkit._settings import PROVISIONING_KEY_ENV
    from orkit.errors import APIConnectionError, APIStatusError, InvalidResponseError

    if managed is None:
        return AccountView(
            missing=f"credits and activity: need a management key in {PROVISIONING_KEY_ENV}"
        )
    try:
        credits = await managed.get_credits()
        activity = await managed.get_activity()
    except APIStatusError as exc:
        if exc.status_code in (401, 403):
            return AccountView(
                missing=f"credits and activity: the server refused the management key in "
                f"{PROVISIONING_KEY_ENV} ({exc.message})"
            )
        if exc.status_code in _NO_SUCH_ROUTE:
            return AccountView(missing="credits and activity: this server has no /credits")
        raise
    except InvalidResponseError:
        return AccountView(missing="credits and activity: this server has no /credits")
    except APIConnectionError as exc:
        return AccountView(missing=f"credits and activity: {exc.message}")
    return AccountView(credits=credits, activity=activity)


def account_lines(view: AccountView, now: float | None = None) -> list[str]:
    """The text lines of the account half."""
    if view.missing:
        return [view.missing]
    out: list[str] = []
    if view.credits is not None:
        left = balance(view.credits)
        out.append(
            f"credits:       {_usd(left)} left"
            f" ({_usd(view.credits.get('total_credits'))} bought,"
            f" {_usd(view.credits.get('total_usage'))} used)"
        )
    models = activity_by_model(view.activity, now)
    if not models:
        out.append(f"activity:      no billed requests in the last {ACTIVITY_DAYS} completed days")
        return out
    out.append(f"activity:      last {ACTIVITY_DAYS} completed days, by model")
    width = max(len(m["model"]) for m in models)
    for m in models:
        out.append(
            f"  {m['model']:<{width}}  {count(m['requests']):>9} requests  {usd(m['usage_usd'])}"
        )
    return out


def _usd(value: Any) -> str:
    return usd(value) if isinstance(value, int | float) else "?"
