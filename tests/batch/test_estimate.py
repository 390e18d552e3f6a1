"""`Sweep.estimate()` on the emulator: counts, counted prompt tokens, the band around the actual
cost, calibration from a finished run, cache hits, judge calls, free quota, offline prices,
unknown ids and the pilot."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from orkit import Run, Sweep
from orkit.cost import COUNTED_PROMPT_ERROR, DEFAULT_OUTPUT_TOKENS, count_prompt_tokens
from orkit.errors import UnknownModelError
from orkit.scorers import Score
from orkit.sim.tokenizer import prompt_tokens

A, B, FREE = "openai/gpt-4o-mini", "deepseek/deepseek-v3.2", "openai/gpt-oss-20b:free"


def rows(n: int, offset: int = 0) -> list[dict[str, Any]]:
    return [{"id": f"t{i}", "topic": f"topic {i}"} for i in range(offset, offset + n)]


def make(tmp_path: Path, **kw: Any) -> Sweep:
    base: dict[str, Any] = {
        "dataset": rows(40),
        "models": [A, B],
        "prompt": "Write about {{ topic }}.",
        "system": "Be brief.",
        "params": {"temperature": 0.7},
        "endpoint": "sim",
        "sim": {"time_scale": 0.0, "seed": 3},
        "out": str(tmp_path / "runs"),
        "cache": False,
    }
    base.update(kw)
    return Sweep(**base)


def test_counts_and_counted_prompt_tokens_on_the_emulator(tmp_path: Path) -> None:
    sweep = make(tmp_path, grid={"max_tokens": [16, 32]}, repeats=2)
    est = sweep.estimate()
    line = est.line(A)
    assert line.requests == 40 * 2 * 2 and line.cache_hits == 0
    messages = [
        [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": f"Write about topic {i}."},
        ]
        for i in range(40)
    ]
    # orkit's own count, not the emulator's: the emulator's tokenizer checks it from outside
    assert line.prompt_tokens == sum(count_prompt_tokens(m) for m in messages) * 4
    billed = sum(prompt_tokens(m) for m in messages) * 4
    assert billed != line.prompt_tokens
    assert abs(billed - line.prompt_tokens) <= COUNTED_PROMPT_ERROR * line.prompt_tokens
    assert line.output_source == "max_tokens"
    # nothing known about the answers: expected = max_tokens, which is also the high side
    assert line.completion_tokens == 40 * 2 * (16 + 32)
    assert est.requests == 2 * line.requests
    assert "emulator" in est.prices and est.seconds_to_estimate is not None


def test_actual_cost_falls_in_the_band_and_calibration_narrows_it(tmp_path: Path) -> None:
    sweep = make(tmp_path)
    first = sweep.estimate()
    assert first.line(A).output_source == "default"
    run = sweep.run(progress=False)
    actual = run.manifest["totals"]["all"]["cost_usd"]
    # Knowing nothing of the answers, the band runs from 1 token to the model's cap (it
    # holds the actual by construction; what it promises is only the default in between).
    assert first.line(A).completion_tokens == 40 * DEFAULT_OUTPUT_TOKENS
    assert first.cost_low_usd <= actual <= first.cost_high_usd
    # the manifest keeps estimate and actual side by side
    side = run.manifest["cost"][A]
    assert side["within_band"] is True and side["actual_usd"] > 0
    assert run.manifest["estimate"]["lines"][0]["model"] == A
    # a second estimate of new items with the same prompt uses what the run taught
    later = dataclasses.replace(
        sweep, dataset=rows(40, offset=100), sim={"time_scale": 0.0, "seed": 4}
    )
    second = later.estimate()
    assert second.line(A).output_source == "calibration"
    again = later.run(progress=False)
    actual2 = again.manifest["totals"]["all"]["cost_usd"]
    assert second.cost_low_usd <= actual2 <= second.cost_high_usd
    assert abs(second.cost_expected_usd - actual2) / actual2 < 0.15
    # calibrated, the band says something: narrower than ±50% of the actual cost (the
    # uncalibrated one was over 100 times the actual wide)
    assert second.cost_high_usd - second.cost_low_usd < actual2
    assert first.cost_high_usd - first.cost_low_usd > 100 * actual
    for model in (A, B):
        line, side = second.line(model), again.manifest["cost"][model]
        inside = line.cost_low_usd <= side["actual_usd"] <= line.cost_high_usd
        assert side["within_band"] is inside is True, model


def test_cache_hits_are_counted_and_cost_nothing(tmp_path: Path) -> None:
    sweep = make(tmp_path, params={"temperature": 0, "max_tokens": 16}, cache=True)
    assert sweep.estimate().line(A).cache_hits == 0
    sweep.run(progress=False)
    est = sweep.estimate()
    assert est.line(A).cache_hits == 40 and est.line(B).cache_hits == 40
    assert est.cost_high_usd == 0
    # repeats never share a cache hit: the second repeat is new work
    assert dataclasses.replace(sweep, repeats=2).estimate().line(A).cache_hits == 40


class FakeJudge:
    """A scorer that declares the judge attributes an estimate reads."""

    name = "fake_judge"
    judge_model = "anthropic/claude-haiku-4.5"
    calls_per_task = 2
    params: Mapping[str, Any] = {"temperature": 0, "max_tokens": 50}
    is_pairwise = False
    baseline = None

    def __call__(self, output: str | None, fields: Mapping[str, Any]) -> Score | None:
        return None


def test_judge_calls_are_a_line_of_their_own(tmp_path: Path) -> None:
    est = make(tmp_path, params={"max_tokens": 16}, scorers=[FakeJudge()]).estimate()
    judge = est.line("anthropic/claude-haiku-4.5", role="judge")
    assert judge.requests == 2 * 40 * 2  # two models' tasks, two calls each
    assert judge.completion_tokens == judge.requests * 50
    assert judge.cost_expected_usd > 0
    assert est.cost_expected_usd == pytest.approx(sum(line.cost_expected_usd for line in est.lines))


def test_free_models_cost_nothing_and_count_their_quota_in_days(tmp_path: Path) -> None:
    est = make(tmp_path, models=[FREE], dataset=rows(120), params={"max_tokens": 8}).estimate()
    line = est.line(FREE)
    assert line.cost_high_usd == 0 and line.free
    assert line.quota_days == pytest.approx(120 / 1000)  # the emulator's account: 1000 a day


def test_openrouter_without_a_key_is_estimated_from_the_bundled_snapshot(tmp_path: Path) -> None:
    est = make(tmp_path, endpoint="openrouter", params={"max_tokens": 16}).estimate()
    assert "bundled /models snapshot of 2026-08-19" in est.prices
    assert any("no OPENROUTER_API_KEY" in n for n in est.notes)
    assert est.line(A).price_source == "catalog"
    assert est.cost_expected_usd > 0


def test_unknown_model_ids_are_caught_with_close_matches(tmp_path: Path) -> None:
    with pytest.raises(UnknownModelError) as info:
        make(tmp_path, models=["openai/gpt-4o-mni"]).estimate()
    assert "openai/gpt-4o-mini" in str(info.value)


def test_budget_verdict(tmp_path: Path) -> None:
    sweep = make(tmp_path, params={"max_tokens": 16})
    assert dataclasses.replace(sweep, budget_usd=100.0).estimate().verdict == "fits"
    assert dataclasses.replace(sweep, budget_usd=1e-9).estimate().verdict == "exceeds"


def test_pilot_runs_first_items_and_estimates_from_them(tmp_path: Path) -> None:
    sweep = make(tmp_path, name="essay")
    est = sweep.estimate(pilot=5)
    assert est.pilot is not None and est.pilot["requests"] == 10
    pilot_run = Run(est.pilot["run_dir"])
    assert pilot_run.manifest["name"] == "essay-pilot"
    assert len(pilot_run.to_pandas()) == 10
    assert est.line(A).output_source == "pilot"
    assert "pilot of 10 requests" in str(est)


def test_learning_reads_only_the_run_rows(tmp_path: Path) -> None:
    from orkit._settings import load_settings
    from orkit.cost import Calibration

    run = make(tmp_path, params={"max_tokens": 16}).run(progress=False)
    cal = Calibration.load(load_settings().cache_dir).get("sim", A)
    assert cal is not None and cal.prompt_ratio is not None and cal.price_ratio is not None
    fingerprint = run.manifest["prompt_fingerprints"]["default"]
    sample, own = cal.output_sample(fingerprint)
    assert own and sample is not None and sample.cap == 16 and len(sample.tokens) == 40
    assert json.loads(json.dumps(run.manifest["cost"]))  # plain JSON


def test_real_judges_are_estimated_learnt_and_compared(tmp_path: Path) -> None:
    from orkit.scorers import judge_rubric

    judge = "anthropic/claude-haiku-4.5"
    sweep = make(
        tmp_path,
        params={"max_tokens": 16},
        scorers=[judge_rubric(judge, "Is the text about the topic?")],
    )
    before = sweep.estimate().line(judge, role="judge")
    assert before.requests == 80 and before.output_source == "default"
    run = sweep.run(progress=False)
    side = run.manifest["cost"][f"judge: {judge} (judge_rubric)"]
    assert side["actual_usd"] == pytest.approx(run.manifest["judges"]["cost_usd"])
    assert side["within_band"] is True
    after = sweep.estimate().line(judge, role="judge")
    assert after.output_source == "calibration"
    assert after.cost_high_usd - after.cost_low_usd < before.cost_high_usd - before.cost_low_usd


def test_the_smallest_detectable_difference_is_shown_before_a_run(tmp_path: Path) -> None:
    small = make(tmp_path, grid={"max_tokens": [16, 32]}).estimate()
    assert small.compared_items == 40  # items: contestants pair on the item, not the task
    large = make(tmp_path, dataset=rows(400), params={"max_tokens": 16}).estimate()
    assert large.compared_items == 400
    assert small.detectable_difference is not None and large.detectable_difference is not None
    assert 0 < large.detectable_difference < small.detectable_difference < 1
    assert "400 items" in large.footer() and "80% power" in large.footer()
    assert make(tmp_path, models=[A]).estimate().detectable_difference is None
    # one model under two param sets: two contestants to tell apart, on the same 40 items
    variants = make(tmp_path, models=[A], grid={"max_tokens": [16, 32]}).estimate()
    assert variants.compared_items == 40 and variants.detectable_difference is not None
