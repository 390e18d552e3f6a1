"""`output_tokens_per_s` is measured only over a real interval: two or more token-carrying
stream events at least a millisecond apart (issue 12: 1-3-token answers showed 80,000-130,000
tok/s, their events having come in one network read)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from orkit.batch._rows import _tokens_per_s
from orkit.client import _accumulator
from orkit.types import ChatResponse, Usage


def _answer(**kw: object) -> ChatResponse:
    base: dict[str, object] = {
        "generation_id": "gen-1",
        "model": "m",
        "provider": "p",
        "content": "hi",
        "usage": Usage(prompt_tokens=5, completion_tokens=11),
        "streamed": True,
        "ttft_s": 0.5,
        "last_token_s": 1.5,
        "token_chunks": 11,
        "latency_s": 1.6,
    }
    base.update(kw)
    return ChatResponse(**base)  # type: ignore[arg-type]


def test_decode_speed_is_tokens_after_the_first_over_first_to_last_token() -> None:
    assert _tokens_per_s(_answer()) == pytest.approx(10.0)  # (11 - 1) / (1.5 - 0.5)


@pytest.mark.parametrize(
    "answer",
    [
        # the reproduction: 2 tokens whose events came in one read, 20 µs apart
        {
            "usage": Usage(prompt_tokens=5, completion_tokens=2),
            "token_chunks": 2,
            "ttft_s": 0.3,
            "last_token_s": 0.30002,
        },
        {"token_chunks": 1, "last_token_s": 0.5},  # the whole answer in one event
        {"streamed": False, "token_chunks": 0, "ttft_s": None, "last_token_s": None},  # unstreamed
        {"usage": None},  # no token counts
        {"usage": Usage(prompt_tokens=5, completion_tokens=1)},  # one token: no interval
    ],
)
def test_no_measurable_interval_means_null_never_a_huge_rate(answer: dict[str, object]) -> None:
    assert _tokens_per_s(_answer(**answer)) is None


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """The stream's clock, set by the test: an event arrives at `now[0]`."""
    now = [0.0]
    monkeypatch.setattr(_accumulator, "perf_counter", lambda: now[0])
    yield now


def _event(content: str) -> dict[str, object]:
    return {"id": "gen-1", "choices": [{"delta": {"content": content}}]}


def test_the_stream_records_token_events_and_when_the_last_came(fake_time: list[float]) -> None:
    acc = _accumulator.Accumulator(t0=0.0)
    for at, text in ((0.2, "He"), (0.4, "llo"), (0.9, "!")):
        fake_time[0] = at
        acc.add(_event(text))
    fake_time[0] = 1.0
    acc.add({"id": "gen-1", "choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 3}})
    answer = acc.response(1.0, None)
    assert (answer.token_chunks, answer.ttft_s, answer.last_token_s) == (3, 0.2, 0.9)
    assert _tokens_per_s(answer) == pytest.approx(2 / 0.7)  # the usage event is not a token
