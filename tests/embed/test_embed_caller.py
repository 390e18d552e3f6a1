"""`EmbedCaller` without a server: each text embedded once, identical texts in flight sent
once, retries by the policy (no real sleeping), failures as "not judged" rows with an
unknown cost; and the `similar` scorer's pure parts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import anyio
import pytest

from orkit.batch._embed_calls import EmbedCaller, embedding_cost_columns, score_by_embedding
from orkit.errors import BadRequestError, ServiceUnavailableError
from orkit.router import RetryPolicy
from orkit.scorers import cosine, similar


@dataclass
class Result:
    vectors: Sequence[Sequence[float]]
    prompt_tokens: int | None
    cost_usd: float | None


class FakeEmbedder:
    """Vectors from the text's length; fails the first `failures` calls with `error`."""

    def __init__(self, failures: int = 0, error: Exception | None = None) -> None:
        self.calls: list[list[str]] = []
        self.failures, self.error = failures, error
        self.gate: anyio.Event | None = None

    async def __call__(
        self, model: str, input: Sequence[str], *, dimensions: int | None = None
    ) -> Result:
        self.calls.append(list(input))
        if self.gate is not None:
            await self.gate.wait()
        if len(self.calls) <= self.failures:
            assert self.error is not None
            raise self.error
        vectors = [[1.0, float(len(t))] for t in input]
        return Result(vectors, prompt_tokens=len(input), cost_usd=0.001 * len(input))


async def no_sleep(_: float) -> None:
    return None


async def test_each_text_is_embedded_once_per_run() -> None:
    fake = FakeEmbedder()
    caller = EmbedCaller(fake, sleep=no_sleep)
    first = await caller.vectors("m/e", ["alpha", "ref"], None)
    second = await caller.vectors("m/e", ["beta", "ref"], None)
    third = await caller.vectors("m/e", ["alpha", "ref"], None)
    assert fake.calls == [["alpha", "ref"], ["beta"]]
    assert first.requests == 1 and first.cost_usd == pytest.approx(0.002)
    assert second.requests == 1 and second.cost_usd == pytest.approx(0.001)
    assert third.cached and third.requests == 0 and third.cost_usd == 0.0
    assert third.vectors == first.vectors
    # another size is another vector
    await caller.vectors("m/e", ["alpha"], 8)
    assert fake.calls[-1] == ["alpha"]


async def test_identical_texts_in_flight_are_sent_once() -> None:
    fake = FakeEmbedder()
    fake.gate = anyio.Event()
    caller = EmbedCaller(fake, sleep=no_sleep)
    replies = []

    async def ask() -> None:
        replies.append(await caller.vectors("m/e", ["same", "ref"], None))

    async with anyio.create_task_group() as tg:
        tg.start_soon(ask)
        tg.start_soon(ask)
        await anyio.wait_all_tasks_blocked()
        fake.gate.set()
    assert fake.calls == [["same", "ref"]]
    assert sorted(r.requests for r in replies) == [0, 1]


async def test_server_errors_are_retried_by_the_policy() -> None:
    fake = FakeEmbedder(failures=2, error=ServiceUnavailableError("down", status_code=503))
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    caller = EmbedCaller(fake, RetryPolicy(max_attempts=5), sleep=sleep)
    reply = await caller.vectors("m/e", ["x", "y"], None)
    assert reply.vectors is not None and reply.requests == 3 and len(waits) == 2


async def test_retries_are_bounded_and_a_bad_request_is_not_retried() -> None:
    down = FakeEmbedder(failures=99, error=ServiceUnavailableError("down", status_code=503))
    reply = await EmbedCaller(down, RetryPolicy(max_attempts=3), sleep=no_sleep).vectors(
        "m/e", ["x"], None
    )
    assert reply.vectors is None and reply.requests == 3 and reply.cost_usd is None
    bad = FakeEmbedder(failures=1, error=BadRequestError("nope", status_code=400))
    reply = await EmbedCaller(bad, sleep=no_sleep).vectors("m/e", ["x"], None)
    assert reply.requests == 1 and "nope" in (reply.error or "")
    columns = embedding_cost_columns("m/e", reply)
    assert columns["judge_cost_usd"] is None and columns["judge_cost_source"] == "unknown"


async def test_a_failed_request_leaves_the_row_not_judged() -> None:
    bad = FakeEmbedder(failures=1, error=BadRequestError("nope", status_code=400))
    score, reply = await score_by_embedding(
        similar("answer"), "Paris", {"answer": "Paris"}, EmbedCaller(bad, sleep=no_sleep)
    )
    assert score is not None and score.value is None
    assert (score.detail or "").startswith("not judged: ")
    assert reply is not None and reply.requests == 1


async def test_similar_skips_items_without_expected_and_scores_empty_outputs_zero() -> None:
    fake = FakeEmbedder()
    caller = EmbedCaller(fake, sleep=no_sleep)
    scorer = similar("answer", threshold=0.5)
    assert await score_by_embedding(scorer, "x", {}, caller) == (None, None)
    score, reply = await score_by_embedding(scorer, "  ", {"answer": "Paris"}, caller)
    assert score is not None and score.value == 0.0 and score.passed is False
    assert reply is None and fake.calls == []


def test_cosine() -> None:
    assert cosine([1.0, 0.0], [2.0, 0.0]) == pytest.approx(1.0)
    assert cosine([1.0, 0.0], [0.0, 3.0]) == pytest.approx(0.0)
    assert cosine([1.0, 1.0], [-1.0, -1.0]) == pytest.approx(-1.0)
    assert cosine([0.0, 0.0], [1.0, 0.0]) is None
    assert cosine([1.0], [1.0, 0.0]) is None


def test_similar_verdict_passes_at_the_threshold() -> None:
    scorer = similar("answer", threshold=0.8)
    at = [[1.0, 0.0], [0.8, math.sqrt(1 - 0.64)]]
    below = [[1.0, 0.0], [0.79, math.sqrt(1 - 0.79**2)]]
    assert scorer.verdict(at).passed is True
    assert scorer.verdict(at).value == pytest.approx(0.8)
    assert scorer.verdict(below).passed is False
