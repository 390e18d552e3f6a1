"""Rate-limit hints of an error answer: how long to wait, when the limit resets (layer 1).

Parsed once, here, and stored on the exception (`retry_after_s`, `rate_limit_reset_s`), so
the router never looks at headers itself.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any

from orkit.client._values import as_number

__all__ = ["rate_limit_reset_s", "retry_after_s"]


def retry_after_s(
    headers: Mapping[str, str],
    metadata: Mapping[str, Any],
    err: Mapping[str, Any],
    wall_now: float | None,
) -> float | None:
    """Seconds to wait, parsed once here: `retry-after-ms`, `Retry-After` (seconds or an HTTP
    date) — or `metadata.retry_after_seconds_raw` when it is the same hint unrounded (the
    header carries whole seconds, so a 0.4 s hint reads "0" there) —
    `metadata.retry_after_seconds`, `metadata.headers["Retry-After"]`,
    `error.availability.retry_after`."""
    ms = as_number(headers.get("retry-after-ms"))
    if ms is not None:
        return max(ms / 1000.0, 0.0)
    raw = as_number(metadata.get("retry_after_seconds_raw"))
    found = _retry_after_value(headers.get("retry-after"), wall_now)
    if raw is not None and (found is None or abs(found - raw) <= 1.0):
        return max(raw, 0.0)  # the same hint, unrounded
    if found is not None:
        return found
    seconds = as_number(metadata.get("retry_after_seconds"))
    if seconds is not None:
        return max(seconds, 0.0)
    found = _retry_after_value(_header_in(metadata.get("headers"), "retry-after"), wall_now)
    if found is not None:
        return found
    availability = err.get("availability")
    if isinstance(availability, dict):
        seconds = as_number(availability.get("retry_after"))
        if seconds is not None:
            return max(seconds, 0.0)
    return None


def _retry_after_value(value: object, wall_now: float | None) -> float | None:
    seconds = as_number(value)
    if seconds is not None:
        return max(seconds, 0.0)
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    now = time.time() if wall_now is None else wall_now
    return max(when.timestamp() - now, 0.0)


def rate_limit_reset_s(headers: Mapping[str, str], metadata: Mapping[str, Any]) -> float | None:
    """`X-RateLimit-Reset` as Unix seconds. OpenRouter sends epoch milliseconds; a value
    too small to be milliseconds (before 1973) is taken as seconds."""
    value = as_number(headers.get("x-ratelimit-reset"))
    if value is None:
        value = as_number(_header_in(metadata.get("headers"), "x-ratelimit-reset"))
    if value is None or value <= 0:
        return None
    return value / 1000.0 if value > 1e11 else value


def _header_in(headers: object, name: str) -> object:
    """Case-insensitive lookup in a plain dict of headers (from error metadata)."""
    if not isinstance(headers, dict):
        return None
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == name:
            return value
    return None
