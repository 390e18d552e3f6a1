"""`RunProgress` as the recorder keeps it (a fake clock, hand-made totals), and the tee that
puts it beside a display: each observer hears each event; the optional ones exist on the
tee only when one of its observers takes them (the engine calls those per task)."""

from __future__ import annotations

from typing import Any

from orkit.api._progress import ObserverTee, ProgressRecorder
from orkit.batch import RunTotals
from orkit.results import ResultRow


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def row(status: str, cost: float | None, **extra: Any) -> ResultRow:
    return {"model": "a/x", "status": status, "cost_usd": cost, **extra}  # type: ignore[typeddict-item]


def test_progress_counts_rates_and_unknown_spend() -> None:
    clock = Clock()
    recorder = ProgressRecorder(now=clock)
    before = recorder.snapshot()
    assert (before.status, before.total, before.done, before.elapsed_s) == ("starting", 0, 0, 0)
    assert before.tasks_per_s is None and before.fraction == 0.0 and before.spend_usd is None

    router = {"in_flight": 4, "waiting": 2}
    recorder.on_start(10, "r", lambda: router)
    totals = RunTotals()
    totals.add(row("ok", None, generation_id="g1"))  # answered, cost unknown
    recorder.on_row(None, totals)
    clock.t = 102.0
    p = recorder.snapshot()
    assert (p.done, p.ok, p.spend_usd, p.cost_unknown) == (1, 1, None, 1)  # unknown, not 0
    assert (p.in_flight, p.waiting) == (4, 2)
    assert p.elapsed_s == 2.0 and p.tasks_per_s == 0.5 and p.fraction == 0.1

    totals.add(row("ok", 0.25, cost_source="cached"))
    totals.add(row("error", None, error_type="http"))
    totals.add(row("skipped_budget", None))
    router["in_flight"] = 1
    recorder.on_tick(totals)
    p = recorder.snapshot()
    assert (p.done, p.ok, p.errors, p.cached, p.skipped, p.spend_usd) == (4, 2, 1, 1, 1, 0.25)
    assert p.in_flight == 1

    recorder.on_finish(totals, "cancelled")
    clock.t = 500.0
    end = recorder.snapshot()
    assert (end.status, end.in_flight, end.waiting, end.elapsed_s) == ("cancelled", 0, 0, 2.0)


class Plain:
    def __init__(self) -> None:
        self.heard: list[str] = []

    def on_start(self, total: int, run_id: str, status: Any = None) -> None:
        self.heard.append(f"start {total}")

    def on_row(self, row: ResultRow | None, totals: RunTotals) -> None:
        self.heard.append("row")

    def on_finish(self, totals: RunTotals, status: str) -> None:
        self.heard.append(status)


class Detailed(Plain):
    def on_task_start(self, task: Any) -> None:
        self.heard.append(f"task {task}")

    def on_tick(self, totals: RunTotals) -> None:
        self.heard.append("tick")


def test_the_tee_forwards_each_event_to_each_observer_that_takes_it() -> None:
    plain, detailed = Plain(), Detailed()
    tee = ObserverTee([plain, detailed])
    tee.on_start(3, "r")
    tee.on_task_start(7)  # type: ignore[arg-type]
    tee.on_row(None, RunTotals())
    tee.on_tick(RunTotals())
    tee.on_finish(RunTotals(), "completed")
    assert plain.heard == ["start 3", "row", "completed"]
    assert detailed.heard == ["start 3", "task 7", "row", "tick", "completed"]
    assert getattr(ObserverTee([plain]), "on_task_start", None) is None
    assert getattr(ObserverTee([plain]), "on_contestants", None) is None
