"""The tool-use demo (`datasets/chat/tools.toml`): questions that need a weather lookup or
a currency conversion (mocked in `datasets/chat/tools.py`), a `max_turns` loop and the two
tool scorers, run against the emulator as the README shows it. The emulator builds its
arguments from the prompt, so it gets the plain questions right and two wrong (a city it
would have to infer; a question needing two calls, answered after the first): the scores
are computed per row and tell them apart."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from orkit import load_spec


@pytest.mark.integration
def test_the_tools_demo_runs_and_scores_the_calls(repo: Path, tmp_path: Path) -> None:
    sweep = load_spec(repo / "datasets/chat/tools.toml", {"out": str(tmp_path / "runs")})
    run = sweep.run(progress=False)
    assert run.manifest["status"] == "completed"
    rows = pd.read_parquet(run.path / "results")
    items = len(rows["item_id"].unique())
    assert len(rows) == items * len(sweep.models) and (rows["status"] == "ok").all()
    scores = pd.read_parquet(run.path / "scores")
    calls = scores[scores["scorer"] == "tool_call"].set_index(["model", "item_id"])["score"]
    valid = scores[scores["scorer"] == "tool_args_valid"]
    assert len(calls) == len(rows)  # every row is scored, the one expecting no call too
    assert len(valid) == (rows["tool_calls_json"].notna()).sum() and (valid["score"] == 1).all()
    for model in sweep.model_names:
        by_item = calls.loc[model]
        assert by_item["weather-paris"] == by_item["convert-usd"] == by_item["no-tool"] == 1.0
        assert by_item["capital"] == 0.0  # "Norway" for the capital of Norway
        assert by_item["cairo-trip"] == pytest.approx(2 / 3)  # one of the two calls
        assert 0.0 < by_item.mean() < 1.0
    # the loop: a call, the mock's result sent back, an answer that relays it
    paris = rows[rows["item_id"] == "weather-paris"].iloc[0]
    assert paris["turns"] == 2 and paris["finish_reason"] == "stop"
    assert json.loads(str(paris["output_text"])) == {"city": "Paris", "sky": "rain"}
    plain = rows[rows["item_id"] == "no-tool"].iloc[0]
    assert plain["turns"] == 1 and pd.isna(plain["tool_calls_json"])
