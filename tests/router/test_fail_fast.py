"""Deterministic failures fail fast: a breaker that takes a model as down after a few failed
probes, and a wall-clock cap on each task's retries. All on a fake clock."""

from __future__ import annotations

import anyio
import pytest

from orkit import errors as e
from orkit._clock import FakeClock
from orkit.errors import ConfigError
from orkit.router import CircuitBreaker, Outcome, RetryPolicy, Router, RouterOptions
from orkit.types import ChatRequest, ChatResponse


class AlwaysFails:
    """A model whose every answer is the same error (a server that rejects the request
    body with a 500, say)."""

    def __init__(self, make_error: type[e.APIStatusError], code: int, **kw: object) -> None:
        self.make_error, self.code, self.kw = make_error, code, kw
        self.calls = 0

    async def complete(self, request: ChatRequest) -> ChatResponse:
        self.calls += 1
        await anyio.lowlevel.checkpoint()
        raise self.make_error(
            "max_tokens: Input should be a valid integer",
            status_code=self.code,
            model=request.model,
            **self.kw,  # type: ignore[arg-type]
        )


def req(model: str = "a/x") -> ChatRequest:
    return ChatRequest(model=model, messages=[{"role": "user", "content": "q"}])


def router_for(completer: AlwaysFails, **options: object) -> tuple[Router, FakeClock]:
    clock = FakeClock()
    return Router(completer, RouterOptions(seed=1, **options), clock=clock), clock  # type: ignore[arg-type]


def test_breaker_is_down_after_failed_probes_in_a_row_and_back_on_success() -> None:
    b = CircuitBreaker(threshold=2, cooldown_s=5.0, max_failed_probes=2)
    b.on_failure(0.0)
    b.on_failure(0.0)
    assert (b.down, b.failed_probes) == (False, 0)  # open, but the model may come back
    assert b.allow(5.0)
    b.on_failure(5.0)
    assert (b.down, b.failed_probes) == (False, 1)
    b.on_neutral()  # a 429 says nothing of the model's health
    assert b.failed_probes == 1
    assert b.allow(15.0)
    b.on_failure(15.0)
    assert b.down
    assert not b.allow(16.0) and b.allow(35.0)  # still one probe per cooldown
    b.on_success()
    assert (b.down, b.failed_probes) == (False, 0) and b.allow(35.0)


def test_breaker_needs_at_least_one_probe() -> None:
    with pytest.raises(ConfigError, match="breaker_max_probes"):
        RouterOptions(breaker_max_probes=0)


async def test_a_deterministic_500_fails_twenty_tasks_in_bounded_time_and_requests() -> None:
    """The issue's run: 20 tasks against a model answering every request with a 500, no
    fallback. Before: 6 tries each, probes every 30 s: about an hour and 120 requests."""
    model = AlwaysFails(e.ServerError, 500)
    router, clock = router_for(model)
    outcomes = [await router.route(req()) for _ in range(20)]
    assert all(o.response is None and o.error is not None for o in outcomes)
    # 6 tries of the first task, 2 more open the breaker, 3 failed probes take it as down;
    # after that only a task arriving when it is half-open probes again.
    assert model.calls <= 8 + 3 + 2
    assert clock.now() - 1_000.0 < 120.0  # the whole run, on the fake clock
    last = outcomes[-1].error
    assert isinstance(last, e.APIError) and last.error_type == "circuit_open"
    assert "a/x is down" in last.message and "3 failed probes" in last.message
    assert "max_tokens: Input should be a valid integer" in last.message


async def test_tasks_waiting_together_on_a_down_model_all_end() -> None:
    model = AlwaysFails(e.ServerError, 500)
    router, _ = router_for(model)
    outcomes: list[Outcome] = []

    async def one() -> None:
        outcomes.append(await router.route(req()))

    async with anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(one)
    assert len(outcomes) == 20 and all(o.error is not None for o in outcomes)
    assert model.calls <= 20 + 3 + 2  # one send each, then the probes


async def test_a_model_that_comes_back_is_probed_and_used_again() -> None:
    model = AlwaysFails(e.ServerError, 500)
    router, clock = router_for(model, retry=RetryPolicy(max_attempts=1))
    for _ in range(12):
        await router.route(req())
    assert router.limits.scope("a/x").breaker.down

    class Healthy(AlwaysFails):
        async def complete(self, request: ChatRequest) -> ChatResponse:
            self.calls += 1
            return ChatResponse(generation_id="g", model=request.model, provider="P", content="ok")

    router._completer = Healthy(e.ServerError, 500)  # the model is back
    clock.advance(60.0)  # past the longest cooldown: the next task is a probe
    out = await router.route(req())
    assert out.response is not None
    assert not router.limits.scope("a/x").breaker.down


async def test_the_task_timeout_ends_a_task_with_its_last_error() -> None:
    model = AlwaysFails(e.ServiceUnavailableError, 503, retry_after_s=60.0)
    router, clock = router_for(model, retry=RetryPolicy(max_attempts=100, task_timeout_s=250.0))
    out = await router.route(req())
    assert out.response is None
    error = out.error
    assert isinstance(error, e.ServiceUnavailableError) and error.status_code == 503
    assert error.message == (
        "gave up after task_timeout_s = 250 s of retries; "
        "last error: max_tokens: Input should be a valid integer"
    )
    assert sum(clock.slept) <= 250.0  # a wait that would pass the cap is not waited
    assert model.calls == 5  # sent at 0, 60, 120, 180, 240; the next wait would end at 300
    assert [a.action for a in out.attempts][-1] == "fail"


async def test_no_task_timeout_when_the_cap_is_off() -> None:
    model = AlwaysFails(e.ServiceUnavailableError, 503, retry_after_s=60.0)
    policy = RetryPolicy(max_attempts=100, max_rate_limit_waits=100, task_timeout_s=None)
    router, _ = router_for(model, retry=policy)
    out = await router.route(req())
    assert model.calls == 31 and out.error is not None  # max_total_wait_s = 1800 s ends it
    assert "task_timeout_s" not in out.error.message


def test_task_timeout_must_be_positive() -> None:
    with pytest.raises(ConfigError, match="task_timeout_s"):
        RetryPolicy(task_timeout_s=0.0)


async def test_status_counts_tasks_in_a_backoff_as_waiting() -> None:
    model = AlwaysFails(e.ServerError, 500)
    router, _ = router_for(model)
    seen: list[int] = []

    class Watching(FakeClock):
        async def sleep(self, seconds: float) -> None:
            seen.append(router.status()["waiting"])  # type: ignore[arg-type]
            await super().sleep(seconds)

    router.clock = Watching()
    router.limits.clock = router.clock
    await router.route(req())
    assert seen and all(n == 1 for n in seen)
    assert router.status()["waiting"] == 0
