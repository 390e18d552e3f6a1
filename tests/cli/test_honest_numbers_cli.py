"""What the CLI and the report show of cost and cache (issue 12, "numbers that mislead"): a
cost nobody reported reads "unknown" in the completion line, `orkit runs`, the report card
and the manifest (null), never `$0.0000`; a fully cached re-run says it came from the cache
instead of a bare "–"; one run is "1 run"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from orkit.cli import main
from tests.report.page_data import page_data

if TYPE_CHECKING:
    from .conftest import RunArgs

MODEL = "openai/gpt-4o-mini"


def _flags(tmp_path: Path, *extra: str) -> tuple[str, ...]:
    return ("--report", str(tmp_path / "report.html"), "--no-estimate", "--yes", *extra)


def _report_run(path: Path) -> dict[str, Any]:
    """The report's header of its one run (the payload's `runs[0]`)."""
    (header,) = page_data(path.read_text("utf-8"))["runs"]
    assert isinstance(header, dict)
    return header


def test_a_cost_nobody_reported_is_unknown_everywhere_never_0(
    tmp_path: Path, no_usage_url: str, run_args: RunArgs, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(run_args(no_usage_url, *_flags(tmp_path))) == 0
    out = capsys.readouterr().out
    assert "completed: 4 tasks, 0 errors, cost unknown in " in out
    summary_row = next(line for line in out.splitlines() if line.startswith(MODEL))
    assert summary_row.endswith("unknown")
    (manifest_path,) = (tmp_path / "runs").glob("*/manifest.json")
    manifest = json.loads(manifest_path.read_text())
    assert manifest["totals"]["all"]["cost_usd"] is None  # was 0.0
    assert manifest["totals"]["by_model"][MODEL]["cost_usd"] is None
    assert manifest["cost"][MODEL]["actual_usd"] is None
    actual = _report_run(tmp_path / "report.html")["actual"]
    assert actual["cost_usd"] is None and actual["tasks"] == 4  # unknown, not 0

    assert main(["runs", str(tmp_path / "runs")]) == 0
    listing = capsys.readouterr().out
    assert listing.splitlines()[2].endswith("cost unknown")
    assert listing.splitlines()[-1] == f"1 run in {tmp_path / 'runs'}"  # was "1 runs"
    assert main(["runs", str(tmp_path / "runs"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["cost_usd"] is None
    assert "$0.0000" not in out + listing


@pytest.mark.integration
def test_a_fully_cached_rerun_says_it_was_served_from_the_cache(
    tmp_path: Path, run_args: RunArgs, capsys: pytest.CaptureFixture[str]
) -> None:
    args = run_args("sim", *_flags(tmp_path, "--param", "temperature=0"))
    assert main(args) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert "cached" not in header  # nothing came from the cache: the table looks as ever
    assert main(args) == 0
    again = capsys.readouterr().out
    assert "completed: 4 tasks (all 4 from the cache, $0), 0 errors, $0 in " in again
    header, _, row = again.splitlines()[:3]
    assert header.split() == ["model", "rows", "errors", "cached", "latency", "cost"]
    assert row.split() == [MODEL, "4", "0", "4", "cached", "$0"]  # latency was "–"
    actual = _report_run(tmp_path / "report.html")["actual"]
    assert (actual["tasks"], actual["cached"], actual["cost_usd"]) == (4, 4, 0.0)


def test_an_estimate_on_a_server_that_lists_no_prices_says_unknown_not_0(
    tmp_path: Path, no_usage_url: str, run_args: RunArgs, capsys: pytest.CaptureFixture[str]
) -> None:
    # dataset, prompt, model, URL
    args = ["estimate", *run_args(no_usage_url, *_flags(tmp_path))[1:9]]
    assert main(args) == 0
    table = capsys.readouterr().out
    total = next(line for line in table.splitlines() if line.startswith("TOTAL"))
    assert total.split()[5:8] == ["unknown", "unknown", "unknown"]  # low, expected, high
    assert "costs are unknown: the server lists no prices" in table
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["prices_known"] is False
    assert data["total"]["cost_expected_usd"] is None  # unknown is null, never 0
    assert data["lines"][0]["cost_high_usd"] is None
