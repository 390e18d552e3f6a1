"""BYOK rows shown apart: the end-of-run lines, `orkit runs` (table and `--json`) and the
report's header say how many rows were served with your own provider key, OpenRouter's
fee on them (in the spend) and what your provider billed (not in the spend)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orkit import Run
from orkit._format import byok_text, usd
from orkit.cli import main
from tests.report.page_data import page_data

from .first_contact_runs import write_spec


def byok_spec(folder: Path) -> Path:
    spec = write_spec(folder, judges=False, models='models = ["openai/gpt-4o-mini"]\n')
    spec.write_text(spec.read_text() + 'byok_providers = ["openai"]\n')
    return spec


def test_byok_rows_shown_apart(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    assert main(["run", str(byok_spec(tmp_path)), "--no-estimate", "--report", str(report)]) == 0
    out = capsys.readouterr().out
    run = Run(next((tmp_path / "runs").iterdir()))
    totals = run.manifest["totals"]["all"]
    assert totals["byok_rows"] == 12
    fee, upstream = totals["byok_fee_usd"], totals["byok_upstream_usd"]
    assert fee == pytest.approx(0.05 * upstream, rel=1e-9)
    assert totals["cost_usd"] == pytest.approx(fee)  # the spend is OpenRouter's part only
    (line,) = [x for x in out.splitlines() if x.startswith("BYOK:")]
    assert line == byok_text(totals)
    assert usd(fee) in line and usd(upstream) in line

    assert main(["runs", str(tmp_path / "runs"), "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["byok_rows"] == 12
    assert entry["byok_fee_usd"] == pytest.approx(fee)
    assert entry["byok_upstream_usd"] == pytest.approx(upstream)
    assert main(["runs", str(tmp_path / "runs")]) == 0
    assert f"(+{usd(upstream)} BYOK upstream)" in capsys.readouterr().out

    page = page_data(report.read_text())
    (header,) = page["runs"]
    assert header["byok"] == str(byok_text(totals)).removeprefix("BYOK: ")  # the card labels it
    (contestant,) = page["contestants"]
    assert contestant["byok_rows"] == 12
    assert contestant["byok_upstream_usd"] == pytest.approx(upstream)


def test_no_byok_line_without_byok_rows(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    spec = write_spec(tmp_path, judges=False, models='models = ["openai/gpt-4o-mini"]\n')
    assert main(["run", str(spec), "--no-estimate", "--no-report"]) == 0
    assert "BYOK" not in capsys.readouterr().out
    assert main(["runs", str(tmp_path / "runs"), "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["byok_rows"] == 0
    assert byok_text({"byok_rows": 0}) is None
