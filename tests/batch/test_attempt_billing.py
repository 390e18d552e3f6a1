"""Each attempt is journaled as it ends and paid for against the budget: reserved before it
is sent, settled at what it cost (its worst case while a billed cost is unknown). Driven by
a scripted completer on a fake clock: no emulator, no real sleeps."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import anyio
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orkit import Sweep
from orkit import errors as e
from orkit._clock import FakeClock
from orkit.batch import Budget, WorstCase
from orkit.batch._engine import EngineOptions, TaskServices, execute
from orkit.batch._sink import ResultSink
from orkit.batch._tasks import Task
from orkit.cost import Prices
from orkit.results import ATTEMPTS_SCHEMA, AttemptRow, Journal, ResultRow, RunDir, read_attempts
from orkit.router import RetryPolicy, Router, RouterOptions
from orkit.types import ChatRequest, ChatResponse, Usage

MODEL = "openai/gpt-4o-mini"
WORST = 0.01  # what one attempt reserves, at the prices below
PRICES = {MODEL: Prices(prompt=0.0, completion=WORST / 100)}


def broken(gen_id: str | None, cost: float | None = None) -> e.APIError:
    """A stream cut after its first event (`gen_id`), or a mid-stream error that said `cost`."""
    err: e.APIError
    if cost is None:
        err = e.APIConnectionError("stream ended before completion", model=MODEL)
    else:
        err = e.UpstreamError("Provider disconnected", status_code=502, is_mid_stream=True)
        err.usage = Usage(prompt_tokens=9, completion_tokens=4, cost_usd=cost)
    err.generation_id = gen_id
    return err


class Scripted:
    """Raises the scripted errors in turn, then answers at `cost`."""

    def __init__(self, script: Sequence[BaseException], cost: float = 1e-4) -> None:
        self.script = list(script)
        self.cost = cost
        self.sent = 0

    async def complete(self, request: ChatRequest) -> ChatResponse:
        self.sent += 1
        await anyio.lowlevel.checkpoint()
        if self.script:
            raise self.script.pop(0)
        return ChatResponse(
            generation_id=f"gen-ok-{self.sent}",
            model=request.model,
            provider="P",
            content="fine",
            finish_reason="stop",
            usage=Usage(prompt_tokens=9, completion_tokens=5, cost_usd=self.cost),
            latency_s=0.1,
        )


def one_task() -> Task:
    sweep = Sweep(
        dataset=[{"id": "q1", "q": "Say hi."}],
        models=[MODEL],
        prompt="{{ q }}",
        params={"max_tokens": 100},
    )
    return next(iter(sweep.tasks()))


def run_one(
    tmp_path: Path, completer: Scripted, budget: Budget
) -> tuple[RunDir, list[AttemptRow], ResultRow]:
    run = RunDir.create(tmp_path / "runs", "r")
    clock = FakeClock()
    options = RouterOptions(seed=1, retry=RetryPolicy(max_attempts=6), breaker_threshold=100)
    router = Router(completer, options, clock=clock)
    journal = Journal(run.journal_path)

    async def go() -> None:
        sink = ResultSink(run, journal)
        await execute(
            [iter([one_task()])],
            total=1,
            router=router,
            sink=sink,
            clock=clock,
            options=EngineOptions(workers_per_lane=1),
            services=TaskServices(budget=budget, worst_case=WorstCase(PRICES, {}, None)),
        )

    try:
        anyio.run(go)
        attempts = list(journal.attempts())
        (row,) = journal.results()
    finally:
        journal.close()
    return run, attempts, row


def test_every_attempt_is_reserved_and_settled_at_what_it_billed(tmp_path: Path) -> None:
    completer = Scripted(
        [
            broken("gen-cut"),  # billed, cost unknown until /generation
            e.ServerError("boom", status_code=500, model=MODEL),  # nothing begun: free
            broken("gen-err", cost=2e-5),  # an error event said what it cost
        ]
    )
    budget = Budget(1.0)
    run, attempts, row = run_one(tmp_path, completer, budget)
    assert row["status"] == "ok" and row["attempts"] == 4
    assert [a["generation_id"] for a in attempts] == ["gen-cut", None, "gen-err", "gen-ok-4"]
    assert [a["cost_usd"] for a in attempts] == [None, 0.0, 2e-5, 1e-4]
    assert [a["cost_source"] for a in attempts] == ["unknown", "not_billed", "reported", "reported"]
    assert attempts[2]["prompt_tokens"] == 9 and attempts[2]["completion_tokens"] == 4
    # the unknown billed attempt counts at its worst case; the 500 at nothing
    assert budget.spent_usd == pytest.approx(WORST + 2e-5 + 1e-4)
    assert budget.reserved_usd == 0.0
    table = read_attempts(run)
    assert table.num_rows == 4 and table.schema.names == ATTEMPTS_SCHEMA.names
    assert table.column("generation_id").to_pylist()[0] == "gen-cut"


def test_a_retry_that_could_pass_the_budget_is_not_sent(tmp_path: Path) -> None:
    # room for one attempt's worst case and a half: the first is billed (cost unknown, so
    # its worst case counts), and the retry cannot fit
    completer = Scripted([broken("gen-cut")])
    budget = Budget(WORST * 1.5)
    _, attempts, row = run_one(tmp_path, completer, budget)
    assert completer.sent == 1
    assert row["status"] == "skipped_budget" and row["attempts"] == 1
    assert "retry not sent" in str(row["error_message"])
    assert [a["generation_id"] for a in attempts] == ["gen-cut"]
    assert budget.spent_usd == pytest.approx(WORST) and budget.reserved_usd == 0.0


def test_an_error_row_keeps_the_usage_of_its_last_attempt(tmp_path: Path) -> None:
    completer = Scripted([broken(f"gen-{i}", cost=1e-5) for i in range(6)])
    _, attempts, row = run_one(tmp_path, completer, Budget(1.0))
    assert row["status"] == "error" and row["generation_id"] == "gen-5"
    assert row["cost_usd"] == 1e-5 and row["cost_source"] == "reported"
    assert (row["prompt_tokens"], row["completion_tokens"]) == (9, 4)
    assert len(attempts) == 6


def test_attempts_are_durable_before_their_task_has_an_outcome(tmp_path: Path) -> None:
    """What a kill -9 in the middle of a task's retries leaves: its attempts so far."""
    run = RunDir.create(tmp_path / "runs", "r")
    journal = Journal(run.journal_path)
    sink = ResultSink(run, journal)
    row: AttemptRow = {"run_id": "r", "task_key": "k", "attempt": 1, "generation_id": "gen-cut"}

    def committed() -> list[tuple[str, str]]:
        with sqlite3.connect(run.journal_path) as other:  # another process's view
            return list(other.execute("SELECT task_key, attempt FROM attempts"))

    async def go() -> list[int]:
        sink.record_attempt(row)
        before = len(committed())
        await anyio.lowlevel.checkpoint()  # the next tick commits
        return [before, len(committed())]

    try:
        assert anyio.run(go) == [0, 1]
        ((key, text),) = committed()
        assert key == "k" and json.loads(text)["generation_id"] == "gen-cut"
        assert journal.keys() == set()  # no outcome yet
    finally:
        journal.close()


def test_attempt_parts_of_an_older_schema_read_back_with_the_new_columns_null(
    tmp_path: Path,
) -> None:
    run = RunDir.create(tmp_path / "runs", "r")
    run.attempts_dir.mkdir(parents=True, exist_ok=True)
    old = pa.schema([f for f in ATTEMPTS_SCHEMA if f.name not in _NEW])
    rows = [{"run_id": "r", "task_key": "k", "attempt": 1, "action": "ok"}]
    pq.write_table(pa.Table.from_pylist(rows, schema=old), run.attempts_dir / "part-00000.parquet")
    table = read_attempts(run)
    assert table.schema.names == ATTEMPTS_SCHEMA.names
    assert table.column("cost_usd").to_pylist() == [None]


_NEW = {"generation_id", "prompt_tokens", "completion_tokens", "cost_usd", "cost_source"}


def test_a_resume_numbers_new_attempts_after_those_a_kill_left(tmp_path: Path) -> None:
    run = RunDir.create(tmp_path / "runs", "r")
    journal = Journal(run.journal_path)
    try:
        for n in (1, 2):
            journal.record_attempt("interrupted", {"task_key": "interrupted", "attempt": n})
        journal.record_attempt("other", {"task_key": "other", "attempt": 1})
        assert journal.attempt_counts() == {"interrupted": 2, "other": 1}
        # what is billed beyond the rows: attempts of a task that has no row yet
        journal.record_attempt(
            "interrupted",
            {
                "task_key": "interrupted",
                "attempt": 3,
                "model": MODEL,
                "generation_id": "g",
                "cost_usd": 0.5,
            },
        )
        assert journal.extra_billed() == [(MODEL, 0.5)]
    finally:
        journal.close()
