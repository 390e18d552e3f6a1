"""Budgets: 200 runs with random budgets and random output lengths; actual spend (what the
emulator billed) must never pass the budget. Also reports how much of each budget went
unused (the price of a guarantee that holds against the worst case).

Each run: 40 tasks (20 open-ended prompts × 2 models, answered with filler text whose length
varies by model and run), a random `max_tokens` in 16..512, and a budget drawn uniformly
between 10% and 120% of the run's worst-case total. The emulator runs in its own process on
127.0.0.1 with per-provider price differences; it bills only what it delivers.

The faulted variant runs the same kind of runs (same generator, `ORKIT_BENCH_FAULTED_RUNS`,
default a quarter of the runs) against a second emulator where 30% of streams are cut after
their first chunk (billed in full, as OpenRouter bills them) and 5% of requests get a 500:
`overspent_runs_faulted` must be 0, and `max_unrecorded_usd_faulted` (what the emulator
billed beyond the run's manifest, after its `/generation` cost fill) 0 to rounding. The
unfaulted runs above are its baseline, in the same process.
Last line of output: one JSON object.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import anyio
from _harness import emit, median, sim_process, sim_reset, sim_stats, workdir

from orkit.batch import Sweep, run_sweep_async
from orkit.batch._budget import Prices, worst_case_usd
from orkit.catalog import Catalog
from orkit.sim import SIM_API_KEY

RUNS = int(__import__("os").environ.get("ORKIT_BENCH_RUNS", "200"))
FAULTED_RUNS = int(__import__("os").environ.get("ORKIT_BENCH_FAULTED_RUNS", str(max(1, RUNS // 4))))
FAULTS = {"truncated_stream": 0.3, "status": {"500": 0.05}}
MODELS = ["openai/gpt-4o-mini", "anthropic/claude-haiku-4.5"]
ITEMS = 20


def write_prompts(path: Path, rng: random.Random) -> Path:
    topics = [
        "rivers",
        "bridges",
        "owls",
        "glaciers",
        "lanterns",
        "harbors",
        "orchards",
        "comets",
        "libraries",
        "deserts",
        "violins",
        "meadows",
        "lighthouses",
        "canyons",
    ]
    with open(path, "w") as fh:
        for i in range(ITEMS):
            n = rng.randint(1, 4)
            topic = " and ".join(rng.sample(topics, n))
            fh.write(json.dumps({"id": f"p{i}", "topic": topic}) + "\n")
    return path


def dearest_prices(url: str) -> dict[str, Prices]:
    """For sizing budgets only (orkit reads the same from the emulator's endpoints)."""
    import httpx

    out = {}
    for model in MODELS:
        info = Catalog.bundled().get(model)
        assert info is not None
        eps = httpx.get(f"{url}/models/{model}/endpoints").json()["data"]["endpoints"]
        out[model] = Prices(
            prompt=max(float(e["pricing"]["prompt"]) for e in eps),
            completion=max(float(e["pricing"]["completion"]) for e in eps),
            max_completion_tokens=info.max_completion_tokens,
        )
    return out


def one_run(
    url: str, tmp: Path, rng: random.Random, prices: dict[str, Prices], n: int
) -> dict[str, Any]:
    data = write_prompts(tmp / f"prompts-{n}.jsonl", rng)
    max_tokens = rng.randint(16, 512)
    sweep = Sweep(
        dataset=str(data),
        models=MODELS,
        prompt="Write a note about {{ topic }}.",
        params={"max_tokens": max_tokens, "temperature": 0.7},
        endpoint=url,
        concurrency=16,
        out=str(tmp / "runs"),
        cache=False,
    )
    worst_total = sum(worst_case_usd(t.request, prices[t.model]) for t in sweep.tasks())
    budget = worst_total * rng.uniform(0.1, 1.2)
    sim_reset(url)
    run = anyio.run(
        lambda: run_sweep_async(
            Sweep(**{**sweep.__dict__, "budget_usd": budget}), api_key=SIM_API_KEY
        )
    )
    billed = sim_stats(url)["billed_total_usd"]
    manifest = json.loads((run.path / "manifest.json").read_text())
    counts = manifest.get("journal_counts", {})
    recorded = manifest["totals"]["all"]["cost_usd"]
    return {
        "unrecorded_usd": billed - recorded,
        "budget_usd": budget,
        "spent_usd": billed,
        "max_tokens": max_tokens,
        "ok": counts.get("ok", 0),
        "skipped": counts.get("skipped_budget", 0),
        "overspent": billed > budget + 1e-12,
        "unused_fraction": max(0.0, (budget - billed) / budget),
    }


def runs_against(config: dict[str, Any], runs: int, rng: random.Random) -> list[dict[str, Any]]:
    results = []
    with workdir() as tmp, sim_process(config) as url:
        prices = dearest_prices(url)
        for n in range(runs):
            r = one_run(url, tmp, rng, prices, n)
            results.append(r)
            if n % 20 == 0 or r["overspent"]:
                print(f"run {n:3d}: {r}", flush=True)
    return results


def main() -> None:
    rng = random.Random(2026)
    models_cfg = {m: {"verbosity": rng.randint(40, 400)} for m in MODELS}
    config = {"seed": 9, "time_scale": 0.0, "json_padding": False, "models": models_cfg}
    results = runs_against(config, RUNS, rng)
    print("faulted: 30% truncated streams, 5% 500s", flush=True)
    faulted = runs_against({**config, "faults": FAULTS}, FAULTED_RUNS, rng)
    unused = [r["unused_fraction"] for r in results]
    emit(
        {
            "runs": len(results),
            "overspent_runs": sum(r["overspent"] for r in results),
            "mean_unused_fraction": round(sum(unused) / len(unused), 4),
            "median_unused_fraction": round(median(unused), 4),
            "max_spend_over_budget": max(r["spent_usd"] / r["budget_usd"] for r in results),
            "tasks_skipped_for_budget": sum(r["skipped"] for r in results),
            "tasks_sent": sum(r["ok"] for r in results),
            "runs_faulted": len(faulted),
            "overspent_runs_faulted": sum(r["overspent"] for r in faulted),
            "max_spend_over_budget_faulted": max(r["spent_usd"] / r["budget_usd"] for r in faulted),
            "median_unused_fraction_faulted": round(
                median([r["unused_fraction"] for r in faulted]), 4
            ),
            "max_unrecorded_usd_faulted": max(r["unrecorded_usd"] for r in faulted),
            "tasks_sent_faulted": sum(r["ok"] for r in faulted),
        }
    )


if __name__ == "__main__":
    main()
