"""The free quota an estimate reads from an OpenRouter-compatible server named by its URL
(issue 18's trial): `/key` says how many free requests are left today, as it does for
OpenRouter; a server without `/key` falls back quietly to orkit's own counter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from orkit import Sweep
from orkit.client import AsyncOpenRouter
from orkit.estimate._context import _quota
from orkit.router import RouterOptions
from orkit.sim import SIM_API_KEY, SimConfig, serve_in_thread

FREE = "openai/gpt-oss-20b:free"
PAID = "openai/gpt-4o-mini"
DAY_START = 1767225600  # 2026-01-01 00:00 UTC: the emulated day cannot end mid-test


@pytest.fixture
def spent_free_tier(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An emulator on loopback (50 free requests a day, a 0.6 s free-tier minute)."""
    config = SimConfig(
        time_scale=0.0,
        window_scale=0.01,
        lifetime_purchases_usd=0,
        start_time=DAY_START,
        free_per_minute=100,  # the earlier requests below go out at once
    )
    monkeypatch.setenv("OPENROUTER_API_KEY", SIM_API_KEY)
    with serve_in_thread(config) as url:
        yield url


def sweep(tmp_path: Path, url: str, rows: int, name: str, **kw: Any) -> Sweep:
    base: dict[str, Any] = {
        "dataset": [{"id": f"{name}{i}", "question": f"What is {i} + 2?"} for i in range(rows)],
        "models": [FREE],
        "prompt": "{{ question }}",
        "params": {"temperature": 0, "max_tokens": 16},
        "endpoint": url,
        "out": str(tmp_path / name),
        "cache": False,
    }
    return Sweep(**{**base, **kw})


def spend_free_quota(url: str) -> None:
    """Today's 50 free requests, sent by an earlier run (here: straight to the server)."""
    auth = {"authorization": f"Bearer {SIM_API_KEY}"}
    body = {"model": FREE, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4}
    with httpx.Client(base_url=url, headers=auth) as http:
        for _ in range(50):
            http.post("/chat/completions", json=body).raise_for_status()
        left = http.get("/key").json()["data"]["free_model_daily_requests"]
    assert (left["used"], left["remaining"]) == (50, 0)


def test_an_estimate_on_a_url_reads_the_quota_left_from_key(
    tmp_path: Path, spent_free_tier: str
) -> None:
    url = spent_free_tier
    spend_free_quota(url)
    later = sweep(
        tmp_path, url, 10, "later", params={"temperature": 0, "max_tokens": 16, "models": [PAID]}
    )
    estimate = later.estimate()
    line = estimate.line(FREE)
    assert (line.spill_requests, line.spill_model) == (10, PAID)
    assert f"{FREE}: 10 of 10 requests expected to spill to paid {PAID}" in str(estimate)
    run = later.run()
    rows = run.to_pandas()
    assert (rows["served_model"] == PAID).all()
    spent = float(rows["cost_usd"].sum())
    assert 0 < line.cost_low_usd <= spent <= line.cost_high_usd


@pytest.mark.anyio
async def test_a_server_without_key_falls_back_to_orkits_counter(no_usage_url: str) -> None:
    # a local server (llama.cpp, vLLM) answers 404 for `/key`: no error, no note
    async with AsyncOpenRouter(api_key="sk-local", base_url=no_usage_url) as client:
        quota = await _quota(client, RouterOptions())
    assert (quota.per_day, quota.remaining_today) == (50, 50)
