"""Reasoning tokens in the estimate (issue 17, Deliver 5): a stated prior from the request's
reasoning budget, the line's own figure (inside the output tokens, priced as output), and
the share of reasoning learnt from a run's answers correcting it."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from orkit import Sweep
from orkit.catalog import Catalog, ModelInfo
from orkit.cost import (
    EFFORT_SHARE,
    UNCAPPED_TOKENS,
    Calibration,
    Lessons,
    ModelCalibration,
    Observation,
    OutputBand,
    reasoning_prior,
    with_reasoning,
)

OPTIONAL = "bytedance-seed/seed-2.0-code"  # reasons when asked; efforts high, medium, low
MANDATORY = "openai/gpt-oss-20b:free"  # always reasons, default effort medium
PLAIN = "openai/gpt-4o-mini"


def info(model: str) -> ModelInfo:
    found = Catalog.bundled().get(model)
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("model", "params", "cap", "expected"),
    [
        (PLAIN, {"reasoning": {"effort": "high"}}, 1000, 0.0),  # no reasoning: none
        (OPTIONAL, {}, 1000, 0.0),  # not asked, not on by default
        (OPTIONAL, {"reasoning": {"effort": "high"}}, 1000, EFFORT_SHARE["high"] * 1000),
        (OPTIONAL, {"reasoning_effort": "low"}, 1000, EFFORT_SHARE["low"] * 1000),
        (OPTIONAL, {"reasoning": {"max_tokens": 300}}, 1000, 300.0),
        (OPTIONAL, {"reasoning": {"max_tokens": 3000}}, 1000, 1000.0),  # within max_tokens
        (OPTIONAL, {"reasoning": {"effort": "low"}}, None, float(UNCAPPED_TOKENS["low"])),
        (OPTIONAL, {"reasoning": {"enabled": False}}, 1000, 0.0),
        (MANDATORY, {}, 1000, EFFORT_SHARE["medium"] * 1000),  # its default effort
        (MANDATORY, {"reasoning": {"effort": "none"}}, 1000, EFFORT_SHARE["medium"] * 1000),
    ],
)
def test_the_prior(model: str, params: dict[str, Any], cap: int | None, expected: float) -> None:
    assert reasoning_prior(info(model), params, cap) == pytest.approx(expected)


def test_a_default_band_grows_to_hold_the_reasoning() -> None:
    default = OutputBand(1.0, 300.0, 4096.0, "default")
    band, share = with_reasoning(
        default, info(OPTIONAL), {"reasoning": {"effort": "high"}}, 4096, None
    )
    prior = EFFORT_SHARE["high"] * 4096
    assert band.expected == pytest.approx(min(4096, prior + 300))
    assert band.high == 4096 and share == pytest.approx(prior / band.expected)
    same, none = with_reasoning(default, info(PLAIN), {}, 4096, None)
    assert same == default and none == 0.0


def test_learnt_lengths_are_kept_and_split_by_the_learnt_share() -> None:
    learnt = OutputBand(400.0, 500.0, 600.0, "calibration", samples=50)
    cal = ModelCalibration(sums={"reasoning_tokens": 300.0, "reasoning_completion": 1000.0})
    band, share = with_reasoning(
        learnt, info(OPTIONAL), {"reasoning": {"effort": "high"}}, 4096, cal
    )
    assert band == learnt and share == pytest.approx(0.3)
    # lengths learnt where no answer reported reasoning counts: the prior, within them
    _, guessed = with_reasoning(
        learnt, info(OPTIONAL), {"reasoning": {"max_tokens": 100}}, 4096, None
    )
    assert guessed == pytest.approx(100 / 500)


def test_a_run_teaches_the_share_and_the_calibration_keeps_it(tmp_path: Path) -> None:
    lessons = Lessons()
    for reasoning in (100, 300, None):  # a row that did not say is left out of the share
        lessons.add(
            {
                "status": "ok",
                "model": OPTIONAL,
                "prompt_id": "default",
                "params_json": "{}",
                "messages_json": "[]",
                "completion_tokens": 500,
                "reasoning_tokens": reasoning,
                "finish_reason": "stop",
                "cost_source": "reported",
            }
        )
    acc = lessons._accs[OPTIONAL]
    assert (acc.reasoning, acc.reasoning_completion) == (400.0, 1000.0)
    cal = Calibration(tmp_path / "calibration.json")
    obs = Observation(model=OPTIONAL, reasoning_tokens=400.0, reasoning_completion=1000.0, rows=3)
    cal.update("sim", obs)
    cal.save()
    again = Calibration.load(tmp_path).get("sim", OPTIONAL)
    assert again is not None and again.reasoning_share == pytest.approx(0.4)
    assert dataclasses.replace(again, sums={}).reasoning_share is None  # nothing learnt


def test_the_estimate_line_shows_reasoning_inside_the_output(tmp_path: Path) -> None:
    base: dict[str, Any] = {
        "dataset": [{"id": f"q{i}", "question": f"What is {i} + 1?"} for i in range(10)],
        "prompt": "{{ question }}",
        "endpoint": "sim",
        "out": str(tmp_path / "runs"),
    }
    params = {"max_tokens": 2000, "reasoning": {"effort": "medium"}}
    estimate = Sweep(models=[OPTIONAL, PLAIN], params=params, **base).estimate()
    line = estimate.line(OPTIONAL)
    assert line.reasoning_tokens is not None
    assert line.reasoning_tokens == pytest.approx(10 * 1000, rel=0.01)
    assert line.completion_tokens >= line.reasoning_tokens
    assert estimate.line(PLAIN).reasoning_tokens == 0
    assert estimate.to_dict()["total"]["reasoning_tokens"] == line.reasoning_tokens
    assert f"reasoning ~{line.reasoning_tokens:,} of the output tokens" in str(estimate)
    # the reasoning is priced as output: more of it costs more
    plain = Sweep(models=[OPTIONAL], params={"max_tokens": 2000}, **base).estimate()
    assert line.cost_expected_usd > plain.line(OPTIONAL).cost_expected_usd
