"""Whole runs against the emulator: broken-but-billed attempts are found, costed from
`/generation` and counted; the budget holds under truncated streams and 500s, and at a
peak-hour price override."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import httpx
import pandas as pd
import pytest

from orkit import Sweep
from orkit.api import run_sweep_async
from orkit.catalog import Catalog
from orkit.cost import Prices, worst_case_usd
from orkit.results import RunDir
from orkit.sim import SIM_API_KEY, SimConfig, serve_in_thread

A = "openai/gpt-4o-mini"
PEAK = "deepseek/deepseek-v4-pro-0813"  # 2x prices 01:00-04:00 UTC
TWO_AM = datetime(2026, 12, 6, 2, 0, tzinfo=UTC).timestamp()


def root(url: str) -> str:
    return url.rsplit("/api/v1", 1)[0]


def billed(url: str) -> float:
    return float(httpx.get(f"{root(url)}/_sim/stats").json()["billed_total_usd"])


def sweep(tmp_path: Path, url: str, model: str, **kw: Any) -> Sweep:
    topics = ["owls", "rivers", "comets", "harbors", "violins"]
    items = [{"id": f"p{i}", "topic": topics[i % 5] + f" {i}"} for i in range(20)]
    base: dict[str, Any] = {
        "dataset": items,
        "models": [model],
        "prompt": "Write a note about {{ topic }}.",
        "params": {"max_tokens": 96, "temperature": 0.7},
        "endpoint": url,
        "out": str(tmp_path / "runs"),
        "cache": False,
        "concurrency": 8,
    }
    base.update(kw)
    return Sweep(**base)


def listed_worst_total(s: Sweep, model: str) -> float:
    """The run's worst case at the listed price, ignoring overrides (what was reserved
    before the shared price rule)."""
    info = Catalog.bundled().get(model)
    assert info is not None
    prices = Prices(prompt=info.prompt_price or 0.0, completion=info.completion_price or 0.0)
    return sum(worst_case_usd(t.request, prices) for t in s.tasks())


def run(s: Sweep) -> RunDir:
    return anyio.run(lambda: run_sweep_async(s, api_key=SIM_API_KEY))


@pytest.fixture(scope="module")
def truncating_url() -> Iterator[str]:
    """30% of streams cut after their first chunk (billed in full), 5% answered 500."""
    config = SimConfig.from_dict(
        {
            "seed": 3,
            "time_scale": 0.0,
            "models": {A: {"verbosity": 300}},
            "faults": {"truncated_stream": 0.3, "status": {"500": 0.05}},
        }
    )
    with serve_in_thread(config) as url:
        yield url


@pytest.fixture(scope="module")
def peak_url() -> Iterator[str]:
    """The emulated clock at 02:00 UTC, inside the model's 2x price window."""
    config = SimConfig.from_dict(
        {"seed": 4, "time_scale": 0.0, "start_time": TWO_AM, "models": {PEAK: {"verbosity": 300}}}
    )
    with serve_in_thread(config) as url:
        yield url


def test_truncated_streams_are_costed_from_generation_and_counted(
    tmp_path: Path, truncating_url: str
) -> None:
    httpx.post(f"{root(truncating_url)}/_sim/reset")
    done = run(sweep(tmp_path, truncating_url, A))
    manifest = json.loads((done.path / "manifest.json").read_text())
    attempts = pd.read_parquet(done.path / "attempts")
    cut = attempts[(attempts["action"] != "ok") & attempts["generation_id"].notna()]
    assert len(cut) > 0  # the faults were met
    assert (cut["cost_source"] == "generation").all() and (cut["cost_usd"] > 0).all()
    # a 500 began no generation: no id, no cost, never a 0
    failed = attempts[attempts["http_status"] == 500]
    assert failed["generation_id"].isna().all() and failed["cost_usd"].isna().all()
    totals = manifest["totals"]["all"]
    assert manifest["costs_filled"]["attempts_generation"] == len(cut)
    assert totals["billed_attempts_unknown"] == 0
    assert totals["billed_attempts_usd"] == pytest.approx(cut["cost_usd"].sum(), abs=1e-12)
    # everything the server billed is in the manifest, and nothing twice
    assert totals["cost_usd"] == pytest.approx(billed(truncating_url), abs=1e-9)


@pytest.mark.parametrize("fraction", [0.15, 0.4, 0.8])
def test_the_budget_holds_under_truncated_streams(
    tmp_path: Path, truncating_url: str, fraction: float
) -> None:
    httpx.post(f"{root(truncating_url)}/_sim/reset")
    s = sweep(tmp_path, truncating_url, A)
    budget = listed_worst_total(s, A) * fraction
    done = run(replace(s, budget_usd=budget))
    spent = billed(truncating_url)
    assert spent <= budget + 1e-12
    manifest = json.loads((done.path / "manifest.json").read_text())
    assert manifest["totals"]["all"]["cost_usd"] == pytest.approx(spent, abs=1e-9)


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.9])
def test_the_budget_holds_inside_a_peak_price_window(
    tmp_path: Path, peak_url: str, fraction: float
) -> None:
    httpx.post(f"{root(peak_url)}/_sim/reset")
    s = sweep(tmp_path, peak_url, PEAK)
    budget = listed_worst_total(s, PEAK) * fraction
    done = run(replace(s, budget_usd=budget))
    spent = billed(peak_url)
    assert spent <= budget + 1e-12
    assert json.loads((done.path / "manifest.json").read_text())["journal_counts"].get("ok")


class _NoonClock:
    """12:00 UTC: outside the model's 2x windows (01:00-04:00, 06:00-10:00)."""

    def now(self) -> float:
        return 0.0

    def wall(self) -> float:
        return datetime(2026, 12, 6, 12, 0, tzinfo=UTC).timestamp()

    async def sleep(self, seconds: float) -> None:  # pragma: no cover - never waited on
        raise AssertionError


@pytest.mark.parametrize(
    ("kind", "peak_priced"), [("openrouter", False), ("url", True), ("sim", True)]
)
def test_only_openrouter_reads_time_of_day_prices_on_our_clock(
    tmp_path: Path, kind: str, peak_priced: bool
) -> None:
    # The emulator keeps its own clock, on a port too, and a proxy may: there any window can
    # apply, whatever time it is here. (This test's run above failed from 10:00 UTC on when
    # a URL endpoint read the windows on the local clock.)
    from orkit.cost._prices import price_overrides
    from orkit.plan._endpoint import Endpoint
    from orkit.plan._services import worst_case_for

    info = Catalog.bundled().get(PEAK)
    assert info is not None
    listed = Prices(prompt=info.prompt_price or 0.0, completion=info.completion_price or 0.0)
    prices = {
        PEAK: Prices(
            prompt=listed.prompt, completion=listed.completion, overrides=price_overrides(info)
        )
    }
    s = sweep(tmp_path, "http://127.0.0.1:9/v1", PEAK)
    task = next(iter(s.tasks()))
    endpoint = Endpoint(kind=kind, base_url="http://127.0.0.1:9/v1")
    reserved = worst_case_for(s, prices, endpoint, _NoonClock()).task(task)
    at_listed = worst_case_usd(task.request, listed)
    assert reserved == pytest.approx(at_listed * (2 if peak_priced else 1))
