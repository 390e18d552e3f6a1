"""The engine without the emulator: tasks made by hand, a scripted completer that counts
what is in flight, and `execute()` over a `Router` on a `FakeClock` (the pattern of
tests/router/test_router.py). Nothing here sleeps or reads the wall clock."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import anyio
import anyio.lowlevel

from orkit._clock import FakeClock
from orkit._hashing import canonical_json, content_hash
from orkit.batch import (
    EngineOptions,
    ResultSink,
    RunTotals,
    Task,
    TaskServices,
    execute,
    task_key,
)
from orkit.results import Journal, RunDir
from orkit.router import Router, RouterOptions
from orkit.types import ChatRequest, ChatResponse, Usage

HOLD_CHECKPOINTS = 8
"""How many scheduler passes a request stays in flight: enough for every worker that can
reach the completer to do so, so that the most in flight is the caps' doing, not the
scheduler's."""


def make_tasks(model: str, n: int, *, params: dict[str, object] | None = None) -> list[Task]:
    """`n` tasks of `model`, item i asking "q{i}" (temperature 0 unless `params` says
    otherwise: answers are cacheable)."""
    params = {"temperature": 0} if params is None else params
    params_json = canonical_json(params)
    tasks = []
    for i in range(n):
        messages = [{"role": "user", "content": f"q{i}"}]
        messages_json = canonical_json(messages)
        fields = {"q": f"q{i}"}
        key = task_key(content_hash(canonical_json(fields)), messages_json, model, params_json, 0)
        tasks.append(
            Task(
                key=key,
                item_index=i,
                item_id=str(i),
                prompt_id="p",
                model=model,
                params_json=params_json,
                repeat=0,
                messages_json=messages_json,
                request=ChatRequest(model=model, messages=messages, params=params),
                fields=fields,
            )
        )
    return tasks


def answer(request: ChatRequest, cost_usd: float, n: int = 0) -> ChatResponse:
    return ChatResponse(
        generation_id=f"gen-{request.model}-{n}",
        model=request.model,
        provider="P",
        content=f"a:{request.messages[0]['content']}",
        finish_reason="stop",
        usage=Usage(prompt_tokens=3, completion_tokens=2, cost_usd=cost_usd),
        latency_s=0.2,
    )


@dataclass
class ScriptedCompleter:
    """Answers every request after holding it `HOLD_CHECKPOINTS` scheduler passes, at
    `cost_usd`; counts requests in flight (overall and per model) and what was sent.
    `fail` turns a request into an exception to raise (after the hold); `on_answer` is
    called as an answer is about to be returned (to cancel the run at that instant)."""

    clock: FakeClock
    cost_usd: float = 0.001
    fail: Callable[[ChatRequest], BaseException | None] | None = None
    on_answer: Callable[[ChatRequest], None] | None = None
    sent: list[ChatRequest] = field(default_factory=list)
    failed: int = 0
    in_flight: int = 0
    most_in_flight: int = 0
    model_in_flight: Counter[str] = field(default_factory=Counter)
    most_per_model: Counter[str] = field(default_factory=Counter)

    async def complete(self, request: ChatRequest) -> ChatResponse:
        model = request.model
        self.sent.append(request)
        self.in_flight += 1
        self.model_in_flight[model] += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        self.most_per_model[model] = max(self.most_per_model[model], self.model_in_flight[model])
        try:
            for _ in range(HOLD_CHECKPOINTS):
                await anyio.lowlevel.checkpoint()
            error = self.fail(request) if self.fail is not None else None
            if error is not None:
                self.failed += 1
                raise error
            response = answer(request, self.cost_usd, len(self.sent))
            if self.on_answer is not None:
                self.on_answer(request)
            return response
        finally:
            self.in_flight -= 1
            self.model_in_flight[model] -= 1

    def sent_keys(self, tasks: Iterable[Task]) -> set[str]:
        """Keys of `tasks` whose request was sent (requests are compared by content)."""
        sent = {(r.model, canonical_json(list(r.messages))) for r in self.sent}
        return {t.key for t in tasks if (t.model, t.messages_json) in sent}


@dataclass
class Bench:
    """One run directory, its journal and sink, and a router over a scripted completer."""

    run: RunDir
    completer: ScriptedCompleter
    router_options: RouterOptions = field(default_factory=lambda: RouterOptions(seed=1))

    def __post_init__(self) -> None:
        self.journal = Journal(self.run.journal_path)
        self.sink = ResultSink(self.run, self.journal)
        self.router = Router(self.completer, self.router_options, clock=self.completer.clock)

    async def execute(
        self,
        lanes: Sequence[Sequence[Task]],
        *,
        workers_per_lane: int = 4,
        services: TaskServices | None = None,
        freeze_gc: bool = True,
    ) -> RunTotals:
        iters: list[Iterator[Task]] = [iter(lane) for lane in lanes]
        return await execute(
            iters,
            total=sum(len(lane) for lane in lanes),
            router=self.router,
            sink=self.sink,
            clock=self.completer.clock,
            options=EngineOptions(workers_per_lane=workers_per_lane, freeze_gc=freeze_gc),
            services=services,
        )

    def statuses(self) -> Counter[str]:
        return Counter(row["status"] for row in self.journal.results())

    def spent_usd(self) -> float:
        """What the journal says the run spent: its rows, plus billed attempts that are not
        a row's own (what a resume starts its budget from)."""
        rows = sum(row.get("cost_usd") or 0.0 for row in self.journal.results())
        return rows + sum(cost or 0.0 for _, cost in self.journal.extra_billed())

    def close(self) -> None:
        self.journal.close()
