"""Crash safety: kill -9 a 5,000-task `orkit run` at a random moment, `orkit resume` it, and
check that nothing is missing, nothing is doubled, and nothing received is paid for twice.

20 trials against the emulator in its own process on 127.0.0.1. For each trial:
- the final results must hold exactly the task keys of an uninterrupted run (computed from
  the spec), with no duplicate rows;
- the emulator bills only completions it delivered, so a request body billed twice means
  orkit sent it again. That is allowed only for requests in flight at the kill (delivered
  by the server, never recorded by the client); a body billed twice whose answer was in the
  journal at the kill is a violation (`double_billed_received`).
Last line of output: one JSON object.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _harness import emit, model_profile, sim_process, sim_reset, sim_stats, workdir, write_items

from orkit.batch import load_spec
from orkit.sim import SIM_API_KEY

TRIALS = int(os.environ.get("ORKIT_BENCH_TRIALS", "20"))
ITEMS = 2500
MODELS = ["openai/gpt-4o-mini", "deepseek/deepseek-v3.2"]  # 5,000 tasks
CONCURRENCY = 64


def write_spec(tmp: Path, url: str) -> Path:
    items = write_items(tmp / "items.jsonl", ITEMS)
    spec = tmp / "spec.toml"
    spec.write_text(
        f'dataset = "{items}"\nmodels = {json.dumps(MODELS)}\nendpoint = "{url}"\n'
        f'concurrency = {CONCURRENCY}\nout = "{tmp / "runs"}"\ncache = false\n'
        '[prompt]\ntemplate = "{{ question }}"\n[params]\nmax_tokens = 8\ntemperature = 0\n'
    )
    return spec


def body_hash(task: Any) -> str:
    """The emulator's key for a request body: the body orkit's client sends for a task."""
    body = task.request.to_body(stream=True)
    body["stream_options"] = {"include_usage": True}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def journal_keys(run_dir: Path) -> set[str]:
    with sqlite3.connect(run_dir / "journal.sqlite") as db:
        return {k for (k,) in db.execute("select task_key from tasks")}


def orkit(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "OPENROUTER_API_KEY": SIM_API_KEY}
    return subprocess.Popen(
        [sys.executable, "-m", "orkit", *args],
        env=env,
        text=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def trial(spec: Path, url: str, rng: random.Random, expected: dict[str, str]) -> dict[str, Any]:
    import pandas as pd

    runs = spec.parent / "runs"
    sim_reset(url)
    proc = orkit("run", str(spec), "-q", "--no-report")
    # Kill at a random moment of the sending phase: the journal appears when the first
    # request is about to go (startup time varies with the machine's load).
    deadline = time.monotonic() + 60
    while not list(runs.glob("*/journal.sqlite")) and time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"orkit run ended early: {proc.communicate()[1][-500:]}")
        time.sleep(0.01)
    time.sleep(rng.uniform(0.0, 3.0))  # the run takes ~4 s
    proc.kill()
    proc.communicate(timeout=60)
    (run_dir,) = [p for p in runs.iterdir() if p.is_dir()]
    received = journal_keys(run_dir) if (run_dir / "journal.sqlite").exists() else set()
    billed_at_kill = sim_stats(url)["billed_count"]
    resumed = orkit("resume", str(run_dir), "-q", "--no-report")
    _, err = resumed.communicate(timeout=600)
    if resumed.returncode != 0:
        raise RuntimeError(f"resume failed: {err.strip()[-500:]}")
    df = pd.read_parquet(run_dir / "results")
    stats = sim_stats(url)
    twice = {h for h, n in stats["billed_by_body_hash"].items() if n > 1}
    received_hashes = {expected[k] for k in received if k in expected}
    out = {
        "killed_after_rows": len(received),
        "keys_match": set(df["task_key"]) == set(expected),
        "duplicate_rows": int(df["task_key"].duplicated().sum()),
        "double_billed": len(twice),
        "double_billed_received": len(twice & received_hashes),
        "in_flight_at_kill": max(0, billed_at_kill - len(received)),
        "all_ok": bool((df["status"] == "ok").all()),
    }
    for p in runs.iterdir():  # the next trial starts from nothing
        import shutil

        shutil.rmtree(p)
    return out


def main() -> None:
    rng = random.Random(7)
    config = {
        "seed": 3,
        "time_scale": 0.02,
        "window_scale": 0.0,
        "json_padding": False,
        "models": {m: model_profile(1.0) for m in MODELS},
    }
    results = []
    with workdir() as tmp, sim_process(config) as url:
        spec = write_spec(tmp, url)
        expected = {t.key: body_hash(t) for t in load_spec(spec).tasks()}
        assert len(expected) == ITEMS * len(MODELS)
        for i in range(TRIALS):
            r = trial(spec, url, rng, expected)
            print(f"trial {i + 1:2d}: {r}", flush=True)
            results.append(r)
    emit(
        {
            "trials": len(results),
            "mismatched_trials": sum(not r["keys_match"] for r in results),
            "duplicate_rows": sum(r["duplicate_rows"] for r in results),
            "double_billed_received": sum(r["double_billed_received"] for r in results),
            "in_flight_at_kill": sum(r["in_flight_at_kill"] for r in results),
            "double_billed_total": sum(r["double_billed"] for r in results),
            "tasks_per_trial": len(MODELS) * ITEMS,
            "killed_after_rows": [r["killed_after_rows"] for r in results],
        }
    )


if __name__ == "__main__":
    main()
