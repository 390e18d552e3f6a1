"""Rate limits: the account-wide free-model quotas and per-model upstream token buckets.

Free models (`:free` ids): per key, at most `free_per_minute` requests in a (scaled) minute
window that opens at the first request, and `free_per_day` per emulated UTC day. Upstream
limits (`SimConfig.upstream_rpm`): a token bucket per served model id refilling at rpm per
emulated minute, holding up to rpm / 6 requests (ten seconds' worth, at least one); with
`SimConfig.upstream_rpm_changes` the rpm (so the refill rate and the capacity) moves at set
emulated times, and a shrunken bucket drops the tokens it can no longer hold.
A window scale of 0 makes every window empty, which disables all of these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from orkit.sim.clock import SimClock
from orkit.sim.errors import SimError, free_limit_error

__all__ = ["FreeTier", "FreeUsage", "UpstreamBuckets"]

_MINUTE = 60.0


@dataclass
class FreeUsage:
    """One key's free-model counters."""

    minute_start: float = float("-inf")
    minute_count: int = 0
    day: int = -1
    day_count: int = 0


class FreeTier:
    """Checks and counts free-model requests against the per-minute and per-day limits."""

    def __init__(self, clock: SimClock, per_minute: int, per_day: int, user_id: str) -> None:
        self.clock = clock
        self.per_minute = per_minute
        self.per_day = per_day
        self.user_id = user_id

    @property
    def enabled(self) -> bool:
        """False when the window scale is 0 (windows of zero length never fill)."""
        return self.clock.window_scale > 0

    def used_today(self, usage: FreeUsage) -> int:
        """Free requests counted in the current emulated day."""
        return usage.day_count if usage.day == self.clock.emulated_day() else 0

    def admit(self, usage: FreeUsage) -> None:
        """Count one free request, or raise the real 429 if a limit is reached."""
        if not self.enabled:
            return
        now = self.clock.now()
        today = self.clock.emulated_day()
        if usage.day != today:
            usage.day, usage.day_count = today, 0
        if now >= usage.minute_start + self.clock.window(_MINUTE):
            usage.minute_start, usage.minute_count = now, 0
        if usage.day_count >= self.per_day:
            reset = self.clock.next_midnight_real()
            raise self._error(per_day=True, limit=self.per_day, reset=reset, retry=None)
        if usage.minute_count >= self.per_minute:
            reset = usage.minute_start + self.clock.window(_MINUTE)
            raise self._error(per_day=False, limit=self.per_minute, reset=reset, retry=reset - now)
        usage.day_count += 1
        usage.minute_count += 1

    def _error(self, *, per_day: bool, limit: int, reset: float, retry: float | None) -> SimError:
        return free_limit_error(
            per_day=per_day,
            limit=limit,
            reset_ms=int(reset * 1000),
            retry_after_s=retry,
            user_id=self.user_id,
        )


@dataclass
class _Bucket:
    tokens: float
    updated: float


class UpstreamBuckets:
    """Per-model token buckets for `SimConfig.upstream_rpm` (and its `upstream_rpm_changes`)."""

    def __init__(
        self,
        clock: SimClock,
        rpm: Mapping[str, float],
        changes: Mapping[str, tuple[tuple[float, float], ...]] | None = None,
    ) -> None:
        self.clock = clock
        self.rpm = rpm
        self.changes = changes or {}
        self._buckets: dict[str, _Bucket] = {}

    def take(self, model_id: str) -> float | None:
        """Take one request slot: None if admitted, else real seconds until one is free."""
        if model_id not in self.rpm or self.clock.window_scale <= 0:
            return None
        now = self.clock.now()
        bucket = self._buckets.get(model_id)
        if bucket is None:
            capacity = _capacity(self.rpm_at(model_id, now))
            bucket = self._buckets[model_id] = _Bucket(capacity, now)
        self._refill(model_id, bucket, now)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        # A change before then makes this hint a little off, as a real provider's would be.
        return (1.0 - bucket.tokens) / self._rate(self.rpm_at(model_id, now))

    def rpm_at(self, model_id: str, real_time: float) -> float:
        """The model's limit (requests per emulated minute) in force at `real_time`."""
        rpm = self.rpm[model_id]
        for at, changed in self._change_times(model_id):
            if real_time >= at:
                rpm = changed
        return rpm

    def _change_times(self, model_id: str) -> list[tuple[float, float]]:
        """`(real epoch seconds, rpm)` of the model's changes on this clock's origin."""
        origin = self.clock.real_origin
        return [
            (origin + self.clock.window(at_s), rpm) for at_s, rpm in self.changes.get(model_id, ())
        ]

    def _refill(self, model_id: str, bucket: _Bucket, now: float) -> None:
        """Refill segment by segment, so a rate change mid-way counts at its own time."""
        bounds = [at for at, _ in self._change_times(model_id) if bucket.updated < at < now]
        start = bucket.updated
        for end in [*bounds, now]:
            rpm = self.rpm_at(model_id, start)
            refilled = bucket.tokens + (end - start) * self._rate(rpm)
            bucket.tokens = min(_capacity(rpm), refilled)
            start = end
        bucket.updated = now

    def _rate(self, rpm: float) -> float:
        """Tokens per real second."""
        return rpm / self.clock.window(_MINUTE)


def _capacity(rpm: float) -> float:
    """Ten seconds' worth of requests, at least one."""
    return max(1.0, rpm / 6.0)
