"""BYOK end to end on the emulator: a provider the account has its own key for answers
`is_byok` with OpenRouter's fee as `usage.cost` and the provider's price apart; the run
stores both per row, keeps them apart in its totals, and its spend equals the emulator's
bill for OpenRouter's part (the fee)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pandas as pd
import pytest

from orkit import Run, Sweep
from orkit.api import run_sweep_async
from orkit.results import RunDir
from orkit.sim import SIM_API_KEY, SimConfig, serve_in_thread
from orkit.stats import summarize

A = "openai/gpt-4o-mini"


def stats(url: str) -> dict[str, Any]:
    root = url.rsplit("/api/v1", 1)[0]
    out: dict[str, Any] = httpx.get(f"{root}/_sim/stats").json()
    return out


@pytest.fixture(scope="module")
def byok_url() -> Iterator[str]:
    config = SimConfig.from_dict({"seed": 5, "time_scale": 0.0, "byok_providers": ["openai"]})
    with serve_in_thread(config) as url:
        yield url


def run(tmp_path: Path, url: str, *, stream: bool) -> RunDir:
    items = [{"id": f"p{i}", "topic": f"topic {i}"} for i in range(12)]
    sweep = Sweep(
        dataset=items,
        models=[A],
        prompt="Write a note about {{ topic }}.",
        params={"max_tokens": 64},
        stream=stream,
        endpoint=url,
        out=str(tmp_path / ("stream" if stream else "json")),
        cache=False,
        concurrency=4,
    )
    return anyio.run(lambda: run_sweep_async(sweep, api_key=SIM_API_KEY))


@pytest.mark.parametrize("stream", [False, True])
def test_byok_rows_carry_fee_and_upstream_apart(
    tmp_path: Path, byok_url: str, stream: bool
) -> None:
    before = stats(byok_url)
    rundir = run(tmp_path, byok_url, stream=stream)
    after = stats(byok_url)
    frame = pd.read_parquet(rundir.path / "results")
    assert len(frame) == 12
    assert frame["is_byok"].all()
    upstream = frame["upstream_cost_usd"]
    assert (upstream > 0).all()
    # OpenRouter's charge is its 5% fee on what the provider billed
    assert frame["cost_usd"].to_numpy() == pytest.approx(0.05 * upstream.to_numpy(), rel=1e-9)
    billed = after["billed_total_usd"] - before["billed_total_usd"]
    assert frame["cost_usd"].sum() == pytest.approx(billed, abs=1e-9)
    upstream_billed = after["byok_upstream_usd"] - before["byok_upstream_usd"]
    assert upstream.sum() == pytest.approx(upstream_billed, abs=1e-9)
    assert after["billed_byok_count"] - before["billed_byok_count"] == 12


def test_non_byok_provider_pays_in_full(tmp_path: Path) -> None:
    config = SimConfig.from_dict({"seed": 5, "time_scale": 0.0, "byok_providers": ["anthropic"]})
    with serve_in_thread(config) as url:
        rundir = run(tmp_path, url, stream=False)
        billed = stats(url)
    frame = pd.read_parquet(rundir.path / "results")
    assert not frame["is_byok"].any()
    assert frame["cost_usd"].to_numpy() == pytest.approx(frame["upstream_cost_usd"].to_numpy())
    assert billed["billed_byok_count"] == 0
    assert billed["byok_upstream_usd"] == 0


def test_summary_keeps_byok_apart(tmp_path: Path, byok_url: str) -> None:
    rundir = run(tmp_path, byok_url, stream=False)
    frame = pd.read_parquet(rundir.path / "results")
    (line,) = Run(rundir.path).summary().to_dict("records")
    assert line["byok_rows"] == 12
    assert line["byok_fee_usd"] == pytest.approx(frame["cost_usd"].sum(), rel=1e-9)
    assert line["byok_upstream_usd"] == pytest.approx(frame["upstream_cost_usd"].sum(), rel=1e-9)
    assert line["cost_usd"] == pytest.approx(line["byok_fee_usd"])
    # the same figures from frames as from the run directory
    (again,) = summarize(frame).to_dict("records")
    assert again["byok_rows"] == 12
    assert again["byok_upstream_usd"] == pytest.approx(line["byok_upstream_usd"])


def test_summary_without_byok_rows_has_no_byok_columns(tmp_path: Path) -> None:
    with serve_in_thread(SimConfig(seed=5, time_scale=0.0)) as url:
        rundir = run(tmp_path, url, stream=False)
    summary = Run(rundir.path).summary()
    assert not {"byok_rows", "byok_fee_usd", "byok_upstream_usd"} & set(summary.columns)


def test_byok_answer_and_generation_record(byok_url: str) -> None:
    headers = {"Authorization": f"Bearer {SIM_API_KEY}"}
    body = {"model": A, "messages": [{"role": "user", "content": "Say hi."}], "max_tokens": 16}
    answer = httpx.post(f"{byok_url}/chat/completions", json=body, headers=headers).json()
    usage = answer["usage"]
    assert answer["provider"] == "OpenAI"  # BYOK endpoints are tried first
    assert usage["is_byok"] is True
    upstream = usage["cost_details"]["upstream_inference_cost"]
    assert usage["cost"] == pytest.approx(0.05 * upstream, rel=1e-9)
    record = httpx.get(
        f"{byok_url}/generation", params={"id": answer["id"]}, headers=headers
    ).json()["data"]
    assert record["is_byok"] is True
    assert record["total_cost"] == pytest.approx(usage["cost"])
    assert record["upstream_inference_cost"] == pytest.approx(upstream)
    assert record["provider_responses"][0]["is_byok"] is True
