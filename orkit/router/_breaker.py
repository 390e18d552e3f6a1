"""A circuit breaker per model: stop sending to a model that keeps failing, then probe it.

Closed: requests flow; `threshold` consecutive failures (5xx, timeouts, broken streams,
404s — not rate limits, which the limiters handle) open it. Open: nothing is sent for
`cooldown_s`; tasks fall back if they can, or wait. Half-open: one probe request goes; its
success closes the breaker, its failure opens it again for twice as long (up to a cap).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["BreakerState", "CircuitBreaker"]


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    __slots__ = (
        "_cooldown",
        "_failures",
        "_opened_at",
        "_probing",
        "base_cooldown_s",
        "max_cooldown_s",
        "threshold",
    )

    def __init__(
        self, *, threshold: int = 8, cooldown_s: float = 5.0, max_cooldown_s: float = 30.0
    ) -> None:
        self.threshold = threshold
        self.base_cooldown_s = cooldown_s
        self.max_cooldown_s = max_cooldown_s
        self._cooldown = cooldown_s
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    def state(self, now: float) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if now - self._opened_at >= self._cooldown:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    def retry_in(self, now: float) -> float:
        """Seconds until a probe may go (0 when closed or half-open)."""
        if self._opened_at is None:
            return 0.0
        return max(0.0, self._opened_at + self._cooldown - now)

    def allow(self, now: float) -> bool:
        """May a request go now? In half-open state only one probe at a time."""
        state = self.state(now)
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.HALF_OPEN and not self._probing:
            self._probing = True
            return True
        return False

    def on_success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._probing = False
        self._cooldown = self.base_cooldown_s

    def on_failure(self, now: float) -> None:
        if self._probing:  # the probe failed: open again, for longer
            self._probing = False
            self._cooldown = min(self.max_cooldown_s, self._cooldown * 2)
            self._opened_at = now
            return
        self._failures += 1
        if self._opened_at is None and self._failures >= self.threshold:
            self._opened_at = now

    def on_neutral(self) -> None:
        """An attempt that says nothing about the model's health (e.g. a 429) ended."""
        self._probing = False
