"""The estimate's response-cache look-up keys each request as the run sends it (issue 18's
trial): an explicit-cache model (Anthropic) gets the `cache_control` breakpoint in its
messages, so a run with another `prompt_cache` mode sent other requests, whose answers do
not answer this one; two modes that put the same breakpoint send the same requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from orkit import Sweep

ANTHROPIC, OPENAI = "anthropic/claude-haiku-4.5", "openai/gpt-4o-mini"
SYSTEM = " ".join(
    f"Rule {i}: answer the question asked, in as few words as fit." for i in range(40)
)


def sweep(tmp_path: Path, name: str, prompt_cache: str) -> Sweep:
    args: dict[str, Any] = {
        "dataset": [{"id": f"q{i}", "q": f"What is {i} + {i}?"} for i in range(12)],
        "models": [ANTHROPIC, OPENAI],
        "prompt": "{{ q }}",
        "system": SYSTEM,
        "params": {"max_tokens": 16, "temperature": 0},
        "endpoint": "sim",
        "sim": {"time_scale": 0.0, "seed": 4},
        "out": str(tmp_path / name),
        "prompt_cache": prompt_cache,
    }
    return Sweep(**args)


def _rows(run: Any) -> pd.DataFrame:
    return pd.read_parquet(run.path / "results")


def test_a_breakpoint_the_earlier_run_did_not_send_is_no_hit(tmp_path: Path) -> None:
    sweep(tmp_path, "plain", "none").run(progress=False)
    marked = sweep(tmp_path, "marked", "system")
    estimate = marked.estimate()
    # the Anthropic requests now carry the breakpoint: none was sent; OpenAI's are unchanged
    assert estimate.line(ANTHROPIC).cache_hits == 0
    assert estimate.line(OPENAI).cache_hits == 12
    rows = _rows(marked.run(progress=False))
    spent = rows[rows["model"] == ANTHROPIC]["cost_usd"].sum()
    line = estimate.line(ANTHROPIC)
    assert 0 < line.cost_low_usd <= spent <= line.cost_high_usd
    assert rows[rows["model"] == OPENAI]["cost_usd"].sum() == 0  # all answered by the cache


def test_the_same_breakpoint_by_another_mode_is_a_hit(tmp_path: Path) -> None:
    sweep(tmp_path, "system", "system").run(progress=False)
    auto = sweep(tmp_path, "auto", "auto")  # the system prompt is the shared prefix: the same
    estimate = auto.estimate()
    assert estimate.line(ANTHROPIC).cache_hits == 12
    assert estimate.line(ANTHROPIC).cost_high_usd == 0
    rows = _rows(auto.run(progress=False))
    assert rows["cost_usd"].sum() == 0
