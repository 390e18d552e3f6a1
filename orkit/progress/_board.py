"""What the notebook dashboard shows, kept apart from the widgets that show it: an engine
observer (`BoardRecorder`) that makes a frozen `Board` twice a second, and nothing else.

The engine calls observers on its loop thread; the dashboard redraws from a thread of its
own. So the live totals are never read across threads: per row the recorder only counts
the row's contestant (a dict lookup and two additions); on the engine's ticks (every
`EngineOptions.progress_every_s`, 0.5 s) and at the end it builds one `Board` from the
totals and the router's status and replaces the previous one in a single assignment,
which the drawing thread reads whole.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from orkit.batch import RunTotals, StatusFn
from orkit.progress._contestants import ContestantKey, contestant_labels, key_of
from orkit.results import ResultRow

__all__ = ["Board", "BoardRecorder", "ContestantLine", "RunPlan"]

RATE_WINDOW_S = 10.0
"""Tasks per second are measured over about this many seconds: the rate a minute ago says
little of the next one when a model has started to throttle."""


@dataclass(frozen=True, slots=True)
class RunPlan:
    """What the run is measured against, known before it starts (all optional)."""

    budget_usd: float | None = None
    estimate_usd: float | None = None
    """The estimate's expected cost (`Estimate.cost_expected_usd`); None: no estimate given,
    or its prices were not known."""
    estimate_s: float | None = None
    """The estimate's expected duration."""
    even_split: bool = True
    """Every contestant has the same number of tasks in this execution (a new run; not a
    resume or a retry, which do only what is missing), so each one's share is known."""


@dataclass(frozen=True, slots=True)
class ContestantLine:
    label: str
    done: int
    errors: int
    expected: int | None
    """Tasks this contestant has in this execution; None when not known (a resume or a
    retry does some contestants' tasks and not others')."""


@dataclass(frozen=True, slots=True)
class Board:
    """The dashboard's content at one moment. Unknown is None, never 0."""

    run_id: str
    status: str
    """`starting`, `running`, then how it ended (`completed`, `cancelled`, ...)."""
    total: int
    done: int
    ok: int
    errors: int
    cached: int
    skipped: int
    deferred: int
    spend_usd: float | None
    cost_unknown: int
    rate_limited: int
    """Attempts answered 429."""
    payment_required: int
    """Attempts answered 402 (credits or a key's limit)."""
    in_flight: int
    waiting: int
    concurrency: int | None
    """The sum of the models' current concurrency limits (the router adapts them)."""
    open_breakers: tuple[str, ...]
    error_kinds: tuple[tuple[str, str, int], ...]
    """The commonest errors: (type, message, count)."""
    elapsed_s: float
    tasks_per_s: float | None
    """Over the last `RATE_WINDOW_S` seconds (the whole run while shorter)."""
    contestants: tuple[ContestantLine, ...]
    plan: RunPlan

    @property
    def ended(self) -> bool:
        return self.status not in ("starting", "running")

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the recent rate; None before there is a rate, or at the end."""
        left = self.total - self.done
        if self.ended or left <= 0 or not self.tasks_per_s:
            return None
        return left / self.tasks_per_s


def _empty_board(run_id: str, plan: RunPlan) -> Board:
    return Board(
        run_id=run_id,
        status="starting",
        total=0,
        done=0,
        ok=0,
        errors=0,
        cached=0,
        skipped=0,
        deferred=0,
        spend_usd=None,
        cost_unknown=0,
        rate_limited=0,
        payment_required=0,
        in_flight=0,
        waiting=0,
        concurrency=None,
        open_breakers=(),
        error_kinds=(),
        elapsed_s=0.0,
        tasks_per_s=None,
        contestants=(),
        plan=plan,
    )


class BoardRecorder:
    """An engine observer that keeps the latest `Board` (`board`), readable from any
    thread; `on_board` (optional) is called on the loop thread with each new one."""

    def __init__(
        self,
        plan: RunPlan | None = None,
        *,
        on_board: Callable[[Board], None] | None = None,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._plan = plan or RunPlan()
        self._on_board = on_board
        self._now = now
        self._router: StatusFn | None = None
        self._total = 0
        self._run_id = ""
        self._started: float | None = None
        self._keys: list[ContestantKey] = []
        self._labels: dict[ContestantKey, str] = {}
        self._done: dict[ContestantKey, list[int]] = {}  # key -> [done, errors]
        self._recent: deque[tuple[float, int]] = deque()
        self.board = _empty_board("", self._plan)

    # ------------------------------------------------------------------ engine events

    def on_contestants(self, keys: Iterable[ContestantKey]) -> None:
        self._keys = list(dict.fromkeys(keys))
        self._labels = contestant_labels(self._keys) if self._keys else {}
        for key in self._keys:
            self._done.setdefault(key, [0, 0])

    def on_start(self, total: int, run_id: str, status: StatusFn | None = None) -> None:
        self._router = status
        self._total = total
        self._run_id = run_id
        self._started = self._now()
        self._publish(RunTotals(), "running")

    def on_row(self, row: ResultRow | None, totals: RunTotals) -> None:
        if row is None:
            return
        key = key_of(row)
        counts = self._done.get(key)
        if counts is None:
            counts = self._done[key] = [0, 0]
        counts[0] += 1
        if row["status"] == "error":
            counts[1] += 1

    def on_tick(self, totals: RunTotals) -> None:
        self._publish(totals, "running")

    def on_finish(self, totals: RunTotals, status: str) -> None:
        self._router = None  # the router's counts mean nothing once it has stopped
        self._publish(totals, status)

    # ------------------------------------------------------------------ the board

    def _publish(self, totals: RunTotals, status: str) -> None:
        board = self._build(totals, status)
        self.board = board  # one assignment: a reader has the old board or the new one
        if self._on_board is not None:
            self._on_board(board)

    def _build(self, totals: RunTotals, status: str) -> Board:
        t = totals.all
        now = self._now()
        elapsed = 0.0 if self._started is None else now - self._started
        router = self._router() if self._router is not None else {}
        limits = router.get("concurrency")
        concurrency = sum(limits.values()) if isinstance(limits, dict) and limits else None
        breakers = router.get("open_breakers")
        return Board(
            run_id=self._run_id,
            status=status,
            total=self._total,
            done=t.tasks,
            ok=t.ok,
            errors=t.errors,
            cached=t.cached,
            skipped=t.skipped_budget,
            deferred=t.deferred,
            spend_usd=t.cost_usd,
            cost_unknown=t.cost_unknown,
            rate_limited=t.rate_limited,
            payment_required=t.payment_required,
            in_flight=_count(router.get("in_flight")),
            waiting=_count(router.get("waiting")),
            concurrency=concurrency,
            open_breakers=tuple(breakers) if isinstance(breakers, list) else (),
            error_kinds=tuple(
                (e["error_type"], e["message"], e["count"])
                for e in totals.error_counts.most_common(3)
            ),
            elapsed_s=max(0.0, elapsed),
            tasks_per_s=self._rate(now, t.tasks, elapsed),
            contestants=self._lines(),
            plan=self._plan,
        )

    def _rate(self, now: float, done: int, elapsed: float) -> float | None:
        recent = self._recent
        recent.append((now, done))
        while len(recent) > 2 and now - recent[1][0] >= RATE_WINDOW_S:
            recent.popleft()
        first_at, first_done = recent[0]
        if now - first_at >= 1.0:
            return (done - first_done) / (now - first_at)
        # No rate from a first second of answers: cached ones say little of the rest.
        return done / elapsed if elapsed >= 1.0 else None

    def _lines(self) -> tuple[ContestantLine, ...]:
        keys = list(self._done)
        if len(self._labels) != len(keys):
            self._labels = contestant_labels(keys)
        n = len(keys)
        even = self._plan.even_split and n and self._total % n == 0
        share = self._total // n if even else None
        return tuple(
            ContestantLine(self._labels[k], done, errors, share)
            for k, (done, errors) in self._done.items()
        )


def _count(value: object) -> int:
    return value if isinstance(value, int) else 0


def board_contestants(board: Board, limit: int) -> tuple[Sequence[ContestantLine], int]:
    """The first `limit` contestants' lines and how many more there are."""
    lines = board.contestants
    return lines[:limit], max(0, len(lines) - limit)
