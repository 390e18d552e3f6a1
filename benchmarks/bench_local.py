"""Local servers: does a run against a llama.cpp-like server record its tokens, leave
OpenRouter's account API alone, measure the model rather than the server's queue, and
estimate the next run from what it learnt?

The emulator plays the server in its own process on 127.0.0.1 (`local_server`, as
`orkit sim --local-server` does: its API under `/v1`, its own `/models`, 404 for `/key`,
`/credits`, `/generation`; no usage on streams), answering in
`MODEL_S` seconds (±25% spread), concurrency 16:

1. one slot (llama.cpp's default), orkit as it is: tokens, 404 probes, p50 service time over
   the model's time, makespan over the ideal (tasks × model time), then the next
   estimate's duration over the makespan;
2. the same with `capacity_from_latency = false` (16 requests sent at once, as before);
3. four slots (`-np 4`): p50 service time and makespan over the ideal (tasks × time / 4).

Last line of output: one JSON object.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd
from _harness import emit, sim_process, sim_stats, workdir, write_unique_items

from orkit import Sweep

MODEL = "openai/gpt-4o-mini"
MODEL_S = 0.3
TASKS = 60
CONCURRENCY = 16


def server(slots: int) -> dict[str, Any]:
    return {
        "seed": 5,
        "local_server": True,
        "stream_usage": False,
        "json_padding": False,
        "max_concurrent": slots,
        "models": {MODEL: {"ttft_s": MODEL_S, "tokens_per_s": 10_000.0}},
    }


def sweep(items: Path, url: str, out: Path, routing: dict[str, Any]) -> Sweep:
    return Sweep(
        dataset=str(items),
        models=[MODEL],
        prompt="{{ question }}",
        params={"max_tokens": 16},
        endpoint=url,
        concurrency=CONCURRENCY,
        routing=routing,
        out=str(out),
        cache=False,
    )


def scenario(name: str, slots: int, tasks: int, routing: dict[str, Any]) -> dict[str, Any]:
    with workdir() as tmp, sim_process(server(slots)) as url:
        items = write_unique_items(tmp / "items.jsonl", tasks)
        start = time.perf_counter()
        run = sweep(items, url, tmp / "runs", routing).run(progress=False)
        makespan = time.perf_counter() - start
        rows = pd.read_parquet(run.path / "results")
        stats = sim_stats(url)
        estimate = sweep(items, url, tmp / "runs", routing).estimate()
    ideal = tasks * MODEL_S / slots
    result = {
        "ok": int((rows["status"] == "ok").sum()),
        "tokens_recorded_share": float(rows["completion_tokens"].notna().mean()),
        "probes_404": sum(stats["not_found_by_path"].values()),
        "max_in_flight_at_server": stats["max_in_flight"],
        "p50_service_ratio": float(rows["service_s"].median()) / MODEL_S,
        "makespan_s": makespan,
        "makespan_ratio": makespan / ideal,
        "estimate_ratio": estimate.duration_s / makespan,
    }
    print(f"{name}: {result}")
    return result


def main() -> None:
    one = scenario("one slot", 1, TASKS, {})
    unlimited = scenario("one slot, no latency limiter", 1, TASKS, {"capacity_from_latency": False})
    four = scenario("four slots", 4, 4 * TASKS, {})
    emit(
        {
            "local_tokens_recorded_share": one["tokens_recorded_share"],
            "local_404_probes": one["probes_404"],
            "local_p50_service_ratio": one["p50_service_ratio"],
            "local_makespan_ratio": one["makespan_ratio"],
            "local_estimate_ratio": one["estimate_ratio"],
            "local_p50_service_ratio_without_limiter": unlimited["p50_service_ratio"],
            "local4_p50_service_ratio": four["p50_service_ratio"],
            "local4_makespan_ratio": four["makespan_ratio"],
            "one_slot": one,
            "one_slot_without_limiter": unlimited,
            "four_slots": four,
        }
    )


if __name__ == "__main__":
    main()
