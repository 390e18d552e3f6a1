"""A hard budget: before a request is sent, its worst-case cost is reserved
(`orkit.cost.worst_case_usd`); nothing is sent that could take spent + reserved past the
budget. A task that does not fit waits for reservations in flight to settle; one that cannot
fit even then is left `skipped_budget`, for a resume with a larger budget.
"""

from __future__ import annotations

import anyio

__all__ = ["Budget"]


class Budget:
    """Spent and reserved money of one run, against its limit."""

    def __init__(self, limit_usd: float, spent_usd: float = 0.0) -> None:
        self.limit_usd = limit_usd
        self.spent_usd = spent_usd
        self.reserved_usd = 0.0
        self._in_flight = 0  # counted apart: float sums of reservations never return to 0.0
        self._changed = anyio.Event()

    async def reserve(self, worst_usd: float) -> bool:
        """Reserve `worst_usd`, waiting while reservations in flight may free room; False
        when it cannot fit even with nothing in flight."""
        while self.spent_usd + self.reserved_usd + worst_usd > self.limit_usd:
            if self._in_flight == 0:
                return False
            await self._changed.wait()
        self.reserved_usd += worst_usd
        self._in_flight += 1
        return True

    def settle(self, reserved_usd: float, actual_usd: float | None) -> None:
        """A reservation ended; `actual_usd` None (cost unknown) counts the reservation as
        spent, so an unknown cost can never hide an overspend."""
        self._in_flight -= 1
        self.reserved_usd = max(0.0, self.reserved_usd - reserved_usd) if self._in_flight else 0.0
        self.spent_usd += reserved_usd if actual_usd is None else actual_usd
        event, self._changed = self._changed, anyio.Event()
        event.set()
