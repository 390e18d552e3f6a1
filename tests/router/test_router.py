"""The router driver, against a scripted completer on a fake clock: no real sleeps."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

import anyio
import pytest

from orkit import errors as e
from orkit._clock import FakeClock
from orkit.errors import RunStoppedError
from orkit.router import ModelLimits, RetryPolicy, Router, RouterOptions, spills_to_paid
from orkit.types import ChatRequest, ChatResponse, Usage

Script = Callable[[ChatRequest, int], ChatResponse]


def ok(request: ChatRequest, provider: str = "P") -> ChatResponse:
    return ChatResponse(
        generation_id="gen-1",
        model=request.model,
        provider=provider,
        content="42",
        finish_reason="stop",
        usage=Usage(cost_usd=1e-6),
        latency_s=0.2,
    )


class Scripted:
    """Fails each model's first calls as the script says, then answers."""

    def __init__(self, plan: Mapping[str, Sequence[BaseException]], clock: FakeClock) -> None:
        self.plan = {m: list(errs) for m, errs in plan.items()}
        self.calls: dict[str, int] = defaultdict(int)
        self.clock = clock
        self.sent_at: list[tuple[str, float]] = []

    async def complete(self, request: ChatRequest) -> ChatResponse:
        self.calls[request.model] += 1
        self.sent_at.append((request.model, self.clock.now()))
        await anyio.lowlevel.checkpoint()
        queue = self.plan.get(request.model)
        if queue:
            raise queue.pop(0)
        return ok(request)


def req(model: str = "a/x", **params: object) -> ChatRequest:
    return ChatRequest(model=model, messages=[{"role": "user", "content": "q"}], params=params)


def status(
    cls: type[e.APIStatusError], code: int, msg: str = "x", **kw: object
) -> e.APIStatusError:
    return cls(msg, status_code=code, model="a/x", **kw)  # type: ignore[arg-type]


def make(
    plan: Mapping[str, Sequence[BaseException]], **options: object
) -> tuple[Router, Scripted, FakeClock]:
    clock = FakeClock()
    completer = Scripted(plan, clock)
    opts = RouterOptions(seed=1, **options)  # type: ignore[arg-type]
    return Router(completer, opts, clock=clock), completer, clock


async def test_success_first_time_records_one_attempt() -> None:
    router, _, _ = make({})
    out = await router.route(req())
    assert out.response is not None and out.error is None and not out.is_fallback
    assert [a.action for a in out.attempts] == ["ok"]
    assert out.attempts[0].http_status == 200


async def test_5xx_is_retried_with_backoff() -> None:
    router, sim, _clock = make({"a/x": [status(e.ServerError, 500), status(e.UpstreamError, 502)]})
    out = await router.route(req())
    assert out.response is not None
    assert [a.action for a in out.attempts] == ["retry", "retry", "ok"]
    assert sim.calls["a/x"] == 3
    assert out.backoff_s > 0 and out.attempts[2].wait_s > 0


async def test_429_with_retry_after_waits_that_long() -> None:
    router, _, clock = make(
        {
            "a/x": [
                status(
                    e.RateLimitError,
                    429,
                    "Provider returned error",
                    metadata={"provider_name": "V"},
                    retry_after_s=5.0,
                )
            ]
        }
    )
    out = await router.route(req())
    assert out.response is not None
    assert 5.0 in clock.slept
    assert out.attempts[0].retry_after_s == 5.0 and out.attempts[0].action == "wait"
    assert out.backoff_s == pytest.approx(5.0)


async def test_out_of_retries_falls_back_and_the_row_says_so() -> None:
    errs = [status(e.UpstreamError, 502) for _ in range(10)]
    router, sim, _ = make(
        {"a/x": errs}, fallbacks={"a/x": ["b/y"]}, retry=RetryPolicy(max_attempts=3)
    )
    out = await router.route(req())
    assert out.response is not None and out.response.model == "b/y"
    assert out.is_fallback and out.model == "b/y"
    assert sim.calls["a/x"] == 3 and sim.calls["b/y"] == 1
    assert [a.action for a in out.attempts] == ["retry", "retry", "fallback", "ok"]


async def test_out_of_retries_without_fallback_fails_the_task_not_the_run() -> None:
    router, _, _ = make(
        {"a/x": [status(e.UpstreamError, 502) for _ in range(5)]}, retry=RetryPolicy(max_attempts=2)
    )
    out = await router.route(req())
    assert out.response is None and isinstance(out.error, e.UpstreamError)
    assert len(out.attempts) == 2


@pytest.mark.parametrize(
    ("error", "fallback_used"),
    [
        (status(e.ContextLengthError, 400), True),
        (status(e.NotFoundError, 404), True),
        (status(e.BadRequestError, 400), False),
        (status(e.PermissionDeniedError, 403), False),
    ],
)
async def test_which_failures_fall_back_at_once(error, fallback_used) -> None:
    router, sim, _ = make({"a/x": [error]}, fallbacks={"a/x": ["b/y"]})
    out = await router.route(req())
    assert sim.calls["a/x"] == 1
    assert (out.response is not None) is fallback_used
    assert sim.calls.get("b/y", 0) == int(fallback_used)


async def test_401_stops_the_run_with_one_message() -> None:
    router, _, _ = make({"a/x": [status(e.AuthenticationError, 401, "User not found.")]})
    with pytest.raises(RunStoppedError, match="API key was rejected"):
        await router.route(req())


async def test_402_stops_unless_it_is_an_in_flight_budget_wait() -> None:
    router, _, _ = make({"a/x": [status(e.InsufficientCreditsError, 402, "Insufficient credits")]})
    with pytest.raises(RunStoppedError, match="out of credits"):
        await router.route(req())
    router, _, clock = make(
        {"a/x": [status(e.InsufficientCreditsError, 402, "budget", retry_after_s=3.0)]}
    )
    out = await router.route(req())
    assert out.response is not None and 3.0 in clock.slept


async def test_free_daily_quota_defers_tasks_and_stops_sending_to_free_models() -> None:
    day_429 = status(
        e.RateLimitError,
        429,
        "Rate limit exceeded: free-models-per-day. Add 10",
        rate_limit_reset_s=1_780_003_600.0,
    )
    router, sim, _clock = make({"f/m:free": [day_429]})
    out = await router.route(req("f/m:free"))
    assert out.response is None and out.error is None
    assert out.deferred_until == pytest.approx(1_780_003_600.0, abs=1)
    again = await router.route(req("f/m:free"))
    assert again.deferred_until is not None
    assert sim.calls["f/m:free"] == 1  # the second one was never sent
    paid = await router.route(req("p/m"))
    assert paid.response is not None  # paid models are not affected


async def test_client_side_daily_quota_defers_before_sending() -> None:
    router, sim, _ = make({}, free_per_day=2)
    outs = [await router.route(req("f/m:free")) for _ in range(3)]
    assert [o.response is not None for o in outs] == [True, True, False]
    assert outs[2].deferred_until is not None and sim.calls["f/m:free"] == 2


async def test_past_the_daily_quota_a_request_with_a_paid_models_fallback_is_sent() -> None:
    # issue 18: OpenRouter answers it with the paid model (the quota's 429 falls back), so
    # orkit sends it rather than leaving it for tomorrow; the estimate prices that spill
    router, sim, _ = make({}, free_per_day=1)
    spill = {"models": ["f/other:free", "p/paid"]}
    first = await router.route(req("f/m:free", **spill))
    second = await router.route(req("f/m:free", **spill))
    assert first.response is not None and second.response is not None
    assert second.deferred_until is None and sim.calls["f/m:free"] == 2
    only_free = await router.route(req("f/m:free", models=["f/other:free", "openrouter/free"]))
    assert only_free.deferred_until is not None and sim.calls["f/m:free"] == 2


def test_which_requests_spill_to_a_paid_model() -> None:
    assert spills_to_paid(req("f/m:free", models=["p/paid"]))
    assert spills_to_paid(req("f/m:free", models=["f/x:free", "p/paid"]))
    assert not spills_to_paid(req("f/m:free", models=["f/x:free"]))
    assert not spills_to_paid(req("f/m:free", models=["openrouter/free", "f/m:free"]))
    assert not spills_to_paid(req("f/m:free", models="p/paid"))  # not a list: not sent so
    assert not spills_to_paid(req("f/m:free"))


async def test_free_models_share_the_account_wide_per_minute_limit() -> None:
    router, sim, clock = make({}, free_per_minute=20, free_window_s=60.0)
    start = clock.now()
    for i in range(25):
        await router.route(req(f"f/m{i % 3}:free"))
    times = [t - start for _, t in sim.sent_at]
    # a window's worth at once, across all free models together, then the next window's
    # worth once the first is a window old (counted 1% long, for arrival jitter)
    assert times[:20] == pytest.approx([0.0] * 20)
    assert times[20:] == pytest.approx([60 / 0.99] * 5)
    assert max(sum(1 for t in times if w <= t < w + 60) for w in times) <= 20


async def test_a_request_the_free_window_refused_does_not_use_up_a_slot() -> None:
    clock = FakeClock()
    minute_429 = status(
        e.RateLimitError,
        429,
        "Rate limit exceeded: free-models-per-min. ",
        rate_limit_reset_s=clock.wall() + 1.0,  # the server's window ends in 1 s
    )
    router, sim, clock = make({"f/m:free": [minute_429]}, free_per_minute=3, free_window_s=60.0)
    start = clock.now()
    for _ in range(3):
        await router.route(req("f/m:free"))
    times = [t - start for _, t in sim.sent_at]
    # four sends for three tasks, all in the first minute: the refused one did not count
    # at the server, so it does not take one of the three slots here either
    assert sim.calls["f/m:free"] == 4
    assert times[1:] == pytest.approx([1.0, 1.0, 1.0])


async def test_known_rpm_paces_that_model_only() -> None:
    router, sim, _clock = make({}, limits={"a/x": ModelLimits(rpm=60)})
    for _ in range(5):
        await router.route(req("a/x"))
        await router.route(req("b/y"))
    a_times = [t for m, t in sim.sent_at if m == "a/x"]
    assert [round(b - a, 6) for a, b in itertools.pairwise(a_times)] == [1.0] * 4


async def test_circuit_breaker_sends_later_tasks_straight_to_the_fallback() -> None:
    errs = [status(e.UpstreamError, 502) for _ in range(100)]
    router, sim, _ = make(
        {"a/x": errs},
        fallbacks={"a/x": ["b/y"]},
        breaker_threshold=4,
        retry=RetryPolicy(max_attempts=2),
    )
    for _ in range(2):
        await router.route(req())  # 2 attempts each → 4 consecutive failures: open
    before = sim.calls["a/x"]
    out = await router.route(req())
    assert out.response is not None and out.is_fallback
    assert sim.calls["a/x"] == before  # not even tried while open


async def test_connection_errors_and_broken_streams_are_retried() -> None:
    router, _, _ = make(
        {
            "a/x": [
                e.APIConnectionError("dropped mid-stream"),
                e.APITimeoutError("stalled"),
                status(e.UpstreamError, 502, is_mid_stream=True),
            ]
        }
    )
    out = await router.route(req())
    assert out.response is not None and len(out.attempts) == 4


async def test_total_wait_is_capped() -> None:
    errs = [
        status(e.RateLimitError, 429, "Provider returned error", retry_after_s=100.0)
        for _ in range(50)
    ]
    router, _, clock = make({"a/x": errs}, retry=RetryPolicy(max_total_wait_s=250.0))
    out = await router.route(req())
    assert out.response is None and isinstance(out.error, e.RateLimitError)
    assert sum(clock.slept) <= 250.0


async def test_status_reports_what_the_router_does() -> None:
    router, _, _ = make({})
    await router.route(req())
    s = router.status()
    assert s["in_flight"] == 0 and s["waiting"] == 0
    assert isinstance(s["concurrency"], dict) and "a/x" in s["concurrency"]


async def test_a_per_minute_rejection_does_not_use_up_the_daily_quota() -> None:
    minute_429 = status(
        e.RateLimitError,
        429,
        "Rate limit exceeded: free-models-per-min. ",
        rate_limit_reset_s=1_780_000_010.0,
    )
    router, sim, _ = make({"f/m:free": [minute_429]}, free_per_day=2)
    first = await router.route(req("f/m:free"))
    second = await router.route(req("f/m:free"))
    assert first.response is not None and second.response is not None
    assert sim.calls["f/m:free"] == 3  # the retried one counted once, as the server counts it
