"""The `similar` scorer's embedding requests under a budget (issue 18): each attempt
reserves its worst case before it is sent, as a judge's request does, and settles at what
it cost; one that does not fit is not sent, and its row is left "not judged"."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import anyio
import pytest

from orkit import Run, Sweep
from orkit.api import run_sweep_async
from orkit.batch import Budget, embedding_worst_case
from orkit.batch._embed_calls import EmbedCaller, embedding_cost_columns
from orkit.cost import Prices
from orkit.errors import ServiceUnavailableError
from orkit.router import RetryPolicy
from orkit.scorers import exact, similar
from orkit.sim import SIM_API_KEY, SimConfig, serve_in_thread
from tests.embed.test_embed_caller import FakeEmbedder, no_sleep
from tests.sim_http import reset, stats

FREE = "openai/gpt-oss-20b:free"
EMBED = "openai/text-embedding-3-small"


def test_the_worst_case_is_every_byte_a_token_at_the_dearest_price() -> None:
    worst = embedding_worst_case({"m/e": Prices(prompt=1e-6, completion=0.0, request=1e-5)})
    # "abc" is 3 bytes, "é" 2; two marker tokens each
    assert worst("m/e", ["abc", "é"]) == pytest.approx((3 + 2 + 2 * 2) * 1e-6 + 1e-5)
    assert worst("m/unpriced", ["abc"]) == 0.0  # bills nobody orkit knows of


def per_text(cost: float) -> Any:
    return lambda model, texts: cost * len(texts)


async def test_a_request_that_does_not_fit_is_not_sent() -> None:
    fake = FakeEmbedder()  # costs 0.001 a text
    budget = Budget(0.025)
    caller = EmbedCaller(fake, sleep=no_sleep, budget=budget, worst_case=per_text(0.01))
    for texts in (["a", "b"], ["c", "d"], ["e", "f"]):  # 0.02 reserved, 0.002 spent each
        reply = await caller.vectors("m/e", texts, None)
        assert reply.vectors is not None
    assert budget.spent_usd == pytest.approx(0.006) and budget.reserved_usd == 0
    refused = await caller.vectors("m/e", ["g", "h"], None)  # 0.006 + 0.02 > 0.025
    assert refused.vectors is None and refused.requests == 0
    assert refused.error == "over budget (could cost $0.02)"
    assert len(fake.calls) == 3 and budget.spent_usd == pytest.approx(0.006)
    columns = embedding_cost_columns("m/e", refused)
    assert columns["judge_calls"] == 0 and columns["judge_cost_usd"] == 0.0  # not sent: $0
    known = await caller.vectors("m/e", ["a", "f"], None)  # embedded already: nothing to pay
    assert known.vectors is not None and known.requests == 0


async def test_a_failed_attempt_costs_nothing_and_the_retry_reserves_again() -> None:
    fake = FakeEmbedder(failures=1, error=ServiceUnavailableError("busy", status_code=503))
    budget = Budget(1.0)
    caller = EmbedCaller(
        fake,
        RetryPolicy(max_attempts=3),
        sleep=no_sleep,
        budget=budget,
        worst_case=per_text(0.01),
    )
    reply = await caller.vectors("m/e", ["a"], None)
    assert reply.vectors is not None and reply.requests == 2
    assert budget.spent_usd == pytest.approx(0.001) and budget.reserved_usd == 0


async def test_a_refused_retry_leaves_the_cost_unknown() -> None:
    fake = FakeEmbedder(failures=1, error=ServiceUnavailableError("busy", status_code=503))
    budget = Budget(0.015)
    # the first attempt fits (0.01); the failed one frees it; a retry of 0.02 would not
    sizes = iter([0.01, 0.02])
    caller = EmbedCaller(
        fake,
        RetryPolicy(max_attempts=3),
        sleep=no_sleep,
        budget=budget,
        worst_case=lambda model, texts: next(sizes),
    )
    reply = await caller.vectors("m/e", ["a"], None)
    assert reply.vectors is None and reply.requests == 1 and reply.cost_usd is None
    assert reply.error is not None and reply.error.startswith("over budget")
    assert budget.spent_usd == 0 and len(fake.calls) == 1


# ---------------------------------------------------------------- a run on the emulator


@pytest.fixture(scope="module")
def sim_url() -> Iterator[str]:
    with serve_in_thread(SimConfig(time_scale=0.0, seed=4)) as url:
        yield url


def run_with_budget(
    tmp_path: Path, url: str, budget: float | None, scorers: Sequence[Any] | None = None
) -> Run:
    tmp_path.mkdir(parents=True, exist_ok=True)
    items = tmp_path / "items.jsonl"
    rows = [
        {"id": f"q{i}", "question": f"What is {i} + 5?", "answer": str(i + 5)} for i in range(12)
    ]
    items.write_text("".join(json.dumps(r) + "\n" for r in rows))
    sweep = Sweep(
        dataset=str(items),
        models=[FREE],  # the answers cost nothing: the budget is the embeddings'
        prompt="{{ question }}",
        params={"max_tokens": 8, "temperature": 0},
        endpoint=url,
        out=str(tmp_path / "runs"),
        concurrency=4,
        scorers=scorers or [exact(), {"kind": "similar", "expected": "answer", "threshold": 0.8}],
        budget_usd=budget,
    )
    return Run(anyio.run(lambda: run_sweep_async(sweep, api_key=SIM_API_KEY)))


def similar_rows(run: Run) -> Any:
    scores = run.scores()
    return scores[scores["scorer"] == "similar"]


def test_embeddings_that_would_cross_the_budget_are_not_sent(tmp_path: Path, sim_url) -> None:
    reset(sim_url)
    free = similar_rows(run_with_budget(tmp_path / "a", sim_url, None))
    unbudgeted = stats(sim_url)["billed_total_usd"]
    budget = 2e-7  # below what they cost: room for a few requests' worst cases
    assert unbudgeted > budget and free["score"].notna().all()
    reset(sim_url)
    rows = similar_rows(run_with_budget(tmp_path / "b", sim_url, budget))
    billed = stats(sim_url)["billed_total_usd"]
    assert 0 < billed <= budget
    assert rows["judge_cost_usd"].sum() == pytest.approx(billed, abs=1e-15)
    refused = rows[rows["detail"].str.startswith("not judged: over budget", na=False)]
    assert len(refused) > 0 and refused["judge_calls"].eq(0).all()
    assert rows["score"].notna().sum() == len(rows) - len(refused)


def test_a_budget_too_small_for_any_embedding_sends_none(tmp_path: Path, sim_url) -> None:
    reset(sim_url)
    rows = similar_rows(run_with_budget(tmp_path, sim_url, 1e-9))
    sent: Sequence[str] = list(stats(sim_url)["by_model"])
    assert EMBED not in sent
    refused = rows["detail"].str.startswith("not judged: over budget", na=False)
    assert refused.sum() > 0 and rows["score"][refused].isna().all()
    assert rows["judge_calls"].sum() == 0 and (rows["judge_cost_usd"] == 0).all()


def test_a_rescore_under_a_budget_reserves_the_embeddings_too(tmp_path: Path, sim_url) -> None:
    run = run_with_budget(tmp_path, sim_url, None, scorers=[exact()])
    reset(sim_url)
    run.rescore([exact(), similar("answer")], api_key=SIM_API_KEY, budget_usd=1e-9)
    assert EMBED not in stats(sim_url)["by_model"]  # not one fits: none is sent
    rows = similar_rows(run)
    assert len(rows) == 12 and rows["detail"].str.startswith("not judged: over budget").all()
