"""Inference keys a management key creates (`POST /keys`), their limits, and the fields
`GET /key` and `GET /keys` report about a key (reference §6, §9).

A created key is an inference key of the emulated account: its spend is its own `Account`
in the ledger, and counts against its `limit` over the period `limit_reset` names (the
emulated UTC day, Monday-to-Sunday week or month; null: for ever). OpenRouter checks the
limit before a request, not during it: a request is refused once nothing is left
(remaining <= 0), and the one that crosses the limit is served and billed whole.

The key string lives only here, in the emulator's memory; everything reported names a key
by its `hash` or its masked `label`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from orkit.sim.errors import SimError, bad_request, error
from orkit.sim.ledger import key_hash
from orkit.sim.periods import LIMIT_RESETS

if TYPE_CHECKING:
    from orkit.sim.ledger import Account

__all__ = [
    "IssuedKey",
    "KeyStore",
    "key_fields",
    "key_limit_exceeded",
    "listed_key",
]

_KEYS_URL = "https://openrouter.ai/settings/keys"
_CREATE_FIELDS = frozenset({"name", "limit", "limit_reset", "include_byok_in_limit", "expires_at"})
_PATCH_FIELDS = frozenset({"name", "disabled", "limit", "limit_reset", "include_byok_in_limit"})
_IGNORED_FIELDS = frozenset({"workspace_id", "creator_user_id", "external"})
"""Accepted and not modelled: the emulator has one user and no workspaces."""


def key_limit_exceeded(reset: str | None) -> SimError:
    """OpenRouter's 403 for a key whose limit is used up (no `user_id`, no metadata)."""
    period = reset if reset in LIMIT_RESETS else "total"
    return error(403, f"Key limit exceeded ({period} limit). Manage it using {_KEYS_URL}")


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


@dataclass(slots=True)
class IssuedKey:
    """A key `POST /keys` created (mutable: `PATCH` changes it)."""

    hash: str
    secret: str
    name: str
    limit: Decimal | None
    limit_reset: str | None
    include_byok_in_limit: bool
    created_at: str
    expires_at: str | None = None
    disabled: bool = False
    updated_at: str | None = None

    def used(self, account: Account, day: int) -> Decimal:
        """What counts against the limit now."""
        used = account.spend.in_period(self.limit_reset, day)
        if self.include_byok_in_limit:
            used += account.byok.in_period(self.limit_reset, day)
        return used

    def remaining(self, account: Account, day: int) -> Decimal | None:
        """What is left of the limit (None: no limit)."""
        return None if self.limit is None else self.limit - self.used(account, day)


def _limit(value: object) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad_request("Invalid input: limit must be a number or null")
    try:
        limit = Decimal(str(value))
    except InvalidOperation:
        raise bad_request("Invalid input: limit must be a number or null") from None
    if not limit.is_finite() or limit < 0:
        raise bad_request("Invalid input: limit must be >= 0")
    return limit


def _reset(value: object) -> str | None:
    if value is None or value in LIMIT_RESETS:
        return value
    raise bad_request("Invalid input: limit_reset must be one of daily, weekly, monthly or null")


def _check_fields(body: Mapping[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(body) - allowed - _IGNORED_FIELDS)
    if unknown:
        names = ", ".join(f"'{k}'" for k in unknown)
        raise bad_request(f"Unrecognized key(s) in object: {names}")


class KeyStore:
    """The keys created on one emulator, by hash and by key; deleted keys are remembered so
    they keep getting the 401 of an unknown key, even where any key is accepted."""

    def __init__(self, seed: int, user_id: str) -> None:
        self._seed = seed
        self._user_id = user_id
        self._count = 0
        self._by_hash: dict[str, IssuedKey] = {}
        self._by_secret: dict[str, IssuedKey] = {}
        self._revoked: set[str] = set()
        self.history: list[dict[str, Any]] = []
        """Every key created (hash, name, limit, deleted?), for `/_sim/stats`: tests check
        what a client provisioned, and that it cleaned up."""

    def create(self, body: Mapping[str, Any], now: float) -> IssuedKey:
        """`POST /keys`: a new key (400 for a bad body)."""
        _check_fields(body, _CREATE_FIELDS)
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise bad_request("Invalid input: name is required")
        include = body.get("include_byok_in_limit", False)
        if not isinstance(include, bool):
            raise bad_request("Invalid input: include_byok_in_limit must be a boolean")
        self._count += 1
        # deterministic per emulator seed, like everything else it answers
        material = f"orkit sim key {self._seed} {self._user_id} {self._count}".encode()
        secret = "sk-or-v1-" + hashlib.sha256(material).hexdigest()
        issued = IssuedKey(
            hash=key_hash(secret),
            secret=secret,
            name=name,
            limit=_limit(body.get("limit")),
            limit_reset=_reset(body.get("limit_reset")),
            include_byok_in_limit=include,
            created_at=_iso(now),
            expires_at=body.get("expires_at") if isinstance(body.get("expires_at"), str) else None,
        )
        self._by_hash[issued.hash] = issued
        self._by_secret[secret] = issued
        limit = None if issued.limit is None else float(issued.limit)
        self.history.append({"hash": issued.hash, "name": name, "limit": limit, "deleted": False})
        return issued

    def update(self, issued: IssuedKey, body: Mapping[str, Any], now: float) -> None:
        """`PATCH /keys/{hash}`: change the fields given (400 for a bad body)."""
        _check_fields(body, _PATCH_FIELDS)
        if "name" in body:
            if not isinstance(body["name"], str) or not body["name"].strip():
                raise bad_request("Invalid input: name must be a non-empty string")
            issued.name = body["name"]
        for flag in ("disabled", "include_byok_in_limit"):
            if flag in body:
                if not isinstance(body[flag], bool):
                    raise bad_request(f"Invalid input: {flag} must be a boolean")
                setattr(issued, flag, body[flag])
        if "limit" in body:
            issued.limit = _limit(body["limit"])
        if "limit_reset" in body:
            issued.limit_reset = _reset(body["limit_reset"])
        issued.updated_at = _iso(now)

    def delete(self, issued: IssuedKey) -> None:
        """`DELETE /keys/{hash}`: the key stops working at once."""
        del self._by_hash[issued.hash]
        del self._by_secret[issued.secret]
        self._revoked.add(issued.secret)
        for entry in self.history:
            if entry["hash"] == issued.hash:
                entry["deleted"] = True

    def deleted_keys(self) -> frozenset[str]:
        """The keys deleted so far (tests look for them where a client must not write them)."""
        return frozenset(self._revoked)

    def by_hash(self, hash_: str) -> IssuedKey | None:
        return self._by_hash.get(hash_)

    def by_secret(self, key: str) -> IssuedKey | None:
        return self._by_secret.get(key)

    def all(self) -> list[IssuedKey]:
        """Every live key, oldest first."""
        return list(self._by_hash.values())

    def refused(self, key: str) -> bool:
        """Whether `key` was deleted or is disabled (401 `User not found.`)."""
        issued = self._by_secret.get(key)
        return key in self._revoked or (issued is not None and issued.disabled)

    def check_limit(self, key: str, account: Account, day: int) -> None:
        """Raise the 403 of a key with nothing left of its limit (before a request)."""
        issued = self._by_secret.get(key)
        if issued is None:
            return
        remaining = issued.remaining(account, day)
        if remaining is not None and remaining <= 0:
            raise key_limit_exceeded(issued.limit_reset)


def _money(value: Decimal) -> float | int:
    return float(value) if value else 0


def key_fields(issued: IssuedKey | None, account: Account, day: int) -> dict[str, Any]:
    """The limit and usage fields `GET /key` and `GET /keys` share, live for `day`."""
    limit = None if issued is None or issued.limit is None else issued.limit
    remaining = None if issued is None else issued.remaining(account, day)
    spend, byok = account.spend, account.byok
    return {
        "label": account.label,
        "limit": None if limit is None else _money(limit),
        "limit_remaining": None if remaining is None else _money(remaining),
        "limit_reset": None if issued is None else issued.limit_reset,
        "include_byok_in_limit": False if issued is None else issued.include_byok_in_limit,
        "usage": _money(spend.total),
        "usage_daily": _money(spend.of_day(day)),
        "usage_weekly": _money(spend.of_week(day)),
        "usage_monthly": _money(spend.of_month(day)),
        "byok_usage": _money(byok.total),
        "byok_usage_daily": _money(byok.of_day(day)),
        "byok_usage_weekly": _money(byok.of_week(day)),
        "byok_usage_monthly": _money(byok.of_month(day)),
    }


def listed_key(issued: IssuedKey, account: Account, day: int, user_id: str) -> dict[str, Any]:
    """One entry of `GET /keys` (and the `data` of `POST`, `GET`, `PATCH /keys/{hash}`)."""
    return {
        "hash": issued.hash,
        "name": issued.name,
        **key_fields(issued, account, day),
        "disabled": issued.disabled,
        "created_at": issued.created_at,
        "updated_at": issued.updated_at,
        "last_used_at": None,
        "expires_at": issued.expires_at,
        "creator_user_id": user_id,
        "external_user": None,
        "workspace_id": None,
    }
