"""The account-wide daily quota of free-model requests, shared by every `:free` model and
every orkit process on the machine.

OpenRouter allows 50 free-model requests a day (1000 once 10 credits were bought), reset at
UTC midnight. The count is kept in a small JSON file in the user cache dir, keyed by a hash
of the key (never the key), so two runs on the same day share it; `GET /key`'s
`free_model_daily_requests` seeds it, and a `free-models-per-day` 429 marks it exhausted.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DailyQuota", "account_id", "next_utc_midnight"]

DAY_S = 86_400.0


def account_id(key_text: str | None) -> str:
    """A stable, non-reversible name for an account's counters (a prefix of the key's hash)."""
    if not key_text:
        return "anonymous"
    return hashlib.sha256(key_text.encode()).hexdigest()[:16]


def next_utc_midnight(wall: float, day_s: float = DAY_S) -> float:
    return (wall // day_s + 1) * day_s


@dataclass(slots=True)
class _State:
    day: int
    used: int
    limit: int
    exhausted_until: float | None = None


class DailyQuota:
    """Counts free-model requests per UTC day; persisted when a `path` is given."""

    def __init__(self, *, limit: int = 50, path: Path | None = None, day_s: float = DAY_S) -> None:
        self.path = path
        self.day_s = day_s
        self._default_limit = limit
        self._state = _State(day=-1, used=0, limit=limit)
        self._dirty = False

    def _roll(self, wall: float) -> _State:
        day = int(wall // self.day_s)
        if self._state.day != day:
            self._load(day)
        return self._state

    def _load(self, day: int) -> None:
        state = _State(day=day, used=0, limit=self._default_limit)
        if self.path is not None and self.path.is_file():
            try:
                data = json.loads(self.path.read_text("utf-8"))
                if int(data.get("day", -1)) == day:
                    state = _State(
                        day=day,
                        used=int(data["used"]),
                        limit=int(data["limit"]),
                        exhausted_until=data.get("exhausted_until"),
                    )
            except (OSError, ValueError, KeyError, TypeError):
                pass  # a damaged counter file is rebuilt rather than trusted
        self._state = state

    @property
    def limit(self) -> int:
        return self._state.limit

    def remaining(self, wall: float) -> int:
        s = self._roll(wall)
        if s.exhausted_until is not None and wall < s.exhausted_until:
            return 0
        return max(0, s.limit - s.used)

    def resets_at(self, wall: float) -> float:
        s = self._roll(wall)
        if s.exhausted_until is not None and wall < s.exhausted_until:
            return s.exhausted_until
        return next_utc_midnight(wall, self.day_s)

    def take(self, wall: float) -> bool:
        """Count one request if the quota allows it."""
        if self.remaining(wall) <= 0:
            return False
        self._state.used += 1
        self._dirty = True
        return True

    def give_back(self, wall: float) -> None:
        """A counted request was never sent (cancelled before it left)."""
        s = self._roll(wall)
        s.used = max(0, s.used - 1)
        self._dirty = True

    def seed(self, wall: float, *, limit: int | None, used: int | None) -> None:
        """Adopt the server's view (`GET /key` free_model_daily_requests)."""
        s = self._roll(wall)
        if limit is not None and limit > 0:
            s.limit = limit
        if used is not None and used > s.used:
            s.used = used
        self._dirty = True

    def mark_exhausted(self, wall: float, until: float | None) -> None:
        """The server said the daily quota is used up (until `until`, Unix seconds)."""
        s = self._roll(wall)
        s.used = max(s.used, s.limit)
        s.exhausted_until = until if until and until > wall else next_utc_midnight(wall, self.day_s)
        self._dirty = True

    def save(self) -> None:
        """Write the counter (atomically); cheap to call often, a no-op when unchanged."""
        if self.path is None or not self._dirty:
            return
        s = self._state
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # mkstemp makes the file owner-only (0600), like every other file in the cache dir
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(
                {
                    "day": s.day,
                    "used": s.used,
                    "limit": s.limit,
                    "exhausted_until": s.exhausted_until,
                },
                fh,
            )
        os.replace(tmp, self.path)
        self._dirty = False
