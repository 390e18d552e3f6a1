"""The estimate's prompt caching against the emulator's: a long system prompt shared by
every item, on an Anthropic model (explicit: only with `prompt_cache`) and an OpenAI one
(implicit). The hit rate the estimate predicts is the one the rows report, and the cost the
emulator bills lands in the estimate's band."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from orkit import Sweep
from orkit.catalog import Catalog
from tests.cost.cache_sweeps import ANTHROPIC, OPENAI, cache_sweep


def sweep(tmp_path: Path, **kw: object) -> Sweep:
    return cache_sweep(tmp_path, 40, **kw)


def _rows(run: object) -> pd.DataFrame:
    return pd.read_parquet(run.path / "results")  # type: ignore[attr-defined]


def test_the_predicted_hit_rate_is_the_one_billed(tmp_path: Path) -> None:
    s = sweep(tmp_path, prompt_cache="system")
    estimate = s.estimate()
    rows = _rows(s.run(progress=False))
    for model in (ANTHROPIC, OPENAI):
        line, mine = estimate.line(model), rows[rows["model"] == model]
        actual = mine["cached_tokens"].sum() / mine["prompt_tokens"].sum()
        assert line.cache_hit_rate == pytest.approx(actual, abs=0.05), model
        # an emulator without latency: the first request writes, every later one reads
        assert (mine["cached_tokens"] == 0).sum() == 1
        assert line.cost_low_usd <= mine["cost_usd"].sum() <= line.cost_high_usd, model
    assert (estimate.line(ANTHROPIC).cache_write_usd or 0.0) > 0
    assert estimate.line(OPENAI).cache_write_usd == 0  # gpt-4o-mini lists no write price


def test_an_anthropic_model_caches_nothing_without_a_breakpoint(tmp_path: Path) -> None:
    s = sweep(tmp_path, models=[ANTHROPIC])
    line = s.estimate().line(ANTHROPIC)
    assert line.cached_tokens == 0 and line.cache_savings_usd == 0.0
    rows = _rows(s.run(progress=False))
    assert rows["cached_tokens"].sum() == 0


def test_an_hour_long_breakpoint_writes_at_the_hour_price(tmp_path: Path) -> None:
    five = sweep(tmp_path, models=[ANTHROPIC], prompt_cache="system").estimate()
    hour = sweep(tmp_path, models=[ANTHROPIC], prompt_cache="system", cache_ttl="1h").estimate()
    info = Catalog.bundled().get(ANTHROPIC)
    assert info is not None and info.cache_write_price is not None
    ratio = float(info.pricing["input_cache_write_1h"]) / info.cache_write_price
    assert hour.line(ANTHROPIC).cache_write_usd == pytest.approx(
        (five.line(ANTHROPIC).cache_write_usd or 0.0) * ratio
    )
    assert hour.line(ANTHROPIC).cached_tokens == five.line(ANTHROPIC).cached_tokens
