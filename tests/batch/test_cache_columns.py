"""The rows' prompt-cache columns (results schema 6): their arithmetic at the listed prices,
unknown as null, and a run directory of schema 5 (without them) that still reads, resumes
and re-scores, its old rows' new columns null."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import anyio
import pyarrow.parquet as pq
import pytest

from orkit import Run, Sweep
from orkit.api import resume_async, run_sweep_async
from orkit.batch._cache_columns import (
    NOTHING_CACHED,
    UNKNOWN,
    CachePricing,
    CacheRates,
    cache_costs,
    cache_rates,
    one_hour,
)
from orkit.catalog import Catalog
from orkit.results import RESULTS_SCHEMA

NEW_COLUMNS = ("cache_write_tokens", "cache_read_usd", "cache_write_usd", "cache_savings_usd")
RATES = CacheRates(prompt=3e-6, read=3e-7, write=3.75e-6)


def test_reads_writes_and_savings_at_the_listed_rates() -> None:
    costs = cache_costs(RATES, (5000, 1000, 200))
    assert costs.read_usd == pytest.approx(1000 * 3e-7)
    assert costs.write_usd == pytest.approx(200 * 3.75e-6)
    assert costs.savings_usd == pytest.approx(1200 * 3e-6 - 1000 * 3e-7 - 200 * 3.75e-6)
    writes_only = cache_costs(RATES, (5000, 0, 1000))
    assert writes_only.savings_usd == pytest.approx(-1000 * 0.75e-6)  # a write costs more
    assert cache_costs(RATES, (5000, 0, 0)) == NOTHING_CACHED


def test_tokens_both_read_and_written_replace_the_plain_price_once() -> None:
    # a captured Gemini answer (fixtures/wire/chat-ok-gemini-length-max-tokens.json): of
    # 2168 prompt tokens, 2161 read and the same 2161 billed the cache's write price
    info = Catalog.bundled().get("google/gemini-2.5-flash")
    assert info is not None
    rates = cache_rates(info, 2168, one_hour=False)
    costs = cache_costs(rates, (2168, 2161, 2161))
    assert rates is not None and costs.savings_usd is not None
    billed_prompt = 0.00024701333333333335  # its cost_details.upstream_inference_prompt_cost
    assert 2168 * rates.prompt - costs.savings_usd == pytest.approx(billed_prompt, rel=1e-9)


def test_unknown_counts_or_prices_leave_the_columns_null() -> None:
    assert cache_costs(RATES, (5000, None, 0)) == UNKNOWN
    assert cache_costs(RATES, (5000, 100, None)) == UNKNOWN
    assert cache_costs(None, (5000, 100, 0)) == UNKNOWN
    no_read = CacheRates(prompt=1e-6, read=None, write=None)
    assert cache_costs(no_read, (5000, 100, 0)) == UNKNOWN  # tokens read at a price nobody lists
    assert cache_costs(no_read, (5000, 0, 0)) == NOTHING_CACHED  # nothing read: nothing to price
    free_writes = cache_costs(CacheRates(1e-6, 1e-7, None), (50, 10, 0))  # none written: known
    assert free_writes.read_usd == pytest.approx(1e-6)
    assert free_writes.write_usd == 0.0
    assert free_writes.savings_usd == pytest.approx(9e-6)


def test_rates_follow_long_context_overrides_and_the_one_hour_price() -> None:
    info = Catalog.bundled().get("anthropic/claude-sonnet-4.5")
    assert info is not None
    short = cache_rates(info, 5_000, one_hour=False)
    assert short == CacheRates(prompt=3e-6, read=3e-7, write=3.75e-6)
    long = cache_rates(info, 250_000, one_hour=True)
    assert long == CacheRates(prompt=6e-6, read=6e-7, write=1.2e-5)
    assert cache_rates(info, 5_000, one_hour=True) == CacheRates(3e-6, 3e-7, 6e-6)


def test_pricing_by_model_and_unknown_models() -> None:
    pricing = CachePricing(Catalog.bundled())
    costs = pricing.costs("anthropic/claude-haiku-4.5", (2000, 1500, 0))
    assert costs.read_usd == pytest.approx(1500 * 1e-7)
    assert pricing.costs("nobody/unknown-model", (2000, 1500, 0)) == UNKNOWN


def test_one_pricing_reused_across_prompt_sizes_follows_each_size_class() -> None:
    """The run's pricing keeps each model's rates per size class: a long prompt after a
    short one (and back) still gets its own class's overrides and one-hour price."""
    catalog = Catalog.bundled()
    info = catalog.get("anthropic/claude-sonnet-4.5")
    assert info is not None
    pricing = CachePricing(catalog)
    for prompt, hour in ((5_000, False), (250_000, True), (5_000, True), (250_000, False)):
        counts = (prompt, prompt // 2, 1_000)
        expected = cache_costs(cache_rates(info, prompt, one_hour=hour), counts)
        assert pricing.costs(info.id, counts, one_hour=hour) == expected


def test_one_hour_reads_the_breakpoint() -> None:
    marked = [
        {
            "role": "system",
            "content": [
                {"type": "text", "text": "x", "cache_control": {"type": "ephemeral", "ttl": "1h"}}
            ],
        }
    ]
    assert one_hour(marked)
    assert not one_hour([{"role": "system", "content": "x"}])
    assert list(RESULTS_SCHEMA.names[-4:]) == list(NEW_COLUMNS)


def _downgrade_to_schema_5(run_dir: Path) -> None:
    """What orkit before schema 6 wrote: parts without the new columns, journal rows
    without their keys."""
    for part in (run_dir / "results").glob("*.parquet"):
        table = pq.read_table(part)
        table = table.drop_columns(list(NEW_COLUMNS))
        metadata = {**(table.schema.metadata or {}), b"orkit.schema_version": b"5"}
        pq.write_table(table.replace_schema_metadata(metadata), part)
    with sqlite3.connect(run_dir / "journal.sqlite") as db:
        for key, text in db.execute("SELECT task_key, result FROM tasks").fetchall():
            row = {k: v for k, v in json.loads(text).items() if k not in NEW_COLUMNS}
            db.execute("UPDATE tasks SET result = ? WHERE task_key = ?", (json.dumps(row), key))


def test_a_schema_5_run_reads_resumes_and_rescores(tmp_path: Path) -> None:
    items = [
        {"id": f"q{i}", "question": f"What is {i} + 1?", "answer": str(i + 1)} for i in range(6)
    ]
    dataset = tmp_path / "items.jsonl"
    dataset.write_text("".join(json.dumps(item) + "\n" for item in items))
    sweep = Sweep(
        dataset=str(dataset),
        models=["openai/gpt-4o-mini"],
        prompt="{{ question }}",
        params={"max_tokens": 8},
        scorers=[{"kind": "exact", "expected": "answer"}],
        endpoint="sim",
        sim={"time_scale": 0.0, "seed": 3},
        out=str(tmp_path),
        cache=False,
        concurrency=1,
        budget_usd=1e-5,  # room for about one answer: the rest are left for a resume
    )
    run_dir = anyio.run(lambda: run_sweep_async(sweep)).path
    _downgrade_to_schema_5(run_dir)
    old = Run(run_dir).to_pandas()
    answered = old[old["status"] == "ok"]
    assert 0 < len(answered) < len(old)
    assert old[list(NEW_COLUMNS)].isna().all().all()  # read back as null, never 0

    anyio.run(lambda: resume_async(run_dir, budget_usd=1.0))
    rows = Run(run_dir).to_pandas().set_index("task_key")
    assert (rows["status"] == "ok").all() and len(rows) == len(items)
    kept = rows.loc[answered["task_key"]]
    assert kept[list(NEW_COLUMNS)].isna().all().all()  # nothing made up for the old rows
    new = rows[~rows.index.isin(answered["task_key"])]
    assert (new["cache_write_tokens"] == 0).all()  # short prompts: nothing cached, known
    assert (new[["cache_read_usd", "cache_write_usd", "cache_savings_usd"]] == 0.0).all().all()

    rescored = Run(run_dir).rescore()
    scores = rescored.to_pandas(with_scores=True)
    assert len(scores) == len(items) and "exact" in " ".join(map(str, scores.columns))
