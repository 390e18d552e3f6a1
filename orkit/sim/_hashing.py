"""Deterministic pseudo-randomness: every "random" choice of the emulator is a hash of its inputs.

No global RNG is ever touched, so answers, faults and profiles depend only on
(seed, request, occurrence) and never on scheduling order or other requests.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

__all__ = ["alnum", "body_hash", "unit", "unit_range"]

_SCALE = float(1 << 64)
_FOLD = str.maketrans("+/", "Xq")


def unit(*parts: object) -> float:
    """A uniform float in [0, 1) determined by `parts` (their `str()` forms)."""
    text = "\x1f".join(map(str, parts)).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big") / _SCALE


def unit_range(low: float, high: float, *parts: object) -> float:
    """A float in [low, high) determined by `parts`."""
    return low + (high - low) * unit(*parts)


def body_hash(body: Any) -> str:
    """sha256 hex of the canonical JSON of a request body (sorted keys, compact, UTF-8).

    Clients can compute the same value to match `/_sim/stats.billed_by_body_hash` entries.
    """
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def alnum(length: int, *parts: object) -> str:
    """`length` (<= 40) alphanumerics determined by `parts`, like the tail of a `gen-` id."""
    text = "\x1f".join(map(str, parts)).encode()
    digest = hashlib.blake2b(text, digest_size=30).digest()
    # base64 is 64 symbols; fold the two non-alphanumerics onto letters (ids stay unique
    # enough: ~119 bits survive in 20 characters).
    return base64.b64encode(digest).decode().translate(_FOLD)[:length]
