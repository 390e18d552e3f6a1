"""`Periods`: a running USD sum split by the emulated UTC day, week (Monday to Sunday) and
month, as OpenRouter reports `usage_daily` / `usage_weekly` / `usage_monthly` and resets a
key's `limit_reset` (`daily`, `weekly`, `monthly`) at UTC midnight, Monday and the 1st.

Days are indexes of emulated UTC days since the epoch (`SimClock.emulated_day`), so a
period changes exactly when the emulated clock crosses midnight. O(1) per charge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

__all__ = ["LIMIT_RESETS", "Periods", "month_of", "week_of"]

_ZERO = Decimal(0)
_DAY_S = 86_400

LIMIT_RESETS = ("daily", "weekly", "monthly")
"""The values of a key's `limit_reset` besides null (never)."""


def week_of(day: int) -> int:
    """Index of the Monday-to-Sunday week of emulated day `day` (day 0, 1970-01-01, was a
    Thursday: three days after a Monday)."""
    return (day + 3) // 7


def month_of(day: int) -> int:
    """Index of the calendar month of emulated day `day` (year * 12 + month - 1)."""
    date = datetime.fromtimestamp(day * _DAY_S, UTC)
    return date.year * 12 + date.month - 1


@dataclass(slots=True)
class Periods:
    """Totals of one counter: all time, and this day, week and month."""

    total: Decimal = _ZERO
    day: int = -1
    daily: Decimal = _ZERO
    week: int = -1
    weekly: Decimal = _ZERO
    month: int = -1
    monthly: Decimal = _ZERO

    def add(self, amount: Decimal, day: int) -> None:
        """Count `amount` in emulated day `day` (a new day, week or month starts at 0)."""
        self._roll(day)
        self.total += amount
        self.daily += amount
        self.weekly += amount
        self.monthly += amount

    def _roll(self, day: int) -> None:
        if day == self.day:
            return
        self.day, self.daily = day, _ZERO
        week = week_of(day)
        if week != self.week:
            self.week, self.weekly = week, _ZERO
        month = month_of(day)
        if month != self.month:
            self.month, self.monthly = month, _ZERO

    def of_day(self, day: int) -> Decimal:
        """What was counted in day `day` (0 once another day has begun)."""
        return self.daily if day == self.day else _ZERO

    def of_week(self, day: int) -> Decimal:
        """What was counted in the week of day `day`."""
        return self.weekly if week_of(day) == self.week else _ZERO

    def of_month(self, day: int) -> Decimal:
        """What was counted in the month of day `day`."""
        return self.monthly if self.day >= 0 and month_of(day) == self.month else _ZERO

    def in_period(self, reset: str | None, day: int) -> Decimal:
        """What counts against a limit that resets `reset` (None: never, the total)."""
        if reset == "daily":
            return self.of_day(day)
        if reset == "weekly":
            return self.of_week(day)
        if reset == "monthly":
            return self.of_month(day)
        return self.total
