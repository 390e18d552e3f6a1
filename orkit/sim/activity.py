"""`GET /activity` (management key): the account's billed usage of the last 30 completed
UTC days on the emulated clock, one row per date, model and provider endpoint (reference §9).

Each billed generation adds to one running row keyed by (day, model, provider, key hash),
so memory grows with the variety of traffic, not its volume. A query merges the keys'
rows (or keeps one key's, `api_key_hash=`) into OpenRouter's rows, newest date first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

__all__ = ["ACTIVITY_DAYS", "ActivityLog", "Billed", "day_of_date"]

ACTIVITY_DAYS = 30
"""Completed UTC days `/activity` covers (today, not yet complete, is left out)."""
_DAY_S = 86_400
_ZERO = Decimal(0)


def _date(day: int) -> str:
    return datetime.fromtimestamp(day * _DAY_S, UTC).strftime("%Y-%m-%d")


def day_of_date(text: str) -> int | None:
    """The emulated day index of `YYYY-MM-DD` (None: not such a date)."""
    try:
        parsed = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None
    return int(parsed.timestamp() // _DAY_S)


def _endpoint_id(model: str, provider: str) -> str:
    return hashlib.sha256(f"{model}|{provider}".encode()).hexdigest()[:32]


@dataclass(slots=True)
class _Row:
    permaslug: str
    usage: Decimal = _ZERO
    byok_usage_inference: Decimal = _ZERO
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0

    def merge(self, other: _Row) -> None:
        self.usage += other.usage
        self.byok_usage_inference += other.byok_usage_inference
        self.requests += other.requests
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.reasoning_tokens += other.reasoning_tokens
        self.cached_tokens += other.cached_tokens


@dataclass(frozen=True, slots=True)
class Billed:
    """One billed request as `/activity` counts it."""

    model: str
    permaslug: str
    provider: str
    usage: Decimal
    byok_upstream: Decimal = _ZERO
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0


class ActivityLog:
    """Running activity rows of one emulator."""

    def __init__(self) -> None:
        self._rows: dict[tuple[int, str, str, str], _Row] = {}

    def record(self, day: int, key_hash: str, billed: Billed) -> None:
        """Count one billed request of the key `key_hash` in emulated day `day`."""
        slot = (day, billed.model, billed.provider, key_hash)
        row = self._rows.get(slot)
        if row is None:
            row = self._rows[slot] = _Row(billed.permaslug)
        row.usage += billed.usage
        row.byok_usage_inference += billed.byok_upstream
        row.requests += 1
        row.prompt_tokens += billed.prompt_tokens
        row.completion_tokens += billed.completion_tokens
        row.reasoning_tokens += billed.reasoning_tokens
        row.cached_tokens += billed.cached_tokens

    def rows(
        self, today: int, *, day: int | None = None, key_hash: str | None = None
    ) -> list[dict[str, Any]]:
        """`/activity`'s `data`: the completed days of the last 30 (or only `day`, if it is
        one of them), every key's (or only `key_hash`'s), newest date first."""
        first, last = today - ACTIVITY_DAYS, today - 1
        merged: dict[tuple[int, str, str], _Row] = {}
        for (when, model, provider, owner), row in self._rows.items():
            if not first <= when <= last or (day is not None and when != day):
                continue
            if key_hash is not None and owner != key_hash:
                continue
            slot = (when, model, provider)
            into = merged.get(slot)
            if into is None:
                into = merged[slot] = _Row(row.permaslug)
            into.merge(row)
        ordered = sorted(merged.items(), key=lambda item: (-item[0][0], item[0][1], item[0][2]))
        return [
            {
                "date": _date(when),
                "model": model,
                "model_permaslug": row.permaslug,
                "endpoint_id": _endpoint_id(model, provider),
                "provider_name": provider,
                "usage": float(row.usage),
                "byok_usage_inference": float(row.byok_usage_inference),
                "requests": row.requests,
                "prompt_tokens": row.prompt_tokens,
                "completion_tokens": row.completion_tokens,
                "reasoning_tokens": row.reasoning_tokens,
                "cached_tokens": row.cached_tokens,
            }
            for (when, model, provider), row in ordered
        ]
