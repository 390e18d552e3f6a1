"""The `similar` scorer on a small sweep against the emulator (on a real port, so its
stats show what was sent and billed): cosine scores, pass/fail at the threshold, embedding
requests and cost on the judges' line, each text embedded once per run, spend equal to the
bill, a re-score, and the estimate's line for it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from orkit import Run, Sweep
from orkit.api import run_sweep_async
from orkit.errors import SpecError
from orkit.plan._assemble import check_input
from orkit.scorers import exact, scorer_from_spec, similar
from orkit.sim import SIM_API_KEY, SimConfig, serve_in_thread
from tests.sim_http import reset, stats

A, B = "openai/gpt-4o-mini", "deepseek/deepseek-v3.2"
EMBED = "openai/text-embedding-3-small"


@pytest.fixture
def items(tmp_path: Path) -> Path:
    path = tmp_path / "items.jsonl"
    rows = [
        {"id": f"q{i}", "question": f"What is {i} + 5?", "answer": str(i + 5)} for i in range(12)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture(scope="module")
def sim_url() -> Iterator[str]:
    with serve_in_thread(SimConfig(time_scale=0.0, seed=4)) as url:
        yield url


def make(items: Path, tmp_path: Path, url: str, **kw: Any) -> Sweep:
    base: dict[str, Any] = {
        "dataset": str(items),
        "models": [A, B],
        "prompt": "{{ question }}",
        "params": {"max_tokens": 8, "temperature": 0},
        "endpoint": url,
        "out": str(tmp_path / "runs"),
        "concurrency": 4,
        "scorers": [exact(), {"kind": "similar", "expected": "answer", "threshold": 0.8}],
    }
    base.update(kw)
    return Sweep(**base)


def go(sweep: Sweep) -> Run:
    return Run(anyio.run(lambda: run_sweep_async(sweep, api_key=SIM_API_KEY)))


def test_similar_scores_a_run_and_bills_like_a_judge(items, tmp_path, sim_url) -> None:
    reset(sim_url)
    run = go(make(items, tmp_path, sim_url))
    sent = stats(sim_url)
    scores = run.scores()
    rows = scores[scores["scorer"] == "similar"]
    exacts = scores[scores["scorer"] == "exact"].set_index("task_key")["score"]
    assert len(rows) == 24 and rows["score"].notna().all()
    assert ((rows["score"] >= -1) & (rows["score"] <= 1 + 1e-9)).all()
    assert (rows["passed"] == (rows["score"] >= 0.8)).all()
    for _, row in rows.iterrows():  # an exactly right answer is the same text: cosine 1
        if exacts[row["task_key"]] == 1:
            assert row["score"] == pytest.approx(1.0) and row["passed"]
    assert set(rows["judge_model"]) == {EMBED}
    # Every embedding request is on a score row; each text is embedded once per run, so
    # no more requests than rows, and fewer when answers repeat.
    requests = sent["by_model"][EMBED]
    assert rows["judge_calls"].sum() == requests and 0 < requests <= 24
    judge_usd = rows["judge_cost_usd"].sum()
    answers_usd = run.to_pandas()["cost_usd"].sum()
    assert judge_usd > 0
    assert judge_usd + answers_usd == pytest.approx(sent["billed_total_usd"], abs=1e-12)
    judges = run.manifest["judges"]
    assert judges["requests"] == requests
    assert judges["cost_usd"] == pytest.approx(judge_usd, abs=1e-15)
    assert run.manifest["totals"]["all"]["cost_usd"] == pytest.approx(answers_usd)
    assert judges["by_scorer"]["similar"]["judge_model"] == EMBED


def test_expected_texts_are_embedded_once_per_run(items, tmp_path, sim_url) -> None:
    reset(sim_url)
    # Five "models" answering alike would embed the same reference five times without the
    # run's vector cache: here both models share every expected text.
    run = go(make(items, tmp_path, sim_url))
    sent = stats(sim_url)
    outputs = run.to_pandas()["output_text"].tolist()
    answers = [str(i + 5) for i in range(12)]
    distinct = len(set(outputs) | set(answers))
    assert sent["billed_count"] - len(outputs) == sent["by_model"][EMBED]
    # every text once: never more texts embedded than distinct texts
    assert sent["by_model"][EMBED] <= distinct


def test_rescore_with_similar_sends_only_embedding_requests(items, tmp_path, sim_url) -> None:
    run = go(make(items, tmp_path, sim_url, scorers=[exact()]))
    reset(sim_url)
    run.rescore([exact(), similar("answer", threshold=0.9)], api_key=SIM_API_KEY)
    sent = stats(sim_url)
    assert set(sent["by_model"]) == {EMBED}
    scores = run.scores()
    rows = scores[scores["scorer"] == "similar"]
    assert len(rows) == 24 and rows["judge_calls"].sum() == sent["requests"]
    assert rows["judge_cost_usd"].sum() == pytest.approx(sent["billed_total_usd"], abs=1e-12)
    assert (rows["passed"] == (rows["score"] >= 0.9)).all()


def test_the_estimate_has_a_judge_line_for_the_embeddings(items, tmp_path, sim_url) -> None:
    est = make(items, tmp_path, sim_url).estimate()
    lines = [line for line in est.lines if line.role == "judge"]
    assert [line.scorer for line in lines] == ["similar"]
    (line,) = lines
    assert line.model == EMBED and line.requests == 24
    assert line.completion_tokens == 0 and line.output_source == "none: embeddings"  # vectors
    assert line.cost_expected_usd is not None and 0 < line.cost_expected_usd < 1e-4


def test_similar_options_are_checked() -> None:
    with pytest.raises(SpecError, match="threshold"):
        scorer_from_spec({"kind": "similar", "expected": "answer", "threshold": 2})
    with pytest.raises(SpecError, match="model"):
        scorer_from_spec({"kind": "similar", "expected": "answer", "model": "nope"})
    spec = {"kind": "similar", "expected": "answer", "model": EMBED, "threshold": 0.7}
    assert scorer_from_spec(spec).spec == spec


@pytest.mark.parametrize(
    ("model", "why"),
    [
        ("openai/text-embeding-3-small", "did you mean openai/text-embedding-3-small?"),
        ("openai/gpt-4o-mini", "is not an embedding model"),
    ],
)
def test_a_wrong_embedding_model_is_caught_by_the_offline_checks(
    items, tmp_path, sim_url, model: str, why: str
) -> None:
    # `check_input` is what `run` does first, before any request (no network here).
    scorer = {"kind": "similar", "expected": "answer", "model": model}
    sweep = make(items, tmp_path, sim_url, endpoint="openrouter", scorers=[scorer])
    with pytest.raises(SpecError, match=why) as caught:
        check_input(sweep)
    assert caught.value.field == "scorers[0].model"
    ok = {**scorer, "model": "openai/text-embedding-3-small"}
    check_input(make(items, tmp_path, sim_url, endpoint="openrouter", scorers=[ok]))
