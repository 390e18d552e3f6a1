"""LLM judges and re-scoring on the emulator (on a real port, so its stats show what was
sent and billed): judge calls as their own cost lines, the budget counting them, pairwise
judging, and `rescore` sending no candidate request — nor any judge request when the judge
did not change."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import pandas as pd
import pytest

from orkit import Run, Sweep
from orkit._format import usd
from orkit.api import resume_async, run_sweep_async
from orkit.cli import main
from orkit.cli._table import judge_line
from orkit.errors import RunError, ScorerError
from orkit.results import run_lock
from orkit.scorers import Score, exact, judge_pairwise, judge_reference, judge_rubric
from orkit.sim import SIM_API_KEY, ModelProfile, SimConfig, serve_in_thread
from tests.report.page_data import page_data
from tests.sim_http import reset, stats

A, B = "openai/gpt-4o-mini", "deepseek/deepseek-v3.2"
JUDGE = "anthropic/claude-haiku-4.5"  # not a candidate: its requests are the judge's


@pytest.fixture
def items(tmp_path: Path) -> Path:
    path = tmp_path / "items.jsonl"
    rows = [
        {"id": f"q{i}", "question": f"What is {i} + 5?", "answer": str(i + 5)} for i in range(20)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture(scope="module")
def sim_url() -> Iterator[str]:
    # A judge that is always right (skill 1), so its verdicts can be checked exactly.
    config = SimConfig(time_scale=0.0, seed=4, models={JUDGE: ModelProfile(skill=1.0)})
    with serve_in_thread(config) as url:
        yield url


def make(items: Path, tmp_path: Path, url: str, **kw: Any) -> Sweep:
    base: dict[str, Any] = {
        "dataset": str(items),
        "models": [A, B],
        "prompt": "{{ question }}",
        "params": {"max_tokens": 8, "temperature": 0},
        "endpoint": url,
        "out": str(tmp_path / "runs"),
        "concurrency": 8,
        "scorers": [exact(), judge_reference(JUDGE)],
    }
    base.update(kw)
    return Sweep(**base)


def go(sweep: Sweep) -> Run:
    return Run(anyio.run(lambda: run_sweep_async(sweep, api_key=SIM_API_KEY)))


def judged(run: Run, scorer: str = "judge_reference") -> pd.DataFrame:
    scores = run.scores()
    return scores[scores["scorer"] == scorer].sort_values("task_key").reset_index(drop=True)


def test_judge_calls_are_their_own_cost_lines(items, tmp_path, sim_url) -> None:
    reset(sim_url)
    run = go(make(items, tmp_path, sim_url))
    sent = stats(sim_url)
    rows = judged(run)
    assert len(rows) == 40 and rows["score"].notna().all()
    assert set(rows["judge_model"]) == {JUDGE}
    # Every judge request is on a score row, and nothing else went to the judge model.
    assert rows["judge_calls"].sum() == sent["by_model"][JUDGE]
    assert set(rows["judge_cost_source"]) <= {"reported", "cached"}
    assert (rows.loc[rows["judge_calls"] == 0, "judge_cost_usd"] == 0).all()  # shared answers
    judge_usd = rows["judge_cost_usd"].sum()
    answers_usd = run.to_pandas()["cost_usd"].sum()
    assert judge_usd > 0 and answers_usd > 0
    assert judge_usd + answers_usd == pytest.approx(sent["billed_total_usd"])
    # The manifest, the summary and the judge table each keep the two apart.
    assert run.manifest["judges"]["cost_usd"] == pytest.approx(judge_usd)
    assert run.manifest["totals"]["all"]["cost_usd"] == pytest.approx(answers_usd)
    summary = run.summary()
    assert summary["judge_cost_usd"].sum() == pytest.approx(judge_usd)
    assert summary["cost_usd"].sum() == pytest.approx(answers_usd)
    table = run.judge_costs()
    assert table.loc["judge_reference", "requests"] == sent["by_model"][JUDGE]
    assert table.loc["judge_reference", "judge_model"] == JUDGE
    assert "score_judge_reference" in summary.columns
    line = judge_line(run.manifest)  # the CLI's line
    assert line is not None and line.startswith("judges: 40 rows, ")
    # The report keeps them apart too: the judges' own line in the header, the contestants'
    # spend on answers alone, and the run's actual spend both together.
    payload = page_data(run.report(tmp_path / "report.html").read_text())
    (header,) = payload["runs"]
    assert header["actual"]["cost_usd"] == pytest.approx(answers_usd + judge_usd, abs=1e-6)
    assert header["judges"]["cost"] == usd(run.manifest["judges"]["cost_usd"])
    (judge,) = header["judges"]["lines"]
    assert judge["scorer"] == "judge_reference" and judge["model"] == JUDGE
    assert judge["requests"] == sent["by_model"][JUDGE] and judge["rows"] == 40
    boards_usd = sum(c["cost_usd"] for c in payload["contestants"])
    assert boards_usd == pytest.approx(answers_usd, abs=1e-5)


def test_rescore_with_an_unchanged_judge_costs_nothing_and_sends_nothing(
    items, tmp_path, sim_url
) -> None:
    run = go(make(items, tmp_path, sim_url))
    before = judged(run)
    reset(sim_url)
    run.rescore(api_key=SIM_API_KEY)
    assert stats(sim_url)["requests"] == 0  # not a candidate request, not a judge request
    after = judged(run)
    assert after["score"].tolist() == before["score"].tolist()
    assert (after["judge_cost_source"] == "cached").all()
    assert (after["judge_calls"] == 0).all() and (after["judge_cost_usd"] == 0).all()
    last = run.manifest["rescores"][-1]
    assert last["judge_requests"] == 0 and last["judge_cached"] == 40
    assert last["judge_cost_usd"] == 0 and run.manifest["judges"]["cost_usd"] == 0


def test_rescore_with_a_new_judge_sends_only_judge_requests(items, tmp_path, sim_url) -> None:
    run = go(make(items, tmp_path, sim_url, scorers=[exact()]))
    reset(sim_url)
    rubric = judge_rubric(JUDGE, "The answer is the correct number and nothing else.")
    run.rescore([exact(), rubric], api_key=SIM_API_KEY)
    sent = stats(sim_url)
    assert set(sent["by_model"]) == {JUDGE}  # no candidate model was asked anything
    rows = judged(run, "judge_rubric")
    assert len(rows) == 40 and rows["judge_calls"].sum() == sent["requests"]
    assert sorted(run.scores()["scorer"].unique()) == ["exact", "judge_rubric"]
    assert [s["kind"] for s in run.manifest["spec"]["scorers"]] == ["exact", "judge_rubric"]
    # The perfect judge agrees with exact match on these one-number answers: 5/5 or 1/5.
    agree = run.scores().pivot_table(index="task_key", columns="scorer", values="score")
    assert (agree["judge_rubric"] == agree["exact"]).all()


def test_rescore_keeps_other_scores_only_when_asked(items, tmp_path, sim_url) -> None:
    run = go(make(items, tmp_path, sim_url))
    run.rescore([{"kind": "numeric"}], keep=True, api_key=SIM_API_KEY)
    assert sorted(run.scores()["scorer"].unique()) == ["exact", "judge_reference", "numeric"]
    assert [s["kind"] for s in run.manifest["spec"]["scorers"]] == [
        "exact",
        "judge_reference",
        "numeric",
    ]
    reset(sim_url)
    run.rescore([{"kind": "numeric"}])
    assert stats(sim_url)["requests"] == 0  # no judge: no endpoint is even opened
    assert run.scores()["scorer"].unique().tolist() == ["numeric"]
    assert "judges" not in run.manifest


def test_judges_count_against_the_budget_and_a_resume_finishes_them(
    items, tmp_path, sim_url
) -> None:
    plain = go(make(items, tmp_path, sim_url, models=[A], scorers=[], cache=False))
    answers_usd = float(plain.to_pandas()["cost_usd"].sum())
    reset(sim_url)
    # Room for the answers and a few judge calls: each reserves its worst case first
    # (~$0.0012: every prompt byte a token, 64 output tokens, at the judge's prices).
    budget = answers_usd + 0.0025
    judge = judge_reference(JUDGE, params={"max_tokens": 64})
    sweep = make(items, tmp_path, sim_url, models=[A], cache=False, budget_usd=budget)
    run = go(replace(sweep, scorers=[exact(), judge]))
    assert stats(sim_url)["billed_total_usd"] <= budget
    rows = judged(run)
    skipped = rows["detail"].fillna("").str.startswith("not judged: over budget")
    assert 0 < skipped.sum() < 20 and rows.loc[skipped, "score"].isna().all()
    assert (rows.loc[skipped, "judge_calls"] == 0).all()
    anyio.run(lambda: resume_async(run.path, budget_usd=1.0, api_key=SIM_API_KEY))
    rows = judged(run)
    assert rows["score"].notna().all() and len(rows) == 20
    assert stats(sim_url)["by_model"] == {A: 20, JUDGE: 20}  # each judged once, none twice
    assert max(stats(sim_url)["billed_by_body_hash"].values()) == 1


def test_pairwise_judge_compares_each_model_with_the_baseline(items, tmp_path, sim_url) -> None:
    run = go(make(items, tmp_path, sim_url, scorers=[exact(), judge_pairwise(JUDGE)]))
    rows = judged(run, "judge_pairwise")
    assert set(rows["model"]) == {B} and len(rows) == 20  # the baseline (A) is not judged
    assert rows["detail"].str.startswith(f"vs {A}; candidate first:").all()
    assert set(rows["score"]) <= {0.0, 0.25, 0.5, 0.75, 1.0}
    assert (rows["judge_calls"] <= 2).all()
    # The perfect judge: a win where only B is right, a loss where only A is, else a tie.
    scores = run.scores()
    right = scores[scores["scorer"] == "exact"].pivot(
        index="item_id", columns="model", values="score"
    )
    expected = (1 + right[B] - right[A]) / 2
    got = rows.set_index("item_id")["score"]
    assert got.sort_index().tolist() == expected.sort_index().tolist()


def test_custom_functions_sync_and_async_score_a_run(items, tmp_path, sim_url) -> None:
    def short(output: str | None) -> bool:
        return len(output or "") <= 3

    async def digits(output: str | None, fields: dict[str, Any]) -> Score:
        await anyio.lowlevel.checkpoint()
        return Score(float(sum(c.isdigit() for c in output or "")), detail=fields["id"])

    run = go(make(items, tmp_path, sim_url, scorers=[short, digits]))
    scores = run.scores()
    assert (scores["scorer"] == "short").sum() == 40
    async_rows = scores[scores["scorer"] == "digits"]
    assert len(async_rows) == 40 and async_rows["detail"].str.startswith("q").all()


def test_rescore_is_all_or_nothing_and_takes_the_run_lock(items, tmp_path, sim_url) -> None:
    run = go(make(items, tmp_path, sim_url, scorers=[exact()]))
    before = run.scores().sort_values("task_key").reset_index(drop=True)

    class Breaks:
        name = "breaks"
        calls = 0

        def __call__(self, output: str | None, fields: Any) -> Score:
            Breaks.calls += 1
            if Breaks.calls > 25:
                raise RuntimeError("scorer bug")
            return Score(1.0)

    with pytest.raises(ScorerError, match="'breaks' raised RuntimeError: scorer bug"):
        run.rescore([{"kind": "numeric"}, Breaks()])
    after = run.scores().sort_values("task_key").reset_index(drop=True)
    pd.testing.assert_frame_equal(before, after)
    run.rescore([{"kind": "numeric"}])  # the journal was left as it was: a re-score works
    with run_lock(run.path), pytest.raises(RunError, match="in use by process"):
        run.rescore([exact()])


def test_orkit_rescore_command(items, tmp_path, sim_url, monkeypatch, capsys) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", SIM_API_KEY)
    run = go(make(items, tmp_path, sim_url, scorers=[exact()]))
    judge = f'{{kind = "judge_reference", model = "{JUDGE}"}}'
    code = main(["rescore", str(run.path), "-s", "numeric", "-s", judge, "--no-report"])
    out = capsys.readouterr().out
    assert code == 0 and "judge_reference" in out and "judge cost" in out
    assert "re-scored 40 answered tasks with numeric, judge_reference" in out
    spec = tmp_path / "scorers.toml"
    spec.write_text('[[scorers]]\nkind = "json_valid"\n')
    assert main(["rescore", str(run.path), "--spec", str(spec), "--no-report", "-q"]) == 0
    assert run.scores()["scorer"].unique().tolist() == ["json_valid"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-s", "no such!"], "not a scorer kind or a TOML table"),
        (["-s", "{kind = "], "invalid TOML table"),
        (["-s", "fuzzy"], "unknown scorer kind 'fuzzy'"),
        (["--spec", "missing.toml"], "missing.toml: file not found"),
    ],
)
def test_orkit_rescore_bad_input_is_one_line(
    items, tmp_path, sim_url, capsys, args: list[str], message: str
) -> None:
    run = go(make(items, tmp_path, sim_url, scorers=[exact()]))
    assert main(["rescore", str(run.path), "--no-report", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and err.startswith("orkit: error:")
