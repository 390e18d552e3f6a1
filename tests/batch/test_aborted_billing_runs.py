"""Whole runs against an emulator that bills aborted streams as OpenRouter does
(`bill_aborted`): every attempt cut, dropped or stalled on the way is costed from
`/generation`, and the run's recorded spend equals the bill, with or without `usage.cost`
in the answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pandas as pd
import pytest

from orkit import Sweep
from orkit.api import run_sweep_async
from orkit.results import RunDir
from orkit.sim import SIM_API_KEY, SimConfig, serve_in_thread
from tests.report.page_data import page_data

pytestmark = pytest.mark.integration  # on real time: see README, Development

CANCELS = "openai/gpt-4o-mini"  # on OpenAI: bills the tokens generated before the cut
RUNS_ON = "mistralai/mistral-small-3.2-24b-instruct"  # on Mistral: bills the whole answer


def _profile(name: str, slug: str) -> dict[str, Any]:
    return {"verbosity": 200, "providers": [{"name": name, "slug": slug}]}


def _stats(url: str) -> dict[str, Any]:
    root = url.rsplit("/api/v1", 1)[0]
    stats: dict[str, Any] = httpx.get(f"{root}/_sim/stats").json()
    return stats


@pytest.fixture(params=[True, False], ids=["usage-cost", "no-usage-cost"])
def aborting_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """Half the streams end early: cut after the first chunk, dropped or stalled mid-answer,
    or stalled right after the headers (each stall held 50 ms, then dropped)."""
    config = SimConfig.from_dict(
        {
            "seed": 11,
            "time_scale": 0.0,
            "bill_aborted": True,
            "max_stall_s": 0.05,
            "report_usage_cost": request.param,
            "models": {
                CANCELS: _profile("OpenAI", "openai"),
                RUNS_ON: _profile("Mistral", "mistral"),
            },
            "faults": {
                "truncated_stream": 0.1,
                "drop_connection": 0.15,
                "stall": 0.1,
                "stall_after_headers": 0.15,
            },
        }
    )
    with serve_in_thread(config) as url:
        yield url


def _run(tmp_path: Path, url: str) -> RunDir:
    sweep = Sweep(
        dataset=[{"id": f"p{i}", "topic": f"harbor {i}"} for i in range(30)],
        models=[CANCELS, RUNS_ON],
        prompt="Write a note about {{ topic }}.",
        params={"max_tokens": 64, "temperature": 0.7},
        endpoint=url,
        out=str(tmp_path / "runs"),
        cache=False,
        concurrency=8,
        routing={"base_backoff_s": 0.001, "max_backoff_s": 0.01, "max_attempts": 20},
    )
    return anyio.run(lambda: run_sweep_async(sweep, api_key=SIM_API_KEY))


def test_the_spend_of_a_run_with_aborted_streams_equals_the_bill(
    tmp_path: Path, aborting_url: str
) -> None:
    done = _run(tmp_path, aborting_url)
    stats = _stats(aborting_url)
    totals = json.loads((done.path / "manifest.json").read_text())["totals"]["all"]
    attempts = pd.read_parquet(done.path / "attempts")
    # the scenario bites: answers never received were billed...
    assert stats["billed_undelivered_count"] > 0 and stats["billed_undelivered_usd"] > 0
    # ...among them streams stalled before their first event, on the provider that bills
    # the whole answer: the header's generation id is all that names them
    header_only = attempts[(attempts["model"] == RUNS_ON) & (attempts["error_type"] == "timeout")]
    broken = attempts[attempts["action"] != "ok"]
    assert broken["generation_id"].notna().all()  # every broken attempt names its generation
    assert (broken["cost_source"] == "generation").all()
    assert (broken[broken["model"] == RUNS_ON]["cost_usd"] > 0).all()
    assert header_only.empty or (header_only["cost_usd"] > 0).all()
    assert totals["cost_unknown_rows"] == 0 and totals["billed_attempts_unknown"] == 0
    assert abs(totals["cost_usd"] - stats["billed_total_usd"]) <= 1e-9


def test_the_summary_and_report_say_what_failed_attempts_cost_beside_the_rows(
    tmp_path: Path, aborting_url: str
) -> None:
    # The cost column sums rows; aborted attempts billed on the way are in the run's
    # total only, so the table would not add up to it without this line saying why.
    import io

    from orkit import Run
    from orkit._format import billed_attempts_text, usd
    from orkit.cli._table import print_summary
    from orkit.report import write_report

    done = _run(tmp_path, aborting_url)
    run = Run(done.path)
    totals = run.manifest["totals"]["all"]
    rows_usd = float(pd.read_parquet(done.path / "results")["cost_usd"].sum())
    assert totals["billed_attempts_usd"] > 0
    assert abs(totals["cost_usd"] - rows_usd - totals["billed_attempts_usd"]) <= 1e-9
    out = io.StringIO()
    print_summary(run.summary(), run.manifest, file=out)
    line = next(x for x in out.getvalue().splitlines() if x.startswith("failed attempts billed"))
    assert line.startswith(f"failed attempts billed: {usd(totals['billed_attempts_usd'])} (")
    assert line.endswith("in the run's total, not in the cost column")
    (header,) = page_data(write_report(done, tmp_path / "r.html").read_text())["runs"]
    assert header["billed_attempts"] == billed_attempts_text(totals)
    billed = usd(totals["billed_attempts_usd"])
    assert header["billed_attempts"].startswith(f"failed attempts billed: {billed} (")
    # a run without such attempts shows no line at all
    assert billed_attempts_text({"cost_usd": 1.0, "billed_attempts_usd": 0.0}) is None
