"""One task's HTTP attempts as they happen: each is journaled as it ends, and each is paid for
against the budget, reserved before it is sent and settled when it ends.

Reserving once per task was not enough: a stream cut short after its first event is billed,
and the retry that follows is billed again, so a task of three attempts could cost three
times its one reservation. Here every attempt reserves its own worst case (the first uses
the task's, made before it was routed, across its whole fallback chain) and settles at:

- the cost the answer, or a mid-stream error event, reported;
- its worst case when it is billed but the cost is not known yet (an answer without
  `usage.cost`, or a generation begun and then broken: `GET /generation` says after the
  run), so an unknown cost can never hide an overspend;
- 0 when no generation was begun (a 429, a 500, a refused connection).

A retry that no longer fits the budget is not sent: `route` stops with `OverBudget`, and the
task is left `skipped_budget` for a resume with a larger budget.
"""

from __future__ import annotations

from collections.abc import Callable

from orkit._format import usd
from orkit.batch._budget import Budget
from orkit.batch._rows import attempt_rows
from orkit.batch._sink import ResultSink
from orkit.batch._tasks import Task
from orkit.errors import OverBudget
from orkit.router import Attempt
from orkit.types import ChatRequest

__all__ = ["AttemptBudget", "OverBudget", "TaskAttempts", "billed_usd"]


def billed_usd(attempt: Attempt) -> float | None:
    """What an attempt cost the account, as far as is known when it ends: None is billed but
    not known yet."""
    if attempt.cost_usd is not None:
        return attempt.cost_usd
    if attempt.action == "ok" or attempt.generation_id is not None:
        return None
    return 0.0


class AttemptBudget:
    """`AttemptHooks` that pay for each attempt of one request against the budget."""

    def __init__(
        self, budget: Budget, worst_case: Callable[[ChatRequest], float], reserved: float
    ) -> None:
        self._budget = budget
        self._worst_case = worst_case
        self._open: float | None = reserved
        """What the next (or current) attempt spends: the request's own reservation at
        first (made before it was routed, across its whole fallback chain)."""

    async def before_attempt(self, request: ChatRequest) -> None:
        if self._open is not None:
            return
        worst = self._worst_case(request)
        if not await self._budget.reserve(worst):
            raise OverBudget(f"a retry could cost up to {usd(worst)}", worst_usd=worst)
        self._open = worst

    def after_attempt(self, attempt: Attempt) -> None:
        if self._open is not None:
            self._budget.settle(self._open, billed_usd(attempt))
        self._open = None

    def close(self, *, cancelled: bool) -> None:
        """Settle a reservation no attempt spent: as nothing when the route ended without
        sending, as its worst case when it was cancelled (the request may be on its way)."""
        if self._open is not None:
            self._budget.settle(self._open, None if cancelled else 0.0)
        self._open = None


class TaskAttempts:
    """The `AttemptHooks` of one task's route: journal each attempt, and pay for it when
    the run has a budget."""

    def __init__(
        self,
        task: Task,
        run_id: str,
        sink: ResultSink,
        *,
        offset: int = 0,
        budget: AttemptBudget | None = None,
    ) -> None:
        self.task = task
        self.attempts: list[Attempt] = []
        self._run_id = run_id
        self._sink = sink
        self.offset = offset
        """Attempts made before this route's first (a resume's, a tool loop's earlier
        turns): the journal numbers this route's attempts after them."""
        self._budget = budget

    async def before_attempt(self, request: ChatRequest) -> None:
        if self._budget is not None:
            await self._budget.before_attempt(request)

    def after_attempt(self, attempt: Attempt) -> None:
        self.attempts.append(attempt)
        (row,) = attempt_rows(self.task, self._run_id, [attempt], offset=self.offset)
        self._sink.record_attempt(row)
        if self._budget is not None:
            self._budget.after_attempt(attempt)

    def close(self, *, cancelled: bool) -> None:
        if self._budget is not None:
            self._budget.close(cancelled=cancelled)
