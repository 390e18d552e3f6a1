"""Rate limits: does a sweep go as fast as the limits allow, without a 429 storm?

Six runs against the emulator in its own process on 127.0.0.1, each on a fresh emulator
(its clock restarted just before the run), with 200 ms emulated latency (no jitter), a
concurrency cap of 256 and 440 tasks per model:

1. known limits: orkit's full `run` path with the account-wide free-model limit (20
   requests a window) on `openai/gpt-oss-20b:free` and request rates declared in the spec on
   two paid models, which the emulator enforces as upstream limits;
2. unknown limits: upstream limits of 300, 600 and 1,200 requests per (emulated) minute on
   three models, which orkit is not told and must learn;
3. unknown limits, no hints: the same, but the emulator's 429s say nothing about when to
   come back (no `Retry-After`, no `retry_after_seconds`, no `X-RateLimit-Reset`);
4. shifting limits: the unknown limits, each halving at emulated second 40 (real 10 s);
5. baseline: the known-limit workload through the official `openai` SDK (default retries,
   streaming like orkit, 256 tasks in flight behind a semaphore), unpaced;
6. paced baseline: the same SDK paced per model by `aiolimiter` with the limits orkit is
   given in (1), each rate as evenly spaced requests (`AsyncLimiter(1, 1 / rate)`: a burst
   on top of the rate would overrun the free window, and the SDK retries only twice), one
   dispatcher per model starting tasks as its limiter allows.

Every ratio is against the TRUE lower bound of that workload under the emulator's limiter
rules (`_ratebound.py`: the buckets' burst, their rate changes, free windows opened by the
first request) plus one answer's latency, computed, not measured; a run that delivered
every task in less than the bound would prove it wrong and fails the benchmark (a run that
lost tasks, like the naive SDK's, had less to deliver and may end sooner). Rate-limit
windows run on a time scale (`window_scale`) so each run takes about 20-30 s; latency does
not. Expected on an idle 2-core machine: about 2.5 minutes. Last line of output: one JSON
object; exits 1 when a target is missed (`makespan_ratio` <= 1.05,
`makespan_ratio_unknown_nohint` <= 1.25, `makespan_ratio_shifting` <= 1.3, no task lost by
orkit, no complete run below the bound).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

import anyio
import pandas as pd
from _harness import (
    emit_checked,
    model_profile,
    sim_process,
    sim_reset,
    sim_stats,
    workdir,
    write_items,
)
from _ratebound import bucket_admission_times, free_admission_times, makespan_bound_s

from orkit import Sweep
from orkit.api import run_sweep_async
from orkit.sim import SIM_API_KEY

TASKS_PER_MODEL = 440
CONCURRENCY = 256
LATENCY_S = 0.2
START_TIME = 1_767_268_800.0  # 2026-01-01 12:00 UTC: no emulated midnight during a run
FREE_PER_MINUTE = 20
FREE_PER_DAY = 1000  # lifetime purchases >= $10

FREE = "openai/gpt-oss-20b:free"
KNOWN_WS = 0.02  # a free-model "minute" is 1.2 s: 440 free requests need 21 of them
KNOWN_RPM = {"deepseek/deepseek-v3.2": 25.0, "mistralai/mistral-small-3.2-24b-instruct": 30.0}
UNKNOWN_WS = 0.25
UNKNOWN_RPM = {
    "openai/gpt-4o-mini": 300.0,
    "anthropic/claude-haiku-4.5": 600.0,
    "google/gemini-2.5-flash": 1200.0,
}
HALVING_AT_S = 40.0  # emulated seconds since start (10 real seconds at UNKNOWN_WS)
SHIFTING_CHANGES: dict[str, tuple[tuple[float, float], ...]] = {
    m: ((HALVING_AT_S, rpm / 2),) for m, rpm in UNKNOWN_RPM.items()
}

TARGETS = {  # key: highest allowed value
    "makespan_ratio": 1.05,
    "makespan_ratio_unknown_nohint": 1.25,
    "makespan_ratio_shifting": 1.3,
}


def sim_config(
    models: list[str], upstream: dict[str, float], ws: float, **options: Any
) -> dict[str, Any]:
    return {
        "seed": 11,
        "time_scale": 1.0,
        "window_scale": ws,
        "start_time": START_TIME,
        "latency_jitter": 1.0,  # every answer exactly LATENCY_S: the bound's latency is exact
        "json_padding": False,
        "upstream_rpm": upstream,
        "free_per_minute": FREE_PER_MINUTE,
        "lifetime_purchases_usd": 10.0,
        "models": {m: model_profile(LATENCY_S) for m in models},
        **options,
    }


def per_real_second(rpm_emulated: float, ws: float) -> float:
    return rpm_emulated / (60.0 * ws)


def bound_s(
    models: list[str],
    upstream: dict[str, float],
    ws: float,
    changes: dict[str, tuple[tuple[float, float], ...]] | None = None,
) -> float:
    """The shortest possible makespan: each limited scope's earliest last admission."""
    n = TASKS_PER_MODEL
    last = [
        bucket_admission_times(n, rpm, ws, (changes or {}).get(m, ()))[-1]
        for m, rpm in upstream.items()
    ]
    free = [m for m in models if m.endswith(":free")]
    if free:
        last.append(free_admission_times(n * len(free), FREE_PER_MINUTE, FREE_PER_DAY, ws)[-1])
    return makespan_bound_s(last, LATENCY_S)


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
        cache=False,  # every task must pass the limiters
    )
    sim_reset(base_url)  # the emulator's clock (and its limits' schedule) starts now
    start = time.perf_counter()
    run = await run_sweep_async(sweep, api_key=SIM_API_KEY)
    makespan = time.perf_counter() - start
    df = pd.read_parquet(run.results_dir)
    ok = int((df["status"] == "ok").sum())
    return {"makespan_s": makespan, "lost": len(models) * TASKS_PER_MODEL - ok}


def scenario(
    name: str,
    models: list[str],
    upstream: dict[str, float],
    ws: float,
    limits: dict[str, Any],
    routing: dict[str, Any],
    bound: float,
    **sim_options: Any,
) -> dict[str, Any]:
    config = sim_config(models, upstream, ws, **sim_options)
    with workdir() as tmp, sim_process(config) as base_url:
        items = write_items(tmp / "items.jsonl", TASKS_PER_MODEL)
        result = anyio.run(orkit_run, base_url, items, tmp / "runs", models, limits, routing)
        stats = sim_stats(base_url)
    return report(name, result, stats, bound)


def report(
    name: str, result: dict[str, Any], stats: dict[str, Any], bound: float
) -> dict[str, Any]:
    n429 = int(stats["by_status"].get("429", 0))
    requests = int(stats["requests"])
    out = {
        "makespan_s": round(result["makespan_s"], 2),
        "bound_s": round(bound, 3),
        "makespan_ratio": round(result["makespan_s"] / bound, 3),
        "requests": requests,
        "429s": n429,
        "ratio_429": round(n429 / requests, 4) if requests else None,
        "lost_tasks": result["lost"],
    }
    print(f"{name}: {out}", flush=True)
    return out


async def openai_sdk_run(
    base_url: str, prompts: list[str], models: list[str], pacers: dict[str, Any] | None
) -> dict[str, Any]:
    """Every task through the `openai` SDK (default 2 retries), at most CONCURRENCY at once.
    With pacers, one dispatcher per model starts each task once that model's limiter lets
    it (one waiter per limiter: hundreds of tasks polling one `AsyncLimiter` at once wake
    each other so often that the event loop, not the limit, sets the pace)."""
    import openai

    client = openai.AsyncOpenAI(base_url=base_url, api_key=SIM_API_KEY)
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

    async def dispatch(tg: asyncio.TaskGroup, model: str) -> None:
        for prompt in prompts:
            if pacers is not None:
                await pacers[model].acquire()
            tg.create_task(one(model, prompt))

    sim_reset(base_url)
    start = time.perf_counter()
    async with asyncio.TaskGroup() as tg:
        for model in models:
            tg.create_task(dispatch(tg, model))
    makespan = time.perf_counter() - start
    await client.close()
    return {"makespan_s": makespan, "lost": lost}


def paced_limiters(models: list[str]) -> dict[str, Any]:
    """One `aiolimiter` per model holding it to the rate orkit is told (the free model: 20
    per window; the others: their declared rpm), as evenly spaced requests."""
    from aiolimiter import AsyncLimiter

    rates = {m: per_real_second(r, KNOWN_WS) for m, r in KNOWN_RPM.items()}
    rates[FREE] = per_real_second(FREE_PER_MINUTE, KNOWN_WS)
    return {m: AsyncLimiter(1, 1.0 / rates[m]) for m in models}


def baseline(name: str, models: list[str], bound: float, *, paced: bool) -> dict[str, Any]:
    with workdir() as tmp, sim_process(sim_config(models, KNOWN_RPM, KNOWN_WS)) as base_url:
        items = write_items(tmp / "items.jsonl", TASKS_PER_MODEL)
        prompts = [json.loads(line)["question"] for line in items.read_text().splitlines()]

        async def go() -> dict[str, Any]:
            pacers = paced_limiters(models) if paced else None  # bound to this event loop
            return await openai_sdk_run(base_url, prompts, models, pacers)

        result = asyncio.run(go())
        stats = sim_stats(base_url)
    return report(name, result, stats, bound)


def missed_targets(result: dict[str, Any], runs: dict[str, dict[str, Any]]) -> list[str]:
    missed = [f"{k} {result[k]} > {v}" for k, v in TARGETS.items() if result[k] > v]
    missed += [
        f"{name}: {run['lost_tasks']} tasks lost"
        for name, run in runs.items()
        if not name.startswith("baseline") and run["lost_tasks"]
    ]
    # The bound is for delivering every task: a run that gave some up (the naive SDK) may
    # end sooner, so only complete runs prove the bound wrong by beating it.
    missed += [
        f"{name}: makespan below the lower bound ({run['makespan_ratio']})"
        for name, run in runs.items()
        if run["makespan_ratio"] < 1.0 and run["lost_tasks"] == 0
    ]
    return missed


def main() -> None:
    with workdir() as cache:
        os.environ["ORKIT_CACHE_DIR"] = str(cache)  # nothing shared with other runs
        measure()  # exits 1 when a target is missed (emit_checked)


def measure() -> None:
    known_models = [FREE, *KNOWN_RPM]
    unknown_models = list(UNKNOWN_RPM)
    # orkit is told the known limits in real time: requests per real minute.
    limits = {m: {"rpm": per_real_second(r, KNOWN_WS) * 60} for m, r in KNOWN_RPM.items()}
    routing = {"free_window_s": 60 * KNOWN_WS}
    known_bound = bound_s(known_models, KNOWN_RPM, KNOWN_WS)
    unknown_bound = bound_s(unknown_models, UNKNOWN_RPM, UNKNOWN_WS)
    shifting_bound = bound_s(unknown_models, UNKNOWN_RPM, UNKNOWN_WS, SHIFTING_CHANGES)
    runs = {
        "known": scenario(
            "known limits", known_models, KNOWN_RPM, KNOWN_WS, limits, routing, known_bound
        ),
        "unknown": scenario(
            "unknown limits", unknown_models, UNKNOWN_RPM, UNKNOWN_WS, {}, {}, unknown_bound
        ),
        "unknown_nohint": scenario(
            "unknown limits, no retry hints",
            unknown_models,
            UNKNOWN_RPM,
            UNKNOWN_WS,
            {},
            {},
            unknown_bound,
            rate_limit_hints=False,
        ),
        "shifting": scenario(
            "limits halving mid-run",
            unknown_models,
            UNKNOWN_RPM,
            UNKNOWN_WS,
            {},
            {},
            shifting_bound,
            upstream_rpm_changes=SHIFTING_CHANGES,
        ),
        "baseline": baseline("baseline (openai SDK)", known_models, known_bound, paced=False),
        "baseline_paced": baseline(
            "baseline (openai SDK + aiolimiter)", known_models, known_bound, paced=True
        ),
    }
    known, unknown, base = runs["known"], runs["unknown"], runs["baseline"]
    result: dict[str, Any] = {
        "makespan_ratio": known["makespan_ratio"],
        "ratio_429": known["ratio_429"],
        "makespan_ratio_unknown": unknown["makespan_ratio"],
        "ratio_429_unknown": unknown["ratio_429"],
        "makespan_ratio_unknown_nohint": runs["unknown_nohint"]["makespan_ratio"],
        "makespan_ratio_shifting": runs["shifting"]["makespan_ratio"],
        "lost_tasks": sum(r["lost_tasks"] for n, r in runs.items() if not n.startswith("base")),
        "baseline_makespan_ratio": base["makespan_ratio"],
        "baseline_ratio_429": base["ratio_429"],
        "baseline_lost_tasks": base["lost_tasks"],
        "baseline_paced_makespan_ratio": runs["baseline_paced"]["makespan_ratio"],
        "baseline_paced_lost_tasks": runs["baseline_paced"]["lost_tasks"],
        **{f"{name}_429_ratio": run["ratio_429"] for name, run in runs.items()},
        **{
            f"lost_tasks_{name}": run["lost_tasks"]
            for name, run in runs.items()
            if not name.startswith("baseline")
        },
        "tasks": 3 * TASKS_PER_MODEL,
        **runs,
    }
    emit_checked(result, missed_targets(result, runs))


if __name__ == "__main__":
    main()
