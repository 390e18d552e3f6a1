"""The notebook dashboard's cost: the same 5,000-task run with and without the
`RunDashboard` attached, in a real Jupyter kernel.

The kernel is started with jupyter_client (as JupyterLab starts one) and this process is its
client: it reads every iopub message while a cell runs, so the dashboard's widget updates
really go out over ZMQ to a frontend that takes them. Each arm is one cell, `sweep.run()`
with `progress=True` (in a kernel: the dashboard, displayed in that cell) or `progress=False`
(no display at all); the figure is the kernel process's CPU time over the run
(`getrusage(RUSAGE_SELF)` taken in the kernel around `run()`: every thread, the engine's
loop, the dashboard's drawing thread and ipykernel's iopub thread alike).

The run: 2,500 items × 2 models (5,000 tasks, one exact-match scorer, no cache), against
the emulator in its own process on 127.0.0.1 (its CPU is not the kernel's), every answer
taking 200 ms exactly, 60 in flight: at most 300 tasks/s, the pace the issue sets the target
at (a slower pace would make the dashboard's fixed cost per second a larger share, a faster
one a smaller). A short untimed run of each arm first (imports, the emulator's warm-up).

Arms alternate in pairs (every other pair in the other order); `cpu_overhead_pct` is the
median over the pairs of (CPU with − CPU without) ÷ CPU without, within a pair (the machine
alike for both). Target: < 5 (exit 1 after the JSON when missed, or when the dashboard sent
no widget update: then nothing was measured). About 2.5 minutes on an idle 2-core machine
(ORKIT_BENCH_PAIRS, default 4: the extra CPU is ~0.15 s of ~4 s a run, so one pair alone
varies by a few points). Last line of output: one JSON object.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _harness import emit_checked, median, model_profile, sim_process, workdir, write_unique_items

MODELS = ("openai/gpt-4o-mini", "anthropic/claude-3-haiku")
TASKS = 5_000
ITEMS = TASKS // len(MODELS)
LATENCY_S = 0.2
CONCURRENCY = 60
PACE = CONCURRENCY / LATENCY_S  # 300 tasks/s: the most this run can go
WARMUP_ITEMS = 300
PAIRS = int(os.environ.get("ORKIT_BENCH_PAIRS", "4"))
TARGET_PCT = 5.0
CELL_TIMEOUT_S = 300.0
"""The longest one cell (one run) may take: a 5,000-task run takes ~18 s."""

SETUP_CELL = """
import json, resource, time
import orkit
from orkit.sim import SIM_API_KEY

def _bench_arm(dataset, endpoint, progress):
    sweep = orkit.Sweep(
        dataset=dataset,
        models={models!r},
        prompt="{{{{ question }}}}",
        params={{"max_tokens": 8, "temperature": 0}},
        endpoint=endpoint,
        concurrency={concurrency},
        cache=False,
        scorers=[{{"kind": "exact", "expected": "answer"}}],
        out="runs",
        name="bench-dashboard",
    )
    before, start = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    run = sweep.run(api_key=SIM_API_KEY, progress=progress)
    wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    frame = run.to_pandas()
    print("ARM " + json.dumps({{
        "cpu_s": cpu, "wall_s": wall, "tasks": len(frame), "status": run.status,
        "ok": int((frame["status"] == "ok").sum()),
    }}), flush=True)
"""


class Kernel:
    """A jupyter_client kernel client that runs cells and counts the widget messages each
    cell's run sends (what a frontend receives)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def run_cell(self, code: str) -> tuple[list[str], int]:
        """Execute `code`; (its stdout lines, widget comm messages received meanwhile).
        Raises on an error in the cell or past `CELL_TIMEOUT_S`."""
        msg_id = self.client.execute(code)
        deadline = time.monotonic() + CELL_TIMEOUT_S
        out: list[str] = []
        widget_msgs = 0
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"a cell took over {CELL_TIMEOUT_S:.0f} s")
            msg = self.client.get_iopub_msg(timeout=left)
            kind, content = msg["header"]["msg_type"], msg["content"]
            if kind in ("comm_open", "comm_msg"):
                widget_msgs += 1
            elif kind == "stream" and content["name"] == "stdout":
                out.extend(content["text"].splitlines())
            elif kind == "error":
                raise RuntimeError("the cell failed:\n" + "\n".join(content["traceback"]))
            elif (
                kind == "status"
                and msg["parent_header"].get("msg_id") == msg_id
                and content["execution_state"] == "idle"
            ):
                return out, widget_msgs


@contextmanager
def kernel(cwd: Path) -> Iterator[Kernel]:
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(startup_timeout=120, kernel_name="python3", cwd=str(cwd))
    try:
        yield Kernel(kc)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def run_arm(k: Kernel, dataset: Path, endpoint: str, dashboard: bool) -> dict[str, Any]:
    lines, widget_msgs = k.run_cell(
        f"_bench_arm({str(dataset)!r}, {endpoint!r}, progress={dashboard!r})"
    )
    arm = [ln for ln in lines if ln.startswith("ARM ")]
    if not arm:
        raise RuntimeError(f"the arm printed no result: {lines[-5:]}")
    result: dict[str, Any] = json.loads(arm[-1].removeprefix("ARM "))
    result["widget_messages"] = widget_msgs
    result["tasks_per_s"] = result["tasks"] / result["wall_s"]
    return result


def overhead_pct(pairs: list[tuple[float, float]]) -> float:
    """The median over (cpu without, cpu with) pairs of the extra CPU, in % of without."""
    if not pairs:
        raise ValueError("no pairs measured")
    return median([100.0 * (with_ - without) / without for without, with_ in pairs])


def missed_targets(result: dict[str, Any]) -> list[str]:
    missed = []
    pct = result["cpu_overhead_pct"]
    if not pct < TARGET_PCT:  # NaN misses too
        missed.append(f"cpu_overhead_pct {pct} >= {TARGET_PCT:g}")
    if not result["with_dashboard"]["widget_messages_min"] > 0:
        missed.append("the dashboard sent no widget update: nothing was measured")
    if result["without_dashboard"]["widget_messages_max"] != 0:
        missed.append("the arm without the dashboard sent widget messages")
    for arm in ("with_dashboard", "without_dashboard"):
        if result[arm]["rows_short"]:
            missed.append(f"{arm}: {result[arm]['rows_short']} runs without a row per task ok")
    return missed


def summarise(arms: list[dict[str, Any]], expected_tasks: int) -> dict[str, Any]:
    return {
        "cpu_s": round(median([a["cpu_s"] for a in arms]), 3),
        "tasks_per_s": round(median([a["tasks_per_s"] for a in arms]), 1),
        "wall_s": round(median([a["wall_s"] for a in arms]), 2),
        "widget_messages_min": min(a["widget_messages"] for a in arms),
        "widget_messages_max": max(a["widget_messages"] for a in arms),
        "rows_short": sum(
            1 for a in arms if a["ok"] != expected_tasks or a["status"] != "completed"
        ),
    }


def measure(
    items: int = ITEMS, pairs: int = PAIRS, warmup_items: int = WARMUP_ITEMS
) -> dict[str, Any]:
    """Both arms, `pairs` times each, in one kernel; the result before its targets."""
    profile = model_profile(LATENCY_S)
    config = {
        "seed": 3,
        "time_scale": 1.0,
        "json_padding": False,
        "latency_jitter": 1.0,  # every answer takes 200 ms exactly: the pace is 300/s at most
        "models": dict.fromkeys(MODELS, profile),
    }
    with workdir() as tmp, sim_process(config) as endpoint, kernel(tmp) as k:
        dataset = write_unique_items(tmp / "items.jsonl", items)
        warmup = write_unique_items(tmp / "warmup.jsonl", warmup_items)
        k.run_cell(SETUP_CELL.format(models=list(MODELS), concurrency=CONCURRENCY))
        for dashboard in (False, True):
            run_arm(k, warmup, endpoint, dashboard)
        with_arms: list[dict[str, Any]] = []
        without_arms: list[dict[str, Any]] = []
        for pair in range(pairs):
            order = (False, True) if pair % 2 == 0 else (True, False)
            for dashboard in order:
                arm = run_arm(k, dataset, endpoint, dashboard)
                (with_arms if dashboard else without_arms).append(arm)
                print(
                    f"  pair {pair + 1} {'with   ' if dashboard else 'without'} the dashboard: "
                    f"CPU {arm['cpu_s']:.2f} s, {arm['tasks_per_s']:.0f} tasks/s, "
                    f"{arm['widget_messages']} widget messages",
                    flush=True,
                )
    tasks = items * len(MODELS)
    cpu_pairs = [(w["cpu_s"], d["cpu_s"]) for w, d in zip(without_arms, with_arms, strict=True)]
    with_ = summarise(with_arms, tasks)
    without = summarise(without_arms, tasks)
    return {
        "cpu_overhead_pct": round(overhead_pct(cpu_pairs), 2),
        "cpu_overhead_pct_of_medians": round(
            100.0 * (with_["cpu_s"] - without["cpu_s"]) / without["cpu_s"], 2
        ),
        "cpu_s_with_dashboard": with_["cpu_s"],
        "cpu_s_without_dashboard": without["cpu_s"],
        "tasks_per_s_with_dashboard": with_["tasks_per_s"],
        "tasks_per_s_without_dashboard": without["tasks_per_s"],
        "pace_tasks_per_s": PACE,
        "tasks": tasks,
        "pairs": pairs,
        "per_pair_overhead_pct": [round(100.0 * (d - w) / w, 2) for w, d in cpu_pairs],
        "with_dashboard": with_,
        "without_dashboard": without,
    }


def main() -> None:
    start = time.perf_counter()
    print(
        f"{TASKS:,} tasks ({ITEMS:,} items × {len(MODELS)} models) at {LATENCY_S * 1000:.0f} ms "
        f"per answer, {CONCURRENCY} in flight (≤ {PACE:.0f} tasks/s), in a Jupyter kernel; "
        f"{PAIRS} pairs of runs with and without the dashboard",
        flush=True,
    )
    result = measure()
    print(
        f"CPU overhead of the dashboard {result['cpu_overhead_pct']:.2f}% "
        f"(target < {TARGET_PCT:g}); {time.perf_counter() - start:.0f} s in all",
        flush=True,
    )
    emit_checked(result, missed_targets(result))


if __name__ == "__main__":
    main()
