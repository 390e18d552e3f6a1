"""Memory: does the default `orkit run` (summary and HTML report included) stay flat as a
sweep grows from 20,000 to 200,000 tasks?

The real CLI (`python -m orkit run SPEC --yes --no-cache`: progress lines, the summary
table, the exact-match scorer and the report, as a user runs it) runs in a child process
against the emulator in another process on 127.0.0.1, at zero emulated latency; tasks =
items × 10 models at four sizes. The figure is each child's peak RSS (`ru_maxrss` from
`wait4`, i.e. VmHWM, so the end-of-run summary, scoring and report are in it); its RSS is
also sampled twice a second to show the curve.

Baseline, measured in the same run: the floor, a child that only imports what `orkit run`
imports (orkit's CLI, engine and report, pandas, pyarrow) and exits. Each size's peak is
also given above that floor.

Targets (the process exits 1 after the JSON when one is missed): peak(200k) < 400 MB, and
growth above the report's drill-down cap ≤ 5 MB per 10,000 tasks: (peak(200k) −
peak(100k)) / 10, the two sizes whose reports both hold 10,000 items (its default
`max_items`; 100k tasks are 10,000 items, 200k keep 10,000 of 20,000). Below the cap the
report holds every item, so its memory grows with the items by design; what must stay
small is the growth that has no cap. The least-squares slope over all four sizes and the
ratio peak(200k) ÷ peak(20k) are reported beside it (their targets, ≤ 2 and ≤ 1.25, were
set when the report showed 100 items).
370,000 tasks in all: about 4 minutes on an idle 2-core machine (15 on a busy shared one).
Last line of output: one JSON object.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import tomli_w
from _harness import (
    emit_checked,
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
SIZES_ITEMS = (2_000, 5_000, 10_000, 20_000)
"""Dataset items per run: × 10 models, 20k, 50k, 100k and 200k tasks."""
CONCURRENCY = 64
RUN_TIMEOUT_S = 1500.0  # generous: a shared machine ran 200k tasks in 600 s
SAMPLE_S = 0.5

ABOVE_CAP_TARGET_MB_PER_10K = 5.0
LARGE_TARGET_MB = 400.0

FLOOR_IMPORTS = (
    "import orkit.cli, orkit.cli._run, orkit.cli._finish, orkit.api, orkit.report, "
    "orkit.stats, pandas, pyarrow.parquet"
)
"""What the floor child imports: the code `orkit run` loads before it reads a row."""


def sim_config() -> dict[str, Any]:
    return {
        "seed": 9,
        "time_scale": 0.0,  # instant answers; window_scale follows, so no limits apply
        "json_padding": False,
        "models": {m: model_profile(0.0) for m in MODELS},
    }


def least_squares_slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """The slope of the least-squares line through the points (x, y)."""
    if len(xs) != len(ys) or len(xs) < 2:
        raise ValueError("a slope needs two or more points, as many x as y")
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        raise ValueError("a slope needs two or more distinct x")
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def missed_targets(above_cap_mb_per_10k: float, large_mb: float) -> list[str]:
    """One line per target the figures miss (empty: all met)."""
    missed = []
    if not above_cap_mb_per_10k <= ABOVE_CAP_TARGET_MB_PER_10K:
        missed.append(
            f"growth above the drill-down's cap {above_cap_mb_per_10k:.2f} MB per 10k tasks "
            f"> {ABOVE_CAP_TARGET_MB_PER_10K:g}"
        )
    if not large_mb < LARGE_TARGET_MB:
        missed.append(f"peak RSS at 200k tasks {large_mb:.1f} MB >= {LARGE_TARGET_MB:g}")
    return missed


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


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


def child(command: list[str], cwd: Path, env: dict[str, str]) -> dict[str, Any]:
    """Run `command` in a child; its peak RSS, wall and CPU time and RSS samples."""
    # stdout and stderr to files, not pipes: a chatty child can never block on a full pipe.
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        samples, status, usage = watch(proc, start)
        wall = time.perf_counter() - start
        errors.seek(0)
        stderr = errors.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{' '.join(command[:4])} exited {code}: {stderr[-2000:]}")
    return {
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "samples": samples,
    }


def write_spec(path: Path, items: Path, base_url: str, out: Path) -> Path:
    """The sweep as a user writes it: one prompt, the exact-match scorer on `answer`."""
    spec = {
        "name": path.stem,
        "dataset": str(items),
        "models": MODELS,
        "endpoint": base_url,
        "concurrency": CONCURRENCY,
        "out": str(out),
        "prompt": {"template": "{{ question }}"},
        "params": {"max_tokens": 8, "temperature": 0},
        "scorers": [{"kind": "exact", "expected": "answer"}],
    }
    path.write_text(tomli_w.dumps(spec), "utf-8")
    return path


def floor(tmp: Path) -> dict[str, Any]:
    """The baseline: peak RSS of a child that imports what `orkit run` imports, then exits."""
    return child([sys.executable, "-c", FLOOR_IMPORTS], tmp, dict(os.environ))


def cli_run(spec: Path, cwd: Path, cache: Path) -> dict[str, Any]:
    """One default `orkit run` (report written to `cwd/reports/`) in a child."""
    # `--yes`: the 200k run would cost $2.87 on OpenRouter, past the $1 above which
    # `orkit run` asks; `--no-cache`: the response cache must not answer anything.
    command = [sys.executable, "-m", "orkit", "run", str(spec), "--yes", "--no-cache"]
    env = {**os.environ, "OPENROUTER_API_KEY": SIM_API_KEY, "ORKIT_CACHE_DIR": str(cache)}
    result = child(command, cwd, env)
    reports = list((cwd / "reports").glob("*.html"))
    if len(reports) != 1:
        raise RuntimeError(f"expected one HTML report in {cwd / 'reports'}, found {len(reports)}")
    result["report_kb"] = reports[0].stat().st_size / 1024
    return result


def curve(samples: list[tuple[float, float]], points: int = 8) -> str:
    if not samples:
        return "(no samples)"
    step = max(1, len(samples) // points)
    picked = samples[::step] + ([samples[-1]] if (len(samples) - 1) % step else [])
    return ", ".join(f"{t:.0f}s {mb:.0f}" for t, mb in picked)


def measure(items_n: int, base_url: str, tmp: Path, floor_mb: float) -> dict[str, Any]:
    tasks = items_n * len(MODELS)
    name = f"tasks-{tasks}"
    cwd = tmp / name
    cwd.mkdir()
    items = write_unique_items(cwd / "items.jsonl", items_n)
    spec = write_spec(cwd / f"{name}.toml", items, base_url, cwd / "runs")
    sim_reset(base_url)
    r = cli_run(spec, cwd, tmp / f"cache-{name}")
    requests = int(sim_stats(base_url)["requests"])
    print(
        f"  {tasks:,} tasks ({items_n:,} items × {len(MODELS)} models) in "
        f"{r['wall_s']:.1f} s ({tasks / r['wall_s']:.0f} tasks/s, "
        f"{1e6 * r['cpu_s'] / tasks:.0f} µs CPU per task), emulator saw {requests:,} requests; "
        f"peak RSS {r['peak_rss_mb']:.1f} MB ({r['peak_rss_mb'] - floor_mb:+.1f} over the "
        f"floor), report {r['report_kb']:.0f} kB",
        flush=True,
    )
    print(f"    RSS over time (MB): {curve(r['samples'])}", flush=True)
    if requests != tasks:
        print(f"    warning: {requests:,} requests for {tasks:,} tasks", flush=True)
    return {
        "tasks": tasks,
        "peak_rss_mb": round(r["peak_rss_mb"], 1),
        "above_floor_mb": round(r["peak_rss_mb"] - floor_mb, 1),
        "wall_s": round(r["wall_s"], 1),
        "tasks_per_s": round(tasks / r["wall_s"], 1),
        "cpu_us_per_task": round(1e6 * r["cpu_s"] / tasks, 1),
        "emulator_requests": requests,
        "emulator_requests_per_s": round(requests / r["wall_s"], 1),
    }


def main() -> None:
    print(
        f"orkit run SPEC --yes --no-cache (progress, summary, exact scorer, HTML report; "
        f"concurrency {CONCURRENCY}) at zero latency, {len(MODELS)} models",
        flush=True,
    )
    with workdir() as tmp, sim_process(sim_config()) as base_url:
        base = floor(tmp)
        floor_mb = base["peak_rss_mb"]
        print(f"  floor (imports only): peak RSS {floor_mb:.1f} MB", flush=True)
        runs = [measure(n, base_url, tmp, floor_mb) for n in SIZES_ITEMS]
    small, large = runs[0], runs[-1]
    slope = 10_000 * least_squares_slope(
        [r["tasks"] for r in runs], [r["peak_rss_mb"] for r in runs]
    )
    ratio = large["peak_rss_mb"] / small["peak_rss_mb"]
    capped = runs[-2]  # 100k tasks: the first size whose drill-down is at its cap
    above_cap = 10_000 * (large["peak_rss_mb"] - capped["peak_rss_mb"])
    above_cap /= large["tasks"] - capped["tasks"]
    peaks = " → ".join(f"{r['peak_rss_mb']:.0f}" for r in runs)
    print(
        f"peak RSS {peaks} MB: growth above the drill-down's cap {above_cap:.2f} MB per 10k "
        f"tasks (target ≤ {ABOVE_CAP_TARGET_MB_PER_10K:g}), large "
        f"{large['peak_rss_mb']:.0f} MB (target < {LARGE_TARGET_MB:g}; "
        f"{large['peak_rss_mb'] / floor_mb:.2f}× the floor); slope over all sizes "
        f"{slope:.2f} MB per 10k tasks, ratio {ratio:.3f}",
        flush=True,
    )
    missed = missed_targets(above_cap, large["peak_rss_mb"])
    emit_checked(
        {
            "peak_rss_mb_by_size": {str(r["tasks"]): r["peak_rss_mb"] for r in runs},
            "above_cap_mb_per_10k_tasks": round(above_cap, 3),
            "slope_mb_per_10k_tasks": round(slope, 3),
            "peak_rss_mb_large": large["peak_rss_mb"],
            "floor_rss_mb": round(floor_mb, 1),
            "large_over_floor": round(large["peak_rss_mb"] / floor_mb, 3),
            "peak_rss_mb_small": small["peak_rss_mb"],
            "rss_ratio": round(ratio, 3),
            "small": small,
            "large": large,
            "runs": runs,
        },
        missed,
    )


if __name__ == "__main__":
    main()
