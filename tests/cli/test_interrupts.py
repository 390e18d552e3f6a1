"""Ctrl-C, SIGTERM and kill -9 on a real `orkit run` process, then `orkit resume`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest

from orkit.sim import SIM_API_KEY, FaultProfile, SimConfig, serve_in_thread
from tests.cli.journal_rows import wait_for_rows

pytestmark = [pytest.mark.subprocess, pytest.mark.slow, pytest.mark.integration]


@pytest.fixture(scope="module")
def slow_sim() -> Iterator[str]:
    """Answers in ~0.1-0.3 s, so a run of 120 tasks at concurrency 4 takes several seconds."""
    with serve_in_thread(SimConfig(time_scale=0.2, seed=4)) as url:
        yield url


SLOW_MODEL = "deepseek/deepseek-v3.2"


@pytest.fixture
def half_stuck_sim() -> Iterator[str]:
    """One model answers; the other answers every request with a 429 and a Retry-After of
    500 s, which the run waits out: it stays in progress, whatever the machine's speed,
    until the test ends it."""
    faults = FaultProfile(status={429: 1.0}, retry_after_s=2_500.0, models=(SLOW_MODEL,))
    with serve_in_thread(SimConfig(time_scale=0.2, seed=4, faults=faults)) as url:
        yield url


def spec(tmp_path: Path, url: str, items: int = 60, extra: str = "") -> Path:
    data = tmp_path / "items.jsonl"
    data.write_text(
        "".join(
            json.dumps({"id": f"q{i}", "question": f"What is {i} + 7?", "answer": str(i + 7)})
            + "\n"
            for i in range(items)
        )
    )
    path = tmp_path / "spec.toml"
    path.write_text(
        f'dataset = "{data}"\nmodels = ["openai/gpt-4o-mini", "deepseek/deepseek-v3.2"]\n'
        f'endpoint = "{url}"\nconcurrency = 4\nout = "{tmp_path / "runs"}"\ncache = false\n'
        f"{extra}"
        '[prompt]\ntemplate = "{{ question }}"\n[params]\nmax_tokens = 8\n'
    )
    return path


def start(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "OPENROUTER_API_KEY": SIM_API_KEY}

    def default_sigint() -> None:  # a test runner may start us with SIGINT ignored
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    return subprocess.Popen(
        [sys.executable, "-m", "orkit", *args],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=default_sigint,
    )


def resume(run_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPENROUTER_API_KEY": SIM_API_KEY}
    return subprocess.run(
        [sys.executable, "-m", "orkit", "resume", str(run_dir), "-q", "--no-report"],
        env=env,
        text=True,
        capture_output=True,
        timeout=120,
    )


def finished_rows(run_dir: Path) -> pd.DataFrame:
    df = pd.read_parquet(run_dir / "results")
    assert df["task_key"].is_unique
    return df


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_cancels_cleanly_and_resume_finishes(tmp_path, slow_sim, sig) -> None:
    proc = start("run", str(spec(tmp_path, slow_sim)), "-q", "--no-report")
    run_dir = wait_for_rows(tmp_path / "runs")
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines == [f"orkit: interrupted; resume with: orkit resume {run_dir}"]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "cancelled" and manifest["resume_with"].endswith(str(run_dir))
    done_before = len(finished_rows(run_dir))
    assert 0 < done_before < 120
    result = resume(run_dir)
    assert result.returncode == 0, result.stderr
    df = finished_rows(run_dir)
    assert len(df) == 120 and (df["status"] == "ok").all()


def test_kill_9_loses_nothing_paid_for_and_resume_pays_nothing_twice(tmp_path, slow_sim) -> None:
    root = slow_sim.rsplit("/api/v1", 1)[0]
    httpx.post(f"{root}/_sim/reset")
    proc = start("run", str(spec(tmp_path, slow_sim)), "-q", "--no-report")
    run_dir = wait_for_rows(tmp_path / "runs", at_least=20)
    proc.kill()
    proc.communicate(timeout=30)
    assert json.loads((run_dir / "manifest.json").read_text())["status"] == "running"
    result = resume(run_dir)
    assert result.returncode == 0, result.stderr
    df = finished_rows(run_dir)
    assert len(df) == 120 and (df["status"] == "ok").all()
    stats = httpx.get(f"{root}/_sim/stats").json()
    twice = [n for n in stats["billed_by_body_hash"].values() if n > 1]
    # Only requests in flight at the kill (at most `concurrency` = 4 per model) can have
    # been billed and then sent again: their answers never reached the journal.
    assert len(twice) <= 8
    assert df["cost_usd"].sum() <= stats["billed_total_usd"] + 1e-12


def test_a_second_process_cannot_resume_a_run_in_progress(tmp_path, half_stuck_sim) -> None:
    # (against a run that cannot end by itself: one that merely took "several seconds"
    # could finish while a loaded machine was still starting the second process)
    run_spec = spec(tmp_path, half_stuck_sim, extra="task_timeout_s = 0\n")
    proc = start("run", str(run_spec), "-q", "--no-report")
    run_dir = wait_for_rows(tmp_path / "runs")
    try:
        result = resume(run_dir)
        assert result.returncode == 1
        assert "is in use by process" in result.stderr and "Traceback" not in result.stderr
    finally:
        proc.kill()
        proc.communicate(timeout=30)
