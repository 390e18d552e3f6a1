"""Issue 12: two judge scorers on one model were two estimate lines both labelled
`openai/gpt-4o-mini (judge)`, and the manifest set each one's estimate beside both judges'
spend under one key. Each judge line is now named by its scorer."""

from __future__ import annotations

from pathlib import Path

import pytest

from orkit import Run
from orkit.cli import main

from .first_contact_runs import JUDGE, finished_run, write_spec


def test_the_estimate_names_each_judge_by_its_scorer(capsys, tmp_path: Path) -> None:
    spec = write_spec(tmp_path)
    assert main(["estimate", str(spec)]) == 0
    names = [line.split("  ")[0] for line in capsys.readouterr().out.splitlines()]
    assert f"{JUDGE} (judge: judge_reference)" in names
    assert f"{JUDGE} (judge: rubric)" in names
    assert f"{JUDGE} (judge)" not in names


def test_each_judge_estimate_sits_beside_its_own_spend(tmp_path: Path) -> None:
    run = Run(finished_run(tmp_path))
    spent = run.manifest["judges"]["by_scorer"]
    for scorer in ("judge_reference", "rubric"):
        side = run.manifest["cost"][f"judge: {JUDGE} ({scorer})"]
        assert side["actual_usd"] == pytest.approx(spent[scorer]["cost_usd"])
    lines = {line["scorer"]: line for line in run.manifest["estimate"]["lines"] if line["scorer"]}
    assert set(lines) == {"judge_reference", "rubric"}
