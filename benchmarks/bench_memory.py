"""Memory: does `orkit run` stay flat as a sweep grows from 20,000 to 200,000 tasks?

The real CLI (`python -m orkit run ... -q --no-report --concurrency 64`) runs in a child
process against the emulator in another process on 127.0.0.1, at zero emulated latency;
tasks = items × 10 models (2,000 and 20,000 items). The figure is the child's peak RSS
(`ru_maxrss` from `wait4`, i.e. VmHWM); its RSS is also sampled twice a second to show the
curve. Targets: peak(200k) ÷ peak(20k) ≤ 1.25 and peak(200k) < 400 MB.
Last line of output: one JSON object.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _harness import (
    emit,
    model_profile,
    sim_process,
    sim_reset,
    sim_stats,
    workdir,
    write_unique_items,
)

from orkit.sim import SIM_API_KEY

MODELS = [
    "openai/gpt-4o-mini",
    "deepseek/deepseek-v3.2",
    "mistralai/mistral-small-3.2-24b-instruct",
    "anthropic/claude-haiku-4.5",
    "google/gemini-2.5-flash",
    "openai/gpt-4.1-mini",
    "meta-llama/llama-3.3-70b-instruct",
    "qwen/qwen3-32b",
    "google/gemini-2.5-flash-lite",
    "openai/gpt-5-mini",
]
SMALL_ITEMS = 2_000
LARGE_ITEMS = 20_000
CONCURRENCY = 64
RUN_TIMEOUT_S = 600.0
SAMPLE_S = 0.5


def sim_config() -> dict[str, Any]:
    return {
        "seed": 9,
        "time_scale": 0.0,  # instant answers; window_scale follows, so no limits apply
        "json_padding": False,
        "models": {m: model_profile(0.0) for m in MODELS},
    }


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def no_cache() -> list[str]:
    """`--no-cache` (the response cache must not answer anything) and `--yes` (the large run
    would cost $2.87 on OpenRouter, past the $1 above which `orkit run` asks), when this
    orkit has them."""
    command = [sys.executable, "-m", "orkit", "run", "--help"]
    text = subprocess.run(command, capture_output=True, text=True, timeout=60).stdout
    return [flag for flag in ("--no-cache", "--yes") if flag in text]


def watch(
    proc: subprocess.Popen[bytes], start: float
) -> tuple[list[tuple[float, float]], int, resource.struct_rusage]:
    """Sample the child's RSS until it exits; reap it with `wait4` to get its rusage."""
    samples: list[tuple[float, float]] = []
    deadline = start + RUN_TIMEOUT_S
    while True:  # bounded by the deadline
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
            return samples, status, usage
        if time.perf_counter() > deadline:
            proc.kill()
            _, status, _ = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            raise RuntimeError(f"orkit run did not finish within {RUN_TIMEOUT_S:.0f} s")
        rss = rss_mb(proc.pid)
        if rss is not None:
            samples.append((time.perf_counter() - start, rss))
        time.sleep(SAMPLE_S)


def cli_run(base_url: str, items: Path, out: Path, cache: Path) -> dict[str, Any]:
    """One `orkit run` in a child; returns its peak RSS, wall time and RSS samples."""
    command = [
        sys.executable,
        "-m",
        "orkit",
        "run",
        "--dataset",
        str(items),
        *(arg for m in MODELS for arg in ("--model", m)),
        "--prompt",
        "{{ question }}",
        "--param",
        "max_tokens=8",
        "--param",
        "temperature=0",
        "--endpoint",
        base_url,
        "--concurrency",
        str(CONCURRENCY),
        "--out",
        str(out),
        *no_cache(),
        "-q",
        "--no-report",
    ]
    env = {**os.environ, "OPENROUTER_API_KEY": SIM_API_KEY, "ORKIT_CACHE_DIR": str(cache)}
    # stderr to a file, not a pipe: a chatty child can never block on a full pipe.
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        samples, status, usage = watch(proc, start)
        wall = time.perf_counter() - start
        errors.seek(0)
        stderr = errors.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"orkit run exited {code}: {stderr[-2000:]}")
    return {
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "samples": samples,
    }


def curve(samples: list[tuple[float, float]], points: int = 8) -> str:
    if not samples:
        return "(no samples)"
    step = max(1, len(samples) // points)
    picked = samples[::step] + ([samples[-1]] if (len(samples) - 1) % step else [])
    return ", ".join(f"{t:.0f}s {mb:.0f}" for t, mb in picked)


def measure(name: str, items_n: int, base_url: str, tmp: Path) -> dict[str, Any]:
    tasks = items_n * len(MODELS)
    items = write_unique_items(tmp / f"{name}.jsonl", items_n)
    cache = tmp / f"cache-{name}"
    sim_reset(base_url)
    r = cli_run(base_url, items, tmp / f"runs-{name}", cache)
    requests = int(sim_stats(base_url)["requests"])
    emulator_rate = requests / r["wall_s"]
    print(
        f"  {name}: {tasks:,} tasks ({items_n:,} items × {len(MODELS)} models) in "
        f"{r['wall_s']:.1f} s ({tasks / r['wall_s']:.0f} tasks/s, "
        f"{1e6 * r['cpu_s'] / tasks:.0f} µs CPU per task), emulator saw {requests:,} requests; "
        f"peak RSS {r['peak_rss_mb']:.1f} MB",
        flush=True,
    )
    print(f"    RSS over time (MB): {curve(r['samples'])}", flush=True)
    if requests != tasks:
        print(f"    warning: {requests:,} requests for {tasks:,} tasks", flush=True)
    return {
        "tasks": tasks,
        "peak_rss_mb": round(r["peak_rss_mb"], 1),
        "wall_s": round(r["wall_s"], 1),
        "tasks_per_s": round(tasks / r["wall_s"], 1),
        "cpu_us_per_task": round(1e6 * r["cpu_s"] / tasks, 1),
        "emulator_requests": requests,
        "emulator_requests_per_s": round(emulator_rate, 1),
    }


def main() -> None:
    print(
        f"orkit run (CLI, -q --no-report --no-cache, concurrency {CONCURRENCY}) at zero "
        f"latency, {len(MODELS)} models",
        flush=True,
    )
    with workdir() as tmp, sim_process(sim_config()) as base_url:
        small = measure("small", SMALL_ITEMS, base_url, tmp)
        large = measure("large", LARGE_ITEMS, base_url, tmp)
    ratio = large["peak_rss_mb"] / small["peak_rss_mb"]
    print(
        f"peak RSS {small['peak_rss_mb']:.0f} MB → {large['peak_rss_mb']:.0f} MB: ratio "
        f"{ratio:.3f} (target ≤ 1.25), large {large['peak_rss_mb']:.0f} MB (target < 400)",
        flush=True,
    )
    emit(
        {
            "peak_rss_mb_small": small["peak_rss_mb"],
            "peak_rss_mb_large": large["peak_rss_mb"],
            "rss_ratio": round(ratio, 3),
            "small": small,
            "large": large,
        }
    )


if __name__ == "__main__":
    main()
