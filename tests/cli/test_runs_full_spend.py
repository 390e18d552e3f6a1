"""Issue 12: `orkit runs` listed a judged run's answers' cost alone ($0.000118 where its
judges had cost another $0.00215). It lists the run's full spend, answers + judges, as the
judges' line under the summary and the report's total card say, and a re-score that
replaces judged scores does not make the spend behind them vanish."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orkit import Run
from orkit._format import usd
from orkit.cli import main
from tests.report.page_data import page_data

from .first_contact_runs import write_spec


def listed(capsys: pytest.CaptureFixture[str], runs: Path) -> dict[str, object]:
    assert main(["runs", str(runs), "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    return dict(entry)


def table_cost(capsys: pytest.CaptureFixture[str], runs: Path) -> str:
    assert main(["runs", str(runs)]) == 0
    return capsys.readouterr().out.splitlines()[2].split()[-1]


def test_runs_lists_answers_plus_judges(capsys, tmp_path: Path) -> None:
    spec = write_spec(tmp_path)
    report = tmp_path / "report.html"
    assert main(["run", str(spec), "--no-estimate", "--report", str(report)]) == 0
    out = capsys.readouterr().out
    run = Run(next((tmp_path / "runs").iterdir()))
    answers = run.manifest["totals"]["all"]["cost_usd"]
    judges = run.manifest["judges"]["cost_usd"]
    assert answers > 0 and judges > 0
    entry = listed(capsys, tmp_path / "runs")
    assert entry["cost_usd"] == pytest.approx(answers + judges)
    assert entry["answers_cost_usd"] == pytest.approx(answers)
    assert entry["judges_cost_usd"] == pytest.approx(judges)
    total = usd(answers + judges)
    assert table_cost(capsys, tmp_path / "runs") == total
    (judge_line,) = [line for line in out.splitlines() if line.startswith("judges:")]
    assert judge_line.endswith(f"{usd(judges)} (answers + judges: {total})")
    (header,) = page_data(report.read_text())["runs"]
    # the report's spend is answers + judges too (to the payload's 4 significant digits)
    assert header["actual"]["cost_usd"] == pytest.approx(answers + judges, rel=1e-3)
    assert header["actual"]["cost_usd"] != pytest.approx(answers, rel=1e-3)
    assert header["judges"]["cost"] == usd(judges)


def test_a_rescore_keeps_the_spend_of_the_scores_it_replaced(capsys, tmp_path: Path) -> None:
    spec = write_spec(tmp_path)
    assert main(["run", str(spec), "-q", "--no-report", "--no-estimate"]) == 0
    capsys.readouterr()
    path = next((tmp_path / "runs").iterdir())
    before = listed(capsys, tmp_path / "runs")
    spent = Run(path).manifest["judges"]["cost_usd"]
    # the same judges again: every reply from the cache, the new scores cost $0
    assert main(["rescore", str(path), "--no-report"]) == 0
    assert "0 judge requests sent, 48 from the cache, $0" in capsys.readouterr().out
    manifest = Run(path).manifest
    assert manifest["judges"]["cost_usd"] == 0
    assert manifest["judges_replaced"]["cost_usd"] == pytest.approx(spent)
    after = listed(capsys, tmp_path / "runs")
    assert after["cost_usd"] == pytest.approx(before["cost_usd"])
    assert after["judges_cost_usd"] == pytest.approx(spent)
