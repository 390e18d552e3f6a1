"""Issue 12's numbers, in the engine and the estimate: cache hits are counted per task (a
dataset that repeats a prompt, within a run and across the cache's 500-key look-ups), a
repeated request is sent once, and a cost nobody reported is null in the totals, never 0."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from orkit import Sweep
from orkit.batch import ModelTotals

MODEL = "openai/gpt-4o-mini"
TOPICS = 7
ROWS = 1_100  # > 2 × 500: repeated prompts fall in several of the cache's look-up chunks


def _sweep(tmp_path: Path, **kw: Any) -> Sweep:
    base: dict[str, Any] = {
        # distinct ids, 7 distinct prompts: the shape of a dataset with duplicate questions
        "dataset": [{"id": f"r{i}", "topic": f"topic {i % TOPICS}"} for i in range(ROWS)],
        "models": [MODEL],
        "prompt": "Write about {{ topic }}.",
        "params": {"temperature": 0, "max_tokens": 8},
        "endpoint": "sim",
        "sim": {"time_scale": 0.0, "seed": 5},
        "out": str(tmp_path / "runs"),
        "cache": True,
        "concurrency": 16,
    }
    base.update(kw)
    return Sweep(**base)


def _cached_rows(results: pd.DataFrame) -> int:
    return int(results["cost_source"].eq("cached").sum())


def test_a_repeated_prompt_is_a_hit_for_every_task_after_its_first(tmp_path: Path) -> None:
    sweep = _sweep(tmp_path)
    estimated = sweep.estimate().line(MODEL).cache_hits
    assert estimated == ROWS - TOPICS  # was 0: only answers already stored counted
    run = sweep.run(progress=False)
    results = run.to_pandas()
    # 16 requests in flight at once, yet each distinct request was sent once
    assert _cached_rows(results) == estimated
    assert int(results["cost_source"].ne("cached").sum()) == TOPICS
    assert run.manifest["totals"]["all"]["cached"] == estimated


def test_stored_answers_are_counted_once_per_task_across_look_up_chunks(tmp_path: Path) -> None:
    sweep = _sweep(tmp_path)
    sweep.run(progress=False)
    again = sweep.estimate()
    # the reproduction: 3 chunks of 500 keys each counted the 7 stored answers once: 21 hits
    assert again.line(MODEL).cache_hits == ROWS
    assert again.cost_high_usd == 0
    rerun = sweep.run(progress=False)
    assert _cached_rows(rerun.to_pandas()) == ROWS


def test_repeats_are_separate_answers_each_sent_once(tmp_path: Path) -> None:
    sweep = _sweep(tmp_path, repeats=2, dataset=[{"id": f"r{i}", "topic": "x"} for i in range(9)])
    assert sweep.estimate().line(MODEL).cache_hits == 2 * 9 - 2
    results = sweep.run(progress=False).to_pandas()
    assert _cached_rows(results) == 2 * 9 - 2


def test_a_cost_nobody_reported_is_null_in_the_totals_never_0() -> None:
    totals = ModelTotals()
    totals.add({"status": "ok", "model": MODEL, "cost_usd": None})
    assert (totals.cost_usd, totals.cost_unknown) == (None, 1)
    totals.add({"status": "ok", "model": MODEL, "cost_usd": 0.0, "cost_source": "cached"})
    assert totals.cost_usd == 0.0 and totals.cached == 1  # a hit is known to be free
    totals.add({"status": "ok", "model": MODEL, "cost_usd": 2e-5})
    assert totals.cost_usd == 2e-5 and totals.cost_unknown_rows == 1
    not_sent = ModelTotals()
    not_sent.add({"status": "skipped_budget", "model": MODEL, "cost_usd": None})
    assert not_sent.cost_usd == 0.0 and not_sent.cost_unknown == 0  # nothing was sent
