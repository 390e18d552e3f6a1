"""Estimate speed: a 100,000-row dataset × 20 models priced before a run, in under 3 s and
500 MB.

Each measurement runs in its own process (so its peak RSS is its own): the sweep is built,
then `Sweep.estimate(offline=True)` is timed (prices from the bundled snapshot, prompt tokens
by tokenizer family, no network). A second child does the same against the emulator
(`endpoint = "sim"`: prompt tokens counted request by request and per-provider prices from its
`/endpoints`). The baseline, in the same run, is the naive way: expanding every task
(`Sweep.tasks()`) and summing its prompt length, timed on 5,000 rows and scaled to 100,000.
Last line of output: one JSON object.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from _harness import emit, median, workdir, write_unique_items

ROWS = 100_000
MODELS = [
    "openai/gpt-4o-mini",
    "openai/gpt-4.1-mini",
    "openai/gpt-5.4-mini",
    "anthropic/claude-haiku-4.5",
    "anthropic/claude-sonnet-4.5",
    "google/gemini-2.5-flash",
    "google/gemini-2.5-pro",
    "deepseek/deepseek-v3.2",
    "mistralai/mistral-small-3.2-24b-instruct",
    "meta-llama/llama-3.3-70b-instruct",
    "qwen/qwen3.8-27b",
    "x-ai/grok-4.3",
    "cohere/command-r-08-2024",
    "amazon/nova-lite-v1",
    "google/gemma-3-27b-it",
    "z-ai/glm-4.6",
    "moonshotai/kimi-k2",
    "openai/gpt-oss-120b",
    "openai/gpt-oss-20b:free",
    "minimax/minimax-m2",
]
RUNS = 3
NAIVE_ROWS = 5_000


def _sweep(items: str, endpoint: str) -> object:
    from orkit import Sweep

    return Sweep(
        dataset=items,
        models=MODELS,
        prompt="Answer with the number only.\n{{ question }}",
        system="You are a careful calculator.",
        params={"temperature": 0.7, "max_tokens": 64},
        endpoint=endpoint,
        sim={"time_scale": 0.0},
        cache=False,
    )


def child(items: str, endpoint: str) -> None:
    """Time one estimate and report it with this process's peak RSS."""
    import orkit.api  # noqa: F401 - imports are not part of the estimate's time

    sweep = _sweep(items, endpoint)
    start = time.perf_counter()
    estimate = sweep.estimate(offline=endpoint == "openrouter")  # type: ignore[attr-defined]
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_rss_mb": peak_kb / 1024,
                "requests": estimate.requests,
                "expected_usd": estimate.cost_expected_usd,
            }
        )
    )


def naive(items: str) -> float:
    """Expand every task and sum its prompt characters: seconds per 100,000 rows."""
    import itertools

    sweep = _sweep(items, "openrouter")
    start = time.perf_counter()
    chars = 0
    for task in itertools.islice(sweep.tasks(), NAIVE_ROWS * len(MODELS)):  # type: ignore[attr-defined]
        chars += sum(len(m["content"]) for m in task.request.messages)
    return (time.perf_counter() - start) * ROWS / NAIVE_ROWS


def _measure(items: Path, endpoint: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(items), endpoint],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        env={**os.environ, "ORKIT_CACHE_DIR": str(items.parent / "cache")},
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    with workdir() as tmp:
        items = write_unique_items(tmp / "items.jsonl", ROWS)
        runs = [_measure(items, "openrouter") for _ in range(RUNS)]
        sim = [_measure(items, "sim") for _ in range(RUNS)]
        os.environ["ORKIT_CACHE_DIR"] = str(tmp / "cache")
        naive_s = naive(str(items))
    seconds = median([r["seconds"] for r in runs])
    rss = max(r["peak_rss_mb"] for r in runs)
    detail = {
        "rows": ROWS,
        "models": len(MODELS),
        "requests": int(runs[0]["requests"]),
        "expected_usd": round(runs[0]["expected_usd"], 4),
        "runs_s": [round(r["seconds"], 3) for r in runs],
        "sim_exact_seconds": round(median([r["seconds"] for r in sim]), 3),
        "sim_exact_peak_rss_mb": round(max(r["peak_rss_mb"] for r in sim), 1),
        "baseline_naive_per_task_s": round(naive_s, 2),
        "speedup_vs_naive": round(naive_s / seconds, 1),
    }
    print(detail, flush=True)
    emit(
        {
            "seconds": round(seconds, 3),
            "peak_rss_mb": round(rss, 1),
            "under_3s": seconds < 3.0,
            "under_500mb": rss < 500.0,
            **detail,
        }
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        main()
