"""Small, forgiving readers of JSON values and text helpers for the wire code (layer 1, pure).

Wire values are untrusted: a field may be missing, null, or of another type than documented.
These return None for anything that is not what was asked for, so unknown stays unknown.
"""

from __future__ import annotations

import math
from http import HTTPStatus
from typing import Any

from orkit.types import Secret

__all__ = [
    "MIN_SECRET_LEN",
    "REDACTED",
    "as_float",
    "as_int",
    "as_number",
    "as_str",
    "excerpt",
    "one_line",
    "scrub",
    "secret_text",
    "status_phrase",
    "text_of",
]

MIN_SECRET_LEN = 6  # shorter "keys" (local servers) would garble messages if redacted
REDACTED = "[REDACTED]"


def secret_text(secret: Secret | None) -> str | None:
    """The key to cut out of error text, or None if there is none worth cutting."""
    if secret is None:
        return None
    key = secret.reveal()
    return key if len(key) >= MIN_SECRET_LEN else None


def scrub(value: Any, key: str) -> Any:
    """A copy of `value` with `key` cut out of every string in it."""
    if isinstance(value, str):
        return value.replace(key, REDACTED) if key in value else value
    if isinstance(value, dict):
        return {k: scrub(v, key) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, key) for v in value]
    return value


def excerpt(body: bytes, limit: int = 200) -> str:
    """The start of a body as one short line (redact the key before, not after)."""
    return one_line(body[: limit * 4].decode("utf-8", "replace"), limit)


def one_line(text: str, limit: int) -> str:
    """`text` with all whitespace runs made single spaces, cut to `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "error"


def as_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def text_of(value: object) -> str | None:
    if isinstance(value, str) or value is None:
        return value
    if isinstance(value, list):  # content parts: keep the text ones
        texts = [p.get("text") for p in value if isinstance(p, dict)]
        return "".join(t for t in texts if isinstance(t, str))
    return None


def as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def as_float(value: object) -> float | None:
    """A JSON number as float (not a bool, not a numeric string)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def as_number(value: object) -> float | None:
    """A finite number from a JSON number or a header-style numeric string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None
