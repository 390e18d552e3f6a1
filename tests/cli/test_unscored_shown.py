"""Score rows the budget left unscored are said (issue 18's new-user trial): a judge's or an
embedding's request that would cross the budget is not sent and its row is "not judged",
so the scorer's mean stands on fewer rows than it seems. The run's end says how many per
scorer and how to score them, `orkit runs` marks the run, the report's run card says it;
a resume with a larger budget scores them and the line goes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from orkit import Run
from orkit._format import unscored_lines
from orkit.batch import judge_spend
from orkit.cli import main
from tests.report.page_data import page_data

from .first_contact_runs import JUDGE, write_items

FREE = "openai/gpt-oss-20b:free"  # the answers cost nothing: the budget is the scorers'


def spec_with_priced_scorers(folder: Path) -> Path:
    write_items(folder)
    spec = folder / "spec.toml"
    spec.write_text(
        f'dataset = "items.jsonl"\nmodels = ["{FREE}"]\nendpoint = "sim"\n'
        f'out = "{folder / "runs"}"\n'
        '[prompt]\ntemplate = "{{ question }}"\n[params]\ntemperature = 0\nmax_tokens = 8\n'
        '[[scorers]]\nkind = "similar"\nexpected = "answer"\n'
        f'[[scorers]]\nkind = "judge_reference"\nmodel = "{JUDGE}"\nexpected = "answer"\n'
        "[sim]\ntime_scale = 0.0\nseed = 3\n"
    )
    return spec


def test_rows_the_budget_left_unscored_are_said_until_a_resume_scores_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    spec = spec_with_priced_scorers(tmp_path)
    report = tmp_path / "report.html"
    argv = ["run", str(spec), "--no-estimate", "--budget", "1e-9", "--report", str(report)]
    assert main(argv) == 0
    err = capsys.readouterr().err
    (run_dir,) = (tmp_path / "runs").iterdir()
    run = Run(run_dir)
    rows = 12  # write_items: one answer each
    judges = run.manifest["judges"]
    assert judges["over_budget_rows"] == 2 * rows  # not one judge or embedding fitted
    for scorer in ("similar", "judge_reference"):
        line = judges["by_scorer"][scorer]
        assert line["over_budget_rows"] == rows and line["over_budget_usd"] > 0
        said = [x for x in err.splitlines() if x.startswith(f"{scorer}: ")]
        assert said == [
            f"{scorer}: {rows} of {rows} rows not scored: over budget (could cost "
            f"{said[0].split('(could cost ')[1].split(')')[0]}); "
            f"orkit resume {run_dir} --budget USD scores them"
        ]

    assert main(["runs", str(tmp_path / "runs")]) == 0
    assert f"completed ({2 * rows} not scored)" in capsys.readouterr().out
    assert main(["runs", str(tmp_path / "runs"), "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["status"] == "completed" and entry["unscored_rows"] == 2 * rows
    (header,) = page_data(report.read_text())["runs"]
    assert header["not_scored"] == "; ".join(unscored_lines(judges))

    assert main(["resume", str(run_dir), "--budget", "1", "--no-report"]) == 0
    assert "not scored" not in capsys.readouterr().err
    again = Run(run_dir)
    assert again.manifest["judges"]["over_budget_rows"] == 0
    assert again.scores()["score"].notna().all()


def test_the_count_reads_the_rows_details() -> None:
    def row(scorer: str, score: float | None, detail: str) -> Any:
        return {"scorer": scorer, "score": score, "detail": detail, "judge_model": "m/j"}

    spend = judge_spend(
        [
            row("s", None, "not judged: over budget (could cost $0.0012)"),
            row("s", None, "not judged: over budget (could cost $1,200.50)"),
            row("s", 1.0, "cosine 1.0000"),
            row("t", None, "not judged: over budget: the budget of $1 is spent"),  # sent
            row("t", None, "not judged: the judge request failed"),  # not the budget
        ]
    )
    s, t = spend["by_scorer"]["s"], spend["by_scorer"]["t"]
    assert (s["over_budget_rows"], s["over_budget_usd"]) == (2, pytest.approx(1200.5012))
    assert (t["over_budget_rows"], t["over_budget_usd"]) == (1, None)  # its worst unknown
    assert spend["over_budget_rows"] == 3
    assert unscored_lines(spend) == [
        "s: 2 of 3 rows not scored: over budget (could cost $1,200.50)",
        "t: 1 of 2 rows not scored: over budget",
    ]
    assert unscored_lines({}) == [] and unscored_lines(None) == []
