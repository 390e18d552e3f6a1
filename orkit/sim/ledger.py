"""Mutable bookkeeping of one emulator: accounts, generation records and statistics.

Everything here is O(1) per request (counters and dict inserts), because benchmarks push
tens of thousands of requests through one emulator.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from orkit.sim.generation import GenerationFacts
from orkit.sim.limits import FreeUsage

__all__ = ["Account", "Accounts", "GenerationStore", "Stats", "key_label"]

_ZERO = Decimal(0)


def key_label(key: str) -> str:
    """OpenRouter's masked key label: `sk-or-v1-0fa...240` (never the key itself)."""
    prefix = "sk-or-v1-" if key.startswith("sk-or-v1-") else ""
    secret = key[len(prefix) :]
    if len(secret) <= 6:
        return prefix + "..."
    return f"{prefix}{secret[:3]}...{secret[-3:]}"


@dataclass
class Account:
    """One API key's account: billed usage and free-model counters."""

    label: str
    usage: Decimal = _ZERO
    usage_day: int = -1
    usage_daily: Decimal = _ZERO
    requests: int = 0
    billed_count: int = 0
    byok_upstream: Decimal = _ZERO
    """What BYOK providers billed the user's own accounts (not OpenRouter spend)."""
    cached_tokens: int = 0
    """Prompt tokens answered from a provider's cache (`usage.prompt_tokens_details`)."""
    cache_write_tokens: int = 0
    """Prompt tokens written to a provider's cache at a write price."""
    free: FreeUsage = field(default_factory=FreeUsage)

    def bill(self, amount: Decimal, day: int, *, byok_upstream: Decimal = _ZERO) -> None:
        """Add a charge to the running totals (daily usage resets with the emulated day);
        `byok_upstream` is the provider's own bill for a BYOK completion, kept apart."""
        self.byok_upstream += byok_upstream
        if day != self.usage_day:
            self.usage_day, self.usage_daily = day, _ZERO
        self.usage += amount
        self.usage_daily += amount
        self.billed_count += 1

    def daily(self, day: int) -> Decimal:
        """Usage billed in emulated day `day`."""
        return self.usage_daily if day == self.usage_day else _ZERO


class Accounts:
    """Accounts by API key, created on first use."""

    def __init__(self) -> None:
        self._by_key: dict[str, Account] = {}

    def get(self, key: str) -> Account:
        """The account of `key`."""
        account = self._by_key.get(key)
        if account is None:
            account = self._by_key[key] = Account(label=key_label(key))
        return account

    def all(self) -> list[Account]:
        """Every account seen so far."""
        return list(self._by_key.values())


class GenerationStore:
    """`GET /generation` records, each visible only from its `ready_at` (real epoch) on."""

    def __init__(self) -> None:
        self._records: dict[str, tuple[float, GenerationFacts]] = {}

    def add(self, ready_at: float, facts: GenerationFacts) -> None:
        """Store a record that becomes visible at `ready_at`."""
        self._records[facts.gen_id] = (ready_at, facts)

    def get(self, gen_id: str, now: float) -> GenerationFacts | None:
        """The record, or None if unknown or not yet written."""
        entry = self._records.get(gen_id)
        if entry is None or now < entry[0]:
            return None
        return entry[1]


@dataclass
class Stats:
    """Counters behind `GET /_sim/stats`."""

    requests: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    by_model: Counter[str] = field(default_factory=Counter)
    served_by_model: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    billed_by_body_hash: Counter[str] = field(default_factory=Counter)
    delivered_by_body_hash: Counter[str] = field(default_factory=Counter)
    """Completions delivered whole, per request body: a body delivered twice is an answer
    the client received and paid for, then asked for again. (A body can be billed twice
    without that: a stream broken on the way is billed, and its retry is billed again.)"""
    billed_total: Decimal = _ZERO
    billed_count: int = 0
    billed_undelivered_total: Decimal = _ZERO
    """Part of `billed_total` for generations never delivered whole (cut, dropped, stalled,
    closed by the client): what a client pays for answers it did not receive."""
    billed_undelivered_count: int = 0
    billed_byok_count: int = 0
    """Billed generations served with the user's own provider key (their fee is in
    `billed_total`, their upstream cost only in `byok_upstream_total`)."""
    byok_upstream_total: Decimal = _ZERO
    delivered_count: int = 0
    cached_tokens: int = 0
    """Prompt tokens read from a provider's cache, over completions billed or delivered."""
    cache_write_tokens: int = 0
    """Prompt tokens written to a provider's cache at a write price, likewise."""
    serving: int = 0
    """Chat requests being served now (in_flight less those queued for a slot)."""
    max_serving: int = 0
    not_found_by_path: Counter[str] = field(default_factory=Counter)
    """A local-server emulator's 404s to OpenRouter-only paths (`/key`, `/generation`...)."""

    def begin(self) -> None:
        """A chat request arrived."""
        self.requests += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def serve(self) -> None:
        """A chat request got a serving slot (at once, unless `max_concurrent` queued it)."""
        self.serving += 1
        self.max_serving = max(self.max_serving, self.serving)

    def bill(
        self,
        body_hash: str,
        amount: Decimal,
        *,
        aborted: bool,
        byok_upstream: Decimal | None = None,
    ) -> None:
        """A charge for one generation of this request body (`aborted`: not delivered;
        `byok_upstream`: the provider's bill when served BYOK, None otherwise)."""
        if byok_upstream is not None:
            self.billed_byok_count += 1
            self.byok_upstream_total += byok_upstream
        self.billed_total += amount
        self.billed_count += 1
        self.billed_by_body_hash[body_hash] += 1
        if aborted:
            self.billed_undelivered_total += amount
            self.billed_undelivered_count += 1

    def cache(self, account: Account, read: int, written: int) -> None:
        """Prompt tokens a completion read from and wrote to its provider's cache."""
        self.cached_tokens += read
        self.cache_write_tokens += written
        account.cached_tokens += read
        account.cache_write_tokens += written

    def end(self) -> None:
        """A chat request finished (whatever its outcome)."""
        self.in_flight -= 1

    def to_json(self, accounts: list[Account]) -> dict[str, Any]:
        """The `/_sim/stats` body."""
        return {
            "requests": self.requests,
            "in_flight": self.in_flight,
            "max_in_flight": self.max_in_flight,
            "by_model": dict(self.by_model),
            "served_by_model": dict(self.served_by_model),
            "by_status": dict(self.by_status),
            "delivered_count": self.delivered_count,
            "max_serving": self.max_serving,
            "not_found_by_path": dict(self.not_found_by_path),
            "billed_count": self.billed_count,
            "billed_total_usd": float(self.billed_total),
            "billed_undelivered_count": self.billed_undelivered_count,
            "billed_undelivered_usd": float(self.billed_undelivered_total),
            "billed_byok_count": self.billed_byok_count,
            "byok_upstream_usd": float(self.byok_upstream_total),
            "cached_tokens": self.cached_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "billed_by_body_hash": dict(self.billed_by_body_hash),
            "delivered_by_body_hash": dict(self.delivered_by_body_hash),
            "keys": {
                a.label: {
                    "requests": a.requests,
                    "billed_count": a.billed_count,
                    "usage_usd": float(a.usage),
                    "byok_upstream_usd": float(a.byok_upstream),
                    "cached_tokens": a.cached_tokens,
                    "cache_write_tokens": a.cache_write_tokens,
                }
                for a in accounts
            },
        }
