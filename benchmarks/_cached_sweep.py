"""The cached sweep of `bench_estimate_accuracy`: a long system prompt (~2,000 tokens) shared
by every item, sent to an Anthropic model with `prompt_cache = "system"`, so the emulator's
providers write it once per wave of concurrent starts and read it after that (at a tenth of
the prompt price; writes at 1.25x). The estimate must price those reads and writes: its
calibrated band must hold the actual cost and its expected cost be within 15%
(`cached_expected_error_pct`).

The emulator runs with some latency (`time_scale` 0.25): a prompt is readable from the cache
once it has been processed (its first token), so the first wave is the requests that start
together, as against a real provider; without latency every request after the first would
read. Its hit rate, expected and actual, is reported beside the cost.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orkit import Sweep

CACHED_MODEL = "anthropic/claude-haiku-4.5"
CACHED_ITEMS = 300
"""Items estimated and run (as many again calibrate first)."""
TOPICS = ["rivers", "owls", "canals", "kites", "glaciers", "bridges", "comets", "looms"]


def system_prompt() -> str:
    """House rules of ~2,000 tokens, the same for every item."""
    rules = [
        f"Rule {i}: when a question touches on {TOPICS[i % len(TOPICS)]}, answer from what "
        f"is generally known, name the uncertainty plainly, and keep the register of rule "
        f"{(i * 7) % 90}."
        for i in range(60)
    ]
    return "You are the reference desk of a small public library.\n" + "\n".join(rules)


def cached_rows(n: int) -> list[dict[str, Any]]:
    return [
        {"id": f"c{i:04d}", "topic": TOPICS[i % len(TOPICS)], "angle": i // len(TOPICS)}
        for i in range(n)
    ]


def cached_sweep(out: Path) -> tuple[Sweep, list[dict[str, Any]]]:
    """The sweep and its rows (twice `CACHED_ITEMS`: `same_prompt` halves them)."""
    rows = cached_rows(2 * CACHED_ITEMS)
    sweep = Sweep(
        dataset=rows,
        models=[CACHED_MODEL],
        prompt="Tell me about {{ topic }} (angle number {{ angle }}).",
        system=system_prompt(),
        params={"temperature": 0.7},
        endpoint="sim",
        sim={"time_scale": 0.25, "window_scale": 0.01, "seed": 13},
        concurrency=32,
        out=str(out),
        cache=False,
        prompt_cache="system",
        name="cached",
    )
    return sweep, rows


def cache_figures(estimate: Any, run: Any) -> dict[str, Any]:
    """The estimate's hit rate and savings against the run's (its manifest totals)."""
    line = estimate.line(CACHED_MODEL)
    totals = run.manifest["totals"]["all"]
    base = totals.get("cache_prompt_tokens") or 0
    actual_rate = (totals.get("cached_tokens") or 0) / base if base else None
    return {
        "cache_hit_rate_expected": _round(line.cache_hit_rate, 4),
        "cache_hit_rate_actual": _round(actual_rate, 4),
        "cache_savings_expected_usd": _round(line.cache_savings_usd, 8),
        "cache_savings_actual_usd": _round(totals.get("cache_savings_usd"), 8),
        "cache_write_tokens_actual": totals.get("cache_write_tokens"),
        "cache_write_tokens_expected": line.cache_write_tokens,
    }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(float(value), digits)
