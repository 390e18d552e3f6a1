"""Accounting with everything that bills differently in one run against one emulator:
prompt caching (a ~2,000-token system prompt shared by every item: an Anthropic model reads
it at its `prompt_cache = "system"` breakpoint, the others by themselves), BYOK (the account
has its own OpenAI key: OpenAI's models are billed OpenRouter's fee), an LLM judge and the
`similar` scorer's embedding requests. What orkit records (the candidates' totals plus the
judges' line of the manifest) must equal what the emulator billed.

Part of `bench_accounting` (key `with_scorers`, with `cached_rows` and `byok_rows` saying
the run had both). Fault-free on purpose: the chaos runs there already cover broken
streams; this one isolates the judges', embeddings', cache and BYOK lines.
"""

from __future__ import annotations

import json
import time
from typing import Any

import anyio
import pandas as pd
from _cached_sweep import system_prompt
from _harness import sim_process, sim_stats, workdir, write_items

from orkit import Sweep
from orkit.api import run_sweep_async
from orkit.scorers import exact, judge_reference, similar
from orkit.sim import SIM_API_KEY

ITEMS = 300  # × 3 models = 900 tasks, each judged and embedded
MODELS = ["openai/gpt-4o-mini", "deepseek/deepseek-v3.2", "anthropic/claude-haiku-4.5"]
JUDGE = "anthropic/claude-haiku-4.5"
EMBEDDER = "openai/text-embedding-3-small"


async def _run(base_url: str, items: str, out: str) -> tuple[Any, float]:
    sweep = Sweep(
        dataset=items,
        models=MODELS,
        prompt="{{ question }}",
        system=system_prompt(),
        prompt_cache="system",
        params={"max_tokens": 16, "temperature": 0},
        endpoint=base_url,
        concurrency=16,
        out=out,
        scorers=[exact(), judge_reference(JUDGE), similar("answer", model=EMBEDDER)],
        cache=False,
    )
    start = time.perf_counter()
    run_dir = await run_sweep_async(sweep, api_key=SIM_API_KEY)
    return run_dir, time.perf_counter() - start


def check_with_scorers() -> dict[str, Any]:
    """The run's recorded spend (candidates + judges + embeddings) against the bill."""
    config = {"seed": 5, "time_scale": 0.0, "json_padding": False, "byok_providers": ["openai"]}
    with workdir() as tmp, sim_process(config) as base_url:
        items = write_items(tmp / "items.jsonl", ITEMS)
        run_dir, wall = anyio.run(_run, base_url, str(items), str(tmp / "runs"))
        stats = sim_stats(base_url)
        manifest = json.loads((run_dir.path / "manifest.json").read_text())
        results = pd.read_parquet(
            run_dir.results_dir, columns=["cached_tokens", "cache_write_tokens"]
        )
    cached_rows = int(((results["cached_tokens"] > 0) | (results["cache_write_tokens"] > 0)).sum())
    billed = float(stats["billed_total_usd"])
    candidates = float(manifest["totals"]["all"]["cost_usd"] or 0.0)
    judges = manifest.get("judges") or {}
    by_scorer = judges.get("by_scorer", {})
    judged = float(judges.get("cost_usd") or 0.0)
    recorded = candidates + judged
    return {
        "tasks": ITEMS * len(MODELS),
        "wall_s": round(wall, 2),
        "cost_recorded_usd": round(recorded, 12),
        "cost_billed_usd": round(billed, 12),
        "difference_usd": abs(recorded - billed),
        "matches_1e9": abs(recorded - billed) <= 1e-9,
        "judge_requests": by_scorer.get("judge_reference", {}).get("requests"),
        "embedding_requests": by_scorer.get("similar", {}).get("requests"),
        "embedding_requests_billed": stats["by_model"].get(EMBEDDER, 0),
        "judges_cost_unknown_rows": judges.get("cost_unknown_rows"),
        # the same run read and wrote the prompt cache and went through the account's own key
        "cached_rows": cached_rows,
        "cached_tokens": manifest["totals"]["all"].get("cached_tokens"),
        "cache_write_tokens": manifest["totals"]["all"].get("cache_write_tokens"),
        "byok_rows": manifest["totals"]["all"].get("byok_rows"),
    }
