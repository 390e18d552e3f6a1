"""Prompt caching end to end on the emulator: a long shared system prompt, `prompt_cache =
"system"`, an explicit-cache model (Anthropic: breakpoint sent, first request writes, the
rest read) and an implicit one (OpenAI: no breakpoint, reads by itself). The rows' cached and
written tokens and their `cost_usd` add up to the emulator's bill for the key, and the
cache columns price them at the listed prices."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pandas as pd
import pytest

from orkit import Run, Sweep
from orkit.api import run_sweep_async
from orkit.sim import SIM_API_KEY, SimConfig, serve_in_thread
from orkit.sim.ledger import key_label
from tests.sim_http import reset, stats

CLAUDE = "anthropic/claude-haiku-4.5"  # prompt $1/M, read $0.10/M, write $1.25/M
GPT = "openai/gpt-5"  # prompt $1.25/M, read $0.125/M, writes free (none reported)
SYSTEM = " ".join(["rule"] * 1500)  # 1504 tokens as a message on the emulator's tokenizer
SYSTEM_TOKENS = 1504
ITEMS = [{"id": f"q{i}", "question": f"What is {i} plus {i}?"} for i in range(10)]


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    # one provider per model: every request of a model shares its provider's cache
    models = {
        CLAUDE: {"providers": [{"name": "Anthropic", "slug": "anthropic"}]},
        GPT: {"providers": [{"name": "OpenAI", "slug": "openai"}]},
    }
    config = SimConfig.from_dict({"seed": 7, "time_scale": 0.0, "models": models})
    with serve_in_thread(config) as base:
        yield base


def _run(tmp_path: Path, url: str, **extra: Any) -> pd.DataFrame:
    sweep = Sweep(
        dataset=ITEMS,
        models=[CLAUDE, GPT],
        prompt="{{ question }}",
        system=SYSTEM,
        params={"max_tokens": 32},
        endpoint=url,
        out=str(tmp_path),
        cache=False,
        concurrency=4,
        **extra,
    )
    rundir = anyio.run(lambda: run_sweep_async(sweep, api_key=SIM_API_KEY))
    return Run(rundir.path).to_pandas()


def test_rows_split_the_cache_and_add_up_to_the_bill(tmp_path: Path, url: str) -> None:
    reset(url)
    rows = _run(tmp_path, url, prompt_cache="system")
    assert (rows["status"] == "ok").all() and len(rows) == 20
    claude, gpt = rows[rows["model"] == CLAUDE], rows[rows["model"] == GPT]
    # Anthropic: one request wrote the system prompt, every later one read it
    assert sorted(claude["cache_write_tokens"]) == [0] * 9 + [SYSTEM_TOKENS]
    assert sorted(claude["cached_tokens"]) == [0] + [SYSTEM_TOKENS] * 9
    # OpenAI caches by itself (no breakpoint sent) and writes for free
    assert sorted(gpt["cached_tokens"]) == [0] + [SYSTEM_TOKENS] * 9
    assert (gpt["cache_write_tokens"] == 0).all()

    key = stats(url)["keys"][key_label(SIM_API_KEY)]
    assert int(rows["cached_tokens"].sum()) == key["cached_tokens"] == 18 * SYSTEM_TOKENS
    assert int(rows["cache_write_tokens"].sum()) == key["cache_write_tokens"] == SYSTEM_TOKENS
    assert rows["cost_usd"].sum() == pytest.approx(key["usage_usd"], abs=1e-9)

    reader = claude[claude["cached_tokens"] > 0].iloc[0]
    assert reader["cache_read_usd"] == pytest.approx(SYSTEM_TOKENS * 1e-7, abs=1e-15)
    assert reader["cache_write_usd"] == 0.0
    assert reader["cache_savings_usd"] == pytest.approx(SYSTEM_TOKENS * 0.9e-6, abs=1e-15)
    writer = claude[claude["cache_write_tokens"] > 0].iloc[0]
    assert writer["cache_write_usd"] == pytest.approx(SYSTEM_TOKENS * 1.25e-6, abs=1e-15)
    assert writer["cache_savings_usd"] == pytest.approx(-SYSTEM_TOKENS * 0.25e-6, abs=1e-15)
    # each row's savings is what its bill shows: its tokens at plain prices, less the savings
    model = rows["model"].astype(str)
    prompt_price = model.map({CLAUDE: 1e-6, GPT: 1.25e-6})
    completion_price = model.map({CLAUDE: 5e-6, GPT: 1e-5})
    plain = rows["prompt_tokens"] * prompt_price + rows["completion_tokens"] * completion_price
    assert (plain - rows["cache_savings_usd"] - rows["cost_usd"]).abs().max() < 1e-12


def test_without_prompt_cache_the_explicit_model_never_caches(tmp_path: Path, url: str) -> None:
    reset(url)
    rows = _run(tmp_path, url)
    claude, gpt = rows[rows["model"] == CLAUDE], rows[rows["model"] == GPT]
    assert (claude["cached_tokens"] == 0).all() and (claude["cache_write_tokens"] == 0).all()
    assert (claude[["cache_read_usd", "cache_write_usd", "cache_savings_usd"]] == 0.0).all().all()
    assert sorted(gpt["cached_tokens"]) == [0] + [SYSTEM_TOKENS] * 9  # implicit: regardless
    key = stats(url)["keys"][key_label(SIM_API_KEY)]
    assert rows["cost_usd"].sum() == pytest.approx(key["usage_usd"], abs=1e-9)
