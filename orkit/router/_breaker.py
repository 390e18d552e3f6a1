"""A circuit breaker per model: stop sending to a model that keeps failing, then probe it.

Closed: requests flow; `threshold` consecutive failures (5xx, timeouts, broken streams,
404s — not rate limits, which the limiters handle) open it. Open: nothing is sent for
`cooldown_s`; tasks fall back if they can, or wait. Half-open: one probe request goes; its
success closes the breaker, its failure opens it again for twice as long (up to a cap).

Down: the breaker is for a model that is down *for a while*, and waiting is right while it
may come back soon. But once `max_failed_probes` probes in a row have failed (5 + 10 + 20 s
of cooldowns with the defaults), the model is `down`: tasks with nowhere else to go stop
waiting on it and fail (rows with the model's last error, which `retry --errors` sends
again), rather than each waiting out a 30 s cooldown per probe until its own retries run
out — which turned a 20-task run against a deterministic 500 into an hour. A down breaker
still lets one probe through per cooldown to a task that arrives when it is half-open, so
a long run notices when the model comes back; that probe's success closes it.
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
        "_failed_probes",
        "_failures",
        "_opened_at",
        "_probing",
        "base_cooldown_s",
        "max_cooldown_s",
        "max_failed_probes",
        "threshold",
    )

    def __init__(
        self,
        *,
        threshold: int = 8,
        cooldown_s: float = 5.0,
        max_cooldown_s: float = 30.0,
        max_failed_probes: int = 3,
    ) -> None:
        self.threshold = threshold
        self.base_cooldown_s = cooldown_s
        self.max_cooldown_s = max_cooldown_s
        self.max_failed_probes = max_failed_probes
        self._cooldown = cooldown_s
        self._failures = 0
        self._failed_probes = 0
        self._opened_at: float | None = None
        self._probing = False

    def state(self, now: float) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if now - self._opened_at >= self._cooldown:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    @property
    def down(self) -> bool:
        """Open, and the last `max_failed_probes` probes all failed: waiting is futile."""
        return self._opened_at is not None and self._failed_probes >= self.max_failed_probes

    @property
    def failed_probes(self) -> int:
        """Probes in a row that failed since the breaker last closed."""
        return self._failed_probes

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
        self._failed_probes = 0
        self._opened_at = None
        self._probing = False
        self._cooldown = self.base_cooldown_s

    def on_failure(self, now: float) -> None:
        if self._probing:  # the probe failed: open again, for longer
            self._probing = False
            self._failed_probes += 1
            self._cooldown = min(self.max_cooldown_s, self._cooldown * 2)
            self._opened_at = now
            return
        self._failures += 1
        if self._opened_at is None and self._failures >= self.threshold:
            self._opened_at = now

    def on_neutral(self) -> None:
        """An attempt that says nothing about the model's health (e.g. a 429) ended."""
        self._probing = False
