"""What a run records as cost: `usage.cost` when given; else `GET /generation` (its 404s
retried); else the token counts at the listed prices; else unknown (null, never 0); BYOK
rows apart in the totals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

import orkit.cost._fill as costfill
from orkit import Sweep
from orkit.batch._totals import RunTotals
from orkit.catalog import Catalog
from orkit.results import ResultRow
from orkit.sim import SIM_API_KEY, SimConfig, serve_in_thread

A, B = "openai/gpt-4o-mini", "deepseek/deepseek-v3.2"


def billed(url: str) -> float:
    root = url.rsplit("/api/v1", 1)[0]
    return float(httpx.get(f"{root}/_sim/stats").json()["billed_total_usd"])


@pytest.fixture
def no_cost_url() -> Iterator[str]:
    """An emulator whose responses carry no `usage.cost`; stats appear 0.2 s late."""
    config = SimConfig(
        time_scale=0.0, window_scale=1.0, generation_stats_delay_s=0.2, report_usage_cost=False
    )
    with serve_in_thread(config) as url:
        yield url


def make(tmp_path: Path, url: str, **kw: Any) -> Sweep:
    items = [{"id": f"q{i}", "question": f"What is {i} + 5?"} for i in range(30)]
    base: dict[str, Any] = {
        "dataset": items,
        "models": [A, B],
        "prompt": "{{ question }}",
        "params": {"max_tokens": 8},
        "endpoint": url,
        "out": str(tmp_path / "runs"),
        "cache": False,
    }
    base.update(kw)
    return Sweep(**base)


def test_missing_usage_cost_is_read_from_generation_to_the_cent(
    tmp_path: Path, no_cost_url: str
) -> None:
    run = make(tmp_path, no_cost_url).run(api_key=SIM_API_KEY, progress=False)
    results = pd.read_parquet(run.path / "results")
    assert (results["cost_source"] == "generation").all()
    assert "is_byok" in results.columns and not results["is_byok"].any()
    assert results["cost_usd"].notna().all()
    assert abs(results["cost_usd"].sum() - billed(no_cost_url)) < 1e-9
    assert run.manifest["costs_filled"] == {"generation": 60}
    assert abs(run.manifest["totals"]["all"]["cost_usd"] - billed(no_cost_url)) < 1e-9


def test_without_generation_stats_the_cost_comes_from_prices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = costfill.CostLookup(delays_s=(0.01, 0.01), give_up_after=2)
    monkeypatch.setattr(costfill, "CostLookup", lambda: fast)
    config = SimConfig(
        time_scale=0.0, window_scale=1.0, generation_stats_delay_s=1e9, report_usage_cost=False
    )
    with serve_in_thread(config) as url:
        run = make(tmp_path, url).run(api_key=SIM_API_KEY, progress=False)
        results = pd.read_parquet(run.path / "results")
        assert (results["cost_source"] == "estimated").all()
        # each row: its tokens at the model's listed prices, worked out here from the catalog
        catalog = Catalog.bundled()
        for row in results.to_dict("records"):
            info = catalog.get(row["model"])
            assert info is not None and row["completion_tokens"] > 0
            listed = (
                row["prompt_tokens"] * info.prompt_price
                + row["completion_tokens"] * info.completion_price
                + (info.request_price or 0.0)
            )
            assert row["cost_usd"] == pytest.approx(listed, rel=1e-9), row["task_key"]
        # the emulator bills each serving provider's own price (Azure's is not OpenAI's),
        # so the listed prices come within a few percent of the bill, not to the cent
        assert results["cost_usd"].sum() == pytest.approx(billed(url), rel=0.05)
    assert run.manifest["costs_filled"] == {"estimated": 60}


def test_unknown_cost_stays_null_and_counts_apart() -> None:
    totals = RunTotals()
    base: ResultRow = {"status": "ok", "model": A, "cost_source": "unknown"}
    totals.add({**base, "cost_usd": None})
    totals.add({**base, "cost_usd": 0.5, "cost_source": "reported"})
    assert totals.all.cost_usd == 0.5 and totals.all.cost_unknown_rows == 1


def test_byok_rows_are_kept_apart_in_totals() -> None:
    totals = RunTotals()
    totals.add({"status": "ok", "model": A, "cost_usd": 0.01, "cost_source": "reported"})
    totals.add(
        {
            "status": "ok",
            "model": A,
            "cost_usd": 0.0005,
            "cost_source": "reported",
            "is_byok": True,
            "upstream_cost_usd": 0.01,
        }
    )
    per = totals.by_model[A]
    assert per.byok_rows == 1 and per.byok_fee_usd == pytest.approx(0.0005)
    assert per.byok_upstream_usd == pytest.approx(0.01)
    assert per.cost_usd == pytest.approx(0.0105)  # what OpenRouter charged, fees included


def test_response_rows_carry_byok_and_upstream_cost() -> None:
    from orkit.batch._rows import Timing, ok_row
    from orkit.batch._tasks import Task
    from orkit.types import ChatRequest, ChatResponse, Usage

    task = Task(
        key="k",
        item_index=0,
        item_id="0",
        prompt_id="default",
        model=A,
        params_json="{}",
        repeat=0,
        messages_json="[]",
        request=ChatRequest(model=A, messages=()),
        fields={},
    )
    usage = Usage(
        prompt_tokens=3,
        completion_tokens=2,
        cost_usd=0.001,
        is_byok=True,
        upstream_inference_cost_usd=0.02,
    )
    response = ChatResponse(generation_id="g", model=A, provider="OpenAI", content="x", usage=usage)
    row = ok_row(task, "run", response, Timing(0, 0, 0, 0))
    assert row["is_byok"] is True and row["upstream_cost_usd"] == 0.02
