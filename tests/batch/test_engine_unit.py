"""`execute()` on its own: a `Router` over a scripted completer on a `FakeClock`, no emulator,
no time scale, no real sleep. Each test guards one step of the engine's per-task order
(skip what is done, answer from the cache, reserve against the budget, route, record journal
first) or its one way of stopping a run."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import anyio
import pytest

from orkit import errors as e
from orkit._clock import FakeClock
from orkit.batch import Budget, TaskServices, WorstCase
from orkit.cost import Prices
from orkit.errors import RunStoppedError
from orkit.results import ResponseCache, RunDir
from orkit.router import ModelLimits, RouterOptions
from orkit.types import ChatRequest

from .scripted_engine import Bench, ScriptedCompleter, answer, make_tasks

A, B = "a/x", "b/y"


def bench(tmp_path: Path, completer: ScriptedCompleter, **router: object) -> Bench:
    options = RouterOptions(seed=1, **router)  # type: ignore[arg-type]
    return Bench(RunDir.create(tmp_path / "runs", "r1"), completer, options)


# --------------------------------------------------------------------------- concurrency


async def test_never_more_in_flight_than_the_global_cap_across_lanes(tmp_path: Path) -> None:
    # Two lanes of 4 workers (plus spares) each: 10+ coroutines could send; the cap is 4.
    completer = ScriptedCompleter(FakeClock())
    b = bench(tmp_path, completer, max_concurrency=4)
    try:
        totals = await b.execute([make_tasks(A, 30), make_tasks(B, 30)], workers_per_lane=4)
    finally:
        b.close()
    assert completer.most_in_flight == 4  # reached, never passed
    assert len(completer.sent) == 60 and totals.all.ok == 60


async def test_a_models_known_concurrency_caps_its_lane_only(tmp_path: Path) -> None:
    completer = ScriptedCompleter(FakeClock())
    b = bench(tmp_path, completer, max_concurrency=64, limits={A: ModelLimits(max_concurrency=2)})
    try:
        await b.execute([make_tasks(A, 20), make_tasks(B, 20)], workers_per_lane=6)
    finally:
        b.close()
    assert completer.most_per_model[A] == 2
    assert completer.most_per_model[B] > 2  # the other lane is not held to A's limit
    assert len(completer.sent) == 40


# --------------------------------------------------------------------------- budget


def flat_worst_case(usd: float, *models: str) -> WorstCase:
    """Every task and attempt could cost exactly `usd` (a per-request fee, no token price)."""
    price = Prices(prompt=0.0, completion=0.0, request=usd)
    return WorstCase(prices=dict.fromkeys(models, price), fallbacks={}, clock=None)


async def test_a_budget_that_admits_k_requests_sends_exactly_k(tmp_path: Path) -> None:
    # Each request reserves 0.25 and costs 0.25: a 1.00 budget admits four, whatever the
    # order in which four workers reserve.
    completer = ScriptedCompleter(FakeClock(), cost_usd=0.25)
    budget = Budget(1.0)
    services = TaskServices(budget=budget, worst_case=flat_worst_case(0.25, A))
    b = bench(tmp_path, completer)
    try:
        totals = await b.execute([make_tasks(A, 10)], workers_per_lane=4, services=services)
        assert len(completer.sent) == 4
        assert b.statuses() == {"ok": 4, "skipped_budget": 6}
        assert b.spent_usd() == 1.0
    finally:
        b.close()
    assert totals.all.skipped_budget == 6
    assert budget.spent_usd == 1.0 and budget.reserved_usd == 0.0


async def test_the_budget_settles_what_was_billed_not_what_was_reserved(tmp_path: Path) -> None:
    # Reserve 0.25, pay 0.125. Settled at the reservation a 1.00 budget would send four;
    # settled at the cost it sends seven (the eighth cannot fit: at least 7 x 0.125 is
    # spent or reserved by then, whatever the order).
    completer = ScriptedCompleter(FakeClock(), cost_usd=0.125)
    budget = Budget(1.0)
    services = TaskServices(budget=budget, worst_case=flat_worst_case(0.25, A))
    b = bench(tmp_path, completer)
    try:
        await b.execute([make_tasks(A, 12)], workers_per_lane=4, services=services)
        assert len(completer.sent) == 7
        assert b.statuses() == {"ok": 7, "skipped_budget": 5}
        assert b.spent_usd() == 7 * 0.125
    finally:
        b.close()
    assert budget.spent_usd == 7 * 0.125 and budget.reserved_usd == 0.0


# --------------------------------------------------------------------------- cache


async def test_cache_hits_are_not_sent_and_are_recorded_as_cached(tmp_path: Path) -> None:
    tasks = make_tasks(A, 6)
    cache = ResponseCache(tmp_path / "cache.sqlite", "endpoint")
    for n, task in enumerate(tasks[:4]):
        cache.put(cache.key(task.request, task.repeat), answer(task.request, 0.5, n))
    completer = ScriptedCompleter(FakeClock(), cost_usd=0.01)
    b = bench(tmp_path, completer)
    try:
        totals = await b.execute([tasks], services=TaskServices(cache=cache))
        rows = {row["task_key"]: row for row in b.journal.results()}
    finally:
        b.close()
        cache.close()
    assert completer.sent_keys(tasks) == {t.key for t in tasks[4:]}
    for task in tasks[:4]:
        row = rows[task.key]
        assert row["status"] == "ok" and row["cost_source"] == "cached"
        assert row["cost_usd"] == 0.0 and row["attempts"] == 0
        assert row["output_text"] == f"a:q{task.item_index}"
    assert {rows[t.key]["cost_source"] for t in tasks[4:]} == {"reported"}
    assert totals.all.ok == 6 and cache.hits == 4


async def test_a_repeated_request_in_flight_is_sent_once(tmp_path: Path) -> None:
    # Two prompts rendering the same request: the second waits for the first's answer
    # instead of paying for it again.
    (task,) = make_tasks(A, 1)
    twin = replace(task, key="twin", prompt_id="p2")
    cache = ResponseCache(tmp_path / "cache.sqlite", "endpoint")
    completer = ScriptedCompleter(FakeClock())
    b = bench(tmp_path, completer)
    try:
        await b.execute([[task, twin]], services=TaskServices(cache=cache))
        rows = {row["task_key"]: row for row in b.journal.results()}
    finally:
        b.close()
        cache.close()
    assert len(completer.sent) == 1
    assert rows[task.key]["cost_source"] == "reported"
    assert rows["twin"]["cost_source"] == "cached"


# --------------------------------------------------------------------------- cancellation


async def test_cancelled_as_an_answer_arrives_the_answer_is_journaled_and_paid_once(
    tmp_path: Path,
) -> None:
    # The run is cancelled (Ctrl-C, a notebook's stop) at the instant the first answer
    # comes back: that answer must still reach the journal, or the resume would send the
    # task again and the account would pay for it twice.
    tasks = make_tasks(A, 3)
    scope = anyio.CancelScope()

    def cancel_at_first_answer(request: ChatRequest) -> None:
        scope.cancel()

    completer = ScriptedCompleter(FakeClock(), cost_usd=0.125, on_answer=cancel_at_first_answer)
    b = bench(tmp_path, completer, max_concurrency=1)
    try:
        with scope:
            await b.execute([tasks], workers_per_lane=1)
        assert scope.cancelled_caught
        assert len(completer.sent) == 1
        done = b.journal.keys(final=True)
        assert done == {tasks[0].key}
        assert b.spent_usd() == 0.125  # in its row, once
        offsets = b.journal.attempt_counts()
    finally:
        b.close()

    # The resume: what the journal says is done is skipped, the rest is sent.
    resumed = ScriptedCompleter(FakeClock(), cost_usd=0.125)
    again = Bench(RunDir(tmp_path / "runs" / "r1"), resumed, RouterOptions(seed=1))
    try:
        await again.execute([tasks], services=TaskServices(done=done, attempt_offsets=offsets))
        assert resumed.sent_keys(tasks) == {tasks[1].key, tasks[2].key}
        assert again.statuses() == {"ok": 3}
        assert again.spent_usd() == 3 * 0.125  # the first answer paid for once
    finally:
        again.close()


# --------------------------------------------------------------------------- run-level stop


async def test_simultaneous_run_level_failures_surface_as_one_run_stopped_error(
    tmp_path: Path,
) -> None:
    # Every request in flight gets the same 401: each worker raises; the caller sees one
    # RunStoppedError, not an ExceptionGroup of them.
    def rejected(request: ChatRequest) -> BaseException:
        return e.AuthenticationError("User not found.", status_code=401, model=request.model)

    completer = ScriptedCompleter(FakeClock(), fail=rejected)
    b = bench(tmp_path, completer, max_concurrency=8)
    try:
        with pytest.raises(RunStoppedError, match="API key was rejected") as caught:
            await b.execute([make_tasks(A, 20), make_tasks(B, 20)], workers_per_lane=4)
    finally:
        b.close()
    assert type(caught.value) is RunStoppedError
    assert completer.failed > 1  # several workers really failed at once
