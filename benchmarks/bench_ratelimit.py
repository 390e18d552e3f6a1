"""Rate limits: does a sweep go as fast as the limits allow, without a 429 storm?

Three runs against the emulator in its own process on 127.0.0.1, each on a fresh emulator,
with 200 ms emulated latency and a concurrency cap of 256, 3,000 tasks (1,000 per model):

1. known limits — orkit's full `run` path: the account-wide free-model limit (20 requests a
   window) on `openai/gpt-oss-20b:free`, and request rates declared in the spec on two paid
   models, which the emulator enforces as upstream limits;
2. unknown limits — upstream limits of 300, 600 and 1,200 requests per (emulated) minute on
   three models, which orkit is not told and must learn;
3. baseline — the known-limit workload through the official `openai` SDK (default retries,
   streaming like orkit, 256 tasks in flight behind a semaphore).

Ideal makespan = max over limited scopes of tasks ÷ allowed rate. Rate-limit windows run on
a time scale (`window_scale`) so each run takes about a minute; latency does not.
Last line of output: one JSON object.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import anyio
import pandas as pd
from _harness import emit, model_profile, sim_process, sim_stats, workdir, write_items

from orkit.batch import Sweep, run_sweep_async
from orkit.sim import SIM_API_KEY

TASKS_PER_MODEL = 1000
CONCURRENCY = 256
LATENCY_S = 0.2

FREE = "openai/gpt-oss-20b:free"
KNOWN_WS = 0.03  # a free-model "minute" is 1.8 s: 1,000 free requests take 90 s at best
KNOWN_RPM = {"deepseek/deepseek-v3.2": 25.0, "mistralai/mistral-small-3.2-24b-instruct": 30.0}
UNKNOWN_WS = 0.25
UNKNOWN_RPM = {
    "openai/gpt-4o-mini": 300.0,
    "anthropic/claude-haiku-4.5": 600.0,
    "google/gemini-2.5-flash": 1200.0,
}


def sim_config(models: list[str], upstream: dict[str, float], ws: float) -> dict[str, Any]:
    return {
        "seed": 11,
        "time_scale": 1.0,
        "window_scale": ws,
        "json_padding": False,
        "upstream_rpm": upstream,
        "lifetime_purchases_usd": 10.0,
        "models": {m: model_profile(LATENCY_S) for m in models},
    }


def per_real_second(rpm_emulated: float, ws: float) -> float:
    return rpm_emulated / (60.0 * ws)


def known_ideal_s() -> float:
    free_rate = per_real_second(20, KNOWN_WS)
    rates = [free_rate] + [per_real_second(r, KNOWN_WS) for r in KNOWN_RPM.values()]
    return max(TASKS_PER_MODEL / r for r in rates)


def unknown_ideal_s() -> float:
    return max(TASKS_PER_MODEL / per_real_second(r, UNKNOWN_WS) for r in UNKNOWN_RPM.values())


async def orkit_run(
    base_url: str,
    items: Path,
    out: Path,
    models: list[str],
    limits: dict[str, Any],
    routing: dict[str, Any],
) -> dict[str, Any]:
    sweep = Sweep(
        dataset=str(items),
        models=models,
        prompt="{{ question }}",
        params={"max_tokens": 8, "temperature": 0},
        endpoint=base_url,
        concurrency=CONCURRENCY,
        out=str(out),
        limits=limits,
        routing=routing,
    )
    start = time.perf_counter()
    run = await run_sweep_async(sweep, api_key=SIM_API_KEY)
    makespan = time.perf_counter() - start
    df = pd.read_parquet(run.results_dir)
    ok = int((df["status"] == "ok").sum())
    return {"makespan_s": makespan, "ok": ok, "lost": len(models) * TASKS_PER_MODEL - ok}


def scenario(
    name: str,
    models: list[str],
    upstream: dict[str, float],
    ws: float,
    limits: dict[str, Any],
    routing: dict[str, Any],
    ideal: float,
) -> dict[str, Any]:
    with workdir() as tmp, sim_process(sim_config(models, upstream, ws)) as base_url:
        items = write_items(tmp / "items.jsonl", TASKS_PER_MODEL)
        result = anyio.run(orkit_run, base_url, items, tmp / "runs", models, limits, routing)
        stats = sim_stats(base_url)
    return report(name, result, stats, ideal)


def report(
    name: str, result: dict[str, Any], stats: dict[str, Any], ideal: float
) -> dict[str, Any]:
    n429 = int(stats["by_status"].get("429", 0))
    requests = int(stats["requests"])
    out = {
        "makespan_s": round(result["makespan_s"], 2),
        "ideal_s": round(ideal, 2),
        "makespan_ratio": round(result["makespan_s"] / ideal, 3),
        "requests": requests,
        "429s": n429,
        "ratio_429": round(n429 / requests, 4),
        "lost_tasks": result["lost"],
    }
    print(f"{name}: {out}", flush=True)
    return out


async def openai_baseline(base_url: str, prompts: list[str], models: list[str]) -> dict[str, Any]:
    import openai

    client = openai.AsyncOpenAI(base_url=base_url, api_key=SIM_API_KEY)  # default retries
    gate = asyncio.Semaphore(CONCURRENCY)
    lost = 0

    async def one(model: str, prompt: str) -> None:
        nonlocal lost
        async with gate:
            try:
                stream = await client.chat.completions.create(
                    model=model,
                    messages=[{"role": "user", "content": prompt}],
                    max_tokens=8,
                    temperature=0,
                    stream=True,
                )
                async for _ in stream:
                    pass
            except openai.APIError:
                lost += 1

    start = time.perf_counter()
    await asyncio.gather(*(one(m, p) for m in models for p in prompts))
    makespan = time.perf_counter() - start
    await client.close()
    return {"makespan_s": makespan, "lost": lost}


def baseline(models: list[str], ideal: float) -> dict[str, Any]:
    import json

    with workdir() as tmp, sim_process(sim_config(models, KNOWN_RPM, KNOWN_WS)) as base_url:
        items = write_items(tmp / "items.jsonl", TASKS_PER_MODEL)
        prompts = [json.loads(line)["question"] for line in items.read_text().splitlines()]
        result = asyncio.run(openai_baseline(base_url, prompts, models))
        stats = sim_stats(base_url)
    return report("baseline (openai SDK)", result, stats, ideal)


def main() -> None:
    known_models = [FREE, *KNOWN_RPM]
    # orkit is told the known limits in real time: requests per real minute.
    limits = {m: {"rpm": per_real_second(r, KNOWN_WS) * 60} for m, r in KNOWN_RPM.items()}
    routing = {"free_window_s": 60 * KNOWN_WS}
    known = scenario(
        "known limits", known_models, KNOWN_RPM, KNOWN_WS, limits, routing, known_ideal_s()
    )
    unknown = scenario(
        "unknown limits", list(UNKNOWN_RPM), UNKNOWN_RPM, UNKNOWN_WS, {}, {}, unknown_ideal_s()
    )
    base = baseline(known_models, known_ideal_s())
    emit(
        {
            "makespan_ratio": known["makespan_ratio"],
            "ratio_429": known["ratio_429"],
            "makespan_ratio_unknown": unknown["makespan_ratio"],
            "ratio_429_unknown": unknown["ratio_429"],
            "lost_tasks": known["lost_tasks"] + unknown["lost_tasks"],
            "baseline_makespan_ratio": base["makespan_ratio"],
            "baseline_ratio_429": base["ratio_429"],
            "baseline_lost_tasks": base["lost_tasks"],
            "tasks": 3 * TASKS_PER_MODEL,
            "known": known,
            "unknown": unknown,
            "baseline": base,
        }
    )


if __name__ == "__main__":
    main()
