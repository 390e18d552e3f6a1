"""The `provider` routing-preferences object of a chat request: strict validation and parsing.

OpenRouter validates nested objects strictly: an unknown key inside `provider` (or inside
`provider.sort` / `provider.max_price`) is a 400 `Unrecognized key(s) in object: 'X'`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from orkit.sim.errors import SimError, bad_request

__all__ = ["ProviderPrefs", "parse_prefs"]

_KEYS = frozenset(
    {
        "order",
        "allow_fallbacks",
        "require_parameters",
        "data_collection",
        "zdr",
        "enforce_distillable_text",
        "only",
        "ignore",
        "quantizations",
        "sort",
        "preferred_min_throughput",
        "preferred_max_latency",
        "max_price",
        "options",
    }
)
_SORT_KEYS = frozenset({"by", "partition"})
_SORTS = frozenset({"price", "throughput", "latency", "exacto"})
_PRICE_KEYS = frozenset({"prompt", "completion", "request", "image", "audio"})


@dataclass(frozen=True)
class ProviderPrefs:
    """Parsed `provider` preferences (defaults = no preference)."""

    order: tuple[str, ...] = ()
    allow_fallbacks: bool = True
    require_parameters: bool = False
    data_collection: str = "allow"
    zdr: bool = False
    only: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    quantizations: tuple[str, ...] | None = None
    sort: str | None = None
    max_prompt_per_m: Decimal | None = None
    max_completion_per_m: Decimal | None = None


def _unrecognized(keys: set[str], user_id: str) -> SimError:
    listed = ", ".join(f"'{k}'" for k in sorted(keys))
    return bad_request(f"Unrecognized key(s) in object: {listed}", user_id)


def _strings(value: Any, field: str, user_id: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request(f"Invalid input: provider.{field} must be an array of strings", user_id)
    return tuple(value)


def _flag(value: Any, field: str, user_id: str) -> bool:
    if not isinstance(value, bool):
        raise bad_request(f"Invalid input: provider.{field} must be a boolean", user_id)
    return value


def _sort(value: Any, user_id: str) -> str:
    if isinstance(value, Mapping):
        unknown = set(value) - _SORT_KEYS
        if unknown:
            raise _unrecognized(unknown, user_id)
        value = value.get("by")
    if value not in _SORTS:
        allowed = ", ".join(sorted(_SORTS))
        raise bad_request(f"Invalid input: provider.sort must be one of {allowed}", user_id)
    return str(value)


def _max_price(value: Any, user_id: str) -> tuple[Decimal | None, Decimal | None]:
    if not isinstance(value, Mapping):
        raise bad_request("Invalid input: provider.max_price must be an object", user_id)
    unknown = set(value) - _PRICE_KEYS
    if unknown:
        raise _unrecognized(unknown, user_id)
    out: list[Decimal | None] = []
    for key in ("prompt", "completion"):
        raw = value.get(key)
        if raw is None:
            out.append(None)
            continue
        try:  # the docs use numbers, the SDK types them as strings: accept both
            out.append(Decimal(str(raw)))
        except InvalidOperation:
            message = f"Invalid input: provider.max_price.{key} must be a number"
            raise bad_request(message, user_id) from None
    return out[0], out[1]


def parse_prefs(value: Any, user_id: str) -> ProviderPrefs:
    """Validate and parse a request's `provider` object (None = no preferences)."""
    if value is None:
        return ProviderPrefs()
    if not isinstance(value, Mapping):
        raise bad_request("Invalid input: provider must be an object", user_id)
    unknown = set(value) - _KEYS
    if unknown:
        raise _unrecognized(unknown, user_id)
    data_collection = value.get("data_collection", "allow")
    if data_collection not in ("allow", "deny"):
        raise bad_request(
            "Invalid input: provider.data_collection must be 'allow' or 'deny'", user_id
        )
    max_prompt, max_completion = (None, None)
    if value.get("max_price") is not None:
        max_prompt, max_completion = _max_price(value["max_price"], user_id)
    get = value.get
    return ProviderPrefs(
        order=_strings(get("order"), "order", user_id) if get("order") is not None else (),
        allow_fallbacks=_flag(get("allow_fallbacks", True), "allow_fallbacks", user_id),
        require_parameters=_flag(get("require_parameters", False), "require_parameters", user_id),
        data_collection=data_collection,
        zdr=_flag(get("zdr") or False, "zdr", user_id),
        only=_strings(get("only"), "only", user_id) if get("only") is not None else None,
        ignore=_strings(get("ignore"), "ignore", user_id) if get("ignore") is not None else (),
        quantizations=(
            _strings(get("quantizations"), "quantizations", user_id)
            if get("quantizations") is not None
            else None
        ),
        sort=_sort(get("sort"), user_id) if get("sort") is not None else None,
        max_prompt_per_m=max_prompt,
        max_completion_per_m=max_completion,
    )
