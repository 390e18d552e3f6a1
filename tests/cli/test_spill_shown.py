"""A free model's requests past the day's free quota spill to its paid fallback (issue 18):
OpenRouter answers them with the next model of the `models` list and bills it, so a free
contestant shows a cost. The run's end says why, one line per free and paid model."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from orkit import Run
from orkit.cli import main
from orkit.cli._spill import Spill, free_spills, spill_line

FREE, PAID = "openai/gpt-oss-20b:free", "openai/gpt-4o-mini"


def test_spilled_rows_are_a_free_models_rows_a_paid_model_answered() -> None:
    table = pa.table(
        {
            "model": [FREE, FREE, FREE, FREE, PAID, "openrouter/free", FREE],
            "served_model": [FREE, PAID, PAID, None, PAID, "meta/llama:free", "x/y"],
            "cost_usd": [0.0, 1e-5, 2e-5, None, 3e-5, 0.0, None],
        }
    )
    paid, unknown = free_spills(table)
    assert paid == Spill(FREE, PAID, rows=2, answered=4, cost_usd=paid.cost_usd)
    assert paid.cost_usd == pytest.approx(3e-5)
    assert unknown == Spill(FREE, "x/y", rows=1, answered=4, cost_usd=None)  # unknown, not $0
    line = spill_line(Spill(FREE, PAID, rows=30, answered=80, cost_usd=0.000137))
    assert line == (f"spill: 30 of 80 {FREE} requests were answered by paid {PAID} ($0.000137)")
    assert free_spills(pa.table({"model": [PAID], "served_model": [PAID], "cost_usd": [1.0]})) == []


def test_the_runs_end_says_which_requests_spilled(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    items = tmp_path / "items.jsonl"
    rows = [{"id": f"q{i}", "question": f"What is {i} + 5?"} for i in range(56)]
    items.write_text("".join(json.dumps(r) + "\n" for r in rows))
    spec = tmp_path / "spec.toml"
    spec.write_text(
        f'dataset = "items.jsonl"\nmodels = ["{FREE}"]\nendpoint = "sim"\n'
        f'out = "{tmp_path / "runs"}"\n[prompt]\ntemplate = "{{{{ question }}}}"\n'
        f'[params]\nmax_tokens = 8\nmodels = ["{PAID}"]\n'
        # 50 free requests a day (nothing purchased); a scaled minute of 6 ms keeps the
        # free per-minute limit from pacing the run
        "[sim]\ntime_scale = 0.0\nwindow_scale = 0.0001\nlifetime_purchases_usd = 0.0\n"
    )
    assert main(["run", str(spec), "--no-estimate", "--no-report", "--progress", "none"]) == 0
    out = capsys.readouterr().out
    frame = Run(next((tmp_path / "runs").iterdir())).to_pandas()
    spilled = frame[frame["served_model"] == PAID]
    assert 0 < len(spilled) < len(frame)
    (line,) = [x for x in out.splitlines() if x.startswith("spill: ")]
    assert line.startswith(
        f"spill: {len(spilled)} of {len(frame)} {FREE} requests were answered by paid {PAID} ($"
    )
