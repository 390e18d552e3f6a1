"""`max_concurrency_per_model` (a sweep's `per_model_concurrency`): no model has more
requests in flight than it, the global `max_concurrency` still bounds them all, and a
model's known `ModelLimits.max_concurrency` below it wins. Driven on a fake clock by a
completer that holds every request until told: the counts are exact, nothing sleeps."""

from __future__ import annotations

from collections import Counter

import anyio
import anyio.lowlevel
import pytest

from orkit._clock import FakeClock
from orkit.errors import ConfigError
from orkit.router import ModelLimits, Router, RouterOptions
from orkit.types import ChatRequest, ChatResponse, Usage

MODELS = ("a/x", "b/y", "c/z")
TASKS_PER_MODEL = 10


class Holding:
    """Answers nothing until `release` is set; counts what is in flight, per model."""

    def __init__(self) -> None:
        self.in_flight: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()
        self.peak_total = 0
        self.release = anyio.Event()

    async def complete(self, request: ChatRequest) -> ChatResponse:
        self.in_flight[request.model] += 1
        self.peak[request.model] = max(self.peak[request.model], self.in_flight[request.model])
        self.peak_total = max(self.peak_total, sum(self.in_flight.values()))
        try:
            await self.release.wait()
        finally:
            self.in_flight[request.model] -= 1
        return ChatResponse(
            generation_id="gen-1",
            model=request.model,
            provider="P",
            content="42",
            finish_reason="stop",
            usage=Usage(cost_usd=1e-6),
            latency_s=0.2,
        )


async def peaks(options: RouterOptions) -> tuple[dict[str, int], int]:
    """Route TASKS_PER_MODEL requests to each model at once; the most in flight, per model
    and in all, once every request that may go has gone."""
    completer = Holding()
    router = Router(completer, options, clock=FakeClock())
    request = {m: ChatRequest(model=m, messages=[{"role": "user", "content": "q"}]) for m in MODELS}
    async with anyio.create_task_group() as tg:
        for model in MODELS:
            for _ in range(TASKS_PER_MODEL):
                tg.start_soon(router.route, request[model])
        for _ in range(200):  # bounded: every admitted request reaches the completer by then
            await anyio.lowlevel.checkpoint()
        completer.release.set()
    return dict(completer.peak), completer.peak_total


async def test_no_model_has_more_in_flight_than_its_cap() -> None:
    per_model, total = await peaks(RouterOptions(max_concurrency=16, max_concurrency_per_model=3))
    assert per_model == dict.fromkeys(MODELS, 3)
    assert total == 9


async def test_the_global_cap_still_bounds_them_all() -> None:
    per_model, total = await peaks(RouterOptions(max_concurrency=4, max_concurrency_per_model=3))
    assert total == 4
    assert max(per_model.values()) <= 3


async def test_unset_the_global_cap_is_each_models_ceiling_as_before() -> None:
    per_model, total = await peaks(RouterOptions(max_concurrency=5, adaptive=False))
    assert total == 5 and max(per_model.values()) <= 5
    roomy, _ = await peaks(RouterOptions(max_concurrency=32, adaptive=False))
    assert roomy == dict.fromkeys(MODELS, TASKS_PER_MODEL)  # no per-model cap below the global


async def test_a_known_lower_limit_wins_for_its_model() -> None:
    options = RouterOptions(
        max_concurrency=16,
        max_concurrency_per_model=4,
        limits={"a/x": ModelLimits(max_concurrency=2)},
        adaptive=False,
    )
    per_model, _ = await peaks(options)
    assert per_model == {"a/x": 2, "b/y": 4, "c/z": 4}


@pytest.mark.parametrize("bad", [0, "3", True])
def test_a_bad_per_model_cap_is_refused(bad: object) -> None:
    with pytest.raises(ConfigError, match="max_concurrency_per_model"):
        RouterOptions(max_concurrency_per_model=bad)  # type: ignore[arg-type]
