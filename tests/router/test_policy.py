"""The retry policy as a table: every kind of failure, and what the router does next."""

from __future__ import annotations

import random

import pytest

from orkit import errors as e
from orkit.router import Action, RetryPolicy, backoff_s, classify, decide

NOW = 1_780_000_000.0


def status(cls, code, message="x", **kw):
    return cls(message, status_code=code, model="m", **kw)


CASES = [
    ("401", status(e.AuthenticationError, 401), Action.STOP, None),
    ("402 no hint", status(e.InsufficientCreditsError, 402), Action.STOP, None),
    (
        "402 in-flight budget",
        status(e.InsufficientCreditsError, 402, retry_after_s=4.0),
        Action.WAIT,
        4.0,
    ),
    ("400", status(e.BadRequestError, 400), Action.FAIL, None),
    ("400 context length", status(e.ContextLengthError, 400), Action.FALLBACK, None),
    ("403 moderation", status(e.PermissionDeniedError, 403), Action.FAIL, None),
    ("404 no endpoints", status(e.NotFoundError, 404), Action.FALLBACK, None),
    ("408", status(e.RequestTimeoutError, 408), Action.RETRY, None),
    ("409", status(e.APIStatusError, 409), Action.FAIL, None),
    ("413", status(e.APIStatusError, 413), Action.FAIL, None),
    ("422", status(e.APIStatusError, 422), Action.FAIL, None),
    (
        "429 free per day",
        status(
            e.RateLimitError,
            429,
            "Rate limit exceeded: free-models-per-day. Add 10 credits",
            rate_limit_reset_s=NOW + 3600,
        ),
        Action.DEFER,
        3600.0,
    ),
    (
        "429 free per minute reset",
        status(
            e.RateLimitError,
            429,
            "Rate limit exceeded: free-models-per-min. ",
            rate_limit_reset_s=NOW + 12.5,
        ),
        Action.WAIT,
        12.5,
    ),
    (
        "429 free per minute no hint",
        status(e.RateLimitError, 429, "Rate limit exceeded: free-models-per-min. "),
        Action.WAIT,
        60.0,
    ),
    (
        "429 upstream retry-after",
        status(
            e.RateLimitError,
            429,
            "Provider returned error",
            metadata={"provider_name": "Venice"},
            retry_after_s=16.0,
        ),
        Action.WAIT,
        16.0,
    ),
    (
        "429 upstream reset in metadata",
        status(
            e.RateLimitError,
            429,
            "Provider returned error",
            metadata={"provider_name": "Venice"},
            rate_limit_reset_s=NOW + 2,
        ),
        Action.WAIT,
        2.0,
    ),
    (
        "429 no hint",
        status(
            e.RateLimitError, 429, "Provider returned error", metadata={"provider_name": "Google"}
        ),
        Action.WAIT,
        None,
    ),
    ("500", status(e.ServerError, 500), Action.RETRY, None),
    ("502", status(e.UpstreamError, 502), Action.RETRY, None),
    ("503 with hint", status(e.ServiceUnavailableError, 503, retry_after_s=3.0), Action.RETRY, 3.0),
    ("504", status(e.GatewayTimeoutError, 504), Action.RETRY, None),
    ("524", status(e.GatewayTimeoutError, 524), Action.RETRY, None),
    ("529", status(e.ProviderOverloadedError, 529), Action.RETRY, None),
    ("mid-stream 502", status(e.UpstreamError, 502, is_mid_stream=True), Action.RETRY, None),
    (
        "mid-stream 429",
        status(e.RateLimitError, 429, "Rate limit exceeded", is_mid_stream=True),
        Action.WAIT,
        None,
    ),
    ("mid-stream 400", status(e.BadRequestError, 400, is_mid_stream=True), Action.FAIL, None),
    ("timeout", e.APITimeoutError("slow", model="m"), Action.RETRY, None),
    ("connection", e.APIConnectionError("refused", model="m"), Action.RETRY, None),
    ("dropped stream", e.APIConnectionError("dropped mid-stream", model="m"), Action.RETRY, None),
    ("invalid body", e.InvalidResponseError("not json", model="m"), Action.RETRY, None),
    # last: the congestion tests below pick cases by index
    (
        "403 key limit",
        status(
            e.PermissionDeniedError,
            403,
            "m: 403 Key limit exceeded (daily limit). Manage it using "
            "https://openrouter.ai/settings/keys",
        ),
        Action.STOP,
        None,
    ),
]


@pytest.mark.parametrize(("name", "error", "action", "hint"), CASES, ids=[c[0] for c in CASES])
def test_classify(name, error, action, hint) -> None:
    verdict = classify(error, now_wall=NOW)
    assert verdict.action is action
    if hint is None:
        assert verdict.hint_s is None
    else:
        assert verdict.hint_s == pytest.approx(hint)


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("429", CASES[14][1]),
        ("503", CASES[19][1]),
        ("529", CASES[22][1]),
        ("402 wait", CASES[2][1]),
    ],
)
def test_overload_signals_are_congestion(name, error) -> None:
    assert classify(error, now_wall=NOW).congestion


@pytest.mark.parametrize("name", ["500", "timeout", "400"])
def test_other_failures_are_not_congestion(name) -> None:
    error = {c[0]: c[1] for c in CASES}[name]
    assert not classify(error, now_wall=NOW).congestion


POLICY = RetryPolicy(
    max_attempts=3,
    max_rate_limit_waits=2,
    base_backoff_s=1.0,
    max_backoff_s=8.0,
    max_hint_s=100.0,
    max_total_wait_s=200.0,
)


def step(name, *, attempts=1, waits=0, total=0.0, fall=True):
    error = {c[0]: c[1] for c in CASES}[name]
    verdict = classify(error, now_wall=NOW)
    return decide(
        verdict,
        policy=POLICY,
        attempts=attempts,
        rate_limit_waits=waits,
        total_wait_s=total,
        can_fall_back=fall,
        rng=random.Random(1),
    )


@pytest.mark.parametrize(
    ("name", "kw", "action", "wait"),
    [
        ("500", {"attempts": 1}, Action.RETRY, (0.0, 1.0)),
        ("500", {"attempts": 2}, Action.RETRY, (0.0, 2.0)),
        ("500", {"attempts": 3}, Action.FALLBACK, (0, 0)),
        ("500", {"attempts": 3, "fall": False}, Action.FAIL, (0, 0)),
        ("503 with hint", {"attempts": 1}, Action.RETRY, (3.0, 3.0)),
        ("429 upstream retry-after", {"waits": 0}, Action.WAIT, (16.0, 16.0)),
        ("429 upstream retry-after", {"waits": 2}, Action.FALLBACK, (0, 0)),
        ("429 no hint", {"waits": 1}, Action.WAIT, (0.0, 2.0)),
        ("429 free per day", {}, Action.DEFER, (3600.0, 3600.0)),
        ("401", {}, Action.STOP, (0, 0)),
        ("400", {}, Action.FAIL, (0, 0)),
        ("404 no endpoints", {}, Action.FALLBACK, (0, 0)),
        ("404 no endpoints", {"fall": False}, Action.FAIL, (0, 0)),
        ("429 upstream retry-after", {"total": 190.0}, Action.FALLBACK, (0, 0)),
    ],
)
def test_decide(name, kw, action, wait) -> None:
    s = step(name, **kw)
    assert s.action is action
    assert wait[0] <= s.wait_s <= wait[1]


def test_a_hint_longer_than_the_cap_is_not_waited() -> None:
    error = status(e.RateLimitError, 429, "Provider returned error", retry_after_s=500.0)
    verdict = classify(error, now_wall=NOW)
    s = decide(
        verdict,
        policy=POLICY,
        attempts=1,
        rate_limit_waits=0,
        total_wait_s=0,
        can_fall_back=False,
        rng=random.Random(0),
    )
    assert s.action is Action.FAIL and "too long" in s.reason


def test_backoff_is_exponential_with_full_jitter_and_capped() -> None:
    rng = random.Random(3)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (10, 8.0)]:
        samples = [backoff_s(POLICY, attempt, rng) for _ in range(400)]
        assert min(samples) >= 0 and max(samples) <= ceiling
        assert max(samples) > 0.8 * ceiling  # full jitter spans the range
